"""Pure restriction-rule engine (DOMAIN §10): no database, no Flask.

Inputs are plain frozen dataclasses built by the service layer:

- ``RuleSpec``: one RestrictionRule row (DOMAIN §4) with its level (BANCA / VENTANA / USER,
  derived from ``ventana_id`` / ``user_id``) and its kind (derived from its fields, §10.1).
  Multiplier rules also carry ``multiplier_kind`` and ``multiplier_label`` ("85x", "Roja 200x")
  denormalised from the multiplier row.
- ``Line``: one jugada being sold (type NUMERO|REVENTADO, number, amount, multiplier).
- ``SaleContext``: vendedor, ventana, banca, lotería, sorteo, the CR date and hour of the
  validation instant, the sorteo's digits, its scheduled instant and the lotería's name.

Public API (what the sale service and the pages call):

- ``derive_kind(rule) -> Kind`` (also ``RuleSpec.kind``); field validation lives next door in
  ``app.restrictions.validation``: ``validate_rule(rule, *, today=None, digits=None) ->
  list[FieldError]`` and ``uniqueness_key(rule)``.
- ``applicable_rules(rules, ctx)``: the candidates of §10.2 in first-match order.
- ``resolve_cutoff(rules, ctx, loteria_closing_minutes) -> Cutoff(minutes, source)`` (D6 chain:
  vendedor → ventana → banca rule → lotería → 5 min); ``closing_instant``, ``is_open_at``,
  ``check_cutoff`` (the sale's step 4 with its Spanish message).
- ``match_number_rule(rules, number, ctx)``, ``match_multiplier_rule(rules, number, ctx, *,
  multiplier_id=None, bet_type=NUMERO)``, ``ticket_total_rule(rules, ctx)``.
- ``required_accumulators(rules, lines, ctx) -> list[(AccKey, delta)]``: every exposure
  accumulator row a sale feeds (§11.1), in a fixed order; ``rules`` never changes the set.
- ``precheck_ticket(rules, lines, ctx, now_cr)``: step 7 (no accumulated totals needed).
- ``check_ticket(rules, lines, ctx, accumulated, now_cr) -> list[Violation]``: step 7, then
  (only if it passed) step 8 against ``accumulated`` = A(n) / S WITHOUT this ticket.
- ``availability(rules, numbers, ctx, accumulated, *, multiplier_id=None)`` -> per number an
  ``Availability`` or ``None`` ("sin tope"); ``blocked_multiplier_ids(rules, ctx, ids)``.
- ``format_colones`` is ``app.formatting.format_colones`` (re-exported).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping, Sequence

from app.formatting import format_colones
from app.restrictions.domain import (
    CENT,
    CUTOFF_GRACE,
    DEFAULT_CUTOFF_MINUTES,
    FILTER_ALL,
    FILTER_REVENTADO,
    FILTER_TICKET,
    PRIORITY,
    TICKET_NUMBER,
    ZERO,
    AccKey,
    Availability,
    BetType,
    Cutoff,
    CutoffSource,
    Kind,
    Level,
    Line,
    RuleSpec,
    SaleContext,
    ScopeType,
    Violation,
    derive_kind,
)
from app.tz import at_time_phrase

# ---------------------------------------------------------------------------------------------
# Formatting (UX §7.2); money comes from app.formatting, CR time from app.tz


def format_multiplier_value(value: Decimal | int | None) -> str:
    """'85x', '92,5x'."""
    if value is None:
        return "?"
    dec = Decimal(value)
    text = str(int(dec)) if dec == dec.to_integral_value() else format(dec.normalize(), "f")
    return text.replace(".", ",") + "x"


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


def _names(rule: RuleSpec, number: str, ctx: SaleContext) -> bool:
    named = rule_number(rule, ctx)
    return named is None or named == number


def _first_number_rule(cands: Sequence[RuleSpec], number: str, ctx: SaleContext):
    for rule in cands:
        if rule.kind is Kind.NUMBER_LIMIT and _names(rule, number, ctx):
            return rule
    return None


def _multiplier_matches(rule: RuleSpec, bet_type: str, multiplier_id: Any) -> bool:
    if bet_type == BetType.REVENTADO:
        return rule.multiplier_kind == BetType.REVENTADO
    return rule.multiplier_kind != BetType.REVENTADO and rule.multiplier_id == multiplier_id


def _first_multiplier_rule(cands, number, ctx, bet_type, multiplier_id):
    for rule in cands:
        if (
            rule.kind is Kind.MULTIPLIER
            and _multiplier_matches(rule, bet_type, multiplier_id)
            and _names(rule, number, ctx)
        ):
            return rule
    return None


def _first_ticket_total_rule(cands: Sequence[RuleSpec]):
    return next((r for r in cands if r.kind is Kind.TICKET_TOTAL), None)


def match_number_rule(rules: Iterable[RuleSpec], number: str, ctx: SaleContext):
    """THE number-limit rule of ``number`` (first match wins), or None (unlimited)."""
    return _first_number_rule(applicable_rules(rules, ctx), number, ctx)


def match_multiplier_rule(
    rules: Iterable[RuleSpec],
    number: str,
    ctx: SaleContext,
    *,
    multiplier_id: Any = None,
    bet_type: str = BetType.NUMERO,
):
    """THE multiplier rule of a jugada on ``number`` (§10.4), or None (sellable)."""
    cands = applicable_rules(rules, ctx)
    return _first_multiplier_rule(cands, number, ctx, bet_type, multiplier_id)


def ticket_total_rule(rules: Iterable[RuleSpec], ctx: SaleContext):
    """THE ticket-total rule for this context, or None."""
    return _first_ticket_total_rule(applicable_rules(rules, ctx))


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
        if rule is not None and _blocks(rule):
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


# ---------------------------------------------------------------------------------------------
# Accumulators (§11.1)

_SCOPE_ORDER = (ScopeType.VENDEDOR, ScopeType.VENTANA, ScopeType.BANCA)


def _scope_ids(ctx: SaleContext) -> dict[ScopeType, Any]:
    return {
        ScopeType.VENDEDOR: ctx.vendedor_id,
        ScopeType.VENTANA: ctx.ventana_id,
        ScopeType.BANCA: ctx.banca_id,
    }


def accumulation_scope(rule: RuleSpec, ctx: SaleContext) -> tuple[ScopeType, Any]:
    """Whose sales a rule's A(n) and S count (§10.3)."""
    if rule.level is Level.USER or rule.applies_to_vendedor:
        return ScopeType.VENDEDOR, ctx.vendedor_id
    if rule.level is Level.VENTANA:
        return ScopeType.VENTANA, rule.ventana_id
    return ScopeType.BANCA, rule.banca_id


