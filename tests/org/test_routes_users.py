"""Usuarios pages: ADMIN all; VENTANA only its own vendedores; VENDEDOR refused (UX §6, DOMAIN §3)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.passwords import verify_password
from tests.conftest import HX
from tests.org.conftest import audit_rows, live_sessions, open_session

BOTH = pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
NIL = "00000000-0000-0000-0000-000000000000"


def body(resp):
    return resp.get_data(as_text=True)


def new_user(org, **extra):
    return {"name": "Rosa Quesada", "username": "RosaSur", "email": "", "phone": "", "role": "VENDEDOR",
            "ventana_id": str(org.ventana.id), "code": "s01", "max_sessions": "", "password": "clave-segura-1",
            "confirm": "clave-segura-1", "is_active": "y", **extra}


def edit(user, **extra):
    return {"name": user.name, "username": user.username, "email": user.email or "", "phone": user.phone or "",
            "role": user.role.value, "ventana_id": str(user.ventana_id or ""), "code": user.code or "",
            "max_sessions": "", **extra}


def location(resp):
    return resp.headers.get("HX-Redirect") or resp.headers.get("Location")


class TestList:
    @BOTH
    def test_admin_sees_banca_users(self, admin_client, org, headers):
        resp = admin_client.get("/usuarios", headers=headers)
        assert resp.status_code == 200 and "HX-Request" in resp.headers["Vary"]
        html = body(resp)
        assert 'id="tabla-usuarios"' in html
        for user in (org.admin, org.listero, org.vendedor, org.other_vendedor):
            assert user.username in html
        assert ("<html" in html) is (not headers)

    def test_admin_filters(self, admin_client, org):
        html = body(admin_client.get("/usuarios?rol=VENTANA", headers=HX))
        assert org.listero.username in html and org.vendedor.username not in html
        html = body(admin_client.get(f"/usuarios?ventana={org.other_ventana.id}", headers=HX))
        assert org.other_vendedor.username in html and org.vendedor.username not in html
        html = body(admin_client.get(f"/usuarios?q={org.vendedor2.username.upper()}", headers=HX))
        assert org.vendedor2.username in html and org.other_vendedor.username not in html
        assert admin_client.get("/usuarios?ventana=basura&rol=JEFE&page=-1&orden=-ventana").status_code == 200

    @BOTH
    def test_listero_sees_only_own_vendedores(self, ventana_client, org, headers):
        resp = ventana_client.get("/usuarios", headers=headers)
        assert resp.status_code == 200
        html = body(resp)
        assert org.vendedor.username in html and org.vendedor2.username in html
        for user in (org.other_vendedor, org.listero, org.admin, org.other_listero):
            assert user.username not in html
        # A requested other ventana is ignored, never widened (DOMAIN §3).
        html = body(ventana_client.get(f"/usuarios?ventana={org.other_ventana.id}&rol=ADMIN", headers=headers))
        assert org.other_vendedor.username not in html and org.admin.username not in html

    @BOTH
    def test_vendedor_refused_everywhere(self, vendedor_client, org, headers):
        for url in ("/usuarios", "/usuarios/nuevo", f"/usuarios/{org.vendedor.id}",
                    f"/usuarios/{org.vendedor.id}/contrasena", f"/usuarios/{org.vendedor2.id}/impresion"):
            assert vendedor_client.get(url, headers=headers).status_code == 403
        assert vendedor_client.post("/usuarios/nuevo", data=new_user(org), headers=headers).status_code == 403
        assert vendedor_client.post("/usuarios/lote", data={"ids": [str(org.vendedor2.id)], "accion": "desactivar",
                                                            "reason": "no debe"}, headers=headers).status_code == 403


class TestCreate:
    @BOTH
    def test_admin_creates_vendedor(self, admin_client, org, session, headers):
        page = body(admin_client.get("/usuarios/nuevo", headers=headers))
        assert 'id="form-usuario"' in page and 'name="role"' in page and 'name="ventana_id"' in page
        resp = admin_client.post("/usuarios/nuevo", data=new_user(org), headers=headers)
        user = session.scalar(select(User).where(User.username == "RosaSur"))
        assert user is not None and user.code == "S01" and user.role == Role.VENDEDOR
        assert location(resp).endswith(f"/usuarios/{user.id}")
        assert "Cambios guardados" in body(admin_client.get(f"/usuarios/{user.id}"))

    @BOTH
    def test_invalid_422_inline_nothing_written(self, admin_client, org, session, headers):
        resp = admin_client.post("/usuarios/nuevo", headers=headers, data=new_user(
            org, username=org.vendedor.username.upper(), password="corta", confirm="otra", max_sessions="30",
            ventana_id="no-uuid"))
        assert resp.status_code == 422
        html = body(resp)
        assert 'id="form-usuario"' in html and "Ese usuario ya existe." not in html  # shape errors first
        assert "entre 8 y 100" in html and "Elija una ventana." in html and "entre 1 y 20" in html
        resp = admin_client.post("/usuarios/nuevo", headers=headers,
                                 data=new_user(org, username=org.vendedor.username.upper()))
        assert resp.status_code == 422 and "Ese usuario ya existe." in body(resp)
        assert session.scalar(select(User).where(User.name == "Rosa Quesada")) is None

    @BOTH
    def test_listero_creates_own_vendedor_forced(self, ventana_client, org, session, headers):
        page = body(ventana_client.get("/usuarios/nuevo", headers=headers))
        assert 'name="role"' not in page and 'name="ventana_id"' not in page
        ventana_client.post("/usuarios/nuevo", headers=headers,
                            data=new_user(org, role="ADMIN", ventana_id=str(org.other_ventana.id)))
        user = session.scalar(select(User).where(User.username == "RosaSur"))
        assert user.role == Role.VENDEDOR and user.ventana_id == org.ventana.id

    @BOTH
    def test_vendor_limit_409(self, admin_client, org, session, headers):
        org.banca.vendor_limit = 3
        session.commit()
        resp = admin_client.post("/usuarios/nuevo", data=new_user(org), headers=headers)
        assert resp.status_code == 409 and "máximo 3 vendedores" in body(resp)
        assert session.scalar(select(User).where(User.username == "RosaSur")) is None


class TestEdit:
    @BOTH
    def test_admin_moves_vendedor(self, admin_client, org, session, headers):
        url = f"/usuarios/{org.vendedor.id}"
        html = body(admin_client.get(url, headers=headers))
        assert 'id="form-usuario"' in html and 'name="password"' not in html
        open_session(session, org.vendedor)
        session.commit()
        resp = admin_client.post(url, data=edit(org.vendedor, ventana_id=str(org.other_ventana.id)), headers=headers)
        assert location(resp).endswith(url)
        session.refresh(org.vendedor)
        assert org.vendedor.ventana_id == org.other_ventana.id and live_sessions(session, org.vendedor.id) == 0
        assert "Cambios guardados" in body(admin_client.get(url))
        admin_client.post(url, data=edit(org.vendedor), headers=headers)
        assert "No hay cambios" in body(admin_client.get(url))

    @BOTH
    def test_listero_edits_own_vendedor(self, ventana_client, org, session, headers):
        url = f"/usuarios/{org.vendedor.id}"
        assert ventana_client.get(url, headers=headers).status_code == 200
        resp = ventana_client.post(url, data=edit(org.vendedor, name="Carlos Editado", role="ADMIN",
                                                  ventana_id=str(org.other_ventana.id)), headers=headers)
        assert resp.status_code in (200, 303)
        session.refresh(org.vendedor)
        assert org.vendedor.name == "Carlos Editado" and org.vendedor.role == Role.VENDEDOR
        assert org.vendedor.ventana_id == org.ventana.id

    @BOTH
    @pytest.mark.parametrize("target", ["other_vendedor", "other_listero", "listero", "admin"])
    def test_listero_idor_refused(self, ventana_client, org, session, headers, target):
        user = getattr(org, target)
        for url in (f"/usuarios/{user.id}", f"/usuarios/{user.id}/contrasena", f"/usuarios/{user.id}/desactivar",
                    f"/usuarios/{user.id}/impresion"):
            assert ventana_client.get(url, headers=headers).status_code == 403
        assert ventana_client.post(f"/usuarios/{user.id}", data=edit(user, name="Hackeado"),
                                   headers=headers).status_code == 403
        assert ventana_client.post(f"/usuarios/{user.id}/contrasena", headers=headers,
                                   data={"password": "clave-nueva-1", "confirm": "clave-nueva-1"}).status_code == 403
        assert ventana_client.post(f"/usuarios/{user.id}/desactivar", data={"reason": "no debe"},
                                   headers=headers).status_code == 403
        assert ventana_client.post(f"/usuarios/{user.id}/reactivar", headers=headers).status_code == 403
        session.refresh(user)
        assert user.name != "Hackeado" and user.is_active

    @BOTH
    def test_bad_ids_404(self, admin_client, ventana_client, org, headers):
        for client in (admin_client, ventana_client):
            assert client.get("/usuarios/xyz", headers=headers).status_code == 404
            assert client.get(f"/usuarios/{NIL}", headers=headers).status_code == 404
            assert client.post(f"/usuarios/{NIL}/reactivar", headers=headers).status_code == 404

    def test_own_role_change_refused_409(self, admin_client, org):
        resp = admin_client.post(f"/usuarios/{org.admin.id}", headers=HX,
                                 data=edit(org.admin, role="VENTANA", ventana_id=str(org.ventana.id)))
        assert resp.status_code == 409 and "propio rol" in body(resp)


class TestPasswordAndActive:
    @BOTH
    def test_listero_resets_vendedor_password(self, ventana_client, org, session, headers):
        open_session(session, org.vendedor)
        session.commit()
        url = f"/usuarios/{org.vendedor.id}/contrasena"
        assert 'id="form-contrasena"' in body(ventana_client.get(url, headers=headers))
        resp = ventana_client.post(url, data={"password": "clave-nueva-1", "confirm": "otra"}, headers=headers)
        assert resp.status_code == 422 and "no coincide" in body(resp)
        resp = ventana_client.post(url, data={"password": "clave-nueva-1", "confirm": "clave-nueva-1"},
                                   headers=headers)
        assert location(resp).endswith(f"/usuarios/{org.vendedor.id}")
        session.refresh(org.vendedor)
        assert verify_password(org.vendedor.password_hash, "clave-nueva-1")
        assert live_sessions(session, org.vendedor.id) == 0

    @BOTH
    def test_deactivate_and_restore_with_vendor_limit(self, admin_client, org, session, headers):
        url = f"/usuarios/{org.vendedor.id}/desactivar"
        assert admin_client.post(url, data={"reason": ""}, headers=headers).status_code == 422
        admin_client.post(url, data={"reason": "Renunció"}, headers=headers)
        session.refresh(org.vendedor)
        assert not org.vendedor.is_active
        org.banca.vendor_limit = 2
        session.commit()
        resp = admin_client.post(f"/usuarios/{org.vendedor.id}/reactivar", headers=headers)
        assert resp.status_code == 409
        session.refresh(org.vendedor)
        assert not org.vendedor.is_active
        org.banca.vendor_limit = None
        session.commit()
        assert location(admin_client.post(f"/usuarios/{org.vendedor.id}/reactivar", headers=headers))
        session.refresh(org.vendedor)
        assert org.vendedor.is_active

    @BOTH
    def test_deactivated_vendedor_is_logged_out(self, admin_client, login, org, session, headers):
        seller = login(org.vendedor2)
        assert seller.get("/mi-cuenta/impresion").status_code == 200
        admin_client.post(f"/usuarios/{org.vendedor2.id}/desactivar", data={"reason": "Renunció"}, headers=headers)
        assert seller.get("/mi-cuenta/impresion").status_code == 302


class TestBulk:
    @BOTH
    def test_listero_bulk_deactivate_then_activate(self, ventana_client, org, session, headers):
        ids = [str(org.vendedor.id), str(org.vendedor2.id)]
        resp = ventana_client.post("/usuarios/lote", headers=headers,
                                   data={"ids": ids, "accion": "desactivar", "reason": "Cierre", "q": "",
                                         "estado": "todos"})
        assert location(resp).endswith("/usuarios?estado=todos&orden=nombre&page=1")
        assert len(audit_rows(session, "USER_DELETE")) == 2
        resp = ventana_client.post("/usuarios/lote", data={"ids": ids, "accion": "activar"}, headers=headers)
        assert location(resp)
        session.refresh(org.vendedor)
        assert org.vendedor.is_active

    @BOTH
    def test_bulk_out_of_scope_is_403_and_nothing_changes(self, ventana_client, org, session, headers):
        resp = ventana_client.post("/usuarios/lote", headers=headers, data={
            "ids": [str(org.vendedor.id), str(org.other_vendedor.id)], "accion": "desactivar", "reason": "Cierre"})
        assert resp.status_code == 403
        session.refresh(org.vendedor)
        assert org.vendedor.is_active

    @BOTH
    def test_bulk_errors_render_table(self, admin_client, org, session, headers):
        resp = admin_client.post("/usuarios/lote", data={"accion": "desactivar", "reason": "x"}, headers=headers)
        assert resp.status_code == 422 and 'id="tabla-usuarios"' in body(resp)
        assert "Seleccione al menos un usuario." in body(resp)
        resp = admin_client.post("/usuarios/lote", data={"ids": [str(org.vendedor.id)], "accion": "borrar"},
                                 headers=headers)
        assert resp.status_code == 422
        ids = [str(org.vendedor.id), str(org.vendedor2.id)]
        admin_client.post("/usuarios/lote", data={"ids": ids, "accion": "desactivar", "reason": "pausa"})
        org.banca.vendor_limit = 2
        session.commit()
        resp = admin_client.post("/usuarios/lote", data={"ids": ids, "accion": "activar"}, headers=headers)
        assert resp.status_code == 409 and "máximo 2" in body(resp)
