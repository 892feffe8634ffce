"""/tiquetes: list, detail, scan lookup, receipt and prints, WhatsApp, anular/restaurar, revertir pago."""
from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from decimal import Decimal
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from app.audit.models import ActivityLog
from app.extensions import db
from app.sales.models import Ticket, TicketStatus
from app.tz import utcnow
from tests.sales.ui_helpers import evaluate, hx, root_id

D = Decimal


# --------------------------------------------------------------------------- list


@pytest.mark.parametrize("headers,root", [({}, None), (hx(), "tiquetes")])
def test_list_page_and_fragment(vendedor_client, env, headers, root):
    t = env.sell(["12"])
    resp = vendedor_client.get("/tiquetes", headers=headers)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and t.ticket_number in html and "₡1 000" in html
    if root:
        assert root_id(html) == root
    else:
        assert "<title>Mis tiquetes" in html and "<h1>Mis tiquetes</h1>" in html


def test_list_scope_per_role(login, env, org):
    mine = env.sell(["12"])
    same_ventana = env.sell(["13"], vendedor=org.vendedor2)
    other = env.sell(["14"], vendedor=org.other_vendedor)
    as_vendedor = login(org.vendedor).get("/tiquetes").get_data(as_text=True)
    assert mine.ticket_number in as_vendedor and same_ventana.ticket_number not in as_vendedor
    assert other.ticket_number not in as_vendedor
    as_ventana = login(org.listero).get("/tiquetes").get_data(as_text=True)
    assert same_ventana.ticket_number in as_ventana and other.ticket_number not in as_ventana
    assert "Vendedor" in as_ventana
    as_admin = login(org.admin, org.banca.id).get("/tiquetes").get_data(as_text=True)
    assert all(t.ticket_number in as_admin for t in (mine, same_ventana, other))


def test_list_filters_search_and_totals(vendedor_client, env):
    a = env.sell(["12", "34"])
    b = env.sell(["56"], amount=500)
    html = vendedor_client.get(f"/tiquetes?q={b.ticket_number.lower()}").get_data(as_text=True)
    assert b.ticket_number in html and a.ticket_number not in html
    html = vendedor_client.get("/tiquetes?q=34").get_data(as_text=True)
    assert a.ticket_number in html and b.ticket_number not in html
    # A tiquete number finds it whatever the period ("Hoy" is the default): a customer brings yesterday's back.
    db.session.execute(Ticket.__table__.update().where(Ticket.id == b.id)
                       .values(business_date=b.business_date - timedelta(days=3)))
    html = vendedor_client.get(f"/tiquetes?q={b.ticket_number}").get_data(as_text=True)
    assert b.ticket_number in html and "No hay tiquetes" not in html
    db.session.execute(Ticket.__table__.update().where(Ticket.id == b.id).values(business_date=b.business_date))
    html = vendedor_client.get("/tiquetes").get_data(as_text=True)
    assert "Total filtrado: 2 tiquetes" in html and "₡2 500" in html
    html = vendedor_client.get("/tiquetes?estado=anulado").get_data(as_text=True)
    assert "No hay tiquetes" in html
    html = vendedor_client.get("/tiquetes?ganadores=1&periodo=week").get_data(as_text=True)
    assert "No hay tiquetes" in html


@pytest.mark.parametrize("query", ["periodo=range&desde=2030-01-02&hasta=2030-01-01", "periodo=zzz", "page=-5",
                                   "sorteo=nope&loteria=1&vendedor=%00", "desde=xx&hasta=yy&periodo=range",
                                   "orden=drop%20table", "q=" + "9" * 300, "estado=<script>"])
def test_list_bad_filters_never_500(vendedor_client, env, query):
    resp = vendedor_client.get("/tiquetes?" + query)
    assert resp.status_code == 200


def test_list_pagination(vendedor_client, env):
    for i in range(51):
        env.sell([f"{i:02d}"], amount=100)
    html = vendedor_client.get("/tiquetes").get_data(as_text=True)
    assert "página 1 de 2" in html and "Siguiente" in html and "Total filtrado: 51" in html
    html = vendedor_client.get("/tiquetes?page=2", headers=hx()).get_data(as_text=True)
    assert html.count('data-label="Tiquete"') == 1


