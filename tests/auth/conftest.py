"""Auth test fixtures and helpers (the root conftest commits org and logins)."""
from __future__ import annotations

from tests.factories.org import PASSWORD  # noqa: F401  (re-exported for the tests)


def audit_rows(session, action=None):
    from sqlalchemy import select

    from app.audit.models import ActivityLog
    stmt = select(ActivityLog).order_by(ActivityLog.created_at)
    if action:
        stmt = stmt.where(ActivityLog.action == action)
    return list(session.scalars(stmt).all())
