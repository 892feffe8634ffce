"""Draws pages: every role, with and without HX-Request; forms 422, refusals 409, scope 403."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.draws.models import Loteria, LoteriaMultiplier, Sorteo, SorteoStatus
from app.sales.models import Ticket
from app.tz import cr_date_of, cr_today, utcnow
from tests.conftest import HX
from tests.draws.helpers import N, R, make_ticket as _make_ticket
from tests.factories.draws import draw_setup as _draw_setup
from tests.factories.org import BancaFactory
from app.extensions import db

S = SorteoStatus


def draw_setup(*args, **kwargs):
    """The factory, committed (see conftest `org`): refusals in these tests roll the request back."""
    d = _draw_setup(*args, **kwargs)
    db.session.commit()
    return d


def make_ticket(*args, **kwargs):
    t = _make_ticket(*args, **kwargs)
    db.session.commit()
    return t


def body(resp):
    return resp.get_data(as_text=True)


# ---------------------------------------------------------------- reading pages

@pytest.mark.parametrize("url", ["/loterias", "/multiplicadores", "/sorteos"])
def test_lists_for_every_role(org, admin_client, ventana_client, vendedor_client, url):
    d = draw_setup(org.banca)
    for client in (admin_client, ventana_client, vendedor_client):
        page = client.get(url)
        assert page.status_code == 200 and "<h1" in body(page) and "HX-Request" in page.headers["Vary"]
        frag = client.get(url, headers=HX)
        assert frag.status_code == 200 and "<html" not in body(frag)
    assert d.loteria.name in body(admin_client.get("/loterias"))
    assert "Nueva lotería" in body(admin_client.get("/loterias"))
    assert "Nueva lotería" not in body(ventana_client.get("/loterias"))


def test_sorteo_list_filters_by_cr_day_and_shows_actions(org, admin_client, ventana_client):
    d = draw_setup(org.banca, status=S.SCHEDULED)
    day = cr_date_of(d.sorteo.scheduled_at)
    page = body(admin_client.get(f"/sorteos?fecha={day.isoformat()}"))
    assert d.sorteo.name in page and "Abrir" in page and "Cancelar" in page
    frag = admin_client.get(f"/sorteos?fecha={(day + timedelta(days=1)).isoformat()}", headers=HX)
    assert 'id="sorteos-lista"' in body(frag) and d.sorteo.name not in body(frag)
    assert "Abrir" not in body(ventana_client.get(f"/sorteos?fecha={day.isoformat()}"))


def test_admin_pages_refuse_other_roles(org, ventana_client, vendedor_client):
    d = draw_setup(org.banca)
    for client in (ventana_client, vendedor_client):
        for url in ("/loterias/nueva", f"/loterias/{d.loteria.id}", "/multiplicadores/nuevo", "/sorteos/generar",
                    f"/sorteos/{d.sorteo.id}/evaluar", "/sorteos/nuevo"):
            assert client.get(url).status_code == 403, url
        assert client.post(f"/sorteos/{d.sorteo.id}/cerrar").status_code == 403


def test_detail_any_role_but_not_other_banca(org, admin_client, vendedor_client):
    d = draw_setup(org.banca)
    assert vendedor_client.get(f"/sorteos/{d.sorteo.id}").status_code == 200
    resp = admin_client.get(f"/sorteos/{d.sorteo.id}", headers=HX)
    assert resp.status_code == 200 and 'id="sorteo-detalle"' in body(resp)
    other = draw_setup(BancaFactory())
    assert vendedor_client.get(f"/sorteos/{other.sorteo.id}").status_code == 403
    assert admin_client.get(f"/loterias/{other.loteria.id}").status_code == 403


# ---------------------------------------------------------------- loterías and multipliers

LOTERIA_FORM = {"name": "MONAZOS", "digits": "3", "color": "#7c3aed", "min_bet": "100", "max_bet": "5000",
                "max_numbers": "", "closing_minutes": "10", "auto_create": "y", "days_ahead": "2",
                "schedules-0-times": "13:00, 19:00", "schedules-0-days": ["1", "2", "3", "4", "5", "6"],
                "h1_start": "06:00", "h1_end": "18:55"}


def test_create_loteria_through_the_form(session, org, admin_client):
    resp = admin_client.post("/loterias/nueva", data=LOTERIA_FORM)
    assert resp.status_code == 303
    lot = session.scalar(select(Loteria).where(Loteria.name == "MONAZOS"))
    assert lot.rules["digits"] == 3 and lot.rules["closing_time_before_draw"] == 10
    assert lot.rules["draw_schedules"] == [{"frequency": "semanal", "times": ["13:00", "19:00"],
                                            "days_of_week": [1, 2, 3, 4, 5, 6]}]
    assert lot.rules["sales_hours"] == {"1": {"start": "06:00", "end": "18:55"}}
    assert "max_numbers_per_ticket" not in lot.rules and lot.rules["reventado"] == {"enabled": False}
    edit = admin_client.get(f"/loterias/{lot.id}")
    assert edit.status_code == 200 and "13:00, 19:00" in body(edit)


def test_loteria_form_errors_are_422_inline(org, admin_client):
    bad = {**LOTERIA_FORM, "min_bet": "500", "max_bet": "100", "schedules-0-times": "25:00"}
    resp = admin_client.post("/loterias/nueva", data=bad, headers=HX)
    assert resp.status_code == 422 and 'id="form-loteria"' in body(resp)
    assert "menor que el mínimo" in body(resp) and "25:00" in body(resp)
    dup = draw_setup(org.banca, name="TICA")
    resp = admin_client.post("/loterias/nueva", data={**LOTERIA_FORM, "name": dup.loteria.name})
    assert resp.status_code == 409 and "Ya existe" in body(resp)


def test_add_schedule_row_does_not_save(session, org, admin_client):
    resp = admin_client.post("/loterias/nueva", data={**LOTERIA_FORM, "accion": "agregar-horario"}, headers=HX)
    assert resp.status_code == 200 and "schedules-1-times" in body(resp)
    assert session.scalar(select(Loteria).where(Loteria.name == "MONAZOS")) is None


def test_deactivate_refused_with_live_tickets_then_allowed(session, org, admin_client):
    d = draw_setup(org.banca)
    t = make_ticket(d.sorteo, org.vendedor, [(N, "25", 1000, d.m90)])
    resp = admin_client.post(f"/loterias/{d.loteria.id}/desactivar", headers=HX)
    assert resp.status_code == 409 and "tiquetes vendidos" in body(resp)
    session.delete(session.get(Ticket, t.id).jugadas[0])
    session.delete(session.get(Ticket, t.id))
    session.flush()
    resp = admin_client.post(f"/loterias/{d.loteria.id}/desactivar", data={"next": "/loterias"}, headers=HX)
    assert resp.status_code == 200 and resp.headers["HX-Redirect"] == "/loterias"
    assert not session.get(Loteria, d.loteria.id).is_active
    assert admin_client.post(f"/loterias/{d.loteria.id}/reactivar").status_code == 303


def test_multiplier_create_edit_toggle(session, org, admin_client):
    d = draw_setup(org.banca)
    resp = admin_client.post("/multiplicadores/nuevo", data={"loteria_id": str(d.loteria.id), "name": "92x",
                                                              "kind": "NUMERO", "value_x": "92"})
    assert resp.status_code == 303
    m = session.scalar(select(LoteriaMultiplier).where(LoteriaMultiplier.name == "92x"))
    assert m.value_x == Decimal("92")
    assert "Paga 92 veces" in body(admin_client.get(f"/multiplicadores?loteria={d.loteria.id}"))
    bad = admin_client.post("/multiplicadores/nuevo", data={"loteria_id": str(d.loteria.id), "name": "x",
                                                            "kind": "NUMERO", "value_x": "0"}, headers=HX)
    assert bad.status_code == 422 and 'id="form-multiplicador"' in body(bad)
    assert admin_client.get(f"/multiplicadores/{m.id}").status_code == 200
    resp = admin_client.post(f"/multiplicadores/{m.id}", data={"name": "92x", "kind": "NUMERO", "value_x": "93"})
    assert resp.status_code == 303 and session.get(LoteriaMultiplier, m.id).value_x == Decimal("93")
    assert admin_client.post(f"/multiplicadores/{m.id}/desactivar").status_code == 303
    again = admin_client.post(f"/multiplicadores/{m.id}/desactivar", headers=HX)
    assert again.status_code == 409


# ---------------------------------------------------------------- transitions

def test_open_close_through_routes(session, org, admin_client):
    d = draw_setup(org.banca, status=S.SCHEDULED)
    resp = admin_client.post(f"/sorteos/{d.sorteo.id}/abrir", headers=HX)
    assert resp.status_code == 200 and resp.headers["HX-Redirect"] == f"/sorteos/{d.sorteo.id}"
    again = admin_client.post(f"/sorteos/{d.sorteo.id}/abrir", headers=HX)
    assert again.status_code == 409 and "programado" in body(again) and "<html" not in body(again)
    page = admin_client.post(f"/sorteos/{d.sorteo.id}/abrir")
    assert page.status_code == 409 and "<h1" in body(page) and "programado" in body(page)
    assert admin_client.post(f"/sorteos/{d.sorteo.id}/cerrar", data={"next": "/sorteos"}).status_code == 303
    session.expire_all()
    assert session.get(Sorteo, d.sorteo.id).status == S.CLOSED


def test_reopen_needs_reason_422_and_works(session, org, admin_client):
    d = draw_setup(org.banca, status=S.CLOSED)
    resp = admin_client.post(f"/sorteos/{d.sorteo.id}/reabrir", data={"reabrir-reason": ""}, headers=HX)
    assert resp.status_code == 422 and 'id="form-reabrir"' in body(resp)
    resp = admin_client.post(f"/sorteos/{d.sorteo.id}/reabrir", data={"reabrir-reason": "Cerrado por error"})
    assert resp.status_code == 303
    session.expire_all()
    assert session.get(Sorteo, d.sorteo.id).status == S.OPEN


def test_cancel_from_list_and_refusal(session, org, admin_client):
    d = draw_setup(org.banca, status=S.SCHEDULED)
    resp = admin_client.post(f"/sorteos/{d.sorteo.id}/cancelar", data={"next": "/sorteos?fecha=2030-01-01"}, headers=HX)
    assert resp.status_code == 200 and resp.headers["HX-Redirect"] == "/sorteos?fecha=2030-01-01"
    session.expire_all()
    assert not session.get(Sorteo, d.sorteo.id).is_active
    d2 = draw_setup(org.banca)
    make_ticket(d2.sorteo, org.vendedor, [(N, "10", 100, d2.m90)])
    resp = admin_client.post(f"/sorteos/{d2.sorteo.id}/cancelar", data={"cancelar-reason": "No"}, headers=HX)
    assert resp.status_code == 409 and "tiquetes" in body(resp)


def test_create_and_edit_sorteo(session, org, admin_client):
    d = draw_setup(org.banca)
    day = cr_today() + timedelta(days=3)
    resp = admin_client.post("/sorteos/nuevo", data={"loteria_id": str(d.loteria.id), "day": day.isoformat(),
                                                     "time": "19:30", "name": "", "digits": "2"})
    assert resp.status_code == 303
    s = session.scalar(select(Sorteo).where(Sorteo.name == f"{d.loteria.name} 19:30"))
    assert cr_date_of(s.scheduled_at) == day
    dup = admin_client.post("/sorteos/nuevo", data={"loteria_id": str(d.loteria.id), "day": day.isoformat(),
                                                    "time": "19:30", "digits": "2"}, headers=HX)
    assert dup.status_code == 409 and 'id="form-sorteo"' in body(dup)
    bad = admin_client.post("/sorteos/nuevo", data={"loteria_id": str(d.loteria.id), "day": "", "time": "7"},
                            headers=HX)
    assert bad.status_code == 422
    assert admin_client.get(f"/sorteos/{s.id}/editar").status_code == 200
    resp = admin_client.post(f"/sorteos/{s.id}/editar", data={"loteria_id": str(d.loteria.id), "day": day.isoformat(),
                                                              "time": "20:00", "name": "Especial", "digits": "2"})
    assert resp.status_code == 303 and session.get(Sorteo, s.id).name == "Especial"


# ---------------------------------------------------------------- generation

def test_generate_preview_then_create(session, org, admin_client):
    d = draw_setup(org.banca, rules={"digits": 2, "draw_schedules": [{"frequency": "diario", "times": ["12:00", "18:00"]}]})
    start = cr_today() + timedelta(days=10)
    form = {"loteria_id": str(d.loteria.id), "start": start.isoformat(), "days": "2", "accion": "previsualizar"}
    preview = admin_client.post("/sorteos/generar", data=form, headers=HX)
    assert preview.status_code == 200 and 'id="vista-previa"' in body(preview) and "Crear 4 sorteos" in body(preview)
    assert session.scalar(select(func.count(Sorteo.id)).where(Sorteo.loteria_id == d.loteria.id)) == 1
    from app.tz import cr_combine
    chosen = [cr_combine(start, "12:00").isoformat(), cr_combine(start, "18:00").isoformat()]
    created = admin_client.post("/sorteos/generar", data={**form, "accion": "crear", "instantes": chosen}, headers=HX)
    assert created.status_code == 200 and "2 sorteos creados" in body(created)
    assert "toast" in created.headers["HX-Trigger"]
    again = admin_client.post("/sorteos/generar", data={**form, "accion": "crear", "instantes": chosen})
    assert again.status_code == 200 and "0 sorteos creados, 2 omitidos" in body(again)
    none = admin_client.post("/sorteos/generar", data={**form, "accion": "crear"}, headers=HX)
    assert none.status_code == 422
    bad = admin_client.post("/sorteos/generar", data={**form, "days": "40"}, headers=HX)
    assert bad.status_code == 422


# ---------------------------------------------------------------- evaluation

@pytest.fixture
def closed_draw(session, org):
    d = draw_setup(org.banca, status=S.CLOSED, scheduled_at=(utcnow() - timedelta(minutes=30)).replace(microsecond=0))
    make_ticket(d.sorteo, org.vendedor, [(N, "25", 1000, d.m90), (R, "25", 500), (N, "31", 2000, d.m90)])
    return d


def test_evaluation_flow_preview_confirm_status(session, org, admin_client, closed_draw):
    d = closed_draw
    page = admin_client.get(f"/sorteos/{d.sorteo.id}/evaluar")
    assert page.status_code == 200 and "Número ganador" in body(page) and "Roja 200x" in body(page)
    data = {"winning_number": "25", "confirm_number": "25", "extra_multiplier_id": str(d.roja.id), "label": ""}
    preview = admin_client.post(f"/sorteos/{d.sorteo.id}/evaluar/vista-previa", data=data, headers=HX)
    assert preview.status_code == 200 and 'id="evaluacion"' in body(preview)
    assert "₡190 000" in body(preview) and "Confirmar evaluación" in body(preview)
    session.expire_all()
    assert session.get(Sorteo, d.sorteo.id).status == S.CLOSED  # the preview writes nothing
    done = admin_client.post(f"/sorteos/{d.sorteo.id}/evaluar", data=data, headers=HX)
    assert done.status_code == 200 and "Sorteo evaluado" in body(done)
    session.expire_all()
    assert session.get(Sorteo, d.sorteo.id).status == S.EVALUATED
    detail = body(admin_client.get(f"/sorteos/{d.sorteo.id}"))
    assert "Tiquetes ganadores" in detail and "₡190 000" in detail
    # UX §3.1 tiquete labels and §7.3 times: a winner reads "Ganador", the time ends "p. m." once.
    assert '<td data-label="Estado">Ganador</td>' in detail and "Evaluado</td>" not in detail
    assert ". m.." not in detail
    status = admin_client.get(f"/sorteos/{d.sorteo.id}/evaluacion", headers={**HX, "X-Poll": "1"})
    assert status.status_code == 200 and "hx-trigger" not in body(status)


def test_evaluation_form_errors(org, admin_client, closed_draw):
    d = closed_draw
    url = f"/sorteos/{d.sorteo.id}/evaluar/vista-previa"
    mismatch = admin_client.post(url, data={"winning_number": "25", "confirm_number": "52"}, headers=HX)
    assert mismatch.status_code == 422 and "no coinciden" in body(mismatch)
    digits = admin_client.post(url, data={"winning_number": "7", "confirm_number": "7"}, headers=HX)
    assert digits.status_code == 422 and "exactamente 2 cifras" in body(digits)
    bad_mult = admin_client.post(url, data={"winning_number": "25", "confirm_number": "25",
                                            "extra_multiplier_id": str(d.m90.id)}, headers=HX)
    assert bad_mult.status_code == 422


def test_evaluation_refused_while_open(org, admin_client):
    d = draw_setup(org.banca, scheduled_at=(utcnow() - timedelta(minutes=5)).replace(microsecond=0))
    page = admin_client.get(f"/sorteos/{d.sorteo.id}/evaluar")
    assert page.status_code == 200 and "cierre las ventas" in body(page)
    resp = admin_client.post(f"/sorteos/{d.sorteo.id}/evaluar", data={"winning_number": "25", "confirm_number": "25"},
                             headers=HX)
    assert resp.status_code == 409 and "cierre las ventas" in body(resp)


def test_confirm_without_htmx_redirects_to_detail(session, org, admin_client, closed_draw):
    d = closed_draw
    resp = admin_client.post(f"/sorteos/{d.sorteo.id}/evaluar", data={"winning_number": "52", "confirm_number": "52"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/sorteos/{d.sorteo.id}")


def test_revert_route(session, org, admin_client, closed_draw):
    d = closed_draw
    admin_client.post(f"/sorteos/{d.sorteo.id}/evaluar", data={"winning_number": "25", "confirm_number": "25"}, headers=HX)
    short = admin_client.post(f"/sorteos/{d.sorteo.id}/revertir", data={"revertir-reason": "x"}, headers=HX)
    assert short.status_code == 422 and 'id="form-revertir"' in body(short)
    ok = admin_client.post(f"/sorteos/{d.sorteo.id}/revertir", data={"revertir-reason": "Número equivocado"}, headers=HX)
    assert ok.status_code == 200 and ok.headers["HX-Redirect"] == f"/sorteos/{d.sorteo.id}"
    session.expire_all()
    assert session.get(Sorteo, d.sorteo.id).status == S.CLOSED
