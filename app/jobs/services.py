"""Job flags and health (DOMAIN §18; UX §6 "Trabajos")."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from croniter import croniter

from app.jobs import PERIODIC, available_periodic, periodic_by_name
from app.jobs.models import JobState
from app.tz import CR, utcnow


def is_enabled(name: str) -> bool:
    from app.extensions import db
    state = db.session.get(JobState, name)
    db.session.rollback()
    spec = periodic_by_name(name)
    if state is None:
        return spec.default_enabled if spec else True
    return state.enabled


@dataclass
class JobHealth:
    name: str
    label: str
    enabled: bool
    last_run_at: datetime | None
    last_result: str | None
    last_message: str | None
    last_count: int
    next_run_at: datetime | None
    healthy: bool

    @property
    def status(self) -> str:
        """off | never | error | ok | late (the Trabajos page's "Salud")."""
        if not self.enabled:
            return "off"
        if self.last_run_at is None:
            return "never"
        if self.last_result == "error":
            return "error"
        return "ok" if self.healthy else "late"


def list_job_health(session, now: datetime | None = None) -> list[JobHealth]:
    now = now or utcnow()
    out = []
    for spec in available_periodic():
        state = session.get(JobState, spec.name)
        last = state.last_run_at if state else None
        if spec.interval:
            nxt = (last + timedelta(seconds=spec.interval)) if last else now
        else:
            nxt = croniter(spec.cron, now.astimezone(CR)).get_next(datetime)
        healthy = (last is not None and now - last <= timedelta(hours=spec.health_hours)
                   and (state.last_result == "ok"))
        out.append(JobHealth(spec.name, spec.label, state.enabled if state else spec.default_enabled,
                             last, state.last_result if state else None,
                             state.last_message if state else None,
                             state.last_count if state else 0, nxt, healthy))
    return out


def set_enabled(session, *, name: str, enabled: bool, actor_id) -> JobState:
    """Toggle a periodic job's flag (JOB_CONFIG_UPDATE)."""
    from app.audit.services import record
    from app.errors import NotFound
    spec = periodic_by_name(name)
    if spec is None:
        raise NotFound("El trabajo no existe.")
    state = session.get(JobState, name)
    if state is None:
        state = JobState(name=name, enabled=spec.default_enabled)
        session.add(state)
    state.enabled = enabled
    record(session, action="JOB_CONFIG_UPDATE", layer="system", actor_id=actor_id, target_type="job",
           target_id=name, description=f"Trabajo «{spec.label}» {'activado' if enabled else 'desactivado'}",
           details={"enabled": enabled})
    return state
