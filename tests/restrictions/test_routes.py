"""Restriction pages per role, with and without HX-Request (UX §6, DOMAIN §10.7)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.restrictions import services
from app.restrictions.models import RestrictionRule
from app.scope import Scope
from tests.conftest import HX
from tests.factories.draws import draw_setup

D = Decimal


def rule_count(session, banca_id):
    return session.scalar(select(func.count()).select_from(RestrictionRule)
                          .where(RestrictionRule.banca_id == banca_id))


def make_rule(session, org, fields, numbers=None, kind=None):
    scope = Scope(user_id=org.admin.id, role=Role.ADMIN, banca_id=org.banca.id)
    created = services.create_rules(session, scope=scope, actor_id=org.admin.id, fields=fields,
                                    numbers_text=numbers, expected_kind=kind)
    session.commit()  # survive the rollback of an error response (see conftest)
    return created


def form(**values):
    base = {"scope": "BANCA", "rule_type": "limite", "numbers": "", "max_amount": "", "max_total": "",
            "base_amount": "", "sales_percentage": "", "sales_cutoff_minutes": "", "max_ticket_total": "",
            "loteria_id": "", "sorteo_id": "", "multiplier_id": "", "message": "", "applies_to_date": "",
            "applies_to_hour": "", "ventana_id": "", "user_id": ""}
    base.update(values)
    return base


class TestList:
    @pytest.mark.parametrize("headers", [{}, HX])
    def test_admin_sees_the_list(self, session, org, admin_client, headers):
        make_rule(session, org, {"max_total": D(5000)}, "13")
        resp = admin_client.get("/restricciones", headers=headers)
        assert resp.status_code == 200 and "HX-Request" in resp.headers["Vary"]
        html = resp.get_data(as_text=True)
        assert 'id="reglas"' in html and "Máx. ₡5 000 acumulado al 13, todas las ventanas" in html
        assert ("<h1>" in html) is (not headers)

    def test_filters_and_pagination(self, session, org, admin_client):
        make_rule(session, org, {"max_total": D(1)}, "00-59")
        make_rule(session, org, {"ventana_id": org.ventana.id, "max_total": D(2)}, "13")
        page1 = admin_client.get("/restricciones", headers=HX).get_data(as_text=True)
        assert page1.count('name="ids"') == 50 and "página 1 de 2" in page1
        page2 = admin_client.get("/restricciones?page=2", headers=HX).get_data(as_text=True)
        assert page2.count('name="ids"') == 11
        ventana = admin_client.get("/restricciones?alcance=VENTANA", headers=HX).get_data(as_text=True)
        assert ventana.count('name="ids"') == 1
        by_number = admin_client.get("/restricciones?numero=13", headers=HX).get_data(as_text=True)
        assert by_number.count('name="ids"') == 2
        assert "No hay restricciones" in admin_client.get("/restricciones?estado=inactive",
                                                          headers=HX).get_data(as_text=True)

    @pytest.mark.parametrize("who", ["ventana_client", "vendedor_client"])
    def test_other_roles_refused(self, request, who):
        client = request.getfixturevalue(who)
        assert client.get("/restricciones").status_code == 403
        assert client.get("/restricciones/nueva").status_code == 403
        assert client.post("/restricciones/nueva", data=form(numbers="13", max_total="5")).status_code == 403
        assert client.post("/restricciones/mantenimiento").status_code == 403


class TestCreate:
    @pytest.mark.parametrize("headers", [{}, HX])
    def test_form_renders(self, session, org, admin_client, headers):
        draw_setup(org.banca, name="TICA")
        session.commit()
        resp = admin_client.get("/restricciones/nueva?alcance=VENTANA", headers=headers)
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert 'id="regla-form"' in html and "TICA" in html and 'value="VENTANA" selected' in html

    def test_single_rule_redirects(self, session, org, admin_client):
        resp = admin_client.post("/restricciones/nueva", data=form(numbers="13", max_total="5 000"))
        assert resp.status_code == 303 and resp.headers["Location"].endswith("/restricciones")
        [rule] = session.scalars(select(RestrictionRule).where(RestrictionRule.banca_id == org.banca.id)).all()
        assert (rule.number, rule.max_total) == ("13", 5000)

    def test_batch_with_htmx_redirects(self, session, org, admin_client):
        resp = admin_client.post("/restricciones/nueva", headers=HX,
                                 data=form(scope="VENTANA", ventana_id=str(org.ventana.id),
                                           numbers="10-19, 25", max_amount="1000", sales_cutoff_minutes="10"))
        assert resp.status_code == 200 and resp.headers["HX-Redirect"].endswith("/restricciones")
        assert rule_count(session, org.banca.id) == 11

    def test_each_type(self, session, org, admin_client):
        d = draw_setup(org.banca)
        session.commit()
        for data in (form(rule_type="corte", sales_cutoff_minutes="5"),
                     form(rule_type="total", max_ticket_total="20000"),
                     form(rule_type="bloqueado", numbers="13"),
                     form(rule_type="multiplicador", loteria_id=str(d.loteria.id), multiplier_id=str(d.m85.id)),
                     form(rule_type="limite", scope="USER", user_id=str(org.vendedor.id), base_amount="2500",
                          sales_percentage="3", applies_to_vendedor="y", is_auto_date="y")):
            assert admin_client.post("/restricciones/nueva", data=data).status_code == 303, data
        kinds = sorted(services.to_spec(r).kind.value for r in session.scalars(
            select(RestrictionRule).where(RestrictionRule.banca_id == org.banca.id)))
        assert kinds == ["CUTOFF", "MULTIPLIER", "NUMBER_LIMIT", "NUMBER_LIMIT", "TICKET_TOTAL"]
        blocked = session.scalar(select(RestrictionRule).where(RestrictionRule.number == "13",
                                                               RestrictionRule.banca_id == org.banca.id))
        assert blocked.max_total == 0

    @pytest.mark.parametrize("data, message", [
        (form(numbers="12, 123", max_total="5"), "«123»"),
        (form(numbers="12, 25, 25", max_total="5"), "Número 25 repetido"),
        (form(numbers="00-99, 100", max_total="5"), "«100»"),
        (form(numbers="00-99, 7*", max_total="5"), "Número 70 repetido"),
        (form(numbers="10, 11", max_total="-5"), "«-5»"),
        (form(numbers="10, 11", max_total="diez"), "«diez»"),
        (form(numbers="10, 11", max_total="5", applies_to_hour="24"), "«24»"),
        (form(numbers="10, 11", max_total="5", applies_to_date="2020-01-01"), "«01/01/2020» ya pasó"),
        (form(rule_type="corte", sales_cutoff_minutes="5", max_amount="3"), "no corresponde"),
        (form(rule_type="corte", sales_cutoff_minutes="31"), "«31»"),
        (form(scope="VENTANA", numbers="13", max_total="5"), "Elija la ventana"),
    ])
    @pytest.mark.parametrize("headers", [{}, HX])
    def test_bad_input_422_names_value_nothing_saved(self, session, org, admin_client, data, message, headers):
        resp = admin_client.post("/restricciones/nueva", data=data, headers=headers)
        assert resp.status_code == 422
        html = resp.get_data(as_text=True)
        assert message in html and 'id="regla-form"' in html
        assert rule_count(session, org.banca.id) == 0

    def test_duplicate_409(self, session, org, admin_client):
        make_rule(session, org, {"max_total": D(5)}, "13")
        resp = admin_client.post("/restricciones/nueva", data=form(numbers="12-14", max_total="9"), headers=HX)
        assert resp.status_code == 409 and "Ya existe una restricción activa igual para: 13" in resp.get_data(
            as_text=True)
        assert rule_count(session, org.banca.id) == 1


class TestEditDeleteRestore:
    @pytest.mark.parametrize("headers", [{}, HX])
    def test_edit_page_and_save(self, session, org, admin_client, headers):
        [rule] = make_rule(session, org, {"max_total": D(5000)}, "13")
        page = admin_client.get(f"/restricciones/{rule.id}/editar", headers=headers)
        assert page.status_code == 200 and 'id="regla-edicion"' in page.get_data(as_text=True)
        resp = admin_client.post(f"/restricciones/{rule.id}/editar", headers=headers,
                                 data={"max_total": "7000", "max_amount": "", "sales_cutoff_minutes": "",
                                       "is_active": "1", "applies_to_date": "", "applies_to_hour": "",
                                       "reason": "más cupo"})
        assert resp.status_code == (200 if headers else 303)
        session.refresh(rule)
        assert rule.max_total == 7000

    def test_edit_needs_reason_and_valid_values(self, session, org, admin_client):
        [rule] = make_rule(session, org, {"max_total": D(5000)}, "13")
        resp = admin_client.post(f"/restricciones/{rule.id}/editar", headers=HX,
                                 data={"max_total": "7000", "reason": ""})
        assert resp.status_code == 422 and "motivo" in resp.get_data(as_text=True)
        resp = admin_client.post(f"/restricciones/{rule.id}/editar", headers=HX,
                                 data={"max_total": "-1", "reason": "bueno"})
        assert resp.status_code == 422 and "«-1»" in resp.get_data(as_text=True)
        session.refresh(rule)
        assert rule.max_total == 5000

    def test_no_changes(self, session, org, admin_client):
        [rule] = make_rule(session, org, {"max_total": D(5000)}, "13")
        resp = admin_client.post(f"/restricciones/{rule.id}/editar", data={"max_total": "5000", "reason": ""})
        assert resp.status_code == 303

    def test_delete_restore_round_trip(self, session, org, admin_client):
        [rule] = make_rule(session, org, {"max_total": D(5000)}, "13")
        assert admin_client.get(f"/restricciones/{rule.id}/desactivar").status_code == 200
        assert admin_client.post(f"/restricciones/{rule.id}/desactivar", data={"reason": ""},
                                 headers=HX).status_code == 422
        assert admin_client.post(f"/restricciones/{rule.id}/desactivar", data={"reason": "ya no"}).status_code == 303
        session.refresh(rule)
        assert not rule.is_active
        assert admin_client.post(f"/restricciones/{rule.id}/desactivar", data={"reason": "otra"},
                                 headers=HX).status_code == 409
        assert admin_client.post(f"/restricciones/{rule.id}/reactivar", data={"reason": "vuelve"},
                                 headers=HX).headers.get("HX-Redirect")
        session.refresh(rule)
        assert rule.is_active

    def test_bulk_deactivate(self, session, org, admin_client):
        rules = make_rule(session, org, {"max_total": D(5)}, "10-12")
        ids = [str(r.id) for r in rules[:2]]
        assert admin_client.post("/restricciones/desactivar", data={"ids": ids, "reason": ""},
                                 headers=HX).status_code == 422
        assert admin_client.post("/restricciones/desactivar", data={"ids": ids, "reason": "limpieza"}
                                 ).status_code == 303
        for r in rules:
            session.refresh(r)
        assert [r.is_active for r in rules] == [False, False, True]

    @pytest.mark.parametrize("headers", [{}, HX])
    def test_bulk_deactivate_without_selection_is_a_422_next_to_the_action(self, session, org, admin_client,
                                                                           headers):
        make_rule(session, org, {"max_total": D(5)}, "10")
        resp = admin_client.post("/restricciones/desactivar", data={"reason": "limpieza"}, headers=headers)
        assert resp.status_code == 422
        assert "Seleccione al menos una restricción." in resp.get_data(as_text=True)
        assert "HX-Redirect" not in resp.headers

    def test_other_banca_rule_refused(self, session, org, login):
        from tests.factories.org import BancaFactory, admin
        other_banca = BancaFactory()
        [rule] = make_rule(session, org, {"max_total": D(5)}, "13")
        other_admin = login(admin(other_banca), other_banca.id)
        assert other_admin.get(f"/restricciones/{rule.id}/editar").status_code == 403
        assert other_admin.post(f"/restricciones/{rule.id}/desactivar", data={"reason": "robo"}).status_code == 403

    def test_housekeeping_run_now(self, app, session, org, admin_client, monkeypatch):
        import fakeredis
        from rq import Queue
        monkeypatch.setitem(app.extensions, "banca_queue",
                            Queue("default", is_async=False, connection=fakeredis.FakeRedis()))
        make_rule(session, org, {"is_auto_date": True, "max_total": D(5)})
        resp = admin_client.post("/restricciones/mantenimiento")
        assert resp.status_code == 303
        follow = admin_client.get("/restricciones").get_data(as_text=True)
        assert "Mantenimiento ejecutado: Números del día actualizados" in follow
        page = admin_client.get("/restricciones").get_data(as_text=True)
        assert "Correcta" in page and "al día" in page


class TestMisRestricciones:
    @pytest.mark.parametrize("headers", [{}, HX])
    def test_vendedor_sees_own(self, session, org, vendedor_client, headers):
        make_rule(session, org, {"ventana_id": org.ventana.id, "max_total": D(10000)}, "15")
        resp = vendedor_client.get("/mis-restricciones", headers=headers)
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert 'id="mis-restricciones"' in html and "Máx. ₡10 000 acumulado al 15" in html
        assert ("Mis restricciones" in html) is (not headers)

    def test_vendedor_cannot_see_others(self, org, vendedor_client):
        assert vendedor_client.get(f"/mis-restricciones?vendedor={org.vendedor2.id}").status_code == 403

    def test_ventana_own_vendedores_only(self, org, ventana_client):
        page = ventana_client.get("/mis-restricciones").get_data(as_text=True)
        assert org.vendedor.name in page and org.other_vendedor.name not in page
        assert ventana_client.get(f"/mis-restricciones?vendedor={org.vendedor.id}", headers=HX).status_code == 200
        assert ventana_client.get(f"/mis-restricciones?vendedor={org.other_vendedor.id}").status_code == 403

    def test_admin_any_vendedor(self, org, admin_client):
        assert admin_client.get("/mis-restricciones").status_code == 200
        resp = admin_client.get(f"/mis-restricciones?vendedor={org.other_vendedor.id}", headers=HX)
        assert resp.status_code == 200 and org.other_vendedor.name in resp.get_data(as_text=True)
        assert admin_client.get("/mis-restricciones?vendedor=nada").status_code == 404
