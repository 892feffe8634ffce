"""Properties of the entry parser and the draft-line algebra (hypothesis)."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.sales import entry
from app.sales.entry import NUMERO, REVENTADO, EntryError

two = st.integers(0, 99).map(lambda n: f"{n:02d}")
three = st.integers(0, 999).map(lambda n: f"{n:03d}")
seps = st.sampled_from(["", " ", ",", ".", "  ", ", "])


@given(st.lists(two, min_size=1, max_size=30), st.lists(seps, min_size=30, max_size=30))
def test_plain_numbers_round_trip_whatever_the_separators(numbers, separators):
    text = "".join(n + s for n, s in zip(numbers, separators))
    assert entry.parse_numbers(text, 2) == numbers


@given(st.lists(three, min_size=1, max_size=20))
def test_three_digit_concatenated(numbers):
    assert entry.parse_numbers("".join(numbers), 3) == numbers


@given(two, two)
def test_range_is_inclusive_and_ordered(a, b):
    got = entry.parse_numbers(f"{a}-{b}", 2)
    lo, hi = sorted((int(a), int(b)))
    assert got == [f"{n:02d}" for n in range(lo, hi + 1)]


@given(st.text(alphabet="0123456789 -*,.", max_size=25), st.sampled_from([2, 3]))
def test_parser_never_crashes_and_numbers_are_well_formed(text, digits):
    try:
        numbers = entry.parse_numbers(text, digits)
    except EntryError as exc:
        assert exc.message and exc.field == "numeros"
        return
    assert numbers and all(len(n) == digits and n.isdigit() for n in numbers)


@given(st.text(max_size=20))
def test_arbitrary_text_only_raises_entry_error(text):
    try:
        entry.parse_numbers(text, 2)
    except EntryError:
        pass


@given(st.text(max_size=15))
def test_amount_parser_total(text):
    try:
        value = entry.parse_amount(text)
    except EntryError:
        return
    assert value > 0 and value == value.to_integral_value()


groups = st.lists(st.tuples(st.lists(two, min_size=1, max_size=5), st.integers(1, 5000),
                            st.sampled_from(["a", "b"]), st.one_of(st.none(), st.integers(1, 5000))),
                  min_size=1, max_size=6)


def _build(spec):
    lines = []
    for numbers, amount, mid, rev in spec:
        rev = None if rev is None else min(rev, amount)
        lines, _ = entry.add_group(lines, numbers=numbers, amount=Decimal(amount), multiplier_id=mid,
                                   multiplier_x=Decimal(90 if mid == "a" else 85),
                                   reventado=None if rev is None else Decimal(rev))
    return lines


@settings(max_examples=60)
@given(groups)
def test_merge_preserves_total_and_keys_are_unique(spec):
    lines = _build(spec)
    merged = entry.merge_lines(lines)
    assert entry.ticket_total(merged) == sum((line.amount for line in lines), Decimal(0))
    assert len({m.key for m in merged}) == len(merged)
    assert entry.reventado_problems(merged) == {}
    shown = sum((g.subtotal for b in entry.group_for_display(merged) for g in b.groups), Decimal(0))
    assert shown == entry.ticket_total(merged)


@settings(max_examples=60)
@given(groups)
def test_undo_every_group_empties(spec):
    lines = _build(spec)
    for _ in spec:
        lines = entry.remove_last_group(lines)
    assert lines == []


@settings(max_examples=60)
@given(groups, two, st.integers(0, 20000))
def test_adjust_never_exceeds_available(spec, number, available):
    lines = entry.adjust_number(_build(spec), number, Decimal(available))
    merged = entry.merge_lines(lines)
    on_number = sum((m.amount for m in merged if m.number == number), Decimal(0))
    assert on_number <= available
    assert entry.reventado_problems(merged) == {}


@settings(max_examples=60)
@given(groups)
def test_mapping_by_same_values_keeps_everything(spec):
    lines = _build(spec)
    targets = [entry.Multiplier("x90", Decimal("90.00")), entry.Multiplier("x85", Decimal("85"))]
    moved, notes = entry.map_multipliers(lines, targets, digits=2, reventado_enabled=True)
    assert notes == []
    assert entry.ticket_total(entry.merge_lines(moved)) == entry.ticket_total(entry.merge_lines(lines))
    assert {m.multiplier_id for m in entry.merge_lines(moved) if m.type == NUMERO} <= {"x90", "x85"}
    assert all(m.type in (NUMERO, REVENTADO) for m in entry.merge_lines(moved))
