"""Bitácora page /admin/bitacora (ADMIN only; filters, pagination, HTMX partial)."""
from __future__ import annotations

from datetime import date

import pytest

from app.audit.services import record
from app.tz import cr_combine
from tests.conftest import HX


@pytest.fixture
def logged(session, org):
    rows = [
        record(session, action="TICKET_CANCEL", layer="sales", actor_id=org.listero.id, banca_id=org.banca.id,
               target_type="ticket", target_id="T260314-00042", details={"reason": "cliente", "amount": "3500"},
               description="Tiquete #T260314-00042 anulado (Monto: ₡3 500)", ip="10.9.8.7"),
        record(session, action="LOGIN", layer="auth", actor_id=org.admin.id, banca_id=org.banca.id,
               target_type="user", target_id=org.admin.id, description="Ingreso de la administradora"),
        record(session, action="JOB_RUN", layer="system", description="Trabajo «open_sorteos» ejecutado"),
    ]
    rows[0].request_id = "req-anular-1"
    rows[0].created_at = cr_combine(date(2026, 3, 14), "10:00")
    rows[1].created_at = cr_combine(date(2026, 3, 15), "10:00")
    rows[2].created_at = cr_combine(date(2026, 3, 16), "10:00")
    session.commit()
    return rows


def test_admin_sees_the_log_with_description_actor_layer_request_id_ip(login, org, logged):
    resp = login(org.admin, org.banca.id).get("/admin/bitacora")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    for text in ("Bitácora", "Tiquete #T260314-00042 anulado (Monto: ₡3 500)", org.listero.name,
                 "Tiquete anulado", "Ventas", "req-anular-1", "10.9.8.7", "14/03/2026", "Detalles", "cliente",
                 "Sistema / desconocido", "Trabajo ejecutado"):
        assert text in html
    assert html.index("Trabajo «open_sorteos»") < html.index("Ingreso de la administradora") < html.index("#T260314")


def test_htmx_returns_the_fragment(login, org, logged):
    resp = login(org.admin, org.banca.id).get("/admin/bitacora?accion=LOGIN", headers=HX)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="bitacora"')
    assert "HX-Request" in resp.headers["Vary"]
    assert "Ingreso de la administradora" in html and "#T260314" not in html


@pytest.mark.parametrize("query, present, absent", [
    ("usuario={listero}", "#T260314", "Ingreso de la administradora"),
    ("capa=system", "open_sorteos", "#T260314"),
    ("objeto=ticket&objeto_id=T260314-00042", "#T260314", "open_sorteos"),
    ("desde=2026-03-15&hasta=2026-03-15", "Ingreso de la administradora", "#T260314"),
    ("desde=14/03/2026&hasta=14/03/2026", "#T260314", "open_sorteos"),
    ("texto=monto", "#T260314", "open_sorteos"),
    ("texto=req-anular", "#T260314", "open_sorteos"),
])
def test_filters(login, org, logged, query, present, absent):
    html = login(org.admin, org.banca.id).get(
        "/admin/bitacora?" + query.format(listero=org.listero.username)).get_data(as_text=True)
    assert present in html and absent not in html


@pytest.mark.parametrize("query, message", [
    ("desde=ayer", "Fecha no válida"),
    ("desde=2026-03-16&hasta=2026-03-15", "no puede ser anterior"),
    ("capa=inventada", "Seleccione un área"),
    ("texto=" + "x" * 101, "Use como máximo 100 caracteres."),
])
def test_bad_filters_answer_422_inline(login, org, logged, query, message):
    resp = login(org.admin, org.banca.id).get("/admin/bitacora?" + query)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Corrija los filtros" in html and message in html


def test_pagination_keeps_the_filters(login, org, session):
    for i in range(30):
        record(session, action="USER_UPDATE", layer="org", banca_id=org.banca.id, description=f"Fila-{i:02d}")
    session.commit()
    client = login(org.admin, org.banca.id)
    html = client.get("/admin/bitacora?accion=USER_UPDATE&por_pagina=25").get_data(as_text=True)
    assert "30 registros" in html and "página 1 de 2" in html
    assert "page=2" in html and "accion=USER_UPDATE" in html
    html = client.get("/admin/bitacora?accion=USER_UPDATE&por_pagina=25&page=2").get_data(as_text=True)
    assert html.count("Fila-") == 5
    html = client.get("/admin/bitacora?accion=USER_UPDATE&por_pagina=1000").get_data(as_text=True)
    assert "página 1 de 1" in html  # unknown page sizes fall back to 50 (never more than 100)


def test_other_bancas_rows_are_not_shown(login, org, session):
    from tests.factories.org import BancaFactory
    other = BancaFactory()
    record(session, action="LOGIN", layer="auth", banca_id=other.id, description="Ingreso en la otra banca")
    session.commit()
    html = login(org.admin, org.banca.id).get("/admin/bitacora").get_data(as_text=True)
    assert "Ingreso en la otra banca" not in html
    html = login(org.admin, other.id).get("/admin/bitacora").get_data(as_text=True)
    assert "Ingreso en la otra banca" in html


@pytest.mark.parametrize("role_attr", ["listero", "vendedor"])
def test_only_admin(login, org, role_attr):
    assert login(getattr(org, role_attr)).get("/admin/bitacora").status_code == 403


def test_anonymous_is_sent_to_login(client):
    resp = client.get("/admin/bitacora")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_details_are_shown_in_spanish_with_formatted_values(login, org, session):
    """The "Detalles" used to print stored keys and codes ("total_payout 135000.00", "from CLOSED")."""
    record(session, action="SORTEO_EVALUATE", layer="draws", actor_id=org.admin.id, banca_id=org.banca.id,
           target_type="sorteo", target_id="s-1", description="Sorteo evaluado: número 82",
           details={"number": "82", "has_winner": True, "total_payout": "135000.00", "from": "CLOSED",
                    "to": "EVALUATED"})
    session.commit()
    html = login(org.admin, org.banca.id).get("/admin/bitacora?accion=SORTEO_EVALUATE").get_data(as_text=True)
    for text in ("Total de premios", "₡135 000", "Estado anterior", "Cerrado", "Evaluado", "Hay ganadores"):
        assert text in html
    for raw in ("total_payout", "135000.00", "CLOSED", "EVALUATED", "has_winner"):
        assert raw not in html


@pytest.mark.parametrize("periodo, present, absent", [
    ("today", ["Ingreso de la administradora"], ["#T260314", "open_sorteos"]),
    ("yesterday", ["#T260314"], ["Ingreso de la administradora", "open_sorteos"]),
    ("week", ["#T260314", "Ingreso de la administradora"], ["open_sorteos"]),
    ("range&desde=2026-03-16&hasta=2026-03-16", ["open_sorteos"], ["#T260314"]),
])
def test_date_presets(login, org, logged, periodo, present, absent):
    """UX §7.3: "Hoy", "Ayer", "Esta semana"… next to Desde/Hasta (CR dates)."""
    import time_machine
    from datetime import datetime
    from zoneinfo import ZoneInfo
    with time_machine.travel(datetime(2026, 3, 15, 12, 0, tzinfo=ZoneInfo("America/Costa_Rica")), tick=False):
        client = login(org.admin, org.banca.id)
        resp = client.get(f"/admin/bitacora?periodo={periodo}", headers=HX)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'name="periodo"' in html and ">Esta semana</option>" in html
    for text in present:
        assert text in html
    for text in absent:
        assert text not in html
