"""Plain values crossing the sales boundary (routes/UI ⇄ sale services). Shared contract.

Services (app/sales/services.py), all taking `session` keyword-only and never committing:
  sell_ticket(session, *, scope, actor, vendedor_id, sorteo_id, lines: list[LineInput],
              cliente_nombre: str | None, idempotency_key: str, now=None) -> SaleResult
  cancel_ticket(session, *, scope, actor, ticket_id, reason: str, now=None) -> Ticket
  restore_ticket(session, *, scope, actor, ticket_id, now=None) -> Ticket
  record_print(session, *, scope, actor, ticket_id) -> Ticket        (print / reprint audit)
  pay_ticket(session, *, scope, actor, ticket_id, amount, method, reference, notes, is_final,
             idempotency_key, now=None) -> TicketPayment
  finalize_ticket(session, *, scope, actor, ticket_id, now=None) -> Ticket
  reverse_payment(session, *, scope, actor, ticket_id, reason, now=None) -> TicketPayment
  get_ticket(session, scope, ticket_id) / find_ticket_by_number(session, scope, number) -> Ticket
  availability(session, *, scope, vendedor_id, sorteo_id, numbers, now=None, multiplier_id=None)
              -> dict[number, Availability]
  rebuild_accumulators / compare_accumulators(session, sorteo_id); apply_exposure(session, *,
              ticket, jugadas, sign) (lista exclusions: −1, inclusions: +1; lock the ticket first)
Errors: app.errors.DomainError subclasses; SaleRejected carries per-number messages (`numbers`),
per-line messages (`line_errors`, index of the LineInput) and the engine's `violations`.
A fresh sale's SaleResult.ticket is a services.SoldTicket: Ticket's attribute names plus
`jugadas`, `sorteo_name`, `sorteo_scheduled_at`, `loteria_name`, `vendedor_name` (no reload needed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from app.errors import DomainError


@dataclass(frozen=True)
class LineInput:
    type: str  # "NUMERO" | "REVENTADO"
    number: str  # zero-padded to the sorteo's digits
    amount: Decimal  # whole colones > 0
    multiplier_id: UUID | None = None  # NUMERO only


@dataclass
class SaleResult:
    # A fresh sale: app.sales.services.SoldTicket (plain values, Ticket's attribute names, with
    # `jugadas`); a replay: the stored app.sales.models.Ticket.
    ticket: object
    replayed: bool = False  # True when the idempotency key returned an existing ticket
    draft_reset: bool = False  # True when the sale's statement also reset the seller's draft


@dataclass
class Availability:
    number: str
    remaining: Decimal | None  # None = sin tope
    limit: Decimal | None
    accumulated: Decimal
    blocked: bool = False
    message: str | None = None


class SaleRejected(DomainError):
    """The sale was refused; `numbers` maps each failing number to its Spanish message."""

    status = 409

    def __init__(self, message: str, *, numbers: dict[str, str] | None = None, status: int | None = None,
                 field: str | None = None, line_errors: dict[int, str] | None = None,
                 violations: list | None = None):
        super().__init__(message, status=status, field=field)
        self.numbers = numbers or {}
        # Index of the failing LineInput → its message (shape / lotería / multiplier checks).
        self.line_errors = line_errors or {}
        # The restriction engine's Violation objects (number, available, rule) for 409 refusals.
        self.violations = violations or []
