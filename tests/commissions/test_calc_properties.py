"""Property tests for the commission maths (hypothesis): bounds, rounding, totals, hierarchy."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.commissions import calc
from app.commissions.calc import NUMERO, REVENTADO, Line, PolicySet

UTC = timezone.utc
LOTERIAS = [str(uuid.UUID(int=i)) for i in (1, 2, 3)]
AT = datetime(2026, 3, 7, 18, 40, tzinfo=UTC)

percents = st.integers(0, 10_000).map(lambda c: Decimal(c).scaleb(-2))
amounts = st.one_of(st.integers(1, 10_000_000).map(Decimal),
                    st.integers(1, 10**9).map(lambda c: Decimal(c).scaleb(-2)))
multipliers = st.sampled_from([Decimal(80), Decimal(85), Decimal(90), Decimal(92), Decimal("87.5")])

rule_st = st.fixed_dictionaries({
    "loteria_id": st.sampled_from([None, *LOTERIAS[:2]]),
    "bet_type": st.sampled_from([None, NUMERO, REVENTADO]),
    "multiplier_value": st.sampled_from([None, 85, 90, "87.5"]),
    "percent": percents.map(str),
})


def _key(r):
    mult = None if r["bet_type"] == REVENTADO or r["multiplier_value"] is None else Decimal(str(r["multiplier_value"]))
    return (r["loteria_id"], r["bet_type"], mult)


policy_st = st.builds(
    lambda default, rules: {"version": 1, "default_percent": str(default), "rules": rules},
    percents, st.lists(rule_st, max_size=8, unique_by=_key),
)
optional_policy = st.one_of(st.none(), policy_st)
line_st = st.builds(Line, st.sampled_from(LOTERIAS), st.sampled_from([NUMERO, REVENTADO]),
                    multipliers, amounts)
lines_st = st.lists(line_st, min_size=1, max_size=12)


def reference_amount(amount: Decimal, percent: Decimal) -> Decimal:
    """Half-up rounding done in integer cents, independently of Decimal quantize."""
    cents = int(amount * 100)
    hundredths = int(percent * 100)
    exact_num = cents * hundredths  # commission in units of 1e-4 cents
    rounded_cents = (exact_num + 5_000) // 10_000
    return Decimal(rounded_cents).scaleb(-2)


@given(amounts, percents)
def test_commission_amount_is_half_up_to_cents(amount, percent):
    result = calc.commission_amount(amount, percent)
    assert result.as_tuple().exponent == -2
    assert result == reference_amount(amount, percent)
    assert Decimal(0) <= result <= amount.quantize(Decimal("0.01"))
    assert abs(result - amount * percent / 100) <= Decimal("0.005")


@given(policy_st)
def test_validation_is_idempotent_and_keeps_bounds(doc):
    normalised = calc.validate_policy(doc)
    assert calc.validate_policy(normalised) == normalised
    compiled = calc.compile_policy(normalised)
    for pct in [compiled.default_percent, *(r.percent for r in compiled.rules)]:
        assert Decimal(0) <= pct <= Decimal(100)
        assert pct == pct.quantize(Decimal("0.01"))


@settings(max_examples=150)
@given(optional_policy, optional_policy, optional_policy, lines_st)
def test_snapshot_lines_bounds_and_totals(vendedor, ventana, banca, lines):
    snap = calc.snapshot_lines(lines, PolicySet(vendedor, ventana, banca), AT)
    assert len(snap.lines) == len(lines)
    assert snap.total_commission == sum((l.amount for l in snap.lines), Decimal("0.00"))
    assert snap.total_listero_commission == sum((l.listero_amount for l in snap.lines), Decimal("0.00"))
    seller = calc.resolve_vendedor(vendedor, ventana, banca, AT).policy
    for line, out in zip(lines, snap.lines):
        assert Decimal(0) <= out.percent <= Decimal(100)
        assert Decimal(0) <= out.listero_percent <= Decimal(100)
        assert out.amount == calc.commission_amount(line.amount, out.percent)
        assert out.listero_amount == calc.commission_amount(line.amount, out.listero_percent)
        if seller is None:
            assert (out.percent, out.rule_id) == (Decimal(0), None)
        elif out.rule_id is None:
            assert out.percent == seller.default_percent
        else:
            (matched,) = [r for r in seller.rules if r.id == out.rule_id]
            assert out.percent == matched.percent
            # first match wins: no earlier rule matches the jugada
            earlier = seller.rules[: seller.rules.index(matched)]
            assert not any(r.matches(line.loteria_id, line.bet_type, line.multiplier_value) for r in earlier)


@settings(max_examples=150)
@given(optional_policy, optional_policy, optional_policy, lines_st)
def test_listero_never_uses_the_vendedor_policy(vendedor, ventana, banca, lines):
    with_seller = calc.snapshot_lines(lines, PolicySet(vendedor, ventana, banca), AT)
    without = calc.snapshot_lines(lines, PolicySet(None, ventana, banca), AT)
    assert with_seller.total_listero_commission == without.total_listero_commission
    assert with_seller.listero_level == without.listero_level
    assert [(l.listero_percent, l.listero_amount, l.listero_rule_id) for l in with_seller.lines] == \
        [(l.listero_percent, l.listero_amount, l.listero_rule_id) for l in without.lines]


@given(policy_st, policy_st, st.integers(-1000, 1000))
def test_out_of_window_policy_is_skipped(own, ventana, offset_minutes):
    start = AT + timedelta(minutes=offset_minutes)
    own = {**own, "effective_from": start.isoformat(), "effective_to": (start + timedelta(hours=1)).isoformat()}
    level = calc.resolve_vendedor(own, ventana, None, AT).level
    effective = start <= AT < start + timedelta(hours=1)
    assert level == ("vendedor" if effective else "ventana")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)
rule_like = st.dictionaries(st.sampled_from(["id", "loteria_id", "bet_type", "multiplier_value", "percent", "x"]),
                            json_values, max_size=6)
doc_like = st.fixed_dictionaries({}, optional={
    "version": st.sampled_from([1, 2, "1", None, True]), "default_percent": json_values,
    "effective_from": json_values, "effective_to": json_values,
    "rules": st.one_of(json_values, st.lists(rule_like, max_size=5))})


@settings(max_examples=300)
@given(st.one_of(json_values, doc_like))
def test_any_json_either_validates_or_raises_policy_error(doc):
    try:
        normalised = calc.validate_policy(doc)
    except calc.PolicyError as exc:
        assert exc.errors and all(isinstance(m, str) and m for m in exc.errors.values())
        assert calc.compile_policy(doc) is None if isinstance(doc, dict) else True
    else:
        assert calc.validate_policy(normalised) == normalised