def multiplier_filter(bet_type: str, multiplier_id: Any) -> str:
    """Accumulator filter of a jugada's multiplier: 'REVENTADO' or str(multiplier_id)."""
    return FILTER_REVENTADO if bet_type == BetType.REVENTADO else str(multiplier_id)


def _ticket_sums(lines: Sequence[Line]) -> tuple[dict, dict, Decimal]:
    """Per number T(n), per (number, filter) T_m(n), and the ticket total."""
    per_number: dict[str, Decimal] = {}
    per_filter: dict[tuple[str, str], Decimal] = {}
    total = ZERO
    for line in lines:
        amount = Decimal(line.amount)
        total += amount
        per_number[line.number] = per_number.get(line.number, ZERO) + amount
        key = (line.number, multiplier_filter(line.type, line.multiplier_id))
        per_filter[key] = per_filter.get(key, ZERO) + amount
    return per_number, per_filter, total


def required_accumulators(
    rules: Iterable[RuleSpec] | None, lines: Sequence[Line], ctx: SaleContext
) -> list[tuple[AccKey, Decimal]]:
    """Every accumulator row this ticket feeds and its delta, in a fixed (lock) order.

    Every sale feeds the vendedor, ventana and banca scopes with filter 'all' per number, its
    multiplier (or 'REVENTADO') per number, and the TICKET row (number '') with the ticket
    total, so that any rule — present or future — finds its A(n) and S (§11.1). ``rules`` is
    accepted for symmetry and does not change the set. Negate the deltas for cancel / exclude.
    """
    per_number, per_filter, total = _ticket_sums(lines)
    rows: list[tuple[AccKey, Decimal]] = []
    for scope in _SCOPE_ORDER:
        scope_id = _scope_ids(ctx)[scope]
        for number, amount in per_number.items():
            rows.append((AccKey(ctx.sorteo_id, number, scope.value, scope_id, FILTER_ALL), amount))
        for (number, filt), amount in per_filter.items():
            rows.append((AccKey(ctx.sorteo_id, number, scope.value, scope_id, filt), amount))
        rows.append(
            (AccKey(ctx.sorteo_id, TICKET_NUMBER, scope.value, scope_id, FILTER_TICKET), total)
        )
    rows.sort(key=lambda row: _norm_key(row[0]))
    return rows


