from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Usuario", validators=[DataRequired("Ingrese su usuario."), Length(max=32)])
    password = PasswordField("Contraseña", validators=[DataRequired("Ingrese su contraseña."),
                                                        Length(max=100)])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Contraseña actual", validators=[DataRequired("Ingrese su contraseña actual.")])
    new_password = PasswordField("Nueva contraseña", validators=[
        DataRequired("Ingrese la nueva contraseña."),
        Length(min=8, max=100, message="La nueva contraseña debe tener entre 8 y 100 caracteres.")])
    confirm = PasswordField("Confirmar contraseña", validators=[DataRequired("Confirme la nueva contraseña.")])
