"""Sorteo lifecycle (DOMAIN §6, §14): create, edit, open, close, reopen, cancel, generation.

Every transition is guarded (who, from which state, when), audited (layer "draws") and refused
with a Spanish 409 otherwise. Transitions lock the sorteo row first (an UPDATE: a row lock on
PostgreSQL and SQLite's writer lock before any read).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.audit.services import record
from app.draws import queries
from app.draws.catalogue import _expire, as_uuid, get_loteria
from app.draws.models import Loteria, Sorteo, SorteoStatus
from app.draws.rules import MAX_PREVIEW, Occurrence, loteria_rules, occurrences, parse_hhmm
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.sales.models import Ticket
from app.scope import Scope
from app.tz import at_time_phrase, cr_combine, cr_day_bounds, format_date, utcnow


class SorteoStateConflict(Conflict):
    """A transition refused by the sorteo's state or time (409)."""


def _require_admin(scope: Scope) -> None:
    if not scope.is_admin:
        raise OutOfScope("Solo un administrador puede cambiar el estado de un sorteo.")


def lock_sorteo(session, sorteo_id) -> Sorteo | None:
    """Lock the row before reading it (FOR UPDATE semantics on both engines) and load it fresh."""
    sorteo_id = as_uuid(sorteo_id, "El sorteo no existe.")
    session.execute(update(Sorteo).where(Sorteo.id == sorteo_id).values(updated_at=Sorteo.updated_at)
                    .execution_options(synchronize_session=False))
    return session.scalars(select(Sorteo).where(Sorteo.id == sorteo_id)
                           .execution_options(populate_existing=True)).unique().one_or_none()


def _locked(session, scope: Scope, sorteo_id) -> Sorteo:
    _require_admin(scope)
    sorteo = lock_sorteo(session, sorteo_id)
    if sorteo is None:
        raise NotFound("El sorteo no existe.")
    if sorteo.banca_id != scope.banca_id:
        raise OutOfScope()
    return sorteo


def _audit(session, sorteo: Sorteo, action: str, actor_id, description: str, **details) -> None:
    record(session, action=action, layer="draws", actor_id=actor_id, banca_id=sorteo.banca_id,
           target_type="sorteo", target_id=sorteo.id, description=description, details=details)


def _label(status) -> str:
    return SorteoStatus(status).label


# ------------------------------------------------------------------------------ cutoff

@dataclass(frozen=True)
class SorteoCutoff:
    minutes: int
    source: str  # BANCA | LOTERIA | DEFAULT
    closes_at: datetime  # scheduled_at − minutes (shown to users, no grace)


def sorteo_cutoff(session, sorteo: Sorteo, now: datetime) -> SorteoCutoff:
    """Cutoff without vendedor/ventana rules (§6 reopen): banca rule → lotería → 5 min (D6), from the
    restrictions domain (its rules are cached per banca by ConfigVersion)."""
    from app.restrictions.rules import closing_instant
    from app.restrictions.services import effective_cutoff
    cutoff = effective_cutoff(session, sorteo=sorteo, vendedor_id=None, ventana_id=None, banca_id=sorteo.banca_id,
                              now=now, banca_only=True)
    return SorteoCutoff(cutoff.minutes, str(getattr(cutoff.source, "value", cutoff.source)),
                        closing_instant(sorteo.scheduled_at, cutoff.minutes))


def cutoffs_for(session, sorteos, now: datetime) -> dict:
    """{sorteo id: SorteoCutoff} for a page of sorteos."""
    return {s.id: sorteo_cutoff(session, s, now) for s in sorteos}


def _before_cutoff(session, sorteo: Sorteo, now: datetime, verb: str) -> None:
    from app.restrictions.rules import is_open_at
    cutoff = sorteo_cutoff(session, sorteo, now)
    if not is_open_at(now, sorteo.scheduled_at, cutoff.minutes):
        raise SorteoStateConflict(
            f"No se puede {verb}: las ventas cerraron {at_time_phrase(cutoff.closes_at)} "
            f"(corte de {cutoff.minutes} min).")


# ------------------------------------------------------------------------------ transitions

