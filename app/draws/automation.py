"""What the draw jobs do (DOMAIN §18): create upcoming sorteos, open today's, close due ones.

Job flags (auto_create = JobState "create_sorteos", auto_open = "open_sorteos", auto_close =
"sorteo_sweeper") and the open time (JobState("open_sorteos").settings["open_time"], default
01:30 CR) live in JobState. The functions here take `session` and `now`; app/draws/jobs.py wraps them.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.audit.services import record
from app.draws.lifecycle import GenerationReport, do_close, do_open, insert_missing
from app.draws.models import Loteria, Sorteo, SorteoStatus
from app.draws.queries import existing_instants
from app.draws.rules import loteria_rules, occurrences, parse_hhmm
from app.errors import InvalidInput
from app.jobs import periodic_by_name
from app.jobs.models import JobState
from app.tz import cr_combine, cr_day_bounds, cr_today, format_time

log = logging.getLogger(__name__)

CREATE_JOB, OPEN_JOB, SWEEPER_JOB = "create_sorteos", "open_sorteos", "sorteo_sweeper"
DEFAULT_OPEN_TIME = "01:30"


def flag_enabled(session, name: str) -> bool:
    """A job's on/off flag (JobState.enabled; the PERIODIC default when no row exists)."""
    state = session.get(JobState, name)
    if state is not None:
        return bool(state.enabled)
    spec = periodic_by_name(name)
    return spec.default_enabled if spec else True


def get_open_time(session) -> time:
    """The one open time for all sorteos (default 01:30 CR)."""
    state = session.get(JobState, OPEN_JOB)
    value = ((state.settings or {}) if state else {}).get("open_time") or DEFAULT_OPEN_TIME
    return parse_hhmm(value) or parse_hhmm(DEFAULT_OPEN_TIME)


def set_open_time(session, *, value: str, actor_id) -> time:
    """Change the open time (JOB_CONFIG_UPDATE); 422 unless HH:MM."""
    t = parse_hhmm(value or "")
    if t is None:
        raise InvalidInput("Indique la hora de apertura en formato HH:MM (24 horas).", field="open_time")
    state = session.get(JobState, OPEN_JOB)
    if state is None:
        spec = periodic_by_name(OPEN_JOB)
        state = JobState(name=OPEN_JOB, enabled=spec.default_enabled if spec else True, settings={})
        session.add(state)
    before = (state.settings or {}).get("open_time") or DEFAULT_OPEN_TIME
    text = f"{t.hour:02d}:{t.minute:02d}"
    state.settings = {**(state.settings or {}), "open_time": text}
    session.flush()
    record(session, action="JOB_CONFIG_UPDATE", layer="system", actor_id=actor_id, target_type="job",
           target_id=OPEN_JOB, description=f"Hora de apertura de sorteos: {before} → {text}",
           details={"before": before, "after": text})
    return t


def before_open_time(session, now: datetime) -> bool:
    """True while today's open time (CR) has not come yet."""
    return now < cr_combine(cr_today(now), get_open_time(session))


def next_open_run(session, now: datetime) -> datetime:
    """Next instant the open time comes round (the sweeper applies it, §18)."""
    t = get_open_time(session)
    today = cr_today(now)
    at = cr_combine(today, t)
    return at if at > now else cr_combine(today + timedelta(days=1), t)


# ------------------------------------------------------------------------------ create

@dataclass
class CreateSummary:
    created: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        text = f"{self.created} sorteo{'s' if self.created != 1 else ''} creado{'s' if self.created != 1 else ''}"
        if self.skipped:
            text += f", {self.skipped} ya existían"
        if self.failed:
            text += f"; con error: {', '.join(self.failed)}"
        return text


def create_upcoming(session, now: datetime, *, today_only: bool = False) -> CreateSummary:
    """For each active lotería with schedules and auto-create on: make sure the sorteos of today …
    today+days_ahead−1 exist (future instants only). Idempotent by the unique key; per-lotería
    failures are logged and skipped (a savepoint each)."""
    summary = CreateSummary()
    today = cr_today(now)
    loterias = session.scalars(select(Loteria).where(Loteria.is_active.is_(True), Loteria.banca_id.is_not(None))
                               .order_by(Loteria.name)).all()
    for loteria in loterias:
        rules = loteria_rules(loteria)
        if not rules.has_schedules or not rules.auto_create_sorteos:
            continue
        days = 1 if today_only else rules.days_ahead
        occs = [o for o in occurrences(loteria.name, rules, today, days) if o.scheduled_at > now]
        if not occs:
            continue
        have = existing_instants(session, loteria.id, loteria.banca_id, [o.scheduled_at for o in occs])
        missing = [o for o in occs if o.scheduled_at not in have]
        summary.skipped += len(occs) - len(missing)
        if not missing:
            continue
        report = GenerationReport()
        try:
            with session.begin_nested():
                insert_missing(session, loteria, missing, report)
                if report.created:
                    record(session, action="SORTEO_CREATE", layer="draws", banca_id=loteria.banca_id,
                           target_type="loteria", target_id=loteria.id,
                           description=f"{report.message} para {loteria.name} (automático)",
                           details={"created": len(report.created), "skipped": report.skipped,
                                    "source": "job", "names": [name for _, _, name in report.created][:50]})
        except Exception:  # keep going with the other loterías (§18)
            log.exception("create_sorteos failed for lotería %s", loteria.id)
            summary.failed.append(loteria.name)
            continue
        summary.created += len(report.created)
        summary.skipped += report.skipped
    return summary


