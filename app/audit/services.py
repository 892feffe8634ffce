"""Activity log: every state change calls record() in the same transaction (DOMAIN §21)."""
from __future__ import annotations

import contextvars
import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import g, has_request_context, request
from sqlalchemy import String, cast, func, or_, select

from app.audit.models import LAYERS, ActivityLog
from app.tz import cr_day_bounds

# Never stored in details, at any depth (DOMAIN §21: never log passwords).
_SENSITIVE_PARTS = ("password", "passwd", "contrasena", "contraseña", "token", "secret", "csrf")
_SENSITIVE_KEYS = {"confirm", "password_hash", "hash"}

# Spanish labels for the Bitácora (the stored action stays the DOMAIN §5 code).
ACTION_LABELS = {
    "LOGIN": "Ingreso", "LOGIN_FAILED": "Ingreso fallido", "LOGOUT": "Salida",
    "PASSWORD_CHANGE": "Cambio de contraseña", "SESSION_REVOKE": "Sesión cerrada",
    "TICKET_CREATE": "Venta de tiquete", "TICKET_CANCEL": "Tiquete anulado",
    "TICKET_RESTORE": "Tiquete restaurado", "TICKET_PRINT": "Tiquete impreso",
    "TICKET_REPRINT": "Tiquete reimpreso", "TICKET_PAY": "Pago de premio",
    "TICKET_PAYMENT_REVERSE": "Pago de premio revertido", "TICKET_PAY_FINALIZE": "Pago finalizado",
    "COMMISSION_POLICY_UPDATE": "Política de comisión", "JOB_CONFIG_UPDATE": "Configuración de trabajos",
    "JOB_RUN": "Trabajo ejecutado", "SORTEO_CREATE": "Sorteo creado", "SORTEO_UPDATE": "Sorteo editado",
    "SORTEO_OPEN": "Sorteo abierto", "SORTEO_CLOSE": "Sorteo cerrado", "SORTEO_REOPEN": "Sorteo reabierto",
    "SORTEO_EVALUATE": "Sorteo evaluado", "SORTEO_REVERT": "Evaluación revertida",
    "SORTEO_CANCEL": "Sorteo cancelado", "LOTERIA_CREATE": "Lotería creada",
    "LOTERIA_UPDATE": "Lotería editada", "LOTERIA_DELETE": "Lotería desactivada",
    "LOTERIA_RESTORE": "Lotería reactivada", "MULTIPLIER_SETTING_CREATE": "Multiplicador creado",
    "MULTIPLIER_SETTING_UPDATE": "Multiplicador editado",
    "MULTIPLIER_SETTING_DELETE": "Multiplicador desactivado",
    "MULTIPLIER_SETTING_RESTORE": "Multiplicador reactivado", "BANCA_CREATE": "Banca creada",
    "BANCA_UPDATE": "Banca editada", "BANCA_DELETE": "Banca desactivada", "BANCA_RESTORE": "Banca reactivada",
    "VENTANA_CREATE": "Ventana creada", "VENTANA_UPDATE": "Ventana editada",
    "VENTANA_DELETE": "Ventana desactivada", "VENTANA_RESTORE": "Ventana reactivada",
    "USER_CREATE": "Usuario creado", "USER_UPDATE": "Usuario editado", "USER_DELETE": "Usuario desactivado",
    "USER_RESTORE": "Usuario reactivado", "USER_ROLE_CHANGE": "Cambio de rol",
    "SOFT_DELETE": "Desactivación", "RESTORE": "Reactivación", "SYSTEM_ACTION": "Acción del sistema",
    "ACCOUNT_PAYMENT_CREATE": "Movimiento de cuenta", "ACCOUNT_PAYMENT_REVERSE": "Movimiento revertido",
    "ACCOUNT_STATEMENT_DELETE": "Estado de cuenta eliminado",
    "RESTRICTION_RULE_CREATE": "Restricción creada", "RESTRICTION_RULE_UPDATE": "Restricción editada",
    "RESTRICTION_RULE_DELETE": "Restricción desactivada", "RESTRICTION_RULE_RESTORE": "Restricción reactivada",
    "LISTA_EXCLUDE": "Lista excluida", "LISTA_INCLUDE": "Lista incluida",
}