def open_sorteo(session, *, scope: Scope, sorteo_id, now: datetime | None = None) -> Sorteo:
    """SCHEDULED → OPEN by an ADMIN (SORTEO_OPEN); needs is_active, an active lotería and now before
    the cutoff. 409 otherwise."""
    now = now or utcnow()
    sorteo = _locked(session, scope, sorteo_id)
    _check_openable(sorteo)
    _before_cutoff(session, sorteo, now, "abrir el sorteo")
    do_open(session, sorteo, actor_id=scope.user_id, now=now, source="manual")
    return sorteo


def _check_openable(sorteo: Sorteo) -> None:
    if sorteo.status != SorteoStatus.SCHEDULED:
        raise SorteoStateConflict(f"Solo se puede abrir un sorteo programado (estado actual: "
                                  f"{_label(sorteo.status)}).")
    if not sorteo.is_active:
        raise SorteoStateConflict("El sorteo está desactivado; reactívelo antes de abrirlo.")
    if not sorteo.loteria.is_active:
        raise SorteoStateConflict(f"La lotería {sorteo.loteria.name} está desactivada.")


def do_open(session, sorteo: Sorteo, *, actor_id, now: datetime, source: str) -> None:
    """The OPEN transition itself (guards already checked by the caller)."""
    sorteo.status, sorteo.opened_at = SorteoStatus.OPEN, now
    session.flush()
    _audit(session, sorteo, "SORTEO_OPEN", actor_id,
           f"Sorteo {sorteo.name} del {format_date(sorteo.scheduled_at)} abierto",
           **{"from": "SCHEDULED", "to": "OPEN", "source": source})


def close_sorteo(session, *, scope: Scope, sorteo_id, now: datetime | None = None) -> Sorteo:
    """OPEN → CLOSED by an ADMIN ("Cerrar ventas"), tickets flagged sorteo_closed (§14)."""
    now = now or utcnow()
    sorteo = _locked(session, scope, sorteo_id)
    if sorteo.status != SorteoStatus.OPEN:
        raise SorteoStateConflict(f"Solo se pueden cerrar las ventas de un sorteo abierto (estado "
                                  f"actual: {_label(sorteo.status)}).")
    do_close(session, sorteo, actor_id=scope.user_id, now=now, source="manual")
    return sorteo


def do_close(session, sorteo: Sorteo, *, actor_id, now: datetime, source: str) -> None:
    sorteo.status, sorteo.closed_at = SorteoStatus.CLOSED, now
    session.flush()
    session.execute(update(Ticket).where(Ticket.sorteo_id == sorteo.id).values(sorteo_closed=True)
                    .execution_options(synchronize_session=False))
    _expire(session, Ticket)
    _audit(session, sorteo, "SORTEO_CLOSE", actor_id,
           f"Sorteo {sorteo.name} del {format_date(sorteo.scheduled_at)} cerrado",
           **{"from": "OPEN", "to": "CLOSED", "source": source})


def reopen_sorteo(session, *, scope: Scope, sorteo_id, reason: str, now: datetime | None = None) -> Sorteo:
    """CLOSED → OPEN (SORTEO_REOPEN) with a reason, only before the banca/lotería cutoff (§6)."""
    now = now or utcnow()
    reason = _reason(reason)
    sorteo = _locked(session, scope, sorteo_id)
    if sorteo.status != SorteoStatus.CLOSED:
        raise SorteoStateConflict(f"Solo se puede reabrir un sorteo cerrado (estado actual: "
                                  f"{_label(sorteo.status)}).")
    if not sorteo.is_active:
        raise SorteoStateConflict("El sorteo está desactivado.")
    _before_cutoff(session, sorteo, now, "reabrir el sorteo")
    sorteo.status, sorteo.closed_at = SorteoStatus.OPEN, None
    session.flush()
    session.execute(update(Ticket).where(Ticket.sorteo_id == sorteo.id).values(sorteo_closed=False)
                    .execution_options(synchronize_session=False))
    _expire(session, Ticket)
    _audit(session, sorteo, "SORTEO_REOPEN", scope.user_id,
           f"Sorteo {sorteo.name} del {format_date(sorteo.scheduled_at)} reabierto: {reason}",
           reason=reason, **{"from": "CLOSED", "to": "OPEN"})
    return sorteo


def _reason(reason: str | None, *, lo: int = 3, hi: int = 200) -> str:
    reason = " ".join((reason or "").split())
    if not lo <= len(reason) <= hi:
        raise InvalidInput(f"Indique el motivo ({lo} a {hi} caracteres).", field="reason")
    return reason


