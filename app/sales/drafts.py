"""The tiquete being built, kept server-side per (user, vendedor) (UX §2.9, DOMAIN §4 SalesDraft).

A reload, a logout or an expired session loses nothing; a sale or "Limpiar tiquete" clears the
lines and the cliente. The idempotency key is generated here and replaced only after a sale.
"""
from __future__ import annotations

import secrets

from sqlalchemy import bindparam, select, update

from app.sales.entry import DraftLine, lines_from_json, lines_to_json
from app.sales.models import SalesDraft
from app.tz import utcnow

MAX_CLIENTE = 100


def new_idempotency_key() -> str:
    return "v-" + secrets.token_urlsafe(18)


def get_draft(session, *, user_id, vendedor_id) -> SalesDraft:
    """The draft of this user selling for this vendedor, created on first use."""
    draft = session.scalar(select(SalesDraft).where(SalesDraft.user_id == user_id,
                                                    SalesDraft.vendedor_id == vendedor_id))
    if draft is None:
        draft = SalesDraft(user_id=user_id, vendedor_id=vendedor_id, lines=[],
                           idempotency_key=new_idempotency_key(), updated_at=utcnow())
        session.add(draft)
        session.flush()
    return draft


def latest_vendedor_id(session, *, user_id):
    """The vendedor this user last built a tiquete for (VENTANA/ADMIN default selection)."""
    return session.scalar(select(SalesDraft.vendedor_id).where(SalesDraft.user_id == user_id)
                          .order_by(SalesDraft.updated_at.desc()).limit(1))


def draft_lines(draft: SalesDraft) -> list[DraftLine]:
    return lines_from_json(draft.lines)


def save_lines(session, *, draft: SalesDraft, lines) -> None:
    draft.lines = lines_to_json(lines)
    draft.updated_at = utcnow()
    session.flush()


def set_sorteo(session, *, draft: SalesDraft, sorteo_id, lines=None) -> None:
    draft.sorteo_id = sorteo_id
    if lines is not None:
        draft.lines = lines_to_json(lines)
    draft.updated_at = utcnow()
    session.flush()


def clean_cliente(value: str | None) -> str | None:
    """Trimmed, ≤100, blank = None (DOMAIN §9.1: blank prints nothing)."""
    text = " ".join((value or "").split())
    return text[:MAX_CLIENTE] or None


def set_cliente(session, *, draft: SalesDraft, cliente: str | None) -> None:
    draft.cliente_nombre = clean_cliente(cliente)
    draft.updated_at = utcnow()
    session.flush()


def clear(session, *, draft: SalesDraft) -> None:
    """'Limpiar tiquete': lines and cliente go; sorteo and idempotency key stay."""
    draft.lines = []
    draft.cliente_nombre = None
    draft.updated_at = utcnow()
    session.flush()


_T = SalesDraft.__table__
# Core, built once: the sale's only write outside the sale service (no ORM unit of work).
_AFTER_SALE = (update(_T).where(_T.c.user_id == bindparam("p_user"), _T.c.vendedor_id == bindparam("p_vendedor"))
               .values(lines=bindparam("p_lines", type_=_T.c.lines.type), cliente_nombre=None,
                       idempotency_key=bindparam("p_key"), sorteo_id=bindparam("p_sorteo"),
                       updated_at=bindparam("p_now", type_=_T.c.updated_at.type)))


def after_sale(session, *, user_id, vendedor_id, sorteo_id) -> str:
    """One UPDATE after a successful sale: empty lines and cliente, a fresh idempotency key."""
    key = new_idempotency_key()
    result = session.connection().execute(_AFTER_SALE, {"p_user": user_id, "p_vendedor": vendedor_id,
                                                        "p_lines": [], "p_key": key, "p_sorteo": sorteo_id,
                                                        "p_now": utcnow()})
    if not result.rowcount:
        session.add(SalesDraft(user_id=user_id, vendedor_id=vendedor_id, sorteo_id=sorteo_id, lines=[],
                               idempotency_key=key, updated_at=utcnow()))
        session.flush()
    return key
