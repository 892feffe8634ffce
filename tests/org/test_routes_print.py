"""Receipt settings pages: "Mi cuenta › Impresión" and the user's "Impresión" tab (UX §2.7)."""
from __future__ import annotations

import pytest

from tests.conftest import HX

BOTH = pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])


def body(resp):
    return resp.get_data(as_text=True)


SELLER = {"print_name": "Carlos", "print_phone": "", "paper_width_mm": "58", "print_footer": "",
          "print_barcode": "", "auto_print": "1"}
VENTANA = {"print_name": "CENTRO", "print_phone": "2222-1111", "paper_width_mm": "", "print_footer": "Suerte",
           "print_barcode": "y"}


@BOTH
def test_vendedor_page_with_preview(vendedor_client, org, headers):
    resp = vendedor_client.get("/mi-cuenta/impresion", headers=headers)
    assert resp.status_code == 200 and "HX-Request" in resp.headers["Vary"]
    html = body(resp)
    assert 'id="impresion"' in html and 'id="vista-previa"' in html and "Como la ventana" in html
    assert ("<html" in html) is (not headers)


@BOTH
def test_vendedor_saves_override(vendedor_client, org, session, headers):
    resp = vendedor_client.post("/mi-cuenta/impresion", data=SELLER, headers=headers)
    assert resp.status_code in (200, 303)
    session.refresh(org.vendedor)
    assert org.vendedor.settings["print"] == {"print_name": "Carlos", "paper_width_mm": 58, "auto_print": True}
    html = body(vendedor_client.get("/mi-cuenta/impresion"))
    assert "Cambios guardados" in html and "recibo-58" in html
    vendedor_client.post("/mi-cuenta/impresion", data=SELLER, headers=headers)
    assert "No hay cambios" in body(vendedor_client.get("/mi-cuenta/impresion"))


@BOTH
def test_invalid_print_settings_422(vendedor_client, org, headers):
    resp = vendedor_client.post("/mi-cuenta/impresion", data={**SELLER, "print_phone": "123",
                                                              "paper_width_mm": "99"}, headers=headers)
    assert resp.status_code == 422
    html = body(resp)
    assert "8 dígitos" in html and "58 u 80" in html and 'id="impresion"' in html


@BOTH
def test_listero_saves_on_ventana(ventana_client, org, session, headers):
    html = body(ventana_client.get("/mi-cuenta/impresion", headers=headers))
    assert "Como la banca" in html and 'type="checkbox"' in html
    ventana_client.post("/mi-cuenta/impresion", data=VENTANA, headers=headers)
    session.refresh(org.ventana)
    assert (org.ventana.print_name, org.ventana.print_phone, org.ventana.print_barcode, org.ventana.auto_print) == \
        ("CENTRO", "22221111", True, False)


@BOTH
def test_admin_has_no_own_print_page(admin_client, org, headers):
    assert admin_client.get("/mi-cuenta/impresion", headers=headers).status_code == 403


@BOTH
def test_user_print_tab(admin_client, ventana_client, org, session, headers):
    for client in (admin_client, ventana_client):
        resp = client.get(f"/usuarios/{org.vendedor.id}/impresion", headers=headers)
        assert resp.status_code == 200 and 'id="form-impresion"' in body(resp)
    resp = ventana_client.post(f"/usuarios/{org.vendedor.id}/impresion", data=SELLER, headers=headers)
    assert resp.status_code in (200, 303)
    session.refresh(org.vendedor)
    assert org.vendedor.settings["print"]["print_name"] == "Carlos"
    assert admin_client.get(f"/usuarios/{org.admin.id}/impresion", headers=headers).status_code == 409
    assert ventana_client.get(f"/usuarios/{org.other_vendedor.id}/impresion", headers=headers).status_code == 403


def test_preview_reflects_typed_values_without_saving(vendedor_client, org, session):
    url = f"/usuarios/{org.vendedor.id}/impresion/vista-previa"
    resp = vendedor_client.get(url, query_string={"print_name": "Nombre Tecleado", "paper_width_mm": "58",
                                                  "print_barcode": "0"}, headers=HX)
    assert resp.status_code == 200
    html = body(resp)
    assert 'id="vista-previa"' in html and "Nombre Tecleado" in html and "recibo-58" in html
    assert "r-barcode" not in html
    bad = body(vendedor_client.get(url, query_string={"print_phone": "12"}, headers=HX))
    assert "valores no válidos" in bad
    session.refresh(org.vendedor)
    assert not (org.vendedor.settings or {}).get("print")


def test_preview_scope(vendedor_client, ventana_client, org):
    assert vendedor_client.get(f"/usuarios/{org.vendedor2.id}/impresion/vista-previa").status_code == 403
    assert ventana_client.get(f"/usuarios/{org.other_vendedor.id}/impresion/vista-previa").status_code == 403
    assert ventana_client.get(f"/usuarios/{org.vendedor.id}/impresion/vista-previa").status_code == 200
    assert ventana_client.get(f"/usuarios/{org.listero.id}/impresion/vista-previa").status_code == 200
    assert vendedor_client.get("/usuarios/no-uuid/impresion/vista-previa").status_code == 404
