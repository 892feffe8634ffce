"""Property-based tests of the pure restriction engine (DOMAIN §10.2–§10.3; issue 4 item 2)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.restrictions.rules import (
    Level,
    applicable_rules,
    availability,
    check_ticket,
    match_number_rule,
)
from tests.restrictions.restrictions_engine_helpers import (
    M90, NOW, TICA, V, W, X, Y, Z, cr, ctx, feed, num, rev, rule,
)

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
NUMBERS = ["07", "13", "14"]            # "07" is today's auto-date number (the 7th)
OWNERS = {                              # level → scope fields (incl. rules of other sellers)
    "banca": {},
    "ventana": {"ventana_id": V},
    "other_ventana": {"ventana_id": W},
    "user": {"user_id": X},
    "other_user": {"user_id": Y},
}

amounts = st.integers(min_value=0, max_value=5_000).map(Decimal)
maybe_amount = st.none() | amounts


@st.composite
def number_rules(draw, owners=tuple(OWNERS)):
    owner = draw(st.sampled_from(owners))
    target = draw(st.sampled_from(["all", "auto", *NUMBERS]))
    base = draw(st.none() | st.integers(min_value=1, max_value=3_000).map(Decimal))
    fields = dict(
        OWNERS[owner],
        number=target if target in NUMBERS else None,
        is_auto_date=target == "auto",
        max_amount=draw(maybe_amount),
        max_total=draw(maybe_amount),
        base_amount=base,
        sales_percentage=draw(st.sampled_from([None, Decimal(3), Decimal("12.5")])) if base else None,
        applies_to_vendedor=draw(st.booleans()),
        loteria_id=draw(st.sampled_from([None, TICA])),
        updated_at=datetime(2026, 1, 1) + timedelta(minutes=draw(st.integers(0, 1000))),
    )
    if not any(fields[k] is not None for k in ("max_amount", "max_total", "base_amount")):
        fields["max_total"] = draw(amounts)
    return rule(**fields)


@st.composite
def sold(draw):
    """Accumulated live sales of X, Y (ventana V) and Z (ventana W) on the numbers."""
    acc: dict = {}
    for seller, ventana in ((X, V), (Y, V), (Z, W)):
        lines = [num(n, draw(st.integers(0, 3_000))) for n in NUMBERS]
        lines = [line for line in lines if line.amount > 0]
        if lines:
            feed(acc, lines, ctx(seller, ventana))
    return acc


@SETTINGS
@given(st.lists(number_rules(owners=("banca", "ventana", "other_user")), max_size=6),
       number_rules(owners=("user",)), st.sampled_from(NUMBERS))
def test_vendedor_rule_overrides_ventana_and_banca_for_its_number(others, mine, number):
    c = ctx()
    matched = match_number_rule([*others, mine], number, c)
    names_it = mine.number in (None, number) and not (mine.is_auto_date and number != "07")
    if names_it:
        assert matched is mine
        assert matched.level is Level.USER
    else:
        assert matched is None or matched.level is not Level.USER


@SETTINGS
@given(st.lists(number_rules(), max_size=6), st.sampled_from(NUMBERS), sold())
def test_availability_never_negative_and_sells_exactly(rules, number, acc):
    c = ctx()
    avail = availability(rules, [number], c, acc)[number]
    if avail is None:
        assert check_ticket(rules, [num(number, 10**7)], c, acc, NOW) == []
        return
    assert avail.remaining >= 0
    whole = int(avail.remaining)   # bets are whole colones
    if whole > 0:
        assert check_ticket(rules, [num(number, whole)], c, acc, NOW) == []
    refused = check_ticket(rules, [num(number, whole + 1)], c, acc, NOW)
    assert [v.number for v in refused] == [number]
    assert refused[0].available == avail.remaining


@SETTINGS
@given(st.integers(0, 10_000), st.integers(0, 10_000),
       st.sampled_from(["banca", "ventana", "user"]), st.booleans(), st.booleans())
def test_reaching_the_limit_exactly_is_allowed(limit, already, owner, per_seller, as_reventado):
    assume(already <= limit)
    r = rule(number="13", max_total=limit, applies_to_vendedor=per_seller, **OWNERS[owner])
    acc = feed({}, [num("13", already)], ctx()) if already else {}
    rest = limit - already
    ticket = [num("13", rest)] if not as_reventado or rest == 0 else [num("13", rest - rest // 2), rev("13", rest // 2)]
    ticket = [line for line in ticket if line.amount > 0]
    if ticket:
        assert check_ticket([r], ticket, ctx(), acc, NOW) == []
    over = check_ticket([r], [*ticket, num("13", 1)], ctx(), acc, NOW)
    assert len(over) == 1 and over[0].number == "13"


@SETTINGS
@given(st.lists(number_rules(owners=("banca", "ventana", "user")), min_size=1, max_size=5),
       st.lists(st.tuples(st.sampled_from([(X, V), (Y, V), (Z, W)]), st.sampled_from(NUMBERS),
                          st.integers(1, 4_000)), max_size=25))
def test_selling_never_exceeds_the_matched_limit(rules, sales):
    acc: dict = {}
    for (seller, ventana), number, amount in sales:
        c = ctx(seller, ventana)
        if check_ticket(rules, [num(number, amount)], c, acc, NOW):
            continue
        feed(acc, [num(number, amount)], c)
        # Right after an accepted sale its seller's matched rule still holds: A(n) ≤ L.
        avail = availability(rules, [number], c, acc)[number]
        if avail is not None and avail.limit is not None:
            assert avail.accumulated <= avail.limit
    for seller, ventana in ((X, V), (Y, V), (Z, W)):
        for avail in availability(rules, NUMBERS, ctx(seller, ventana), acc).values():
            assert avail is None or avail.remaining >= 0


@st.composite
def mismatched_filters(draw):
    """applies_to_date / applies_to_hour that do NOT match 12:40 CR on 2026-03-07."""
    if draw(st.booleans()):
        day = draw(st.dates(date(2025, 1, 1), date(2027, 12, 31)).filter(lambda d: d != date(2026, 3, 7)))
        return {"applies_to_date": day, "applies_to_hour": draw(st.none() | st.integers(0, 23))}
    hour = draw(st.integers(0, 23).filter(lambda h: h != 12))
    return {"applies_to_hour": hour, "applies_to_date": draw(st.none() | st.just(date(2026, 3, 7)))}


@SETTINGS
@given(st.lists(number_rules(), max_size=5), mismatched_filters(),
       st.sampled_from(["max_total0", "block_mult", "ticket_total", "cutoff"]),
       st.sampled_from(["banca", "ventana", "user"]), sold())
def test_rule_whose_date_or_hour_does_not_match_never_applies(rules, when, kind, owner, acc):
    extra = {
        "max_total0": {"max_total": 0},
        "block_mult": {"loteria_id": TICA, "multiplier_id": M90},
        "ticket_total": {"max_ticket_total": 0},
        "cutoff": {"sales_cutoff_minutes": 30},
    }[kind]
    dated = rule(**OWNERS[owner], **extra, **when)
    c = ctx()
    assert dated not in applicable_rules([dated], c)
    ticket = [num(n, 100) for n in NUMBERS]
    assert check_ticket([*rules, dated], ticket, c, acc, NOW) == check_ticket(rules, ticket, c, acc, NOW)
    assert availability([*rules, dated], NUMBERS, c, acc) == availability(rules, NUMBERS, c, acc)


@SETTINGS
@given(st.integers(0, 23), st.integers(0, 59))
def test_hour_rule_applies_exactly_in_its_hour(hour, minute):
    r = rule(number="13", max_total=0, applies_to_hour=hour)
    for h in range(24):
        c = ctx(now=cr(h, minute))
        assert (match_number_rule([r], "13", c) is r) == (h == hour)
