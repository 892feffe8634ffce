"""ConfigVersion: the banca's version of everything a sale reads (DOMAIN §11.1).

Bump it in the same transaction as any change to rules, policies, multipliers, loterías or users
of the banca; the sale path keys its in-process cache on it.
"""
from __future__ import annotations

from sqlalchemy import select, update

from app.org.models import ConfigVersion


def bump_config_version(session, banca_id) -> None:
    if banca_id is None:
        return
    result = session.execute(update(ConfigVersion).where(ConfigVersion.banca_id == banca_id)
                             .values(version=ConfigVersion.version + 1)
                             .execution_options(synchronize_session=False))
    if not result.rowcount:
        session.add(ConfigVersion(banca_id=banca_id, version=2))
        session.flush()


def get_config_version(session, banca_id) -> int:
    return session.scalar(select(ConfigVersion.version).where(ConfigVersion.banca_id == banca_id)) or 0
