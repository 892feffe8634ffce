"""Read side of the draws domain: lists, counts and aggregates (no writes)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select

from app.draws.models import Loteria, LoteriaMultiplier, MultiplierKind, Sorteo, SorteoStatus
from app.sales.models import Jugada, Ticket, TicketPayment, TicketStatus
from app.tz import cr_day_bounds

LIVE_STATUSES = (TicketStatus.ACTIVE, TicketStatus.EVALUATED, TicketStatus.PAID)


# ------------------------------------------------------------------------------ catalogue

def loterias_of(session, banca_id, *, active: bool | None = None, search: str | None = None,
                active_first: bool = False):
    stmt = select(Loteria).where(Loteria.banca_id == banca_id)
    if active is not None:
        stmt = stmt.where(Loteria.is_active.is_(active))
    if search:
        stmt = stmt.where(func.lower(Loteria.name).like(f"%{search.lower()}%"))
    order = (Loteria.is_active.desc(), Loteria.name) if active_first else (Loteria.name,)
    return session.scalars(stmt.order_by(*order)).all()


def loteria_ids_in_banca(session, banca_id, ids) -> set[uuid.UUID]:
    """Which of `ids` are loterías of the banca."""
    if not ids:
        return set()
    return set(session.scalars(select(Loteria.id).where(Loteria.banca_id == banca_id, Loteria.id.in_(ids))))


def loteria_by_name(session, banca_id, name: str):
    return session.scalar(select(Loteria).where(Loteria.banca_id == banca_id,
                                                func.lower(Loteria.name) == name.strip().lower()))


def multipliers_of(session, banca_id, *, loteria_id=None, kind: str | None = None,
                   active: bool | None = None):
    stmt = (select(LoteriaMultiplier).join(Loteria, Loteria.id == LoteriaMultiplier.loteria_id)
            .where(Loteria.banca_id == banca_id))
    if loteria_id:
        stmt = stmt.where(LoteriaMultiplier.loteria_id == loteria_id)
    if kind:
        stmt = stmt.where(LoteriaMultiplier.kind == MultiplierKind(kind))
    if active is not None:
        stmt = stmt.where(LoteriaMultiplier.is_active.is_(active))
    return session.scalars(stmt.order_by(Loteria.name, LoteriaMultiplier.kind,
                                         LoteriaMultiplier.value_x.desc())).all()


def active_multipliers_of_loteria(session, loteria_id):
    return session.scalars(select(LoteriaMultiplier).where(
        LoteriaMultiplier.loteria_id == loteria_id, LoteriaMultiplier.is_active.is_(True))
        .order_by(LoteriaMultiplier.kind, LoteriaMultiplier.value_x.desc())).all()


def reventado_multipliers_for(session, sorteo: Sorteo):
    """Active REVENTADO multipliers of the sorteo's lotería valid for it (§14 input)."""
    return session.scalars(select(LoteriaMultiplier).where(
        LoteriaMultiplier.loteria_id == sorteo.loteria_id, LoteriaMultiplier.is_active.is_(True),
        LoteriaMultiplier.kind == MultiplierKind.REVENTADO,
        or_(LoteriaMultiplier.applies_to_sorteo_id.is_(None),
            LoteriaMultiplier.applies_to_sorteo_id == sorteo.id))
        .order_by(LoteriaMultiplier.value_x.desc())).all()


# ------------------------------------------------------------------------------ sorteos

@dataclass
class SorteoFilters:
    day: date | None = None
    status: str | None = None
    loteria_id: uuid.UUID | None = None
    active: bool | None = True


@dataclass
class SorteoStats:
    tickets: int = 0  # every ticket, cancelled included (cancel/edit guards, §6)
    live_tickets: int = 0
    sales: Decimal = Decimal(0)
    winners: int = 0
    payouts: Decimal = Decimal(0)


