"""Background jobs: RQ when REDIS_URL is set, the same functions in-process otherwise (DOMAIN §18).

Job functions live in `app/<domain>/jobs.py`, take ids (never ORM objects) and are idempotent.
Wrap them with @job("name"): it pushes an app context (creating the app lazily inside an RQ
worker, after the fork), opens one unit of work, and records the run in JobState (+ JOB_RUN audit).
"""
from __future__ import annotations

import functools
import importlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: str  # "module:function"
    label: str  # Spanish name shown on "Trabajos"
    cron: str | None = None  # CR local time (rq cron runs with TZ=America/Costa_Rica)
    interval: int | None = None  # seconds
    health_hours: float = 25  # health window (sweeper: 2 minutes)
    default_enabled: bool = True

    def resolve(self):
        module, _, attr = self.func.partition(":")
        return getattr(importlib.import_module(module), attr)


# The only schedule (used by both `rq cron app.jobs.cron_config` and the in-process scheduler).
PERIODIC: list[PeriodicJob] = [
    PeriodicJob("create_sorteos", "app.draws.jobs:create_sorteos_job", "Crear sorteos", cron="0 1 * * *"),
    PeriodicJob("open_sorteos", "app.draws.jobs:open_sorteos_job", "Abrir sorteos", cron="30 1 * * *"),
    PeriodicJob("sorteo_sweeper", "app.draws.jobs:sweep_sorteos_job", "Cerrar sorteos (barrido por minuto)",
                interval=60, health_hours=2 / 60),
    PeriodicJob("restriction_rules", "app.restrictions.jobs:restriction_rules_job",
                "Mantenimiento de restricciones", cron="0 0,6,12,18 * * *"),
]


def periodic_by_name(name: str) -> PeriodicJob | None:
    return next((p for p in PERIODIC if p.name == name), None)


def available_periodic() -> list[PeriodicJob]:
    """The periodic jobs whose functions exist in this build."""
    out = []
    for spec in PERIODIC:
        try:
            spec.resolve()
        except (ImportError, AttributeError):
            continue
        out.append(spec)
    return out


_app = None


def _ensure_app():
    """Inside an RQ worker there is no app: create it lazily (after the fork) and keep it."""
    global _app
    if has_app_context():
        return None
    if _app is None:
        from app import create_app
        _app = create_app()
        from app.extensions import db
        with _app.app_context():
            db.engine.dispose(close=False)
    return _app.app_context()


def job(name: str):
    """Decorator for job functions: app context + one transaction + JobState/JOB_RUN bookkeeping.

    The wrapped function receives `session` (keyword) and returns (count, message); count 0 means
    "nothing changed" (the minute sweeper only audits when it changes something).
    """
    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            ctx = _ensure_app()
            if ctx is not None:
                ctx.push()
            try:
                return _run(name, fn, args, kwargs)
            finally:
                if ctx is not None:
                    ctx.pop()
        wrapper.job_name = name
        wrapper.inner = fn
        return wrapper
    return decorator


def _run(name, fn, args, kwargs):
    from app.audit.services import record, set_job_request_id
    from app.db import unit_of_work
    from app.extensions import db
    from app.jobs.models import JobState
    from app.tz import utcnow

    run_id = f"job-{name}-{uuid.uuid4().hex[:12]}"
    try:
        from rq import get_current_job
        current = get_current_job()
        if current is not None:
            run_id = current.id
    except Exception:  # pragma: no cover - outside a worker
        pass
    set_job_request_id(run_id)
    started = time.monotonic()
    try:
        # A writer from its first read: BEGIN IMMEDIATE on SQLite (a job that read first and wrote later
        # would fail with "database is locked" when a sale commits in between); no-op on PostgreSQL.
        with unit_of_work(immediate=True) as session:
            count, message = fn(*args, session=session, **kwargs)
            spec = periodic_by_name(name)
            state = session.get(JobState, name)
            if spec is not None or state is not None:
                if state is None:
                    state = JobState(name=name, enabled=spec.default_enabled if spec else True)
                    session.add(state)
                state.last_run_at = utcnow()
                state.last_result, state.last_message = "ok", (message or "")[:500]
                state.last_count = int(count or 0)
                state.last_duration_ms = int((time.monotonic() - started) * 1000)
            if count or (spec is not None and spec.interval is None):
                record(session, action="JOB_RUN", layer="system", target_type="job", target_id=name,
                       description=f"Trabajo «{spec.label if spec else name}» ejecutado: {message}",
                       details={"count": count, "job_id": run_id})
        return count, message
    except Exception as exc:
        log.exception("job %s failed", name)
        db.session.rollback()
        with unit_of_work() as session:
            spec = periodic_by_name(name)
            state = session.get(JobState, name) or JobState(name=name)
            session.add(state)
            state.last_run_at = utcnow()
            state.last_result, state.last_message = "error", str(exc)[:500]
            record(session, action="JOB_RUN", layer="system", target_type="job", target_id=name,
                   description=f"Trabajo «{spec.label if spec else name}» falló: {str(exc)[:200]}",
                   details={"job_id": run_id, "error": str(exc)[:500]})
        raise
    finally:
        set_job_request_id(None)


# ------------------------------------------------------------------------------ enqueueing

def get_redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    conn = current_app.extensions.get("banca_redis")
    if conn is None:
        from redis import Redis
        conn = Redis.from_url(url)
        current_app.extensions["banca_redis"] = conn
    return conn


def get_queue(name: str = "default"):
    """The RQ queue, or None in the embedded (no Redis) mode. Tests may inject one."""
    injected = current_app.extensions.get("banca_queue")
    if injected is not None:
        return injected
    conn = get_redis()
    if conn is None:
        return None
    from rq import Queue
    return Queue(name, connection=conn)


def enqueue(func, *args, job_id: str | None = None, at: datetime | None = None, **kwargs):
    """Enqueue a job (unique id when given). Without Redis: run now inline, or leave `at` jobs to
    the in-process scheduler's sweeper. Call it after the transaction commits."""
    queue = get_queue()
    if queue is None:
        if at is not None:
            return None
        return func(*args, **kwargs)
    options = {}
    if job_id:
        options["job_id"] = job_id
    if at is not None:
        from rq.job import Job
        if job_id:
            try:
                existing = Job.fetch(job_id, connection=queue.connection)
                if existing.get_status(refresh=True) in ("scheduled", "queued", "started", "deferred"):
                    return existing
            except Exception:
                pass
        return queue.enqueue_at(at, func, *args, **options, **kwargs)
    return queue.enqueue(func, *args, **options, **kwargs)
