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
from datetime import datetime
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
from app.restrictions.matching import (
    _Index,
    applicable_rules,
    auto_date_number,
    blocked_multiplier_ids,
    check_cutoff,
    closing_instant,
    covering_rule,
    is_open_at,
    match_multiplier_rule,
    match_number_rule,
    resolve_cutoff,
    rule_applies,
    rule_number,
    ticket_total_rule,
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
# Accumulators (§11.1)

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


@dataclass(slots=True)
class _Sums:
    """T(n) per number, T_m(n) per (number, filter) with its first line, and the ticket total."""

    per_number: dict
    per_filter: dict
    first_line: dict
    total: Decimal


def _ticket_sums(lines: Sequence[Line]) -> _Sums:
    per_number: dict[str, Decimal] = {}
    per_filter: dict[tuple[str, str], Decimal] = {}
    first_line: dict[tuple[str, str], Line] = {}
    filters: dict[tuple, str] = {}
    total = ZERO
    for line in lines:
        amount = line.amount if isinstance(line.amount, Decimal) else Decimal(line.amount)
        total += amount
        per_number[line.number] = per_number.get(line.number, ZERO) + amount
        fkey = (line.type, line.multiplier_id)
        filt = filters.get(fkey)
        if filt is None:
            filt = filters[fkey] = multiplier_filter(line.type, line.multiplier_id)
        key = (line.number, filt)
        per_filter[key] = per_filter.get(key, ZERO) + amount
        first_line.setdefault(key, line)
    return _Sums(per_number, per_filter, first_line, total)


def required_accumulators(
    rules: Iterable[RuleSpec] | None, lines: Sequence[Line], ctx: SaleContext
) -> list[tuple[AccKey, Decimal]]:
    """Every accumulator row this ticket feeds and its delta, in a fixed (lock) order.

    Every sale feeds the vendedor, ventana and banca scopes with filter 'all' per number, its
    multiplier (or 'REVENTADO') per number, and the TICKET row (number '') with the ticket
    total, so that any rule — present or future — finds its A(n) and S (§11.1). ``rules`` is
    accepted for symmetry and does not change the set. Rows are ordered by the key's text
    (sorteo, number, scope type, scope id, filter). Negate the deltas for cancel / exclude.
    """
    sums = _ticket_sums(lines)
    by_number: dict[str, list[tuple[str, Decimal]]] = {TICKET_NUMBER: [(FILTER_TICKET, sums.total)]}
    for number, amount in sums.per_number.items():
        by_number.setdefault(number, []).append((FILTER_ALL, amount))
    for (number, filt), amount in sums.per_filter.items():
        by_number[number].append((filt, amount))
    # One sorteo per ticket, one scope id per scope type: ordering by (number, scope type,
    # filter) orders by the whole key, the same way in every transaction.
    scopes = sorted(((ScopeType.VENDEDOR.value, ctx.vendedor_id), (ScopeType.VENTANA.value, ctx.ventana_id),
                     (ScopeType.BANCA.value, ctx.banca_id)))
    rows: list[tuple[AccKey, Decimal]] = []
    sorteo_id = ctx.sorteo_id
    for number in sorted(by_number):
        entries = sorted(by_number[number])
        for scope_type, scope_id in scopes:
            for filt, amount in entries:
                rows.append((AccKey(sorteo_id, number, scope_type, scope_id, filt), amount))
    return rows


def _norm_key(key: Sequence[Any]) -> tuple[str, ...]:
    return tuple(str(part) for part in key)


class _Totals:
    """Read-only view of A(n) / S; a missing row is 0. Keys are matched as given (AccKey with the
    context's ids) and, failing that, with every part compared as text (UUID vs str ids)."""

    __slots__ = ("_raw", "_text")

    def __init__(self, accumulated: Mapping[Any, Decimal] | None):
        self._raw = accumulated or {}
        self._text: dict | None = None

    def get(self, ctx, number, scope_type, scope_id, filt) -> Decimal:
        if not self._raw:
            return ZERO
        value = self._raw.get((ctx.sorteo_id, number, str(scope_type), scope_id, filt))
        if value is None:
            if self._text is None:
                self._text = {_norm_key(k): v for k, v in self._raw.items()}
            value = self._text.get((str(ctx.sorteo_id), number, str(scope_type), str(scope_id), filt))
        if value is None:
            return ZERO
        return value if isinstance(value, Decimal) else Decimal(value)


# ---------------------------------------------------------------------------------------------
# Limits (§10.3)


def _blocks(rule: RuleSpec) -> bool:
    """A multiplier rule without amounts blocks (D5); any limit rule with a 0 cap blocks."""
    return rule.blocks


def _needs_sales(rule: RuleSpec) -> bool:
    return rule.needs_sales


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


def _groups(index: _Index, sums: _Sums) -> tuple[list[_Group], list[_Group]]:
    number_groups = []
    for number in sorted(sums.per_number):
        rule = index.number_rule(number)
        if rule is not None:
            number_groups.append(_Group(number, rule, sums.per_number[number], FILTER_ALL))
    mult_groups = []
    for (number, filt) in sorted(sums.per_filter):
        line = sums.first_line[(number, filt)]
        rule = index.multiplier_rule(number, line.type, line.multiplier_id)
        if rule is None:
            continue
        if line.type == BetType.REVENTADO:
            label = rule.multiplier_label or "Reventado"
        else:
            label = format_multiplier_value(line.multiplier_value)
        mult_groups.append(
            _Group(number, rule, sums.per_filter[(number, filt)], filt, label, line.multiplier_id)
        )
    return number_groups, mult_groups


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


def _static_violations(index, number_groups, mult_groups, total, ctx, now) -> list[Violation]:
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
    rule = index.ticket_total
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
    index = _Index(applicable_rules(rules, ctx), ctx)
    sums = _ticket_sums(lines)
    number_groups, mult_groups = _groups(index, sums)
    return _static_violations(index, number_groups, mult_groups, sums.total, ctx, now_cr)


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
    index = _Index(applicable_rules(rules, ctx), ctx)
    sums = _ticket_sums(lines)
    number_groups, mult_groups = _groups(index, sums)
    found = _static_violations(index, number_groups, mult_groups, sums.total, ctx, now_cr)
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


def _multiplier_rules_for(index: _Index, number: str, multiplier_id: Any):
    if multiplier_id is not None:
        rule = index.multiplier_rule(number, BetType.NUMERO, multiplier_id)
        return [] if rule is None else [(rule, str(multiplier_id), multiplier_id)]
    found = []
    for key in dict.fromkeys(key for key, _ in index.multipliers):
        rule = index._earliest(index.multipliers.get((key, number)), index.multipliers.get((key, None)))
        # Without a chosen multiplier only limits count: a block leaves other multipliers open.
        if rule is None or not rule.has_amounts or _blocks(rule):
            continue
        if key == BetType.REVENTADO.value:
            found.append((rule, FILTER_REVENTADO, None))
        else:
            found.append((rule, str(rule.multiplier_id), rule.multiplier_id))
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
    index = _Index(applicable_rules(rules, ctx), ctx)
    totals = _Totals(accumulated)
    result: dict[str, Availability | None] = {}
    for number in numbers:
        options = []
        rule = index.number_rule(number)
        if rule is not None and (rule.has_amounts or _blocks(rule)):
            options.append(_availability_of(_Group(number, rule, ZERO, FILTER_ALL), ctx, totals))
        for mrule, filt, mid in _multiplier_rules_for(index, number, multiplier_id):
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
    "Kind", "Level", "Line", "RuleSpec", "SaleContext", "ScopeType", "Violation",
    "accumulation_scope", "applicable_rules", "auto_date_number", "availability",
    "blocked_multiplier_ids", "check_cutoff", "check_ticket", "closing_instant", "covering_rule",
    "derive_kind", "dynamic_limit", "format_colones", "format_multiplier_value", "is_open_at",
    "match_multiplier_rule", "match_number_rule", "precheck_ticket", "required_accumulators",
    "resolve_cutoff", "rule_applies", "rule_limits", "rule_number", "ticket_total_limit",
    "ticket_total_rule", "violation_messages",
]
