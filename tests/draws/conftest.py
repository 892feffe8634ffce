"""Draws test fixtures: an RQ queue per test (fakeredis, or the real Redis when REDIS_URL is set),
the embedded mode (no Redis: jobs inline) and small ticket builders."""
from __future__ import annotations

import os
import uuid

import pytest

from app.draws.services import clear_sales_cache


def _connection():
    url = os.environ.get("REDIS_URL")
    if url:
        from redis import Redis
        return Redis.from_url(url)
    import fakeredis
    return fakeredis.FakeRedis()


@pytest.fixture
def redis_conn():
    conn = _connection()
    yield conn
    conn.close()


@pytest.fixture(autouse=True)
def rq_queue(app, redis_conn):
    """A synchronous RQ queue injected into the app: enqueue() runs the job inline through RQ."""
    from rq import Queue
    queue = Queue(f"test-{uuid.uuid4().hex[:8]}", is_async=False, connection=redis_conn)
    app.extensions["banca_queue"] = queue
    clear_sales_cache()
    yield queue
    app.extensions.pop("banca_queue", None)


@pytest.fixture
def async_queue(app, redis_conn):
    """An asynchronous queue (jobs wait for a worker / the RQ scheduler)."""
    from rq import Queue
    queue = Queue(f"test-{uuid.uuid4().hex[:8]}", connection=redis_conn)
    app.extensions["banca_queue"] = queue
    yield queue
    app.extensions.pop("banca_queue", None)


@pytest.fixture
def embedded(app):
    """The embedded default: no Redis at all, event jobs run inline, `at` jobs left to the sweeper."""
    app.extensions.pop("banca_queue", None)
    saved = app.config.get("REDIS_URL")
    app.config["REDIS_URL"] = None
    yield
    app.config["REDIS_URL"] = saved


