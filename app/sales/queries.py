"""Read side of sales: what the sales page, the tiquete list and the premios page show (no writes)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, or_, select

from app.auth.models import Role, User
from app.draws.models import Loteria, LoteriaMultiplier, MultiplierKind, Sorteo, SorteoStatus
from app.errors import NotFound, OutOfScope
from app.org.models import Ventana
from app.sales.models import Jugada, Ticket, TicketPayment, TicketStatus
from app.scope import Scope
from app.tz import cr_date_of, cr_day_bounds

PER_PAGE = 50
RECENT = 10


def scoped_tickets(stmt, scope: Scope):
    """Restrict a Ticket select to the caller's scope (DOMAIN §3: the role decides, never the request)."""
    stmt = stmt.where(Ticket.banca_id == scope.require_banca())
    if scope.is_ventana:
        stmt = stmt.where(Ticket.ventana_id == scope.ventana_id)
    elif scope.is_vendedor:
        stmt = stmt.where(Ticket.vendedor_id == scope.vendedor_id)
    return stmt


# --------------------------------------------------------------------------- vendedores


def vendedores_in_scope(session, scope: Scope) -> list[User]:
    """Active vendedores the caller may sell for: himself, his ventana's, or his banca's."""
    if scope.is_vendedor:
        return [session.get(User, scope.user_id)]
    stmt = (select(User).join(Ventana, Ventana.id == User.ventana_id)
            .where(User.role == Role.VENDEDOR, User.is_active.is_(True), Ventana.is_active.is_(True),
                   Ventana.banca_id == scope.require_banca()))
    if scope.is_ventana:
        stmt = stmt.where(User.ventana_id == scope.ventana_id)
    return list(session.scalars(stmt.order_by(Ventana.name, User.name)).unique())


def vendedor_for_sale(session, scope: Scope, vendedor_id) -> User:
    """The vendedor sold for: self for VENDEDOR; one in scope for VENTANA/ADMIN (else 403/404)."""
    if scope.is_vendedor:
        return session.get(User, scope.user_id)
    user = session.get(User, vendedor_id) if vendedor_id else None
    if user is None or user.role != Role.VENDEDOR:
        raise NotFound("No se encontró el vendedor.")
    ventana = user.ventana
    if ventana is None or ventana.banca_id != scope.banca_id or (
            scope.is_ventana and user.ventana_id != scope.ventana_id):
        raise OutOfScope("Ese vendedor no pertenece a su ventana.")
    if not user.is_active or not ventana.is_active:
        raise OutOfScope("Ese vendedor está inactivo; elija otro.")
    return user


# --------------------------------------------------------------------------- sorteos


@dataclass
class Tile:
    """One sorteo tile of the sales page with the vendedor's closing instant (UX §2.2)."""

    sorteo: Sorteo
    closes_at: datetime
    cutoff_minutes: int
    is_open: bool

    @property
    def loteria(self) -> Loteria:
        return self.sorteo.loteria

    @property
    def cierre_epoch(self) -> int:
        return int(self.closes_at.timestamp())


def open_sorteos(session, *, banca_id, now: datetime, include_id=None) -> list[Sorteo]:
    """OPEN, active sorteos of active loterías still ahead of their draw (plus the selected one)."""
    cond = and_(Sorteo.status == SorteoStatus.OPEN, Sorteo.is_active.is_(True), Loteria.is_active.is_(True),
                Sorteo.scheduled_at > now)
    if include_id is not None:
        cond = or_(cond, Sorteo.id == include_id)
    stmt = (select(Sorteo).join(Loteria, Loteria.id == Sorteo.loteria_id)
            .where(Sorteo.banca_id == banca_id, cond).order_by(Sorteo.scheduled_at, Loteria.name))
    return list(session.scalars(stmt))


def sale_tiles(session, *, vendedor: User, now: datetime, include_id=None) -> list[Tile]:
    """Open sorteos with the cutoff of this vendedor's rules (§10.5), sorted by closing time."""
    from app.restrictions.rules import closing_instant, is_open_at
    from app.restrictions.services import effective_cutoff
    ventana = vendedor.ventana
    tiles = []
    for sorteo in open_sorteos(session, banca_id=ventana.banca_id, now=now, include_id=include_id):
        cutoff = effective_cutoff(session, sorteo=sorteo, vendedor_id=vendedor.id, ventana_id=ventana.id,
                                  banca_id=ventana.banca_id, now=now)
        is_open = (sorteo.status == SorteoStatus.OPEN and sorteo.is_active
                   and is_open_at(now, sorteo.scheduled_at, cutoff.minutes))
        if is_open or sorteo.id == include_id:
            tiles.append(Tile(sorteo, closing_instant(sorteo.scheduled_at, cutoff.minutes), cutoff.minutes,
                              is_open))
    tiles.sort(key=lambda t: (not t.is_open, t.closes_at, t.sorteo.loteria.name))
    return tiles


