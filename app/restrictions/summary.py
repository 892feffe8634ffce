"""Human summary of a rule (UX §6: "Máx. ₡5 000 acumulado al 13 en TICA, todas las ventanas").

Pure: the caller passes the names of what the rule points at.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.formatting import format_colones
from app.restrictions.domain import Kind, Level, RuleSpec
from app.tz import format_date


@dataclass(frozen=True)
class Names:
    """Display names of the rows a rule refers to (blank when unknown or not set)."""

    loteria: str = ""
    sorteo: str = ""
    ventana: str = ""
    vendedor: str = ""
    multiplier: str = ""
    ventana_label: str = "Ventana"


def _pct(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",") + " %"


def scope_phrase(rule: RuleSpec, names: Names) -> str:
    label = (names.ventana_label or "Ventana").lower()
    if rule.level is Level.USER:
        text = f"vendedor {names.vendedor}".strip()
    elif rule.level is Level.VENTANA:
        # "Ventana Centro" is not repeated as "ventana Ventana Centro".
        name = names.ventana
        text = name if name.lower().startswith(label) else f"{label} {name}".strip()
    else:
        text = "todos los listeros" if label == "listero" else "todas las ventanas"
    if rule.applies_to_vendedor and rule.level is not Level.USER:
        text += ", por cada vendedor"
    return text


def target_phrase(rule: RuleSpec) -> str:
    if rule.number is not None:
        return f"al {rule.number}"
    if rule.is_auto_date:
        return "al número del día"
    return "en cada número"


def where_phrase(rule: RuleSpec, names: Names) -> str:
    if rule.sorteo_id is not None:
        return f" en {names.sorteo or 'un sorteo'}"
    if rule.loteria_id is not None:
        return f" en {names.loteria or 'una lotería'}"
    return ""


def when_phrase(rule: RuleSpec) -> str:
    parts = []
    if rule.applies_to_date is not None:
        parts.append(f"solo el {format_date(rule.applies_to_date)}")
    if rule.applies_to_hour is not None:
        parts.append(f"de {_hour(rule.applies_to_hour)} a {_hour(rule.applies_to_hour, 59)}")
    return (" · " + " ".join(parts)) if parts else ""


def _hour(hour: int, minute: int = 0) -> str:
    h12 = hour % 12 or 12
    return f"{h12}:{minute:02d} {'a. m.' if hour < 12 else 'p. m.'}"


def limit_phrase(rule: RuleSpec) -> str:
    """'Máx. ₡1 000 por tiquete y ₡5 000 acumulado' / 'Máx. ₡2 500 o 3 % de las ventas …'."""
    parts = []
    if rule.max_amount is not None:
        parts.append(f"{format_colones(rule.max_amount)} por tiquete")
    dynamic = None
    if rule.base_amount:
        dynamic = format_colones(rule.base_amount)
        if rule.sales_percentage:
            dynamic += f" o {_pct(rule.sales_percentage)} de las ventas (el mayor)"
    if rule.max_total is not None and dynamic:
        parts.append(f"el menor entre {format_colones(rule.max_total)} y {dynamic} acumulado")
    elif rule.max_total is not None:
        parts.append(f"{format_colones(rule.max_total)} acumulado")
    elif dynamic:
        parts.append(f"{dynamic} acumulado")
    return ("Máx. " + " y ".join(parts)) if parts else "Sin tope"


def summarize(rule: RuleSpec, names: Names = Names()) -> str:
    """One line in Spanish describing what the rule does, where and for whom."""
    where, scope, when = where_phrase(rule, names), scope_phrase(rule, names), when_phrase(rule)
    if rule.kind is Kind.CUTOFF:
        return f"Corte de {rule.sales_cutoff_minutes} min antes del sorteo, {scope}{when}"
    if rule.kind is Kind.TICKET_TOTAL:
        return f"Máx. {format_colones(rule.max_ticket_total)} por tiquete (total){where}, {scope}{when}"
    if rule.kind is Kind.MULTIPLIER:
        label = f"Multiplicador {names.multiplier or rule.multiplier_label or ''}".rstrip()
        number = f" al {rule.number}" if rule.number is not None else ""
        if not rule.has_amounts:
            return f"{label} bloqueado{number}{where}, {scope}{when}"
        return f"{label}: {limit_phrase(rule).lower()}{number}{where}, {scope}{when}"
    if rule.max_total == 0 or rule.max_amount == 0:
        subject = f"Número {rule.number}" if rule.number else (
            "Número del día" if rule.is_auto_date else "Todos los números")
        verb = "bloqueados" if subject == "Todos los números" else "bloqueado"
        return f"{subject} {verb}{where}, {scope}{when}"
    cutoff = (f"; corte {rule.sales_cutoff_minutes} min antes"
              if rule.sales_cutoff_minutes is not None else "")
    return f"{limit_phrase(rule)} {target_phrase(rule)}{where}, {scope}{cutoff}{when}"
