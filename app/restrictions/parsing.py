"""Pure parsing of the rule form's typed values (DOMAIN §10.7, UX §6); no database, no Flask.

Every error message is Spanish and names the offending value, so a bad batch is refused whole
(422) with each problem listed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MAX_BATCH = 100

_SEPARATORS = re.compile(r"[,;\s]+")
_RANGE_SPACES = re.compile(r"\s*-\s*")
_TWO = re.compile(r"^\d{2}$")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_TENS = re.compile(r"^(\d)\*$")
_ENDING = re.compile(r"^\*(\d)$")


def _expand(token: str) -> tuple[list[str], str | None]:
    """Numbers of one token ('25', '10-19', '3*', '*7') or an error naming it."""
    if _TWO.match(token):
        return [token], None
    if m := _RANGE.match(token):
        start, end = m.groups()
        for part in (start, end):
            if len(part) != 2:
                return [], f"Número «{part}»: use exactamente 2 cifras (00–99)"
        if int(start) > int(end):
            return [], f"Rango «{token}»: el inicio es mayor que el final"
        return [f"{n:02d}" for n in range(int(start), int(end) + 1)], None
    if m := _TENS.match(token):
        tens = int(m.group(1))
        return [f"{tens}{unit}" for unit in range(10)], None
    if m := _ENDING.match(token):
        unit = int(m.group(1))
        return [f"{tens}{unit}" for tens in range(10)], None
    if token.isascii() and token.isdigit():
        return [], f"Número «{token}»: use exactamente 2 cifras (00–99)"
    return [], f"«{token}» no es un número válido"


def parse_number_batch(text: str | None, *, limit: int = MAX_BATCH) -> tuple[list[str], list[str]]:
    """('10-19, 25, 3*') → (numbers in typed order, errors). Any error means nothing is saved.

    Only 2-digit numbers 00–99 (3-digit numbers are created one rule at a time), no duplicates,
    at most ``limit`` numbers.
    """
    cleaned = _RANGE_SPACES.sub("-", (text or "").strip())
    tokens = [t for t in _SEPARATORS.split(cleaned) if t]
    if not tokens:
        return [], ["Indique al menos un número"]
    numbers: list[str] = []
    errors: list[str] = []
    seen: set[str] = set()
    for token in tokens:
        expanded, error = _expand(token)
        if error:
            errors.append(error)
        for number in expanded:
            if number in seen:
                message = f"Número {number} repetido"
                if message not in errors:
                    errors.append(message)
            else:
                seen.add(number)
                numbers.append(number)
    if len(numbers) > limit:
        errors.append(f"Máximo {limit} números por lote (ingresó {len(numbers)})")
    return numbers, errors


def normalize_number(raw: str, digits: int) -> str:
    """Zero-pad a typed number to the sorteo's digits ('7' → '07'); ValueError naming it if bad."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > digits:
        raise ValueError(f"Número «{raw}»: use hasta {digits} cifras")
    return text.zfill(digits)


def parse_whole_amount(raw: str | None, label: str) -> Decimal | None:
    """Whole colones ≥ 0 ('5 000', '₡5000'); blank → None; ValueError naming the value."""
    text = (raw or "").strip()
    if not text:
        return None
    compact = text.replace("₡", "").replace(" ", "").replace("\u00a0", "")
    if not (compact.isascii() and compact.isdigit()):
        raise ValueError(f"{label}: «{text}» no es válido (colones enteros, 0 o más)")
    return Decimal(int(compact))


def parse_percentage(raw: str | None, label: str = "% de ventas") -> Decimal | None:
    """0–100 with at most 2 decimals (comma or point); blank → None."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ".").replace("%", "").strip())
    except InvalidOperation:
        raise ValueError(f"{label}: «{text}» no es un porcentaje válido") from None
    if not value.is_finite() or not (0 <= value <= 100) or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{label}: «{text}» debe estar entre 0 y 100 (2 decimales)")
    return value


def parse_bounded_int(raw: str | None, label: str, low: int, high: int) -> int | None:
    """An integer in [low, high] (hour 0–23, cutoff 0–30 minutes); blank → None."""
    text = (raw or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.lstrip("-").isdigit()):
        raise ValueError(f"{label}: «{text}» no es un número entero")
    value = int(text)
    if not (low <= value <= high):
        raise ValueError(f"{label}: «{text}» debe estar entre {low} y {high}")
    return value
