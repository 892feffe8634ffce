"""The policy editor as a form (UX §6 "Comisión"): nobody types JSON.

The form parses shape only (dates, numbers); `app.commissions.calc` validates the document and
its errors come back keyed by the same paths the template shows next to each field.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, StringField

from app.commissions import calc
from app.tz import cr_day_bounds, to_cr

BET_TYPE_CHOICES = [("", "Cualquiera"), (calc.NUMERO, "Número"), (calc.REVENTADO, "Reventado")]
PROBE_BET_TYPE_CHOICES = [(calc.NUMERO, "Número"), (calc.REVENTADO, "Reventado")]
ROW_ACTION = re.compile(r"^(quitar|subir|bajar)-(\d{1,3})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CR_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


class RuleRowForm(Form):
    id = HiddenField()
    loteria_id = StringField("Lotería")  # <select>s are rendered from the choices in the template
    bet_type = StringField("Tipo")
    multiplier_value = StringField("Multiplicador")
    percent = StringField("%")


class PolicyForm(FlaskForm):
    desde = StringField("Desde")
    hasta = StringField("Hasta")
    default_percent = StringField("% por defecto")
    rules = FieldList(FormField(RuleRowForm), max_entries=calc.MAX_RULES)


class ProbeForm(Form):
    """The "Probar" box (prefix probar-); plain Form: the page's CSRF token covers the request."""

    monto = StringField("Monto")
    loteria_id = StringField("Lotería")
    tipo = StringField("Tipo", default=calc.NUMERO)
    multiplicador = StringField("Multiplicador")
    fecha = StringField("Fecha")


# ---------------------------------------------------------------- document ⇄ form


def form_data_from_document(doc: dict | None) -> dict:
    """Initial form data for a stored document (or an empty form for "no policy")."""
    if not doc:
        return {"desde": "", "hasta": "", "default_percent": "", "rules": []}
    return {
        "desde": _date_text(_from_date(doc.get("effective_from"))),
        "hasta": _date_text(_to_date(doc.get("effective_to"))),
        "default_percent": _num_text(doc.get("default_percent")),
        "rules": [{"id": r.get("id") or "", "loteria_id": r.get("loteria_id") or "",
                   "bet_type": r.get("bet_type") or "", "multiplier_value": _num_text(r.get("multiplier_value")),
                   "percent": _num_text(r.get("percent"))} for r in doc.get("rules") or []],
    }


def vigencia_dates(doc: dict | None) -> tuple[date | None, date | None]:
    """(Desde, Hasta) CR dates of a stored document, as the editor shows them."""
    doc = doc or {}
    return _from_date(doc.get("effective_from")), _to_date(doc.get("effective_to"))


def form_rows(form: PolicyForm) -> list[dict]:
    return [{k: (entry.form[k].data or "") for k in ("id", "loteria_id", "bet_type", "multiplier_value", "percent")}
            for entry in form.rules]


def apply_row_action(data: dict, action: str) -> dict:
    """agregar / quitar-N / subir-N / bajar-N on the rule rows (no save)."""
    rows = list(data["rules"])
    if action == "agregar":
        if len(rows) < calc.MAX_RULES:
            rows.append({"id": "", "loteria_id": "", "bet_type": "", "multiplier_value": "", "percent": ""})
    else:
        m = ROW_ACTION.match(action)
        if m:
            op, i = m.group(1), int(m.group(2))
            if 0 <= i < len(rows):
                if op == "quitar":
                    rows.pop(i)
                elif op == "subir" and i > 0:
                    rows[i - 1], rows[i] = rows[i], rows[i - 1]
                elif op == "bajar" and i < len(rows) - 1:
                    rows[i + 1], rows[i] = rows[i], rows[i + 1]
    return {**data, "rules": rows}


def form_data(form: PolicyForm) -> dict:
    return {"desde": form.desde.data or "", "hasta": form.hasta.data or "",
            "default_percent": form.default_percent.data or "", "rules": form_rows(form)}


