"""Paying winners — the one payment path (DOMAIN §15, D10): pay (partial / full / final),
finalize, reverse. Each locks the ticket row first; routes use `unit_of_work(immediate=True)`.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from app.audit.services import record
from app.draws.models import Sorteo, SorteoStatus
from app.errors import Conflict, InvalidInput, OutOfScope
from app.formatting import format_colones
from app.org.models import Banca
from app.sales.checks import check_key
from app.sales.lifecycle import lock_ticket
from app.sales.models import PaymentMethod, Ticket, TicketPayment, TicketStatus
from app.scope import Scope
from app.tz import utcnow

LAYER = "sales"
CENT = Decimal("0.01")
ZERO = Decimal(0)


def _check_payer(session, scope: Scope, ticket: Ticket) -> None:
    """VENDEDOR his own tickets when the banca's vendedor_can_pay; VENTANA his ventana's; ADMIN banca-wide."""
    if not scope.allows(banca_id=ticket.banca_id, ventana_id=ticket.ventana_id, vendedor_id=ticket.vendedor_id):
        raise OutOfScope("No puede pagar premios de tiquetes de otro vendedor.")
    if scope.is_vendedor:
        banca = session.get(Banca, ticket.banca_id)
        if banca is not None and not banca.setting("vendedor_can_pay"):
            raise OutOfScope("La banca no permite que los vendedores paguen premios.")


def _check_payable(session, ticket: Ticket) -> None:
    sorteo = session.get(Sorteo, ticket.sorteo_id)
    if sorteo.status != SorteoStatus.EVALUATED:
        raise Conflict(f"El sorteo {sorteo.name} todavía no tiene resultado; no se pueden pagar premios.")
    if ticket.status == TicketStatus.CANCELLED:
        raise Conflict(f"El tiquete {ticket.ticket_number} está anulado.")
    if not ticket.is_winner:
        raise Conflict(f"El tiquete {ticket.ticket_number} no ganó.")
    if ticket.status == TicketStatus.PAID:
        raise Conflict(f"El premio del tiquete {ticket.ticket_number} ya está pagado.")
    if ticket.status != TicketStatus.EVALUATED:
        raise Conflict(f"El tiquete {ticket.ticket_number} no se puede pagar en su estado actual.")


def remaining_of(ticket: Ticket) -> Decimal:
    """remaining = total_payout − total_paid − accepted_remainder (§15)."""
    return Decimal(ticket.total_payout) - Decimal(ticket.total_paid) - Decimal(ticket.accepted_remainder or 0)


def _amount(value) -> Decimal:
    try:
        dec = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        dec = None
    if dec is None or not dec.is_finite() or dec <= 0 or dec != dec.quantize(CENT):
        raise InvalidInput("El monto debe ser mayor que 0, con hasta 2 decimales.", field="amount")
    return dec.quantize(CENT)


def _method(value) -> PaymentMethod:
    try:
        return value if isinstance(value, PaymentMethod) else PaymentMethod(str(value))
    except ValueError:
        raise InvalidInput("Elija el método de pago.", field="method") from None


def _text(value, limit: int, field: str, label: str) -> str | None:
    text = " ".join(str(value or "").split())
    if len(text) > limit:
        raise InvalidInput(f"{label} admite como máximo {limit} caracteres.", field=field)
    if not text.isprintable():
        raise InvalidInput(f"{label} contiene caracteres no válidos.", field=field)
    return text or None


def payment_hash(*, ticket_id, amount: Decimal, method: PaymentMethod, reference, notes, is_final: bool) -> str:
    doc = {"ticket": str(ticket_id), "amount": str(amount), "method": method.value, "reference": reference or "",
           "notes": notes or "", "final": bool(is_final)}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def pay_ticket(session, *, scope: Scope, actor, ticket_id, amount, method, reference=None, notes=None,
               is_final: bool = False, idempotency_key: str, now: datetime | None = None) -> TicketPayment:
    """Register a prize payment: partial (stays EVALUATED), full or final (PAID; a final one
    accepts the remainder). 422 bad amount / over-payment; 409 sorteo not EVALUATED, not a
    winner, already paid, key reused with another payload; 403 scope. Same key + payload → the
    same payment, no second audit."""
    now = now or utcnow()
    key = check_key(idempotency_key)
    if key is None:
        raise InvalidInput("El pago no tiene una clave válida; recargue la página.", field="idempotency_key")
    amount, method = _amount(amount), _method(method)
    reference = _text(reference, 100, "reference", "La referencia")
    notes = _text(notes, 500, "notes", "La nota")
    ticket = lock_ticket(session, ticket_id)
    _check_payer(session, scope, ticket)
    digest = payment_hash(ticket_id=ticket.id, amount=amount, method=method, reference=reference, notes=notes,
                          is_final=is_final)
    existing = session.scalar(select(TicketPayment).where(TicketPayment.idempotency_key == key))
    if existing is not None:
        if existing.idempotency_hash != digest:
            raise Conflict("Este pago ya se registró con otros datos. Recargue la página.", field="idempotency_key")
        return existing
    _check_payable(session, ticket)
    remaining = remaining_of(ticket)
    if amount > remaining:
        raise InvalidInput(f"El pago es mayor que el premio pendiente ({format_colones(remaining)}).",
                           field="amount")
    after = remaining - amount
    actor_id = getattr(actor, "id", actor) or scope.user_id
    payment = TicketPayment(ticket_id=ticket.id, amount=amount, method=method, reference=reference, notes=notes,
                            paid_by=actor_id, paid_at=now, is_partial=after > 0 and not is_final,
                            remaining_after=ZERO if is_final else after, is_final=bool(is_final),
                            idempotency_key=key, idempotency_hash=digest)
    session.add(payment)
    ticket.total_paid = Decimal(ticket.total_paid) + amount
    ticket.last_payment_at = now
    if after == 0 or is_final:
        ticket.status = TicketStatus.PAID
        ticket.accepted_remainder = after
    ticket.remaining_amount = remaining_of(ticket)
    kind = "total" if after == 0 else ("final" if is_final else "parcial")
    record(session, action="TICKET_PAY", layer=LAYER, actor_id=actor_id, banca_id=ticket.banca_id,
           target_type="ticket", target_id=ticket.id,
           description=(f"Premio del tiquete #{ticket.ticket_number}: pago {kind} de {format_colones(amount)} "
                        f"({method.label}); pendiente {format_colones(ZERO if is_final else after)}"),
           details={"ticket_number": ticket.ticket_number, "amount": amount, "method": method.value,
                    "reference": reference, "is_final": bool(is_final), "remaining_after": after})
    if is_final and after > 0:
        _audit_finalize(session, ticket, actor_id, after)
    session.flush()
    return payment


def _audit_finalize(session, ticket: Ticket, actor_id, accepted: Decimal) -> None:
    record(session, action="TICKET_PAY_FINALIZE", layer=LAYER, actor_id=actor_id, banca_id=ticket.banca_id,
           target_type="ticket", target_id=ticket.id,
           description=(f"Premio del tiquete #{ticket.ticket_number} finalizado: se acepta el restante de "
                        f"{format_colones(accepted)}"),
           details={"ticket_number": ticket.ticket_number, "accepted_remainder": accepted})


def finalize_ticket(session, *, scope: Scope, actor, ticket_id, now: datetime | None = None) -> Ticket:
    """"Finalizar" a partly paid winner: PAID with the remainder accepted, no payment row;
    audits TICKET_PAY_FINALIZE. Same permissions and preconditions as paying."""
    ticket = lock_ticket(session, ticket_id)
    _check_payer(session, scope, ticket)
    _check_payable(session, ticket)
    if Decimal(ticket.total_paid) <= 0:
        raise Conflict("Registre primero un pago; solo se finaliza un premio pagado en parte.")
    remaining = remaining_of(ticket)
    actor_id = getattr(actor, "id", actor) or scope.user_id
    ticket.status = TicketStatus.PAID
    ticket.accepted_remainder = Decimal(ticket.accepted_remainder or 0) + remaining
    ticket.remaining_amount = ZERO
    _audit_finalize(session, ticket, actor_id, remaining)
    session.flush()
    return ticket


def reverse_payment(session, *, scope: Scope, actor, ticket_id, reason: str,
                    now: datetime | None = None) -> TicketPayment:
    """ADMIN only (403): undo the latest live payment (stack order) with a reason 5–500 (422);
    the ticket goes back to EVALUATED with the accepted remainder cleared. Audits
    TICKET_PAYMENT_REVERSE. 409 when nothing is left to reverse."""
    now = now or utcnow()
    if not scope.is_admin:
        raise OutOfScope("Solo el administrador puede revertir pagos de premios.")
    reason = " ".join(str(reason or "").split())
    if not 5 <= len(reason) <= 500 or not reason.isprintable():
        raise InvalidInput("Indique el motivo de la reversión (5 a 500 caracteres).", field="reason")
    ticket = lock_ticket(session, ticket_id)
    if not scope.allows(banca_id=ticket.banca_id):
        raise OutOfScope()
    payment = session.scalar(select(TicketPayment).where(TicketPayment.ticket_id == ticket.id,
                                                         TicketPayment.is_reversed.is_(False))
                             .order_by(TicketPayment.paid_at.desc(), TicketPayment.created_at.desc()).limit(1))
    if payment is None:
        raise Conflict(f"El tiquete {ticket.ticket_number} no tiene pagos para revertir.")
    actor_id = getattr(actor, "id", actor) or scope.user_id
    payment.is_reversed, payment.reversed_at, payment.reversed_by = True, now, actor_id
    payment.reverse_reason = reason
    ticket.total_paid = Decimal(ticket.total_paid) - Decimal(payment.amount)
    ticket.accepted_remainder = ZERO
    ticket.status = TicketStatus.EVALUATED
    ticket.remaining_amount = remaining_of(ticket)
    ticket.last_payment_at = session.scalar(
        select(TicketPayment.paid_at).where(TicketPayment.ticket_id == ticket.id, TicketPayment.is_reversed.is_(False),
                                            TicketPayment.id != payment.id)
        .order_by(TicketPayment.paid_at.desc()).limit(1))
    record(session, action="TICKET_PAYMENT_REVERSE", layer=LAYER, actor_id=actor_id, banca_id=ticket.banca_id,
           target_type="ticket", target_id=ticket.id,
           description=(f"Pago de {format_colones(payment.amount)} del tiquete #{ticket.ticket_number} "
                        f"revertido: {reason}"),
           details={"ticket_number": ticket.ticket_number, "payment_id": payment.id, "amount": payment.amount,
                    "reason": reason})
    session.flush()
    return payment
