"""VerifiedCookieSessionInterface: the same sessions as Flask's, a verified cookie remembered."""
from __future__ import annotations

import time

import time_machine
from flask import session

from app.auth.cookie_session import VerifiedCookieSessionInterface


def _cookie(app, data: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(data)


def _open(app, cookie: str) -> dict:
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context("/", headers={"Cookie": f"{name}={cookie}"}):
        return dict(session)


def test_the_app_uses_it(app):
    assert isinstance(app.session_interface, VerifiedCookieSessionInterface)


def test_a_cookie_opens_the_same_session_every_time_and_requests_do_not_share_it(app):
    cookie = _cookie(app, {"sid": "abc", "uid": "u1", "csrf_token": "t"})
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context("/", headers={"Cookie": f"{name}={cookie}"}):
        assert dict(session) == {"sid": "abc", "uid": "u1", "csrf_token": "t"}
        session["sid"] = "changed by this request"
        session["extra"] = 1
    assert _open(app, cookie) == {"sid": "abc", "uid": "u1", "csrf_token": "t"}  # from the memo
    assert _open(app, cookie) == {"sid": "abc", "uid": "u1", "csrf_token": "t"}


def test_a_tampered_or_foreign_cookie_opens_an_empty_session(app):
    cookie = _cookie(app, {"sid": "abc", "uid": "u1"})
    assert _open(app, cookie) == {"sid": "abc", "uid": "u1"}
    payload, rest = cookie.split(".", 1)
    assert _open(app, payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + rest) == {}
    other = VerifiedCookieSessionInterface().get_signing_serializer(app)
    other.secret_keys = [b"another-secret-key-entirely"]
    assert _open(app, other.dumps({"sid": "x"})) == {}


def test_the_maximum_age_is_checked_on_every_request(app):
    cookie = _cookie(app, {"sid": "abc"})
    assert _open(app, cookie) == {"sid": "abc"}  # remembered now
    lifetime = app.permanent_session_lifetime.total_seconds()
    with time_machine.travel(time.time() + lifetime + 5, tick=False):
        assert _open(app, cookie) == {}


def test_cookies_with_mutable_values_are_not_remembered(app):
    iface = app.session_interface
    before = len(iface._verified)
    cookie = _cookie(app, {"sid": "abc", "_flashes": [["success", "Tiquete vendido."]]})
    first = _open(app, cookie)
    assert first["_flashes"] == [["success", "Tiquete vendido."]]
    assert len(iface._verified) == before
