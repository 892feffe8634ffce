"""Pure validation of a restriction rule's fields (DOMAIN §10.1, §10.7); no database, no Flask.

``validate_rule`` returns every problem as ``FieldError(field, message)`` (Spanish, naming the
offending value); the service turns a non-empty list into a 422.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from app.restrictions.domain import Kind, RuleSpec

MAX_CUTOFF_MINUTES = 30
MAX_MESSAGE_LENGTH = 255

FIELD_LABELS = {
    "number": "Número",
    "is_auto_date": "Fecha del día",
    "max_amount": "Máximo por tiquete",
    "max_total": "Máximo acumulado en el sorteo",
    "max_ticket_total": "Total por tiquete",
    "base_amount": "Base",
    "sales_percentage": "% de ventas",
    "applies_to_vendedor": "Por cada vendedor",
    "sales_cutoff_minutes": "Corte",
    "loteria_id": "Lotería",
    "sorteo_id": "Sorteo",
    "multiplier_id": "Multiplicador",
    "message": "Mensaje",
    "applies_to_date": "Fecha",
    "applies_to_hour": "Hora",
    "scope": "Alcance",
}

KIND_LABELS = {
    Kind.CUTOFF: "Corte",
    Kind.NUMBER_LIMIT: "Límite por número",
    Kind.TICKET_TOTAL: "Total por tiquete",
    Kind.MULTIPLIER: "Multiplicador",
}

_DATED = {"applies_to_date", "applies_to_hour"}
_KIND_FIELDS = {
    Kind.CUTOFF: {"sales_cutoff_minutes", *_DATED},
    Kind.NUMBER_LIMIT: {
        "number", "is_auto_date", "max_amount", "max_total", "base_amount", "sales_percentage",
        "applies_to_vendedor", "sales_cutoff_minutes", "loteria_id", "sorteo_id", *_DATED,
    },
    Kind.TICKET_TOTAL: {"max_ticket_total", "loteria_id", "sorteo_id", *_DATED},
    Kind.MULTIPLIER: {
        "multiplier_id", "loteria_id", "number", "max_amount", "max_total", "base_amount",
        "sales_percentage", "applies_to_vendedor", "message", "sorteo_id", *_DATED,
    },
}
_ALL_FIELDS = set().union(*_KIND_FIELDS.values())
_WHOLE_AMOUNTS = ("max_amount", "max_total", "max_ticket_total", "base_amount")


class FieldError(NamedTuple):
    field: str
    message: str


def _is_set(value: Any) -> bool:
    return value is not None and value is not False and value != ""


def _foreign_fields(rule: RuleSpec, kind: Kind) -> list[FieldError]:
    allowed = _KIND_FIELDS[kind]
    label = KIND_LABELS[kind]
    return [
        FieldError(name, f"«{FIELD_LABELS[name]}» no corresponde a una regla de tipo {label}")
        for name in sorted(_ALL_FIELDS - allowed)
        if _is_set(getattr(rule, name))
    ]


def _number_errors(rule: RuleSpec, digits: int | None) -> list[FieldError]:
    errors = []
    number = rule.number
    if number is not None:
        if not (number.isascii() and number.isdigit()) or len(number) not in (2, 3):
            errors.append(FieldError("number", f"Número «{number}»: use 2 o 3 cifras (00–999)"))
        elif digits is not None and len(number) != digits:
            errors.append(FieldError("number", f"Número «{number}»: debe tener {digits} cifras"))
        if rule.is_auto_date:
            errors.append(FieldError("is_auto_date", "Elija un número o «Fecha del día», no ambos"))
    return errors


def _amount_errors(rule: RuleSpec) -> list[FieldError]:
    errors = []
    for name in _WHOLE_AMOUNTS:
        value = getattr(rule, name)
        if value is None:
            continue
        value = Decimal(value)
        if value < 0 or value != value.to_integral_value():
            shown = format(value, "f")
            errors.append(
                FieldError(name, f"{FIELD_LABELS[name]}: «{shown}» no es válido (colones enteros, 0 o más)")
            )
    pct = rule.sales_percentage
    if pct is not None:
        pct = Decimal(pct)
        if not (0 <= pct <= 100) or pct != pct.quantize(Decimal("0.01")):
            errors.append(
                FieldError("sales_percentage", f"% de ventas: «{format(pct, 'f')}» debe estar entre 0 y 100 (2 decimales)")
            )
        elif pct > 0 and not (rule.base_amount and Decimal(rule.base_amount) > 0):
            errors.append(FieldError("base_amount", "Un % de ventas necesita una base mayor que 0"))
    return errors


def _time_errors(rule: RuleSpec, today: date | None) -> list[FieldError]:
    errors = []
    minutes = rule.sales_cutoff_minutes
    if minutes is not None and not (0 <= minutes <= MAX_CUTOFF_MINUTES):
        errors.append(
            FieldError("sales_cutoff_minutes", f"Corte: «{minutes}» debe estar entre 0 y 30 minutos")
        )
    hour = rule.applies_to_hour
    if hour is not None and not (0 <= hour <= 23):
        errors.append(FieldError("applies_to_hour", f"Hora: «{hour}» debe estar entre 0 y 23"))
    if today is not None and rule.applies_to_date is not None and rule.applies_to_date < today:
        shown = rule.applies_to_date.strftime("%d/%m/%Y")
        errors.append(FieldError("applies_to_date", f"Fecha: «{shown}» ya pasó"))
    return errors


def _kind_errors(rule: RuleSpec) -> list[FieldError]:
    errors = []
    if rule.ventana_id is not None and rule.user_id is not None:
        errors.append(FieldError("scope", "La regla es de la banca, de una ventana o de un vendedor, no de varios"))
    if rule.kind is Kind.MULTIPLIER and rule.loteria_id is None:
        errors.append(FieldError("loteria_id", "Una regla de multiplicador necesita su lotería"))
    if rule.kind is Kind.CUTOFF and rule.sales_cutoff_minutes is None:
        errors.append(FieldError("kind", "Indique un límite, un corte o un multiplicador"))
    if rule.message is not None and len(rule.message) > MAX_MESSAGE_LENGTH:
        errors.append(FieldError("message", "Mensaje: máximo 255 caracteres"))
    return errors


def _expected_kind_errors(rule: RuleSpec, expected: Kind) -> list[FieldError]:
    """The form's chosen type must be the kind the fields produce (§10.1: one kind per rule)."""
    if rule.kind is expected:
        return []
    foreign = _foreign_fields(rule, expected)
    if foreign:
        return foreign
    missing = {
        Kind.MULTIPLIER: ("multiplier_id", "Elija el multiplicador"),
        Kind.TICKET_TOTAL: ("max_ticket_total", "Indique el total máximo por tiquete"),
        Kind.NUMBER_LIMIT: ("number", "Indique números, «Fecha del día» o algún monto"),
        Kind.CUTOFF: ("sales_cutoff_minutes", "Indique los minutos de corte"),
    }[expected]
    return [FieldError(*missing)]


