"""Rule forms (UX §6 "Restricciones"): shape only; the service validates the rule itself.

Text inputs are parsed by ``app.restrictions.parsing`` so every error names the typed value.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from app.restrictions.domain import Kind
from app.restrictions.parsing import parse_bounded_int, parse_percentage, parse_whole_amount

TYPE_CHOICES = [
    ("limite", "Límite por número"), ("bloqueado", "Número bloqueado"),
    ("total", "Total por tiquete"), ("multiplicador", "Multiplicador"), ("corte", "Corte"),
]
TYPE_KINDS = {"limite": Kind.NUMBER_LIMIT, "bloqueado": Kind.NUMBER_LIMIT,
              "total": Kind.TICKET_TOTAL, "multiplicador": Kind.MULTIPLIER, "corte": Kind.CUTOFF}
KIND_TYPES = {Kind.NUMBER_LIMIT: "limite", Kind.TICKET_TOTAL: "total",
              Kind.MULTIPLIER: "multiplicador", Kind.CUTOFF: "corte"}
ACTIVE_CHOICES = [("1", "Activa"), ("0", "Inactiva")]

_DATED = ("applies_to_date", "applies_to_hour")
# Form fields each type accepts; anything else filled in is refused (fields of another kind, §10.1).
TYPE_FIELDS = {
    "limite": ("numbers", "is_auto_date", "max_amount", "max_total", "base_amount", "sales_percentage",
               "applies_to_vendedor", "sales_cutoff_minutes", "loteria_id", "sorteo_id", *_DATED),
    "bloqueado": ("numbers", "is_auto_date", "loteria_id", "sorteo_id", *_DATED),
    "total": ("max_ticket_total", "loteria_id", "sorteo_id", *_DATED),
    "multiplicador": ("loteria_id", "multiplier_id", "numbers", "max_amount", "max_total", "base_amount",
                      "sales_percentage", "applies_to_vendedor", "message", "sorteo_id", *_DATED),
    "corte": ("sales_cutoff_minutes", *_DATED),
}
LABELS = {
    "numbers": "Números", "is_auto_date": "Fecha del día", "max_amount": "Máximo por tiquete",
    "max_total": "Máximo acumulado en el sorteo", "base_amount": "Base", "sales_percentage": "% de ventas",
    "applies_to_vendedor": "Por cada vendedor", "sales_cutoff_minutes": "Corte (minutos)",
    "max_ticket_total": "Total por tiquete", "loteria_id": "Lotería", "sorteo_id": "Sorteo",
    "multiplier_id": "Multiplicador", "message": "Mensaje", "applies_to_date": "Fecha",
    "applies_to_hour": "Hora (0–23)",
}
AMOUNTS = ("max_amount", "max_total", "base_amount", "max_ticket_total")


class RuleForm(FlaskForm):
    """Selects are plain string fields: the template renders their options (pages.rule_choices)."""

    scope = StringField("Alcance")
    ventana_id = StringField("Ventana")
    user_id = StringField("Vendedor")
    rule_type = StringField("Tipo")
    numbers = StringField("Números")
    is_auto_date = BooleanField("Fecha del día")
    max_amount = StringField("Máximo por tiquete")
    max_total = StringField("Máximo acumulado en el sorteo")
    base_amount = StringField("Base")
    sales_percentage = StringField("% de ventas")
    applies_to_vendedor = BooleanField("Por cada vendedor")
    sales_cutoff_minutes = StringField("Corte (minutos)")
    max_ticket_total = StringField("Total por tiquete")
    loteria_id = StringField("Lotería")
    sorteo_id = StringField("Sorteo")
    multiplier_id = StringField("Multiplicador")
    message = StringField("Mensaje")
    applies_to_date = StringField("Fecha")
    applies_to_hour = StringField("Hora (0–23)")


class RuleEditForm(FlaskForm):
    max_amount = StringField("Máximo por tiquete")
    max_total = StringField("Máximo acumulado en el sorteo")
    max_ticket_total = StringField("Total por tiquete")
    sales_cutoff_minutes = StringField("Corte (minutos)")
    is_active = StringField("Estado")
    applies_to_date = StringField("Fecha")
    applies_to_hour = StringField("Hora (0–23)")
    reason = TextAreaField("Motivo")


class ReasonForm(FlaskForm):
    reason = TextAreaField("Motivo")


class BulkForm(FlaskForm):
    reason = TextAreaField("Motivo")
    ids = HiddenField()


# ------------------------------------------------------------------------------ parsing


def parse_uuid(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def parse_date(raw: str | None, label: str = "Fecha") -> date | None:
    """'2026-03-14' (date input) or '14/03/2026'; blank → None."""
    text = (raw or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{label}: «{text}» no es una fecha válida (dd/mm/aaaa)")


def _filled(form: RuleForm, name: str) -> bool:
    if name == "numbers":
        return bool((form.numbers.data or "").strip())
    value = getattr(form, name).data
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def _typed(form, name: str):
    raw = getattr(form, name).data
    if name in AMOUNTS:
        return parse_whole_amount(raw, LABELS[name])
    if name == "sales_percentage":
        return parse_percentage(raw)
    if name == "sales_cutoff_minutes":
        return parse_bounded_int(raw, "Corte", 0, 30)
    if name == "applies_to_hour":
        return parse_bounded_int(raw, "Hora", 0, 23)
    if name == "applies_to_date":
        return parse_date(raw)
    if name in ("loteria_id", "sorteo_id", "multiplier_id"):
        return parse_uuid(raw)
    if name == "message":
        return (raw or "").strip() or None
    return raw


def rule_input(form: RuleForm):
    """(fields, numbers_text, expected_kind, errors) from a submitted create form."""
    rule_type = form.rule_type.data if form.rule_type.data in TYPE_KINDS else "limite"
    allowed = TYPE_FIELDS[rule_type]
    type_label = dict(TYPE_CHOICES)[rule_type]
    errors: dict[str, str] = {}
    fields: dict = {}
    for name in LABELS:
        if not _filled(form, name):
            continue
        if name not in allowed:
            errors[name] = f"«{LABELS[name]}» no corresponde al tipo «{type_label}»"
            continue
        if name in ("numbers", "is_auto_date", "applies_to_vendedor"):
            continue
        try:
            fields[name] = _typed(form, name)
        except ValueError as exc:
            errors[name] = str(exc)
    fields["is_auto_date"] = bool(form.is_auto_date.data) and "is_auto_date" in allowed
    fields["applies_to_vendedor"] = bool(form.applies_to_vendedor.data) and "applies_to_vendedor" in allowed
    if rule_type == "bloqueado":
        fields["max_total"] = 0
        if not _filled(form, "numbers") and not fields["is_auto_date"]:
            errors["numbers"] = "Indique los números a bloquear o «Fecha del día»"
    scope = form.scope.data
    if scope == "VENTANA":
        fields["ventana_id"] = parse_uuid(form.ventana_id.data)
        if fields["ventana_id"] is None:
            errors["ventana_id"] = "Elija la ventana"
    elif scope == "USER":
        fields["user_id"] = parse_uuid(form.user_id.data)
        if fields["user_id"] is None:
            errors["user_id"] = "Elija el vendedor"
    elif scope != "BANCA":
        errors["scope"] = "Elija el alcance"
    numbers = (form.numbers.data or "").strip() if "numbers" in allowed else None
    return fields, numbers or None, TYPE_KINDS[rule_type], errors


EDIT_FIELDS = ("max_amount", "max_total", "max_ticket_total", "sales_cutoff_minutes",
               "applies_to_date", "applies_to_hour")


def edit_changes(form: RuleEditForm, present: set[str]):
    """(changes, errors) from the edit form; only fields actually submitted are changed."""
    changes: dict = {}
    errors: dict[str, str] = {}
    for name in EDIT_FIELDS:
        if name not in present:
            continue
        try:
            changes[name] = _typed(form, name)
        except ValueError as exc:
            errors[name] = str(exc)
    if "is_active" in present:
        changes["is_active"] = form.is_active.data == "1"
    return changes, errors
