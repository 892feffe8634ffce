"""Shared helpers of the org services: change sets, audit wording, uniqueness, scope guards."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.org import validation

FIELD_LABELS = {
    "name": "nombre", "code": "código", "phone": "teléfono", "email": "correo", "address": "dirección",
    "max_sessions_per_vendedor": "sesiones por vendedor", "vendor_limit": "límite de vendedores",
    "print_name": "nombre en tiquete", "print_phone": "teléfono en tiquete",
    "paper_width_mm": "ancho de papel", "print_footer": "pie de tiquete",
    "print_barcode": "imprimir código de barras", "auto_print": "imprimir al vender",
    "username": "usuario", "max_sessions": "sesiones", "role": "rol", "ventana_id": "ventana",
    "banca_id": "banca", "ventana_label": "etiqueta de ventana",
    "vendedor_can_pay": "vendedores pagan premios", "reprint_enabled": "permitir reimpresión",
    "default_paper_width_mm": "ancho de papel predeterminado", "receipt_header": "encabezado del tiquete",
    "receipt_footer": "pie del tiquete", "idle_timeout_minutes": "tiempo de inactividad",
}


@dataclass
class Saved:
    """Result of an update: the row and what changed (field → (before, after))."""

    obj: object
    changes: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def diff(current: dict, new: dict) -> dict:
    """field → (before, after) for every key whose value differs."""
    return {k: (current.get(k), v) for k, v in new.items() if current.get(k) != v}


def diff_obj(obj, new: dict) -> dict:
    return diff({k: getattr(obj, k) for k in new}, new)


def apply(obj, changes: dict) -> None:
    for key, (_before, after) in changes.items():
        setattr(obj, key, after)


def describe(changes: dict) -> str:
    return ", ".join(FIELD_LABELS.get(k, k) for k in changes)


def before_after(changes: dict) -> dict:
    return {"before": {k: b for k, (b, _a) in changes.items()},
            "after": {k: a for k, (_b, a) in changes.items()}}


def audit(session, scope, *, action: str, description: str, banca_id, target_type: str, target_id,
          details: dict | None = None) -> None:
    record(session, action=action, layer="org", description=description, actor_id=scope.user_id,
           banca_id=banca_id, target_type=target_type, target_id=target_id, details=details)


def require_admin(scope, message: str = "Solo el administrador puede realizar esta acción.") -> None:
    if not scope.is_admin:
        raise OutOfScope(message)


def as_uuid(value, *, field: str | None = None, message: str = "Seleccione un valor válido.") -> uuid.UUID:
    """Parse an id from a form/URL; malformed → 422 on the field (or 404 without a field)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value or "").strip())
    except ValueError:
        if field is None:
            raise NotFound() from None
        validation.raise_errors({field: [message]})


def unique_errors(checks) -> dict:
    """checks: iterable of (field, taken: bool, message) → errors dict."""
    return {f: [msg] for f, taken, msg in checks if taken}


def flush_unique(session, message: str) -> None:
    """Flush; a unique-key race that slipped past the checks becomes a 409, not a 500."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(message) from None


def collect(errors: dict, fn, *args, **kwargs):
    """Call fn; on InvalidInput merge its field errors into `errors` and return None.

    Lets a service report every invalid field of a form at once, not just the first group.
    """
    try:
        return fn(*args, **kwargs)
    except InvalidInput as exc:
        errors.update(exc.errors or {"__all__": [exc.message]})
        return None
