"""Demo sales (idempotent): yesterday's and today's tiquetes, all sold through sell_ticket.

- Every sorteo of today that already drew (created here if the draws seed skipped past instants)
  is opened, sold into with sale instants before its cutoff, closed and evaluated with a number
  that has bets on it; most of its winners are paid (some in part), a few wait at the counter.
- Today's OPEN sorteos get sales up to now (the next draws of the day fill as the page is used).
- About one tiquete in twenty is cancelled ("anulado") before its cutoff.
A day for which the demo banca already has tiquetes is skipped.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import exists, select

from app.draws.models import Loteria, LoteriaMultiplier, MultiplierKind, Sorteo, SorteoStatus
from app.errors import DomainError
from app.sales.models import Ticket, TicketStatus
from app.sales.schemas import LineInput
from app.scope import scope_for_user
from app.tz import cr_combine, cr_day_bounds, cr_today, utcnow

AMOUNTS = [100, 100, 200, 200, 250, 500, 500, 1000, 1000, 2000, 5000]
CLIENTES = [None, None, None, "Doña Rosa", "Don Chepe", "Marielos", "Jorge V.", "Ana Lucía"]
FAVORITES = ["07", "13", "15", "21", "27", "33", "44", "55", "69", "77", "88", "99"]


def seed_demo(session, demo, *, now: datetime | None = None) -> None:
    """Give the demo banca yesterday's and today's sales, cancellations, evaluations and payments;
    a day that already has tiquetes is left alone (idempotent)."""
    now = now or utcnow()
    today = cr_today(now)
    for day in (today - timedelta(days=1), today):
        if session.scalar(select(exists().where(Ticket.banca_id == demo.banca.id, Ticket.business_date == day))):
            continue
        _seed_day(session, demo, day, now, random.Random(f"{demo.banca.id}-{day}"))
    session.flush()


def _seed_day(session, demo, day, now: datetime, rnd: random.Random) -> None:
    _ensure_past_sorteos(session, demo, day, now)
    start, end = cr_day_bounds(day)
    sorteos = session.scalars(select(Sorteo).where(Sorteo.banca_id == demo.banca.id, Sorteo.is_active.is_(True),
                                                   Sorteo.scheduled_at >= start, Sorteo.scheduled_at < end)
                              .order_by(Sorteo.scheduled_at)).all()
    day_open = cr_combine(day, "07:00")
    for sorteo in sorteos:
        past = sorteo.scheduled_at <= now
        if past and sorteo.status == SorteoStatus.SCHEDULED:
            from app.draws.lifecycle import do_open
            do_open(session, sorteo, actor_id=None, now=day_open, source="demo")
        if sorteo.status != SorteoStatus.OPEN:
            continue
        last = min(sorteo.scheduled_at - timedelta(minutes=16), now - timedelta(minutes=1))
        if last <= day_open:
            continue
        count = rnd.randint(14, 22) if past else rnd.randint(6, 12)
        tickets = _sell_day(session, demo, sorteo, rnd, day_open, last, count=count)
        if past:
            _close_evaluate_pay(session, demo, sorteo, tickets, rnd)


def _ensure_past_sorteos(session, demo, day, now) -> None:
    """The day's draws that already happened (the draws seed only creates future ones)."""
    from app.draws.lifecycle import GenerationReport, insert_missing
    from app.draws.rules import loteria_rules, occurrences
    for loteria in session.scalars(select(Loteria).where(Loteria.banca_id == demo.banca.id,
                                                         Loteria.is_active.is_(True))):
        occs = [o for o in occurrences(loteria.name, loteria_rules(loteria), day, 1)
                if o.scheduled_at <= now - timedelta(minutes=20)]
        if occs:
            insert_missing(session, loteria, occs, GenerationReport())
    session.flush()


def _multipliers(session, loteria_id) -> list[LoteriaMultiplier]:
    return session.scalars(select(LoteriaMultiplier).where(
        LoteriaMultiplier.loteria_id == loteria_id, LoteriaMultiplier.is_active.is_(True),
        LoteriaMultiplier.kind == MultiplierKind.NUMERO).order_by(LoteriaMultiplier.value_x.desc())).all()


