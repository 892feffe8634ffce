"""Commission pages per role, with and without HX-Request (UX §6 "Comisión")."""
from __future__ import annotations

import pytest

from app.commissions import calc
from tests.commissions.helpers import make_loteria, policy, rule
from tests.conftest import HX


def url(level, entity):
    return f"/comisiones/{level}/{entity.id}"


def form(default="5", rules=(), desde="", hasta="", accion="guardar", **extra):
    data = {"default_percent": default, "desde": desde, "hasta": hasta, "accion": accion, **extra}
    for i, r in enumerate(rules):
        for key in ("id", "loteria_id", "bet_type", "multiplier_value", "percent"):
            data[f"rules-{i}-{key}"] = r.get(key, "")
    return data


@pytest.fixture
def hx():
    return dict(HX)


class TestGet:
    @pytest.mark.parametrize("headers", [{}, HX])
    def test_admin_opens_every_level(self, admin_client, org, headers):
        for level, entity in (("banca", org.banca), ("ventana", org.ventana), ("usuario", org.vendedor)):
            resp = admin_client.get(url(level, entity), headers=headers)
            assert resp.status_code == 200
            assert "HX-Request" in resp.headers["Vary"]
            body = resp.get_data(as_text=True)
            assert 'id="comision-editor"' in body and 'value="guardar"' in body
            assert ("<html" in body) is (not headers)

    @pytest.mark.parametrize("headers", [{}, HX])
    def test_listero_reads_own_ventana_read_only(self, ventana_client, org, headers):
        resp = ventana_client.get(url("ventana", org.ventana), headers=headers)
        assert resp.status_code == 200
        body = resp.get_data(as_text=True)
        assert 'value="guardar"' not in body and 'value="probar"' in body

    @pytest.mark.parametrize("headers", [{}, HX])
    def test_vendedor_reads_own_read_only(self, vendedor_client, org, headers):
        resp = vendedor_client.get(url("usuario", org.vendedor), headers=headers)
        assert resp.status_code == 200
        assert 'value="guardar"' not in resp.get_data(as_text=True)

    def test_vendedor_reaches_his_policy_from_mi_cuenta_and_every_link_opens(self, vendedor_client, org):
        """He had no way to his page, and its breadcrumb linked to the Usuarios admin page (403)."""
        import re
        account = vendedor_client.get("/mi-cuenta").get_data(as_text=True)
        assert f'href="{url("usuario", org.vendedor)}"' in account and "Mi comisión" in account
        page = vendedor_client.get(url("usuario", org.vendedor)).get_data(as_text=True)
        assert "Mi cuenta</a> › Mi comisión" in page
        links = {h for h in re.findall(r'href="(/[^"]*)"', page) if not h.startswith("/static")}
        assert links
        for href in links:
            assert vendedor_client.get(href).status_code in (200, 302), href

    @pytest.mark.parametrize("headers", [{}, HX])
    @pytest.mark.parametrize("who,level,attr", [
        ("ventana_client", "banca", "banca"), ("ventana_client", "ventana", "other_ventana"),
        ("ventana_client", "usuario", "other_vendedor"), ("vendedor_client", "usuario", "vendedor2"),
        ("vendedor_client", "ventana", "ventana"), ("vendedor_client", "banca", "banca")])
    def test_refused_out_of_scope(self, request, org, who, level, attr, headers):
        client = request.getfixturevalue(who)
        resp = client.get(url(level, getattr(org, attr)), headers=headers)
        assert resp.status_code == 403
        assert "<html" not in resp.get_data(as_text=True) if headers else True

    def test_unknown_entity_404(self, admin_client):
        assert admin_client.get("/comisiones/ventana/00000000-0000-0000-0000-000000000000").status_code == 404

    def test_shows_stored_policy_in_the_form(self, admin_client, org, session):
        tica = make_loteria(session, org.banca)
        org.ventana.commission_policy = calc.validate_policy(
            policy(12, [rule(15, str(tica.id), "NUMERO", 90, id="r1")], eff_from="2026-03-01T00:00:00-06:00",
                   eff_to="2026-04-01T00:00:00-06:00"))
        session.flush()
        body = admin_client.get(url("ventana", org.ventana), headers=HX).get_data(as_text=True)
        assert 'name="default_percent" value="12"' in body
        assert 'value="2026-03-01"' in body and 'value="2026-03-31"' in body  # Hasta shows the last day
        assert f'<option value="{tica.id}" selected>TICA</option>' in body
        assert 'name="rules-0-multiplier_value" value="90"' in body


