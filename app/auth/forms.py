"""Login, password change, theme and the ADMIN sessions filter."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.auth.passwords import MAX_LENGTH, MIN_LENGTH

TOO_LONG = "Use como máximo %(max)d caracteres."
LENGTH_MESSAGE = f"La nueva contraseña debe tener entre {MIN_LENGTH} y {MAX_LENGTH} caracteres."


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    username = StringField("Usuario", filters=[_strip], validators=[
        DataRequired("Ingrese su usuario."),
        Length(max=32, message="El usuario tiene como máximo 32 caracteres.")])
    password = PasswordField("Contraseña", validators=[
        DataRequired("Ingrese su contraseña."),
        Length(max=MAX_LENGTH, message=f"La contraseña tiene como máximo {MAX_LENGTH} caracteres.")])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Contraseña actual", validators=[
        DataRequired("Ingrese su contraseña actual."),
        Length(max=MAX_LENGTH, message="Contraseña demasiado larga.")])
    new_password = PasswordField("Nueva contraseña", validators=[
        DataRequired("Ingrese la nueva contraseña."),
        Length(min=MIN_LENGTH, max=MAX_LENGTH, message=LENGTH_MESSAGE)])
    confirm = PasswordField("Confirmar nueva contraseña", validators=[
        DataRequired("Confirme la nueva contraseña."),
        EqualTo("new_password", message="La confirmación no coincide con la nueva contraseña.")])


class ThemeForm(FlaskForm):
    theme = SelectField("Tema", validate_choice=False,
                        choices=choices([("", "Según el sistema"), ("claro", "Claro"), ("oscuro", "Oscuro")]))


class SessionFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Buscar", filters=[_strip], validators=[Optional(), Length(max=100, message=TOO_LONG)])
    rol = SelectField("Rol", validate_choice=False, choices=choices(
        [("", "Todos"), ("ADMIN", "Administrador"), ("VENTANA", "Ventana"), ("VENDEDOR", "Vendedor")]))
    banca = SelectField("Banca", validate_choice=False, default="actual",
                        choices=choices([("actual", "Banca actual"), ("todas", "Todas las bancas")]))