# --------------------------------------------------------------------------- detail + lookup


@pytest.mark.parametrize("headers,root", [({}, None), (hx(), "tiquete")])
def test_detail(vendedor_client, env, headers, root):
    t = env.sell(["12"], reventado=500)
    html = vendedor_client.get(f"/tiquetes/{t.id}", headers=headers).get_data(as_text=True)
    assert t.ticket_number in html and "Paga 90 veces" in html and "REVENTADOS" in html
    assert "Bitácora" in html and "Sin pagos registrados" in html
    if root:
        assert root_id(html) == root


def test_detail_scope(login, env, org):
    t = env.sell(["12"])
    assert login(org.vendedor2).get(f"/tiquetes/{t.id}").status_code == 403
    assert login(org.other_listero).get(f"/tiquetes/{t.id}").status_code == 403
    assert login(org.listero).get(f"/tiquetes/{t.id}").status_code == 200
    assert login(org.vendedor).get(f"/tiquetes/{uuid.uuid4()}").status_code == 404
    assert login(org.vendedor).get("/tiquetes/not-a-uuid").status_code == 404


def test_detail_other_banca_is_404(login, env, org):
    from tests.factories.org import BancaFactory, VentanaFactory, vendedor
    stranger = vendedor(VentanaFactory(banca=BancaFactory()))
    t = env.sell(["12"])
    assert login(stranger).get(f"/tiquetes/{t.id}").status_code == 404


def test_winner_highlighted_after_evaluation(vendedor_client, env):
    t = env.sell(["12", "40"])
    evaluate(env, "12")
    html = vendedor_client.get(f"/tiquetes/{t.id}").get_data(as_text=True)
    assert 'class="ganadora' in html and "₡90 000" in html and "Ganador" in html


def test_scan_lookup(vendedor_client, env, login, org):
    t = env.sell(["12"])
    resp = vendedor_client.get(f"/tiquetes/buscar?numero={t.ticket_number}", headers=hx())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and root_id(html) == "dialogo" and "Reimprimir" in html and "Anular" in html
    resp = vendedor_client.get("/tiquetes/buscar?numero=T991231-00001", headers=hx())
    assert resp.status_code == 404 and "No se encontró el tiquete" in resp.get_data(as_text=True)
    resp = vendedor_client.get(f"/tiquetes/buscar?numero={t.ticket_number}")
    assert resp.status_code == 302 and str(t.id) in resp.headers["Location"]
    other = login(org.vendedor2).get(f"/tiquetes/buscar?numero={t.ticket_number}", headers=hx())
    assert other.status_code == 403


# --------------------------------------------------------------------------- receipt + prints


def test_receipt_view_has_barcode_and_groups(vendedor_client, env):
    t = env.sell(["12", "34"], reventado=200)
    html = vendedor_client.get(f"/tiquetes/{t.id}/recibo").get_data(as_text=True)
    assert "<svg" in html and f"Tiquete # {t.ticket_number}" in html and "1000 × 12, 34" in html
    assert "REVENTADOS" in html and "200 × 12, 34" in html and "REIMPRESIÓN" not in html
    assert "@page" in html and "topbar" not in html
    # `size: 58mm auto` is invalid CSS (browsers drop it and print on A4): a valid width × height,
    # then the receipt's own height measured before printing.
    assert "mm auto" not in html and re.search(r"@page \{ size: (58|80)mm 297mm;", html)
    assert 'addEventListener("beforeprint", fit)' in html


def test_print_then_reprint_are_audited(vendedor_client, env):
    t = env.sell(["12"])
    first = vendedor_client.post(f"/tiquetes/{t.id}/imprimir")
    assert first.status_code == 200 and "REIMPRESIÓN" not in first.get_data(as_text=True)
    second = vendedor_client.post(f"/tiquetes/{t.id}/imprimir", headers=hx())
    assert "REIMPRESIÓN 1" in second.get_data(as_text=True)
    actions = db.session.scalars(select(ActivityLog.action).where(ActivityLog.target_id == str(t.id))).all()
    assert "TICKET_PRINT" in actions and "TICKET_REPRINT" in actions


