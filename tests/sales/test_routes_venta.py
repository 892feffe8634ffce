"""/venta: page, fragments, entry groups, line edits, selling (UX §2)."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.draws.models import SorteoStatus
from app.extensions import db
from app.sales.models import SalesDraft, Ticket
from app.tz import utcnow
from tests.sales.core_helpers import add_rule
from tests.sales.ui_helpers import hx, idem_key, root_id, tokens

D = Decimal


def add(client, numbers, monto="1000", extra=None, **kw):
    data = {"monto": monto, "numeros": numbers, **(extra or {})}
    return client.post("/venta/lineas", data=data, headers=hx(), **kw)


def draft_of(user, vendedor=None):
    return db.session.scalar(select(SalesDraft).where(SalesDraft.user_id == user.id,
                                                      SalesDraft.vendedor_id == (vendedor or user).id))


def count_tickets():
    return db.session.scalar(select(func.count(Ticket.id)))


# --------------------------------------------------------------------------- page


def test_page_full_and_fragment(vendedor_client, env):
    resp = vendedor_client.get("/venta")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<title>Vender" in html and 'id="sorteos"' in html and 'id="lineas"' in html
    assert "TICA" in html and "Cierra en" in html and 'class="sidebar"' not in html
    assert 'name="multiplicador"' in html and "Paga 90 veces" in html and 'id="reventado"' in html
    frag = vendedor_client.get("/venta", headers=hx())
    assert frag.status_code == 200 and root_id(frag.get_data(as_text=True)) == "venta"
    assert "HX-Request" in frag.headers["Vary"]


def test_first_load_preselects_next_sorteo_and_keeps_it(vendedor_client, env):
    vendedor_client.get("/venta")
    assert draft_of(env.org.vendedor).sorteo_id == env.sorteo.id


def test_no_reventado_field_when_loteria_has_none(vendedor_client, env, org):
    from tests.factories.draws import draw_setup
    env.sorteo.status = SorteoStatus.CLOSED
    draw_setup(org.banca, reventado=False, name="NICA")
    html = vendedor_client.get("/venta").get_data(as_text=True)
    assert "NICA" in html and 'id="reventado"' not in html


def test_empty_state_without_open_sorteos(vendedor_client, env):
    env.sorteo.status = SorteoStatus.SCHEDULED
    html = vendedor_client.get("/venta").get_data(as_text=True)
    assert "No hay sorteos abiertos" in html


def test_sorteos_poll_fragment(vendedor_client, env):
    resp = vendedor_client.get("/venta/sorteos", headers=hx({"X-Poll": "1"}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and root_id(html) == "sorteos"
    assert 'id="aviso-cierre" hx-swap-oob="true"' in html and "data-epoch" in html


def test_closing_banner_offers_next_sorteo(vendedor_client, env):
    from tests.factories.draws import SorteoFactory
    later = SorteoFactory(loteria=env.draw.loteria, scheduled_at=env.sorteo.scheduled_at + timedelta(hours=3))
    add(vendedor_client, "12")
    env.sorteo.scheduled_at = utcnow() + timedelta(minutes=2)  # inside the 5 min default cutoff
    db.session.flush()
    html = vendedor_client.get("/venta/sorteos", headers=hx({"X-Poll": "1"})).get_data(as_text=True)
    assert "cerró" in html and "Pasar jugadas" in html and str(later.id) in html
    moved = vendedor_client.post("/venta/sorteo", data={"sorteo_id": str(later.id), "monto": "1 500"}, headers=hx())
    assert moved.status_code == 200 and root_id(moved.get_data(as_text=True)) == "venta"
    assert 'name="monto" inputmode="numeric" value="1500"' in moved.get_data(as_text=True)
    assert draft_of(env.org.vendedor).sorteo_id == later.id
    assert tokens(moved.get_data(as_text=True)) == [f"N|12|1000|{env.draw.m90.id}"]


# --------------------------------------------------------------------------- roles


def test_ventana_picks_vendedor_in_scope(ventana_client, env, org):
    html = ventana_client.get("/venta").get_data(as_text=True)
    assert 'id="venta-vendedor"' in html and org.vendedor.name in html and org.other_vendedor.name not in html
    resp = ventana_client.get(f"/venta?vendedor={org.vendedor2.id}", headers=hx())
    assert resp.status_code == 200 and f'value="{org.vendedor2.id}" selected' in resp.get_data(as_text=True)


@pytest.mark.parametrize("headers", [{}, hx()])
def test_ventana_cannot_sell_for_other_ventana(ventana_client, env, org, headers):
    resp = ventana_client.get(f"/venta?vendedor={org.other_vendedor.id}", headers=headers)
    assert resp.status_code == 403
    resp = ventana_client.post("/venta/lineas", data={"vendedor": str(org.other_vendedor.id), "monto": "100",
                                                      "numeros": "12"}, headers=headers)
    assert resp.status_code == 403


def test_bad_vendedor_param_is_422_not_500(ventana_client, env):
    assert ventana_client.get("/venta?vendedor=zzz").status_code == 422
    assert ventana_client.get("/venta?vendedor=00000000-0000-0000-0000-000000000000").status_code == 404


def test_admin_sells_for_any_vendedor_of_the_banca(admin_client, env, org):
    resp = admin_client.post("/venta/lineas", data={"vendedor": str(org.other_vendedor.id), "monto": "500",
                                                    "numeros": "07"}, headers=hx())
    assert resp.status_code == 200
    assert draft_of(org.admin, org.other_vendedor) is not None


def test_vendedor_param_is_ignored_for_vendedor(vendedor_client, env, org):
    add(vendedor_client, "12", extra={"vendedor": str(org.vendedor2.id)})
    assert draft_of(org.vendedor) is not None and draft_of(org.vendedor, org.vendedor2) is None


def test_anonymous_is_sent_to_login(client, env):
    assert client.get("/venta").status_code == 302
    resp = client.post("/venta/lineas", data={}, headers=hx())
    assert resp.status_code == 401 and "HX-Redirect" in resp.headers


# --------------------------------------------------------------------------- entry groups


def test_add_group_renders_lines_and_total(vendedor_client, env):
    resp = add(vendedor_client, "12 34", extra={"reventado": "500"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and root_id(html) == "lineas"
    assert "Paga 90 veces" in html and "Reventado" in html
    assert 'id="total" class="total" hx-swap-oob="true"' in html and "₡3 000" in html
    assert sorted(tokens(html)) == sorted([f"N|12|1000|{env.draw.m90.id}", f"N|34|1000|{env.draw.m90.id}",
                                           "R|12|500|", "R|34|500|"])
    assert len(draft_of(env.org.vendedor).lines) == 4


def test_shorthands_and_multiplier_choice(vendedor_client, env):
    html = add(vendedor_client, "3*", extra={"multiplicador": str(env.draw.m85.id)}).get_data(as_text=True)
    assert "Paga 85 veces" in html and len(tokens(html)) == 10
    html = add(vendedor_client, "*7 10-12").get_data(as_text=True)
    # 37 is in 3* (85x) and in *7 (90x): two lines, one per multiplier
    assert len(tokens(html)) == 23


def test_repeated_number_is_summed_with_note(vendedor_client, env):
    add(vendedor_client, "12")
    html = add(vendedor_client, "12").get_data(as_text=True)
    assert "12: ₡1 000 → ₡2 000" in html
    assert tokens(html) == [f"N|12|2000|{env.draw.m90.id}"]


@pytest.mark.parametrize("data,field_text", [
    ({"monto": "", "numeros": "12"}, "El monto es obligatorio"),
    ({"monto": "10,5", "numeros": "12"}, None),
    ({"monto": "abc", "numeros": "12"}, "número entero"),
    ({"monto": "0", "numeros": "12"}, "mayor que cero"),
    ({"monto": "100", "numeros": "1"}, "incompleto"),
    ({"monto": "100", "numeros": "12-"}, "rango"),
    ({"monto": "100", "numeros": "x"}, "no se puede usar"),
    ({"monto": "100", "numeros": ""}, "al menos un número"),
    ({"monto": "100", "numeros": "12", "multiplicador": "nope"}, "multiplicador"),
    ({"monto": "100", "numeros": "12", "reventado": "500"}, "no puede superar"),
    ({"monto": "9" * 30, "numeros": "12"}, "Length"),
    ({"monto": "100", "numeros": "12" * 3000}, "Demasiados"),
])
def test_bad_groups_are_422_in_spanish(vendedor_client, env, data, field_text):
    resp = vendedor_client.post("/venta/lineas", data=data, headers=hx())
    html = resp.get_data(as_text=True)
    if field_text is None:  # "10,5" is read as 105 colones (separators are ignored, UX §7.2)
        assert resp.status_code == 200
        return
    assert resp.status_code == 422
    assert resp.headers["HX-Retarget"] == "#entrada-errores" and root_id(html) == "entrada-errores"
    if field_text != "Length":
        assert field_text in html
    assert not draft_of(env.org.vendedor).lines


def test_min_max_from_loteria_rules(vendedor_client, env):
    env.draw.loteria.rules = {**env.draw.loteria.rules, "min_bet_amount": 100, "max_bet_amount": 5000}
    db.session.flush()
    html = add(vendedor_client, "12", monto="50").get_data(as_text=True)
    assert "el mínimo es ₡100" in html
    assert add(vendedor_client, "12", monto="6000").status_code == 422


def test_reventado_refused_when_loteria_has_none(vendedor_client, env):
    env.draw.loteria.rules = {**env.draw.loteria.rules, "reventado": {"enabled": False}}
    db.session.flush()
    resp = add(vendedor_client, "12", extra={"reventado": "100"})
    assert resp.status_code == 422 and "no acepta reventado" in resp.get_data(as_text=True)


def test_blocked_number_rejected_at_entry(vendedor_client, env, org):
    add_rule(org.banca, number="13", max_total=D(0))
    resp = add(vendedor_client, "12 13")
    assert resp.status_code == 409 and "13" in resp.get_data(as_text=True)
    assert not draft_of(org.vendedor).lines


def test_group_on_closed_sorteo_is_409(vendedor_client, env):
    vendedor_client.get("/venta")
    env.sorteo.status = SorteoStatus.CLOSED
    db.session.flush()
    resp = add(vendedor_client, "12")
    assert resp.status_code == 409 and "sorteo" in resp.get_data(as_text=True)


def test_plain_post_without_htmx_redirects(vendedor_client, env):
    resp = vendedor_client.post("/venta/lineas", data={"monto": "100", "numeros": "12"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/venta")
    resp = vendedor_client.post("/venta/lineas", data={"monto": "", "numeros": "12"})
    assert resp.status_code == 422 and "<title>Vender" in resp.get_data(as_text=True)


# --------------------------------------------------------------------------- line edits


def test_remove_undo_amount_clear(vendedor_client, env):
    m = env.draw.m90.id
    add(vendedor_client, "12 34")
    add(vendedor_client, "56", monto="500")
    html = vendedor_client.post("/venta/lineas/quitar", data={"clave": f"NUMERO|34|{m}"}, headers=hx()).get_data(as_text=True)
    assert sorted(tokens(html)) == sorted([f"N|12|1000|{m}", f"N|56|500|{m}"])
    html = vendedor_client.post("/venta/lineas/deshacer", headers=hx()).get_data(as_text=True)
    assert tokens(html) == [f"N|12|1000|{m}"]
    html = vendedor_client.post("/venta/lineas/monto", data={"clave": f"NUMERO|12|{m}", "monto": "700"},
                                headers=hx()).get_data(as_text=True)
    assert tokens(html) == [f"N|12|700|{m}"]
    resp = vendedor_client.post("/venta/limpiar", headers=hx())
    assert resp.status_code == 200 and tokens(resp.get_data(as_text=True)) == []
    assert 'id="venta-campos" hx-swap-oob="true"' in resp.get_data(as_text=True)


@pytest.mark.parametrize("url,data", [
    ("/venta/lineas/quitar", {"clave": "garbage"}),
    ("/venta/lineas/monto", {"clave": "NUMERO|12|", "monto": "-1"}),
    ("/venta/lineas/ajustar", {"numero": "1x"}),
    ("/venta/lineas/multiplicador", {"clave": "NUMERO|12|", "multiplicador": "x"}),
])
def test_bad_line_edits_are_422(vendedor_client, env, url, data):
    assert vendedor_client.post(url, data=data, headers=hx()).status_code == 422


def test_availability_marks_and_adjusts(vendedor_client, env, org):
    add_rule(org.banca, number="27", max_total=D(2000))
    html = add(vendedor_client, "27", monto="3000").get_data(as_text=True)
    assert "Disponible ₡2 000" in html and "Ajustar a ₡2 000" in html and "chip-over" in html
    assert 'class="btn btn-primary btn-block btn-vender" disabled' in html
    html = vendedor_client.post("/venta/lineas/ajustar", data={"numero": "27"}, headers=hx()).get_data(as_text=True)
    assert tokens(html) == [f"N|27|2000|{env.draw.m90.id}"] and "chip-over" not in html


def test_cliente_is_kept_in_draft(vendedor_client, env):
    assert vendedor_client.post("/venta/cliente", data={"cliente": "  Doña   Ana "}, headers=hx()).status_code == 204
    assert draft_of(env.org.vendedor).cliente_nombre == "Doña Ana"
    assert vendedor_client.post("/venta/cliente", data={"cliente": "x" * 101}, headers=hx()).status_code == 422


def test_draft_survives_reload(vendedor_client, env):
    add(vendedor_client, "45")
    html = vendedor_client.get("/venta").get_data(as_text=True)
    assert f"N|45|1000|{env.draw.m90.id}" in html


def test_move_to_other_loteria_maps_multipliers_by_value(vendedor_client, env, org):
    from tests.factories.draws import MultiplierFactory, SorteoFactory, LoteriaFactory
    lot = LoteriaFactory(banca=org.banca, name="NICA")
    n80 = MultiplierFactory(loteria=lot, name="80x", value_x=D(80))
    n90 = MultiplierFactory(loteria=lot, name="90x", value_x=D(90))
    other = SorteoFactory(loteria=lot, scheduled_at=env.sorteo.scheduled_at + timedelta(hours=1))
    add(vendedor_client, "12")
    add(vendedor_client, "34", extra={"multiplicador": str(env.draw.m85.id)})
    html = vendedor_client.post("/venta/sorteo", data={"sorteo_id": str(other.id)}, headers=hx()).get_data(as_text=True)
    assert f"N|12|1000|{n90.id}" in tokens(html) and "Elija multiplicador para: 34" in html
    assert 'class="btn btn-primary btn-block btn-vender" disabled' in html
    html = vendedor_client.post("/venta/lineas/multiplicador", data={"clave": "NUMERO|34|", "multiplicador": str(n80.id)},
                                headers=hx()).get_data(as_text=True)
    assert f"N|34|1000|{n80.id}" in tokens(html)


def test_choose_closed_or_foreign_sorteo_is_409(vendedor_client, env):
    env.sorteo.status = SorteoStatus.CLOSED
    db.session.flush()
    assert vendedor_client.post("/venta/sorteo", data={"sorteo_id": str(env.sorteo.id)}, headers=hx()).status_code == 409
    assert vendedor_client.post("/venta/sorteo", data={"sorteo_id": "nope"}, headers=hx()).status_code == 409


# --------------------------------------------------------------------------- selling


def _sell(client, html, **kw):
    data = {"j": tokens(html), "idempotency_key": idem_key(html), "sorteo_id": kw.pop("sorteo_id"),
            "cliente": kw.pop("cliente", ""), "cierre": "0", "sorteo_label": "TICA 13:00", **kw}
    return client.post("/venta/vender", data=data, headers=kw.pop("headers", hx()))


def test_sell_success_clears_lines_and_fills_last_ticket(vendedor_client, env):
    page_html = vendedor_client.get("/venta").get_data(as_text=True)
    lines_html = add(vendedor_client, "12 34").get_data(as_text=True)
    before = count_tickets()
    resp = _sell(vendedor_client, page_html + lines_html, sorteo_id=str(env.sorteo.id), cliente="Ana")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert root_id(html) == "ultimo-tiquete" and 'id="lineas" class="lineas card"' in html
    assert "TICA 13:00" in html and "vendedor=None" not in html
    event = json.loads(resp.headers["HX-Trigger"])["ticket-sold"]
    assert event["numero"].startswith("T") and event["imprimir"].endswith("/imprimir")
    assert count_tickets() == before + 1
    ticket = db.session.scalar(select(Ticket).where(Ticket.ticket_number == event["numero"]))
    assert ticket.total_amount == D(2000) and ticket.cliente_nombre == "Ana"
    draft = draft_of(env.org.vendedor)
    assert draft.lines == [] and draft.idempotency_key != idem_key(page_html)
    assert idem_key(html) == draft.idempotency_key
    # A double submit with the old key returns the same tiquete, never a second one.
    again = _sell(vendedor_client, page_html + lines_html, sorteo_id=str(env.sorteo.id), cliente="Ana")
    assert again.status_code == 200 and json.loads(again.headers["HX-Trigger"])["ticket-sold"]["numero"] == event["numero"]
    assert count_tickets() == before + 1


def test_sell_renders_the_accepted_csrf_token_instead_of_signing_a_new_one(vendedor_client, env, app):
    """With CSRF on, the sale's fragment carries the very token the request was accepted with
    (no new signature per sale); a wrong token is still refused."""
    import re
    import time
    page_html = vendedor_client.get("/venta").get_data(as_text=True)
    lines_html = add(vendedor_client, "12").get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        vendedor_client.get("/venta")  # puts the raw token in the session
        with vendedor_client.session_transaction() as sess:
            raw = sess["csrf_token"]
        # Signed an hour ago: a token signed during this request would differ from it.
        from unittest import mock

        from itsdangerous import URLSafeTimedSerializer
        with mock.patch("itsdangerous.timed.time.time", return_value=time.time() - 3600):
            token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
        bad = _sell(vendedor_client, page_html + lines_html, sorteo_id=str(env.sorteo.id),
                    headers={**hx(), "X-CSRFToken": token[:-2] + "xx"})
        assert bad.status_code == 400
        resp = _sell(vendedor_client, page_html + lines_html, sorteo_id=str(env.sorteo.id),
                     headers={**hx(), "X-CSRFToken": token})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, html
        rendered = set(re.findall(r'name="csrf_token" value="([^"]+)"', html))
        assert rendered == {token}
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_sell_without_label_names_the_sorteo_from_the_sale(vendedor_client, env):
    """No tile label posted: the label comes from the sold tiquete (and from the Sorteo on a replay)."""
    from app.tz import format_time
    expected = f"{env.sorteo.loteria.name} {format_time(env.sorteo.scheduled_at)}"
    page_html = vendedor_client.get("/venta").get_data(as_text=True)
    lines_html = add(vendedor_client, "12").get_data(as_text=True)
    first = _sell(vendedor_client, page_html + lines_html, sorteo_id=str(env.sorteo.id), sorteo_label="")
    again = _sell(vendedor_client, page_html + lines_html, sorteo_id=str(env.sorteo.id), sorteo_label="")
    assert first.status_code == again.status_code == 200
    assert expected in first.get_data(as_text=True) and expected in again.get_data(as_text=True)
    numero = lambda r: json.loads(r.headers["HX-Trigger"])["ticket-sold"]["numero"]  # noqa: E731
    assert numero(first) == numero(again)


def test_sell_is_rate_limited_per_user(vendedor_client, env, app, monkeypatch):
    """DOMAIN §20: RATELIMIT_SALES accepted sales per minute per user, then 429 (nothing sold)."""
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "RATELIMIT_SALES", "2 per minute")
    statuses = []
    for numbers in ("12", "34", "56"):
        page_html = vendedor_client.get("/venta").get_data(as_text=True)
        lines_html = add(vendedor_client, numbers).get_data(as_text=True)
        before = count_tickets()
        resp = _sell(vendedor_client, page_html + lines_html, sorteo_id=str(env.sorteo.id))
        statuses.append(resp.status_code)
    assert statuses == [200, 200, 429]
    assert "Demasiadas ventas" in resp.get_data(as_text=True) and resp.headers.get("Retry-After")
    assert count_tickets() == before  # the refused sale sold nothing
    assert draft_of(env.org.vendedor).lines  # and its lines stay in the draft


def test_sell_same_key_other_payload_is_409(vendedor_client, env):
    page_html = vendedor_client.get("/venta").get_data(as_text=True)
    lines_html = add(vendedor_client, "12").get_data(as_text=True)
    assert _sell(vendedor_client, page_html + lines_html, sorteo_id=str(env.sorteo.id)).status_code == 200
    other = lines_html.replace("N|12|1000", "N|13|1000")
    resp = _sell(vendedor_client, page_html + other, sorteo_id=str(env.sorteo.id))
    assert resp.status_code == 409


def test_sell_rejected_keeps_lines_and_marks_numbers(vendedor_client, env, org):
    page_html = vendedor_client.get("/venta").get_data(as_text=True)
    lines_html = add(vendedor_client, "27", monto="1500").get_data(as_text=True)
    add_rule(org.banca, number="27", max_total=D(1000))  # the limit appears after the line was added
    resp = _sell(vendedor_client, page_html + lines_html, sorteo_id=str(env.sorteo.id))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and resp.headers["HX-Retarget"] == "#lineas" and root_id(html) == "lineas"
    assert "27" in html and "chip-over" in html and "data-rechazo" in html
    assert draft_of(org.vendedor).lines and count_tickets() == 0


def test_sell_after_cutoff_is_409_with_message(vendedor_client, env):
    page_html = vendedor_client.get("/venta").get_data(as_text=True)
    lines_html = add(vendedor_client, "12").get_data(as_text=True)
    env.sorteo.scheduled_at = utcnow() + timedelta(minutes=3)
    db.session.flush()
    resp = _sell(vendedor_client, page_html + lines_html, sorteo_id=str(env.sorteo.id))
    assert resp.status_code == 409 and "cerró" in resp.get_data(as_text=True)


@pytest.mark.parametrize("mutate", [
    lambda d: d.update(j=["N|12|1000"]),
    lambda d: d.update(j=["N|12|abc|x"]),
    lambda d: d.update(j=["Q|12|100|"]),
    lambda d: d.update(idempotency_key="short"),
    lambda d: d.update(sorteo_id="not-a-uuid"),
    lambda d: d.update(j=["N|12|1000|not-a-uuid"]),
])
def test_sell_malformed_input_is_422(vendedor_client, env, mutate):
    m = env.draw.m90.id
    data = {"j": [f"N|12|1000|{m}"], "idempotency_key": "k-12345678", "sorteo_id": str(env.sorteo.id)}
    mutate(data)
    resp = vendedor_client.post("/venta/vender", data=data, headers=hx())
    assert resp.status_code == 422
    assert count_tickets() == 0


def test_sell_without_htmx_uses_the_draft(vendedor_client, env):
    page_html = vendedor_client.get("/venta").get_data(as_text=True)
    add(vendedor_client, "88")
    resp = vendedor_client.post("/venta/vender", data={"idempotency_key": idem_key(page_html)})
    assert resp.status_code == 303
    assert count_tickets() == 1 and draft_of(env.org.vendedor).lines == []
    empty = vendedor_client.post("/venta/vender", data={"idempotency_key": "k-abcdefgh"})
    assert empty.status_code == 422 and "Agregue al menos una jugada" in empty.get_data(as_text=True)


def test_ventana_sells_on_behalf(ventana_client, env, org):
    page_html = ventana_client.get(f"/venta?vendedor={org.vendedor2.id}").get_data(as_text=True)
    lines_html = ventana_client.post("/venta/lineas", data={"vendedor": str(org.vendedor2.id), "monto": "200",
                                                            "numeros": "05"}, headers=hx()).get_data(as_text=True)
    resp = _sell(ventana_client, page_html + lines_html, sorteo_id=str(env.sorteo.id), vendedor=str(org.vendedor2.id))
    assert resp.status_code == 200
    ticket = db.session.scalar(select(Ticket))
    assert ticket.vendedor_id == org.vendedor2.id and ticket.created_by == org.listero.id
    bad = _sell(ventana_client, page_html + lines_html, sorteo_id=str(env.sorteo.id),
                vendedor=str(org.other_vendedor.id))
    assert bad.status_code == 403


def test_recent_and_last_fragments(vendedor_client, env):
    env.sell(["12"])
    html = vendedor_client.get("/venta/recientes", headers=hx()).get_data(as_text=True)
    assert root_id(html) == "recientes" and "Vendido hoy" in html and "₡1 000" in html
    html = vendedor_client.get("/venta/ultimo", headers=hx()).get_data(as_text=True)
    assert root_id(html) == "ultimo-tiquete" and "Reimprimir" in html and "Anular" in html


def test_vendido_hoy_lives_in_the_top_bar_and_follows_each_sale(vendedor_client, env):
    """UX §2.5 step 4: the top bar shows "Vendido hoy"; the recent list's refresh (triggered by
    ticket-sold) swaps the new amount into it out of band."""
    import re
    page_html = vendedor_client.get("/venta").get_data(as_text=True)
    topbar = page_html[page_html.index('<header class="topbar"'):page_html.index("</header>")]
    assert re.search(r'id="vendido-hoy"[^>]*>Vendido hoy <strong class="num">₡0</strong>', topbar)
    assert 'hx-swap-oob' not in topbar
    env.sell(["12"])
    env.sell(["34", "56"])
    html = vendedor_client.get("/venta/recientes", headers=hx()).get_data(as_text=True)
    oob = re.search(r'<span id="vendido-hoy"[^>]*hx-swap-oob="true"[^>]*>Vendido hoy <strong class="num">([^<]+)</strong>',
                    html)
    assert oob is not None and oob.group(1) == "₡3 000"
    other_page = vendedor_client.get("/tiquetes").get_data(as_text=True)
    assert 'id="vendido-hoy"' not in other_page


def test_repeat_last_ticket(vendedor_client, env):
    vendedor_client.get("/venta")
    env.sell(["12", "34"], reventado=200)
    html = vendedor_client.post("/venta/repetir", headers=hx()).get_data(as_text=True)
    assert sorted(tokens(html)) == sorted([f"N|12|1000|{env.draw.m90.id}", f"N|34|1000|{env.draw.m90.id}",
                                           "R|12|200|", "R|34|200|"])


def test_repeat_without_ticket_is_409(vendedor_client, env):
    assert vendedor_client.post("/venta/repetir", headers=hx()).status_code == 409
