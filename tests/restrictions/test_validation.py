"""Pure validation and parsing of rule fields (DOMAIN §10.1, §10.7, §24 case 8); no database."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.restrictions.parsing import (
    normalize_number,
    parse_bounded_int,
    parse_number_batch,
    parse_percentage,
    parse_whole_amount,
)
from app.restrictions.validation import uniqueness_key, validate_rule
from tests.restrictions.restrictions_engine_helpers import M85, TICA, V, X, rule

TODAY = date(2026, 3, 7)


def fields_of(errors):
    return [e.field for e in errors]


class TestValidateRule:
    @pytest.mark.parametrize("fields", [
        {"sales_cutoff_minutes": 5},
        {"sales_cutoff_minutes": 0, "applies_to_hour": 23, "applies_to_date": TODAY},
        {"number": "13", "max_total": 0},
        {"number": "123", "max_amount": 5},
        {"is_auto_date": True, "max_total": 3_000, "sales_cutoff_minutes": 15},
        {"base_amount": 2_500, "sales_percentage": Decimal("3.25"), "applies_to_vendedor": True},
        {"max_ticket_total": 20_000, "loteria_id": TICA},
        {"loteria_id": TICA, "multiplier_id": M85, "message": "No se vende 85x"},
        {"loteria_id": TICA, "multiplier_id": M85, "number": "13", "max_total": 100},
    ])
    def test_valid(self, fields):
        assert validate_rule(rule(**fields), today=TODAY) == []

    @pytest.mark.parametrize("fields, field", [
        ({"sales_cutoff_minutes": 5, "loteria_id": TICA}, "loteria_id"),
        ({"sales_cutoff_minutes": 5, "applies_to_vendedor": True}, "applies_to_vendedor"),
        ({"max_ticket_total": 5, "number": "13"}, "number"),
        ({"max_ticket_total": 5, "sales_cutoff_minutes": 3}, "sales_cutoff_minutes"),
        ({"max_ticket_total": 5, "max_total": 3}, "max_total"),
        ({"number": "13", "message": "hola"}, "message"),
        ({"loteria_id": TICA, "multiplier_id": M85, "sales_cutoff_minutes": 3}, "sales_cutoff_minutes"),
        ({"loteria_id": TICA, "multiplier_id": M85, "is_auto_date": True}, "is_auto_date"),
        ({"loteria_id": TICA, "multiplier_id": M85, "max_ticket_total": 1}, "max_ticket_total"),
    ])
    def test_fields_of_another_kind(self, fields, field):
        errors = validate_rule(rule(**fields))
        assert field in fields_of(errors)
        assert "no corresponde a una regla de tipo" in errors[0].message

    def test_messages_name_the_value(self):
        errors = validate_rule(rule(number="13", max_amount=-5, max_total=Decimal("10.5"),
                                    applies_to_hour=24, sales_cutoff_minutes=31,
                                    applies_to_date=date(2026, 3, 6)), today=TODAY)
        text = " | ".join(e.message for e in errors)
        assert "«-5»" in text and "«10.5»" in text and "«24»" in text and "«31»" in text
        assert "«06/03/2026» ya pasó" in text
        assert set(fields_of(errors)) == {"max_amount", "max_total", "applies_to_hour",
                                          "sales_cutoff_minutes", "applies_to_date"}

    def test_percentage_needs_a_base(self):
        assert fields_of(validate_rule(rule(sales_percentage=3))) == ["base_amount"]
        assert fields_of(validate_rule(rule(sales_percentage=3, base_amount=0))) == ["base_amount"]
        assert validate_rule(rule(sales_percentage=0, max_total=5)) == []
        assert fields_of(validate_rule(rule(sales_percentage=101, base_amount=1))) == ["sales_percentage"]
        assert fields_of(validate_rule(rule(sales_percentage=Decimal("1.234"), base_amount=1))) == [
            "sales_percentage"]

    def test_number_shape(self):
        assert fields_of(validate_rule(rule(number="7", max_total=1))) == ["number"]
        assert fields_of(validate_rule(rule(number="1234", max_total=1))) == ["number"]
        assert fields_of(validate_rule(rule(number="1a", max_total=1))) == ["number"]
        assert fields_of(validate_rule(rule(number="123", max_total=1), digits=2)) == ["number"]
        assert fields_of(validate_rule(rule(number="13", is_auto_date=True, max_total=1))) == [
            "is_auto_date"]

    def test_scope_and_required_fields(self):
        assert "scope" in fields_of(validate_rule(rule(ventana_id=V, user_id=X, max_total=1)))
        assert fields_of(validate_rule(rule(multiplier_id=M85))) == ["loteria_id"]
        assert fields_of(validate_rule(rule())) == ["kind"]
        assert fields_of(validate_rule(rule(loteria_id=TICA, multiplier_id=M85, message="x" * 256))) == [
            "message"]

    def test_past_date_only_checked_when_today_given(self):
        old = rule(max_total=1, applies_to_date=date(2020, 1, 1))
        assert validate_rule(old) == []
        assert fields_of(validate_rule(old, today=TODAY)) == ["applies_to_date"]

    def test_uniqueness_key(self):
        a = rule(number="13", max_total=1, ventana_id=V)
        b = rule(number="13", max_total=999, ventana_id=str(V))
        assert uniqueness_key(a) == uniqueness_key(b)
        assert uniqueness_key(a) != uniqueness_key(rule(number="13", max_total=1, ventana_id=V,
                                                        applies_to_hour=3))
        assert uniqueness_key(a) != uniqueness_key(rule(number="13", max_total=1))


class TestBatchParsing:
    def test_lists_ranges_tens_endings(self):
        numbers, errors = parse_number_batch("10-19, 25, 3*")
        assert errors == []
        assert numbers == [f"{n}" for n in range(10, 20)] + ["25"] + [f"3{d}" for d in range(10)]
        assert parse_number_batch("*7") == ([f"{d}7" for d in range(10)], [])
        assert parse_number_batch("00 01;02\n03") == (["00", "01", "02", "03"], [])
        assert parse_number_batch("10 - 12")[0] == ["10", "11", "12"]

    def test_exactly_one_hundred_allowed(self):
        numbers, errors = parse_number_batch("00-99")
        assert len(numbers) == 100 and errors == []

    @pytest.mark.parametrize("text, message", [
        ("12, 123", "Número «123»: use exactamente 2 cifras (00–99)"),
        ("7", "Número «7»: use exactamente 2 cifras (00–99)"),
        ("12, 25, 25", "Número 25 repetido"),
        ("10-19, 15", "Número 15 repetido"),
        ("ab", "«ab» no es un número válido"),
        ("-5", "«-5» no es un número válido"),
        ("19-10", "Rango «19-10»: el inicio es mayor que el final"),
        ("100-105", "Número «100»: use exactamente 2 cifras (00–99)"),
        ("", "Indique al menos un número"),
    ])
    def test_bad_input_named(self, text, message):
        _, errors = parse_number_batch(text)
        assert message in errors

    def test_over_one_hundred(self):
        numbers, errors = parse_number_batch("00-99, 1*")
        assert "Número 10 repetido" in errors
        _, errors = parse_number_batch(", ".join(f"{n:02d}" for n in range(100)), limit=99)
        assert errors == ["Máximo 99 números por lote (ingresó 100)"]

    def test_101_numbers_refused(self):
        # 101 distinct two-digit numbers do not exist: a 101st value is a duplicate or 3-digit.
        text = ", ".join(f"{n:02d}" for n in range(100)) + ", 100"
        _, errors = parse_number_batch(text)
        assert errors == ["Número «100»: use exactamente 2 cifras (00–99)"]


class TestValueParsing:
    def test_amounts(self):
        assert parse_whole_amount("5 000", "Máximo") == 5_000
        assert parse_whole_amount("₡2000", "Máximo") == 2_000
        assert parse_whole_amount("0", "Máximo") == 0
        assert parse_whole_amount("  ", "Máximo") is None
        for bad in ("-5", "abc", "5,5", "1e3"):
            with pytest.raises(ValueError, match=f"«{bad}»"):
                parse_whole_amount(bad, "Máximo")

    def test_percentage_hour_minutes_number(self):
        assert parse_percentage("3,5") == Decimal("3.5")
        with pytest.raises(ValueError, match="«101»"):
            parse_percentage("101")
        with pytest.raises(ValueError, match="«x»"):
            parse_percentage("x")
        assert parse_bounded_int("23", "Hora", 0, 23) == 23
        with pytest.raises(ValueError, match="«24»"):
            parse_bounded_int("24", "Hora", 0, 23)
        with pytest.raises(ValueError, match="«-1»"):
            parse_bounded_int("-1", "Hora", 0, 23)
        with pytest.raises(ValueError, match="«dos»"):
            parse_bounded_int("dos", "Corte", 0, 30)
        assert normalize_number("7", 2) == "07" and normalize_number("7", 3) == "007"
        with pytest.raises(ValueError, match="«123»"):
            normalize_number("123", 2)


class TestSummary:
    def test_examples(self):
        from datetime import date

        from app.restrictions.summary import Names, summarize
        from tests.restrictions.restrictions_engine_helpers import X
        tica = Names(loteria="TICA", ventana="Centro", vendedor="Carlos", multiplier="85x")
        assert summarize(rule(number="13", max_total=5000, loteria_id=TICA), tica) == (
            "Máx. ₡5 000 acumulado al 13 en TICA, todas las ventanas")
        assert summarize(rule(ventana_id=V, max_amount=1000, max_total=5000), tica) == (
            "Máx. ₡1 000 por tiquete y ₡5 000 acumulado en cada número, ventana Centro")
        assert summarize(rule(ventana_id=V, max_total=1), Names(ventana="Ventana Centro")).endswith(
            ", Ventana Centro")
        assert summarize(rule(ventana_id=V, applies_to_vendedor=True, base_amount=2500,
                              sales_percentage=Decimal("3")), tica) == (
            "Máx. ₡2 500 o 3 % de las ventas (el mayor) acumulado en cada número, ventana Centro, "
            "por cada vendedor")
        assert summarize(rule(number="13", max_total=0), tica) == "Número 13 bloqueado, todas las ventanas"
        assert summarize(rule(is_auto_date=True, max_total=3000), tica) == (
            "Máx. ₡3 000 acumulado al número del día, todas las ventanas")
        assert summarize(rule(loteria_id=TICA, multiplier_id=M85), tica) == (
            "Multiplicador 85x bloqueado en TICA, todas las ventanas")
        assert summarize(rule(user_id=X, sales_cutoff_minutes=3), tica) == (
            "Corte de 3 min antes del sorteo, vendedor Carlos")
        assert summarize(rule(max_ticket_total=20000, applies_to_date=date(2026, 3, 14), applies_to_hour=14),
                         tica) == ("Máx. ₡20 000 por tiquete (total), todas las ventanas · solo el 14/03/2026 "
                                   "de 2:00 p. m. a 2:59 p. m.")
        assert summarize(rule(number="77", max_total=1000, sales_cutoff_minutes=15), tica) == (
            "Máx. ₡1 000 acumulado al 77, todas las ventanas; corte 15 min antes")
        assert summarize(rule(max_total=1), Names(ventana_label="Listero")).endswith("todos los listeros")