def numero_multipliers(session, *, sorteo: Sorteo, vendedor: User, now: datetime) -> list[LoteriaMultiplier]:
    """The "Multiplicador" select: active NUMERO multipliers valid for this sorteo, minus the ones a
    rule blocks for this vendedor (UX §2.3, DOMAIN §10.4); highest first."""
    from app.restrictions import rules as restriction_rules
    from app.restrictions.services import rules_for_vendedor, sale_context
    day = cr_date_of(sorteo.scheduled_at)
    stmt = (select(LoteriaMultiplier)
            .where(LoteriaMultiplier.loteria_id == sorteo.loteria_id, LoteriaMultiplier.is_active.is_(True),
                   LoteriaMultiplier.kind == MultiplierKind.NUMERO, LoteriaMultiplier.value_x > 0,
                   or_(LoteriaMultiplier.applies_to_date.is_(None), LoteriaMultiplier.applies_to_date <= day),
                   or_(LoteriaMultiplier.applies_to_sorteo_id.is_(None),
                       LoteriaMultiplier.applies_to_sorteo_id == sorteo.id))
            .order_by(LoteriaMultiplier.value_x.desc(), LoteriaMultiplier.name))
    multipliers = list(session.scalars(stmt))
    ventana = vendedor.ventana
    specs = rules_for_vendedor(session, banca_id=ventana.banca_id, ventana_id=ventana.id, vendedor_id=vendedor.id)
    ctx = sale_context(sorteo=sorteo, vendedor_id=vendedor.id, ventana_id=ventana.id, banca_id=ventana.banca_id,
                       now=now)
    blocked = restriction_rules.blocked_multiplier_ids(specs, ctx, [m.id for m in multipliers])
    return [m for m in multipliers if m.id not in blocked]


def next_tile(tiles: list[Tile], closed: Sorteo) -> Tile | None:
    """Where "Pasar jugadas" goes: the next open sorteo of the same lotería, else the next to close."""
    open_tiles = [t for t in tiles if t.is_open and t.sorteo.id != closed.id]
    same = [t for t in open_tiles if t.sorteo.loteria_id == closed.loteria_id]
    return (same or open_tiles or [None])[0]


# --------------------------------------------------------------------------- tickets


def recent_tickets(session, *, vendedor_id, day: date, limit: int = RECENT) -> list[tuple[Ticket, str]]:
    """Last tiquetes of a vendedor on a business date, with "Lotería h:mm" of their sorteo."""
    from app.tz import format_time
    stmt = (select(Ticket, Loteria.name, Sorteo.scheduled_at).join(Sorteo, Sorteo.id == Ticket.sorteo_id)
            .join(Loteria, Loteria.id == Sorteo.loteria_id)
            .where(Ticket.vendedor_id == vendedor_id, Ticket.business_date == day)
            .order_by(Ticket.created_at.desc()).limit(limit))
    return [(t, f"{name} {format_time(at)}") for t, name, at in session.execute(stmt).all()]


def sold_on(session, *, vendedor_id, day: date) -> tuple[Decimal, int]:
    live = Ticket.status.notin_([TicketStatus.CANCELLED, TicketStatus.EXCLUDED])
    total, count = session.execute(
        select(func.coalesce(func.sum(Ticket.total_amount), 0), func.count(Ticket.id))
        .where(Ticket.vendedor_id == vendedor_id, Ticket.business_date == day, live)).one()
    return Decimal(total or 0), int(count or 0)


def last_ticket(session, *, vendedor_id, actor_id) -> Ticket | None:
    """The "Último tiquete" box: the latest tiquete this user sold for this vendedor."""
    return session.scalar(select(Ticket).where(Ticket.vendedor_id == vendedor_id, Ticket.created_by == actor_id)
                          .order_by(Ticket.created_at.desc()).limit(1))