def validate_rule(
    rule: RuleSpec,
    *,
    today: date | None = None,
    digits: int | None = None,
    expected_kind: Kind | None = None,
) -> list[FieldError]:
    """Every problem with a rule's fields; ``today`` (CR) enables the past-date check and
    ``expected_kind`` (the type chosen in the form, or the kind before an edit) must match."""
    if expected_kind is not None and rule.kind is not expected_kind:
        return [*_expected_kind_errors(rule, expected_kind), *_time_errors(rule, today)]
    return [
        *_kind_errors(rule),
        *_foreign_fields(rule, rule.kind),
        *_number_errors(rule, digits),
        *_amount_errors(rule),
        *_time_errors(rule, today),
    ]


def uniqueness_key(rule: RuleSpec) -> tuple:
    """Two active rules may not share this key (§10.1) → 409; ids compared as strings."""

    def s(value: Any) -> str | None:
        return None if value is None else str(value)

    return (
        rule.number, s(rule.banca_id), s(rule.ventana_id), s(rule.user_id), s(rule.loteria_id),
        s(rule.sorteo_id), s(rule.multiplier_id), bool(rule.is_auto_date),
        bool(rule.applies_to_vendedor), rule.applies_to_date, rule.applies_to_hour, rule.kind.value,
    )


__all__ = ["FIELD_LABELS", "KIND_LABELS", "FieldError", "uniqueness_key", "validate_rule"]
