"""Which rule applies (DOMAIN §10.2, §10.4, §10.6) and the sales cutoff (§10.5); pure.

Part of the engine whose public API is ``app.restrictions.rules`` (which re-exports these).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Iterable, Sequence

from app.restrictions.domain import (
    CUTOFF_GRACE,
    DEFAULT_CUTOFF_MINUTES,
    BetType,
    Cutoff,
    CutoffSource,
    Kind,
    Level,
    RuleSpec,
    SaleContext,
    Violation,
)
from app.tz import at_time_phrase

# ---------------------------------------------------------------------------------------------
# Candidates and matching (§10.2)


def _owns(rule: RuleSpec, ctx: SaleContext) -> bool:
    if rule.user_id is not None:
        return rule.user_id == ctx.vendedor_id
    if rule.ventana_id is not None:
        return rule.ventana_id == ctx.ventana_id
    return rule.banca_id == ctx.banca_id


def rule_applies(rule: RuleSpec, ctx: SaleContext) -> bool:
    """Active, the vendedor's / his ventana's / his banca's, and lotería, sorteo, date, hour fit."""
    return (
        rule.is_active
        and _owns(rule, ctx)
        and (rule.loteria_id is None or rule.loteria_id == ctx.loteria_id)
        and (rule.sorteo_id is None or rule.sorteo_id == ctx.sorteo_id)
        and (rule.applies_to_date is None or rule.applies_to_date == ctx.cr_date)
        and (rule.applies_to_hour is None or rule.applies_to_hour == ctx.cr_hour)
    )


def applicable_rules(rules: Iterable[RuleSpec], ctx: SaleContext) -> list[RuleSpec]:
    """The candidate rules of §10.2 for this context, in first-match order."""
    return sorted((r for r in rules if rule_applies(r, ctx)), key=lambda r: r._order)


def auto_date_number(cr_date: date, digits: int) -> str:
    """Day of the month zero-padded to the sorteo's digits (§10.6): the 7th → '07' / '007'."""
    return f"{cr_date.day:0{digits}d}"


def rule_number(rule: RuleSpec, ctx: SaleContext) -> str | None:
    """The number a rule names in this context (auto-date → today's day), None = all numbers."""
    if rule.is_auto_date:
        return auto_date_number(ctx.cr_date, ctx.digits)
    return rule.number


class _Index:
    """First candidate per kind and key, so each lookup is O(1) (candidates already ordered)."""

    __slots__ = ("numbers", "multipliers", "ticket_total")

    def __init__(self, cands: Sequence[RuleSpec], ctx: SaleContext):
        self.numbers: dict = {}       # number | None -> (position, rule)
        self.multipliers: dict = {}   # (multiplier key, number | None) -> (position, rule)
        self.ticket_total = None
        for pos, rule in enumerate(cands):
            kind = rule.kind
            if kind is Kind.NUMBER_LIMIT:
                self.numbers.setdefault(rule_number(rule, ctx), (pos, rule))
            elif kind is Kind.MULTIPLIER:
                key = (_multiplier_key(rule.multiplier_kind, rule.multiplier_id), rule_number(rule, ctx))
                self.multipliers.setdefault(key, (pos, rule))
            elif kind is Kind.TICKET_TOTAL and self.ticket_total is None:
                self.ticket_total = rule

    @staticmethod
    def _earliest(first, second):
        if first is None:
            return None if second is None else second[1]
        if second is None or first[0] < second[0]:
            return first[1]
        return second[1]

    def number_rule(self, number: str):
        return self._earliest(self.numbers.get(number), self.numbers.get(None))

    def multiplier_rule(self, number: str, bet_type: str, multiplier_id: Any):
        key = _multiplier_key(bet_type, multiplier_id)
        return self._earliest(self.multipliers.get((key, number)), self.multipliers.get((key, None)))


def _multiplier_key(kind: str | None, multiplier_id: Any):
    """REVENTADO jugadas match any REVENTADO multiplier rule of the lotería (§10.4)."""
    return BetType.REVENTADO.value if kind == BetType.REVENTADO else ("N", multiplier_id)


def _multiplier_matches(rule: RuleSpec, bet_type: str, multiplier_id: Any) -> bool:
    return _multiplier_key(rule.multiplier_kind, rule.multiplier_id) == _multiplier_key(bet_type, multiplier_id)


def match_number_rule(rules: Iterable[RuleSpec], number: str, ctx: SaleContext):
    """THE number-limit rule of ``number`` (first match wins), or None (unlimited)."""
    return _Index(applicable_rules(rules, ctx), ctx).number_rule(number)


def match_multiplier_rule(
    rules: Iterable[RuleSpec],
    number: str,
    ctx: SaleContext,
    *,
    multiplier_id: Any = None,
    bet_type: str = BetType.NUMERO,
):
    """THE multiplier rule of a jugada on ``number`` (§10.4), or None (sellable)."""
    return _Index(applicable_rules(rules, ctx), ctx).multiplier_rule(number, bet_type, multiplier_id)


