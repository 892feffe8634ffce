"""Pure checks of a sale (DOMAIN §9.2 steps 1, 5 and 6), the idempotency hash and ticket numbers.

No database and no Flask: the services feed plain values in and turn the returned messages
into `SaleRejected` errors with the right status.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping, Sequence

from app.draws.rules import LoteriaRules, hhmm
from app.formatting import format_colones

NUMERO = "NUMERO"
REVENTADO = "REVENTADO"
MAX_LINES = 2000  # a 3-digit ticket may carry every number with both types
MAX_AMOUNT = Decimal(10) ** 10  # far above any real bet; keeps NUMERIC(14,2) safe
KEY_MIN, KEY_MAX = 8, 100
CLIENTE_MAX = 100


@dataclass(frozen=True, slots=True)
class SaleLine:
    """One validated jugada: number zero-padded, amount a whole Decimal."""

    position: int
    type: str
    number: str
    amount: Decimal
    multiplier_id: uuid.UUID | None = None


@dataclass
class Problems:
    """Failures of one validation group: a message per line index and/or for the whole ticket."""

    lines: dict[int, str]
    ticket: list[str]

    def __bool__(self) -> bool:
        return bool(self.lines or self.ticket)

    def messages(self) -> list[str]:
        return list(dict.fromkeys([*self.ticket, *self.lines.values()]))


def _problems() -> Problems:
    return Problems({}, [])


# ---------------------------------------------------------------------------- step 1: shape

def _amount(value: Any) -> Decimal | None:
    try:
        dec = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        return None
    if not dec.is_finite() or dec <= 0 or dec != dec.to_integral_value() or dec >= MAX_AMOUNT:
        return None
    return dec.quantize(Decimal(1))


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def check_shape(lines: Sequence[Any], digits: int | None) -> tuple[list[SaleLine], Problems]:
    """Step 1 (422): at least one jugada; numbers of the sorteo's digits (zero-padded); whole
    positive amounts; NUMERO with a multiplier; every REVENTADO riding on a NUMERO of the same
    number with an amount ≤ that NUMERO's. ``digits`` None (unknown sorteo) skips the digit count.
    """
    problems = _problems()
    if not lines:
        problems.ticket.append("Agregue al menos una jugada al tiquete.")
        return [], problems
    if len(lines) > MAX_LINES:
        problems.ticket.append(f"Un tiquete admite como máximo {MAX_LINES} jugadas.")
        return [], problems
    out: list[SaleLine] = []
    width = digits or 3
    for i, line in enumerate(lines):
        kind = str(getattr(line, "type", "") or "").upper()
        raw = str(getattr(line, "number", "") or "").strip()
        if kind not in (NUMERO, REVENTADO):
            problems.lines[i] = f"Jugada {i + 1}: tipo de jugada no válido."
            continue
        if not raw.isdigit() or not 1 <= len(raw) <= width or not raw.isascii():
            cifras = f"{digits} cifras" if digits else "2 o 3 cifras"
            problems.lines[i] = f"Número «{raw[:6]}» no válido: use {cifras}."
            continue
        number = raw.zfill(digits) if digits else raw
        amount = _amount(getattr(line, "amount", None))
        if amount is None:
            problems.lines[i] = f"Número {number}: el monto debe ser un número entero de colones mayor que 0."
            continue
        mult = _uuid(getattr(line, "multiplier_id", None)) if kind == NUMERO else None
        if kind == NUMERO and mult is None:
            problems.lines[i] = f"Número {number}: elija el multiplicador."
            continue
        out.append(SaleLine(i, kind, number, amount, mult))
    if problems or digits is None:
        return out, problems
    _check_reventados(out, problems)
    return out, problems


def finish_shape(lines: list[SaleLine], digits: int) -> tuple[list[SaleLine], Problems]:
    """Second half of step 1 once the sorteo's digits are known: pad each number, refuse longer
    ones, then the REVENTADO pairing (on the padded numbers)."""
    problems = _problems()
    out = []
    for line in lines:
        if len(line.number) > digits:
            problems.lines[line.position] = f"Número «{line.number}» no válido: use {digits} cifras."
        elif len(line.number) < digits:
            line = SaleLine(line.position, line.type, line.number.zfill(digits), line.amount, line.multiplier_id)
        out.append(line)
    if not problems:
        _check_reventados(out, problems)
    return out, problems


def _check_reventados(lines: list[SaleLine], problems: Problems) -> None:
    numero: dict[str, Decimal] = {}
    reventado: dict[str, Decimal] = {}
    for line in lines:
        bucket = numero if line.type == NUMERO else reventado
        bucket[line.number] = bucket.get(line.number, Decimal(0)) + line.amount
    for line in lines:
        if line.type != REVENTADO:
            continue
        base = numero.get(line.number)
        if base is None:
            problems.lines[line.position] = (f"Reventado {line.number}: juegue primero el número "
                                             f"{line.number} en este tiquete.")
        elif reventado[line.number] > base:
            problems.lines[line.position] = (f"Reventado {line.number}: no puede superar lo jugado al "
                                             f"número ({format_colones(base)}).")


def check_key(key: Any) -> str | None:
    """The idempotency key (8–100 printable characters), or None when invalid."""
    text = str(key or "").strip()
    if not KEY_MIN <= len(text) <= KEY_MAX or not text.isprintable():
        return None
    return text


def clean_cliente(value: Any) -> tuple[str | None, str | None]:
    """(cliente_nombre trimmed, blank → None; error message or None)."""
    text = " ".join(str(value or "").split())
    if len(text) > CLIENTE_MAX:
        return None, f"El nombre del cliente admite como máximo {CLIENTE_MAX} caracteres."
    if not text.isprintable():
        return None, "El nombre del cliente contiene caracteres no válidos."
    return (text or None), None


# ---------------------------------------------------------------------------- step 5: lotería

def check_sales_hours(rules: LoteriaRules, loteria_name: str, now: datetime) -> str | None:
    """Sales hours of the lotería (409 when outside), None when open."""
    if rules.within_sales_hours(now):
        return None
    from app.tz import to_cr, weekday_sunday0
    hours = rules.sales_hours_on(weekday_sunday0(to_cr(now).date()))
    return (f"{loteria_name} vende de {hhmm(hours.start)} a {hhmm(hours.end)}. "
            "Fuera del horario de venta: elija otro sorteo.")


def check_loteria(rules: LoteriaRules, loteria_name: str, lines: Sequence[SaleLine]) -> Problems:
    """Step 5 value checks (422): number range, bet types, reventado, min/max bet, distinct numbers."""
    problems = _problems()
    top = f"{rules.number_max:0{rules.digits}d}"
    bottom = f"{rules.number_min:0{rules.digits}d}"
    for line in lines:
        if not rules.number_in_range(line.number):
            problems.lines[line.position] = f"Número {line.number} fuera del rango permitido ({bottom}–{top})."
        elif line.type == REVENTADO and not rules.reventado_allowed:
            problems.lines[line.position] = f"{loteria_name} no acepta reventado."
        elif line.type not in rules.allowed_bet_types:
            problems.lines[line.position] = f"{loteria_name} no acepta jugadas de tipo número."
        elif rules.min_bet_amount is not None and line.amount < rules.min_bet_amount:
            problems.lines[line.position] = (f"Número {line.number}: el monto mínimo es "
                                             f"{format_colones(rules.min_bet_amount)}.")
        elif rules.max_bet_amount is not None and line.amount > rules.max_bet_amount:
            problems.lines[line.position] = (f"Número {line.number}: el monto máximo es "
                                             f"{format_colones(rules.max_bet_amount)}.")
    distinct = {line.number for line in lines if line.type == NUMERO}
    if rules.max_numbers_per_ticket is not None and len(distinct) > rules.max_numbers_per_ticket:
        problems.ticket.append(f"{loteria_name} admite como máximo {rules.max_numbers_per_ticket} "
                               f"números por tiquete ({len(distinct)} en este).")
    return problems


# ---------------------------------------------------------------------------- step 6: multipliers

@dataclass(frozen=True, slots=True)
class MultiplierInfo:
    id: uuid.UUID
    loteria_id: uuid.UUID
    name: str
    value_x: Decimal
    kind: str
    is_active: bool
    applies_to_date: date | None = None
    applies_to_sorteo_id: uuid.UUID | None = None


def check_multipliers(lines: Sequence[SaleLine], multipliers: Mapping[uuid.UUID, MultiplierInfo], *,
                      loteria_id, loteria_name: str, sorteo_id, business_date: date) -> Problems:
    """Step 6 (422): each NUMERO multiplier exists, is active, NUMERO, of this lotería, value > 0,
    valid from its date (business date of the sorteo) and, if sorteo-specific, for this sorteo."""
    problems = _problems()
    for line in lines:
        if line.type != NUMERO:
            continue
        m = multipliers.get(line.multiplier_id)
        ok = (m is not None and m.is_active and m.kind == NUMERO and m.loteria_id == loteria_id
              and m.value_x > 0
              and (m.applies_to_date is None or m.applies_to_date <= business_date)
              and (m.applies_to_sorteo_id is None or m.applies_to_sorteo_id == sorteo_id))
        if not ok:
            label = f"{m.name} " if m is not None else ""
            problems.lines[line.position] = (f"Número {line.number}: el multiplicador {label}no está "
                                             f"disponible en {loteria_name}. Elija otro.")
    return problems


# ---------------------------------------------------------------------------- idempotency, numbers

def payload_hash(*, sorteo_id, vendedor_id, cliente_nombre: str | None, lines: Iterable[SaleLine]) -> str:
    """SHA-256 of the sale payload (§11.3): sorteo, vendedor, cliente and the multiset of jugadas."""
    items = sorted((line.type, line.number, str(int(line.amount)), str(line.multiplier_id or ""))
                   for line in lines)
    doc = {"sorteo": str(sorteo_id), "vendedor": str(vendedor_id), "cliente": cliente_nombre or "",
           "lines": items}
    return hashlib.sha256(json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()).hexdigest()


def ticket_prefix(business_date: date) -> str:
    """'T260314-' for business date 2026-03-14 (§11.2)."""
    return f"T{business_date:%y%m%d}-"


def format_ticket_number(business_date: date, seq: int) -> str:
    """'T260314-00042'; at least five digits ('T260314-100000' after 99 999)."""
    return f"{ticket_prefix(business_date)}{seq:05d}"


def normalize_ticket_number(text: str) -> str:
    """Exact lookup form of a typed or scanned number: trimmed, upper-case 'T'."""
    return (text or "").strip().upper()


def line_summary(lines: Sequence[SaleLine], multipliers: Mapping[uuid.UUID, MultiplierInfo]) -> str:
    """'15 ₡2 000 (paga 90); reventado 15 ₡1 500; 07 ₡1 000 (paga 90)' (audit description, §21)."""
    parts = []
    for line in lines:
        if line.type == REVENTADO:
            parts.append(f"reventado {line.number} {format_colones(line.amount)}")
        else:
            m = multipliers.get(line.multiplier_id)
            mult = f" (paga {m.value_x.normalize():f})" if m is not None else ""
            parts.append(f"{line.number} {format_colones(line.amount)}{mult}")
    text = "; ".join(parts[:30])
    if len(parts) > 30:
        text += f"; … (+{len(parts) - 30})"
    return text
