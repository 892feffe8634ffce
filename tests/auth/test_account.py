""""Mi cuenta": password change, theme, own sessions; ADMIN sessions page (DOMAIN §20, UX §1)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import ActivityLog
from app.auth.models import LoginSession
from app.auth.passwords import verify_password
from tests.auth.conftest import PASSWORD
from tests.conftest import HX

NEW = "nueva-clave-2026"


def _revoked(session, login_row) -> bool:
    session.expire_all()
    return session.get(LoginSession, login_row.id).revoked


def _actions(session, user):
    return [r.action for r in session.scalars(select(ActivityLog).where(ActivityLog.user_id == user.id)
                                              .order_by(ActivityLog.created_at)).all()]


# ------------------------------------------------------------------------------ page


@pytest.mark.parametrize("role_attr", ["admin", "listero", "vendedor"])
def test_account_page_for_every_role(login, org, role_attr):
    user = getattr(org, role_attr)
    resp = login(user).get("/mi-cuenta")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    for text in ("Mi cuenta", "Cambiar contraseña", "Contraseña actual", "Nueva contraseña", "Tema",
                 "Sesiones abiertas", "Esta sesión", "Cerrar sesión en todos lados", user.username):
        assert text in html
    assert ("/admin/sesiones" in html) == (role_attr == "admin")


def test_account_requires_login(client):
    resp = client.get("/mi-cuenta")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


# ------------------------------------------------------------------------------ password


def test_password_change_success_keeps_this_session_and_revokes_the_others(login, org, session):
    here, elsewhere = login(org.vendedor), login(org.vendedor)
    resp = here.post("/mi-cuenta/contrasena", data={"current_password": PASSWORD, "new_password": NEW,
                                                     "confirm": NEW})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/mi-cuenta")
    session.expire_all()
    assert verify_password(org.vendedor.password_hash, NEW)
    assert not _revoked(session, here.login_session)
    assert _revoked(session, elsewhere.login_session)
    assert here.get("/mi-cuenta").status_code == 200
    assert elsewhere.get("/mi-cuenta").status_code == 302
    assert "PASSWORD_CHANGE" in _actions(session, org.vendedor)
    log = session.scalar(select(ActivityLog).where(ActivityLog.action == "PASSWORD_CHANGE"))
    assert NEW not in str(log.details) and PASSWORD not in str(log.details)


def test_password_change_with_htmx_redirects(login, org):
    resp = login(org.listero).post("/mi-cuenta/contrasena", headers=HX, data={
        "current_password": PASSWORD, "new_password": NEW, "confirm": NEW})
    assert resp.status_code == 200 and resp.headers["HX-Redirect"].endswith("/mi-cuenta")


@pytest.mark.parametrize("data, message", [
    ({"current_password": "mala-clave-1", "new_password": NEW, "confirm": NEW}, "La contraseña actual no es correcta."),
    ({"current_password": PASSWORD, "new_password": "corta", "confirm": "corta"}, "entre 8 y 100 caracteres"),
    ({"current_password": PASSWORD, "new_password": "x" * 101, "confirm": "x" * 101}, "entre 8 y 100 caracteres"),
    ({"current_password": PASSWORD, "new_password": PASSWORD, "confirm": PASSWORD}, "diferente de la actual"),
    ({"current_password": PASSWORD, "new_password": NEW, "confirm": NEW + "x"}, "no coincide"),
    ({"current_password": "", "new_password": "", "confirm": ""}, "Ingrese su contraseña actual."),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_password_change_refusals_answer_422_inline(login, org, session, data, message, htmx):
    client = login(org.vendedor)
    resp = client.post("/mi-cuenta/contrasena", data=data, headers=HX if htmx else {})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert message in html
    assert html.lstrip().startswith('<form id="cambio-contrasena"') == htmx
    assert "HX-Request" in resp.headers["Vary"]
    session.expire_all()
    assert verify_password(org.vendedor.password_hash, PASSWORD)


# ------------------------------------------------------------------------------ theme


@pytest.mark.parametrize("value, stored", [("oscuro", "oscuro"), ("claro", "claro"), ("", None)])
def test_theme_is_stored_on_the_user_and_rendered_by_the_layout(login, org, session, value, stored):
    client = login(org.listero)
    resp = client.post("/mi-cuenta/tema", data={"theme": value}, headers={"Referer": "http://localhost/panel"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/panel")
    session.expire_all()
    assert (org.listero.settings or {}).get("theme") == stored
    html = client.get("/mi-cuenta").get_data(as_text=True)
    assert f'data-theme="{stored or ""}"' in html


def test_theme_toggle_without_javascript_and_with_htmx(login, org, session):
    client = login(org.vendedor)
    client.post("/mi-cuenta/tema", data={"theme": "toggle"})
    session.expire_all()
    assert org.vendedor.settings["theme"] == "oscuro"
    resp = client.post("/mi-cuenta/tema", data={"theme": "claro"}, headers=HX)
    assert resp.status_code == 204 and "toast" in resp.headers["HX-Trigger"]
    session.expire_all()
    assert org.vendedor.settings["theme"] == "claro"
    client.post("/mi-cuenta/tema", data={"theme": "toggle"})
    session.expire_all()
    assert org.vendedor.settings["theme"] == "oscuro"


def test_invalid_theme_answers_422(login, org):
    resp = login(org.vendedor).post("/mi-cuenta/tema", data={"theme": "morado"})
    assert resp.status_code == 422
    assert "Seleccione un tema válido." in resp.get_data(as_text=True)


# ------------------------------------------------------------------------------ own sessions


def test_revoke_another_own_session(login, org, session):
    here, other = login(org.listero), login(org.listero)
    resp = here.post(f"/mi-cuenta/sesiones/{other.login_session.id}/cerrar")
    assert resp.status_code == 303
    assert _revoked(session, other.login_session) and not _revoked(session, here.login_session)
    assert other.get("/panel").status_code == 302
    assert "SESSION_REVOKE" in _actions(session, org.listero)


def test_revoke_another_own_session_with_htmx_returns_the_fragment(login, org, session):
    here, other = login(org.listero), login(org.listero)
    resp = here.post(f"/mi-cuenta/sesiones/{other.login_session.id}/cerrar", headers=HX)
    assert resp.status_code == 200
    assert resp.get_data(as_text=True).lstrip().startswith('<section class="card" id="sesiones">')


def test_revoking_this_session_logs_out(login, org, session):
    client = login(org.listero)
    resp = client.post(f"/mi-cuenta/sesiones/{client.login_session.id}/cerrar")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/login")
    assert client.get("/panel").status_code == 302


def test_cannot_revoke_someone_elses_session(login, org, session):
    victim = login(org.vendedor2)
    resp = login(org.vendedor).post(f"/mi-cuenta/sesiones/{victim.login_session.id}/cerrar")
    assert resp.status_code == 403
    assert not _revoked(session, victim.login_session)


def test_revoking_an_unknown_session_is_404(login, org):
    resp = login(org.vendedor).post("/mi-cuenta/sesiones/00000000-0000-0000-0000-000000000000/cerrar")
    assert resp.status_code == 404


def test_log_out_everywhere(login, org, session):
    here, phone = login(org.vendedor), login(org.vendedor)
    resp = here.post("/mi-cuenta/sesiones/cerrar-todas")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/login")
    assert _revoked(session, here.login_session) and _revoked(session, phone.login_session)
    assert here.get("/mi-cuenta").status_code == 302 and phone.get("/mi-cuenta").status_code == 302
    log = session.scalar(select(ActivityLog).where(ActivityLog.action == "SESSION_REVOKE",
                                                   ActivityLog.user_id == org.vendedor.id))
    assert "todos sus dispositivos (2 sesiones)" in log.details["description"]


# ------------------------------------------------------------------------------ ADMIN sessions


def test_admin_lists_live_sessions_and_filters(login, org):
    admin = login(org.admin, org.banca.id)
    login(org.vendedor), login(org.listero)
    html = admin.get("/admin/sesiones").get_data(as_text=True)
    assert org.vendedor.username in html and org.listero.username in html
    html = admin.get(f"/admin/sesiones?q={org.vendedor.username}").get_data(as_text=True)
    assert org.vendedor.username in html and org.listero.username not in html
    html = admin.get("/admin/sesiones?rol=VENTANA").get_data(as_text=True)
    assert org.listero.username in html and org.vendedor.username not in html
    frag = admin.get("/admin/sesiones?rol=bogus&page=x", headers=HX)
    assert frag.status_code == 200
    assert frag.get_data(as_text=True).lstrip().startswith('<section id="sesiones-admin"')


def test_admin_sessions_of_the_selected_banca_or_all(login, org, session):
    from tests.factories.org import BancaFactory, VentanaFactory, vendedor
    other_seller = vendedor(VentanaFactory(banca=BancaFactory()))
    session.commit()
    admin = login(org.admin, org.banca.id)
    login(other_seller)
    assert other_seller.username not in admin.get("/admin/sesiones").get_data(as_text=True)
    assert other_seller.username in admin.get("/admin/sesiones?banca=todas").get_data(as_text=True)


def test_admin_revokes_any_session(login, org, session):
    admin = login(org.admin, org.banca.id)
    victim = login(org.vendedor)
    resp = admin.post(f"/admin/sesiones/{victim.login_session.id}/cerrar?rol=VENDEDOR", headers=HX)
    assert resp.status_code == 200
    assert resp.get_data(as_text=True).lstrip().startswith('<section id="sesiones-admin"')
    assert _revoked(session, victim.login_session)
    assert victim.get("/mi-cuenta").status_code == 302
    log = session.scalar(select(ActivityLog).where(ActivityLog.action == "SESSION_REVOKE",
                                                   ActivityLog.user_id == org.admin.id))
    assert org.vendedor.username in log.details["description"]
    plain = admin.post(f"/admin/sesiones/{login(org.listero).login_session.id}/cerrar")
    assert plain.status_code == 303


@pytest.mark.parametrize("role_attr", ["listero", "vendedor"])
def test_admin_sessions_are_admin_only(login, org, role_attr):
    client = login(getattr(org, role_attr))
    assert client.get("/admin/sesiones").status_code == 403
    other = login(org.admin, org.banca.id)
    assert client.post(f"/admin/sesiones/{other.login_session.id}/cerrar").status_code == 403
