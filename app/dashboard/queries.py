"""Read-only queries for the home overviews (the full dashboards build on these)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case, func, select

from app.draws.models import Loteria, Sorteo
from app.sales.models import Ticket, TicketStatus
from app.scope import Scope
from app.tz import cr_day_bounds


@dataclass
class DayTotals:
    tickets: int
    sales: Decimal
    cancelled: int
    cancelled_amount: Decimal


def _ticket_scope(stmt, scope: Scope):
    stmt = stmt.where(Ticket.banca_id == scope.banca_id)
    if scope.is_ventana:
        stmt = stmt.where(Ticket.ventana_id == scope.ventana_id)
    elif scope.is_vendedor:
        stmt = stmt.where(Ticket.vendedor_id == scope.vendedor_id)
    return stmt


def day_totals(session, scope: Scope, day: date) -> DayTotals:
    live = Ticket.status.notin_([TicketStatus.CANCELLED, TicketStatus.EXCLUDED])
    stmt = _ticket_scope(select(
        func.count(case((live, Ticket.id))),
        func.coalesce(func.sum(case((live, Ticket.total_amount), else_=0)), 0),
        func.count(case((Ticket.status == TicketStatus.CANCELLED, Ticket.id))),
        func.coalesce(func.sum(case((Ticket.status == TicketStatus.CANCELLED, Ticket.total_amount), else_=0)), 0),
    ).where(Ticket.business_date == day), scope)
    n, sales, c, camount = session.execute(stmt).one()
    return DayTotals(int(n or 0), Decimal(sales or 0), int(c or 0), Decimal(camount or 0))


def sorteos_of_day(session, scope: Scope, day: date) -> list[tuple[Sorteo, Decimal, int]]:
    """Today's active sorteos of the scope's banca with the scope's live sales on each."""
    start, end = cr_day_bounds(day)
    live = Ticket.status.notin_([TicketStatus.CANCELLED, TicketStatus.EXCLUDED])
    sales = _ticket_scope(select(Ticket.sorteo_id.label("sid"),
                                 func.sum(Ticket.total_amount).label("amount"),
                                 func.count(Ticket.id).label("n")).where(live), scope) \
        .group_by(Ticket.sorteo_id).subquery()
    stmt = (select(Sorteo, func.coalesce(sales.c.amount, 0), func.coalesce(sales.c.n, 0))
            .join(Loteria, Loteria.id == Sorteo.loteria_id)
            .outerjoin(sales, sales.c.sid == Sorteo.id)
            .where(Sorteo.banca_id == scope.banca_id, Sorteo.is_active.is_(True),
                   Sorteo.scheduled_at >= start, Sorteo.scheduled_at < end)
            .order_by(Sorteo.scheduled_at, Loteria.name))
    return [(s, Decimal(a), int(n)) for s, a, n in session.execute(stmt).all()]


def closing_times(session, scope: Scope, sorteos, now: datetime) -> dict:
    """{sorteo id: when sales close for this scope}: the scope's own cutoff rule (vendedor →
    ventana → banca → lotería → 5 min, DOMAIN §10), not the draw time. ADMIN sees the banca's."""
    from app.restrictions.rules import closing_instant
    from app.restrictions.services import effective_cutoff
    vendedor_id = scope.user_id if scope.is_vendedor else None
    ventana_id = scope.ventana_id if not scope.is_admin else None
    result = {}
    for sorteo in sorteos:
        cutoff = effective_cutoff(session, sorteo=sorteo, vendedor_id=vendedor_id, ventana_id=ventana_id,
                                  banca_id=sorteo.banca_id, now=now, banca_only=scope.is_admin)
        result[sorteo.id] = closing_instant(sorteo.scheduled_at, cutoff.minutes)
    return result
