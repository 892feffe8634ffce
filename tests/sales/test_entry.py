"""Pure entry-row logic (app/sales/entry.py): parsing, merging, grouping, mapping."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.sales import entry
from app.sales.entry import (NUMERO, REVENTADO, DraftLine, EntryError, LoteriaRules, Multiplier,
                             add_group, adjust_number, display_texts, group_for_display, map_multipliers,
                             merge_lines, parse_amount, parse_money, parse_numbers, remove_last_group,
                             remove_line, reventado_problems, tokenize, validate_group)

D = Decimal


class TestParseNumbers:
    @pytest.mark.parametrize("text", ["12 34 56", "123456", "12,34.56", " 12  34\t56 ", "12 3456"])
    def test_two_digit_forms(self, text):
        assert parse_numbers(text, 2) == ["12", "34", "56"]

    def test_three_digit(self):
        assert parse_numbers("123 456", 3) == ["123", "456"]
        assert parse_numbers("123456", 3) == ["123", "456"]
        assert parse_numbers("007", 3) == ["007"]

    def test_range(self):
        assert parse_numbers("10-19", 2) == [f"{n}" for n in range(10, 20)]
        assert parse_numbers("10 - 12", 2) == ["10", "11", "12"]

    def test_reversed_range_is_the_same_set(self):
        assert parse_numbers("19-17", 2) == ["17", "18", "19"]

    def test_range_then_more(self):
        assert parse_numbers("05-07 50", 2) == ["05", "06", "07", "50"]

    def test_three_digit_range(self):
        nums = parse_numbers("100-199", 3)
        assert nums[0] == "100" and nums[-1] == "199" and len(nums) == 100

    def test_decena_and_terminal(self):
        assert parse_numbers("3*", 2) == [f"3{u}" for u in range(10)]
        assert parse_numbers("*7", 2) == [f"{t}7" for t in range(10)]
        assert parse_numbers("*0", 2)[0] == "00"

    def test_mixed(self):
        assert parse_numbers("12 3* *7 40-41", 2)[:2] == ["12", "30"]
        assert len(parse_numbers("12 3* *7 40-41", 2)) == 1 + 10 + 10 + 2

    def test_repeats_kept(self):
        assert parse_numbers("12 12", 2) == ["12", "12"]

    @pytest.mark.parametrize("text,fragment", [
        ("1", "incompleto"), ("123", "incompleto"), ("-12", "guion"), ("12--13", "guion"),
        ("12-", "rango"), ("*", "terminal"), ("a", "no se puede usar"), ("3*-5", "guion"),
        ("**7", "otro *"), ("", "al menos un número"), ("   ", "al menos un número"),
        ("12-*", "otro *"), ("١٢", "no se puede usar"),
    ])
    def test_errors_are_spanish(self, text, fragment):
        with pytest.raises(EntryError) as exc:
            parse_numbers(text, 2)
        assert fragment in exc.value.message

    @pytest.mark.parametrize("text", ["3*", "*7"])
    def test_shorthands_only_two_digits(self, text):
        with pytest.raises(EntryError, match="2 cifras"):
            parse_numbers(text, 3)

    def test_limit(self):
        with pytest.raises(EntryError, match="máximo"):
            parse_numbers("00-99 00-99", 2, limit=150)

    def test_tokens(self):
        kinds = [t.kind for t in tokenize("12 10-15 3* *4", 2)]
        assert kinds == ["num", "range", "tens", "ending"]

    def test_ticket_number(self):
        assert entry.looks_like_ticket_number("T260312-00045")
        assert entry.looks_like_ticket_number(" t260312-00045 ")
        assert not entry.looks_like_ticket_number("12 34")


class TestAmounts:
    @pytest.mark.parametrize("raw,value", [("1000", 1000), ("1 000", 1000), ("1.000", 1000),
                                           ("₡1,000", 1000), ("0100", 100)])
    def test_whole_colones(self, raw, value):
        assert parse_amount(raw) == D(value)

    @pytest.mark.parametrize("raw,fragment", [("", "obligatorio"), ("0", "mayor que cero"),
                                              ("abc", "entero"), ("-5", "entero"),
                                              ("1e3", "entero"), ("9999999999", "grande")])
    def test_bad_amounts(self, raw, fragment):
        with pytest.raises(EntryError) as exc:
            parse_amount(raw)
        assert fragment in exc.value.message and exc.value.field == "monto"

    def test_optional(self):
        assert entry.parse_optional_amount("") is None
        assert entry.parse_optional_amount(" 500 ") == D(500)

    @pytest.mark.parametrize("raw,value", [("1234,50", "1234.50"), ("1 234,50", "1234.50"),
                                           ("1234.5", "1234.5"), ("1.234,50", "1234.50"),
                                           ("1,234.50", "1234.50"), ("₡800", "800")])
    def test_money(self, raw, value):
        assert parse_money(raw) == D(value)

    @pytest.mark.parametrize("raw", ["", "0", "0,00", "1,234", "12.345.6", "abc", "1.2.3", "-1"])
    def test_bad_money(self, raw):
        with pytest.raises(EntryError):
            parse_money(raw)


def _mult(mid="m90", x="90"):
    return {"multiplier_id": mid, "multiplier_x": D(x)}


class TestLines:
    def test_add_and_merge_sums_same_number(self):
        lines, notes = add_group([], numbers=["12", "34"], amount=D(1000), **_mult())
        assert notes == []
        lines, notes = add_group(lines, numbers=["12"], amount=D(1000), **_mult())
        assert notes == ["12: ₡1 000 → ₡2 000"]
        merged = merge_lines(lines)
        assert [(m.number, m.amount) for m in merged] == [("12", D(2000)), ("34", D(1000))]

    def test_other_multiplier_is_separate_line(self):
        lines, _ = add_group([], numbers=["12"], amount=D(1000), **_mult())
        lines, notes = add_group(lines, numbers=["12"], amount=D(500), **_mult("m85", "85"))
        assert notes == []
        assert len(merge_lines(lines)) == 2

    def test_reventado_lines(self):
        lines, _ = add_group([], numbers=["12", "34"], amount=D(1000), reventado=D(500), **_mult())
        merged = merge_lines(lines)
        assert [m.type for m in merged] == [NUMERO, NUMERO, REVENTADO, REVENTADO]
        assert reventado_problems(merged) == {}

    def test_reventado_problems(self):
        lines = [DraftLine(REVENTADO, "12", D(100))]
        assert "necesita" in reventado_problems(merge_lines(lines))["12"]
        lines.append(DraftLine(NUMERO, "12", D(50), "m", D(90)))
        assert "superar" in reventado_problems(merge_lines(lines))["12"]

    def test_remove_last_group_undoes_summed_part(self):
        lines, _ = add_group([], numbers=["12"], amount=D(1000), **_mult())
        lines, _ = add_group(lines, numbers=["12", "40"], amount=D(1000), **_mult())
        lines = remove_last_group(lines)
        assert [(m.number, m.amount) for m in merge_lines(lines)] == [("12", D(1000))]
        assert remove_last_group(remove_last_group(lines)) == []

    def test_remove_line_takes_orphan_reventado(self):
        lines, _ = add_group([], numbers=["12", "34"], amount=D(1000), reventado=D(500), **_mult())
        lines = remove_line(lines, (NUMERO, "12", "m90"))
        assert sorted((m.type, m.number) for m in merge_lines(lines)) == [(NUMERO, "34"), (REVENTADO, "34")]

    def test_set_amount(self):
        lines, _ = add_group([], numbers=["12", "34"], amount=D(1000), **_mult())
        keys = [m.key for m in merge_lines(lines)]
        lines = entry.set_amount(lines, keys, D(300))
        assert {m.amount for m in merge_lines(lines)} == {D(300)}

    def test_set_amount_below_reventado_drops_it(self):
        lines, _ = add_group([], numbers=["12"], amount=D(1000), reventado=D(800), **_mult())
        lines = entry.set_amount(lines, [(NUMERO, "12", "m90")], D(500))
        assert [m.type for m in merge_lines(lines)] == [NUMERO]

    @pytest.mark.parametrize("available,expected", [
        (3000, [(NUMERO, D(2000)), (REVENTADO, D(1000))]),
        (2500, [(NUMERO, D(2000)), (REVENTADO, D(500))]),
        (1500, [(NUMERO, D(1500))]),
        (0, []),
    ])
    def test_adjust_number(self, available, expected):
        lines, _ = add_group([], numbers=["27"], amount=D(2000), reventado=D(1000), **_mult())
        lines, _ = add_group(lines, numbers=["11"], amount=D(100), **_mult())
        lines = adjust_number(lines, "27", D(available))
        got = [(m.type, m.amount) for m in merge_lines(lines) if m.number == "27"]
        assert got == expected
        assert any(m.number == "11" for m in merge_lines(lines))

    def test_json_round_trip_and_tolerance(self):
        lines, _ = add_group([], numbers=["12"], amount=D(1000), reventado=D(200), **_mult())
        raw = entry.lines_to_json(lines)
        assert entry.lines_from_json(raw) == lines
        assert entry.lines_from_json([{"type": "X"}, {"nope": 1}, None, {"type": "NUMERO", "number": "1a",
                                                                        "amount": "5"}]) == []

    def test_token_round_trip(self):
        lines, _ = add_group([], numbers=["07"], amount=D(1500), **_mult("abc"))
        token = merge_lines(lines)[0].token
        assert token == "N|07|1500|abc"
        assert entry.parse_line_token(token, 2) == (NUMERO, "07", D(1500), "abc")

    @pytest.mark.parametrize("token", ["", "N|7|100|m", "X|07|100|m", "N|07|0|m", "N|07|1,5|m",
                                       "N|07|100|", "N|07|100", "N|0a|100|m"])
    def test_bad_tokens(self, token):
        with pytest.raises(EntryError):
            entry.parse_line_token(token, 2)


class TestDisplay:
    def test_grouped_by_multiplier_and_amount(self):
        lines, _ = add_group([], numbers=["12", "34", "56"], amount=D(1000), reventado=D(500), **_mult())
        lines, _ = add_group(lines, numbers=["78"], amount=D(200), **_mult())
        lines, _ = add_group(lines, numbers=["90"], amount=D(1000), **_mult("m85", "85"))
        assert display_texts(merge_lines(lines)) == [
            "Paga 90 veces: ₡1 000 × 12, 34, 56",
            "Paga 90 veces: ₡200 × 78",
            "Paga 85 veces: ₡1 000 × 90",
            "Reventado ₡500 × 12, 34, 56",
        ]

    def test_blocks(self):
        lines, _ = add_group([], numbers=["12"], amount=D(1000), **_mult("m", "92.5"))
        blocks = group_for_display(merge_lines(lines))
        assert blocks[0].title == "Paga 92,5 veces"
        assert blocks[0].groups[0].subtotal == D(1000)


class TestValidateGroup:
    rules = LoteriaRules.from_rules({"min_bet_amount": 100, "max_bet_amount": 5000, "reventado": {"enabled": True},
                                     "max_numbers_per_ticket": 3}, name="TICA")

    def test_ok(self):
        assert validate_group(["12"], D(100), D(100), self.rules) == {}

    def test_min_max(self):
        assert "mínimo es ₡100" in validate_group(["12"], D(50), None, self.rules)["monto"]
        assert "máximo es ₡5 000" in validate_group(["12"], D(6000), None, self.rules)["monto"]

    def test_reventado_not_allowed(self):
        rules = LoteriaRules.from_rules({}, name="NICA")
        assert "no acepta reventado" in validate_group(["12"], D(100), D(100), rules)["reventado"]

    def test_reventado_above_amount(self):
        assert "superar" in validate_group(["12"], D(100), D(200), self.rules)["reventado"]

    def test_number_range(self):
        rules = LoteriaRules.from_rules({"number_range": {"min": 0, "max": 50}})
        assert "00–50" in validate_group(["51", "12"], D(100), None, rules)["numeros"]

    def test_digits(self):
        rules = LoteriaRules.from_rules({"digits": 3})
        assert "numeros" in validate_group(["12"], D(100), None, rules)

    def test_max_numbers_per_ticket(self):
        existing, _ = add_group([], numbers=["01", "02"], amount=D(100), **_mult())
        assert validate_group(["01", "03"], D(100), None, self.rules, existing) == {}
        assert "Máximo 3" in validate_group(["04", "05"], D(100), None, self.rules, existing)["numeros"]

    def test_numero_not_allowed(self):
        rules = LoteriaRules.from_rules({"allowed_bet_types": ["REVENTADO"]}, name="X")
        assert "no acepta apuestas" in validate_group(["12"], D(100), None, rules)["numeros"]

    def test_from_rules_tolerates_junk(self):
        rules = LoteriaRules.from_rules({"min_bet_amount": "abc", "number_range": {"min": "x"}})
        assert rules.min_bet is None and rules.number_min == 0 and rules.number_max == 99
        assert validate_group(["00", "99"], D(1), None, rules) == {}


class TestMapMultipliers:
    def test_by_value(self):
        lines, _ = add_group([], numbers=["12"], amount=D(1000), reventado=D(100), **_mult("a90", "90"))
        lines, _ = add_group(lines, numbers=["34"], amount=D(1000), **_mult("a85", "85"))
        targets = [Multiplier("b90", D("90.00")), Multiplier("b80", D(80))]
        moved, notes = map_multipliers(lines, targets, digits=2, reventado_enabled=True)
        merged = merge_lines(moved)
        assert [(m.number, m.multiplier_id) for m in merged if m.type == NUMERO] == [("12", "b90"), ("34", None)]
        assert any("Elija multiplicador para: 34" in n for n in notes)
        assert group_for_display(merged)[1].needs_multiplier
        fixed = entry.assign_multiplier(moved, [(NUMERO, "34", None)], Multiplier("b80", D(80)))
        assert all(not m.needs_multiplier for m in merge_lines(fixed))

    def test_drops_reventado_and_wrong_digits(self):
        lines, _ = add_group([], numbers=["12"], amount=D(1000), reventado=D(100), **_mult("a90", "90"))
        moved, notes = map_multipliers(lines, [Multiplier("b", D(90))], digits=2, reventado_enabled=False)
        assert [m.type for m in merge_lines(moved)] == [NUMERO]
        assert any("reventado" in n for n in notes)
        moved, notes = map_multipliers(lines, [Multiplier("b", D(90))], digits=3, reventado_enabled=True)
        assert moved == [] and any("3 cifras" in n for n in notes)
