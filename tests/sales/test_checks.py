"""Pure sale checks (app/sales/checks.py): shape, lotería rules, multipliers, hash, numbers."""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from app.draws.rules import LoteriaRules
from app.sales import checks
from app.sales.schemas import LineInput

M = uuid.uuid4()


def L(kind, number, amount, mult=M):
    return LineInput(kind, number, Decimal(str(amount)), mult if kind == "NUMERO" else None)


def test_shape_pads_and_pairs_reventado():
    parsed, problems = checks.check_shape([L("NUMERO", "7", 100), L("REVENTADO", "07", 100)], None)
    assert not problems
    lines, problems = checks.finish_shape(parsed, 2)
    assert not problems and [x.number for x in lines] == ["07", "07"]
    _, problems = checks.finish_shape(checks.check_shape([L("NUMERO", "123", 100)], None)[0], 2)
    assert problems.lines == {0: "Número «123» no válido: use 2 cifras."}


def test_shape_rejects_bad_values_per_line():
    lines = [L("NUMERO", "1x", 100), L("NUMERO", "12", "10.5"), L("NUMERO", "13", 0), L("NUMERO", "14", 10, None),
             LineInput("OTRO", "15", Decimal(1))]
    _, problems = checks.check_shape(lines, 2)
    assert set(problems.lines) == {0, 1, 2, 3, 4}
    _, problems = checks.check_shape([], 2)
    assert problems.ticket


def test_reventado_sum_cannot_exceed_numero():
    _, problems = checks.check_shape([L("NUMERO", "15", 100), L("REVENTADO", "15", 60), L("REVENTADO", "15", 50)], 2)
    assert 2 in problems.lines and 1 in problems.lines


def test_loteria_rules():
    rules = LoteriaRules.from_json({"digits": 2, "min_bet_amount": 100, "max_bet_amount": 500,
                                    "number_range": {"min": 0, "max": 50}, "max_numbers_per_ticket": 1})
    lines, _ = checks.check_shape([L("NUMERO", "60", 100), L("NUMERO", "10", 50), L("REVENTADO", "10", 10)], 2)
    problems = checks.check_loteria(rules, "TICA", lines)
    assert "fuera del rango" in problems.lines[0] and "mínimo" in problems.lines[1]
    assert "no acepta reventado" in problems.lines[2] and problems.ticket


def test_multiplier_validity_window():
    m = checks.MultiplierInfo(M, uuid.uuid4(), "90x", Decimal(90), "NUMERO", True, date(2026, 3, 15))
    lines, _ = checks.check_shape([L("NUMERO", "10", 100)], 2)
    early = checks.check_multipliers(lines, {M: m}, loteria_id=m.loteria_id, loteria_name="TICA",
                                     sorteo_id=uuid.uuid4(), business_date=date(2026, 3, 14))
    assert early.lines
    ok = checks.check_multipliers(lines, {M: m}, loteria_id=m.loteria_id, loteria_name="TICA",
                                  sorteo_id=uuid.uuid4(), business_date=date(2026, 3, 15))
    assert not ok


def test_payload_hash_is_order_insensitive_and_payload_sensitive():
    a, _ = checks.check_shape([L("NUMERO", "10", 100), L("NUMERO", "20", 200)], 2)
    b, _ = checks.check_shape([L("NUMERO", "20", 200), L("NUMERO", "10", 100)], 2)
    s, v = uuid.uuid4(), uuid.uuid4()
    h = checks.payload_hash(sorteo_id=s, vendedor_id=v, cliente_nombre=None, lines=a)
    assert h == checks.payload_hash(sorteo_id=s, vendedor_id=v, cliente_nombre=None, lines=b)
    assert h != checks.payload_hash(sorteo_id=s, vendedor_id=v, cliente_nombre="Ana", lines=a)


def test_ticket_numbers():
    assert checks.format_ticket_number(date(2026, 3, 14), 42) == "T260314-00042"
    assert checks.format_ticket_number(date(2026, 3, 14), 100000) == "T260314-100000"
    assert checks.normalize_ticket_number(" t260314-00042 ") == "T260314-00042"
    assert checks.check_key("short") is None and checks.check_key("k" * 8) == "k" * 8
