"""Login and logout through the routes (DOMAIN §20, UX §1)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.audit.models import ActivityLog
from app.auth.models import LoginSession
from app.tz import utcnow
from tests.auth.conftest import PASSWORD
from tests.conftest import HX


def _post_login(client, username, password=PASSWORD, **extra):
    data = {"username": username, "password": password, **extra}
    return client.post("/login", data=data, headers=extra.pop("headers", {}))


def _logs(session, user_id=None, action=None, username=None):
    stmt = select(ActivityLog).order_by(ActivityLog.created_at)
    if user_id is not None:
        stmt = stmt.where(ActivityLog.target_id == str(user_id))
    if action:
        stmt = stmt.where(ActivityLog.action == action)
    rows = session.scalars(stmt).all()
    if username is not None:
        rows = [r for r in rows if r.details.get("username") == username]
    return rows


def _live_sessions(session, user):
    return session.scalars(select(LoginSession).where(LoginSession.user_id == user.id,
                                                      LoginSession.revoked.is_(False))).all()


def test_login_page_has_the_spanish_form(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    for text in ("Usuario", "Contraseña", "Ingresar", "Solicite al administrador que la restablezca"):
        assert text in html


@pytest.mark.parametrize("role_attr, home", [("admin", "/admin/panel"), ("listero", "/panel"),
                                             ("vendedor", None)])
def test_each_role_lands_on_its_home(app, client, org, session, role_attr, home):
    user = getattr(org, role_attr)
    resp = _post_login(client, user.username)
    assert resp.status_code == 303
    expected = home or ("/venta" if "sales.sale_page" in app.view_functions else "/mi-dia")
    assert resp.headers["Location"].endswith(expected)
    if expected != "/venta":  # the sales page belongs to (and is tested by) the sales domain
        assert client.get(expected).status_code == 200


def test_username_is_case_insensitive_and_trimmed(client, org, session):
    resp = _post_login(client, "  " + org.vendedor.username.upper() + " ")
    assert resp.status_code == 303
    assert len(_live_sessions(session, org.vendedor)) == 1


def test_successful_login_opens_a_session_row_and_audits(client, org, session):
    resp = client.post("/login", data={"username": org.listero.username, "password": PASSWORD},
                       headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Chrome/120", "X-Request-ID": "req-login-1"})
    assert resp.status_code == 303
    assert "banca_device=" in resp.headers.get("Set-Cookie", "")
    [row] = _live_sessions(session, org.listero)
    assert row.device_name == "Chrome en Windows"
    assert row.banca_id == org.banca.id
    assert (row.expires_at - row.last_used_at).days == 7
    [log] = _logs(session, org.listero.id, "LOGIN")
    assert log.user_id == org.listero.id and log.layer == "auth" and log.request_id == "req-login-1"
    assert log.ip == "127.0.0.1"
    assert "Ingreso de" in log.details["description"]


def test_wrong_password_is_refused_and_audited_without_the_password(client, org, session):
    resp = _post_login(client, org.vendedor.username, "la-clave-mala-123")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Usuario o contraseña incorrectos" in html
    assert "la-clave-mala-123" not in html
    [log] = _logs(session, org.vendedor.id, "LOGIN_FAILED")
    assert log.details["reason"] == "bad_password"
    assert "la-clave-mala-123" not in json.dumps(log.details)
    assert not _live_sessions(session, org.vendedor)


def test_unknown_user_is_refused_with_the_same_message_and_audited(client, session):
    resp = _post_login(client, "nadie-existe")
    assert resp.status_code == 422
    assert "Usuario o contraseña incorrectos" in resp.get_data(as_text=True)
    [log] = _logs(session, action="LOGIN_FAILED", username="nadie-existe")
    assert log.user_id is None and log.details["reason"] == "unknown_user"


def test_blank_fields_answer_422_with_inline_errors(client):
    resp = client.post("/login", data={"username": "", "password": ""})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Ingrese su usuario." in html and "Ingrese su contraseña." in html


@pytest.mark.parametrize("change", ["inactive_user", "deleted_user", "inactive_ventana", "inactive_banca"])
def test_inactive_user_or_organisation_is_refused(client, org, session, change):
    if change == "inactive_user":
        org.vendedor.is_active = False
    elif change == "deleted_user":
        org.vendedor.deleted_at = utcnow()
    elif change == "inactive_ventana":
        org.ventana.is_active = False
    else:
        org.banca.is_active = False
    session.commit()
    resp = _post_login(client, org.vendedor.username)
    assert resp.status_code == 403
    assert "inactiva" in resp.get_data(as_text=True)
    [log] = _logs(session, org.vendedor.id, "LOGIN_FAILED")
    assert log.details["reason"] in {"inactive", "org_inactive"}
    assert not _live_sessions(session, org.vendedor)


def test_next_is_followed_when_safe(client, org):
    resp = _post_login(client, org.admin.username, next="/mi-cuenta?x=1")
    assert resp.headers["Location"].endswith("/mi-cuenta?x=1")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "/logout", "mi-cuenta"])
def test_unsafe_next_falls_back_to_the_role_home(client, org, target):
    resp = _post_login(client, org.admin.username, next=target)
    assert resp.headers["Location"].endswith("/admin/panel")


def test_login_with_htmx_redirects_with_hx_redirect(client, org):
    resp = client.post("/login", data={"username": org.admin.username, "password": PASSWORD}, headers=HX)
    assert resp.status_code == 200
    assert resp.headers["HX-Redirect"].endswith("/admin/panel")


def test_logged_in_user_visiting_login_goes_home(admin_client):
    resp = admin_client.get("/login")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/panel")


def test_login_clears_the_previous_cookie_session(client, org):
    with client.session_transaction() as s:
        s["planted"] = "attacker"
    _post_login(client, org.admin.username)
    with client.session_transaction() as s:
        assert "planted" not in s and s["sid"]


def test_logout_revokes_the_row_and_audits(login, org, session):
    client = login(org.vendedor)
    resp = client.post("/logout")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/login")
    session.expire_all()
    row = session.get(LoginSession, client.login_session.id)
    assert row.revoked and row.revoked_reason == "Salida"
    assert _logs(session, action="LOGOUT")
    assert client.get("/mi-cuenta").status_code == 302


def test_logout_with_htmx_uses_hx_redirect(login, org):
    client = login(org.vendedor)
    resp = client.post("/logout", headers=HX)
    assert resp.headers["HX-Redirect"].endswith("/login")


def test_logout_when_already_anonymous_just_redirects(client):
    resp = client.post("/logout")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/login")


def test_non_admin_same_device_login_replaces_the_previous_session(client, org, session):
    _post_login(client, org.listero.username)
    _post_login(client, org.listero.username)  # same client → same device cookie
    assert len(_live_sessions(session, org.listero)) == 1
