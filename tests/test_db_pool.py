"""The idle-connection ping (app/db.install_idle_ping): pooled connections that sat idle are
pinged and replaced when dead; connections in constant use skip the round trip."""
import pytest
from sqlalchemy import create_engine, text

from app.db import install_idle_ping
from tests.conftest import IS_POSTGRES, pg_url

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="pool pinging applies to PostgreSQL")


def _engine(idle_seconds):
    engine = create_engine(pg_url(), pool_size=1, max_overflow=0)
    install_idle_ping(engine, idle_seconds)
    pings = []
    real = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pings.append(1) or real(conn)
    return engine, pings


def _pid(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_reused_at_once_is_not_pinged():
    engine, pings = _engine(60)
    try:
        first = _pid(engine)  # a brand-new connection is pinged once (no idle time known)
        assert [_pid(engine) for _ in range(5)] == [first] * 5
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_an_idle_connection_killed_by_the_server_is_replaced_before_use():
    engine, pings = _engine(0)  # every checkout counts as idle
    admin = create_engine(pg_url(), isolation_level="AUTOCOMMIT")
    try:
        first = _pid(engine)
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar_one()
        second = _pid(engine)  # no error: the ping failed, the pool reconnected
        assert second != first
        assert len(pings) >= 2
    finally:
        engine.dispose()
        admin.dispose()
