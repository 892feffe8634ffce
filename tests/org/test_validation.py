"""Pure org field rules (DOMAIN §4 org validation)."""
from __future__ import annotations

import pytest

from app.errors import InvalidInput
from app.org import validation as v


@pytest.mark.parametrize("raw,expected", [("88881234", "88881234"), ("8888-1234", "88881234"),
                                          (" 8888 1234 ", "88881234"), ("", None), (None, None)])
def test_phone_accepts_eight_digits(raw, expected):
    assert v.phone(raw) == expected


@pytest.mark.parametrize("raw", ["8888123", "888812345", "8888-12a4", "٨٨٨٨١٢٣٤", "+50688881234"])
def test_phone_refuses_anything_else(raw):
    with pytest.raises(v.FieldError, match="8 dígitos"):
        v.phone(raw)


@pytest.mark.parametrize("raw,expected", [("  Ana   Mora ", "Ana Mora"), ("Lu", "Lu"), ("x" * 100, "x" * 100)])
def test_name_trims_and_accepts_2_to_100(raw, expected):
    assert v.name(raw) == expected


@pytest.mark.parametrize("raw", ["", "  ", "A", "x" * 101, None])
def test_name_refused(raw):
    with pytest.raises(v.FieldError):
        v.name(raw)


def test_codes_upper_cased_with_lengths():
    assert v.banca_code(" demo ") == "DEMO"
    assert v.ventana_code("sur-1") == "SUR-1"
    assert v.user_code("v01") == "V01"
    assert v.user_code("") is None
    for bad in ("x", "A" * 11, "ÑAÑA", "a b"):
        with pytest.raises(v.FieldError):
            v.ventana_code(bad)
    assert v.banca_code("B" * 20) == "B" * 20
    with pytest.raises(v.FieldError):
        v.banca_code("B" * 21)
    with pytest.raises(v.FieldError, match="letras sin tilde y números"):
        v.user_code("V-01")


@pytest.mark.parametrize("raw", ["ana", "Ana.Mora", "a-1.b", "A" * 32])
def test_username_accepted(raw):
    assert v.username(raw) == raw


@pytest.mark.parametrize("raw", ["ab", "1ana", ".ana", "ana mora", "ana_m", "añez", "A" * 33, ""])
def test_username_refused(raw):
    with pytest.raises(v.FieldError):
        v.username(raw)


def test_email_lowercased_and_validated():
    assert v.email(" Ana@Example.COM ") == "ana@example.com"
    assert v.email("") is None
    for bad in ("ana", "ana@", "@x.com", "a b@x.com", "a@" + "x" * 250 + ".com"):
        with pytest.raises(v.FieldError):
            v.email(bad)


def test_int_in_ranges_without_english_messages():
    sessions = v.int_in(1, 20, required=True, label="Sesiones")
    assert sessions("5") == 5 and sessions(20) == 20
    for bad in ("0", "21", "abc", "1.5", "-1", "", True, "9" * 20):
        with pytest.raises(v.FieldError, match="Sesiones"):
            sessions(bad)
    optional = v.int_in(1, 10, required=False, label="Límite")
    assert optional("") is None


def test_settings_cleaners():
    assert v.ventana_label("listero") == "Listero"
    with pytest.raises(v.FieldError):
        v.ventana_label("Sucursal")
    assert v.paper_width("58") == 58 and v.paper_width("80 mm") == 80
    with pytest.raises(v.FieldError):
        v.paper_width("100")
    assert v.optional_paper_width("") is None
    assert v.boolean("y") is True and v.boolean(None) is False
    assert v.optional_boolean("") is None and v.optional_boolean("0") is False
    with pytest.raises(v.FieldError):
        v.boolean("quizás")
    assert v.limited_text(5)(" hola ") == "hola"
    with pytest.raises(v.FieldError, match="máximo 5"):
        v.limited_text(5)("123456")


def test_reason_3_to_200():
    assert v.reason("  cierre   temporal ") == "cierre temporal"
    for bad in ("", "ab", "x" * 201):
        with pytest.raises(v.FieldError):
            v.reason(bad)


def test_clean_reports_every_field_at_once():
    with pytest.raises(InvalidInput) as exc:
        v.clean({"name": "", "code": "x", "phone": "12", "max_sessions_per_vendedor": "99"}, v.BANCA_FIELDS)
    assert set(exc.value.errors) == {"name", "code", "phone", "max_sessions_per_vendedor"}
    assert exc.value.status == 422


def test_clean_partial_only_checks_present_keys():
    assert v.clean({"phone": "8888-0000"}, v.VENTANA_FIELDS, partial=True) == {"phone": "88880000"}