def sorteos_page(session, banca_id, f: SorteoFilters, *, page: int = 1, per_page: int = 50):
    """(sorteos, total) of a banca ordered by draw instant."""
    stmt = select(Sorteo).where(Sorteo.banca_id == banca_id)
    if f.day is not None:
        start, end = cr_day_bounds(f.day)
        stmt = stmt.where(Sorteo.scheduled_at >= start, Sorteo.scheduled_at < end)
    if f.status:
        stmt = stmt.where(Sorteo.status == SorteoStatus(f.status))
    if f.loteria_id:
        stmt = stmt.where(Sorteo.loteria_id == f.loteria_id)
    if f.active is not None:
        stmt = stmt.where(Sorteo.is_active.is_(f.active))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(stmt.order_by(Sorteo.scheduled_at, Sorteo.name)
                           .offset((max(page, 1) - 1) * per_page).limit(per_page)).unique().all()
    return rows, total


def stats_for(session, sorteo_ids) -> dict[uuid.UUID, SorteoStats]:
    """Ticket counts, live sales and prizes per sorteo (one grouped query over those sorteos)."""
    ids = list(sorteo_ids)
    if not ids:
        return {}
    live = Ticket.status.in_(LIVE_STATUSES)
    stmt = (select(Ticket.sorteo_id, func.count(Ticket.id),
                   func.count(case((live, Ticket.id))),
                   func.coalesce(func.sum(case((live, Ticket.total_amount), else_=0)), 0),
                   func.count(case((and_(live, Ticket.is_winner.is_(True)), Ticket.id))),
                   func.coalesce(func.sum(case((live, Ticket.total_payout), else_=0)), 0))
            .where(Ticket.sorteo_id.in_(ids)).group_by(Ticket.sorteo_id))
    out = {sid: SorteoStats() for sid in ids}
    for sid, n, n_live, sales, winners, payouts in session.execute(stmt):
        out[sid] = SorteoStats(int(n), int(n_live), Decimal(sales or 0), int(winners),
                               Decimal(payouts or 0))
    return out


def ticket_count(session, sorteo_id) -> int:
    return session.scalar(select(func.count(Ticket.id)).where(Ticket.sorteo_id == sorteo_id)) or 0


def live_ticket_count(session, sorteo_id) -> int:
    return session.scalar(select(func.count(Ticket.id)).where(
        Ticket.sorteo_id == sorteo_id, Ticket.status.in_(LIVE_STATUSES))) or 0


def live_payment_count(session, sorteo_id) -> int:
    """Non-reversed prize payments on the sorteo's tickets (revert guard, D12)."""
    return session.scalar(select(func.count(TicketPayment.id))
                          .join(Ticket, Ticket.id == TicketPayment.ticket_id)
                          .where(Ticket.sorteo_id == sorteo_id,
                                 TicketPayment.is_reversed.is_(False))) or 0


def open_sorteos_with_live_tickets(session, loteria_id) -> list[Sorteo]:
    live = select(Ticket.id).where(Ticket.sorteo_id == Sorteo.id, Ticket.status.in_(LIVE_STATUSES))
    return session.scalars(select(Sorteo).where(
        Sorteo.loteria_id == loteria_id, Sorteo.status == SorteoStatus.OPEN,
        Sorteo.is_active.is_(True), live.exists())).unique().all()


def existing_instants(session, loteria_id, banca_id, instants: list[datetime]) -> set[datetime]:
    if not instants:
        return set()
    rows = session.scalars(select(Sorteo.scheduled_at).where(
        Sorteo.loteria_id == loteria_id, Sorteo.banca_id == banca_id,
        Sorteo.scheduled_at >= min(instants), Sorteo.scheduled_at <= max(instants))).all()
    return set(rows)


