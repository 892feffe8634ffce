"""Declarative base, shared column types, the unit of work and the SQLite transaction hooks."""
from __future__ import annotations

import contextvars
import random
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal
from typing import Annotated

from sqlalchemy import (JSON, DateTime, MetaData, Numeric, String, TypeDecorator, Uuid, event, true)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use app.tz.utcnow()")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            uuid.UUID: Uuid(as_uuid=True),
            datetime: UTCDateTime(),
            Decimal: Numeric(14, 2),
            dict: JSON(),
            list: JSON(),
        },
    )


# Shared Annotated column types.
uuid_pk = Annotated[uuid.UUID, mapped_column(primary_key=True, default=uuid.uuid4)]
money = Annotated[Decimal, mapped_column(Numeric(14, 2))]
percent = Annotated[Decimal, mapped_column(Numeric(5, 2))]
multiplier_x = Annotated[Decimal, mapped_column(Numeric(8, 2))]
created_at = Annotated[datetime, mapped_column(UTCDateTime(), default=_utcnow, nullable=False)]
updated_at = Annotated[datetime, mapped_column(UTCDateTime(), default=_utcnow, onupdate=_utcnow,
                                               nullable=False)]
str32 = Annotated[str, mapped_column(String(32))]
str100 = Annotated[str, mapped_column(String(100))]
str200 = Annotated[str, mapped_column(String(200))]


class TimestampMixin:
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class SoftDeleteMixin:
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true(), nullable=False)
    deleted_at: Mapped[datetime | None]
    deleted_by: Mapped[uuid.UUID | None]
    deleted_reason: Mapped[str | None] = mapped_column(String(200))


# --------------------------------------------------------------------------- transactions

_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_immediate", default=False)


# --------------------------------------------------------------------------- hot-path SQL

def postgres_sql(stmt) -> str:
    """A Core statement compiled once for psycopg (pyformat parameters), for raw_cursor()."""
    from sqlalchemy.dialects.postgresql import psycopg
    return str(stmt.compile(dialect=psycopg.dialect()))


def raw_cursor(conn, sql: str, params: dict):
    """A DBAPI cursor on the transaction's own connection, `sql` executed: the per-request hot
    paths (identity, sale) skip SQLAlchemy's statement and result machinery on PostgreSQL
    (psycopg types the values itself). SQLite goes through Core instead."""
    cur = conn.connection.cursor()
    cur.execute(sql, params)
    return cur


def install_idle_ping(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only when it sat idle in the pool for more than
    `idle_seconds` (DB_POOL_PING_IDLE_SECONDS; 0 pings on every checkout, like pool_pre_ping).

    A connection that comes back to the pool and goes out again within seconds (any busy server)
    skips the ping's round trip, ~0.1 ms of Python and one statement of PostgreSQL per request;
    one that waited through a database restart or a firewall's idle cut is pinged and, if dead,
    replaced before the request sees it. A restart while connections are in use fails the
    requests in flight; SQLAlchemy then invalidates the whole pool, so the next ones reconnect.
    """
    if engine.dialect.name == "sqlite":
        return
    from sqlalchemy import exc

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn, record):
        if record is not None:
            record.info["banca_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, _proxy):
        since = record.info.get("banca_idle_since")
        if since is not None and time.monotonic() - since <= idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as err:  # noqa: BLE001 — any failure means: not usable
            raise exc.DisconnectionError(f"idle connection failed its ping: {err}") from err
        if alive is False:
            raise exc.DisconnectionError("idle connection failed its ping")


def install_sqlite_hooks(engine: Engine) -> None:
    """pysqlite: take over BEGIN so savepoints work and writers can start with BEGIN IMMEDIATE.

    Sale, cancel, restore and payment transactions must hold SQLite's single writer lock from
    their first read (DOMAIN §11.1); busy_timeout ≥ 5 s lets concurrent writers queue.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=8000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


@contextmanager
def unit_of_work(*, immediate: bool = False, retries: int = 3):
    """One transaction owned by the caller (route, job, CLI): commit on success, roll back on error.

    immediate=True marks a writer that must lock from its first read (sale, cancel, restore,
    payment): BEGIN IMMEDIATE on SQLite. Deadlocks / serialization failures are not retried here:
    use run_in_transaction() for retryable work.
    """
    from app.extensions import db

    session = db.session
    token = None
    if immediate:
        if session().in_transaction() and _is_sqlite(session) and not _in_outer_test_txn(session):
            # The request already read in a deferred transaction: restart it as a writer.
            session.rollback()
        token = _immediate.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        if token is not None:
            _immediate.reset(token)


def _is_sqlite(session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "sqlite"


def _in_outer_test_txn(session) -> bool:
    return bool(session.info.get("test_outer_transaction"))


RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if code in RETRYABLE_SQLSTATES:
            return True
        if isinstance(exc, OperationalError) and "database is locked" in str(exc):
            return True
    return False


def run_in_transaction(fn, *, immediate: bool = False, attempts: int = 3):
    """Run fn(session) in its own unit of work, retrying deadlocks with jittered backoff (§11.1)."""
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(immediate=immediate) as session:
                return fn(session)
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            time.sleep(random.uniform(0.005, 0.03) * attempt)