# ------------------------------------------------------------------------------ open / close

def open_today(session, now: datetime, *, force: bool = False) -> list[Sorteo]:
    """Open today's SCHEDULED active sorteos of active loterías whose draw is still ahead, once the
    open time has passed (force = "Ejecutar ahora": ignore the time)."""
    if not force and before_open_time(session, now):
        return []
    start, end = cr_day_bounds(cr_today(now))
    ids = session.scalars(select(Sorteo.id).join(Loteria, Loteria.id == Sorteo.loteria_id).where(
        Sorteo.status == SorteoStatus.SCHEDULED, Sorteo.is_active.is_(True), Loteria.is_active.is_(True),
        Sorteo.scheduled_at >= max(start, now), Sorteo.scheduled_at < end)
        .order_by(Sorteo.scheduled_at)).all()
    opened = []
    for sid in ids:
        sorteo = _each(session, sid, lambda s: s.status == SorteoStatus.SCHEDULED and s.is_active,
                       lambda s: do_open(session, s, actor_id=None, now=now, source="job"))
        if sorteo is not None:
            opened.append(sorteo)
    return opened


def close_due(session, now: datetime) -> list[Sorteo]:
    """Close every OPEN active sorteo whose draw instant has come (the close job and the sweeper)."""
    ids = session.scalars(select(Sorteo.id).where(Sorteo.status == SorteoStatus.OPEN, Sorteo.is_active.is_(True),
                                                  Sorteo.scheduled_at <= now).order_by(Sorteo.scheduled_at)).all()
    closed = []
    for sid in ids:
        sorteo = _each(session, sid, lambda s: s.status == SorteoStatus.OPEN and s.scheduled_at <= now,
                       lambda s: do_close(session, s, actor_id=None, now=now, source="job"))
        if sorteo is not None:
            closed.append(sorteo)
    return closed


def _each(session, sorteo_id, still_due, apply) -> Sorteo | None:
    """One sorteo of a batch in its own savepoint: a failure is logged and the batch goes on (§18)."""
    try:
        with session.begin_nested():
            sorteo = _lock(session, sorteo_id)
            if sorteo is None or not still_due(sorteo):
                return None
            apply(sorteo)
            return sorteo
    except Exception:
        log.exception("draw job failed for sorteo %s", sorteo_id)
        return None


def close_one(session, sorteo_id, now: datetime) -> Sorteo | None:
    """The per-sorteo close job: close it if it is still OPEN and its instant has come."""
    sorteo = _lock(session, sorteo_id)
    if sorteo is None or sorteo.status != SorteoStatus.OPEN or not sorteo.is_active or sorteo.scheduled_at > now:
        return None
    do_close(session, sorteo, actor_id=None, now=now, source="job")
    return sorteo


def _lock(session, sorteo_id: uuid.UUID) -> Sorteo | None:
    from app.draws.lifecycle import lock_sorteo
    return lock_sorteo(session, sorteo_id)


def describe(opened: list[Sorteo], closed: list[Sorteo]) -> str:
    parts = []
    if opened:
        parts.append(f"{len(opened)} abierto{'s' if len(opened) != 1 else ''}")
    if closed:
        names = ", ".join(f"{s.name} ({format_time(s.scheduled_at)})" for s in closed[:5])
        parts.append(f"{len(closed)} cerrado{'s' if len(closed) != 1 else ''}: {names}")
    return "; ".join(parts) or "Sin cambios"


__all__ = ["flag_enabled", "get_open_time", "set_open_time", "next_open_run", "create_upcoming",
           "open_today", "before_open_time", "close_due", "close_one", "describe", "CREATE_JOB", "OPEN_JOB", "SWEEPER_JOB"]
