"""Draw jobs (DOMAIN §18): thin @job functions taking ids; the work lives in automation/evaluation.

Periodic (declared in app/jobs PERIODIC, run by `rq cron app.jobs.cron_config` or the in-process
scheduler): create_sorteos_job (01:00), open_sorteos_job (01:30 / the configured open time),
sweep_sorteos_job (every minute: close due sorteos, catch up today's creation and opening).
Event jobs: close_sorteo_job at each sorteo's draw instant (job id `sorteo-<id>-close`) and
evaluate_sorteo (job id `sorteo-<id>-evaluate`), then after_evaluation_job.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime

from app.draws import automation, evaluation
from app.draws.models import Sorteo
from app.jobs import get_queue, job
from app.tz import cr_date_of, format_time, utcnow

log = logging.getLogger(__name__)


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


# ------------------------------------------------------------------------------ periodic

@job("create_sorteos")
def create_sorteos_job(*, session, force: bool = False):
    """Create the upcoming sorteos of every active lotería (auto_create flag; force ignores it)."""
    if not force and not automation.flag_enabled(session, automation.CREATE_JOB):
        return 0, "Desactivado: no se crearon sorteos"
    summary = automation.create_upcoming(session, utcnow())
    return summary.created, summary.message


@job("open_sorteos")
def open_sorteos_job(*, session, force: bool = False):
    """Open today's SCHEDULED sorteos once the open time has passed (force: now, ignoring flag and time)."""
    if not force and not automation.flag_enabled(session, automation.OPEN_JOB):
        return 0, "Desactivado: no se abrieron sorteos"
    now = utcnow()
    if not force and automation.before_open_time(session, now):
        t = automation.get_open_time(session)
        return 0, f"Antes de la hora de apertura ({t.hour:02d}:{t.minute:02d}): el barrido los abrirá"
    opened = automation.open_today(session, now, force=force)
    for sorteo in opened:
        schedule_close(sorteo)
    return len(opened), automation.describe(opened, [])


@job("sorteo_sweeper")
def sweep_sorteos_job(*, session, force: bool = False):
    """Every minute: close OPEN sorteos whose draw came (auto_close), create today's missing ones
    (auto_create) and open today's once the open time passed (auto_open)."""
    now = utcnow()
    closed = automation.close_due(session, now) \
        if force or automation.flag_enabled(session, automation.SWEEPER_JOB) else []
    created = automation.create_upcoming(session, now, today_only=True) \
        if automation.flag_enabled(session, automation.CREATE_JOB) else None
    opened = automation.open_today(session, now) \
        if automation.flag_enabled(session, automation.OPEN_JOB) else []
    for sorteo in opened:
        schedule_close(sorteo)
    message = automation.describe(opened, closed)
    if created is not None and created.created:
        message = f"{created.message}; {message}"
    return len(closed) + len(opened) + (created.created if created else 0), message


# ------------------------------------------------------------------------------ events

@job("close_sorteo")
def close_sorteo_job(sorteo_id, *, session):
    """Close one sorteo at its draw instant if it is still OPEN (idempotent: status filter)."""
    sorteo = automation.close_one(session, _uuid(sorteo_id), utcnow())
    if sorteo is None:
        return 0, "Sin cambios"
    return 1, f"{sorteo.name} ({format_time(sorteo.scheduled_at)}) cerrado"


@job("evaluate_sorteo")
def evaluate_sorteo_job(sorteo_id, number, extra_multiplier_id=None, label=None, actor_id=None, *, session):
    """§14 steps 1–5 in one transaction; the same result again is a no-op."""
    result = evaluation.evaluate_sorteo(
        session, sorteo_id=_uuid(sorteo_id), number=number,
        extra_multiplier_id=_uuid(extra_multiplier_id) if extra_multiplier_id else None, label=label,
        actor_id=_uuid(actor_id) if actor_id else None)
    if not result.changed:
        return 0, f"Sorteo ya evaluado con el número {result.number}: sin cambios"
    return result.tickets, (f"Número {result.number}: {result.winners} ganadores de {result.tickets} tiquetes")


@job("after_evaluation")
def after_evaluation_job(sorteo_id, *, session):
    """After evaluation or revert: recompute the account statements of the sorteo's business date.

    Calls `app.accounts.services.recompute_after_results(session=, banca_id=, business_date=,
    sorteo_id=)` when the accounts domain provides it (DOMAIN §14, §17.1)."""
    sorteo = session.get(Sorteo, _uuid(sorteo_id))
    if sorteo is None:
        return 0, "El sorteo no existe"
    try:
        from app.accounts import services as accounts
    except ImportError:
        return 0, "Sin estados de cuenta que recalcular"
    recompute = getattr(accounts, "recompute_after_results", None)
    if recompute is None:
        return 0, "Sin estados de cuenta que recalcular"
    count = recompute(session=session, banca_id=sorteo.banca_id, business_date=cr_date_of(sorteo.scheduled_at),
                      sorteo_id=sorteo.id)
    return int(count or 0), f"Estados de cuenta del {cr_date_of(sorteo.scheduled_at):%d/%m/%Y} recalculados"


