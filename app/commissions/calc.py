"""Commission maths (DOMAIN §13.2–13.3): matching, hierarchy resolution, amounts, snapshots.

Pure: no database, no Flask. A policy is stored as a JSON document on Banca, Ventana and vendedor
User; `compile_policy` turns a stored document into an immutable `Policy` (or None when it is
absent or invalid, so it is skipped in the hierarchy), which the sale path may cache. The
document's types and validation live in `app.commissions.policy` and are re-exported here.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from app.commissions.policy import (  # re-exported: the public API is calc.*
    BET_TYPES, MAX_MULTIPLIER, MAX_RULES, NUMERO, POLICY_VERSION, REVENTADO, Policy, PolicyError,
    PolicyLike, Rule, bet_type_value, canonical_id, compile_policy, describe_error, optional_decimal,
    parse_policy, to_decimal, validate_policy)

__all__ = [
    "BET_TYPES", "MAX_MULTIPLIER", "MAX_RULES", "NUMERO", "POLICY_VERSION", "REVENTADO", "Policy",
    "PolicyError", "PolicyLike", "Rule", "canonical_id", "compile_policy", "describe_error",
    "parse_policy", "validate_policy", "LEVEL_VENDEDOR", "LEVEL_VENTANA", "LEVEL_BANCA", "Resolution",
    "PolicySet", "Line", "LineCommission", "Outcome", "Explanation", "Snapshot", "is_effective",
    "status", "match", "resolve_vendedor", "resolve_listero", "commission_amount", "snapshot_lines",
    "explain", "STATUS_NONE", "STATUS_INVALID", "STATUS_SCHEDULED", "STATUS_EXPIRED",
    "STATUS_EFFECTIVE",
]

LEVEL_VENDEDOR = "vendedor"
LEVEL_VENTANA = "ventana"
LEVEL_BANCA = "banca"
_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")


class Resolution(NamedTuple):
    """The first effective policy up a chain and its level (both None when there is none)."""

    policy: Policy | None
    level: str | None


class PolicySet(NamedTuple):
    """The three stored policies relevant to one vendedor (documents or compiled)."""

    vendedor: PolicyLike = None
    ventana: PolicyLike = None
    banca: PolicyLike = None


class Line(NamedTuple):
    """One jugada as the calculation needs it."""

    loteria_id: Any
    bet_type: str
    multiplier_value: Any
    amount: Any


class LineCommission(NamedTuple):
    percent: Decimal
    amount: Decimal
    rule_id: str | None
    listero_percent: Decimal
    listero_amount: Decimal
    listero_rule_id: str | None


class Outcome(NamedTuple):
    """One side (vendedor or listero) of a single-jugada calculation, with what matched."""

    percent: Decimal
    amount: Decimal
    rule: Rule | None
    level: str | None


class Explanation(NamedTuple):
    vendedor: Outcome
    listero: Outcome


class Snapshot(NamedTuple):
    lines: tuple[LineCommission, ...]
    total_commission: Decimal
    total_listero_commission: Decimal
    vendedor_level: str | None
    listero_level: str | None


# ---------------------------------------------------------------- resolution


def is_effective(policy: PolicyLike, at_utc: datetime) -> bool:
    """True when the policy is valid and effective at the instant (§13.1)."""
    compiled = compile_policy(policy)
    return compiled is not None and compiled.is_effective(at_utc)


STATUS_NONE = "sin"
STATUS_INVALID = "invalida"
STATUS_SCHEDULED = "programada"
STATUS_EXPIRED = "vencida"
STATUS_EFFECTIVE = "vigente"


def status(policy: PolicyLike, at_utc: datetime) -> str:
    """sin / invalida / programada / vigente / vencida at the instant (for lists and badges)."""
    if policy is None:
        return STATUS_NONE
    compiled = compile_policy(policy)
    if compiled is None:
        return STATUS_INVALID
    if compiled.effective_from is not None and at_utc < compiled.effective_from:
        return STATUS_SCHEDULED
    if compiled.effective_to is not None and at_utc >= compiled.effective_to:
        return STATUS_EXPIRED
    return STATUS_EFFECTIVE


def match(policy: PolicyLike, loteria_id: Any, bet_type: Any, multiplier_value: Any) -> tuple[Decimal, str | None]:
    """§13.2 for one jugada against one policy: (percent, rule id or None for the default).

    An absent or invalid policy gives (0, None); validity dates are not checked here.
    """
    compiled = compile_policy(policy)
    if compiled is None:
        return _ZERO, None
    return compiled.match(loteria_id, bet_type, multiplier_value)


def _first_effective(chain: Iterable[tuple[str, PolicyLike]], at: datetime) -> Resolution:
    for level, doc in chain:
        compiled = compile_policy(doc)
        if compiled is not None and compiled.is_effective(at):
            return Resolution(compiled, level)
    return Resolution(None, None)


def resolve_vendedor(user_policy: PolicyLike, ventana_policy: PolicyLike, banca_policy: PolicyLike,
                     at: datetime) -> Resolution:
    """The vendedor's policy: his own → his ventana's → his banca's, first effective (§13.3)."""
    return _first_effective(
        ((LEVEL_VENDEDOR, user_policy), (LEVEL_VENTANA, ventana_policy), (LEVEL_BANCA, banca_policy)), at
    )