def test_reprint_disabled_by_banca_is_409(vendedor_client, env, org):
    t = env.sell(["12"])
    org.banca.settings = {**(org.banca.settings or {}), "reprint_enabled": False}
    db.session.flush()
    assert vendedor_client.post(f"/tiquetes/{t.id}/imprimir").status_code == 200
    assert vendedor_client.post(f"/tiquetes/{t.id}/imprimir").status_code == 409


def test_print_out_of_scope(login, env, org):
    t = env.sell(["12"])
    assert login(org.vendedor2).post(f"/tiquetes/{t.id}/imprimir").status_code == 403
    assert login(org.vendedor2).get(f"/tiquetes/{t.id}/recibo").status_code == 403


def test_whatsapp_share(vendedor_client, env):
    t = env.sell(["12"], amount=1500)
    resp = vendedor_client.get(f"/tiquetes/{t.id}/whatsapp")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("https://wa.me/?text=")
    text = unquote(resp.headers["Location"])
    assert t.ticket_number in text and "₡1 500 × 12" in text and "Total: ₡1 500" in text


# --------------------------------------------------------------------------- anular / restaurar


@pytest.mark.parametrize("headers", [{}, hx()])
def test_cancel_dialog_and_validation(vendedor_client, env, headers):
    t = env.sell(["12"])
    resp = vendedor_client.get(f"/tiquetes/{t.id}/anular", headers=headers)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and f"Anular tiquete #{t.ticket_number}" in html and "Motivo" in html
    resp = vendedor_client.post(f"/tiquetes/{t.id}/anular", data={"motivo": "x"}, headers=headers)
    assert resp.status_code == 422 and "entre 3 y 200" in resp.get_data(as_text=True)
    resp = vendedor_client.post(f"/tiquetes/{t.id}/anular", data={"motivo": "y" * 201}, headers=headers)
    assert resp.status_code == 422


def test_cancel_success_htmx(vendedor_client, env):
    t = env.sell(["12"])
    resp = vendedor_client.post(f"/tiquetes/{t.id}/anular", data={"motivo": "Cliente se arrepintió",
                                                                   "vista": "ultimo"}, headers=hx())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and root_id(html) == "dialogo" and "<dialog" not in html
    assert "ticket-cancelled" in json.loads(resp.headers["HX-Trigger"])
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).status == TicketStatus.CANCELLED
    receipt = vendedor_client.get(f"/tiquetes/{t.id}/recibo").get_data(as_text=True)
    assert "ANULADO" in receipt


def test_cancel_from_detail_refreshes_detail(vendedor_client, env):
    t = env.sell(["12"])
    resp = vendedor_client.post(f"/tiquetes/{t.id}/anular", data={"motivo": "Error de digitación",
                                                                   "vista": "detalle"}, headers=hx())
    html = resp.get_data(as_text=True)
    assert 'id="tiquete" class="tiquete-detalle" hx-swap-oob="true"' in html and "Anulado" in html


def test_cancel_plain_post_redirects(vendedor_client, env):
    t = env.sell(["12"])
    resp = vendedor_client.post(f"/tiquetes/{t.id}/anular", data={"motivo": "Error de digitación"})
    assert resp.status_code == 303 and str(t.id) in resp.headers["Location"]


def test_cancel_other_sellers_ticket_is_403(login, env, org):
    t = env.sell(["12"])
    resp = login(org.vendedor2).post(f"/tiquetes/{t.id}/anular", data={"motivo": "no es mío"}, headers=hx())
    assert resp.status_code == 403
    resp = login(org.listero).post(f"/tiquetes/{t.id}/anular", data={"motivo": "Lo pide el cliente"}, headers=hx())
    assert resp.status_code == 200


def test_cancel_after_cutoff_is_409(vendedor_client, env):
    t = env.sell(["12"])
    env.sorteo.scheduled_at = utcnow() + timedelta(minutes=2)
    db.session.flush()
    resp = vendedor_client.post(f"/tiquetes/{t.id}/anular", data={"motivo": "tarde"}, headers=hx())
    assert resp.status_code == 409 and root_id(resp.get_data(as_text=True)) == "dialogo"


