"""Sales use cases: sell (DOMAIN §9, §11), cancel / restore / print (§12), prize payments (§15).

Every function takes `session` keyword-only and never commits. Transactions (DOMAIN §11.1):
routes run `sell_ticket`, `cancel_ticket`, `restore_ticket`, `pay_ticket`, `finalize_ticket` and
`reverse_payment` inside `app.db.unit_of_work(immediate=True)` (or
`run_in_transaction(fn, immediate=True)`, which also retries deadlocks and serialization
failures): on SQLite that is BEGIN IMMEDIATE, which holds the single writer lock from the first
read — without it the limit check is not atomic. On PostgreSQL READ COMMITTED is enough: the
accumulator upsert row-locks what it checks and the ticket counter is taken in the last
statement. Read values for the response before the commit if you want to avoid a reload (the
session expires objects on commit).

Public API (see app/sales/schemas.py for the plain values):
  sell_ticket, cancel_ticket, restore_ticket, record_print, pay_ticket, finalize_ticket,
  reverse_payment, get_ticket, find_ticket_by_number, availability, rebuild_accumulators,
  compare_accumulators, apply_exposure (for lista exclusions / inclusions).
"""
from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Sequence

from sqlalchemy.orm import selectinload

from app.audit.services import row_values
from app.auth.models import Role
from app.commissions import calc as commission_calc
from app.commissions.services import snapshot_for_sale
from app.draws.models import MultiplierKind
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.formatting import format_colones
from app.restrictions import rules as engine
from app.restrictions.domain import Line, SaleContext
from app.sales import checks, sale_path
from app.sales.config_cache import SaleConfig, get_sale_config
from app.sales.exposure import (apply_exposure, compare_accumulators, engine_lines,  # noqa: F401
                                rebuild_accumulators)
from app.sales.lifecycle import cancel_ticket, record_print, restore_ticket  # noqa: F401
from app.sales.models import Jugada, Ticket, TicketStatus
from app.sales.payments import finalize_ticket, pay_ticket, reverse_payment  # noqa: F401
from app.sales.schemas import Availability, LineInput, SaleRejected, SaleResult  # noqa: F401
from app.scope import Scope
from app.tz import cr_date_of, utcnow

ZERO = Decimal(0)
LAYER = "sales"


def _actor_id(actor, scope: Scope):
    return getattr(actor, "id", actor) or scope.user_id


def _rejected(problems: checks.Problems, lines: Sequence | None = None, *, status: int,
              raw: Sequence[LineInput] = ()) -> SaleRejected:
    by_position = {i: str(getattr(line, "number", "") or "").strip() for i, line in enumerate(raw)}
    by_position.update({line.position: line.number for line in lines or ()})
    numbers: dict[str, str] = {}
    for position, message in problems.lines.items():
        number = by_position.get(position)
        if number is not None:
            numbers[number] = f"{numbers[number]} {message}" if number in numbers else message
    return SaleRejected(" ".join(problems.messages()), numbers=numbers, status=status,
                        line_errors=dict(problems.lines))


def _violations_error(violations) -> SaleRejected:
    numbers: dict[str, str] = {}
    for v in violations:
        if v.number is not None:
            numbers[v.number] = f"{numbers[v.number]}. {v.message}" if v.number in numbers else v.message
    message = ". ".join(engine.violation_messages(violations))
    return SaleRejected(message, numbers=numbers, status=409, violations=list(violations))


# ------------------------------------------------------------------------------ sell