class TestIndex:
    # One client per test: the rollback fixture keeps one app context (and so one `g`) per test.
    @pytest.mark.parametrize("headers", [{}, HX])
    def test_admin_overview(self, admin_client, org, headers):
        resp = admin_client.get("/comisiones", headers=headers)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200 and 'id="comisiones"' in body
        assert all(str(e.id) in body for e in (org.banca, org.ventana, org.other_ventana, org.other_vendedor))

    @pytest.mark.parametrize("headers", [{}, HX])
    def test_ventana_overview_only_its_own(self, ventana_client, org, headers):
        resp = ventana_client.get("/comisiones", headers=headers)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200 and 'id="comisiones"' in body
        assert str(org.ventana.id) in body and str(org.vendedor.id) in body
        assert str(org.other_ventana.id) not in body and str(org.other_vendedor.id) not in body
        assert f"/comisiones/banca/{org.banca.id}" not in body

    def test_vendedor_goes_to_his_own(self, vendedor_client, org):
        resp = vendedor_client.get("/comisiones")
        assert resp.status_code == 302 and resp.headers["Location"].endswith(url("usuario", org.vendedor))


class TestSave:
    def test_admin_saves_with_plain_post(self, admin_client, org, session):
        tica = make_loteria(session, org.banca)
        data = form("5,5", [{"loteria_id": str(tica.id), "bet_type": "NUMERO", "multiplier_value": "90", "percent": "10"},
                            {"bet_type": "REVENTADO", "percent": "8"}], desde="2026-03-01", hasta="07/03/2026")
        resp = admin_client.post(url("usuario", org.vendedor), data=data)
        assert resp.status_code == 303 and resp.headers["Location"].endswith(url("usuario", org.vendedor))
        stored = org.vendedor.commission_policy
        assert stored["default_percent"] == 5.5
        assert stored["effective_from"] == "2026-03-01T00:00:00-06:00"
        assert stored["effective_to"] == "2026-03-08T00:00:00-06:00"
        assert [(r["loteria_id"], r["bet_type"], r["multiplier_value"], r["percent"]) for r in stored["rules"]] == \
            [(str(tica.id), "NUMERO", 90, 10), (None, "REVENTADO", None, 8)]
        page = admin_client.get(resp.headers["Location"]).get_data(as_text=True)
        assert "Cambios guardados" in page

    def test_htmx_save_redirects_with_header(self, admin_client, org, hx):
        resp = admin_client.post(url("banca", org.banca), data=form("3"), headers=hx)
        assert resp.status_code == 200 and resp.headers["HX-Redirect"].endswith(url("banca", org.banca))
        assert org.banca.commission_policy["default_percent"] == 3

    def test_resave_keeps_rule_ids_and_reports_no_changes(self, admin_client, org):
        admin_client.post(url("banca", org.banca), data=form("3", [{"percent": "4", "bet_type": "REVENTADO"}]))
        rule_id = org.banca.commission_policy["rules"][0]["id"]
        admin_client.post(url("banca", org.banca), data=form("3", [{"id": rule_id, "percent": "4", "bet_type": "REVENTADO"}]))
        assert org.banca.commission_policy["rules"][0]["id"] == rule_id
        assert "No hay cambios" in admin_client.get(url("banca", org.banca)).get_data(as_text=True)

    @pytest.mark.parametrize("headers", [{}, HX])
    def test_invalid_input_422_next_to_the_field(self, admin_client, org, headers):
        data = form("150", [{"percent": "5", "multiplier_value": "abc"}, {"percent": "5", "multiplier_value": "abc"},
                            {"percent": "2", "bet_type": "NUMERO"}, {"percent": "3", "bet_type": "NUMERO"}],
                    desde="2026-03-10", hasta="2026-03-01")
        resp = admin_client.post(url("ventana", org.ventana), data=data, headers=headers)
        assert resp.status_code == 422
        body = resp.get_data(as_text=True)
        assert 'id="error-effective_to"' in body and "no puede ser anterior a Desde" in body
        assert org.ventana.commission_policy is None
        resp = admin_client.post(url("ventana", org.ventana), data={**data, "desde": "", "hasta": ""}, headers=headers)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 422 and 'id="comision-editor"' in body
        assert 'id="error-default_percent">El porcentaje debe estar entre 0 y 100.' in body
        assert 'id="error-rules-0-multiplier_value">Indique un multiplicador numérico' in body
        assert 'id="error-rules-3">Repite la lotería, el tipo y el multiplicador de la regla 3.' in body
        assert 'name="rules-3-percent" value="3"' in body  # what was typed stays on screen

    def test_bad_date_and_foreign_loteria(self, admin_client, org, session):
        from tests.factories.org import BancaFactory
        foreign = make_loteria(session, BancaFactory(), "NICA")
        resp = admin_client.post(url("banca", org.banca), data=form("5", desde="31/02/2026"))
        assert resp.status_code == 422 and "Fecha inválida" in resp.get_data(as_text=True)
        resp = admin_client.post(url("banca", org.banca), data=form("5", [{"loteria_id": str(foreign.id), "percent": "1"}]))
        assert resp.status_code == 422
        assert 'id="error-rules-0-loteria_id">Esa lotería no pertenece a esta banca.' in resp.get_data(as_text=True)

    def test_listero_saves_own_vendedor(self, ventana_client, org):
        resp = ventana_client.post(url("usuario", org.vendedor), data=form("4"))
        assert resp.status_code == 303 and org.vendedor.commission_policy["default_percent"] == 4

    @pytest.mark.parametrize("headers", [{}, HX])
    @pytest.mark.parametrize("who,level,attr", [
        ("ventana_client", "ventana", "ventana"), ("ventana_client", "usuario", "other_vendedor"),
        ("vendedor_client", "usuario", "vendedor"), ("ventana_client", "banca", "banca")])
    def test_refused_writes(self, request, org, who, level, attr, headers):
        client = request.getfixturevalue(who)
        for accion in ("guardar", "agregar", "eliminar"):
            resp = client.post(url(level, getattr(org, attr)), data=form("50", accion=accion), headers=headers)
            assert resp.status_code == 403
        assert getattr(org, attr).commission_policy is None

    def test_remove_policy(self, admin_client, org):
        admin_client.post(url("usuario", org.vendedor), data=form("4"))
        resp = admin_client.post(url("usuario", org.vendedor), data=form("", accion="eliminar"))
        assert resp.status_code == 303 and org.vendedor.commission_policy is None