def document_from_form(data: dict, previous: dict | None) -> tuple[dict | None, dict[str, str]]:
    """Build a policy document from form data; returns (document, errors keyed by calc paths).

    Dates are CR calendar days: "Desde" = 00:00 of that day, "Hasta" = 00:00 of the next day
    (DOMAIN §13.1). A date left as shown keeps the stored instant (e.g. one set to the minute).
    """
    errors: dict[str, str] = {}
    desde = _parse_date(data.get("desde"), "effective_from", errors)
    hasta = _parse_date(data.get("hasta"), "effective_to", errors)
    if desde and hasta and hasta < desde:
        errors["effective_to"] = "La fecha Hasta no puede ser anterior a Desde."
    previous = previous or {}
    doc = {
        "version": calc.POLICY_VERSION,
        "effective_from": _keep_or(previous.get("effective_from"), _from_date, desde,
                                   lambda d: to_cr(cr_day_bounds(d)[0]).isoformat()),
        "effective_to": _keep_or(previous.get("effective_to"), _to_date, hasta,
                                 lambda d: to_cr(cr_day_bounds(d)[1]).isoformat()),
        "default_percent": (data.get("default_percent") or "").strip(),
        "rules": [{"id": (r.get("id") or "").strip() or None, "loteria_id": r.get("loteria_id") or None,
                   "bet_type": r.get("bet_type") or None,
                   "multiplier_value": (r.get("multiplier_value") or "").strip() or None,
                   "percent": (r.get("percent") or "").strip()} for r in data.get("rules") or []],
    }
    if errors:
        return None, errors
    try:
        return calc.validate_policy(doc), {}
    except calc.PolicyError as exc:
        return None, exc.errors


# ---------------------------------------------------------------- probe


def parse_probe(form: ProbeForm, now: datetime) -> tuple[dict | None, dict[str, str]]:
    """Probe inputs → dict(amount, loteria_id, bet_type, multiplier_value, at) or field errors."""
    errors: dict[str, str] = {}
    amount = _decimal(form.monto.data)
    if amount is None or amount <= 0:
        errors["probar-monto"] = "Indique un monto mayor que 0."
    elif amount != amount.quantize(Decimal("0.01")) or amount > Decimal("999999999999"):
        errors["probar-monto"] = "Monto inválido (máximo 2 decimales)."
    bet_type = form.tipo.data if form.tipo.data in (calc.NUMERO, calc.REVENTADO) else None
    if bet_type is None:
        errors["probar-tipo"] = "Elija Número o Reventado."
    multiplier = None
    if bet_type == calc.NUMERO and (form.multiplicador.data or "").strip():
        multiplier = _decimal(form.multiplicador.data)
        if multiplier is None or multiplier <= 0:
            errors["probar-multiplicador"] = "Indique un multiplicador mayor que 0, por ejemplo 90."
    day = _parse_date(form.fecha.data, "probar-fecha", errors)
    if errors:
        return None, errors
    # A chosen day is probed at 12:00 CR; none (or today) at this very instant.
    at = now if day is None or day == to_cr(now).date() else cr_day_bounds(day)[0] + timedelta(hours=12)
    return {"amount": amount, "loteria_id": form.loteria_id.data or None, "bet_type": bet_type,
            "multiplier_value": multiplier, "at": at}, {}


# ---------------------------------------------------------------- helpers


def _parse_date(text: str | None, key: str, errors: dict[str, str]) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
        if _CR_DATE.match(text):
            d, m, y = (int(p) for p in text.split("/"))
            return date(y, m, d)
    except ValueError:
        pass
    errors[key] = "Fecha inválida; use el formato dd/mm/aaaa."
    return None


def _from_date(iso: str | None) -> date | None:
    dt = _instant(iso)
    return None if dt is None else to_cr(dt).date()


def _to_date(iso: str | None) -> date | None:
    # "Hasta" shows the last day included: the effective_to instant is exclusive.
    dt = _instant(iso)
    return None if dt is None else to_cr(dt - timedelta(microseconds=1)).date()


def _keep_or(stored: str | None, shown, chosen: date | None, build) -> str | None:
    if chosen is None:
        return None
    if stored and shown(stored) == chosen:
        return stored
    return build(chosen)


def _instant(iso) -> datetime | None:
    if not iso:
        return None
    try:
        dt = datetime.fromisoformat(str(iso))
    except ValueError:
        return None
    return dt if dt.tzinfo else None


def _date_text(d: date | None) -> str:
    return d.isoformat() if d else ""


def _num_text(value) -> str:
    if value is None or value == "":
        return ""
    d = _decimal(value)
    if d is None:
        return str(value)
    return str(int(d)) if d == d.to_integral_value() else f"{d.normalize():f}"


def _decimal(text) -> Decimal | None:
    if text is None:
        return None
    try:
        d = Decimal(str(text).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None