def sell_ticket(session, *, scope: Scope, actor, vendedor_id, sorteo_id, lines: Sequence[LineInput],
                cliente_nombre: str | None, idempotency_key: str, now: datetime | None = None,
                reset_draft: dict | None = None) -> SaleResult:
    """Sell one tiquete, all or nothing, in the validation order of DOMAIN §9.2.

    Raises SaleRejected (422 shape / lotería values / multipliers; 409 cutoff, sales hours,
    restriction rules — `numbers` maps every refused number to its message), OutOfScope (403),
    NotFound (404), Conflict (409: sorteo state, idempotency key reused with another payload).
    The same key with the same payload returns the existing tiquete (replayed=True, no audit).
    reset_draft ({"id", "user_id", "vendedor_id", "key", "now"}): on PostgreSQL the sale's own
    statement also empties that draft and stores the next key (result.draft_reset tells).
    Route: `unit_of_work(immediate=True)` (BEGIN IMMEDIATE on SQLite), see the module docstring.
    """
    now = now or utcnow()
    key = checks.check_key(idempotency_key)
    if key is None:
        raise InvalidInput("La venta no tiene una clave válida; recargue la página.", field="idempotency_key")
    cliente, cliente_error = checks.clean_cliente(cliente_nombre)
    if cliente_error:
        raise InvalidInput(cliente_error, field="cliente_nombre")
    if scope.is_vendedor:
        vendedor_id = scope.user_id  # DOMAIN §9.1: ignored for VENDEDOR
    vendedor_id, sorteo_id = _uuid_or_404(vendedor_id, "vendedor"), _uuid_or_404(sorteo_id, "sorteo")
    # Step 1 (shape) without the digit count, before touching the database; finished below.
    parsed, problems = checks.check_shape(lines, None)
    if problems:
        raise _rejected(problems, parsed, status=422, raw=lines)
    conn = session.connection()
    head = sale_path.load_head(conn, vendedor_id=vendedor_id, sorteo_id=sorteo_id, key=key)
    if head is None:
        raise NotFound("No se encontró el vendedor.")
    sale_lines, problems = checks.finish_shape(parsed, head.digits or 2)
    if problems:
        raise _rejected(problems, sale_lines, status=422)
    payload = checks.payload_hash(sorteo_id=sorteo_id, vendedor_id=vendedor_id, cliente_nombre=cliente,
                                  lines=sale_lines)
    if head.existing_ticket_id is not None:
        return _replay(session, scope, head.existing_ticket_id, head.existing_hash, payload)
    _check_actor(scope, head)
    _check_sorteo(scope, head)
    config = get_sale_config(session, head.banca_id, head.version)
    specs = config.rules_for(head.ventana_id, head.vendedor_id)
    ctx = SaleContext.at(now, vendedor_id=head.vendedor_id, ventana_id=head.ventana_id, banca_id=head.banca_id,
                         loteria_id=head.loteria_id, sorteo_id=head.sorteo_id, digits=head.digits,
                         scheduled_at=head.scheduled_at, loteria_name=head.loteria_name or "")
    loteria = config.loterias.get(head.loteria_id)
    closed = engine.check_cutoff(specs, ctx, now, loteria.closing_minutes if loteria else None)  # step 4
    if closed is not None:
        raise SaleRejected(f"{closed.message}. Elija otro sorteo.", status=409)
    business_date = cr_date_of(head.scheduled_at)
    _check_catalogue(config, head, sale_lines, now, business_date)  # steps 5–6
    eng_lines = [Line(sl.type, sl.number, sl.amount, sl.multiplier_id,
                      config.multipliers[sl.multiplier_id].value_x if sl.multiplier_id else None)
                 for sl in sale_lines]
    violations = engine.precheck_ticket(specs, eng_lines, ctx, now)  # step 7
    if violations:
        raise _violations_error(violations)
    # Step 9's values (commission snapshots, rows, audit) are ready before the row locks are
    # taken: between the accumulator upsert and the commit only the check and one statement run.
    sale = _build_sale(scope, actor, head, config, sale_lines, cliente, key, payload, business_date, now)
    rows = engine.required_accumulators(specs, eng_lines, ctx)  # step 8, atomic with the write
    sale.draft = reset_draft
    if conn.dialect.name == "postgresql" and getattr(sale_path.STRATEGY, "one_statement", False):
        return _sell_in_one_statement(session, scope, conn, sale, rows, specs, eng_lines, ctx, now, head, payload)
    needs_sales = any(r.base_amount and r.sales_percentage for r in specs if engine.rule_applies(r, ctx))
    accumulated, locked, deferred = sale_path.STRATEGY.reserve(conn, ctx, eng_lines, rows,
                                                               lock_ticket_rows=needs_sales)
    violations = engine.check_ticket(specs, eng_lines, ctx, accumulated, now)
    if violations:
        twin = sale_path.find_by_key(conn, key)
        if twin is not None:  # a double submit won the race: undo ours, answer with the twin
            sale_path.STRATEGY.compensate(conn, locked)
            return _replay(session, scope, twin[0], twin[1], payload)
        raise _violations_error(violations)
    sale.deferred = deferred
    number = sale_path.insert_sale(conn, sale)
    if number is None:  # the idempotency key was committed by a concurrent twin
        sale_path.STRATEGY.compensate(conn, [*locked, *deferred])
        twin = sale_path.find_by_key(conn, key)
        return _replay(session, scope, twin[0], twin[1], payload)
    return SaleResult(ticket=_attach(head, sale, number), replayed=False, draft_reset=sale.draft_done)


