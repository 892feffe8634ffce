"""Pure field rules for bancas, ventanas and users (DOMAIN §4 org validation); no database.

Each cleaner takes what a form (or a caller) sent — usually a string — and returns the normalised
value, or raises FieldError with the Spanish message shown next to the field. `clean()` runs a
set of cleaners and reports every failing field at once.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from email_validator import EmailNotValidError, validate_email

from app.errors import InvalidInput


class FieldError(ValueError):
    """One field's value is not acceptable; the message is user-facing Spanish."""


_SPACES = re.compile(r"\s+")
_ORG_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")
_USER_CODE = re.compile(r"^[A-Z0-9]+$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9.-]*$")
_PHONE_SEPARATORS = re.compile(r"[\s-]")
_TRUE = {"1", "true", "on", "yes", "si", "sí", "y"}
_FALSE = {"0", "false", "off", "no", "n", ""}

VENTANA_LABELS = ("Ventana", "Listero")
PAPER_WIDTHS = (58, 80)


def _text(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return value.strip()


def name(value) -> str:
    """Required display name, 2–100 characters, inner whitespace collapsed."""
    text = _SPACES.sub(" ", _text(value))
    if not text:
        raise FieldError("Ingrese el nombre.")
    if not 2 <= len(text) <= 100:
        raise FieldError("El nombre debe tener entre 2 y 100 caracteres.")
    return text


def optional_name(value) -> str | None:
    text = _SPACES.sub(" ", _text(value))
    if not text:
        return None
    if len(text) > 100:
        raise FieldError("Use como máximo 100 caracteres.")
    return text


def phone(value) -> str | None:
    """Optional phone: exactly 8 digits (spaces and hyphens ignored); stored as digits."""
    text = _PHONE_SEPARATORS.sub("", _text(value))
    if not text:
        return None
    if not (len(text) == 8 and text.isascii() and text.isdigit()):
        raise FieldError("El teléfono debe tener 8 dígitos (8888-8888).")
    return text


def email(value) -> str | None:
    """Optional e-mail, ≤254 characters, stored in lower case."""
    text = _text(value)
    if not text:
        return None
    if len(text) > 254:
        raise FieldError("El correo debe tener como máximo 254 caracteres.")
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise FieldError("Ingrese un correo válido (ejemplo: nombre@dominio.com).") from None
    return text.lower()


def address(value) -> str | None:
    text = _SPACES.sub(" ", _text(value))
    if not text:
        return None
    if len(text) > 200:
        raise FieldError("La dirección debe tener como máximo 200 caracteres.")
    return text


def _code(value, lo: int, hi: int) -> str:
    text = _text(value).upper()
    if not text:
        raise FieldError("Ingrese el código.")
    if not lo <= len(text) <= hi:
        raise FieldError(f"El código debe tener entre {lo} y {hi} caracteres.")
    if not (text.isascii() and _ORG_CODE.match(text)):
        raise FieldError("Use solo letras sin tilde, números y guiones.")
    return text


def banca_code(value) -> str:
    return _code(value, 2, 20)


def ventana_code(value) -> str:
    return _code(value, 2, 10)


def user_code(value) -> str | None:
    """Optional seller code: 2–10 letters/digits, upper-cased."""
    text = _text(value).upper()
    if not text:
        return None
    if not 2 <= len(text) <= 10:
        raise FieldError("El código debe tener entre 2 y 10 letras o números.")
    if not (text.isascii() and _USER_CODE.match(text)):
        raise FieldError("El código solo puede tener letras sin tilde y números.")
    return text


def username(value) -> str:
    """3–32 characters, starts with a letter; letters, digits, '.' and '-' (compared case-insensitively)."""
    text = _text(value)
    if not text:
        raise FieldError("Ingrese el usuario.")
    if not 3 <= len(text) <= 32:
        raise FieldError("El usuario debe tener entre 3 y 32 caracteres.")
    if not (text.isascii() and _USERNAME.match(text)):
        raise FieldError("El usuario debe empezar con una letra y solo puede tener letras sin tilde, "
                         "números, punto y guion.")
    return text


def password(value) -> str:
    text = value if isinstance(value, str) else _text(value)
    if not text:
        raise FieldError("Ingrese la contraseña.")
    if not 8 <= len(text) <= 100:
        raise FieldError("La contraseña debe tener entre 8 y 100 caracteres.")
    return text


def int_in(lo: int, hi: int, *, required: bool, label: str) -> Callable:
    """A cleaner for a whole number in [lo, hi]; blank → None when not required."""
    def clean_int(value) -> int | None:
        if isinstance(value, bool):
            raise FieldError(f"{label}: ingrese un número entero entre {lo} y {hi}.")
        if isinstance(value, int):
            number = value
        else:
            text = _text(value)
            if not text:
                if required:
                    raise FieldError(f"{label}: ingrese un número entre {lo} y {hi}.")
                return None
            if not (text.isascii() and text.isdigit()) or len(text) > 6:
                raise FieldError(f"{label}: ingrese un número entero entre {lo} y {hi}.")
            number = int(text)
        if not lo <= number <= hi:
            raise FieldError(f"{label}: debe estar entre {lo} y {hi}.")
        return number
    return clean_int


def boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError("Valor no válido.")


def optional_boolean(value) -> bool | None:
    """Tri-state: blank = inherit (None), else yes/no."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return boolean(value)


def limited_text(hi: int) -> Callable:
    def clean_text(value) -> str:
        text = _text(value)
        if len(text) > hi:
            raise FieldError(f"Use como máximo {hi} caracteres.")
        return text
    return clean_text


def optional_text(hi: int) -> Callable:
    inner = limited_text(hi)

    def clean_optional(value) -> str | None:
        return inner(value) or None
    return clean_optional


def paper_width(value) -> int:
    text = _text(value).lower().removesuffix("mm").strip()
    if text not in {str(w) for w in PAPER_WIDTHS}:
        raise FieldError("Elija un ancho de papel de 58 u 80 mm.")
    return int(text)


def optional_paper_width(value) -> int | None:
    if value is None or not _text(value):
        return None
    return paper_width(value)


def ventana_label(value) -> str:
    text = _text(value).capitalize()
    if text not in VENTANA_LABELS:
        raise FieldError("Elija «Ventana» o «Listero».")
    return text


def reason(value) -> str:
    """Motivo of a deactivation: 3–200 characters."""
    text = _SPACES.sub(" ", _text(value))
    if len(text) < 3:
        raise FieldError("Indique el motivo (al menos 3 caracteres).")
    if len(text) > 200:
        raise FieldError("El motivo debe tener como máximo 200 caracteres.")
    return text


# --------------------------------------------------------------------------- field sets

BANCA_FIELDS: dict[str, Callable] = {
    "name": name, "code": banca_code, "phone": phone, "email": email, "address": address,
    "max_sessions_per_vendedor": int_in(1, 20, required=True, label="Sesiones por vendedor"),
    "vendor_limit": int_in(1, 100_000, required=False, label="Límite de vendedores"),
}

BANCA_SETTINGS_FIELDS: dict[str, Callable] = {
    "ventana_label": ventana_label, "vendedor_can_pay": boolean, "reprint_enabled": boolean,
    "default_paper_width_mm": paper_width, "receipt_header": limited_text(100),
    "receipt_footer": limited_text(200),
    "idle_timeout_minutes": int_in(5, 60, required=True, label="Tiempo de inactividad"),
}

VENTANA_PRINT_FIELDS: dict[str, Callable] = {
    "print_name": optional_name, "print_phone": phone, "paper_width_mm": optional_paper_width,
    "print_footer": optional_text(200), "print_barcode": boolean, "auto_print": boolean,
}

VENTANA_FIELDS: dict[str, Callable] = {
    "name": name, "code": ventana_code, "phone": phone, "email": email, "address": address,
    **VENTANA_PRINT_FIELDS,
}

# What a VENTANA user may change on its own ventana (DOMAIN §3).
VENTANA_SELF_FIELDS = ("phone", "email", "address", *VENTANA_PRINT_FIELDS)

# A vendedor's print override (user.settings["print"]): every key optional = inherit.
SELLER_PRINT_FIELDS: dict[str, Callable] = {
    **VENTANA_PRINT_FIELDS, "print_barcode": optional_boolean, "auto_print": optional_boolean,
}

USER_FIELDS: dict[str, Callable] = {
    "name": name, "username": username, "email": email, "phone": phone, "code": user_code,
    "max_sessions": int_in(1, 20, required=False, label="Sesiones"),
}


def clean(raw: Mapping, fields: Mapping[str, Callable], *, partial: bool = False) -> dict:
    """Clean `raw` with `fields`; partial=True checks only the keys present. Raises InvalidInput."""
    values, errors = {}, {}
    for key, cleaner in fields.items():
        if partial and key not in raw:
            continue
        try:
            values[key] = cleaner(raw.get(key))
        except FieldError as exc:
            errors[key] = [str(exc)]
    if errors:
        raise_errors(errors)
    return values


def raise_errors(errors: dict[str, list[str]], status: int | None = None) -> None:
    """Raise one InvalidInput carrying every field's messages (first one as the headline)."""
    first = next(iter(errors.values()))[0]
    raise InvalidInput(first, errors=errors, status=status)
