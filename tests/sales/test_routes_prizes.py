"""/premios: lookup card, payments (partial, final, over-payment), finalizar, voucher, pending list."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.sales.models import Ticket, TicketPayment, TicketStatus
from tests.sales.ui_helpers import evaluate, hx, root_id

D = Decimal


def pay_key(html: str) -> str:
    m = re.search(r'id="idempotency_key" name="idempotency_key" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', html)
    return m.group(1)


@pytest.fixture
def winner(env):
    t = env.sell(["12", "40"])  # 12 wins: ₡1 000 × 90
    evaluate(env, "12")
    return t


@pytest.mark.parametrize("headers", [{}, hx()])
def test_page_and_card(vendedor_client, winner, headers):
    resp = vendedor_client.get(f"/premios?tiquete={winner.ticket_number.lower()}", headers=headers)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "₡90 000" in html and "Registrar pago" in html
    assert 'value="90000"' in html and "Pendiente" in html
    assert "Paga 90 veces" in html  # multipliers read as customers do (UX §6), never "90x"
    if headers:
        assert root_id(html) == "premio"
    else:
        assert "<h1>Premios</h1>" in html and "Premios pendientes" in html and winner.ticket_number in html


def test_unknown_and_foreign_tickets(vendedor_client, login, env, org, winner):
    resp = vendedor_client.get("/premios?tiquete=T000101-00001", headers=hx())
    assert resp.status_code == 404 and "No se encontró" in resp.get_data(as_text=True)
    other = login(org.vendedor2).get(f"/premios?tiquete={winner.ticket_number}", headers=hx())
    assert other.status_code == 403


def test_non_winner_and_pending_result(vendedor_client, env):
    t = env.sell(["33"])
    html = vendedor_client.get(f"/premios?tiquete={t.ticket_number}").get_data(as_text=True)
    assert "aún no tiene resultado" in html and "Registrar pago" not in html
    evaluate(env, "12")
    html = vendedor_client.get(f"/premios?tiquete={t.ticket_number}").get_data(as_text=True)
    assert "Este tiquete no ganó" in html


def test_partial_then_final_payment(vendedor_client, winner):
    page = vendedor_client.get(f"/premios?tiquete={winner.ticket_number}").get_data(as_text=True)
    key = pay_key(page)
    resp = vendedor_client.post(f"/premios/{winner.id}/pagar",
                                data={"monto": "40 000,00", "metodo": "sinpe", "referencia": "123",
                                      "idempotency_key": key}, headers=hx())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and root_id(html) == "premio" and "Pago registrado" in html
    voucher = json.loads(resp.headers["HX-Trigger"])["payment-recorded"]["comprobante"]
    assert "₡50 000" in html and "Finalizar" in html
    # Replaying the same key does not pay twice.
    again = vendedor_client.post(f"/premios/{winner.id}/pagar",
                                 data={"monto": "40 000,00", "metodo": "sinpe", "referencia": "123",
                                       "idempotency_key": key}, headers=hx())
    assert again.status_code == 200
    assert len(db.session.scalars(select(TicketPayment).where(TicketPayment.ticket_id == winner.id)).all()) == 1
    v = vendedor_client.get(voucher)
    assert v.status_code == 200 and "PAGADO" in v.get_data(as_text=True) and "₡40 000" in v.get_data(as_text=True)
    assert "mm auto" not in v.get_data(as_text=True) and "297mm; margin: 2mm; }" in v.get_data(as_text=True)
    resp = vendedor_client.post(f"/premios/{winner.id}/pagar",
                                data={"monto": "10000", "metodo": "cash", "pago_final": "y",
                                      "idempotency_key": pay_key(html)}, headers=hx())
    assert resp.status_code == 200
    db.session.expire_all()
    t = db.session.get(Ticket, winner.id)
    assert t.status == TicketStatus.PAID and t.accepted_remainder == D(40000)


def test_over_payment_and_bad_amounts_are_422(vendedor_client, winner):
    page = vendedor_client.get(f"/premios?tiquete={winner.ticket_number}").get_data(as_text=True)
    for monto in ("90001", "abc", "0", "1,234", "-5", "1.2.3"):
        resp = vendedor_client.post(f"/premios/{winner.id}/pagar",
                                    data={"monto": monto, "metodo": "cash", "idempotency_key": pay_key(page)},
                                    headers=hx())
        assert resp.status_code == 422, monto
        assert root_id(resp.get_data(as_text=True)) == "premio"
    over = vendedor_client.post(f"/premios/{winner.id}/pagar",
                                data={"monto": "90001", "metodo": "cash", "idempotency_key": pay_key(page)},
                                headers=hx()).get_data(as_text=True)
    # The over-payment message sits under the "Monto a pagar" field (UX §7.6).
    assert 'id="monto-error"' in over and "mayor que el premio pendiente" in over
    resp = vendedor_client.post(f"/premios/{winner.id}/pagar",
                                data={"monto": "100", "metodo": "bitcoin", "idempotency_key": pay_key(page)},
                                headers=hx())
    assert resp.status_code == 422
    resp = vendedor_client.post(f"/premios/{winner.id}/pagar", data={"monto": "100", "metodo": "cash"}, headers=hx())
    assert resp.status_code == 422


def test_finalize(vendedor_client, winner):
    page = vendedor_client.get(f"/premios?tiquete={winner.ticket_number}").get_data(as_text=True)
    vendedor_client.post(f"/premios/{winner.id}/pagar", data={"monto": "1000", "metodo": "cash",
                                                              "idempotency_key": pay_key(page)}, headers=hx())
    resp = vendedor_client.post(f"/premios/{winner.id}/finalizar", headers=hx())
    assert resp.status_code == 200 and "Premio pagado" in resp.get_data(as_text=True)
    again = vendedor_client.post(f"/premios/{winner.id}/finalizar", headers=hx())
    assert again.status_code in (409, 422)


def test_vendedor_cannot_pay_when_banca_forbids(vendedor_client, ventana_client, org, winner):
    org.banca.settings = {**(org.banca.settings or {}), "vendedor_can_pay": False}
    db.session.flush()
    html = vendedor_client.get(f"/premios?tiquete={winner.ticket_number}").get_data(as_text=True)
    assert "no permite que los vendedores paguen" in html and "Registrar pago" not in html
    resp = vendedor_client.post(f"/premios/{winner.id}/pagar", data={"monto": "1000", "metodo": "cash",
                                                                      "idempotency_key": "p-abcdefghij"}, headers=hx())
    assert resp.status_code == 403
    html = ventana_client.get(f"/premios?tiquete={winner.ticket_number}").get_data(as_text=True)
    assert "Registrar pago" in html


def test_pending_list_and_scope(login, org, env, winner):
    html = login(org.listero).get("/premios/pendientes", headers=hx()).get_data(as_text=True)
    assert root_id(html) == "pendientes" and winner.ticket_number in html
    html = login(org.other_listero).get("/premios/pendientes?pendientes=mes", headers=hx()).get_data(as_text=True)
    assert winner.ticket_number not in html and "No hay premios pendientes" in html


def test_voucher_scope(login, org, env, winner):
    client = login(org.vendedor)
    page = client.get(f"/premios?tiquete={winner.ticket_number}").get_data(as_text=True)
    resp = client.post(f"/premios/{winner.id}/pagar", data={"monto": "1000", "metodo": "cash",
                                                            "idempotency_key": pay_key(page)}, headers=hx())
    url = json.loads(resp.headers["HX-Trigger"])["payment-recorded"]["comprobante"]
    assert login(org.vendedor2).get(url).status_code == 403
    assert login(org.listero).get(url).status_code == 200


def test_pending_full_page_without_htmx(vendedor_client, winner):
    resp = vendedor_client.get("/premios/pendientes?pendientes=semana")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<h1>Premios</h1>" in html and winner.ticket_number in html


def test_ticket_detail_shows_payment_history(vendedor_client, winner):
    page = vendedor_client.get(f"/premios?tiquete={winner.ticket_number}").get_data(as_text=True)
    vendedor_client.post(f"/premios/{winner.id}/pagar", data={"monto": "1000", "metodo": "transfer",
                                                              "referencia": "REF-9", "idempotency_key": pay_key(page)},
                         headers=hx())
    html = vendedor_client.get(f"/tiquetes/{winner.id}").get_data(as_text=True)
    assert "Transferencia" in html and "REF-9" in html and "Parcial" in html and "Comprobante" in html
    assert "Pago parcial" in html
