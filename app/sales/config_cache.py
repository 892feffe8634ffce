"""What every sale reads, cached in-process per banca and ConfigVersion (DOMAIN §11.1).

Rules, loterías, multipliers and commission policies of a banca are loaded once per
ConfigVersion.version and reused by every sale until the version changes (bumped in the same
transaction as any change to them), so a change applies to the very next sale; there is no
time-based expiry. Whether a user, ventana, banca, lotería or sorteo is active is never taken
from here: the sale reads those flags fresh (app.sales.sale_path.load_head).

Adapter note: app.restrictions.services.rules_for_vendedor keeps an equivalent cache but reads
the version itself (one more round trip per sale); the sale already has the version from its
first query, so it groups the restriction engine's specs here, built with the restrictions
domain's public `to_spec` / `rules_with_multipliers`.
"""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.auth.models import Role, User
from app.draws.models import Loteria, LoteriaMultiplier
from app.draws.rules import LoteriaRules
from app.org.models import Banca, Ventana
from app.restrictions.domain import RuleSpec
from app.sales.checks import MultiplierInfo


@dataclass(frozen=True)
class LoteriaInfo:
    id: uuid.UUID
    name: str
    rules: LoteriaRules

    @property
    def closing_minutes(self) -> int | None:
        return self.rules.closing_time_before_draw


@dataclass
class SaleConfig:
    """One banca's sale configuration at one ConfigVersion."""

    banca_id: uuid.UUID
    version: int
    loterias: dict[uuid.UUID, LoteriaInfo]
    multipliers: dict[uuid.UUID, MultiplierInfo]
    banca_policy: Any
    ventana_policies: dict[uuid.UUID, Any]
    vendedor_policies: dict[uuid.UUID, Any]
    settings: dict
    rules_banca: list[RuleSpec] = field(default_factory=list)
    rules_by_ventana: dict[Any, list[RuleSpec]] = field(default_factory=dict)
    rules_by_user: dict[Any, list[RuleSpec]] = field(default_factory=dict)
    _memo: dict = field(default_factory=dict, repr=False)

    def rules_for(self, ventana_id, vendedor_id) -> tuple[RuleSpec, ...]:
        """Candidate rules of a vendedor (his, his ventana's, his banca's), memoised."""
        key = (ventana_id, vendedor_id)
        found = self._memo.get(key)
        if found is None:
            found = tuple(self.rules_by_user.get(vendedor_id, []) + self.rules_by_ventana.get(ventana_id, [])
                          + self.rules_banca)
            self._memo[key] = found
        return found

    def policies_for(self, ventana_id, vendedor_id) -> tuple[Any, Any, Any]:
        """(vendedor, ventana, banca) stored policy documents (§13.3)."""
        return (self.vendedor_policies.get(vendedor_id), self.ventana_policies.get(ventana_id),
                self.banca_policy)

    def setting(self, key: str, default=None):
        return self.settings.get(key, default)


_CACHE: dict[uuid.UUID, SaleConfig] = {}
_LOCK = threading.Lock()


def get_sale_config(session, banca_id: uuid.UUID, version: int) -> SaleConfig:
    """The banca's config for `version` (read in the sale's own transaction on a miss)."""
    hit = _CACHE.get(banca_id)
    if hit is not None and hit.version == version:
        return hit
    loaded = _load(session, banca_id, version)
    with _LOCK:
        current = _CACHE.get(banca_id)
        if current is None or current.version <= version:
            _CACHE[banca_id] = loaded
    return loaded


def clear() -> None:
    """Forget every cached config (tests; never needed in production)."""
    with _LOCK:
        _CACHE.clear()


def _load(session, banca_id, version) -> SaleConfig:
    from app.restrictions.queries import rules_with_multipliers
    from app.restrictions.services import to_spec

    loterias = {
        lot.id: LoteriaInfo(lot.id, lot.name, LoteriaRules.from_json(lot.rules))
        for lot in session.scalars(select(Loteria).where(Loteria.banca_id == banca_id))
    }
    multipliers = {}
    if loterias:
        for m in session.scalars(select(LoteriaMultiplier).where(LoteriaMultiplier.loteria_id.in_(loterias))):
            multipliers[m.id] = MultiplierInfo(
                id=m.id, loteria_id=m.loteria_id, name=m.name, value_x=m.value_x,
                kind=getattr(m.kind, "value", m.kind), is_active=bool(m.is_active),
                applies_to_date=m.applies_to_date, applies_to_sorteo_id=m.applies_to_sorteo_id)
    banca = session.get(Banca, banca_id)
    ventanas = dict(session.execute(select(Ventana.id, Ventana.commission_policy)
                                    .where(Ventana.banca_id == banca_id)).all())
    vendedores = dict(session.execute(
        select(User.id, User.commission_policy).where(User.ventana_id.in_(list(ventanas) or [uuid.uuid4()]),
                                                      User.role == Role.VENDEDOR)).all())
    config = SaleConfig(
        banca_id=banca_id, version=version, loterias=loterias, multipliers=multipliers,
        banca_policy=banca.commission_policy if banca is not None else None,
        ventana_policies=ventanas, vendedor_policies=vendedores,
        settings=dict(banca.settings or {}) if banca is not None else {},
    )
    for rule, mult in rules_with_multipliers(session, banca_id):
        spec = to_spec(rule, mult)
        if spec.user_id is not None:
            config.rules_by_user.setdefault(spec.user_id, []).append(spec)
        elif spec.ventana_id is not None:
            config.rules_by_ventana.setdefault(spec.ventana_id, []).append(spec)
        else:
            config.rules_banca.append(spec)
    return config
