"""Bitácora filters (GET form, no CSRF)."""
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.audit.models import LAYERS
from app.audit.services import LAYER_LABELS

TOO_LONG = "Use como máximo %(max)d caracteres."
PER_PAGE_CHOICES = [("25", "25"), ("50", "50"), ("100", "100")]
# Date presets (UX §7.3, DOMAIN §7); "" = no period, "range" = the Desde/Hasta dates.
PERIOD_CHOICES = [("", "Todo"), ("today", "Hoy"), ("yesterday", "Ayer"), ("week", "Esta semana"),
                  ("month", "Este mes"), ("last_month", "Mes anterior"), ("year", "Este año"), ("range", "Rango")]


class CRDateField(DateField):
    """A date typed as aaaa-mm-dd (the date input) or dd/mm/aaaa, with a Spanish error."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Fecha no válida; use dd/mm/aaaa.")


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ActivityFilterForm(FlaskForm):
    class Meta:
        csrf = False

    usuario = StringField("Usuario", filters=[_strip], validators=[Optional(), Length(max=100, message=TOO_LONG)])
    accion = SelectField("Acción", choices=choices([("", "Todas")]), validate_choice=False)
    capa = SelectField("Área", choices=choices([("", "Todas")] + [(k, LAYER_LABELS[k]) for k in LAYERS]),
                       validate_choice=False)
    objeto = SelectField("Tipo de registro", choices=choices([("", "Todos")]), validate_choice=False)
    objeto_id = StringField("Id del registro", filters=[_strip], validators=[Optional(), Length(max=64, message=TOO_LONG)])
    periodo = SelectField("Período", choices=choices(PERIOD_CHOICES), validate_choice=False)
    desde = CRDateField("Desde", validators=[Optional()])
    hasta = CRDateField("Hasta", validators=[Optional()])
    texto = StringField("Texto", filters=[_strip], validators=[Optional(), Length(max=100, message=TOO_LONG)])
    por_pagina = SelectField("Por página", choices=choices(PER_PAGE_CHOICES), default="50",
                             validate_choice=False)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.capa.data and self.capa.data not in LAYERS:
            self.capa.errors = list(self.capa.errors) + ["Seleccione un área de la lista."]
            ok = False
        if self.por_pagina.data not in dict(PER_PAGE_CHOICES):
            self.por_pagina.data = "50"
        if self.periodo.data not in dict(PERIOD_CHOICES):
            self.periodo.data = ""
        if self.desde.data and self.hasta.data and self.desde.data > self.hasta.data:
            self.hasta.errors = list(self.hasta.errors) + ["La fecha Hasta no puede ser anterior a Desde."]
            ok = False
        return ok


def period_dates(form: ActivityFilterForm, today):
    """(desde, hasta) for the filter: the preset's CR dates, else the typed ones (open ends allowed)."""
    from app.tz import preset_range
    preset = form.periodo.data or ""
    if preset and preset != "range":
        return preset_range(preset, today)
    return form.desde.data, form.hasta.data