def _norm_key(key: Sequence[Any]) -> tuple[str, ...]:
    return tuple(str(part) for part in key)


class _Totals:
    """Read-only view of A(n) / S, tolerant of UUID-vs-str ids; a missing row is 0."""

    __slots__ = ("_data",)

    def __init__(self, accumulated: Mapping[Any, Decimal] | None):
        self._data = {_norm_key(k): Decimal(v) for k, v in (accumulated or {}).items()}

    def get(self, ctx, number, scope_type, scope_id, filt) -> Decimal:
        key = (str(ctx.sorteo_id), number, str(scope_type), str(scope_id), filt)
        return self._data.get(key, ZERO)


# ---------------------------------------------------------------------------------------------
# Limits (§10.3)


def _blocks(rule: RuleSpec) -> bool:
    """A multiplier rule without amounts blocks (D5); any limit rule with a 0 cap blocks."""
    if rule.kind is Kind.MULTIPLIER and not rule.has_amounts:
        return True
    return rule.max_amount == 0 or rule.max_total == 0


def _needs_sales(rule: RuleSpec) -> bool:
    return bool(rule.base_amount) and bool(rule.sales_percentage)


def dynamic_limit(rule: RuleSpec, scope_sales: Decimal) -> Decimal | None:
    """D = max(base, S × pct / 100) when base > 0 (D4); base alone when pct is 0; else None."""
    if not rule.base_amount:
        return None
    base = Decimal(rule.base_amount)
    if not rule.sales_percentage:
        return base
    share = (Decimal(scope_sales) * Decimal(rule.sales_percentage) / 100).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    return max(base, share)


def _min(*values: Decimal | None) -> Decimal | None:
    present = [Decimal(v) for v in values if v is not None]
    return min(present) if present else None