def test_restore(vendedor_client, env):
    t = env.sell(["12"])
    vendedor_client.post(f"/tiquetes/{t.id}/anular", data={"motivo": "equivocado"}, headers=hx())
    html = vendedor_client.get(f"/tiquetes/{t.id}").get_data(as_text=True)
    assert "Restaurar" in html
    resp = vendedor_client.post(f"/tiquetes/{t.id}/restaurar", data={"vista": "detalle"}, headers=hx())
    assert resp.status_code == 200 and "ticket-restored" in json.loads(resp.headers["HX-Trigger"])
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).status == TicketStatus.ACTIVE
    again = vendedor_client.post(f"/tiquetes/{t.id}/restaurar", headers=hx())
    assert again.status_code == 409
    # Without htmx the refusal is still a 409 page with the Spanish message, not a redirect.
    plain = vendedor_client.post(f"/tiquetes/{t.id}/restaurar")
    assert plain.status_code == 409 and "<h1>" in plain.get_data(as_text=True)


# --------------------------------------------------------------------------- revertir pago


def _paid(env, client):
    t = env.sell(["12"])
    evaluate(env, "12")
    page = client.get(f"/premios?tiquete={t.ticket_number}").get_data(as_text=True)
    import re
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="idempotency_key" value="([^"]+)"', page)
    resp = client.post(f"/premios/{t.id}/pagar", data={"monto": "50000", "metodo": "cash",
                                                       "idempotency_key": key.group(1)}, headers=hx())
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return t


def test_reverse_payment_admin_only(admin_client, login, env, org):
    t = _paid(env, admin_client)
    assert login(org.vendedor).get(f"/tiquetes/{t.id}/revertir-pago").status_code == 403
    assert login(org.listero).post(f"/tiquetes/{t.id}/revertir-pago", data={"motivo": "equivocado"}).status_code == 403
    html = admin_client.get(f"/tiquetes/{t.id}", headers=hx()).get_data(as_text=True)
    assert "Revertir pago" in html and "₡50 000" in html
    assert admin_client.post(f"/tiquetes/{t.id}/revertir-pago", data={"motivo": "abc"}, headers=hx()).status_code == 422
    resp = admin_client.post(f"/tiquetes/{t.id}/revertir-pago", data={"motivo": "Monto equivocado"}, headers=hx())
    assert resp.status_code == 200 and "payment-reversed" in json.loads(resp.headers["HX-Trigger"])
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).total_paid == 0


def test_cancel_and_restore_from_the_list(vendedor_client, env):
    t = env.sell(["12"])
    resp = vendedor_client.post(f"/tiquetes/{t.id}/anular", data={"motivo": "Desde la lista", "vista": "lista"},
                                headers=hx())
    assert resp.status_code == 200 and 'id="tiquete"' not in resp.get_data(as_text=True)
    html = vendedor_client.get("/tiquetes", headers=hx()).get_data(as_text=True)
    assert "Restaurar" in html and 'hx-trigger="ticket-cancelled from:body' in html
    resp = vendedor_client.post(f"/tiquetes/{t.id}/restaurar", data={"vista": "lista"}, headers=hx())
    assert resp.status_code == 200


def test_copy_from_list_loads_the_sales_page(vendedor_client, env):
    t = env.sell(["12", "34"])
    vendedor_client.get("/venta")
    resp = vendedor_client.post("/venta/repetir", data={"tiquete": str(t.id)})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/venta")
    html = vendedor_client.get("/venta").get_data(as_text=True)
    assert f"N|12|1000|{env.draw.m90.id}" in html and f"N|34|1000|{env.draw.m90.id}" in html


def test_copy_foreign_ticket_is_403(login, env, org):
    t = env.sell(["12"], vendedor=org.vendedor2)
    client = login(org.vendedor)
    client.get("/venta")
    assert client.post("/venta/repetir", data={"tiquete": str(t.id)}, headers=hx()).status_code == 403
