"""Server-side sessions: revocation, idle and absolute expiry, vendedor seat limits (DOMAIN §20,
§24 case 24)."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from app.auth import services
from app.auth.models import LoginSession
from app.errors import Throttled
from app.tz import utcnow
from tests.auth.conftest import PASSWORD
from tests.conftest import HX
from tests.factories.org import vendedor as make_vendedor


def _login(session, user, device, now=None, ua="pytest"):
    return services.authenticate(session, username=user.username, password=PASSWORD, ip="10.0.0.1",
                                 user_agent=ua, device_id=device, now=now)[1]


def _query(url):
    return dict(parse_qsl(urlsplit(url).query))


def _live(session, user):
    return session.scalars(select(LoginSession).where(LoginSession.user_id == user.id,
                                                      LoginSession.revoked.is_(False))
                           .order_by(LoginSession.created_at)).all()


# ------------------------------------------------------------------------------ services


def test_resolve_returns_user_and_touches_at_most_once_a_minute(session, org):
    now = utcnow()
    login = _login(session, org.listero, "d1", now=now)
    user, row = services.resolve_session(session, login.token_id, now=now + timedelta(seconds=30))
    assert user.id == org.listero.id and row.last_used_at == now
    assert login.last_used_at == now  # 30 s: not written
    services.resolve_session(session, login.token_id, now=now + timedelta(seconds=90))
    assert login.last_used_at == now + timedelta(seconds=90)  # the ORM row was written


def test_polls_do_not_extend_the_idle_timeout(session, org):
    now = utcnow()
    login = _login(session, org.listero, "d1", now=now)
    for minutes in (20, 40, 59):
        assert services.resolve_session(session, login.token_id, now=now + timedelta(minutes=minutes),
                                        is_poll=True) is not None
    assert login.last_used_at == now
    assert services.resolve_session(session, login.token_id, now=now + timedelta(minutes=61),
                                    is_poll=True) is None
    assert login.revoked and login.revoked_reason == "Inactividad"


def test_idle_timeout_comes_from_the_banca(session, org):
    org.banca.settings = {**org.banca.settings, "idle_timeout_minutes": 10}
    now = utcnow()
    login = _login(session, org.vendedor, "d1", now=now)
    assert services.resolve_session(session, login.token_id, now=now + timedelta(minutes=9)) is not None
    assert services.resolve_session(session, login.token_id, now=now + timedelta(minutes=20)) is None


def test_activity_keeps_the_session_alive_until_the_absolute_lifetime(session, org):
    now = utcnow()
    login = _login(session, org.listero, "d1", now=now)
    t = now
    while t < now + timedelta(days=7) - timedelta(minutes=30):
        t += timedelta(minutes=30)
        assert services.resolve_session(session, login.token_id, now=t) is not None
    assert services.resolve_session(session, login.token_id, now=now + timedelta(days=7, seconds=1)) is None
    assert login.revoked


def test_unknown_or_empty_token_resolves_to_nothing(session):
    assert services.resolve_session(session, None) is None
    assert services.resolve_session(session, "no-such-token") is None


def test_inactive_user_and_moved_user_are_not_resolved(session, org):
    login = _login(session, org.vendedor, "d1")
    org.vendedor.is_active = False
    assert services.resolve_session(session, login.token_id) is None
    org.vendedor.is_active = True
    login2 = _login(session, org.vendedor2, "d2")
    from tests.factories.org import BancaFactory, VentanaFactory
    other = VentanaFactory(banca=BancaFactory())
    org.vendedor2.ventana_id, org.vendedor2.banca_id = other.id, other.banca_id
    session.flush()
    session.expire(org.vendedor2)
    assert services.resolve_session(session, login2.token_id) is None
    assert login2.revoked_reason == "El usuario cambió de banca"


def test_vendedor_over_the_limit_displaces_the_least_recently_used(session, org):
    org.banca.max_sessions_per_vendedor = 2
    now = utcnow()
    a = _login(session, org.vendedor, "A", now=now)
    b = _login(session, org.vendedor, "B", now=now + timedelta(minutes=1))
    services.resolve_session(session, a.token_id, now=now + timedelta(minutes=3))  # A used after B
    c = _login(session, org.vendedor, "C", now=now + timedelta(minutes=4))
    assert {s.id for s in _live(session, org.vendedor)} == {a.id, c.id}
    assert b.revoked and "límite" in b.revoked_reason


def test_user_override_beats_the_banca_setting(session, org):
    org.banca.max_sessions_per_vendedor = 1
    org.vendedor.max_sessions = 3
    now = utcnow()
    for i, device in enumerate("ABC"):
        _login(session, org.vendedor, device, now=now + timedelta(minutes=i))
    assert len(_live(session, org.vendedor)) == 3
    _login(session, org.vendedor, "D", now=now + timedelta(minutes=5))
    assert len(_live(session, org.vendedor)) == 3


def test_default_limit_is_one_and_same_device_is_replaced(session, org):
    first = _login(session, org.vendedor, "A")
    again = _login(session, org.vendedor, "A")
    assert first.revoked and "mismo dispositivo" in first.revoked_reason
    other = _login(session, org.vendedor, "B")
    assert again.revoked
    assert [s.id for s in _live(session, org.vendedor)] == [other.id]


def test_only_vendedores_are_limited(session, org):
    for device in "ABCD":
        _login(session, org.listero, device)
        _login(session, org.admin, device)
    assert len(_live(session, org.listero)) == 4
    assert len(_live(session, org.admin)) == 4


def test_pool_full_refuses_with_429_and_audits(session, org):
    org.banca.vendor_limit = 2
    _login(session, org.vendedor, "A")
    _login(session, org.vendedor2, "B")
    third = make_vendedor(org.ventana)
    attempt = services.attempt_login(session, username=third.username, password=PASSWORD, ip=None,
                                     user_agent=None, device_id="C")
    assert isinstance(attempt.error, Throttled) and attempt.error.status == 429
    assert "máximo de vendedores" in attempt.error.message
    assert not _live(session, third)
    with pytest.raises(Throttled):
        services.authenticate(session, username=third.username, password=PASSWORD, ip=None,
                              user_agent=None, device_id="C")


def test_pool_does_not_count_the_sessions_this_login_replaces(session, org):
    org.banca.vendor_limit = 2
    _login(session, org.vendedor, "A")
    _login(session, org.vendedor2, "B")
    # vendedor logs in on a new device: his own old session is displaced (limit 1), so he fits.
    new = _login(session, org.vendedor, "A2")
    assert [s.id for s in _live(session, org.vendedor)] == [new.id]


def test_pool_ignores_idle_sessions_and_other_bancas(session, org):
    org.banca.vendor_limit = 1
    now = utcnow()
    _login(session, org.vendedor, "A", now=now - timedelta(hours=2))  # idle for 2 h: not live
    assert services.count_live_vendedor_sessions(session, org.banca.id, now) == 0
    _login(session, org.vendedor2, "B", now=now)
    assert services.count_live_vendedor_sessions(session, org.banca.id, now) == 1


def test_revoke_user_sessions_and_banca_vendedor_sessions(session, org):
    _login(session, org.vendedor, "A")
    _login(session, org.vendedor2, "B")
    _login(session, org.listero, "C")
    assert services.revoke_user_sessions(session, org.vendedor.id, reason="Desactivado") == 1
    assert services.revoke_banca_vendedor_sessions(session, org.banca.id, reason="Límite") == 1
    assert not _live(session, org.vendedor2)
    assert len(_live(session, org.listero)) == 1


def test_set_user_password_revokes_and_validates(session, org):
    _login(session, org.vendedor, "A")
    version = org.vendedor.identity_version
    assert services.set_user_password(session, org.vendedor, "otra-clave-99") == 1
    assert org.vendedor.identity_version == version + 1
    assert services.find_user_by_username(session, org.vendedor.username) is org.vendedor
    with pytest.raises(Exception) as err:
        services.set_user_password(session, org.vendedor, "corta")
    assert err.value.status == 422


def test_admin_lands_on_his_banca_or_the_first_active_one(session, org):
    login = _login(session, org.admin, "A")
    assert login.banca_id == org.banca.id
    org.admin.banca_id = None
    login2 = _login(session, org.admin, "B")
    assert login2.banca_id is not None


# ------------------------------------------------------------------------------ routes


def test_revoked_session_is_logged_out_on_the_next_request(login, org, session):
    client = login(org.vendedor)
    assert client.get("/mi-cuenta").status_code == 200
    services.revoke_user_sessions(session, org.vendedor.id, reason="Desactivado")
    session.commit()
    resp = client.get("/mi-cuenta")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"] and "expirada=1" in resp.headers["Location"]
    assert _query(resp.headers["Location"])["next"] == "/mi-cuenta"


def test_deactivated_user_is_logged_out_on_the_next_request(login, org, session):
    client = login(org.listero)
    org.listero.is_active = False
    session.commit()
    assert client.get("/panel").status_code == 302
    session.expire_all()
    assert session.get(LoginSession, client.login_session.id).revoked


def test_expired_session_on_htmx_answers_401_with_hx_redirect(login, org, session):
    client = login(org.listero)
    client.login_session.last_used_at = utcnow() - timedelta(hours=2)
    session.commit()
    resp = client.get("/panel", headers={**HX, "HX-Current-URL": "http://localhost/panel?x=1"})
    assert resp.status_code == 401
    target = resp.headers["HX-Redirect"]
    assert target.startswith("/login?") and _query(target) == {"expirada": "1", "next": "/panel?x=1"}
    page = client.get(target)
    assert "Su sesión expiró; ingrese de nuevo" in page.get_data(as_text=True)


def test_anonymous_htmx_request_gets_401_without_the_expiry_banner(client):
    resp = client.get("/panel", headers=HX)
    assert resp.status_code == 401
    assert "expirada" not in resp.headers["HX-Redirect"]


def test_poll_request_does_not_touch_last_used(login, org, session):
    client = login(org.listero)
    old = utcnow() - timedelta(minutes=10)
    client.login_session.last_used_at = old
    session.commit()
    assert client.get("/mi-cuenta", headers={"X-Poll": "1"}).status_code == 200
    session.expire_all()
    assert session.get(LoginSession, client.login_session.id).last_used_at == old
    client.get("/mi-cuenta")
    session.expire_all()
    assert session.get(LoginSession, client.login_session.id).last_used_at > old


def test_after_expiry_login_returns_to_the_page(client, org, session):
    resp = client.post("/login", data={"username": org.admin.username, "password": PASSWORD,
                                       "next": "/mi-cuenta"})
    assert resp.headers["Location"].endswith("/mi-cuenta")


def test_vendedor_login_with_pool_full_shows_429_page(client, org, session, login):
    org.banca.vendor_limit = 1
    session.commit()
    login(org.vendedor2)
    resp = client.post("/login", data={"username": org.vendedor.username, "password": PASSWORD})
    assert resp.status_code == 429
    assert "máximo de vendedores conectados" in resp.get_data(as_text=True)


def test_banca_selector_switches_the_admin_scope(login, org, session):
    from tests.factories.org import BancaFactory
    other = BancaFactory(name="Banca Otra")
    session.commit()
    client = login(org.admin, org.banca.id)
    resp = client.post("/banca/seleccionar", data={"banca_id": str(other.id)},
                       headers={"Referer": "http://localhost/admin/panel"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/admin/panel")
    session.expire_all()
    assert session.get(LoginSession, client.login_session.id).banca_id == other.id
    assert "Banca Otra" in client.get("/admin/panel").get_data(as_text=True)


@pytest.mark.parametrize("value, status", [("no-es-uuid", 422), ("00000000-0000-0000-0000-000000000000", 404)])
def test_banca_selector_rejects_bad_values(login, org, value, status):
    client = login(org.admin, org.banca.id)
    resp = client.post("/banca/seleccionar", data={"banca_id": value})
    assert resp.status_code == status


def test_banca_selector_refuses_inactive_banca_and_non_admins(login, org, session):
    from tests.factories.org import BancaFactory
    inactive = BancaFactory(is_active=False)
    session.commit()
    assert login(org.admin, org.banca.id).post("/banca/seleccionar", data={"banca_id": str(inactive.id)}).status_code == 404
    resp = login(org.listero).post("/banca/seleccionar", data={"banca_id": str(org.banca.id)})
    assert resp.status_code == 403


def test_topbar_shows_the_banca_select_for_admin_only(login, org):
    html = login(org.admin, org.banca.id).get("/mi-cuenta").get_data(as_text=True)
    assert 'action="/banca/seleccionar"' in html
    html = login(org.listero).get("/mi-cuenta").get_data(as_text=True)
    assert 'action="/banca/seleccionar"' not in html