def cancel_sorteo(session, *, scope: Scope, sorteo_id, reason: str | None = None) -> Sorteo:
    """SCHEDULED/OPEN without any ticket (cancelled ones count) → is_active false (SORTEO_CANCEL, D13)."""
    sorteo = _locked(session, scope, sorteo_id)
    if sorteo.status not in (SorteoStatus.SCHEDULED, SorteoStatus.OPEN):
        raise SorteoStateConflict(f"Solo se puede cancelar un sorteo programado o abierto (estado "
                                  f"actual: {_label(sorteo.status)}).")
    if not sorteo.is_active:
        raise SorteoStateConflict("El sorteo ya está cancelado.")
    if queries.ticket_count(session, sorteo.id):
        raise SorteoStateConflict("No se puede cancelar: el sorteo tiene tiquetes (los anulados también "
                                  "cuentan).")
    reason = " ".join((reason or "").split())[:200] or None
    sorteo.is_active, sorteo.deactivated_by_cascade = False, False
    session.flush()
    _audit(session, sorteo, "SORTEO_CANCEL", scope.user_id,
           f"Sorteo {sorteo.name} del {format_date(sorteo.scheduled_at)} cancelado"
           + (f": {reason}" if reason else ""), reason=reason, status=sorteo.status.value)
    return sorteo


def reactivate_sorteo(session, *, scope: Scope, sorteo_id) -> Sorteo:
    """Undo a cancel (is_active true) while SCHEDULED/OPEN and the lotería is active (SORTEO_UPDATE)."""
    sorteo = _locked(session, scope, sorteo_id)
    if sorteo.is_active:
        raise SorteoStateConflict("El sorteo ya está activo.")
    if sorteo.status not in (SorteoStatus.SCHEDULED, SorteoStatus.OPEN):
        raise SorteoStateConflict("Solo se puede reactivar un sorteo programado o abierto.")
    if not sorteo.loteria.is_active:
        raise SorteoStateConflict(f"La lotería {sorteo.loteria.name} está desactivada; reactívela primero.")
    sorteo.is_active, sorteo.deactivated_by_cascade = True, False
    session.flush()
    _audit(session, sorteo, "SORTEO_UPDATE", scope.user_id,
           f"Sorteo {sorteo.name} del {format_date(sorteo.scheduled_at)} reactivado",
           before={"is_active": False}, after={"is_active": True})
    return sorteo


# ------------------------------------------------------------------------------ create / edit

def _instant(day: date | None, time_text: str | None) -> tuple[datetime, str]:
    """The UTC instant of a CR date + "HH:MM", and the configured "HH:MM" text: sorteo names keep
    their configured text ("TICA 12:55", DOMAIN §7, §8.3); messages use at_time_phrase()."""
    t = parse_hhmm(time_text or "")
    if day is None:
        raise InvalidInput("Indique la fecha del sorteo.", field="day")
    if t is None:
        raise InvalidInput("Indique la hora en formato HH:MM (24 horas).", field="time")
    text = f"{t.hour:02d}:{t.minute:02d}"
    return cr_combine(day, text), text


def _sorteo_name(name: str | None, loteria: Loteria, time_text: str) -> str:
    name = " ".join((name or "").split()) or f"{loteria.name} {time_text}"
    if not 2 <= len(name) <= 100:
        raise InvalidInput("El nombre debe tener entre 2 y 100 caracteres.", field="name")
    return name


def _taken(session, loteria_id, banca_id, at: datetime, exclude_id=None) -> bool:
    other = session.scalar(select(Sorteo.id).where(Sorteo.loteria_id == loteria_id, Sorteo.banca_id == banca_id,
                                                   Sorteo.scheduled_at == at))
    return other is not None and other != exclude_id


def create_sorteo(session, *, scope: Scope, loteria_id, day: date, time_text: str,
                  name: str | None = None) -> Sorteo:
    """One SCHEDULED sorteo at a CR date + time (SORTEO_CREATE); 409 when that instant exists."""
    _require_admin(scope)
    loteria = get_loteria(session, scope, loteria_id)
    if not loteria.is_active:
        raise Conflict(f"La lotería {loteria.name} está desactivada.")
    at, text = _instant(day, time_text)
    name = _sorteo_name(name, loteria, text)
    if _taken(session, loteria.id, loteria.banca_id, at):
        raise Conflict(f"Ya existe un sorteo de {loteria.name} el {format_date(day)} {at_time_phrase(at)}.",
                       field="time")
    sorteo = Sorteo(loteria_id=loteria.id, banca_id=loteria.banca_id, name=name, scheduled_at=at,
                    status=SorteoStatus.SCHEDULED, digits=loteria_rules(loteria).digits, is_active=True)
    session.add(sorteo)
    session.flush()
    _audit(session, sorteo, "SORTEO_CREATE", scope.user_id,
           f"Sorteo {name} del {format_date(day)} creado", scheduled_at=at, source="manual")
    return sorteo


