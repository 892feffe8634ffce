"""Evaluation, payouts and revert (DOMAIN §14, D11, D12): set-based SQL, one transaction.

`check_evaluation` is shared by the route (422/409 before enqueueing, and the preview) and the
`evaluate_sorteo` job, which re-checks under the sorteo row lock. Re-running the job with the same
result is a no-op.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update

from app.audit.services import record
from app.draws import queries
from app.draws.catalogue import _expire, as_uuid
from app.draws.lifecycle import SorteoStateConflict, _label, _reason, lock_sorteo
from app.draws.models import LoteriaMultiplier, MultiplierKind, Sorteo, SorteoStatus
from app.errors import InvalidInput, NotFound, OutOfScope
from app.sales.models import Jugada, Ticket, TicketStatus
from app.scope import Scope
from app.tz import format_date, format_time, utcnow


@dataclass(frozen=True)
class EvaluationInput:
    number: str
    extra_multiplier_id: uuid.UUID | None
    extra_x: Decimal
    label: str | None
    extra_name: str | None = None


@dataclass
class EvaluationResult:
    sorteo_id: uuid.UUID
    number: str
    extra_x: Decimal
    tickets: int  # live tickets evaluated
    winners: int
    total_payout: Decimal
    changed: bool


def check_state_for_evaluation(sorteo: Sorteo, now: datetime) -> None:
    """D11: only a CLOSED sorteo, at or after its draw instant (409 otherwise)."""
    if sorteo.status == SorteoStatus.OPEN:
        raise SorteoStateConflict("El sorteo sigue abierto: cierre las ventas antes de evaluarlo.")
    if sorteo.status == SorteoStatus.EVALUATED:
        raise SorteoStateConflict(f"El sorteo ya está evaluado (número {sorteo.winning_number}). Revierta la "
                                  f"evaluación para corregirla.")
    if sorteo.status != SorteoStatus.CLOSED:
        raise SorteoStateConflict(f"Solo se puede evaluar un sorteo cerrado (estado actual: "
                                  f"{_label(sorteo.status)}).")
    if now < sorteo.scheduled_at:
        raise SorteoStateConflict(f"Aún no es la hora del sorteo ({format_time(sorteo.scheduled_at)}): "
                                  f"no se puede evaluar antes del sorteo.")


def check_evaluation(session, sorteo: Sorteo, *, number: str, extra_multiplier_id=None,
                     label: str | None = None) -> EvaluationInput:
    """Validate the result (422): exactly the sorteo's digits; the REVENTADO multiplier active, of this
    lotería, kind REVENTADO and, when sorteo-specific, for this sorteo."""
    number = (number or "").strip()
    if not number.isdigit() or len(number) != sorteo.digits:
        raise InvalidInput(f"El número ganador debe tener exactamente {sorteo.digits} cifras.",
                           field="winning_number")
    label = " ".join((label or "").split()) or None
    if label and len(label) > 50:
        raise InvalidInput("La etiqueta del resultado admite hasta 50 caracteres.", field="label")
    if not extra_multiplier_id:
        return EvaluationInput(number, None, Decimal(0), label)
    try:
        mult = session.get(LoteriaMultiplier, as_uuid(extra_multiplier_id))
    except NotFound:
        mult = None
    if (mult is None or not mult.is_active or mult.loteria_id != sorteo.loteria_id
            or mult.kind != MultiplierKind.REVENTADO
            or (mult.applies_to_sorteo_id is not None and mult.applies_to_sorteo_id != sorteo.id)):
        raise InvalidInput("El multiplicador reventado no es válido para este sorteo.",
                           field="extra_multiplier_id")
    return EvaluationInput(number, mult.id, Decimal(mult.value_x), label or mult.name, mult.name)


def _sorteo_for(session, scope: Scope, sorteo_id) -> Sorteo:
    if not scope.is_admin:
        raise OutOfScope("Solo un administrador puede evaluar sorteos.")
    sorteo = session.get(Sorteo, as_uuid(sorteo_id, "El sorteo no existe."))
    if sorteo is None:
        raise NotFound("El sorteo no existe.")
    if sorteo.banca_id != scope.banca_id:
        raise OutOfScope()
    return sorteo


def prepare_evaluation(session, *, scope: Scope, sorteo_id, number: str, extra_multiplier_id=None,
                       label: str | None = None, now: datetime | None = None):
    """The route's check before the preview and before enqueueing: (sorteo, EvaluationInput, preview)."""
    sorteo = _sorteo_for(session, scope, sorteo_id)
    check_state_for_evaluation(sorteo, now or utcnow())
    data = check_evaluation(session, sorteo, number=number, extra_multiplier_id=extra_multiplier_id,
                            label=label)
    return sorteo, data, queries.evaluation_preview(session, sorteo.id, data.number, data.extra_x)