LAYER_LABELS = {"auth": "Acceso", "org": "Organización", "draws": "Sorteos", "restrictions": "Restricciones",
                "commissions": "Comisiones", "sales": "Ventas", "accounts": "Cuentas", "system": "Sistema"}

TARGET_LABELS = {"user": "Usuario", "session": "Sesión", "banca": "Banca", "ventana": "Ventana",
                 "ticket": "Tiquete", "sorteo": "Sorteo", "loteria": "Lotería", "multiplier": "Multiplicador",
                 "restriction_rule": "Restricción", "job": "Trabajo", "account_payment": "Movimiento",
                 "account_statement": "Estado de cuenta", "commission_policy": "Política de comisión"}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action.replace("_", " ").capitalize())


def _is_sensitive(key) -> bool:
    k = str(key).lower()
    return k in _SENSITIVE_KEYS or any(part in k for part in _SENSITIVE_PARTS)


def _clean_value(value):
    if isinstance(value, dict):
        return _clean(value)
    if isinstance(value, (list, tuple, set)):
        return [_clean_value(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (uuid.UUID, date, datetime, Decimal)):
        return str(value)
    return value


def _clean(details: dict) -> dict:
    """JSON-safe copy of details without anything that looks like a secret."""
    return {str(k): _clean_value(v) for k, v in (details or {}).items() if not _is_sensitive(k)}


# Jobs run outside a request (RQ worker, in-process scheduler thread): their id is the request id.
_job_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_request_id", default=None)


def set_job_request_id(value: str | None) -> None:
    """Set (or clear with None) the job id used as request id by record() and the logs."""
    _job_request_id.set(value)


def current_request_id() -> str | None:
    """The job id inside a job (even one run inline from a request), else the request's id."""
    job_id = _job_request_id.get()
    if job_id:
        return job_id
    if has_request_context():
        return getattr(g, "request_id", None)
    return None


def _request_ip() -> str | None:
    # remote_addr is the client: ProxyFix rewrites it when PROXY_FIX_X_FOR trusts a proxy.
    return (request.remote_addr or None) if has_request_context() else None


def _request_actor_id():
    """The logged-in user of this request, only if already loaded (never triggers a lookup)."""
    if not has_request_context():
        return None
    user = getattr(g, "_login_user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id
    return None


def record(session, *, action: str, layer: str, description: str, actor_id=None, banca_id=None,
           target_type: str | None = None, target_id=None, details: dict | None = None,
           ip: str | None = None) -> ActivityLog:
    """Add one activity-log row to the caller's transaction (never commits).

    actor_id defaults to the request's logged-in user; request id and IP come from the request (or
    the job id inside a job). `description` is the readable Spanish sentence shown in the Bitácora.
    Raises ValueError for an unknown layer or an empty description.
    """
    if layer not in LAYERS:
        raise ValueError(f"unknown audit layer {layer}")
    if not description or not description.strip():
        raise ValueError("audit description is required")
    payload = _clean(details or {})
    payload["description"] = description.strip()
    row = ActivityLog(
        id=uuid.uuid4(), user_id=actor_id if actor_id is not None else _request_actor_id(),
        banca_id=banca_id, layer=layer, action=action[:50], target_type=target_type,
        target_id=str(target_id)[:64] if target_id is not None else None,
        request_id=(current_request_id() or None), ip=(ip or _request_ip()), details=payload,
    )
    session.add(row)
    return row


# ------------------------------------------------------------------------------ read side

@dataclass(frozen=True)
class ActivityFilter:
    banca_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    username: str | None = None
    action: str | None = None
    layer: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None


def _like(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(f: ActivityFilter):
    from app.auth.models import User
    stmt = select(ActivityLog)
    if f.banca_id is not None:
        # The selected banca's rows plus the platform-wide ones (jobs, unknown-user logins).
        stmt = stmt.where(or_(ActivityLog.banca_id == f.banca_id, ActivityLog.banca_id.is_(None)))
    if f.user_id:
        stmt = stmt.where(ActivityLog.user_id == f.user_id)
    if f.username:
        users = select(User.id).where(or_(func.lower(User.username).like(_like(f.username), escape="\\"),
                                          func.lower(User.name).like(_like(f.username), escape="\\")))
        stmt = stmt.where(ActivityLog.user_id.in_(users))
    if f.action:
        stmt = stmt.where(ActivityLog.action == f.action)
    if f.layer:
        stmt = stmt.where(ActivityLog.layer == f.layer)
    if f.target_type:
        stmt = stmt.where(ActivityLog.target_type == f.target_type)
    if f.target_id:
        stmt = stmt.where(ActivityLog.target_id == str(f.target_id).strip())
    if f.date_from:
        stmt = stmt.where(ActivityLog.created_at >= cr_day_bounds(f.date_from)[0])
    if f.date_to:
        stmt = stmt.where(ActivityLog.created_at < cr_day_bounds(f.date_to)[1])
    if f.text:
        like = _like(f.text.strip())
        stmt = stmt.where(or_(func.lower(cast(ActivityLog.details, String)).like(like, escape="\\"),
                              func.lower(ActivityLog.action).like(like, escape="\\"),
                              func.lower(func.coalesce(ActivityLog.target_id, "")).like(like, escape="\\"),
                              func.lower(func.coalesce(ActivityLog.request_id, "")).like(like, escape="\\"),
                              func.lower(func.coalesce(ActivityLog.ip, "")).like(like, escape="\\")))
    return stmt


def row_values(*, action: str, layer: str, description: str, actor_id=None, banca_id=None,
               target_type: str | None = None, target_id=None, details: dict | None = None,
               ip: str | None = None) -> dict:
    """Column values of the row record() would add, for a Core insert (the sale's hot path writes
    its audit row in the same statement as the ticket). Same checks and defaults as record()."""
    if layer not in LAYERS:
        raise ValueError(f"unknown audit layer {layer}")
    if not description or not description.strip():
        raise ValueError("audit description is required")
    from app.tz import utcnow
    payload = _clean(details or {})
    payload["description"] = description.strip()
    return {"id": uuid.uuid4(), "created_at": utcnow(),
            "user_id": actor_id if actor_id is not None else _request_actor_id(), "banca_id": banca_id,
            "layer": layer, "action": action[:50], "target_type": target_type,
            "target_id": str(target_id)[:64] if target_id is not None else None,
            "request_id": (current_request_id() or None), "ip": (ip or _request_ip()), "details": payload}


def list_activity(session, *, page: int = 1, per_page: int = 50, filters: ActivityFilter | None = None,
                  **kwargs) -> tuple[list[ActivityLog], int]:
    """Filtered, newest-first page of the log (≤100 per page); returns (rows, total).

    Filters come as an ActivityFilter or as its fields in keyword arguments.
    """
    f = filters or ActivityFilter(**kwargs)
    per_page = max(1, min(int(per_page), 100))
    page = max(int(page), 1)
    stmt = _filtered(f)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(ActivityLog.created_at.desc(), ActivityLog.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), int(total or 0)


def list_actions(session) -> list[str]:
    """Known actions (DOMAIN §5) plus any other already logged, for the filter select."""
    logged = set(session.scalars(select(ActivityLog.action).distinct()).all())
    return sorted(set(ACTION_LABELS) | logged, key=action_label)


def list_target_types(session) -> list[str]:
    logged = set(session.scalars(select(ActivityLog.target_type).where(ActivityLog.target_type.is_not(None))
                                 .distinct()).all())
    return sorted(logged | set(TARGET_LABELS))


def actor_names(session, rows) -> dict:
    """{user_id: User} for the actors of `rows` (one query)."""
    from app.auth.models import User
    ids = {r.user_id for r in rows if r.user_id}
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids))).all()}
