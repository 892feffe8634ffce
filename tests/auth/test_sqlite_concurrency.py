"""Login and session bookkeeping on the embedded SQLite database while other requests write.

In WAL mode a transaction that read first and writes later fails at once ("database is locked",
SQLITE_BUSY_SNAPSHOT, no busy wait) when another connection committed in between. The login
verifies the password (Argon2, ~0.1–0.3 s) between its read and its writes, so two people using
the app at the same time were enough to answer 500 on POST /login (found by the browser QA).
These tests commit a write from a second connection exactly in that window.
"""
from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from app.extensions import db
from tests.conftest import IS_POSTGRES, make_test_app
from tests.factories.org import PASSWORD, BancaFactory, VentanaFactory, listero

pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="SQLite WAL snapshot behaviour")


@pytest.fixture(scope="module")
def file_app(tmp_path_factory):
    app, cleanup = make_test_app(tmp_path_factory)
    with app.app_context():
        banca = BancaFactory()
        user = listero(VentanaFactory(banca=banca))
        db.session.commit()
        app.config["QA_USERNAME"] = user.username
        app.config["QA_USER_ID"] = str(user.id)
    yield app
    cleanup()


def _concurrent_write(app) -> None:
    """Another request committing meanwhile (its own connection)."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    conn = sqlite3.connect(path, timeout=0.2)
    try:
        conn.execute("UPDATE bancas SET name = name")
        conn.commit()
    finally:
        conn.close()


def test_login_survives_a_commit_from_another_request_during_the_password_check(file_app, monkeypatch):
    from app.auth import services
    original = services.verify_password

    def verify_while_someone_writes(password_hash, password):
        _concurrent_write(file_app)
        return original(password_hash, password)

    monkeypatch.setattr(services, "verify_password", verify_while_someone_writes)
    client = file_app.test_client()
    resp = client.post("/login", data={"username": file_app.config["QA_USERNAME"], "password": PASSWORD})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    assert resp.headers["Location"].endswith("/panel")
    bad = client.post("/login", data={"username": file_app.config["QA_USERNAME"], "password": "otra-clave-99"})
    assert bad.status_code == 422
    assert "Usuario o contraseña incorrectos" in bad.get_data(as_text=True)


def test_a_stale_password_check_is_not_trusted(file_app, monkeypatch):
    """The check made before the write transaction counts only while the stored hash is the same."""
    from app.auth import services
    with file_app.app_context():
        stale = services.PasswordCheck(file_app.config["QA_USERNAME"], "otro-hash", True)
        attempt = services.attempt_login(db.session, username=file_app.config["QA_USERNAME"],
                                         password="no-es-la-clave", ip=None, user_agent=None,
                                         device_id=None, checked=stale)
        db.session.rollback()
    assert not attempt.ok


def test_session_touch_skipped_instead_of_500_when_another_request_commits(file_app, monkeypatch):
    from app.auth import services
    from app.auth.models import LoginSession
    from app.tz import utcnow
    client = file_app.test_client()
    assert client.post("/login", data={"username": file_app.config["QA_USERNAME"],
                                       "password": PASSWORD}).status_code == 303
    with file_app.app_context():  # due for its once-a-minute touch
        for row in db.session.query(LoginSession).all():
            row.last_used_at = utcnow() - timedelta(minutes=3)
        db.session.commit()
    original = services.resolve_session

    def resolve_while_someone_writes(*args, **kwargs):
        result = original(*args, **kwargs)
        _concurrent_write(file_app)
        return result

    monkeypatch.setattr(services, "resolve_session", resolve_while_someone_writes)
    resp = client.get("/mi-cuenta")
    assert resp.status_code == 200
    assert "Mi cuenta" in resp.get_data(as_text=True)
