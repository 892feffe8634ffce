"""Cancel ("anular"), restore and print / reprint of a tiquete (DOMAIN §12).

Routes run cancel and restore in `unit_of_work(immediate=True)` (see app.sales.services).
Each locks the ticket row first (SELECT … FOR UPDATE), then the accumulator rows in the global
order of app.sales.sale_path, so a double click cannot cancel (and free the amounts) twice.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from app.audit.models import ActivityLog
from app.audit.services import record
from app.draws.models import Sorteo
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.formatting import format_colones
from app.org.config_version import get_config_version
from app.org.models import Banca
from app.restrictions import rules as engine
from app.restrictions.domain import SaleContext
from app.sales import sale_path
from app.sales.config_cache import get_sale_config
from app.sales.exposure import apply_exposure, engine_lines, live_jugadas, ticket_rows
from app.sales.models import Ticket, TicketStatus
from app.sales.schemas import SaleRejected
from app.scope import Scope
from app.tz import at_time_phrase, utcnow

LAYER = "sales"
REASON_MIN, REASON_MAX = 3, 200


def lock_ticket(session, ticket_id) -> Ticket:
    """The ticket row, locked until commit (PostgreSQL; SQLite is already serialised)."""
    import uuid
    try:
        ticket_id = ticket_id if isinstance(ticket_id, uuid.UUID) else uuid.UUID(str(ticket_id))
    except (TypeError, ValueError):
        raise NotFound("No se encontró el tiquete.") from None
    ticket = session.execute(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update()
        .options(selectinload(Ticket.jugadas)).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if ticket is None:
        raise NotFound("No se encontró el tiquete.")
    return ticket


def check_owner(scope: Scope, ticket: Ticket, action: str) -> None:
    """D9: VENDEDOR his own tickets, VENTANA his ventana's, ADMIN the selected banca's (403)."""
    if not scope.allows(banca_id=ticket.banca_id, ventana_id=ticket.ventana_id, vendedor_id=ticket.vendedor_id):
        raise OutOfScope(f"No puede {action} un tiquete de otro vendedor.")


def _context(session, ticket: Ticket, now: datetime):
    sorteo = session.get(Sorteo, ticket.sorteo_id)
    config = get_sale_config(session, ticket.banca_id, get_config_version(session, ticket.banca_id))
    specs = config.rules_for(ticket.ventana_id, ticket.vendedor_id)
    loteria = config.loterias.get(sorteo.loteria_id)
    ctx = SaleContext.at(now, vendedor_id=ticket.vendedor_id, ventana_id=ticket.ventana_id,
                         banca_id=ticket.banca_id, loteria_id=sorteo.loteria_id, sorteo_id=sorteo.id,
                         digits=sorteo.digits, scheduled_at=sorteo.scheduled_at,
                         loteria_name=loteria.name if loteria else "")
    return sorteo, specs, ctx, (loteria.closing_minutes if loteria else None)


def _check_window(sorteo: Sorteo, specs, ctx, closing_minutes, now: datetime, what: str) -> None:
    """Sorteo OPEN and now before the vendedor's cutoff (+ grace): the sale's own clock (§12)."""
    if sorteo.status.value != "OPEN" or not sorteo.is_active:
        raise Conflict(f"No se puede {what}: el sorteo {sorteo.name} ya no está abierto.")
    cutoff = engine.resolve_cutoff(specs, ctx, closing_minutes)
    if not engine.is_open_at(now, sorteo.scheduled_at, cutoff.minutes):
        closed = at_time_phrase(engine.closing_instant(sorteo.scheduled_at, cutoff.minutes))
        raise Conflict(f"No se puede {what}: el plazo cerró {closed} (corte de {cutoff.minutes} min).")


def _reason(text: str | None) -> str:
    value = " ".join(str(text or "").split())
    if not REASON_MIN <= len(value) <= REASON_MAX or not value.isprintable():
        raise InvalidInput(f"Indique el motivo ({REASON_MIN} a {REASON_MAX} caracteres).", field="reason")
    return value


def cancel_ticket(session, *, scope: Scope, actor, ticket_id, reason: str, now: datetime | None = None) -> Ticket:
    """Anular: reason 3–200 (422); ownership (403); ACTIVE ticket, sorteo OPEN, before the cutoff
    (409). Frees the amounts in the accumulators; audits TICKET_CANCEL."""
    now = now or utcnow()
    reason = _reason(reason)
    ticket = lock_ticket(session, ticket_id)
    check_owner(scope, ticket, "anular")
    if ticket.status != TicketStatus.ACTIVE:
        raise Conflict(f"El tiquete {ticket.ticket_number} no está activo; no se puede anular.")
    sorteo, specs, ctx, closing = _context(session, ticket, now)
    _check_window(sorteo, specs, ctx, closing, now, "anular")
    apply_exposure(session, ticket=ticket, jugadas=live_jugadas(ticket), sign=-1)
    actor_id = getattr(actor, "id", actor) or scope.user_id
    ticket.status = TicketStatus.CANCELLED
    ticket.cancelled_at, ticket.cancelled_by, ticket.cancel_reason = now, actor_id, reason
    for j in ticket.jugadas:
        j.is_active = False
    record(session, action="TICKET_CANCEL", layer=LAYER, actor_id=actor_id, banca_id=ticket.banca_id,
           target_type="ticket", target_id=ticket.id,
           description=f"Tiquete #{ticket.ticket_number} anulado (Monto: {format_colones(ticket.total_amount)})",
           details={"ticket_number": ticket.ticket_number, "reason": reason, "total": ticket.total_amount})
    session.flush()
    return ticket


def restore_ticket(session, *, scope: Scope, actor, ticket_id, now: datetime | None = None) -> Ticket:
    """Restore a CANCELLED ticket: ownership (403), sorteo OPEN and before the cutoff (409), and
    every restriction limit re-validated with the sale's atomic check (D8; SaleRejected 409)."""
    now = now or utcnow()
    ticket = lock_ticket(session, ticket_id)
    check_owner(scope, ticket, "restaurar")
    if ticket.status != TicketStatus.CANCELLED:
        raise Conflict(f"El tiquete {ticket.ticket_number} no está anulado.")
    sorteo, specs, ctx, closing = _context(session, ticket, now)
    _check_window(sorteo, specs, ctx, closing, now, "restaurar")
    revive = [j for j in ticket.jugadas if not j.is_excluded]
    if not revive:
        raise Conflict("Todas las jugadas de este tiquete están excluidas; no se puede restaurar.")
    lines = engine_lines(revive)
    violations = engine.precheck_ticket(specs, lines, ctx, now)
    if not violations:
        rows = ticket_rows(ticket, revive)  # numbers then TICKET rows: the sale's lock order
        accumulated = sale_path.totals_before(rows, sale_path.upsert(session.connection(), rows))
        violations = engine.check_ticket(specs, lines, ctx, accumulated, now)
    if violations:
        from app.sales.services import _violations_error
        raise _violations_error(violations)
    actor_id = getattr(actor, "id", actor) or scope.user_id
    ticket.status = TicketStatus.ACTIVE
    ticket.cancelled_at = ticket.cancelled_by = ticket.cancel_reason = None
    for j in revive:
        j.is_active = True
    record(session, action="TICKET_RESTORE", layer=LAYER, actor_id=actor_id, banca_id=ticket.banca_id,
           target_type="ticket", target_id=ticket.id,
           description=f"Tiquete #{ticket.ticket_number} restaurado (Monto: {format_colones(ticket.total_amount)})",
           details={"ticket_number": ticket.ticket_number, "total": ticket.total_amount})
    session.flush()
    return ticket