def evaluate_sorteo(sorteo_id, number, extra_multiplier_id=None, label=None, actor_id=None):
    """RQ entry point of the evaluation: evaluate (one transaction), then the after-evaluation job."""
    result = evaluate_sorteo_job(sorteo_id, number, extra_multiplier_id, label, actor_id)
    if result[0]:
        run_after_results(sorteo_id)
    return result


def run_after_results(sorteo_id) -> None:
    """Run the after-evaluation job; its failure is recorded by @job and must not undo the result."""
    try:
        after_evaluation_job(str(sorteo_id))
    except Exception:
        log.exception("after_evaluation failed for sorteo %s", sorteo_id)


def enqueue_after_results(sorteo_id) -> None:
    """After a revert (route, after commit): the statements recompute as an event job (inline without Redis)."""
    try:
        enqueue_unique(after_evaluation_job, str(sorteo_id), job_id=f"sorteo-{sorteo_id}-after-results")
    except Exception:
        log.exception("after_evaluation could not run for sorteo %s", sorteo_id)


# ------------------------------------------------------------------------------ enqueueing

def evaluation_job_id(sorteo_id) -> str:
    return f"sorteo-{sorteo_id}-evaluate"


def close_job_id(sorteo_id) -> str:
    return f"sorteo-{sorteo_id}-close"


def enqueue_unique(func, *args, job_id: str, at: datetime | None = None):
    """Enqueue with a unique job id (RQ `unique=True`). A queued/started (or same-time scheduled) job
    with that id is returned as is; a finished/failed one is replaced. Without Redis: run inline now,
    or leave `at` jobs to the in-process scheduler's sweeper (returns None)."""
    queue = get_queue()
    if queue is None:
        return None if at is not None else func(*args)
    from rq.exceptions import DuplicateJobError, NoSuchJobError
    from rq.job import Job, JobStatus
    for _ in range(3):
        try:
            if at is None:
                return queue.enqueue(func, *args, job_id=job_id, unique=True)
            return queue.enqueue_at(at, func, *args, job_id=job_id, unique=True)
        except DuplicateJobError:
            try:
                existing = Job.fetch(job_id, connection=queue.connection)
            except NoSuchJobError:
                continue
            status = existing.get_status(refresh=True)
            if status in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED):
                return existing
            if status == JobStatus.SCHEDULED and at is not None and _scheduled_at(queue, existing) == \
                    int(at.timestamp()):
                return existing
            existing.delete()
    raise RuntimeError(f"No se pudo encolar el trabajo {job_id}")


def _scheduled_at(queue, rq_job) -> int | None:
    try:
        return int(queue.scheduled_job_registry.get_scheduled_time(rq_job).timestamp())
    except Exception:
        return None


def schedule_close(sorteo: Sorteo):
    """Close job at the sorteo's draw instant (unique id); the minute sweeper covers a lost one."""
    return enqueue_unique(close_sorteo_job, str(sorteo.id), job_id=close_job_id(sorteo.id),
                          at=sorteo.scheduled_at)


def enqueue_evaluation(sorteo_id, data: evaluation.EvaluationInput, actor_id):
    """Start the evaluation job (inline without Redis: DomainErrors propagate to the caller)."""
    return enqueue_unique(evaluate_sorteo, str(sorteo_id), data.number,
                          str(data.extra_multiplier_id) if data.extra_multiplier_id else None, data.label,
                          str(actor_id) if actor_id else None, job_id=evaluation_job_id(sorteo_id))


def evaluation_job_state(sorteo_id) -> tuple[str | None, str | None]:
    """(RQ status of the evaluation job or None, error message when it failed)."""
    queue = get_queue()
    if queue is None:
        return None, None
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus
    try:
        rq_job = Job.fetch(evaluation_job_id(sorteo_id), connection=queue.connection)
    except NoSuchJobError:
        return None, None
    status = rq_job.get_status(refresh=True)
    if status != JobStatus.FAILED:
        return getattr(status, "value", status), None
    result = rq_job.latest_result()
    return "failed", _error_text(result.exc_string if result else "")


def _error_text(exc_string: str) -> str:
    """The Spanish message of a DomainError from a traceback; a generic text for anything else."""
    last = (exc_string or "").strip().splitlines()[-1:] or [""]
    head, _, message = last[0].partition(": ")
    if message and any(name in head for name in ("Conflict", "InvalidInput", "NotFound", "DomainError",
                                                  "OutOfScope", "SorteoStateConflict")):
        return message
    return "Ocurrió un error inesperado al evaluar. Intente de nuevo; si persiste, avise al administrador."
