"""Forms of the draws pages (UX §6): shape only; business rules live in the services.

The lotería rules JSON is never typed: `LoteriaForm` ⇄ rules via `rules_from_form` /
`form_data_from_rules`.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DecimalField, FieldList, Form, FormField, HiddenField, IntegerField,
                     SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from app.draws.rules import DEFAULT_COLOR, WEEKDAYS, hhmm, loteria_rules, parse_hhmm, parse_times, schedule_block

def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


WEEKDAY_CHOICES = [(d, WEEKDAYS[d][:3]) for d in (1, 2, 3, 4, 5, 6, 0)]  # Monday first on screen
STATUS_CHOICES = [("", "Todos"), ("SCHEDULED", "Programado"), ("OPEN", "Abierto"), ("CLOSED", "Cerrado"),
                  ("EVALUATED", "Evaluado")]
ACTIVE_CHOICES = [("activos", "Activos"), ("inactivos", "Inactivos"), ("todos", "Todos")]
KIND_CHOICES = [("NUMERO", "Número"), ("REVENTADO", "Reventado")]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ScheduleForm(Form):
    times = StringField("Horas de sorteo", validators=[Optional(), Length(max=200)])
    days = MultiCheckboxField("Días", choices=choices(WEEKDAY_CHOICES), coerce=int, validate_choice=True)

    def is_blank(self) -> bool:
        return not (self.times.data or "").strip()


class LoteriaForm(FlaskForm):
    name = StringField("Nombre", validators=[DataRequired("Indique el nombre."), Length(
        min=2, max=100, message="El nombre debe tener entre 2 y 100 caracteres.")])
    digits = SelectField("Cifras", choices=choices([(2, "2 cifras (00–99)"), (3, "3 cifras (000–999)")]), coerce=int)
    color = StringField("Color", default=DEFAULT_COLOR, validators=[Optional(), Length(max=7)])
    description = StringField("Descripción", validators=[Optional(), Length(max=200)])
    min_bet = IntegerField("Monto mínimo por jugada (₡)", validators=[Optional(), NumberRange(
        min=1, message="Debe ser un monto entero mayor que 0.")])
    max_bet = IntegerField("Monto máximo por jugada (₡)", validators=[Optional(), NumberRange(
        min=1, message="Debe ser un monto entero mayor que 0.")])
    max_numbers = IntegerField("Máximo de números por tiquete", validators=[Optional(), NumberRange(
        min=1, max=1000, message="Debe estar entre 1 y 1000.")])
    reventado = BooleanField("Reventado habilitado")
    closing_minutes = IntegerField("Minutos de corte antes del sorteo", validators=[Optional(), NumberRange(
        min=0, max=30, message="Debe estar entre 0 y 30 minutos.")])
    auto_create = BooleanField("Crear sorteos automáticamente", default=True)
    days_ahead = IntegerField("Días por adelantado", default=1, validators=[InputRequired(
        "Indique los días por adelantado."), NumberRange(min=1, max=31, message="Debe estar entre 1 y 31 días.")])
    schedules = FieldList(FormField(ScheduleForm), min_entries=1, max_entries=20)

    def validate_max_bet(self, field):
        if field.data is not None and self.min_bet.data is not None and field.data < self.min_bet.data:
            raise ValidationError("El máximo no puede ser menor que el mínimo.")

    def validate_color(self, field):
        value = (field.data or "").strip()
        if value and (len(value) != 7 or not value.startswith("#")):
            raise ValidationError("Use un color con el formato #RRGGBB.")

    def validate_schedules(self, field):
        for i, entry in enumerate(field.entries):
            sub = entry.form
            if sub.is_blank():
                continue
            good, bad = parse_times(sub.times.data)
            if bad:
                sub.times.errors = [f"Hora no válida: {', '.join(bad)} (use HH:MM, 24 horas)."]
                raise ValidationError(f"Revise el horario {i + 1}.")
            if not sub.days.data:
                sub.days.errors = ["Seleccione al menos un día."]
                raise ValidationError(f"Revise el horario {i + 1}.")

    def hours_by_day(self) -> dict:
        """{weekday (0 = domingo): (start field, end field)} of the sales-hours table."""
        return {day: (getattr(self, f"h{day}_start"), getattr(self, f"h{day}_end")) for day in range(7)}

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for day, (start, end) in self.hours_by_day().items():
            a, b = (start.data or "").strip(), (end.data or "").strip()
            if not a and not b:
                continue
            s, e = parse_hhmm(a), parse_hhmm(b)
            if not s or not e or s >= e:
                end.errors = list(end.errors) + [f"{WEEKDAYS[day]}: indique inicio y fin (HH:MM), inicio antes del fin."]
                ok = False
        return ok


for _day in range(7):  # the sales-hours table: h0_start … h6_end (0 = domingo)
    setattr(LoteriaForm, f"h{_day}_start", StringField(f"{WEEKDAYS[_day]}: desde", validators=[Optional(), Length(max=5)]))
    setattr(LoteriaForm, f"h{_day}_end", StringField(f"{WEEKDAYS[_day]}: hasta", validators=[Optional(), Length(max=5)]))


def rules_from_form(form: LoteriaForm) -> dict:
    """The rules keys this form manages (None = remove the key: no limit)."""
    blocks = []
    for entry in form.schedules.entries:
        sub = entry.form
        if not sub.is_blank():
            blocks.append(schedule_block(parse_times(sub.times.data)[0], sub.days.data or []))
    hours = {}
    for day, (start, end) in form.hours_by_day().items():
        s, e = parse_hhmm(start.data or ""), parse_hhmm(end.data or "")
        if s and e:
            hours[str(day)] = {"start": hhmm(s), "end": hhmm(e)}
    return {
        "digits": form.digits.data,
        "min_bet_amount": form.min_bet.data,
        "max_bet_amount": form.max_bet.data,
        "max_numbers_per_ticket": form.max_numbers.data,
        "reventado": {"enabled": bool(form.reventado.data)},
        "closing_time_before_draw": form.closing_minutes.data,
        "auto_create_sorteos": bool(form.auto_create.data),
        "days_ahead": form.days_ahead.data,
        "draw_schedules": blocks or None,
        "sales_hours": hours or None,
        "display": {"color": (form.color.data or "").strip() or DEFAULT_COLOR,
                    "description": (form.description.data or "").strip() or None},
    }


def form_data_from_rules(name: str, rules: dict | None) -> dict:
    r = loteria_rules(rules or {})
    raw = rules or {}
    schedules = [{"times": ", ".join(b.times), "days": list(range(7)) if b.frequency == "diario" else list(b.days_of_week)}
                 for b in r.draw_schedules]
    hours = {}
    for day, h in r.sales_hours:
        hours[f"h{day}_start"], hours[f"h{day}_end"] = hhmm(h.start), hhmm(h.end)
    return {**hours,
        "name": name, "digits": r.digits, "color": r.color, "description": r.description,
        "min_bet": raw.get("min_bet_amount"), "max_bet": raw.get("max_bet_amount"),
        "max_numbers": raw.get("max_numbers_per_ticket"), "reventado": r.reventado_enabled,
        "closing_minutes": raw.get("closing_time_before_draw"), "auto_create": r.auto_create_sorteos,
        "days_ahead": r.days_ahead, "schedules": schedules + [{"times": "", "days": []}],
    }


class MultiplierForm(FlaskForm):
    loteria_id = SelectField("Lotería", validators=[DataRequired("Elija la lotería.")])
    name = StringField("Nombre", validators=[DataRequired("Indique el nombre."), Length(
        min=2, max=32, message="El nombre debe tener entre 2 y 32 caracteres.")])
    kind = SelectField("Tipo", choices=choices(KIND_CHOICES), validators=[DataRequired("Elija el tipo.")])
    value_x = DecimalField("Veces (X)", places=2, validators=[InputRequired("Indique cuántas veces paga."),
                                                             NumberRange(min=0.01, max=999999.99,
                                                                         message="Debe ser mayor que 0.")])
    applies_to_date = DateField("Válido desde", validators=[Optional()])
    applies_to_sorteo_id = SelectField("Solo para el sorteo (reventado)", validators=[Optional()])


class SorteoForm(FlaskForm):
    loteria_id = SelectField("Lotería", validators=[DataRequired("Elija la lotería.")])
    day = DateField("Fecha", validators=[InputRequired("Indique la fecha.")])
    time = StringField("Hora (HH:MM, 24 h)", validators=[DataRequired("Indique la hora.")])
    name = StringField("Nombre", validators=[Optional(), Length(max=100)])
    digits = SelectField("Cifras", choices=choices([(2, "2"), (3, "3")]), coerce=int, default=2)

    def validate_time(self, field):
        if parse_hhmm(field.data or "") is None:
            raise ValidationError("Use el formato HH:MM (24 horas).")


class GenerateForm(FlaskForm):
    loteria_id = SelectField("Lotería", validators=[DataRequired("Elija la lotería.")])
    start = DateField("Desde", validators=[InputRequired("Indique la fecha de inicio.")])
    days = IntegerField("Días", default=1, validators=[InputRequired("Indique los días."), NumberRange(
        min=1, max=31, message="Entre 1 y 31 días.")])


class EvaluateForm(FlaskForm):
    winning_number = StringField("Número ganador", validators=[DataRequired("Indique el número ganador.")])
    confirm_number = StringField("Confirme el número", validators=[DataRequired("Confirme el número ganador.")])
    extra_multiplier_id = SelectField("Resultado reventado", choices=choices([("", "Sin reventado")]),
                                      validators=[Optional()])
    label = StringField("Etiqueta del resultado (opcional)", validators=[Optional(), Length(
        max=50, message="Hasta 50 caracteres.")])

    def validate_confirm_number(self, field):
        if (field.data or "").strip() != (self.winning_number.data or "").strip():
            raise ValidationError("Los números no coinciden.")


class ReasonForm(FlaskForm):
    reason = TextAreaField("Motivo", validators=[DataRequired("Indique el motivo."), Length(
        min=3, max=200, message="El motivo debe tener entre 3 y 200 caracteres.")])


class OptionalReasonForm(FlaskForm):
    reason = TextAreaField("Motivo (opcional)", validators=[Optional(), Length(max=200)])
    next = HiddenField()