def _sell_in_one_statement(session, scope, conn, sale, rows, specs, eng_lines, ctx, now, head, payload):
    """PostgreSQL, steps 8–9 in one round trip: the accumulator rows (number rows, then TICKET
    rows, then the counter: the global lock order) are upserted and the sale inserted by one
    statement that returns the new totals; the limits are checked on them (minus this ticket's
    own deltas) before COMMIT. A refusal raises, and the caller's transaction rolls the whole sale
    back (ticket, jugadas, audit, counter, accumulators, draft): nothing is written."""
    number_rows, ticket_rows = sale_path.split_ticket_rows(rows)
    ordered_rows = number_rows + ticket_rows
    number, totals = sale_path.insert_checked(conn, sale, ordered_rows)
    if number is None:  # a double submit committed this key first: undo ours, answer with the twin
        sale_path.STRATEGY.compensate(conn, ordered_rows)
        twin = sale_path.find_by_key(conn, sale.ticket["idempotency_key"])
        return _replay(session, scope, twin[0], twin[1], payload)
    violations = engine.check_ticket(specs, eng_lines, ctx, sale_path.totals_before(ordered_rows, totals), now)
    if violations:
        raise _violations_error(violations)
    return SaleResult(ticket=_attach(head, sale, number), replayed=False, draft_reset=sale.draft_done)