def update_sorteo(session, *, scope: Scope, sorteo_id, name: str, day: date, time_text: str,
                  digits: int, loteria_id=None) -> tuple[Sorteo, bool]:
    """Edit a SCHEDULED/OPEN sorteo (§6): scheduled_at and digits only without tickets, lotería only
    while SCHEDULED (SORTEO_UPDATE with before/after). Returns (sorteo, changed)."""
    sorteo = _locked(session, scope, sorteo_id)
    if sorteo.status not in (SorteoStatus.SCHEDULED, SorteoStatus.OPEN):
        raise SorteoStateConflict(f"Solo se puede editar un sorteo programado o abierto (estado actual: "
                                  f"{_label(sorteo.status)}).")
    loteria = sorteo.loteria if not loteria_id else get_loteria(session, scope, loteria_id)
    at, text = _instant(day, time_text)
    name = _sorteo_name(name, loteria, text)
    if digits not in (2, 3):
        raise InvalidInput("Las cifras deben ser 2 o 3.", field="digits")
    before = {"name": sorteo.name, "scheduled_at": sorteo.scheduled_at, "digits": sorteo.digits,
              "loteria_id": sorteo.loteria_id}
    after = {"name": name, "scheduled_at": at, "digits": digits, "loteria_id": loteria.id}
    if before == after:
        return sorteo, False
    if loteria.id != sorteo.loteria_id:
        if sorteo.status != SorteoStatus.SCHEDULED:
            raise SorteoStateConflict("La lotería solo se puede cambiar mientras el sorteo está programado.")
        if not loteria.is_active:
            raise Conflict(f"La lotería {loteria.name} está desactivada.", field="loteria_id")
    if (at != sorteo.scheduled_at or digits != sorteo.digits) and queries.ticket_count(session, sorteo.id):
        raise SorteoStateConflict("La hora y las cifras solo se pueden cambiar mientras el sorteo no tiene "
                                  "tiquetes.")
    if _taken(session, loteria.id, sorteo.banca_id, at, exclude_id=sorteo.id):
        raise Conflict(f"Ya existe un sorteo de {loteria.name} el {format_date(day)} {at_time_phrase(at)}.",
                       field="time")
    sorteo.name, sorteo.scheduled_at, sorteo.digits, sorteo.loteria_id = name, at, digits, loteria.id
    session.flush()
    session.expire(sorteo, ["loteria"])
    _audit(session, sorteo, "SORTEO_UPDATE", scope.user_id,
           f"Sorteo {name} del {format_date(at)} actualizado", before=before, after=after)
    return sorteo, True


# ------------------------------------------------------------------------------ generation

@dataclass
class PreviewItem:
    occurrence: Occurrence
    exists: bool
    past: bool


@dataclass
class GenerationReport:
    created: list[tuple[uuid.UUID, datetime, str]] = field(default_factory=list)
    skipped: int = 0  # conflicts at insert time (another writer created them meanwhile)
    existing: int = 0  # already there before inserting

    @property
    def message(self) -> str:
        parts = [f"{len(self.created)} sorteo{'s' if len(self.created) != 1 else ''} "
                 f"creado{'s' if len(self.created) != 1 else ''}"]
        omitted = self.skipped + self.existing
        if omitted:
            parts.append(f"{omitted} omitido{'s' if omitted != 1 else ''} (ya existía{'n' if omitted != 1 else ''})")
        return ", ".join(parts)


def _check_range(days: int, start: date | None) -> None:
    if start is None:
        raise InvalidInput("Indique la fecha de inicio.", field="start")
    if not isinstance(days, int) or not 1 <= days <= 31:
        raise InvalidInput("Los días deben estar entre 1 y 31.", field="days")


