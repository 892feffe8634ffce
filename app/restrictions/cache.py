"""What every sale reads, cached in-process per banca and keyed by its ConfigVersion (DOMAIN
§11.1): a change bumps the version in the same transaction, so the very next sale sees it."""
from __future__ import annotations

import threading
import uuid
import weakref
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, scoped_session

from app.draws.models import LoteriaMultiplier
from app.org.config_version import bump_config_version, get_config_version
from app.restrictions import queries
from app.restrictions.domain import RuleSpec
from app.restrictions.models import RestrictionRule

RULE_FIELDS = (
    "number", "is_auto_date", "max_amount", "max_total", "max_ticket_total", "base_amount",
    "sales_percentage", "applies_to_vendedor", "applies_to_date", "applies_to_hour",
    "sales_cutoff_minutes", "loteria_id", "sorteo_id", "multiplier_id", "message",
)


# ------------------------------------------------------------------------------ conversions


def to_spec(rule: RestrictionRule, multiplier: LoteriaMultiplier | None = None) -> RuleSpec:
    """The engine's view of a row (multiplier kind and label denormalised)."""
    kind = getattr(multiplier.kind, "value", multiplier.kind) if multiplier is not None else None
    return RuleSpec(
        id=rule.id, banca_id=rule.banca_id, ventana_id=rule.ventana_id, user_id=rule.user_id,
        number=rule.number, is_auto_date=bool(rule.is_auto_date), max_amount=rule.max_amount,
        max_total=rule.max_total, max_ticket_total=rule.max_ticket_total,
        base_amount=rule.base_amount, sales_percentage=rule.sales_percentage,
        applies_to_vendedor=bool(rule.applies_to_vendedor), applies_to_date=rule.applies_to_date,
        applies_to_hour=rule.applies_to_hour, sales_cutoff_minutes=rule.sales_cutoff_minutes,
        loteria_id=rule.loteria_id, sorteo_id=rule.sorteo_id, multiplier_id=rule.multiplier_id,
        multiplier_kind=kind, multiplier_label=multiplier.name if multiplier is not None else None,
        message=rule.message, is_active=bool(rule.is_active), updated_at=rule.updated_at,
    )


def snapshot(rule: RestrictionRule) -> dict:
    """Audit before/after of a rule (plain JSON values)."""
    out = {name: getattr(rule, name) for name in (*RULE_FIELDS, "ventana_id", "user_id", "is_active")}
    return {k: (str(v) if isinstance(v, (uuid.UUID, Decimal, date)) else v) for k, v in out.items()}


# ------------------------------------------------------------------------------ cache (§11.1)


class _BancaRules:
    """One banca's active rules indexed by owner; per-seller lists memoised."""

    def __init__(self, specs: list[RuleSpec]):
        self.banca: list[RuleSpec] = []
        self.by_ventana: dict[Any, list[RuleSpec]] = {}
        self.by_user: dict[Any, list[RuleSpec]] = {}
        for spec in specs:
            if spec.user_id is not None:
                self.by_user.setdefault(spec.user_id, []).append(spec)
            elif spec.ventana_id is not None:
                self.by_ventana.setdefault(spec.ventana_id, []).append(spec)
            else:
                self.banca.append(spec)
        self._memo: dict[tuple, tuple[RuleSpec, ...]] = {}

    def for_seller(self, ventana_id, vendedor_id) -> tuple[RuleSpec, ...]:
        key = (ventana_id, vendedor_id)
        found = self._memo.get(key)
        if found is None:
            # Pre-sorted in first-match order: the engine's sort then costs a single pass.
            found = tuple(sorted(self.by_user.get(vendedor_id, []) + self.by_ventana.get(ventana_id, [])
                                 + self.banca, key=lambda r: r._order))
            self._memo[key] = found
        return found


_CACHE: dict[Any, tuple[int, _BancaRules]] = {}
_CACHE_LOCK = threading.Lock()
_DIRTY_KEY = "restrictions_dirty_bancas"


def _plain(session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def mark_rules_changed(session, banca_id) -> None:
    """Bump the banca's ConfigVersion (same transaction) and keep this transaction off the cache."""
    bump_config_version(session, banca_id)
    plain = _plain(session)
    txn = plain.get_transaction()
    dirty = plain.info.setdefault(_DIRTY_KEY, {})
    dirty[banca_id] = weakref.ref(txn) if txn is not None else None


def _is_dirty(session, banca_id) -> bool:
    plain = _plain(session)
    ref = plain.info.get(_DIRTY_KEY, {}).get(banca_id)
    return ref is not None and ref() is not None and ref() is plain.get_transaction()


def _load_banca_rules(session, banca_id) -> _BancaRules:
    rows = queries.rules_with_multipliers(session, banca_id)
    return _BancaRules([to_spec(rule, mult) for rule, mult in rows])


def banca_rules(session, banca_id) -> _BancaRules:
    """Active rules of a banca, from the in-process cache keyed by its ConfigVersion."""
    if _is_dirty(session, banca_id):  # uncommitted rule changes must never reach the cache
        return _load_banca_rules(session, banca_id)
    version = get_config_version(session, banca_id)
    hit = _CACHE.get(banca_id)
    if hit is not None and hit[0] == version:
        return hit[1]
    loaded = _load_banca_rules(session, banca_id)
    with _CACHE_LOCK:
        _CACHE[banca_id] = (version, loaded)
    return loaded


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def rules_for_vendedor(session, *, banca_id, ventana_id, vendedor_id) -> tuple[RuleSpec, ...]:
    """The candidate rules of a vendedor: his own, his ventana's and his banca's (active)."""
    return banca_rules(session, banca_id).for_seller(ventana_id, vendedor_id)