class TestRuleRows:
    ROWS = [{"id": "a", "percent": "1", "bet_type": "NUMERO"}, {"id": "b", "percent": "2", "bet_type": "REVENTADO"},
            {"id": "c", "percent": "3"}]

    def order(self, body):
        import re
        return re.findall(r'name="rules-\d+-id" value="(\w*)"', body)

    @pytest.mark.parametrize("headers", [{}, HX])
    def test_add_remove_reorder_without_saving(self, admin_client, org, headers):
        u = url("banca", org.banca)
        body = admin_client.post(u, data=form("5", self.ROWS, accion="agregar"), headers=headers).get_data(as_text=True)
        assert self.order(body) == ["a", "b", "c", ""]
        body = admin_client.post(u, data=form("5", self.ROWS, accion="quitar-1"), headers=headers).get_data(as_text=True)
        assert self.order(body) == ["a", "c"]
        body = admin_client.post(u, data=form("5", self.ROWS, accion="subir-2"), headers=headers).get_data(as_text=True)
        assert self.order(body) == ["a", "c", "b"]
        resp = admin_client.post(u, data=form("5", self.ROWS, accion="bajar-0"), headers=headers)
        assert resp.status_code == 200 and self.order(resp.get_data(as_text=True)) == ["b", "a", "c"]
        assert org.banca.commission_policy is None


class TestProbe:
    def probe(self, **kw):
        return {"probar-monto": "500", "probar-loteria_id": "", "probar-tipo": "REVENTADO",
                "probar-multiplicador": "", "probar-fecha": "", **kw}

    @pytest.mark.parametrize("headers", [{}, HX])
    def test_admin_probes_the_draft(self, admin_client, org, headers):
        org.ventana.commission_policy = calc.validate_policy(policy(12, [rule(15, bet_type="REVENTADO", id="v-rev")]))
        data = {**form("5", [{"id": "x", "bet_type": "REVENTADO", "percent": "8"}], accion="probar"), **self.probe()}
        resp = admin_client.post(url("usuario", org.vendedor), data=data, headers=headers)
        assert resp.status_code == 200
        body = resp.get_data(as_text=True)
        assert 'data-comision="vendedor"' in body and "₡40" in body and "(x)" in body
        assert 'data-comision="listero"' in body and "₡75" in body and "(v-rev)" in body
        assert org.vendedor.commission_policy is None  # probing never saves

    def test_vendedor_probes_his_inherited_commission_without_listero(self, vendedor_client, org):
        org.ventana.commission_policy = calc.validate_policy(policy(12))
        resp = vendedor_client.post(url("usuario", org.vendedor), data={"accion": "probar", **self.probe(**{"probar-tipo": "NUMERO", "probar-multiplicador": "90"})})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "₡60" in body
        assert 'data-comision="listero"' not in body

    @pytest.mark.parametrize("headers", [{}, HX])
    def test_probe_errors_422(self, admin_client, org, headers):
        data = {**form("5", accion="probar"), **self.probe(**{"probar-monto": "", "probar-fecha": "ayer"})}
        resp = admin_client.post(url("banca", org.banca), data=data, headers=headers)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 422
        assert 'id="error-probar-monto">Indique un monto mayor que 0.' in body
        assert 'id="error-probar-fecha">Fecha inválida' in body
        data = {**form("500", accion="probar"), **self.probe()}
        resp = admin_client.post(url("banca", org.banca), data=data, headers=headers)
        assert resp.status_code == 422 and "Corrija la política antes de probarla" in resp.get_data(as_text=True)