def evaluate_sorteo(session, *, sorteo_id, number: str, extra_multiplier_id=None, label: str | None = None,
                    actor_id=None, now: datetime | None = None) -> EvaluationResult:
    """§14 steps 1–5 in the caller's transaction with the sorteo row locked; same result twice → no-op.

    Raises 404, 409 (state/time, or already evaluated with another result) and 422 (input)."""
    now = now or utcnow()
    sorteo = lock_sorteo(session, sorteo_id)
    if sorteo is None:
        raise NotFound("El sorteo no existe.")
    data = check_evaluation(session, sorteo, number=number, extra_multiplier_id=extra_multiplier_id,
                            label=label)
    if sorteo.status == SorteoStatus.EVALUATED and sorteo.winning_number == data.number \
            and sorteo.extra_multiplier_id == data.extra_multiplier_id:
        return EvaluationResult(sorteo.id, data.number, data.extra_x, 0, 0, Decimal(0), changed=False)
    check_state_for_evaluation(sorteo, now)
    sid, n, x = sorteo.id, data.number, data.extra_x
    sorteo.status, sorteo.winning_number = SorteoStatus.EVALUATED, n
    sorteo.extra_multiplier_id, sorteo.extra_multiplier_x = data.extra_multiplier_id, x
    sorteo.extra_outcome_code, sorteo.evaluated_at, sorteo.evaluated_by = data.label, now, actor_id
    session.flush()
    _pay_jugadas(session, sid, n, x, data.extra_multiplier_id)
    tickets, winners, total = _settle_tickets(session, sid)
    sorteo.has_winner = winners > 0
    session.flush()
    _expire(session, Ticket, Jugada)
    extra = f" con reventado {data.extra_name}" if data.extra_multiplier_id else ""
    record(session, action="SORTEO_EVALUATE", layer="draws", actor_id=actor_id, banca_id=sorteo.banca_id,
           target_type="sorteo", target_id=sid,
           description=f"Sorteo {sorteo.name} del {format_date(sorteo.scheduled_at)} evaluado: número {n}"
                       f"{extra}; {winners} tiquete{'s' if winners != 1 else ''} ganador"
                       f"{'es' if winners != 1 else ''}",
           details={"number": n, "extra": data.extra_name, "extra_x": x, "label": data.label,
                    "has_winner": winners > 0, "tickets": tickets, "winners": winners,
                    "total_payout": total, "from": "CLOSED", "to": "EVALUATED"})
    return EvaluationResult(sid, n, x, tickets, winners, total, changed=True)


def _pay_jugadas(session, sid, number: str, x: Decimal, extra_id) -> None:
    """Steps 2–3: winning NUMERO jugadas pay amount × frozen multiplier; REVENTADO ones amount × X."""
    base = (Jugada.sorteo_id == sid, Jugada.number == number, Jugada.is_active.is_(True),
            Jugada.is_excluded.is_(False), queries.ticket_is_live())
    session.execute(update(Jugada).where(*base, Jugada.type == MultiplierKind.NUMERO)
                    .values(is_winner=True, payout=func.round(Jugada.amount * Jugada.final_multiplier_x, 2))
                    .execution_options(synchronize_session=False))
    if x > 0:
        session.execute(update(Jugada).where(*base, Jugada.type == MultiplierKind.REVENTADO)
                        .values(is_winner=True, final_multiplier_x=x, multiplier_id=extra_id,
                                payout=func.round(Jugada.amount * x, 2))
                        .execution_options(synchronize_session=False))