def ticket_in_scope(session, scope: Scope, ticket_id) -> Ticket:
    """A tiquete by id, re-checked against the scope (no IDOR): 404 outside the banca, 403 outside
    the caller's ventana / own tiquetes."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.banca_id != scope.banca_id:
        raise NotFound("No se encontró el tiquete.")
    scope.check(banca_id=ticket.banca_id, ventana_id=ticket.ventana_id, vendedor_id=ticket.vendedor_id)
    return ticket


def ticket_by_number(session, scope: Scope, number: str) -> Ticket:
    number = (number or "").strip().upper()
    ticket = session.scalar(select(Ticket).where(Ticket.ticket_number == number))
    if ticket is None or ticket.banca_id != scope.banca_id:
        raise NotFound(f"No se encontró el tiquete {number[:20]}. Revise el número.")
    scope.check(banca_id=ticket.banca_id, ventana_id=ticket.ventana_id, vendedor_id=ticket.vendedor_id)
    return ticket


@dataclass
class TicketFilters:
    """Whitelisted GET filters of /tiquetes (UX §3.1)."""

    date_from: date
    date_to: date
    sorteo_id: uuid.UUID | None = None
    loteria_id: uuid.UUID | None = None
    estado: str = ""
    vendedor_id: uuid.UUID | None = None
    ventana_id: uuid.UUID | None = None
    solo_ganadores: bool = False
    pendientes: bool = False
    q: str = ""
    orden: str = "-vendido"
    page: int = 1


ESTADOS = {"activo": "Activo", "anulado": "Anulado", "excluido": "Excluido", "ganador": "Ganador",
           "no_ganador": "No ganador", "pagado": "Pagado", "parcial": "Pago parcial"}
ORDERS = {"vendido": Ticket.created_at, "total": Ticket.total_amount, "tiquete": Ticket.ticket_number,
          "premio": Ticket.total_payout}


def _estado_condition(estado: str):
    evaluated = Ticket.status == TicketStatus.EVALUATED
    return {
        "activo": Ticket.status == TicketStatus.ACTIVE,
        "anulado": Ticket.status == TicketStatus.CANCELLED,
        "excluido": Ticket.status == TicketStatus.EXCLUDED,
        "ganador": and_(evaluated, Ticket.is_winner.is_(True), Ticket.total_paid == 0),
        "no_ganador": and_(evaluated, Ticket.is_winner.is_(False)),
        "pagado": Ticket.status == TicketStatus.PAID,
        "parcial": and_(evaluated, Ticket.is_winner.is_(True), Ticket.total_paid > 0),
    }.get(estado)


def _ticket_filter(stmt, scope: Scope, f: TicketFilters):
    q = f.q.strip().upper()
    stmt = scoped_tickets(stmt, scope)
    if not q.startswith("T"):
        # A tiquete number names one tiquete of any day: the period filter ("Hoy" by default) would hide
        # yesterday's winner the customer brings back, so it only applies to the other searches.
        stmt = stmt.where(Ticket.business_date >= f.date_from, Ticket.business_date <= f.date_to)
    if f.sorteo_id:
        stmt = stmt.where(Ticket.sorteo_id == f.sorteo_id)
    if f.loteria_id:
        stmt = stmt.where(Ticket.loteria_id == f.loteria_id)
    if f.vendedor_id and not scope.is_vendedor:
        stmt = stmt.where(Ticket.vendedor_id == f.vendedor_id)
    if f.ventana_id and scope.is_admin:
        stmt = stmt.where(Ticket.ventana_id == f.ventana_id)
    cond = _estado_condition(f.estado)
    if cond is not None:
        stmt = stmt.where(cond)
    if f.solo_ganadores:
        stmt = stmt.where(Ticket.is_winner.is_(True))
    if f.pendientes:
        stmt = stmt.where(Ticket.is_winner.is_(True), Ticket.status == TicketStatus.EVALUATED)
    if q.startswith("T"):
        stmt = stmt.where(Ticket.ticket_number == q)
    elif q.isdigit() and len(q) <= 3:
        stmt = stmt.where(exists().where(Jugada.ticket_id == Ticket.id,
                                         or_(Jugada.number == q, Jugada.number == q.zfill(2),
                                             Jugada.number == q.zfill(3))))
    return stmt


@dataclass
class TicketPage:
    rows: list = field(default_factory=list)  # (ticket, sorteo name, scheduled_at, vendedor name, jugadas)
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE
    sums: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, (self.total + self.per_page - 1) // self.per_page)


def ticket_page(session, scope: Scope, f: TicketFilters) -> TicketPage:
    """One page of tiquetes plus the totals row of the whole filtered set."""
    live = Ticket.status.notin_([TicketStatus.CANCELLED, TicketStatus.EXCLUDED])
    sums = session.execute(_ticket_filter(select(
        func.count(Ticket.id),
        func.coalesce(func.sum(case((live, Ticket.total_amount), else_=0)), 0),
        func.coalesce(func.sum(Ticket.total_payout), 0),
        func.coalesce(func.sum(Ticket.total_paid), 0)), scope, f)).one()
    jugadas = (select(func.count(Jugada.id)).where(Jugada.ticket_id == Ticket.id)
               .correlate(Ticket).scalar_subquery())
    key = f.orden.lstrip("-")
    column = ORDERS.get(key, Ticket.created_at)
    order = column.desc() if f.orden.startswith("-") or key not in ORDERS else column.asc()
    stmt = _ticket_filter(select(Ticket, Loteria.name, Sorteo.scheduled_at, User.name, jugadas)
                          .join(Sorteo, Sorteo.id == Ticket.sorteo_id)
                          .join(Loteria, Loteria.id == Sorteo.loteria_id)
                          .join(User, User.id == Ticket.vendedor_id), scope, f)
    stmt = stmt.order_by(order, Ticket.ticket_number.desc()).offset((f.page - 1) * PER_PAGE).limit(PER_PAGE)
    rows = session.execute(stmt).all()
    return TicketPage(rows=rows, total=int(sums[0]), page=f.page,
                      sums={"ventas": Decimal(sums[1]), "premios": Decimal(sums[2]), "pagado": Decimal(sums[3])})


def filter_choices(session, scope: Scope, day_from: date, day_to: date) -> dict:
    """Options of the list filters, limited to the scope (UX §7.12: hide what would not apply)."""
    start, _ = cr_day_bounds(day_from)
    _, end = cr_day_bounds(day_to)
    banca_id = scope.require_banca()
    loterias = session.scalars(select(Loteria).where(Loteria.banca_id == banca_id).order_by(Loteria.name)).all()
    sorteos = session.scalars(select(Sorteo).where(Sorteo.banca_id == banca_id, Sorteo.scheduled_at >= start,
                                                   Sorteo.scheduled_at < end)
                              .order_by(Sorteo.scheduled_at).limit(300)).all()
    choices = {"loterias": loterias, "sorteos": sorteos, "vendedores": [], "ventanas": []}
    if not scope.is_vendedor:
        stmt = (select(User).join(Ventana, Ventana.id == User.ventana_id)
                .where(User.role == Role.VENDEDOR, Ventana.banca_id == banca_id))
        if scope.is_ventana:
            stmt = stmt.where(User.ventana_id == scope.ventana_id)
        choices["vendedores"] = session.scalars(stmt.order_by(User.name)).all()
    if scope.is_admin:
        choices["ventanas"] = session.scalars(select(Ventana).where(Ventana.banca_id == banca_id)
                                              .order_by(Ventana.name)).all()
    return choices


def ticket_context(session, ticket: Ticket) -> dict:
    """What the detail, receipt and premio card need besides the ticket itself."""
    sorteo = session.get(Sorteo, ticket.sorteo_id)
    return {
        "sorteo": sorteo,
        "loteria": sorteo.loteria if sorteo is not None else None,
        "vendedor": session.get(User, ticket.vendedor_id),
        "ventana": session.get(Ventana, ticket.ventana_id),
        "multipliers": {m.id: m for m in session.scalars(
            select(LoteriaMultiplier).where(LoteriaMultiplier.loteria_id == ticket.loteria_id))},
    }


def payments_of(session, ticket_id) -> list[tuple[TicketPayment, str]]:
    stmt = (select(TicketPayment, User.name).join(User, User.id == TicketPayment.paid_by)
            .where(TicketPayment.ticket_id == ticket_id).order_by(TicketPayment.paid_at, TicketPayment.created_at))
    return [(p, name) for p, name in session.execute(stmt).all()]


def payment_in_scope(session, scope: Scope, payment_id) -> tuple[TicketPayment, Ticket]:
    payment = session.get(TicketPayment, payment_id)
    if payment is None:
        raise NotFound("No se encontró el pago.")
    return payment, ticket_in_scope(session, scope, payment.ticket_id)


def audit_of(session, ticket: Ticket) -> list:
    from app.audit.models import ActivityLog
    stmt = (select(ActivityLog, User.name).outerjoin(User, User.id == ActivityLog.user_id)
            .where(ActivityLog.target_id == str(ticket.id)).order_by(ActivityLog.created_at.desc()).limit(100))
    return session.execute(stmt).all()


def pending_prizes(session, scope: Scope, *, date_from: date, date_to: date, limit: int = 100):
    """Winners still to pay in the scope (UX §3.2 "Premios pendientes")."""
    stmt = scoped_tickets(select(Ticket, Loteria.name, Sorteo.scheduled_at, User.name)
                          .join(Sorteo, Sorteo.id == Ticket.sorteo_id)
                          .join(Loteria, Loteria.id == Sorteo.loteria_id)
                          .join(User, User.id == Ticket.vendedor_id), scope)
    stmt = stmt.where(Ticket.is_winner.is_(True), Ticket.status == TicketStatus.EVALUATED,
                      Ticket.business_date >= date_from, Ticket.business_date <= date_to)
    return session.execute(stmt.order_by(Ticket.business_date.desc(), Ticket.ticket_number).limit(limit)).all()
