"""Read side of commissions: the rows a policy hangs on and the catalogue its rules name.

The catalogue reads (loterías, multiplier values) are read-only lookups for the editor's selects
and for checking that a rule names a lotería of the same banca.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from app.auth.models import Role, User
from app.draws.models import Loteria, LoteriaMultiplier, MultiplierKind
from app.org.models import Banca, Ventana


def loterias_of_banca(session, banca_id: uuid.UUID) -> list[Loteria]:
    """Every lotería of the banca (active first, then by name); inactive ones stay nameable."""
    return list(session.scalars(
        select(Loteria).where(Loteria.banca_id == banca_id)
        .order_by(Loteria.is_active.desc(), Loteria.name)))


def loteria_ids_of_banca(session, banca_id: uuid.UUID, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set(session.scalars(
        select(Loteria.id).where(Loteria.banca_id == banca_id, Loteria.id.in_(ids))))


def numero_multiplier_values(session, banca_id: uuid.UUID) -> list[Decimal]:
    """Distinct active NUMERO multiplier values of the banca (suggestions for the editor)."""
    rows = session.scalars(
        select(LoteriaMultiplier.value_x).distinct()
        .join(Loteria, Loteria.id == LoteriaMultiplier.loteria_id)
        .where(Loteria.banca_id == banca_id, LoteriaMultiplier.kind == MultiplierKind.NUMERO,
               LoteriaMultiplier.is_active.is_(True)))
    return sorted({Decimal(v) for v in rows})


def ventanas_of_banca(session, banca_id: uuid.UUID) -> list[Ventana]:
    return list(session.scalars(
        select(Ventana).where(Ventana.banca_id == banca_id, Ventana.deleted_at.is_(None))
        .order_by(Ventana.name)))


def vendedores_of_ventanas(session, ventana_ids: list[uuid.UUID]) -> list[User]:
    if not ventana_ids:
        return []
    return list(session.scalars(
        select(User).where(User.ventana_id.in_(ventana_ids), User.role == Role.VENDEDOR,
                           User.deleted_at.is_(None))
        .order_by(User.name)))


def policy_chain_documents(session, vendedor_id: uuid.UUID):
    """(user, ventana, banca) policy documents plus (banca_id, ventana_id) in one query, or None."""
    row = session.execute(
        select(User.commission_policy, Ventana.commission_policy, Banca.commission_policy,
               Banca.id, Ventana.id)
        .join(Ventana, Ventana.id == User.ventana_id)
        .join(Banca, Banca.id == Ventana.banca_id)
        .where(User.id == vendedor_id)).first()
    return None if row is None else tuple(row)