def _lines(rnd: random.Random, sorteo: Sorteo, mults, reventado: bool) -> list[LineInput]:
    count = rnd.choice([1, 1, 2, 2, 3, 3, 4, 5])
    numbers = set()
    while len(numbers) < count:
        if sorteo.digits == 2 and rnd.random() < 0.35:
            numbers.add(rnd.choice(FAVORITES))
        else:
            numbers.add(f"{rnd.randrange(10 ** sorteo.digits):0{sorteo.digits}d}")
    mult = mults[0] if rnd.random() < 0.8 or len(mults) == 1 else rnd.choice(mults[1:])
    amount = Decimal(rnd.choice(AMOUNTS if sorteo.digits == 2 else AMOUNTS[:8]))
    lines = [LineInput("NUMERO", n, amount, mult.id) for n in sorted(numbers)]
    if reventado and rnd.random() < 0.3:
        lines += [LineInput("REVENTADO", n, max(Decimal(100), amount / 2)) for n in sorted(numbers)[:2]]
    return lines


def _sell_day(session, demo, sorteo: Sorteo, rnd, first: datetime, last: datetime, *, count: int) -> list:
    from app.sales import services
    mults = _multipliers(session, sorteo.loteria_id)
    if not mults:
        return []
    reventado = bool(((sorteo.loteria.rules or {}).get("reventado") or {}).get("enabled"))
    span = (last - first).total_seconds()
    instants = sorted(first + timedelta(seconds=rnd.uniform(0, span)) for _ in range(count))
    sold = []
    for i, at in enumerate(instants):
        vendedor = rnd.choice(demo.vendedores)
        actor = vendedor if rnd.random() < 0.85 else demo.listeros[0 if vendedor.ventana_id == demo.ventanas[0].id
                                                                   else 1]
        try:
            with session.begin_nested():
                result = services.sell_ticket(
                    session, scope=scope_for_user(actor, demo.banca.id), actor=actor, vendedor_id=vendedor.id,
                    sorteo_id=sorteo.id, lines=_lines(rnd, sorteo, mults, reventado),
                    cliente_nombre=rnd.choice(CLIENTES), idempotency_key=f"demo-{sorteo.id.hex[:12]}-{i:04d}",
                    now=at)
        except DomainError:
            continue  # a demo restriction rule refused it: the seller would change the ticket
        ticket = result.ticket
        sold.append((ticket.id, vendedor, at))
        if rnd.random() < 0.05:
            with session.begin_nested():
                services.cancel_ticket(session, scope=scope_for_user(vendedor, demo.banca.id), actor=vendedor,
                                       ticket_id=ticket.id, reason="El cliente cambió de números",
                                       now=at + timedelta(minutes=2))
    return sold


def _close_evaluate_pay(session, demo, sorteo: Sorteo, sold: list, rnd) -> None:
    from app.draws.evaluation import evaluate_sorteo
    from app.draws.lifecycle import do_close
    from app.sales import services
    do_close(session, sorteo, actor_id=None, now=sorteo.scheduled_at, source="demo")
    live = [tid for tid, _, _ in sold if session.get(Ticket, tid).status == TicketStatus.ACTIVE]
    if live and rnd.random() < 0.8:  # most draws of the day have a winner at the counter
        jugada = rnd.choice(session.get(Ticket, rnd.choice(live)).jugadas)
        number = jugada.number
    else:
        number = f"{rnd.randrange(10 ** sorteo.digits):0{sorteo.digits}d}"
    roja = session.scalar(select(LoteriaMultiplier).where(
        LoteriaMultiplier.loteria_id == sorteo.loteria_id, LoteriaMultiplier.kind == MultiplierKind.REVENTADO,
        LoteriaMultiplier.is_active.is_(True)))
    extra = roja.id if roja is not None and rnd.random() < 0.5 else None
    evaluate_sorteo(session, sorteo_id=sorteo.id, number=number, extra_multiplier_id=extra, actor_id=demo.admin.id,
                    now=sorteo.scheduled_at + timedelta(minutes=4))
    session.flush()
    admin_scope = scope_for_user(demo.admin, demo.banca.id)
    for tid, vendedor, _ in sold:
        ticket = session.get(Ticket, tid)
        session.refresh(ticket)
        if not ticket.is_winner or rnd.random() < 0.25:
            continue  # still waiting for its owner at the counter
        partial = rnd.random() < 0.2
        amount = (ticket.total_payout / 2).quantize(Decimal("1")) if partial else ticket.total_payout
        with session.begin_nested():
            services.pay_ticket(session, scope=admin_scope, actor=demo.admin, ticket_id=tid, amount=amount,
                                method=rnd.choice(["cash", "cash", "sinpe"]), reference=None, notes=None,
                                is_final=False, idempotency_key=f"demo-pay-{tid.hex}",
                                now=sorteo.scheduled_at + timedelta(minutes=rnd.randint(20, 240)))
