"""Ventanas pages: ADMIN CRUD; a VENTANA user edits only its own contact and print data (UX §6)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.org.models import Ventana
from tests.conftest import HX
from tests.org.conftest import audit_rows

BOTH = pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])


def body(resp):
    return resp.get_data(as_text=True)


def ventana_form(org, **extra):
    return {"banca_id": str(org.banca.id), "name": "Ventana Sur", "code": "sur", "phone": "8888-1234",
            "email": "", "address": "", "print_name": "", "print_phone": "", "paper_width_mm": "",
            "print_footer": "", "print_barcode": "y", "listero_username": "", "listero_name": "",
            "listero_password": "", **extra}


@BOTH
def test_list_for_admin(admin_client, org, headers):
    resp = admin_client.get("/ventanas", headers=headers)
    assert resp.status_code == 200 and "HX-Request" in resp.headers["Vary"]
    html = body(resp)
    assert 'id="tabla-ventanas"' in html and org.ventana.name in html and org.other_ventana.name in html
    assert ("<html" in html) is (not headers)


def test_list_only_selected_banca(admin_client, org, session):
    from tests.factories.org import VentanaFactory
    foreign = VentanaFactory(name="Ventana de otra banca")
    session.commit()
    assert foreign.name not in body(admin_client.get("/ventanas"))
    html = body(admin_client.get(f"/ventanas?q={org.ventana.code}", headers=HX))
    assert org.ventana.name in html and org.other_ventana.name not in html


@BOTH
@pytest.mark.parametrize("who", ["ventana_client", "vendedor_client"])
def test_list_and_create_refused_for_others(request, org, who, headers):
    client = request.getfixturevalue(who)
    assert client.get("/ventanas", headers=headers).status_code == 403
    assert client.get("/ventanas/nueva", headers=headers).status_code == 403
    assert client.post("/ventanas/nueva", data=ventana_form(org), headers=headers).status_code == 403
    assert client.post(f"/ventanas/{org.ventana.id}/desactivar", data={"reason": "no debe"},
                       headers=headers).status_code == 403


@BOTH
def test_create_with_listero(admin_client, org, session, headers):
    page = body(admin_client.get("/ventanas/nueva", headers=headers))
    assert 'id="form-ventana"' in page and "listero_username" in page
    resp = admin_client.post("/ventanas/nueva", headers=headers, data=ventana_form(
        org, listero_username="listerosur", listero_name="Marta Solano", listero_password="clave-listero-1"))
    ventana = session.scalar(select(Ventana).where(Ventana.code == "SUR"))
    assert ventana is not None and ventana.phone == "88881234" and ventana.print_barcode is True
    target = f"/ventanas/{ventana.id}"
    assert (resp.headers.get("HX-Redirect") or resp.headers["Location"]).endswith(target)
    listero = session.scalar(select(User).where(User.username == "listerosur"))
    assert listero.ventana_id == ventana.id
    assert "Cambios guardados" in body(admin_client.get(target))


@BOTH
def test_create_invalid_writes_nothing(admin_client, org, session, headers):
    resp = admin_client.post("/ventanas/nueva", headers=headers, data=ventana_form(
        org, name="", code="x", listero_username=org.vendedor.username, listero_name="Marta",
        listero_password="clave-listero-1"))
    assert resp.status_code == 422
    html = body(resp)
    assert 'id="campo-name"' in html and "Ingrese el nombre." in html and "entre 2 y 10" in html
    resp = admin_client.post("/ventanas/nueva", headers=headers, data=ventana_form(
        org, listero_username=org.vendedor.username, listero_name="Marta", listero_password="clave-listero-1"))
    assert resp.status_code == 422 and "Ese usuario ya existe." in body(resp)
    assert session.scalar(select(Ventana).where(Ventana.code == "SUR")) is None


def test_create_preselects_banca(admin_client, org, session):
    from tests.factories.org import BancaFactory
    other = BancaFactory()
    session.commit()
    html = body(admin_client.get("/ventanas/nueva", headers=HX))
    assert f'<option selected value="{org.banca.id}">' in html          # the selected banca
    html = body(admin_client.get(f"/ventanas/nueva?banca={other.id}", headers=HX))
    assert f'<option selected value="{other.id}">' in html
    assert 'id="ventana_banca"' in html and 'id="banca_id"' not in html  # no clash with the top bar


@BOTH
def test_admin_edit(admin_client, org, session, headers):
    url = f"/ventanas/{org.ventana.id}"
    html = body(admin_client.get(url, headers=headers))
    assert 'id="form-ventana"' in html and 'name="code"' in html and "listero_username" not in html
    data = ventana_form(org, name=org.ventana.name, code=org.ventana.code, phone="", print_barcode="y")
    admin_client.post(url, data=data, headers=headers)
    assert "No hay cambios" in body(admin_client.get(url))
    data["name"] = "Ventana Renombrada"
    data["banca_id"] = "00000000-0000-0000-0000-000000000000"  # ignored: the banca never changes
    resp = admin_client.post(url, data=data, headers=headers)
    assert resp.status_code in (200, 303)
    session.refresh(org.ventana)
    assert org.ventana.name == "Ventana Renombrada" and org.ventana.banca_id == org.banca.id


@BOTH
def test_listero_edits_own_ventana_limited_form(ventana_client, org, session, headers):
    url = f"/ventanas/{org.ventana.id}"
    resp = ventana_client.get(url, headers=headers)
    assert resp.status_code == 200
    html = body(resp)
    assert 'name="phone"' in html and 'name="code"' not in html and 'name="name"' not in html
    resp = ventana_client.post(url, headers=headers, data={"name": "Hackeada", "code": "HACK", "phone": "2222-9999",
                                                           "email": "centro@x.cr", "address": "Centro",
                                                           "print_barcode": "y"})
    assert resp.status_code in (200, 303)
    session.refresh(org.ventana)
    assert org.ventana.phone == "22229999" and org.ventana.name != "Hackeada" and org.ventana.code != "HACK"
    assert len(audit_rows(session, "VENTANA_UPDATE")) == 1


@BOTH
def test_listero_other_ventana_403_and_vendedor_403(ventana_client, vendedor_client, org, headers):
    assert ventana_client.get(f"/ventanas/{org.other_ventana.id}", headers=headers).status_code == 403
    assert ventana_client.post(f"/ventanas/{org.other_ventana.id}", data={"phone": "22229999"},
                               headers=headers).status_code == 403
    assert vendedor_client.get(f"/ventanas/{org.ventana.id}", headers=headers).status_code == 403


@BOTH
def test_bad_ids_404(admin_client, ventana_client, org, headers):
    assert admin_client.get("/ventanas/123", headers=headers).status_code == 404
    assert admin_client.get("/ventanas/00000000-0000-0000-0000-000000000000", headers=headers).status_code == 404
    assert ventana_client.get("/ventanas/00000000-0000-0000-0000-000000000000", headers=headers).status_code == 404


@BOTH
def test_deactivate_restore(admin_client, org, session, headers):
    url = f"/ventanas/{org.other_ventana.id}/desactivar"
    assert admin_client.post(url, data={"reason": ""}, headers=headers).status_code == 422
    admin_client.post(url, data={"reason": "Local cerrado"}, headers=headers)
    session.refresh(org.other_ventana)
    assert not org.other_ventana.is_active
    assert org.other_ventana.name in body(admin_client.get("/ventanas?estado=inactivos"))
    resp = admin_client.post(f"/ventanas/{org.other_ventana.id}/reactivar", headers=headers)
    assert resp.status_code in (200, 303)
    session.refresh(org.other_ventana)
    assert org.other_ventana.is_active


def test_listero_of_inactive_ventana_is_refused(login, admin_client, org, session):
    admin_client.post(f"/ventanas/{org.ventana.id}/desactivar", data={"reason": "Local cerrado"})
    client = login(org.listero)
    assert client.get("/usuarios").status_code == 403
