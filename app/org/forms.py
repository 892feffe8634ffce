"""Forms of the org pages. They carry input and CSRF only: every rule (and its Spanish message)
lives in app/org/validation.py and is applied by the services, whose errors are put back on the
fields here. Fields are strings/selects without WTForms coercion, so no English message can leak.
"""
from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.auth.models import Role
from app.errors import DomainError
from app.formatting import format_phone
from app.org.queries import ESTADOS, ListArgs


class Required:
    """Marks a field as required ("*" and aria) — the check itself is in the service."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


REQ = [Required()]


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs → WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


PAPER_CHOICES = (("58", "58 mm"), ("80", "80 mm"))


class BancaForm(FlaskForm):
    name = StringField("Nombre", validators=REQ)
    code = StringField("Código", validators=REQ)
    phone = StringField("Teléfono")
    email = StringField("Correo")
    address = StringField("Dirección")
    max_sessions_per_vendedor = StringField("Sesiones por vendedor", validators=REQ, default="1")
    vendor_limit = StringField("Límite de vendedores")

    fields_order = ("name", "code", "phone", "email", "address", "max_sessions_per_vendedor", "vendor_limit")


class BancaSettingsForm(FlaskForm):
    ventana_label = SelectField("Etiqueta de ventana", validate_choice=False,
                                choices=choices([("Ventana", "Ventana"), ("Listero", "Listero")]))
    vendedor_can_pay = BooleanField("Vendedores pagan premios")
    reprint_enabled = BooleanField("Permitir reimpresión")
    default_paper_width_mm = SelectField("Ancho de papel predeterminado", choices=choices(PAPER_CHOICES),
                                         validate_choice=False)
    receipt_header = StringField("Encabezado del tiquete")
    receipt_footer = TextAreaField("Pie del tiquete")
    idle_timeout_minutes = StringField("Cierre de sesión por inactividad (minutos)", validators=REQ)

    fields_order = ("ventana_label", "vendedor_can_pay", "reprint_enabled", "default_paper_width_mm",
                    "receipt_header", "receipt_footer", "idle_timeout_minutes")


def _print_name():
    return StringField("Nombre en tiquete")


def _print_phone():
    return StringField("Teléfono en tiquete")


def _print_footer():
    return TextAreaField("Pie de tiquete")


class VentanaForm(FlaskForm):
    # id differs from the name: the top bar's banca selector already uses id="banca_id".
    banca_id = SelectField("Banca", validators=REQ, choices=[], validate_choice=False, id="ventana_banca")
    name = StringField("Nombre", validators=REQ)
    code = StringField("Código", validators=REQ)
    phone = StringField("Teléfono")
    email = StringField("Correo")
    address = StringField("Dirección")
    print_name = _print_name()
    print_phone = _print_phone()
    paper_width_mm = SelectField("Ancho de papel", choices=[], validate_choice=False)
    print_footer = _print_footer()
    print_barcode = BooleanField("Imprimir código de barras", default=True)
    auto_print = BooleanField("Imprimir al vender")
    listero_username = StringField("Usuario")
    listero_name = StringField("Nombre")
    listero_password = PasswordField("Contraseña")

    fields_order = ("banca_id", "name", "code", "phone", "email", "address", "print_name", "print_phone",
                    "paper_width_mm", "print_footer", "print_barcode", "auto_print")
    self_fields = ("phone", "email", "address", "print_name", "print_phone", "paper_width_mm",
                   "print_footer", "print_barcode", "auto_print")
    listero_fields = ("listero_username", "listero_name", "listero_password")


class VentanaPrintForm(FlaskForm):
    print_name = _print_name()
    print_phone = _print_phone()
    paper_width_mm = SelectField("Ancho de papel", choices=[], validate_choice=False)
    print_footer = _print_footer()
    print_barcode = BooleanField("Imprimir código de barras")
    auto_print = BooleanField("Imprimir al vender")

    fields_order = ("print_name", "print_phone", "paper_width_mm", "print_footer", "print_barcode", "auto_print")


class SellerPrintForm(FlaskForm):
    """A vendedor's override: blank / "Como la ventana" inherits."""

    print_name = _print_name()
    print_phone = _print_phone()
    paper_width_mm = SelectField("Ancho de papel", choices=[], validate_choice=False)
    print_footer = _print_footer()
    print_barcode = SelectField("Imprimir código de barras", choices=[], validate_choice=False)
    auto_print = SelectField("Imprimir al vender", choices=[], validate_choice=False)

    fields_order = VentanaPrintForm.fields_order


class UserForm(FlaskForm):
    name = StringField("Nombre", validators=REQ)
    username = StringField("Usuario", validators=REQ)
    email = StringField("Correo")
    phone = StringField("Teléfono")
    role = SelectField("Rol", validators=REQ, choices=[], validate_choice=False)
    ventana_id = SelectField("Ventana", validators=REQ, choices=[], validate_choice=False)
    code = StringField("Código de vendedor")
    max_sessions = StringField("Sesiones")
    password = PasswordField("Contraseña", validators=REQ)
    confirm = PasswordField("Confirmar contraseña", validators=REQ)
    is_active = BooleanField("Activo", default=True)

    fields_order = ("name", "username", "email", "phone", "role", "ventana_id", "code", "max_sessions")
    create_fields = (*fields_order, "password", "confirm", "is_active")


