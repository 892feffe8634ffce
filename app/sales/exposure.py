"""Exposure accumulators outside the sale: what a ticket feeds, cancel / exclusion deltas, and the
rebuild from live jugadas that proves the accumulators right (DOMAIN §11.1).

Live = ticket not CANCELLED / EXCLUDED, jugada active and not excluded (§10.3).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import select

from app.restrictions import rules as engine
from app.restrictions.domain import AccKey, Line, SaleContext
from app.sales import sale_path
from app.sales.models import ExposureAccumulator, Jugada, Ticket, TicketStatus

DEAD_STATUSES = (TicketStatus.CANCELLED, TicketStatus.EXCLUDED)


def engine_lines(jugadas: Iterable[Jugada]) -> list[Line]:
    """The restriction engine's view of stored jugadas (multiplier value = the frozen one)."""
    out = []
    for j in jugadas:
        kind = getattr(j.type, "value", j.type)
        out.append(Line(kind, j.number, Decimal(j.amount), j.multiplier_id if kind == "NUMERO" else None,
                        Decimal(j.final_multiplier_x) if kind == "NUMERO" else None))
    return out


def ticket_ctx(ticket: Ticket) -> SaleContext:
    """Accumulator context of a stored ticket: its own vendedor / ventana / banca at sale time."""
    from datetime import date
    return SaleContext(vendedor_id=ticket.vendedor_id, ventana_id=ticket.ventana_id, banca_id=ticket.banca_id,
                       loteria_id=ticket.loteria_id, sorteo_id=ticket.sorteo_id, cr_date=date.min, cr_hour=0)


def ticket_rows(ticket: Ticket, jugadas: Sequence[Jugada], sign: int = 1) -> list[tuple[AccKey, Decimal]]:
    """Accumulator rows and deltas these jugadas of the ticket feed (sign -1 to take them out)."""
    if not jugadas:
        return []
    rows = engine.required_accumulators(None, engine_lines(jugadas), ticket_ctx(ticket))
    return sale_path.ordered((key, delta * sign) for key, delta in rows)


def apply_exposure(session, *, ticket: Ticket, jugadas: Sequence[Jugada], sign: int) -> None:
    """Add (+1: restore, inclusion) or subtract (−1: cancel, exclusion) jugadas from the
    accumulators, in the global lock order. Callers lock the ticket row first. Adding back does
    NOT check limits: restore uses the sale's atomic check (lifecycle.restore_ticket)."""
    rows = ticket_rows(ticket, jugadas, sign)
    if rows:
        sale_path.upsert(session.connection(), rows)


def live_jugadas(ticket: Ticket) -> list[Jugada]:
    if ticket.status in DEAD_STATUSES:
        return []
    return [j for j in ticket.jugadas if j.is_active and not j.is_excluded]


def rebuild_accumulators(session, sorteo_id) -> dict[tuple, Decimal]:
    """What every accumulator row of a sorteo should hold, computed from its live jugadas."""
    expected: dict[tuple, Decimal] = defaultdict(Decimal)
    tickets = session.scalars(select(Ticket).where(Ticket.sorteo_id == sorteo_id,
                                                   Ticket.status.not_in(DEAD_STATUSES))).all()
    by_ticket: dict = defaultdict(list)
    if tickets:
        for j in session.scalars(select(Jugada).where(Jugada.sorteo_id == sorteo_id, Jugada.is_active.is_(True),
                                                      Jugada.is_excluded.is_(False))):
            by_ticket[j.ticket_id].append(j)
    for ticket in tickets:
        for key, delta in ticket_rows(ticket, by_ticket.get(ticket.id, [])):
            expected[tuple(str(p) for p in key)] += delta
    return dict(expected)


def stored_accumulators(session, sorteo_id) -> dict[tuple, Decimal]:
    rows = session.scalars(select(ExposureAccumulator).where(ExposureAccumulator.sorteo_id == sorteo_id))
    return {(str(r.sorteo_id), r.number, r.scope_type, str(r.scope_id), r.filter): Decimal(r.amount) for r in rows}


def compare_accumulators(session, sorteo_id) -> dict[tuple, tuple[Decimal, Decimal]]:
    """Rows whose stored amount differs from the rebuild: {key: (stored, expected)}; {} = agree.
    A stored row at 0 with no live jugada behind it agrees."""
    expected = rebuild_accumulators(session, sorteo_id)
    stored = stored_accumulators(session, sorteo_id)
    diff = {}
    for key in set(expected) | set(stored):
        have, want = stored.get(key, Decimal(0)), expected.get(key, Decimal(0))
        if have != want:
            diff[key] = (have, want)
    return diff


def repair_accumulators(session, sorteo_id) -> int:
    """Overwrite a sorteo's accumulators with the rebuild (operator tool); returns rows fixed."""
    diff = compare_accumulators(session, sorteo_id)
    for key, (have, want) in diff.items():
        sorteo, number, scope_type, scope_id, filt = key
        sale_path.upsert(session.connection(), [(AccKey(sorteo, number, scope_type, scope_id, filt), want - have)])
    return len(diff)
