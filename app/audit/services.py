"""Activity log: every state change calls record() in the same transaction (DOMAIN §21)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from flask import g, has_request_context, request
from sqlalchemy import String, cast, func, or_, select

from app.audit.models import LAYERS, ActivityLog
from app.tz import cr_day_bounds

_SENSITIVE = {"password", "password_hash", "new_password", "current_password", "token"}


def _clean(details: dict) -> dict:
    out = {}
    for key, value in (details or {}).items():
        if key in _SENSITIVE:
            continue
        if isinstance(value, dict):
            value = _clean(value)
        elif isinstance(value, (uuid.UUID, date, datetime)):
            value = str(value)
        elif hasattr(value, "is_finite"):  # Decimal
            value = str(value)
        elif hasattr(value, "value") and hasattr(value, "name"):  # Enum
            value = value.value
        out[key] = value
    return out


def current_request_id() -> str | None:
    if has_request_context():
        return getattr(g, "request_id", None)
    return getattr(_job_ctx, "request_id", None)


class _JobCtx:
    request_id: str | None = None


_job_ctx = _JobCtx()


def set_job_request_id(value: str | None) -> None:
    _job_ctx.request_id = value


def record(session, *, action: str, layer: str, description: str, actor_id=None, banca_id=None,
           target_type: str | None = None, target_id=None, details: dict | None = None,
           ip: str | None = None) -> ActivityLog:
    """Add one activity-log row to the caller's transaction (never commits)."""
    if layer not in LAYERS:
        raise ValueError(f"unknown audit layer {layer}")
    payload = _clean(details or {})
    payload["description"] = description
    if ip is None and has_request_context():
        ip = request.headers.get("X-Forwarded-For", request.remote_addr or "").split(",")[0].strip() or None
    row = ActivityLog(
        user_id=actor_id, banca_id=banca_id, layer=layer, action=action,
        target_type=target_type, target_id=str(target_id) if target_id is not None else None,
        request_id=current_request_id(), ip=ip, details=payload,
    )
    session.add(row)
    return row


def list_activity(session, *, banca_id=None, user_id=None, action=None, target_type=None,
                  target_id=None, date_from: date | None = None, date_to: date | None = None,
                  text: str | None = None, page: int = 1, per_page: int = 50):
    """Filtered, newest-first page of the log; returns (rows, total)."""
    per_page = max(1, min(per_page, 100))
    stmt = select(ActivityLog)
    if banca_id is not None:
        stmt = stmt.where(or_(ActivityLog.banca_id == banca_id, ActivityLog.banca_id.is_(None)))
    if user_id:
        stmt = stmt.where(ActivityLog.user_id == user_id)
    if action:
        stmt = stmt.where(ActivityLog.action == action)
    if target_type:
        stmt = stmt.where(ActivityLog.target_type == target_type)
    if target_id:
        stmt = stmt.where(ActivityLog.target_id == str(target_id))
    if date_from:
        stmt = stmt.where(ActivityLog.created_at >= cr_day_bounds(date_from)[0])
    if date_to:
        stmt = stmt.where(ActivityLog.created_at < cr_day_bounds(date_to)[1])
    if text:
        like = f"%{text.lower()}%"
        stmt = stmt.where(or_(func.lower(cast(ActivityLog.details, String)).like(like),
                              func.lower(ActivityLog.action).like(like),
                              func.lower(func.coalesce(ActivityLog.target_id, "")).like(like)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(ActivityLog.created_at.desc())
                           .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return rows, total