def _settle_tickets(session, sid) -> tuple[int, int, Decimal]:
    """Step 4: winners get Σ payouts; every other live ticket is EVALUATED with payout 0."""
    won = (select(Jugada.ticket_id, func.sum(Jugada.payout).label("total"))
           .where(Jugada.sorteo_id == sid, Jugada.is_winner.is_(True)).group_by(Jugada.ticket_id).subquery())
    payouts = session.scalars(  # UPDATE … FROM the grouped winning jugadas (one join, no per-row subquery)
        update(Ticket).where(Ticket.id == won.c.ticket_id, Ticket.status == TicketStatus.ACTIVE)
        .values(status=TicketStatus.EVALUATED, is_winner=True, total_payout=won.c.total,
                remaining_amount=won.c.total, total_paid=0, accepted_remainder=0)
        .returning(Ticket.total_payout).execution_options(synchronize_session=False)).all()
    losers = session.execute(
        update(Ticket).where(Ticket.sorteo_id == sid, Ticket.status == TicketStatus.ACTIVE)
        .values(status=TicketStatus.EVALUATED, is_winner=False, total_payout=0, remaining_amount=0,
                total_paid=0, accepted_remainder=0)
        .execution_options(synchronize_session=False)).rowcount
    total = sum((Decimal(str(p)) for p in payouts), Decimal(0)).quantize(Decimal("0.01"))
    return len(payouts) + losers, len(payouts), total


def revert_evaluation(session, *, scope: Scope, sorteo_id, reason: str) -> Sorteo:
    """EVALUATED → CLOSED with a reason (SORTEO_REVERT, D12): refused (409) while any non-reversed prize
    payment exists; jugadas and tickets back to their pre-evaluation state."""
    reason = _reason(reason)
    if not scope.is_admin:
        raise OutOfScope("Solo un administrador puede revertir una evaluación.")
    sorteo = lock_sorteo(session, sorteo_id)
    if sorteo is None:
        raise NotFound("El sorteo no existe.")
    if sorteo.banca_id != scope.banca_id:
        raise OutOfScope()
    if sorteo.status != SorteoStatus.EVALUATED:
        raise SorteoStateConflict(f"Solo se puede revertir un sorteo evaluado (estado actual: "
                                  f"{_label(sorteo.status)}).")
    payments = queries.live_payment_count(session, sorteo.id)
    if payments:
        raise SorteoStateConflict(f"No se puede revertir: hay {payments} pago{'s' if payments != 1 else ''} de "
                                  f"premios vigente{'s' if payments != 1 else ''}. Reviértalos primero.")
    previous = {"number": sorteo.winning_number, "extra_multiplier_id": sorteo.extra_multiplier_id,
                "extra_x": sorteo.extra_multiplier_x, "label": sorteo.extra_outcome_code,
                "has_winner": sorteo.has_winner}
    sid = sorteo.id
    session.execute(update(Jugada).where(Jugada.sorteo_id == sid, Jugada.type == MultiplierKind.REVENTADO,
                                         Jugada.multiplier_id.is_not(None))
                    .values(final_multiplier_x=0, multiplier_id=None)
                    .execution_options(synchronize_session=False))
    session.execute(update(Jugada).where(Jugada.sorteo_id == sid,
                                         (Jugada.is_winner.is_(True)) | (Jugada.payout.is_not(None)))
                    .values(is_winner=False, payout=None).execution_options(synchronize_session=False))
    session.execute(update(Ticket).where(Ticket.sorteo_id == sid,
                                         Ticket.status.in_([TicketStatus.EVALUATED, TicketStatus.PAID]))
                    .values(status=TicketStatus.ACTIVE, is_winner=False, total_payout=0, total_paid=0,
                            remaining_amount=0, accepted_remainder=0)
                    .execution_options(synchronize_session=False))
    sorteo.status, sorteo.winning_number, sorteo.extra_multiplier_id = SorteoStatus.CLOSED, None, None
    sorteo.extra_multiplier_x, sorteo.extra_outcome_code, sorteo.has_winner = Decimal(0), None, False
    sorteo.evaluated_at = sorteo.evaluated_by = None
    session.flush()
    _expire(session, Ticket, Jugada)
    record(session, action="SORTEO_REVERT", layer="draws", actor_id=scope.user_id, banca_id=sorteo.banca_id,
           target_type="sorteo", target_id=sid,
           description=f"Evaluación del sorteo {sorteo.name} del {format_date(sorteo.scheduled_at)} revertida "
                       f"(número {previous['number']}): {reason}",
           details={"previous": previous, "reason": reason, "from": "EVALUATED", "to": "CLOSED"})
    return sorteo


def has_live_payments(session, sorteo_id) -> bool:
    return bool(queries.live_payment_count(session, sorteo_id))


__all__ = ["EvaluationInput", "EvaluationResult", "check_state_for_evaluation", "check_evaluation",
           "prepare_evaluation", "evaluate_sorteo", "revert_evaluation", "has_live_payments"]
