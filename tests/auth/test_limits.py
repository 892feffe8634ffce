"""Rate limits (DOMAIN §20): each answers 429, configurable through app config.

These tests run on an app of their own with RATELIMIT_ENABLED=True (Redis storage when REDIS_URL
is set, memory otherwise). Every test uses its own client IP and users so counters never mix,
also across runs sharing one Redis.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from flask import Blueprint, request
from flask_login import login_required

from app.auth.limits import export_limit, sales_limit
from app.auth.models import LoginSession
from app.config import Config
from app.extensions import db
from app.tz import utcnow
from tests.conftest import HX, make_test_app
from tests.factories.org import BancaFactory, VentanaFactory, admin, vendedor

probe = Blueprint("limits_probe", __name__)


@probe.route("/_probe/vender", methods=["GET", "POST"])
@login_required
@sales_limit
def probe_sell():
    return ("", int(request.form.get("status", 201)))


@probe.route("/_probe/exportar/<fmt>")
@login_required
@export_limit
def probe_export(fmt):
    return f"export {fmt}"


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    app, cleanup = make_test_app(
        tmp_path_factory, RATELIMIT_ENABLED=True, RATELIMIT_AUTH="12 per minute",
        RATELIMIT_SALES="3 per minute", RATELIMIT_EXPORTS="2 per minute",
        RATELIMIT_KEY_PREFIX=f"test-{secrets.token_hex(4)}")
    app.register_blueprint(probe)
    with app.app_context():
        banca = BancaFactory()
        ventana = VentanaFactory(banca=banca)
        app.banca_id = banca.id
        app.ventana_id = ventana.id
        db.session.commit()
    yield app
    cleanup()


def _ip() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def _client(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = _ip()
    return client


def _logged_in(app, role="vendedor"):
    """A client of a fresh user with a committed server-side session."""
    with app.app_context():
        from app.org.models import Banca, Ventana
        ventana = db.session.get(Ventana, app.ventana_id)
        user = vendedor(ventana) if role == "vendedor" else admin(db.session.get(Banca, app.banca_id))
        now = utcnow()
        row = LoginSession(user_id=user.id, banca_id=app.banca_id, token_id=secrets.token_urlsafe(24),
                           device_id=secrets.token_urlsafe(8), last_used_at=now, expires_at=now + timedelta(days=1))
        db.session.add(row)
        db.session.commit()
        token, uid, username = row.token_id, str(user.id), user.username
    client = _client(app)
    with client.session_transaction() as s:
        s["sid"], s["uid"] = token, uid
    client.username = username
    return client


def _statuses(fn, n):
    return [fn().status_code for _ in range(n)]


def test_defaults_come_from_the_configuration():
    assert Config.RATELIMIT_LOGIN == "5 per minute"
    assert Config.RATELIMIT_ANON == "100 per minute"
    assert Config.RATELIMIT_AUTH == "600 per minute"
    assert Config.RATELIMIT_SALES == "60 per minute"
    assert Config.RATELIMIT_EXPORTS == "10 per minute"


def test_storage_is_redis_when_configured_else_memory(limited):
    expected = limited.config.get("REDIS_URL") or "banca-memory://"
    assert limited.config["RATELIMIT_STORAGE_URI"] == expected


def test_login_five_per_minute_per_ip(limited):
    client = _client(limited)
    bad = lambda: client.post("/login", data={"username": "nadie", "password": "mala-clave"})  # noqa: E731
    assert _statuses(bad, 5) == [422] * 5
    resp = bad()
    assert resp.status_code == 429
    assert "Demasiados intentos de ingreso" in resp.get_data(as_text=True)
    assert int(resp.headers["Retry-After"]) > 0
    with limited.app_context():
        from sqlalchemy import select

        from app.audit.models import ActivityLog
        rows = db.session.scalars(select(ActivityLog).where(ActivityLog.ip == client.environ_base["REMOTE_ADDR"],
                                                            ActivityLog.action == "LOGIN_FAILED")).all()
        assert sorted(r.details["reason"] for r in rows) == ["throttled"] + ["unknown_user"] * 5
    assert client.get("/login").status_code == 200  # GET is not a login attempt
    htmx = client.post("/login", data={"username": "nadie", "password": "x"}, headers=HX)
    assert htmx.status_code == 429 and htmx.get_data(as_text=True).lstrip().startswith('<div id="error-429"')
    # Another IP is not affected.
    assert _client(limited).post("/login", data={"username": "nadie", "password": "x"}).status_code == 422


def test_unauthenticated_hundred_per_minute_per_ip(limited):
    client = _client(limited)
    assert set(_statuses(lambda: client.get("/login"), 100)) == {200}
    resp = client.get("/login")
    assert resp.status_code == 429
    assert "Demasiadas solicitudes desde esta conexión" in resp.get_data(as_text=True)
    assert client.get("/static/css/app.css").status_code == 200  # static files are exempt


def test_authenticated_per_user(limited):
    client = _logged_in(limited, "admin")
    assert set(_statuses(lambda: client.get("/mi-cuenta"), 12)) == {200}
    resp = client.get("/mi-cuenta")
    assert resp.status_code == 429
    assert "Demasiadas solicitudes de su usuario" in resp.get_data(as_text=True)
    assert _logged_in(limited, "admin").get("/mi-cuenta").status_code == 200  # another user


def test_sales_decorator_counts_accepted_sales_per_user(limited):
    client = _logged_in(limited)
    refused = lambda: client.post("/_probe/vender", data={"status": 422})  # noqa: E731
    sell = lambda: client.post("/_probe/vender", data={"status": 201})  # noqa: E731
    assert _statuses(refused, 4) == [422] * 4  # refused sales do not use the quota
    assert _statuses(sell, 3) == [201] * 3
    resp = sell()
    assert resp.status_code == 429
    assert "Demasiadas ventas" in resp.get_data(as_text=True)
    assert client.get("/_probe/vender").status_code == 201  # only POST is limited
    assert _logged_in(limited).post("/_probe/vender").status_code == 201


def test_export_decorator_is_one_bucket_per_user_for_every_export(limited):
    client = _logged_in(limited)
    assert client.get("/_probe/exportar/csv").status_code == 200
    assert client.get("/_probe/exportar/xlsx").status_code == 200
    resp = client.get("/_probe/exportar/pdf")
    assert resp.status_code == 429
    assert "Demasiadas exportaciones" in resp.get_data(as_text=True)
    assert _logged_in(limited).get("/_probe/exportar/pdf").status_code == 200


def test_limits_can_be_switched_off_per_app(client):
    # The shared test app runs with RATELIMIT_ENABLED=False (tests, benchmarks).
    statuses = _statuses(lambda: client.post("/login", data={"username": "nadie", "password": "x"}), 8)
    assert 429 not in statuses


def test_an_unreachable_redis_never_fails_a_request(tmp_path_factory):
    """A Redis outage: the counters move to process memory, the limits still hold, nothing 500s."""
    app, cleanup = make_test_app(tmp_path_factory, RATELIMIT_ENABLED=True, RATELIMIT_ANON="3 per minute",
                                 RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    try:
        client = _client(app)
        assert _statuses(lambda: client.get("/login"), 3) == [200] * 3
        resp = client.get("/login")
        assert resp.status_code == 429 and 0 < int(resp.headers["Retry-After"]) <= 61
    finally:
        cleanup()


def test_retry_after_is_the_rest_of_the_window(limited):
    client = _logged_in(limited)
    for _ in range(3):
        client.post("/_probe/vender", data={"status": 201})
    resp = client.post("/_probe/vender", data={"status": 201})
    assert resp.status_code == 429 and 1 <= int(resp.headers["Retry-After"]) <= 61
