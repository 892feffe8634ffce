"""Read side of commissions: the rows a policy hangs on. The catalogue its rules name (loterías,
multiplier values) is read through app.draws.services (loterias_of_banca, loteria_ids_of_banca,
numero_multiplier_values)."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from app.auth.models import Role, User
from app.org.models import Banca, Ventana


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
