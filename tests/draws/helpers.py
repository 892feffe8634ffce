"""Ticket builders for evaluation tests (plain rows; the real sale path lives in app/sales)."""
from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

from app.draws.models import MultiplierKind
from app.extensions import db
from app.sales.models import Jugada, Ticket, TicketPayment, TicketStatus
from app.tz import cr_date_of, utcnow

_seq = itertools.count(1)
N, R = MultiplierKind.NUMERO, MultiplierKind.REVENTADO


def make_ticket(sorteo, vendedor, lines, *, status=TicketStatus.ACTIVE) -> Ticket:
    """lines: (type, number, amount[, multiplier]) — NUMERO lines freeze the multiplier's value."""
    day = cr_date_of(sorteo.scheduled_at)
    total = sum(Decimal(str(line[2])) for line in lines)
    ticket = Ticket(ticket_number=f"T{day:%y%m%d}-{next(_seq):05d}-{uuid.uuid4().hex[:4]}",
                    banca_id=sorteo.banca_id, loteria_id=sorteo.loteria_id, sorteo_id=sorteo.id,
                    ventana_id=vendedor.ventana_id, vendedor_id=vendedor.id, business_date=day,
                    total_amount=total, status=status, created_by=vendedor.id, created_by_role="VENDEDOR")
    db.session.add(ticket)
    db.session.flush()
    live = status not in (TicketStatus.CANCELLED, TicketStatus.EXCLUDED)
    for pos, line in enumerate(lines):
        kind, number, amount = line[0], line[1], Decimal(str(line[2]))
        mult = line[3] if len(line) > 3 else None
        db.session.add(Jugada(ticket_id=ticket.id, sorteo_id=sorteo.id, position=pos, type=kind, number=number,
                              amount=amount, multiplier_id=mult.id if (mult and kind == N) else None,
                              final_multiplier_x=Decimal(mult.value_x) if (mult and kind == N) else Decimal(0),
                              is_active=live, is_excluded=status == TicketStatus.EXCLUDED))
    db.session.flush()
    return ticket


def pay(ticket, amount, user, *, reversed_=False) -> TicketPayment:
    row = TicketPayment(ticket_id=ticket.id, amount=Decimal(str(amount)), method="cash", paid_by=user.id,
                        paid_at=utcnow(), idempotency_key=uuid.uuid4().hex, idempotency_hash="x" * 64,
                        is_reversed=reversed_)
    db.session.add(row)
    db.session.flush()
    return row


def scope_of(user):
    from app.scope import scope_for_user
    return scope_for_user(user, user.banca_id)