def resolve_listero(ventana_policy: PolicyLike, banca_policy: PolicyLike, at: datetime) -> Resolution:
    """The listero's policy: ventana → banca, never the vendedor's (§13.3)."""
    return _first_effective(((LEVEL_VENTANA, ventana_policy), (LEVEL_BANCA, banca_policy)), at)


def commission_amount(amount: Any, percent: Any) -> Decimal:
    """round2(amount × percent / 100), half-up (DOMAIN conventions)."""
    value = to_decimal(amount)
    pct = to_decimal(percent)
    if value is None or pct is None:
        raise ValueError("amount and percent must be numbers")
    # scaleb(-2) divides by 100 exactly (no context rounding before the one half-up step).
    return (value * pct).scaleb(-2).quantize(_CENT, rounding=ROUND_HALF_UP)


def snapshot_lines(lines: Iterable[Any], policies: PolicySet | Mapping, at: datetime) -> Snapshot:
    """Per-jugada commission snapshot (§13.3) plus ticket totals.

    `lines`: `Line`s, mappings or objects with loteria_id, bet_type, multiplier_value, amount.
    `policies`: a `PolicySet` or a mapping with keys vendedor / ventana / banca.
    """
    if isinstance(policies, Mapping):
        policies = PolicySet(policies.get("vendedor"), policies.get("ventana"), policies.get("banca"))
    vendedor, ventana, banca = (compile_policy(p) for p in policies)
    seller = resolve_vendedor(vendedor, ventana, banca, at)
    listero = resolve_listero(ventana, banca, at)
    out: list[LineCommission] = []
    total = total_listero = _ZERO
    for line in lines:
        lot, kind, mult, amount = _line_fields(line)
        lot, kind, mult = canonical_id(lot), bet_type_value(kind), optional_decimal(mult)
        pct, rule_id = seller.policy.match_canonical(lot, kind, mult) if seller.policy else (_ZERO, None)
        lpct, lrule_id = listero.policy.match_canonical(lot, kind, mult) if listero.policy else (_ZERO, None)
        amt = commission_amount(amount, pct)
        lamt = commission_amount(amount, lpct)
        total += amt
        total_listero += lamt
        out.append(LineCommission(pct, amt, rule_id, lpct, lamt, lrule_id))
    return Snapshot(tuple(out), total, total_listero, seller.level, listero.level)


def explain(policies: PolicySet | Mapping, at: datetime, *, loteria_id: Any, bet_type: Any,
            multiplier_value: Any, amount: Any) -> Explanation:
    """One jugada through both chains, naming the rule and level that decided (the "Probar" box)."""
    if isinstance(policies, Mapping):
        policies = PolicySet(policies.get("vendedor"), policies.get("ventana"), policies.get("banca"))
    vendedor, ventana, banca = (compile_policy(p) for p in policies)
    lot, kind, mult = canonical_id(loteria_id), bet_type_value(bet_type), optional_decimal(multiplier_value)

    def outcome(resolution: Resolution) -> Outcome:
        if resolution.policy is None:
            return Outcome(_ZERO, commission_amount(amount, 0), None, None)
        pct, rule_id = resolution.policy.match_canonical(lot, kind, mult)
        rule = next((r for r in resolution.policy.rules if r.id == rule_id), None)
        return Outcome(pct, commission_amount(amount, pct), rule, resolution.level)

    return Explanation(outcome(resolve_vendedor(vendedor, ventana, banca, at)),
                       outcome(resolve_listero(ventana, banca, at)))


def _line_fields(line: Any) -> tuple[Any, Any, Any, Any]:
    if isinstance(line, Mapping):
        return line.get("loteria_id"), line["bet_type"], line.get("multiplier_value"), line["amount"]
    return line.loteria_id, line.bet_type, line.multiplier_value, line.amount