def upcoming_sorteos(session, banca_id, now: datetime, *, days: int = 8, limit: int = 300) -> list[Sorteo]:
    """Sorteos from yesterday to `days` ahead (choices for a sorteo-specific multiplier)."""
    return list(session.scalars(select(Sorteo).where(
        Sorteo.banca_id == banca_id, Sorteo.scheduled_at >= now - timedelta(days=1),
        Sorteo.scheduled_at < now + timedelta(days=days)).order_by(Sorteo.scheduled_at).limit(limit)).unique().all())


def last_sorteo_instant(session, loteria_id) -> datetime | None:
    return session.scalar(select(func.max(Sorteo.scheduled_at)).where(Sorteo.loteria_id == loteria_id))


# ------------------------------------------------------------------------------ evaluation

@dataclass
class EvaluationPreview:
    winning_tickets: int
    winning_jugadas: int
    total_payout: Decimal
    live_tickets: int
    total_sales: Decimal

    @property
    def payout_percent(self) -> Decimal:
        if not self.total_sales:
            return Decimal(0)
        return (self.total_payout * 100 / self.total_sales).quantize(Decimal("0.01"))


def ticket_is_live():
    """Correlated check that a jugada's ticket is one evaluation touches: ACTIVE (not cancelled,
    excluded or already evaluated, §14). EXISTS per jugada: only the winning number's rows are probed."""
    return select(Ticket.id).where(Ticket.id == Jugada.ticket_id, Ticket.status == TicketStatus.ACTIVE).exists()


def winning_jugadas_filter(sorteo_id, number: str, reventado_x: Decimal):
    """Live jugadas of a sorteo that win with `number` (REVENTADO only when X > 0)."""
    types = [MultiplierKind.NUMERO] + ([MultiplierKind.REVENTADO] if reventado_x > 0 else [])
    return and_(Jugada.sorteo_id == sorteo_id, Jugada.number == number, Jugada.type.in_(types),
                Jugada.is_active.is_(True), Jugada.is_excluded.is_(False), ticket_is_live())


def evaluation_preview(session, sorteo_id, number: str, reventado_x: Decimal) -> EvaluationPreview:
    """What evaluating with this result would pay, without writing anything (UX "Evaluar sorteo")."""
    mult = case((Jugada.type == MultiplierKind.NUMERO, Jugada.final_multiplier_x), else_=reventado_x)
    n_tickets, n_jugadas, payout = session.execute(
        select(func.count(func.distinct(Jugada.ticket_id)), func.count(Jugada.id),
               func.coalesce(func.sum(func.round(Jugada.amount * mult, 2)), 0))
        .where(winning_jugadas_filter(sorteo_id, number, reventado_x))).one()
    live, sales = session.execute(
        select(func.count(Ticket.id), func.coalesce(func.sum(Ticket.total_amount), 0))
        .where(Ticket.sorteo_id == sorteo_id, Ticket.status == TicketStatus.ACTIVE)).one()
    return EvaluationPreview(int(n_tickets), int(n_jugadas), Decimal(str(payout)).quantize(Decimal("0.01")),
                             int(live), Decimal(str(sales)))


def winners_page(session, sorteo_id, *, ventana_id=None, vendedor_id=None, page: int = 1, per_page: int = 50):
    """(rows, total): winning tickets of an evaluated sorteo with vendedor and ventana names."""
    from app.auth.models import User
    from app.org.models import Ventana
    stmt = (select(Ticket, User.name, Ventana.name)
            .join(User, User.id == Ticket.vendedor_id).join(Ventana, Ventana.id == Ticket.ventana_id)
            .where(Ticket.sorteo_id == sorteo_id, Ticket.is_winner.is_(True),
                   Ticket.status.in_(LIVE_STATUSES)))
    if ventana_id is not None:
        stmt = stmt.where(Ticket.ventana_id == ventana_id)
    if vendedor_id is not None:
        stmt = stmt.where(Ticket.vendedor_id == vendedor_id)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.execute(stmt.order_by(Ticket.total_payout.desc(), Ticket.ticket_number)
                           .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return rows, total
