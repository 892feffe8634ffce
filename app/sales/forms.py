"""Flask-WTF forms of the sales pages. Shape only; the entry grammar lives in app/sales/entry.py and
business rules in the services (STYLE: form validation checks shape)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.sales.models import PaymentMethod

METHOD_CHOICES = [SelectChoice(m.value, m.label) for m in PaymentMethod]


class GroupForm(FlaskForm):
    """One entry-row group: Multiplicador → Monto → Números → Reventado (UX §2.3)."""

    multiplicador = SelectField("Multiplicador", choices=[], validate_choice=False)
    monto = StringField("Monto", validators=[Length(max=20)])
    numeros = StringField("Números", validators=[Length(max=4000, message="Demasiados números en un grupo.")])
    reventado = StringField("Reventado", validators=[Optional(), Length(max=20)])


class CancelForm(FlaskForm):
    motivo = StringField("Motivo", validators=[
        DataRequired("Indique el motivo."),
        Length(min=3, max=200, message="El motivo debe tener entre 3 y 200 caracteres.")])


class ReverseForm(FlaskForm):
    motivo = StringField("Motivo", validators=[
        DataRequired("Indique el motivo."),
        Length(min=5, max=500, message="El motivo debe tener entre 5 y 500 caracteres.")])


class PaymentForm(FlaskForm):
    """"Registrar pago" (UX §3.2); the amount is parsed with entry.parse_money (2 decimals)."""

    monto = StringField("Monto a pagar", validators=[DataRequired("Indique el monto a pagar."), Length(max=20)])
    metodo = SelectField("Método", choices=METHOD_CHOICES, default="cash")
    referencia = StringField("Referencia", validators=[Optional(), Length(max=100, message="Máximo 100 caracteres.")])
    nota = TextAreaField("Nota", validators=[Optional(), Length(max=500, message="Máximo 500 caracteres.")])
    pago_final = BooleanField("Pago final")
    idempotency_key = HiddenField(validators=[DataRequired("Recargue la página para pagar."),
                                              Length(min=8, max=100, message="Recargue la página para pagar.")])
