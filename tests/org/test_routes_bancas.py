"""Bancas and Configuración pages (ADMIN only), with and without HX-Request (UX §6)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.org.models import Banca, ConfigVersion
from tests.conftest import HX
from tests.org.conftest import audit_rows

BOTH = pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])


def body(resp):
    return resp.get_data(as_text=True)


def banca_form(**extra):
    return {"name": "Banca Norte", "code": "norte", "phone": "8888-1234", "email": "", "address": "",
            "max_sessions_per_vendedor": "1", "vendor_limit": "", **extra}


@BOTH
def test_list_page_or_fragment(admin_client, org, headers):
    resp = admin_client.get("/bancas", headers=headers)
    assert resp.status_code == 200 and "HX-Request" in resp.headers["Vary"]
    html = body(resp)
    assert 'id="tabla-bancas"' in html and org.banca.name in html
    assert ("<html" in html) is (not headers)
    assert ("Nueva banca" in html) is (not headers)


def test_list_search_filter_and_bad_params(admin_client, org, session):
    session.add(Banca(name="Banca Cerrada", code="CERR", is_active=False, settings={}))
    session.commit()
    assert org.banca.name in body(admin_client.get(f"/bancas?q={org.banca.code.lower()}", headers=HX))
    html = body(admin_client.get("/bancas?q=zzzz-no-existe", headers=HX))
    assert org.banca.name not in html and "No hay bancas" in html
    assert "Banca Cerrada" not in body(admin_client.get("/bancas"))
    assert "Banca Cerrada" in body(admin_client.get("/bancas?estado=inactivos"))
    resp = admin_client.get("/bancas?page=abc&estado=raro&orden=';drop&q=%25_")
    assert resp.status_code == 200
    assert admin_client.get("/bancas?orden=-codigo&page=999").status_code == 200


@BOTH
@pytest.mark.parametrize("who", ["ventana_client", "vendedor_client"])
@pytest.mark.parametrize("url", ["/bancas", "/bancas/nueva", "/configuracion"])
def test_non_admin_refused(request, org, who, url, headers):
    client = request.getfixturevalue(who)
    assert client.get(url, headers=headers).status_code == 403


@BOTH
def test_non_admin_cannot_post_or_open_detail(ventana_client, vendedor_client, org, headers):
    for client in (ventana_client, vendedor_client):
        assert client.post("/bancas/nueva", data=banca_form(), headers=headers).status_code == 403
        assert client.get(f"/bancas/{org.banca.id}", headers=headers).status_code == 403
        assert client.post(f"/bancas/{org.banca.id}/reactivar", headers=headers).status_code == 403


def test_anonymous_redirected(client):
    assert client.get("/bancas").status_code == 302
    assert client.get("/bancas", headers=HX).status_code == 401


@BOTH
def test_create_valid(admin_client, session, org, headers):
    resp = admin_client.post("/bancas/nueva", data=banca_form(), headers=headers)
    banca = session.scalar(select(Banca).where(Banca.code == "NORTE"))
    assert banca is not None and session.get(ConfigVersion, banca.id) is not None
    target = f"/bancas/{banca.id}"
    if headers:
        assert resp.status_code == 200 and resp.headers["HX-Redirect"] == target
    else:
        assert resp.status_code == 303 and resp.headers["Location"].endswith(target)
    assert "Cambios guardados" in body(admin_client.get(target))


@BOTH
def test_create_invalid_is_422_with_inline_errors(admin_client, session, org, headers):
    resp = admin_client.post("/bancas/nueva", data=banca_form(name="", code="x", phone="12",
                                                              max_sessions_per_vendedor="abc"), headers=headers)
    assert resp.status_code == 422
    html = body(resp)
    assert 'id="form-banca"' in html and "Ingrese el nombre." in html and "8 dígitos" in html
    assert "Sesiones por vendedor" in html and "Not a valid" not in html
    assert ("<html" in html) is (not headers)
    assert session.scalar(select(Banca).where(Banca.code == "X")) is None


def test_create_duplicate(admin_client, org):
    resp = admin_client.post("/bancas/nueva", data=banca_form(name=org.banca.name, code=org.banca.code))
    assert resp.status_code == 422
    assert "Ya existe una banca con ese nombre." in body(resp)


def test_create_selects_banca_for_admin_without_one(login, session, org):
    from tests.factories.org import admin
    lonely = admin(org.banca)
    lonely.banca_id = None
    session.commit()
    client = login(lonely)
    client.post("/bancas/nueva", data=banca_form())
    banca = session.scalar(select(Banca).where(Banca.code == "NORTE"))
    session.refresh(client.login_session)
    assert client.login_session.banca_id == banca.id


@BOTH
def test_edit_page_and_save(admin_client, org, session, headers):
    url = f"/bancas/{org.banca.id}"
    html = body(admin_client.get(url, headers=headers))
    assert 'id="form-banca"' in html and f'value="{org.banca.code}"' in html
    if not headers:
        assert "Configuración" in html and "Ventanas" in html  # detail tabs
    resp = admin_client.post(url, data=banca_form(name=org.banca.name, code=org.banca.code, phone="",
                                                  max_sessions_per_vendedor="1"), headers=headers)
    assert resp.status_code in (200, 303)
    assert "No hay cambios" in body(admin_client.get(url))
    admin_client.post(url, data=banca_form(name="Banca Renombrada", code=org.banca.code, phone=""), headers=headers)
    assert "Cambios guardados" in body(admin_client.get(url))
    session.refresh(org.banca)
    assert org.banca.name == "Banca Renombrada"


def test_edit_vendor_limit_below_active_is_409_next_to_field(admin_client, org):
    resp = admin_client.post(f"/bancas/{org.banca.id}", headers=HX,
                             data=banca_form(name=org.banca.name, code=org.banca.code, vendor_limit="1"))
    assert resp.status_code == 409
    assert 'id="campo-vendor_limit"' in body(resp) and "vendedores activos" in body(resp)


@BOTH
def test_bad_or_unknown_ids_are_404(admin_client, org, headers):
    for url in ("/bancas/no-es-uuid", "/bancas/00000000-0000-0000-0000-000000000000",
                "/bancas/00000000-0000-0000-0000-000000000000/desactivar",
                "/bancas/00000000-0000-0000-0000-000000000000/configuracion"):
        assert admin_client.get(url, headers=headers).status_code == 404
    assert admin_client.post("/bancas/00000000-0000-0000-0000-000000000000/reactivar",
                             headers=headers).status_code == 404


@BOTH
def test_deactivate_and_restore(admin_client, org, session, headers):
    url = f"/bancas/{org.banca.id}/desactivar"
    assert 'id="form-desactivar"' in body(admin_client.get(url, headers=headers))
    resp = admin_client.post(url, data={"reason": "x"}, headers=headers)
    assert resp.status_code == 422 and "motivo" in body(resp)
    resp = admin_client.post(url, data={"reason": "Cierre temporal"}, headers=headers)
    assert resp.status_code in (200, 303)
    session.refresh(org.banca)
    assert not org.banca.is_active
    resp = admin_client.post(f"/bancas/{org.banca.id}/reactivar", data={"next": "/bancas?estado=todos"},
                             headers=headers)
    location = resp.headers.get("HX-Redirect") or resp.headers["Location"]
    assert location.endswith("/bancas?estado=todos")
    session.refresh(org.banca)
    assert org.banca.is_active


def test_restore_active_banca_refused(admin_client, org):
    resp = admin_client.post(f"/bancas/{org.banca.id}/reactivar", headers=HX)
    assert resp.status_code == 409 and resp.headers["HX-Reswap"] == "none"
    assert "toast" in resp.headers["HX-Trigger"]
    assert admin_client.post(f"/bancas/{org.banca.id}/reactivar").status_code == 409


def test_restore_ignores_foreign_next(admin_client, org, session):
    org.banca.is_active = False
    session.commit()
    resp = admin_client.post(f"/bancas/{org.banca.id}/reactivar", data={"next": "https://malo.example/x"})
    assert resp.headers["Location"].endswith("/bancas")


@BOTH
def test_banca_ventanas_tab(admin_client, org, headers):
    html = body(admin_client.get(f"/bancas/{org.banca.id}/ventanas", headers=headers))
    assert 'id="ventanas-banca"' in html and org.ventana.name in html and org.other_ventana.name in html


SETTINGS = {"ventana_label": "Listero", "vendedor_can_pay": "y", "reprint_enabled": "", "default_paper_width_mm": "58",
            "receipt_header": "LA SUERTE", "receipt_footer": "Gracias", "idle_timeout_minutes": "30"}


@BOTH
def test_settings_page_and_save(admin_client, org, session, headers):
    resp = admin_client.get("/configuracion", headers=headers)
    assert resp.status_code == 200 and 'id="form-configuracion"' in body(resp)
    resp = admin_client.post("/configuracion", data=SETTINGS, headers=headers)
    assert resp.status_code in (200, 303)
    session.refresh(org.banca)
    assert org.banca.setting("ventana_label") == "Listero" and org.banca.setting("reprint_enabled") is False
    assert len(audit_rows(session, "BANCA_UPDATE")) == 1
    assert "Listeros" in body(admin_client.get("/ventanas"))  # the banca's word everywhere
    admin_client.post("/configuracion", data=SETTINGS, headers=headers)
    assert "No hay cambios" in body(admin_client.get("/configuracion"))


def test_settings_invalid_422(admin_client, org):
    resp = admin_client.post("/configuracion", headers=HX,
                             data={**SETTINGS, "idle_timeout_minutes": "90", "ventana_label": "Otra"})
    assert resp.status_code == 422
    html = body(resp)
    assert "entre 5 y 60" in html and "Listero" in html


def test_settings_of_other_banca_tab(admin_client, org, session):
    from tests.factories.org import BancaFactory
    other = BancaFactory()
    session.commit()
    resp = admin_client.post(f"/bancas/{other.id}/configuracion", data=SETTINGS)
    assert resp.status_code == 303
    session.refresh(other)
    assert other.setting("ventana_label") == "Listero"
    assert org.banca.setting("ventana_label") == "Ventana"


def test_settings_without_selected_banca(login, org, session):
    from tests.factories.org import admin
    lonely = admin(org.banca)
    lonely.banca_id = None
    session.commit()
    client = login(lonely)
    client.login_session.banca_id = None
    session.commit()
    resp = client.get("/configuracion")
    assert resp.status_code == 200 and "Seleccione una banca" in body(resp)