def preview_generation(session, *, scope: Scope, loteria_id, start: date, days: int,
                       now: datetime | None = None) -> list[PreviewItem]:
    """Occurrences of the lotería's schedules for [start, start+days) with what already exists (no
    writes; ≤ 1000 items, §8.3)."""
    now = now or utcnow()
    _check_range(days, start)
    loteria = get_loteria(session, scope, loteria_id)
    rules = loteria_rules(loteria)
    if not rules.has_schedules:
        raise Conflict(f"La lotería {loteria.name} no tiene horarios de sorteo configurados.")
    occs = occurrences(loteria.name, rules, start, days)[:MAX_PREVIEW]
    have = queries.existing_instants(session, loteria.id, loteria.banca_id, [o.scheduled_at for o in occs])
    return [PreviewItem(o, o.scheduled_at in have, o.scheduled_at <= now) for o in occs]


def generate_sorteos(session, *, scope: Scope, loteria_id, start: date, days: int,
                     instants: list[datetime] | None = None, dry_run: bool = False,
                     now: datetime | None = None) -> GenerationReport:
    """Create the missing sorteos of [start, start+days) (optionally only `instants`); idempotent:
    existing instants are reported, never duplicated (§8.3)."""
    now = now or utcnow()
    items = preview_generation(session, scope=scope, loteria_id=loteria_id, start=start, days=days, now=now)
    if instants is not None:
        wanted = set(instants)
        unknown = wanted - {i.occurrence.scheduled_at for i in items}
        if unknown:
            raise InvalidInput("Uno de los sorteos elegidos no corresponde a los horarios de la lotería.",
                               field="instants")
        items = [i for i in items if i.occurrence.scheduled_at in wanted]
    report = GenerationReport(existing=sum(1 for i in items if i.exists))
    missing = [i.occurrence for i in items if not i.exists]
    if dry_run or not missing:
        if dry_run:
            report.created = [(uuid.uuid4(), o.scheduled_at, o.name) for o in missing]
        return report
    loteria = get_loteria(session, scope, loteria_id)
    insert_missing(session, loteria, missing, report)
    if report.created:
        record(session, action="SORTEO_CREATE", layer="draws", actor_id=scope.user_id,
               banca_id=loteria.banca_id, target_type="loteria", target_id=loteria.id,
               description=f"{report.message} para {loteria.name}",
               details={"created": len(report.created), "skipped": report.skipped + report.existing,
                        "start": start, "days": days, "source": "manual"})
    return report


def insert_missing(session, loteria: Loteria, occs: list[Occurrence], report: GenerationReport) -> None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the unique key (lotería, instant, banca) decides;
    conflicts count as skipped."""
    if not occs:
        return
    digits, now = loteria_rules(loteria).digits, utcnow()
    rows = [{"id": uuid.uuid4(), "loteria_id": loteria.id, "banca_id": loteria.banca_id, "name": o.name,
             "scheduled_at": o.scheduled_at, "status": SorteoStatus.SCHEDULED, "digits": digits,
             "is_active": True, "deactivated_by_cascade": False, "has_winner": False,
             "extra_multiplier_x": 0, "created_at": now, "updated_at": now} for o in occs]
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert(Sorteo) if dialect == "postgresql" else sqlite.insert(Sorteo)).values(rows)
    stmt = ins.on_conflict_do_nothing(index_elements=["loteria_id", "scheduled_at", "banca_id"]) \
        .returning(Sorteo.id, Sorteo.scheduled_at, Sorteo.name)
    created = [(r[0], r[1], r[2]) for r in session.execute(stmt)]
    report.created.extend(created)
    report.skipped += len(occs) - len(created)


def sorteos_of_day(session, banca_id, day: date, *, statuses=None):
    start, end = cr_day_bounds(day)
    stmt = select(Sorteo).where(Sorteo.banca_id == banca_id, Sorteo.scheduled_at >= start,
                                Sorteo.scheduled_at < end)
    if statuses:
        stmt = stmt.where(Sorteo.status.in_(statuses))
    return session.scalars(stmt.order_by(Sorteo.scheduled_at)).unique().all()


__all__ = ["SorteoStateConflict", "SorteoCutoff", "sorteo_cutoff", "cutoffs_for", "open_sorteo", "close_sorteo",
           "reopen_sorteo", "cancel_sorteo", "reactivate_sorteo", "create_sorteo", "update_sorteo",
           "preview_generation", "generate_sorteos", "GenerationReport", "PreviewItem", "lock_sorteo",
           "do_open", "do_close", "insert_missing", "sorteos_of_day"]