def ticket_total_rule(rules: Iterable[RuleSpec], ctx: SaleContext):
    """THE ticket-total rule for this context, or None."""
    return _Index(applicable_rules(rules, ctx), ctx).ticket_total


def blocked_multiplier_ids(
    rules: Iterable[RuleSpec], ctx: SaleContext, multiplier_ids: Iterable[Any]
) -> set:
    """NUMERO multipliers whose all-numbers rule blocks them (hidden from the sales select)."""
    cands = [r for r in applicable_rules(rules, ctx) if r.kind is Kind.MULTIPLIER]
    blocked = set()
    for mid in multiplier_ids:
        rule = next(
            (r for r in cands if r.number is None and not r.is_auto_date
             and _multiplier_matches(r, BetType.NUMERO, mid)),
            None,
        )
        if rule is not None and rule.blocks:
            blocked.add(mid)
    return blocked


def _covers_value(first: Any, second: Any) -> bool:
    return first is None or first == second


def _covers_numbers(first: RuleSpec, second: RuleSpec) -> bool:
    if first.number is None and not first.is_auto_date:
        return True
    return first.number == second.number and first.is_auto_date == second.is_auto_date


def covering_rule(rule: RuleSpec, rules: Iterable[RuleSpec]) -> RuleSpec | None:
    """A rule that always wins before ``rule`` wherever ``rule`` could apply (it never matches).

    Same kind, earlier in the §10.2 order, and no narrower in lotería, sorteo, date, hour, number
    and multiplier: e.g. a vendedor's all-numbers limit covers every banca number limit.
    """
    for other in sorted(rules, key=lambda r: r._order):
        if other is rule or other._order >= rule._order:
            break
        if other.kind is not rule.kind or not other.is_active:
            continue
        if not (_covers_value(other.loteria_id, rule.loteria_id)
                and _covers_value(other.sorteo_id, rule.sorteo_id)
                and _covers_value(other.applies_to_date, rule.applies_to_date)
                and _covers_value(other.applies_to_hour, rule.applies_to_hour)):
            continue
        if rule.kind is Kind.MULTIPLIER and not (
            other.multiplier_id == rule.multiplier_id
            or other.multiplier_kind == rule.multiplier_kind == BetType.REVENTADO
        ):
            continue
        if rule.kind in (Kind.NUMBER_LIMIT, Kind.MULTIPLIER) and not _covers_numbers(other, rule):
            continue
        return other
    return None


# ---------------------------------------------------------------------------------------------
# Cutoff (§10.5)


def resolve_cutoff(
    rules: Iterable[RuleSpec],
    ctx: SaleContext,
    loteria_closing_minutes: int | None = None,
    *,
    banca_only: bool = False,
) -> Cutoff:
    """Effective cutoff (D6): vendedor → ventana → banca rule → lotería → 5 minutes.

    ``banca_only`` skips vendedor and ventana rules (reopening a sorteo, §6).
    """
    levels = (Level.BANCA,) if banca_only else (Level.USER, Level.VENTANA, Level.BANCA)
    cutoffs = [r for r in applicable_rules(rules, ctx) if r.kind is Kind.CUTOFF]
    for level in levels:
        for rule in cutoffs:
            if rule.level is level:
                return Cutoff(int(rule.sales_cutoff_minutes), CutoffSource(level.value))
    if loteria_closing_minutes is not None:
        return Cutoff(int(loteria_closing_minutes), CutoffSource.LOTERIA)
    return Cutoff(DEFAULT_CUTOFF_MINUTES, CutoffSource.DEFAULT)


def closing_instant(scheduled_at: datetime, minutes: int) -> datetime:
    """When sales close (shown to users): scheduled_at − cutoff, without the grace."""
    return scheduled_at - timedelta(minutes=minutes)


def is_open_at(now: datetime, scheduled_at: datetime, minutes: int) -> bool:
    """True while now < scheduled_at − cutoff + grace."""
    return now < closing_instant(scheduled_at, minutes) + CUTOFF_GRACE


def check_cutoff(
    rules: Iterable[RuleSpec],
    ctx: SaleContext,
    now: datetime,
    loteria_closing_minutes: int | None = None,
) -> Violation | None:
    """Step 4 of §9.2: None while open, else 'El sorteo cerró a las 12:50 p. m. (corte de 5 min)'."""
    if ctx.scheduled_at is None:
        raise ValueError("SaleContext.scheduled_at is required to check the cutoff")
    cutoff = resolve_cutoff(rules, ctx, loteria_closing_minutes)
    if is_open_at(now, ctx.scheduled_at, cutoff.minutes):
        return None
    closed = at_time_phrase(closing_instant(ctx.scheduled_at, cutoff.minutes))
    return Violation(
        code="CUTOFF",
        message=f"El sorteo cerró {closed} (corte de {cutoff.minutes} min)",
    )
