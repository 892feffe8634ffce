"""How the Bitácora shows an activity row's details: Spanish labels and formatted values (UX §7.1–7.3).

The stored details keep their technical keys and raw values (codes, ISO dates, plain decimals);
this pure module turns them into (label, text) rows. A "before"/"after" pair becomes one row per
changed field ("antes → después").
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from app.formatting import format_colones

DETAIL_LABELS = {
    # who / what
    "username": "Usuario", "user_id": "Usuario (id)", "device": "Dispositivo", "session_id": "Sesión (id)",
    "sessions_revoked": "Sesiones cerradas", "other_sessions_revoked": "Otras sesiones cerradas",
    "role": "Rol", "theme": "Tema", "reason": "Motivo", "source": "Origen", "level": "Nivel",
    "count": "Cantidad", "job_id": "Trabajo (id)", "enabled": "Activado", "manual": "Manual",
    "error": "Error", "reset": "Reiniciado", "previous": "Anterior", "from": "Estado anterior",
    "to": "Estado nuevo", "kind": "Tipo", "label": "Etiqueta", "message": "Mensaje",
    "version": "Versión", "id": "Id", "is_active": "Activo",
    # org
    "name": "Nombre", "code": "Código", "phone": "Teléfono", "email": "Correo", "address": "Dirección",
    "max_sessions_per_vendedor": "Sesiones por vendedor", "vendor_limit": "Límite de vendedores",
    "max_sessions": "Sesiones", "banca_id": "Banca (id)", "ventana_id": "Ventana (id)",
    "print_name": "Nombre en tiquete", "print_phone": "Teléfono en tiquete", "paper_width_mm": "Ancho de papel",
    "print_footer": "Pie de tiquete", "print_barcode": "Imprimir código de barras",
    "auto_print": "Imprimir al vender", "settings": "Configuración", "ventana_label": "Etiqueta de ventana",
    "vendedor_can_pay": "Vendedores pagan premios", "reprint_enabled": "Permitir reimpresión",
    "default_paper_width_mm": "Ancho de papel predeterminado", "receipt_header": "Encabezado del tiquete",
    "receipt_footer": "Pie del tiquete", "idle_timeout_minutes": "Tiempo de inactividad (min)",
    # sales / prizes
    "ticket_number": "Tiquete", "sorteo": "Sorteo", "sorteo_id": "Sorteo (id)", "vendedor": "Vendedor",
    "vendedor_id": "Vendedor (id)", "total": "Total", "jugadas": "Jugadas", "lines": "Jugadas vendidas",
    "amount": "Monto", "method": "Forma de pago", "reference": "Referencia", "is_final": "Pago final",
    "remaining_after": "Pendiente después del pago", "print_count": "Impresiones",
    "accepted_remainder": "Resto aceptado",
    # draws
    "loteria": "Lotería", "loteria_id": "Lotería (id)", "value_x": "Veces (X)", "number": "Número",
    "extra": "Resultado reventado", "extra_x": "Multiplicador reventado", "has_winner": "Hay ganadores",
    "tickets": "Tiquetes", "winners": "Tiquetes ganadores", "total_payout": "Total de premios",
    "sorteos_deactivated": "Sorteos desactivados", "sorteos_reactivated": "Sorteos reactivados",
    "digits": "Cifras", "reventado": "Reventado", "auto_create_sorteos": "Crear sorteos automáticamente",
    "days_ahead": "Días por adelantado", "draw_schedules": "Horarios", "min_bet_amount": "Monto mínimo por jugada",
    "max_bet_amount": "Monto máximo por jugada", "max_numbers_per_ticket": "Máximo de números por tiquete",
    "cutoff_minutes": "Minutos de corte", "display": "Presentación", "color": "Color",
    "description": "Descripción", "frequency": "Frecuencia", "times": "Horas", "days_of_week": "Días",
    # restrictions
    "is_auto_date": "Fecha del día", "max_amount": "Máximo por tiquete", "max_total": "Máximo acumulado",
    "max_ticket_total": "Total por tiquete", "base_amount": "Base", "sales_percentage": "% de ventas",
    "applies_to_vendedor": "Por cada vendedor", "applies_to_date": "Fecha", "applies_to_hour": "Hora",
    "sales_cutoff_minutes": "Corte (minutos)", "multiplier_id": "Multiplicador (id)",
    # commissions
    "effective_from": "Vigente desde", "effective_to": "Vigente hasta", "default_percent": "% por defecto",
    "rules": "Reglas", "percent": "%", "bet_type": "Tipo", "multiplier_value": "Multiplicador",
}

MONEY_KEYS = {"total", "amount", "total_payout", "remaining_after", "max_amount", "max_total",
              "max_ticket_total", "base_amount", "min_bet_amount", "max_bet_amount", "accepted_remainder"}
PERCENT_KEYS = {"default_percent", "percent", "sales_percentage"}
CODE_KEYS = {"from", "to", "kind", "method", "role", "bet_type", "level", "source", "reason", "status"}

CODE_LABELS = {
    "SCHEDULED": "Programado", "OPEN": "Abierto", "CLOSED": "Cerrado", "EVALUATED": "Evaluado",
    "CANCELLED": "Cancelado", "ACTIVE": "Activo", "PAID": "Pagado", "EXCLUDED": "Excluido",
    "NUMERO": "Número", "REVENTADO": "Reventado", "ADMIN": "Administrador", "VENTANA": "Ventana",
    "VENDEDOR": "Vendedor", "BANCA": "Banca", "USER": "Vendedor",
    "cash": "Efectivo", "sinpe": "SINPE Móvil", "transfer": "Transferencia", "check": "Cheque", "other": "Otro",
    "payment": "Pago entregado", "collection": "Abono recibido",
    "banca": "Banca", "ventana": "Ventana", "usuario": "Vendedor", "vendedor": "Vendedor",
    "job": "Trabajo automático", "demo": "Datos de demostración", "manual": "Manual", "user": "Usuario",
    "unknown_user": "Usuario inexistente", "bad_password": "Contraseña incorrecta",
    "inactive": "Usuario inactivo", "org_inactive": "Ventana o banca inactiva",
    "pool_full": "Máximo de vendedores conectados", "throttled": "Demasiados intentos",
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_EMPTY = "—"


def detail_label(key) -> str:
    key = str(key)
    return DETAIL_LABELS.get(key, key.replace("_", " ").capitalize())


def format_detail(key, value) -> str:
    """One value, formatted the way the rest of the UI shows it."""
    from app.tz import format_date, format_datetime
    key = str(key)
    if value is None or value == "":
        return _EMPTY
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if isinstance(value, dict):
        parts = [f"{detail_label(k)}: {format_detail(k, v)}" for k, v in value.items()
                 if v is not None and k != "id"]
        return "; ".join(parts) or _EMPTY
    if isinstance(value, (list, tuple)):
        if not value:
            return _EMPTY
        if all(isinstance(v, dict) for v in value):
            return " | ".join(f"{i}) {format_detail(key, v)}" for i, v in enumerate(value, 1))
        return ", ".join(format_detail(key, v) for v in value)
    if key in MONEY_KEYS:
        amount = _decimal(value)
        if amount is not None:
            return format_colones(amount)
    if key in PERCENT_KEYS:
        amount = _decimal(value)
        if amount is not None:
            text = format(amount.normalize(), "f") if amount == amount.to_integral() else str(amount.normalize())
            return f"{text.replace('.', ',')} %"
    if key in CODE_KEYS and str(value) in CODE_LABELS:
        return CODE_LABELS[str(value)]
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            try:
                return format_date(date.fromisoformat(value))
            except ValueError:
                return value
        if _ISO_DATETIME.match(value):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                return value
            return format_datetime(parsed) if parsed.tzinfo else value
    return str(value)


def detail_rows(details: dict | None) -> list[tuple[str, str]]:
    """(label, text) rows for the Bitácora's "Detalles", without the description."""
    details = dict(details or {})
    details.pop("description", None)
    before, after = details.pop("before", None), details.pop("after", None)
    rows: list[tuple[str, str]] = []
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(dict.fromkeys([*before, *after])):
            old, new = before.get(key), after.get(key)
            if old != new:
                rows.append((detail_label(key), f"{format_detail(key, old)} → {format_detail(key, new)}"))
    elif isinstance(after, dict):
        rows += [(detail_label(k), format_detail(k, v)) for k, v in after.items() if v is not None]
    elif isinstance(before, dict):
        rows += [(f"{detail_label(k)} (antes)", format_detail(k, v)) for k, v in before.items() if v is not None]
    rows += [(detail_label(k), format_detail(k, v)) for k, v in details.items()]
    return rows


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