def _uuid_or_404(value, what: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise NotFound(f"No se encontró el {what}.") from None


def _replay(session, scope: Scope, ticket_id, stored_hash: str | None, payload: str) -> SaleResult:
    if stored_hash != payload:
        raise Conflict("Esta venta ya se registró con otros datos. Recargue la página para empezar un "
                       "tiquete nuevo.", field="idempotency_key")
    ticket = session.get(Ticket, ticket_id, options=[selectinload(Ticket.jugadas)])
    if not scope.allows(banca_id=ticket.banca_id, ventana_id=ticket.ventana_id, vendedor_id=ticket.vendedor_id):
        raise OutOfScope()
    return SaleResult(ticket=ticket, replayed=True)


def _check_actor(scope: Scope, head: sale_path.Head) -> None:
    """Step 2: an active VENDEDOR with an active ventana in an active banca, within the scope."""
    if head.vendedor_role != Role.VENDEDOR.value or head.ventana_id is None:
        raise InvalidInput("Solo se vende a nombre de un vendedor.", field="vendedor")
    if not scope.allows(banca_id=head.banca_id, ventana_id=head.ventana_id, vendedor_id=head.vendedor_id):
        raise OutOfScope("No puede vender a nombre de ese vendedor.")
    if not head.vendedor_active:
        raise Conflict(f"El vendedor {head.vendedor_name} está inactivo y no puede vender.")
    if not (head.ventana_active and head.banca_active):
        raise Conflict("La ventana o la banca del vendedor está inactiva; no se puede vender.")


def _check_sorteo(scope: Scope, head: sale_path.Head) -> None:
    """Step 3: same banca, active, OPEN (D1: SCHEDULED, CLOSED and EVALUATED refuse), lotería active."""
    if head.sorteo_id is None or head.sorteo_banca_id != head.banca_id:
        raise NotFound("No se encontró el sorteo.")
    name = head.sorteo_name or "El sorteo"
    if not head.sorteo_active:
        raise Conflict(f"{name} no está activo. Elija otro sorteo.")
    if head.sorteo_status != "OPEN":
        state = {"SCHEDULED": "todavía no está abierto", "CLOSED": "ya cerró",
                 "EVALUATED": "ya tiene resultado"}.get(head.sorteo_status, "no está abierto")
        raise Conflict(f"{name} {state}. Elija otro sorteo.")
    if not head.loteria_active:
        raise Conflict(f"La lotería {head.loteria_name} está inactiva. Elija otro sorteo.")


def _check_catalogue(config: SaleConfig, head, sale_lines, now: datetime, business_date) -> None:
    """Steps 5 (lotería rules: 409 sales hours, 422 values) and 6 (multipliers, 422)."""
    loteria = config.loterias.get(head.loteria_id)
    if loteria is None:
        raise NotFound("No se encontró la lotería del sorteo.")
    closed = checks.check_sales_hours(loteria.rules, loteria.name, now)
    if closed:
        raise SaleRejected(closed, status=409)
    problems = checks.check_loteria(loteria.rules, loteria.name, sale_lines)
    if problems:
        raise _rejected(problems, sale_lines, status=422)
    problems = checks.check_multipliers(sale_lines, config.multipliers, loteria_id=head.loteria_id,
                                        loteria_name=loteria.name, sorteo_id=head.sorteo_id,
                                        business_date=business_date)
    if problems:
        raise _rejected(problems, sale_lines, status=422)


def _build_sale(scope, actor, head, config: SaleConfig, sale_lines, cliente, key, payload, business_date,
                now) -> sale_path.NewSale:
    """Step 9: commission snapshots (§13.3), totals, business date, row values."""
    mults = config.multipliers
    vend_pol, vent_pol, banca_pol = config.policies_for(head.ventana_id, head.vendedor_id)
    snap = snapshot_for_sale(
        lines=[commission_calc.Line(head.loteria_id, sl.type,
                                    mults[sl.multiplier_id].value_x if sl.multiplier_id else None, sl.amount)
               for sl in sale_lines],
        at=now, vendedor_policy=vend_pol, ventana_policy=vent_pol, banca_policy=banca_pol,
        cache_key=(head.banca_id, head.version, head.ventana_id, head.vendedor_id))
    ticket_id = uuid.uuid4()
    jugadas = []
    total = ZERO
    for sl, lc in zip(sale_lines, snap.lines):
        total += sl.amount
        jugadas.append({
            "id": uuid.uuid4(), "position": sl.position, "type": sl.type, "number": sl.number,
            "amount": sl.amount, "multiplier_id": sl.multiplier_id,
            "final_multiplier_x": mults[sl.multiplier_id].value_x if sl.multiplier_id else ZERO,
            "commission_percent": lc.percent, "commission_amount": lc.amount,
            "commission_rule_id": lc.rule_id, "listero_commission_amount": lc.listero_amount})
    actor_id = _actor_id(actor, scope)
    role = Role.VENDEDOR.value if actor_id == head.vendedor_id else scope.role.value
    ticket = {
        "id": ticket_id, "banca_id": head.banca_id, "loteria_id": head.loteria_id, "sorteo_id": head.sorteo_id,
        "ventana_id": head.ventana_id, "vendedor_id": head.vendedor_id, "business_date": business_date,
        "cliente_nombre": cliente, "total_amount": total, "total_commission": snap.total_commission,
        "total_listero_commission": snap.total_listero_commission, "status": TicketStatus.ACTIVE.value,
        "is_winner": False, "total_payout": ZERO, "total_paid": ZERO, "accepted_remainder": ZERO,
        "remaining_amount": ZERO, "print_count": 0, "created_by": actor_id, "created_by_role": role,
        "idempotency_key": key, "idempotency_hash": payload, "sorteo_closed": False,
        "created_at": now, "updated_at": now}
    mark = sale_path.TICKET_NUMBER_MARK
    summary = checks.line_summary(sale_lines, mults)
    audit = row_values(
        action="TICKET_CREATE", layer=LAYER, actor_id=actor_id, banca_id=head.banca_id, target_type="ticket",
        target_id=ticket_id,
        description=(f"Tiquete #{mark} vendido: {head.sorteo_name}, {len(sale_lines)} jugada"
                     f"{'s' if len(sale_lines) != 1 else ''}, total {format_colones(total)} — {summary}"),
        details={"ticket_number": mark, "sorteo_id": head.sorteo_id, "sorteo": head.sorteo_name,
                 "vendedor_id": head.vendedor_id, "vendedor": head.vendedor_name, "total": total,
                 "jugadas": len(sale_lines), "lines": summary, "role": role})
    return sale_path.NewSale(ticket=ticket, jugadas=jugadas, audit=audit, business_date=business_date,
                             prefix=checks.ticket_prefix(business_date), deferred=[])


_TICKET_FIELDS = frozenset(c.key for c in Ticket.__table__.columns) | {
    "sorteo_name", "sorteo_scheduled_at", "loteria_name", "vendedor_name"}
_JUGADA_FIELDS = frozenset(c.key for c in Jugada.__table__.columns) | {"ticket"}


class SoldJugada:
    """A jugada just inserted by the Core hot path: read-only values with the ORM attribute names."""

    __slots__ = ("_values",)

    def __init__(self, values: dict):
        self._values = values

    def __getattr__(self, name: str):
        if name in _JUGADA_FIELDS:
            return self._values.get(name)
        raise AttributeError(name)


class SoldTicket:
    """The ticket just sold, as plain values with Ticket's attribute names (no ORM object is built
    on the hot path; load `Ticket` with get_ticket() to modify it). `jugadas` in position order,
    built on first use (the sales page's response reads only the ticket's own values). Extras
    beyond Ticket's columns, known at sale time: sorteo_name, sorteo_scheduled_at, loteria_name,
    vendedor_name (the response needs no Sorteo reload)."""

    __slots__ = ("_values", "_rows", "_jugadas")

    def __init__(self, values: dict, rows: list[dict]):
        self._values, self._rows, self._jugadas = values, rows, None

    def __getattr__(self, name: str):
        if name in _TICKET_FIELDS:
            return self._values.get(name)
        raise AttributeError(name)

    @property
    def jugadas(self) -> list[SoldJugada]:
        if self._jugadas is None:
            common = {"ticket_id": self._values["id"], "sorteo_id": self._values["sorteo_id"], "is_winner": False,
                      "is_active": True, "is_excluded": False, "ticket": self}
            self._jugadas = [SoldJugada({**row, "type": MultiplierKind(row["type"]), **common})
                             for row in sorted(self._rows, key=lambda j: j["position"])]
        return self._jugadas


def _attach(head: sale_path.Head, sale: sale_path.NewSale, number: str) -> SoldTicket:
    values = dict(sale.ticket, status=TicketStatus.ACTIVE, ticket_number=number, sorteo_name=head.sorteo_name,
                  sorteo_scheduled_at=head.scheduled_at, loteria_name=head.loteria_name,
                  vendedor_name=head.vendedor_name)
    return SoldTicket(values, sale.jugadas)


# ------------------------------------------------------------------------------ reads

def get_ticket(session, scope: Scope, ticket_id) -> Ticket:
    """A ticket in the caller's scope with its jugadas; NotFound (404) / OutOfScope (403)."""
    ticket = session.get(Ticket, _uuid_or_404(ticket_id, "tiquete"), options=[selectinload(Ticket.jugadas)])
    if ticket is None:
        raise NotFound("No se encontró el tiquete.")
    if not scope.allows(banca_id=ticket.banca_id, ventana_id=ticket.ventana_id, vendedor_id=ticket.vendedor_id):
        raise OutOfScope("Ese tiquete no pertenece a su ámbito.")
    return ticket


def find_ticket_by_number(session, scope: Scope, number: str) -> Ticket:
    """Exact lookup by ticket number (typed or scanned), scope-checked."""
    from sqlalchemy import select
    wanted = checks.normalize_ticket_number(number)
    ticket = session.scalar(select(Ticket).where(Ticket.ticket_number == wanted)
                            .options(selectinload(Ticket.jugadas)))
    if ticket is None:
        raise NotFound(f"No existe el tiquete {wanted or '(vacío)'}.")
    if not scope.allows(banca_id=ticket.banca_id, ventana_id=ticket.ventana_id, vendedor_id=ticket.vendedor_id):
        raise OutOfScope("Ese tiquete no pertenece a su ámbito.")
    return ticket


def availability(session, *, scope: Scope, vendedor_id, sorteo_id, numbers, now: datetime | None = None,
                 multiplier_id=None) -> dict[str, Availability]:
    """Balances view (§10.3): per number what one more ticket may still put on it for the
    vendedor being sold for; numbers without a limit come back with remaining None ("sin tope")."""
    from app.restrictions.queries import accumulated_for
    now = now or utcnow()
    if scope.is_vendedor:
        vendedor_id = scope.user_id
    head = sale_path.load_head(session.connection(), vendedor_id=_uuid_or_404(vendedor_id, "vendedor"),
                               sorteo_id=_uuid_or_404(sorteo_id, "sorteo"), key="")
    if head is None:
        raise NotFound("No se encontró el vendedor.")
    _check_actor(scope, head)
    if head.sorteo_id is None or head.sorteo_banca_id != head.banca_id:
        raise NotFound("No se encontró el sorteo.")
    config = get_sale_config(session, head.banca_id, head.version)
    specs = config.rules_for(head.ventana_id, head.vendedor_id)
    ctx = SaleContext.at(now, vendedor_id=head.vendedor_id, ventana_id=head.ventana_id, banca_id=head.banca_id,
                         loteria_id=head.loteria_id, sorteo_id=head.sorteo_id, digits=head.digits,
                         scheduled_at=head.scheduled_at, loteria_name=head.loteria_name or "")
    numbers = [n for n in dict.fromkeys(str(n).strip().zfill(head.digits) for n in numbers) if n.isdigit()]
    found = engine.availability(specs, numbers, ctx, accumulated_for(session, ctx, numbers),
                                multiplier_id=multiplier_id)
    out = {}
    for number in numbers:
        a = found.get(number)
        if a is None:
            out[number] = Availability(number, None, None, ZERO)
            continue
        if a.blocked:
            message = f"Número {number} bloqueado en este sorteo"
        elif a.remaining == 0:
            message = f"Número {number}: sin cupo en este sorteo"
        else:
            message = f"Número {number}: quedan {format_colones(a.remaining)}"
        out[number] = Availability(number, a.remaining, a.limit, a.accumulated, a.blocked, message)
    return out


__all__ = [
    "Availability", "LineInput", "SaleRejected", "SaleResult", "apply_exposure", "availability",
    "cancel_ticket", "compare_accumulators", "finalize_ticket", "find_ticket_by_number", "get_ticket",
    "pay_ticket", "rebuild_accumulators", "record_print", "restore_ticket", "reverse_payment",
    "sell_ticket",
]
