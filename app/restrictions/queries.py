"""Read side of restrictions: rule lists, names for summaries, accumulated totals (no writes)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from app.auth.models import Role, User
from app.draws.models import Loteria, LoteriaMultiplier, Sorteo
from app.org.models import Ventana
from app.restrictions.domain import FILTER_TICKET, TICKET_NUMBER, AccKey
from app.restrictions.models import RestrictionRule
from app.sales.models import ExposureAccumulator


@dataclass(frozen=True)
class RuleFilters:
    """List filters (§10.7): scope BANCA|VENTANA|USER, entity id, lotería, sorteo, number, state."""

    scope: str | None = None
    entity_id: uuid.UUID | None = None
    loteria_id: uuid.UUID | None = None
    sorteo_id: uuid.UUID | None = None
    number: str | None = None
    state: str = "active"  # active | inactive | all


def rules_with_multipliers(session, banca_id, *, active_only: bool = True):
    """[(rule, multiplier or None)] of a banca, for the engine (multiplier kind and label)."""
    stmt = (select(RestrictionRule, LoteriaMultiplier)
            .outerjoin(LoteriaMultiplier, LoteriaMultiplier.id == RestrictionRule.multiplier_id)
            .where(RestrictionRule.banca_id == banca_id))
    if active_only:
        stmt = stmt.where(RestrictionRule.is_active.is_(True))
    return session.execute(stmt).all()


def _filtered(stmt, f: RuleFilters):
    if f.scope == "BANCA":
        stmt = stmt.where(RestrictionRule.ventana_id.is_(None), RestrictionRule.user_id.is_(None))
    elif f.scope == "VENTANA":
        stmt = stmt.where(RestrictionRule.ventana_id.is_not(None))
    elif f.scope == "USER":
        stmt = stmt.where(RestrictionRule.user_id.is_not(None))
    if f.entity_id is not None:
        stmt = stmt.where(or_(RestrictionRule.ventana_id == f.entity_id,
                              RestrictionRule.user_id == f.entity_id))
    if f.loteria_id is not None:
        stmt = stmt.where(RestrictionRule.loteria_id == f.loteria_id)
    if f.sorteo_id is not None:
        stmt = stmt.where(RestrictionRule.sorteo_id == f.sorteo_id)
    if f.number:
        stmt = stmt.where(RestrictionRule.number == f.number)
    if f.state == "active":
        stmt = stmt.where(RestrictionRule.is_active.is_(True))
    elif f.state == "inactive":
        stmt = stmt.where(RestrictionRule.is_active.is_(False))
    return stmt


def rules_page(session, banca_id, filters: RuleFilters, *, page: int, per_page: int):
    """(rows of (rule, multiplier), total) newest first."""
    base = _filtered(select(RestrictionRule.id).where(RestrictionRule.banca_id == banca_id), filters)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    stmt = _filtered(
        select(RestrictionRule, LoteriaMultiplier)
        .outerjoin(LoteriaMultiplier, LoteriaMultiplier.id == RestrictionRule.multiplier_id)
        .where(RestrictionRule.banca_id == banca_id), filters)
    rows = session.execute(stmt.order_by(RestrictionRule.updated_at.desc(), RestrictionRule.id)
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return rows, total


def same_key_candidates(session, banca_id, numbers: list[str | None], *, ventana_id, user_id):
    """Active rules that could share a uniqueness key with new rules on these numbers."""
    named = [n for n in numbers if n is not None]
    conds = []
    if named:
        conds.append(RestrictionRule.number.in_(named))
    if any(n is None for n in numbers):
        conds.append(RestrictionRule.number.is_(None))
    stmt = (select(RestrictionRule, LoteriaMultiplier)
            .outerjoin(LoteriaMultiplier, LoteriaMultiplier.id == RestrictionRule.multiplier_id)
            .where(RestrictionRule.banca_id == banca_id, RestrictionRule.is_active.is_(True),
                   or_(*conds),
                   RestrictionRule.ventana_id.is_(None) if ventana_id is None
                   else RestrictionRule.ventana_id == ventana_id,
                   RestrictionRule.user_id.is_(None) if user_id is None
                   else RestrictionRule.user_id == user_id))
    return session.execute(stmt).all()


@dataclass
class NameMaps:
    loterias: dict
    sorteos: dict
    ventanas: dict
    vendedores: dict


def name_maps(session, banca_id, rules) -> NameMaps:
    """Names of the loterías, sorteos, ventanas and vendedores these rules point at."""
    def ids(attr):
        return {getattr(r, attr) for r in rules if getattr(r, attr) is not None}

    def fetch(model, attr, label):
        wanted = ids(attr)
        if not wanted:
            return {}
        return {row.id: label(row) for row in session.scalars(select(model).where(model.id.in_(wanted)))}

    return NameMaps(
        loterias=fetch(Loteria, "loteria_id", lambda l: l.name),
        sorteos=fetch(Sorteo, "sorteo_id", sorteo_label),
        ventanas=fetch(Ventana, "ventana_id", lambda v: v.name),
        vendedores=fetch(User, "user_id", lambda u: u.name),
    )


def sorteo_label(sorteo: Sorteo) -> str:
    from app.tz import format_date
    return f"{sorteo.name} del {format_date(sorteo.scheduled_at)}"


def ventanas_of(session, banca_id):
    return session.scalars(select(Ventana).where(Ventana.banca_id == banca_id)
                           .order_by(Ventana.is_active.desc(), Ventana.name)).all()


def vendedores_of(session, banca_id, ventana_id=None):
    stmt = (select(User).join(Ventana, Ventana.id == User.ventana_id)
            .where(Ventana.banca_id == banca_id, User.role == Role.VENDEDOR))
    if ventana_id is not None:
        stmt = stmt.where(User.ventana_id == ventana_id)
    return session.scalars(stmt.order_by(User.is_active.desc(), User.name)).all()


def loterias_of(session, banca_id):
    return session.scalars(select(Loteria).where(Loteria.banca_id == banca_id)
                           .order_by(Loteria.is_active.desc(), Loteria.name)).all()


def multipliers_of(session, banca_id):
    return session.scalars(select(LoteriaMultiplier).join(Loteria)
                           .where(Loteria.banca_id == banca_id)
                           .order_by(Loteria.name, LoteriaMultiplier.kind, LoteriaMultiplier.value_x.desc())
                           ).all()


def upcoming_sorteos(session, banca_id, since: datetime, limit: int = 300):
    return session.scalars(select(Sorteo).where(Sorteo.banca_id == banca_id, Sorteo.scheduled_at >= since)
                           .order_by(Sorteo.scheduled_at, Sorteo.name).limit(limit)).all()


def accumulated_for(session, ctx, numbers) -> dict[AccKey, Decimal]:
    """Live accumulator totals of one sorteo for the vendedor, his ventana and his banca."""
    scopes = (("vendedor", ctx.vendedor_id), ("ventana", ctx.ventana_id), ("banca", ctx.banca_id))
    wanted = list({*numbers, TICKET_NUMBER})
    stmt = select(ExposureAccumulator).where(
        ExposureAccumulator.sorteo_id == ctx.sorteo_id,
        ExposureAccumulator.number.in_(wanted),
        or_(*[and_(ExposureAccumulator.scope_type == t, ExposureAccumulator.scope_id == i)
              for t, i in scopes if i is not None]),
    )
    out = {}
    for row in session.scalars(stmt):
        if row.number == TICKET_NUMBER and row.filter != FILTER_TICKET:
            continue
        out[AccKey(row.sorteo_id, row.number, row.scope_type, row.scope_id, row.filter)] = row.amount
    return out