def record_print(session, *, scope: Scope, actor, ticket_id) -> Ticket:
    """Audit a print: the first one TICKET_PRINT; later ones are reprints (banca reprint_enabled,
    else 409) that increment print_count and audit TICKET_REPRINT ("REIMPRESIÓN n")."""
    ticket = lock_ticket(session, ticket_id)
    if not scope.allows(banca_id=ticket.banca_id, ventana_id=ticket.ventana_id, vendedor_id=ticket.vendedor_id):
        raise OutOfScope("Ese tiquete no pertenece a su ámbito.")
    actor_id = getattr(actor, "id", actor) or scope.user_id
    printed = session.scalar(select(exists().where(
        ActivityLog.target_type == "ticket", ActivityLog.target_id == str(ticket.id),
        ActivityLog.action.in_(("TICKET_PRINT", "TICKET_REPRINT")))))
    if not printed:
        record(session, action="TICKET_PRINT", layer=LAYER, actor_id=actor_id, banca_id=ticket.banca_id,
               target_type="ticket", target_id=ticket.id,
               description=f"Tiquete #{ticket.ticket_number} impreso",
               details={"ticket_number": ticket.ticket_number})
        session.flush()
        return ticket
    banca = session.get(Banca, ticket.banca_id)
    if banca is not None and not banca.setting("reprint_enabled"):
        raise Conflict("La banca no permite reimprimir tiquetes.")
    ticket.print_count = (ticket.print_count or 0) + 1
    record(session, action="TICKET_REPRINT", layer=LAYER, actor_id=actor_id, banca_id=ticket.banca_id,
           target_type="ticket", target_id=ticket.id,
           description=f"Tiquete #{ticket.ticket_number} reimpreso (REIMPRESIÓN {ticket.print_count})",
           details={"ticket_number": ticket.ticket_number, "print_count": ticket.print_count})
    session.flush()
    return ticket


__all__ = ["cancel_ticket", "restore_ticket", "record_print", "lock_ticket", "check_owner", "SaleRejected"]