class PasswordResetForm(FlaskForm):
    password = PasswordField("Nueva contraseña", validators=REQ)
    confirm = PasswordField("Confirmar contraseña", validators=REQ)


class ReasonForm(FlaskForm):
    reason = TextAreaField("Motivo", validators=REQ)


class BulkForm(FlaskForm):
    """Bulk activate/deactivate: the ids come as a list (request.form.getlist('ids'))."""

    accion = SelectField("Acción", choices=choices([("desactivar", "Desactivar"), ("activar", "Reactivar")]),
                         validate_choice=False)
    reason = StringField("Motivo (para desactivar)")


# --------------------------------------------------------------------------- helpers


def form_data(form, names) -> dict:
    """The submitted values the service receives (plain strings/bools)."""
    return {name: form[name].data for name in names}


def apply_errors(form, err: DomainError) -> str | None:
    """Put a service error on its fields; returns the message that belongs to no field, if any."""
    unmatched = []
    for name, messages in (err.errors or {}).items():
        if name in form:
            form[name].errors = list(messages)
        else:
            unmatched.extend(messages)
    if not err.errors:
        return err.message
    return " ".join(unmatched) or None


def banca_initial(banca) -> dict:
    return {"name": banca.name, "code": banca.code, "phone": format_phone(banca.phone), "email": banca.email or "",
            "address": banca.address or "", "max_sessions_per_vendedor": str(banca.max_sessions_per_vendedor),
            "vendor_limit": "" if banca.vendor_limit is None else str(banca.vendor_limit)}


def settings_initial(settings: dict) -> dict:
    return {**settings, "default_paper_width_mm": str(settings["default_paper_width_mm"]),
            "idle_timeout_minutes": str(settings["idle_timeout_minutes"])}


def ventana_initial(ventana) -> dict:
    return {"banca_id": str(ventana.banca_id), "name": ventana.name, "code": ventana.code,
            "phone": format_phone(ventana.phone), "email": ventana.email or "", "address": ventana.address or "",
            **print_initial({k: getattr(ventana, k) for k in VentanaPrintForm.fields_order})}


def print_initial(values: dict) -> dict:
    """Stored print values → form strings (tri-state booleans become "", "1", "0")."""
    out = {"print_name": values.get("print_name") or "", "print_phone": format_phone(values.get("print_phone")),
           "paper_width_mm": str(values["paper_width_mm"]) if values.get("paper_width_mm") else "",
           "print_footer": values.get("print_footer") or ""}
    for key in ("print_barcode", "auto_print"):
        value = values.get(key)
        out[key] = value if isinstance(value, bool) else ""
    return out


def seller_print_initial(values: dict) -> dict:
    out = print_initial(values)
    for key in ("print_barcode", "auto_print"):
        value = values.get(key)
        out[key] = "" if value is None else ("1" if value else "0")
    return out


def user_initial(user) -> dict:
    return {"name": user.name, "username": user.username, "email": user.email or "",
            "phone": format_phone(user.phone), "role": getattr(user.role, "value", user.role),
            "ventana_id": str(user.ventana_id) if user.ventana_id else "", "code": user.code or "",
            "max_sessions": "" if user.max_sessions is None else str(user.max_sessions)}


def set_paper_choices(field, inherit_label: str | None) -> None:
    field.choices = choices(([("", inherit_label)] if inherit_label else []) + list(PAPER_CHOICES))


def ventana_word(label: str | None) -> str:
    """"la ventana" / "el listero": the banca's word for a ventana with its article (UX glossary)."""
    label = (label or "Ventana").strip()
    return f"el {label.lower()}" if label.lower() == "listero" else f"la {label.lower()}"


def set_tristate_choices(field, inherited: bool, ventana_label: str | None = None) -> None:
    field.choices = choices([("", f"Como {ventana_word(ventana_label)} ({'Sí' if inherited else 'No'})"),
                             ("1", "Sí"), ("0", "No")])


def role_choices(ventana_label: str) -> list[SelectChoice]:
    return choices([(Role.VENDEDOR.value, "Vendedor"), (Role.VENTANA.value, ventana_label or "Ventana"),
                    (Role.ADMIN.value, "Administrador")])


def parse_list_args(args, sorts) -> ListArgs:
    """Whitelist the query string of a list page; anything malformed falls back to the default."""
    q = (args.get("q") or "").strip()[:100]
    estado = args.get("estado") if args.get("estado") in ESTADOS else "activos"
    orden = args.get("orden") or ""
    if orden.lstrip("-") not in sorts:
        orden = next(iter(sorts))
    page_text = args.get("page") or "1"
    page = int(page_text) if page_text.isdigit() and len(page_text) < 7 else 1
    rol = args.get("rol") if args.get("rol") in Role.__members__ else ""
    try:
        ventana_id = uuid.UUID(args.get("ventana") or "")
    except ValueError:
        ventana_id = None
    return ListArgs(q=q, estado=estado, orden=orden, page=max(page, 1), rol=rol, ventana_id=ventana_id)
