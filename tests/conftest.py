"""Test fixtures: an app on its own database (SQLite file or PostgreSQL schema), a rollback-per-test
session, and logged-in clients for each role.

DATABASE_URL selects the engine: unset/sqlite → a fresh SQLite file; postgresql → a fresh schema
in that database (dropped at the end). REDIS_URL, when set, is used for RQ and rate-limit tests.
"""
from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db

DATABASE_URL = os.environ.get("DATABASE_URL", "")
IS_POSTGRES = DATABASE_URL.startswith("postgres")


def pg_url() -> str:
    from app.config import _normalise_db_url
    return _normalise_db_url(DATABASE_URL)


def make_test_app(tmp_path_factory, **overrides):
    """A TestConfig app on a database of its own, schema created. Returns (app, cleanup)."""
    if IS_POSTGRES:
        schema = f"t_{os.getpid()}_{secrets.token_hex(4)}"
        admin_engine = create_engine(pg_url(), isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        from app.config import Config
        options["json_serializer"] = Config.SQLALCHEMY_ENGINE_OPTIONS["json_serializer"]
        app = create_app("test", SQLALCHEMY_DATABASE_URI=pg_url(), SQLALCHEMY_ENGINE_OPTIONS=options,
                         REDIS_URL=os.environ.get("REDIS_URL") or None, **overrides)

        def cleanup():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            with admin_engine.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin_engine.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", REDIS_URL=None, **overrides)

        def cleanup():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    with app.app_context():
        db.create_all()
    return app, cleanup


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app, cleanup = make_test_app(tmp_path_factory)
    yield app
    cleanup()


@pytest.fixture
def session(app, monkeypatch):
    """db.session bound to one connection inside an outer transaction, rolled back after the test.

    The test client reuses this app context, so a request shares the test's db.session and an
    error response's rollback would undo the rows the test built. Every request therefore first
    commits, which only releases the test's SAVEPOINT into the outer transaction (still rolled
    back at the end).
    """
    original_open = FlaskClient.open

    def open_committing(self, *args, **kwargs):
        if db.session().in_transaction():
            db.session.commit()
        return original_open(self, *args, **kwargs)

    monkeypatch.setattr(FlaskClient, "open", open_committing)
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        engines = db.engines
        original = engines[None]
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint",
                             info={"test_outer_transaction": True})
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session.configure(join_transaction_mode="conditional_savepoint", info={})
            engines[None] = original
            if outer.is_active:
                outer.rollback()
            connection.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


# --------------------------------------------------------------------------- org + logins

@dataclass
class Org:
    banca: object
    ventana: object
    other_ventana: object
    admin: object
    listero: object
    vendedor: object
    vendedor2: object
    other_listero: object
    other_vendedor: object


@pytest.fixture
def org(session):
    """A banca with two ventanas; one listero and vendedores in each; one ADMIN."""
    from tests.factories.org import BancaFactory, VentanaFactory, admin, listero, vendedor
    banca = BancaFactory()
    v1 = VentanaFactory(banca=banca)
    v2 = VentanaFactory(banca=banca)
    result = Org(banca=banca, ventana=v1, other_ventana=v2, admin=admin(banca), listero=listero(v1),
                 vendedor=vendedor(v1), vendedor2=vendedor(v1), other_listero=listero(v2),
                 other_vendedor=vendedor(v2))
    # Release the savepoint into the outer (rolled back) transaction: an error response's
    # rollback must not take the fixture rows with it.
    session.commit()
    return result


def login_client(app, session, user, banca_id=None):
    """A test client with a live server-side session for `user` (no password round trip)."""
    from app.auth.models import LoginSession
    from app.tz import utcnow
    from datetime import timedelta
    now = utcnow()
    row = LoginSession(user_id=user.id, banca_id=banca_id or user.banca_id, token_id=secrets.token_urlsafe(24),
                       device_id=secrets.token_urlsafe(8), device_name="pytest", last_used_at=now,
                       expires_at=now + timedelta(days=7))
    session.add(row)
    session.commit()  # see org(): survive a rollback inside a request
    c = app.test_client()
    with c.session_transaction() as s:
        s["sid"] = row.token_id
        s["uid"] = str(user.id)
    c.login_session = row
    c.user = user
    return c


@pytest.fixture
def login(app, session):
    def _login(user, banca_id=None):
        return login_client(app, session, user, banca_id)
    return _login


@pytest.fixture
def admin_client(login, org):
    return login(org.admin, org.banca.id)


@pytest.fixture
def ventana_client(login, org):
    return login(org.listero)


@pytest.fixture
def vendedor_client(login, org):
    return login(org.vendedor)


HX = {"HX-Request": "true"}