def rule_limits(rule: RuleSpec, scope_sales: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """(per-ticket cap = min(max_amount, D), accumulated limit L = min(max_total, D)) (D3)."""
    dyn = dynamic_limit(rule, scope_sales)
    per_ticket = _min(rule.max_amount, dyn) if rule.max_amount is not None else None
    total = _min(rule.max_total, dyn)
    return per_ticket, total


@dataclass(slots=True)
class _Group:
    """One checked unit: a number under its number rule, or (number, multiplier) under its rule."""

    number: str
    rule: RuleSpec
    amount: Decimal
    filter: str
    label: str | None = None  # multiplier label, None for the number rule
    multiplier_id: Any = None


def _groups(cands, lines, ctx) -> tuple[list[_Group], list[_Group], Decimal]:
    per_number, per_filter, total = _ticket_sums(lines)
    number_groups = []
    for number in sorted(per_number):
        rule = _first_number_rule(cands, number, ctx)
        if rule is not None:
            number_groups.append(_Group(number, rule, per_number[number], FILTER_ALL))
    seen: dict[tuple[str, str], Line] = {}
    for line in lines:
        seen.setdefault((line.number, multiplier_filter(line.type, line.multiplier_id)), line)
    mult_groups = []
    for (number, filt) in sorted(seen):
        line = seen[(number, filt)]
        rule = _first_multiplier_rule(cands, number, ctx, line.type, line.multiplier_id)
        if rule is None:
            continue
        if line.type == BetType.REVENTADO:
            label = rule.multiplier_label or "Reventado"
        else:
            label = format_multiplier_value(line.multiplier_value)
        mult_groups.append(
            _Group(number, rule, per_filter[(number, filt)], filt, label, line.multiplier_id)
        )
    return number_groups, mult_groups, total


def _subject(group: _Group) -> str:
    if group.label is None:
        return f"Número {group.number}"
    return f"Número {group.number} con {group.label}"


def _block_violation(group: _Group, ctx: SaleContext) -> Violation:
    if group.label is None:
        message = f"Número {group.number} bloqueado en este sorteo"
        code = "BLOCKED"
    else:
        where = ctx.loteria_name or "este sorteo"
        message = group.rule.message or f"Multiplicador {group.label} no permitido en {where}"
        code = "MULTIPLIER_BLOCKED"
    return Violation(code, message, group.number, ZERO, group.rule.id, group.multiplier_id)


def _limit_violation(group: _Group, per_ticket, limit, accumulated) -> Violation | None:
    room = None if limit is None else limit - accumulated
    over_ticket = per_ticket is not None and group.amount > per_ticket
    over_total = room is not None and group.amount > room
    if not (over_ticket or over_total):
        return None
    available = max(ZERO, _min(per_ticket, room))
    if available == 0:
        code, text = "NO_QUOTA", "sin cupo en este sorteo"
    elif per_ticket is not None and (room is None or per_ticket <= room):
        code, text = "MAX_PER_TICKET", f"máximo {format_colones(per_ticket)} por tiquete"
    else:
        code, text = "REMAINING", f"quedan {format_colones(available)}"
    return Violation(
        code, f"{_subject(group)}: {text}", group.number, available, group.rule.id,
        group.multiplier_id,
    )


def _number_cutoff_violation(group: _Group, ctx: SaleContext, now: datetime):
    minutes = group.rule.sales_cutoff_minutes
    if group.label is not None or minutes is None:
        return None
    if ctx.scheduled_at is None:
        raise ValueError("SaleContext.scheduled_at is required for per-number cutoffs")
    if is_open_at(now, ctx.scheduled_at, minutes):
        return None
    closed = at_time_phrase(closing_instant(ctx.scheduled_at, minutes))
    message = f"Número {group.number}: cerró {closed} (corte de {minutes} min)"
    return Violation("NUMBER_CUTOFF", message, group.number, ZERO, group.rule.id)


def _static_violations(cands, number_groups, mult_groups, total, ctx, now) -> list[Violation]:
    """Step 7 of §9.2: per-number cutoffs, blocks, static max_amount, ticket total."""
    found: list[Violation] = []
    for group in [*number_groups, *mult_groups]:
        violation = _number_cutoff_violation(group, ctx, now)
        if violation is None and _blocks(group.rule):
            violation = _block_violation(group, ctx)
        if violation is None and not _needs_sales(group.rule):
            per_ticket, _ = rule_limits(group.rule, ZERO)
            violation = _limit_violation(group, per_ticket, None, ZERO)
        if violation is not None:
            found.append(violation)
    rule = _first_ticket_total_rule(cands)
    if rule is not None and total > rule.max_ticket_total:
        cap = Decimal(rule.max_ticket_total)
        message = f"Tiquete: máximo {format_colones(cap)} por tiquete"
        found.append(Violation("TICKET_TOTAL", message, None, cap, rule.id))
    return _sorted(found)


def _sorted(violations: list[Violation]) -> list[Violation]:
    # Stable: for one number its number-rule violation stays before its multiplier ones.
    return sorted(violations, key=lambda v: (v.number is None, v.number or ""))


def _group_state(group: _Group, ctx: SaleContext, totals: _Totals):
    scope_type, scope_id = accumulation_scope(group.rule, ctx)
    sales = totals.get(ctx, TICKET_NUMBER, scope_type, scope_id, FILTER_TICKET)
    accumulated = totals.get(ctx, group.number, scope_type, scope_id, group.filter)
    per_ticket, limit = rule_limits(group.rule, sales)
    return scope_type, accumulated, per_ticket, limit


def _accumulated_violations(number_groups, mult_groups, ctx, totals) -> list[Violation]:
    """Step 8 of §9.2: max_total / dynamic limits (and dynamic per-ticket caps)."""
    found = []
    for group in [*number_groups, *mult_groups]:
        _, accumulated, per_ticket, limit = _group_state(group, ctx, totals)
        violation = _limit_violation(group, per_ticket, limit, accumulated)
        if violation is not None:
            found.append(violation)
    return _sorted(found)


def precheck_ticket(
    rules: Iterable[RuleSpec], lines: Sequence[Line], ctx: SaleContext, now_cr: datetime
) -> list[Violation]:
    """Step 7 only (no accumulated totals): run it before taking the accumulator row locks."""
    cands = applicable_rules(rules, ctx)
    number_groups, mult_groups, total = _groups(cands, lines, ctx)
    return _static_violations(cands, number_groups, mult_groups, total, ctx, now_cr)


def check_ticket(
    rules: Iterable[RuleSpec],
    lines: Sequence[Line],
    ctx: SaleContext,
    accumulated: Mapping[Any, Decimal] | None,
    now_cr: datetime,
) -> list[Violation]:
    """Every violation of the ticket: step 7 if any fails, else step 8. Empty list = accepted.

    ``accumulated`` maps ``AccKey`` (or equal tuples; ids compared as strings) to the totals
    WITHOUT this ticket; missing rows count 0. ``None`` skips step 8.
    """
    cands = applicable_rules(rules, ctx)
    number_groups, mult_groups, total = _groups(cands, lines, ctx)
    found = _static_violations(cands, number_groups, mult_groups, total, ctx, now_cr)
    if found or accumulated is None:
        return found
    return _accumulated_violations(number_groups, mult_groups, ctx, _Totals(accumulated))


def violation_messages(violations: Iterable[Violation]) -> list[str]:
    """Distinct messages in order (a blocked multiplier on several numbers reads once)."""
    return list(dict.fromkeys(v.message for v in violations))


# ---------------------------------------------------------------------------------------------
# Balances view (§10.3)


def _availability_of(group: _Group, ctx: SaleContext, totals: _Totals) -> Availability:
    scope_type, accumulated, per_ticket, limit = _group_state(group, ctx, totals)
    if _blocks(group.rule):
        remaining = ZERO
    else:
        room = None if limit is None else limit - accumulated
        remaining = max(ZERO, _min(per_ticket, room))
    return Availability(
        number=group.number,
        remaining=remaining,
        limit=limit,
        accumulated=accumulated,
        scope=scope_type,
        level=group.rule.level,
        rule_id=group.rule.id,
        per_ticket=per_ticket,
        blocked=_blocks(group.rule),
    )


def _multiplier_rules_for(cands, number, ctx, multiplier_id):
    if multiplier_id is not None:
        rule = _first_multiplier_rule(cands, number, ctx, BetType.NUMERO, multiplier_id)
        return [] if rule is None else [(rule, str(multiplier_id), multiplier_id)]
    found, seen = [], set()
    for rule in cands:
        if rule.kind is not Kind.MULTIPLIER or not _names(rule, number, ctx):
            continue
        is_rev = rule.multiplier_kind == BetType.REVENTADO
        filt = FILTER_REVENTADO if is_rev else str(rule.multiplier_id)
        if filt in seen:
            continue
        seen.add(filt)
        # Without a chosen multiplier only limits count: a block leaves other multipliers open.
        if rule.has_amounts and not _blocks(rule):
            found.append((rule, filt, None if is_rev else rule.multiplier_id))
    return found


def availability(
    rules: Iterable[RuleSpec],
    numbers: Iterable[str],
    ctx: SaleContext,
    accumulated: Mapping[Any, Decimal] | None,
    *,
    multiplier_id: Any = None,
) -> dict[str, Availability | None]:
    """Per number what one more ticket may still put on it; None = "sin tope".

    With ``multiplier_id`` the number's rule and that multiplier's rule count; without it every
    multiplier rule with amounts on the number counts (the smaller remaining wins).
    """
    cands = applicable_rules(rules, ctx)
    totals = _Totals(accumulated)
    result: dict[str, Availability | None] = {}
    for number in numbers:
        options = []
        rule = _first_number_rule(cands, number, ctx)
        if rule is not None and (rule.has_amounts or _blocks(rule)):
            options.append(_availability_of(_Group(number, rule, ZERO, FILTER_ALL), ctx, totals))
        for mrule, filt, mid in _multiplier_rules_for(cands, number, ctx, multiplier_id):
            group = _Group(number, mrule, ZERO, filt, mrule.multiplier_label or "", mid)
            options.append(_availability_of(group, ctx, totals))
        result[number] = min(options, key=lambda a: a.remaining) if options else None
    return result


def ticket_total_limit(rules: Iterable[RuleSpec], ctx: SaleContext) -> Decimal | None:
    """The max_ticket_total in force (balances view), or None."""
    rule = ticket_total_rule(rules, ctx)
    return None if rule is None else Decimal(rule.max_ticket_total)


__all__ = [
    "CUTOFF_GRACE", "DEFAULT_CUTOFF_MINUTES", "FILTER_ALL", "FILTER_REVENTADO", "FILTER_TICKET",
    "PRIORITY", "TICKET_NUMBER", "AccKey", "Availability", "BetType", "Cutoff", "CutoffSource",
    "Kind", "Level",
    "Line", "RuleSpec", "SaleContext", "ScopeType", "Violation", "accumulation_scope",
    "applicable_rules", "availability", "blocked_multiplier_ids", "check_cutoff", "check_ticket",
    "closing_instant", "covering_rule", "derive_kind", "dynamic_limit", "format_colones", "format_multiplier_value",
    "is_open_at", "match_multiplier_rule", "match_number_rule", "precheck_ticket",
    "required_accumulators", "resolve_cutoff", "rule_limits", "ticket_total_limit",
    "ticket_total_rule", "violation_messages",
]
