"""Pure commission maths (DOMAIN §13, §23 example D, §24 cases 14–15); no database."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.commissions import calc
from app.commissions.calc import (
    LEVEL_BANCA,
    LEVEL_VENDEDOR,
    LEVEL_VENTANA,
    NUMERO,
    REVENTADO,
    Line,
    PolicyError,
    PolicySet,
)

UTC = timezone.utc
NOW = datetime(2026, 3, 7, 18, 40, tzinfo=UTC)  # 12:40 CR, example D's "now"
TICA = str(uuid.UUID(int=1))
NICA = str(uuid.UUID(int=2))


def policy(default, rules=(), eff_from=None, eff_to=None):
    return {"version": 1, "effective_from": eff_from, "effective_to": eff_to,
            "default_percent": default, "rules": list(rules)}


def rule(percent, loteria_id=None, bet_type=None, multiplier_value=None, id=None):
    r = {"loteria_id": loteria_id, "bet_type": bet_type, "multiplier_value": multiplier_value,
         "percent": percent}
    if id:
        r["id"] = id
    return r


# Example D (DOMAIN §23): listero V and vendedor X.
VENTANA_V = policy(12, [rule(15, bet_type=REVENTADO, id="v-rev")])
VENDEDOR_X = policy(5, [rule(10, TICA, NUMERO, 90, id="x-tica90"), rule(8, bet_type=REVENTADO, id="x-rev")])
TICKET_D = [
    Line(TICA, NUMERO, Decimal("90.00"), Decimal(1000)),
    Line(TICA, REVENTADO, None, Decimal(500)),
    Line(TICA, NUMERO, Decimal("90.00"), Decimal(2000)),
]


class TestExampleD:
    def test_vendedor_and_listero_totals(self):
        snap = calc.snapshot_lines(TICKET_D, PolicySet(VENDEDOR_X, VENTANA_V, None), NOW)
        assert snap.total_commission == Decimal("340.00")
        assert snap.total_listero_commission == Decimal("435.00")
        assert snap.vendedor_level == LEVEL_VENDEDOR
        assert snap.listero_level == LEVEL_VENTANA

    def test_per_jugada_snapshot(self):
        snap = calc.snapshot_lines(TICKET_D, {"vendedor": VENDEDOR_X, "ventana": VENTANA_V}, NOW)
        assert [(l.percent, l.amount, l.rule_id) for l in snap.lines] == [
            (Decimal(10), Decimal("100.00"), "x-tica90"),
            (Decimal(8), Decimal("40.00"), "x-rev"),
            (Decimal(10), Decimal("200.00"), "x-tica90"),
        ]
        assert [(l.listero_percent, l.listero_amount, l.listero_rule_id) for l in snap.lines] == [
            (Decimal(12), Decimal("120.00"), None),
            (Decimal(15), Decimal("75.00"), "v-rev"),
            (Decimal(12), Decimal("240.00"), None),
        ]

    def test_economics(self):
        snap = calc.snapshot_lines(TICKET_D, PolicySet(VENDEDOR_X, VENTANA_V), NOW)
        sales = sum(l.amount for l in TICKET_D)
        assert sales - snap.total_listero_commission == Decimal("3065.00")
        assert snap.total_listero_commission - snap.total_commission == Decimal("95.00")

    def test_lines_as_mappings_and_uuid_objects(self):
        lines = [{"loteria_id": uuid.UUID(TICA), "bet_type": "NUMERO", "multiplier_value": 90, "amount": 1000}]
        snap = calc.snapshot_lines(lines, PolicySet(VENDEDOR_X, VENTANA_V), NOW)
        assert snap.lines[0].rule_id == "x-tica90"
        assert snap.total_commission == Decimal("100.00")


class TestValidation:
    def test_normalises_a_valid_document(self):
        doc = calc.validate_policy(
            {"version": 1, "effective_from": "2026-01-01T00:00:00-06:00", "effective_to": None,
             "default_percent": "5.50", "rules": [rule("10.00", TICA.upper(), "numero", "90.0", id="r1")]})
        assert doc == {"version": 1, "effective_from": "2026-01-01T00:00:00-06:00", "effective_to": None,
                       "default_percent": 5.5,
                       "rules": [{"id": "r1", "loteria_id": TICA, "bet_type": "NUMERO",
                                  "multiplier_value": 90, "percent": 10}]}

    def test_optional_keys_default(self):
        assert calc.validate_policy({"version": 1, "default_percent": 0}) == policy(0)

    def test_is_idempotent(self):
        doc = calc.validate_policy(VENDEDOR_X)
        assert calc.validate_policy(doc) == doc

    def test_generates_missing_rule_ids_unique(self):
        ids = iter(["a", "a", "b", "c"])
        doc = calc.validate_policy(policy(5, [rule(1, id="a"), rule(2, NICA), rule(3, TICA)]),
                                   new_id=lambda: next(ids))
        assert [r["id"] for r in doc["rules"]] == ["a", "b", "c"]

    def test_generated_ids_default_random(self):
        doc = calc.validate_policy(policy(5, [rule(1, NICA), rule(2, TICA)]))
        ids = [r["id"] for r in doc["rules"]]
        assert len(set(ids)) == 2 and all(i.startswith("r") for i in ids)

    @pytest.mark.parametrize("version", [None, 2, "1", True, 0])
    def test_version_must_be_1(self, version):
        with pytest.raises(PolicyError) as exc:
            calc.validate_policy({"version": version, "default_percent": 5})
        assert "version" in exc.value.errors

    @pytest.mark.parametrize("value,message", [
        (-1, "entre 0 y 100"), (100.01, "entre 0 y 100"), ("101", "entre 0 y 100"),
        ("5.555", "2 decimales"), (Decimal("0.001"), "2 decimales"), ("abc", "numérico"),
        (True, "numérico"), (float("nan"), "numérico"), ([5], "numérico"), (None, "Indique"),
    ])
    def test_default_percent_bounds(self, value, message):
        with pytest.raises(PolicyError) as exc:
            calc.validate_policy(policy(value))
        assert message in exc.value.errors["default_percent"]

    @pytest.mark.parametrize("value", [0, 100, "0.01", 99.99, Decimal("12.50"), "7,25"])
    def test_percent_accepted(self, value):
        calc.validate_policy(policy(value, [rule(value, TICA)]))

    def test_rule_percent_errors_are_per_rule(self):
        with pytest.raises(PolicyError) as exc:
            calc.validate_policy(policy(5, [rule(5, TICA), rule(150, NICA), rule(None)]))
        assert set(exc.value.errors) == {"rules.1.percent", "rules.2.percent"}
        assert "Regla 2:" in str(exc.value)

    def test_dates_need_an_offset(self):
        with pytest.raises(PolicyError) as exc:
            calc.validate_policy(policy(5, eff_from="2026-01-01T00:00:00", eff_to="mañana"))
        assert "zona horaria" in exc.value.errors["effective_from"]
        assert "inválidas" in exc.value.errors["effective_to"]

    def test_from_after_to_refused_and_equal_allowed(self):
        with pytest.raises(PolicyError) as exc:
            calc.validate_policy(policy(5, eff_from="2026-02-01T00:00:00-06:00",
                                        eff_to="2026-01-01T00:00:00-06:00"))
        assert "effective_to" in exc.value.errors
        calc.validate_policy(policy(5, eff_from="2026-01-01T06:00:00+00:00", eff_to="2026-01-01T00:00:00-06:00"))

    def test_accepts_datetime_objects(self):
        doc = calc.validate_policy(policy(5, eff_from=datetime(2026, 1, 1, 6, tzinfo=UTC)))
        assert doc["effective_from"] == "2026-01-01T06:00:00+00:00"

    def test_duplicate_rule_combination(self):
        with pytest.raises(PolicyError) as exc:
            calc.validate_policy(policy(5, [rule(5, TICA, NUMERO, 90), rule(5, NICA), rule(7, TICA, NUMERO, "90.00")]))
        assert exc.value.errors == {"rules.2": "Repite la lotería, el tipo y el multiplicador de la regla 1."}

    def test_any_and_specific_are_distinct_rules(self):
        calc.validate_policy(policy(5, [rule(5, TICA, NUMERO, 90), rule(5, TICA, NUMERO), rule(5, None, NUMERO, 90),
                                        rule(5, TICA, None, 90), rule(5)]))

    def test_duplicate_rule_ids(self):
        with pytest.raises(PolicyError) as exc:
            calc.validate_policy(policy(5, [rule(5, TICA, id="a"), rule(5, NICA, id="a")]))
        assert "rules.1.id" in exc.value.errors

    @pytest.mark.parametrize("value", [[85, 90], {"min": 85, "max": 90}, (90,)])
    def test_exactly_one_multiplier_value(self, value):
        with pytest.raises(PolicyError) as exc:
            calc.validate_policy(policy(5, [rule(5, TICA, NUMERO, value)]))
        assert "un solo valor" in exc.value.errors["rules.0.multiplier_value"]

    @pytest.mark.parametrize("value", [0, -90, "x", "90.001"])
    def test_bad_multiplier(self, value):
        with pytest.raises(PolicyError) as exc:
            calc.validate_policy(policy(5, [rule(5, TICA, NUMERO, value)]))
        assert "rules.0.multiplier_value" in exc.value.errors

    def test_multiplier_ignored_for_reventado_rules(self):
        doc = calc.validate_policy(policy(5, [rule(8, None, REVENTADO, 200)]))
        assert doc["rules"][0]["multiplier_value"] is None

    def test_bad_bet_type_and_unknown_keys(self):
        with pytest.raises(PolicyError) as exc:
            calc.validate_policy({**policy(5, [{**rule(5, bet_type="PALE"), "extra": 1}]), "foo": 1})
        assert {"", "rules.0", "rules.0.bet_type"} <= set(exc.value.errors)

    @pytest.mark.parametrize("doc", [None, [], "x", {"version": 1, "default_percent": 5, "rules": {}},
                                     {"version": 1, "default_percent": 5, "rules": ["x"]},
                                     {"version": 1, "default_percent": 5, "rules": [rule(1)] * 101}])
    def test_shape_errors(self, doc):
        with pytest.raises(PolicyError):
            calc.validate_policy(doc)

    def test_bad_rule_id(self):
        with pytest.raises(PolicyError) as exc:
            calc.validate_policy(policy(5, [rule(5, id="con espacios")]))
        assert "rules.0.id" in exc.value.errors


class TestEffective:
    FROM = "2026-03-01T00:00:00-06:00"  # 06:00 UTC
    TO = "2026-04-01T00:00:00-06:00"

    def test_bounds_from_inclusive_to_exclusive(self):
        p = policy(5, eff_from=self.FROM, eff_to=self.TO)
        start = datetime(2026, 3, 1, 6, tzinfo=UTC)
        end = datetime(2026, 4, 1, 6, tzinfo=UTC)
        assert not calc.is_effective(p, start - timedelta(microseconds=1))
        assert calc.is_effective(p, start)
        assert calc.is_effective(p, end - timedelta(microseconds=1))
        assert not calc.is_effective(p, end)

    def test_unbounded(self):
        assert calc.is_effective(policy(5), datetime(1970, 1, 2, tzinfo=UTC))
        assert calc.is_effective(policy(5, eff_from=self.FROM), datetime(2100, 1, 1, tzinfo=UTC))

    def test_absent_or_invalid_is_not_effective(self):
        assert not calc.is_effective(None, NOW)
        assert not calc.is_effective({"version": 2, "default_percent": 5}, NOW)

    def test_naive_instant_refused(self):
        with pytest.raises(ValueError):
            calc.is_effective(policy(5), datetime(2026, 3, 7))


class TestMatch:
    def test_first_matching_rule_in_order_wins(self):
        p = policy(5, [rule(7, TICA, id="a"), rule(10, TICA, NUMERO, 90, id="b")])
        assert calc.match(p, TICA, NUMERO, 90) == (Decimal(7), "a")
        p = policy(5, [rule(10, TICA, NUMERO, 90, id="b"), rule(7, TICA, id="a")])
        assert calc.match(p, TICA, NUMERO, 90) == (Decimal(10), "b")
        assert calc.match(p, TICA, NUMERO, 85) == (Decimal(7), "a")

    def test_no_match_gives_default(self):
        assert calc.match(VENDEDOR_X, NICA, NUMERO, 90) == (Decimal(5), None)
        assert calc.match(VENDEDOR_X, TICA, NUMERO, 85) == (Decimal(5), None)

    def test_multiplier_checked_only_for_numero(self):
        p = policy(5, [rule(9, TICA, None, 90, id="m")])
        assert calc.match(p, TICA, REVENTADO, None) == (Decimal(9), "m")
        assert calc.match(p, TICA, NUMERO, None) == (Decimal(5), None)
        assert calc.match(p, TICA, NUMERO, "90.00") == (Decimal(9), "m")

    def test_bet_type_enum_like_and_uuid(self):
        class Kind:
            value = "REVENTADO"
        assert calc.match(VENDEDOR_X, uuid.UUID(TICA), Kind(), None) == (Decimal(8), "x-rev")

    def test_absent_policy_matches_zero(self):
        assert calc.match(None, TICA, NUMERO, 90) == (Decimal(0), None)


class TestResolution:
    """DOMAIN §24 cases 14–15."""

    BANCA = policy(3, [rule(4, bet_type=REVENTADO, id="b-rev")])
    PAST = dict(eff_from="2025-01-01T00:00:00-06:00", eff_to="2026-01-01T00:00:00-06:00")
    FUTURE = dict(eff_from="2027-01-01T00:00:00-06:00")

    def test_own_policy_first(self):
        assert calc.resolve_vendedor(VENDEDOR_X, VENTANA_V, self.BANCA, NOW).level == LEVEL_VENDEDOR

    def test_inherits_ventana_then_banca(self):
        r = calc.resolve_vendedor(None, VENTANA_V, self.BANCA, NOW)
        assert r.level == LEVEL_VENTANA and r.policy.default_percent == 12
        assert calc.resolve_vendedor(None, None, self.BANCA, NOW).level == LEVEL_BANCA

    @pytest.mark.parametrize("window", ["PAST", "FUTURE"])
    def test_expired_or_not_yet_effective_is_skipped(self, window):
        own = policy(50, **getattr(self, window))
        r = calc.resolve_vendedor(own, VENTANA_V, self.BANCA, NOW)
        assert r.level == LEVEL_VENTANA
        r = calc.resolve_listero(policy(50, **getattr(self, window)), self.BANCA, NOW)
        assert r.level == LEVEL_BANCA

    def test_invalid_is_skipped(self):
        broken = {"version": 1, "default_percent": 500}
        assert calc.resolve_vendedor(broken, broken, self.BANCA, NOW).level == LEVEL_BANCA

    def test_none_effective_gives_zero(self):
        r = calc.resolve_vendedor(None, None, None, NOW)
        assert r == (None, None)
        snap = calc.snapshot_lines(TICKET_D, PolicySet(), NOW)
        assert snap.total_commission == snap.total_listero_commission == Decimal("0.00")
        assert all(l.rule_id is None and l.percent == 0 for l in snap.lines)
        assert (snap.vendedor_level, snap.listero_level) == (None, None)

    def test_listero_never_uses_vendedor_policy(self):
        snap = calc.snapshot_lines(TICKET_D, PolicySet(VENDEDOR_X, None, None), NOW)
        assert snap.total_commission == Decimal("340.00")
        assert snap.total_listero_commission == Decimal("0.00") and snap.listero_level is None
        snap = calc.snapshot_lines(TICKET_D, PolicySet(VENDEDOR_X, None, self.BANCA), NOW)
        assert snap.listero_level == LEVEL_BANCA
        assert snap.total_listero_commission == Decimal("30.00") + Decimal("20.00") + Decimal("60.00")

    def test_switches_at_effective_to(self):
        own = policy(50, eff_to="2026-03-07T12:40:00-06:00")
        assert calc.resolve_vendedor(own, VENTANA_V, None, NOW - timedelta(seconds=1)).level == LEVEL_VENDEDOR
        assert calc.resolve_vendedor(own, VENTANA_V, None, NOW).level == LEVEL_VENTANA


class TestCommissionAmount:
    @pytest.mark.parametrize("amount,percent,expected", [
        (1000, 10, "100.00"), (1, "0.5", "0.01"), (3, "12.5", "0.38"), (1, "0.49", "0.00"),
        (333, "33.33", "110.99"), (5, "0.1", "0.01"), (15, "0.1", "0.02"), (0, 50, "0.00"),
        (100, 0, "0.00"), (Decimal("1234.56"), 100, "1234.56"), (999999999999, "99.99", "999899999999.00"),
    ])
    def test_half_up_to_cents(self, amount, percent, expected):
        result = calc.commission_amount(amount, percent)
        assert result == Decimal(expected) and result.as_tuple().exponent == -2

    def test_not_a_number(self):
        with pytest.raises(ValueError):
            calc.commission_amount("x", 5)


def test_describe_error():
    assert calc.describe_error("rules.3.percent", "Mal.") == "Regla 4: Mal."
    assert calc.describe_error("default_percent", "Mal.") == "Mal."


class TestExplain:
    def test_names_rule_and_level(self):
        out = calc.explain(PolicySet(VENDEDOR_X, VENTANA_V), NOW, loteria_id=TICA, bet_type=REVENTADO,
                           multiplier_value=None, amount=500)
        assert (out.vendedor.percent, out.vendedor.amount, out.vendedor.rule.id, out.vendedor.level) == \
            (Decimal(8), Decimal("40.00"), "x-rev", LEVEL_VENDEDOR)
        assert (out.listero.amount, out.listero.rule.id, out.listero.level) == (Decimal("75.00"), "v-rev", LEVEL_VENTANA)

    def test_default_and_nothing(self):
        out = calc.explain({"ventana": VENTANA_V}, NOW, loteria_id=NICA, bet_type=NUMERO,
                           multiplier_value=85, amount=1000)
        assert out.vendedor == (Decimal(12), Decimal("120.00"), None, LEVEL_VENTANA)
        out = calc.explain(PolicySet(), NOW, loteria_id=None, bet_type=NUMERO, multiplier_value=None, amount=1000)
        assert out.vendedor == out.listero == (Decimal(0), Decimal("0.00"), None, None)


def test_status():
    assert calc.status(None, NOW) == calc.STATUS_NONE
    assert calc.status({"version": 1}, NOW) == calc.STATUS_INVALID
    assert calc.status(policy(5, eff_from="2027-01-01T00:00:00-06:00"), NOW) == calc.STATUS_SCHEDULED
    assert calc.status(policy(5, eff_to="2026-01-01T00:00:00-06:00"), NOW) == calc.STATUS_EXPIRED
    assert calc.status(policy(5), NOW) == calc.STATUS_EFFECTIVE
