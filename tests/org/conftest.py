"""Org test fixtures (the root conftest commits org and logins)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.scope import scope_for_user


@pytest.fixture
def admin_scope(org):
    return scope_for_user(org.admin, org.banca.id)


@pytest.fixture
def ventana_scope(org):
    return scope_for_user(org.listero)


@pytest.fixture
def vendedor_scope(org):
    return scope_for_user(org.vendedor)


def audit_rows(session, action=None, target_id=None):
    from app.audit.models import ActivityLog
    stmt = select(ActivityLog).order_by(ActivityLog.created_at)
    if action:
        stmt = stmt.where(ActivityLog.action == action)
    if target_id is not None:
        stmt = stmt.where(ActivityLog.target_id == str(target_id))
    return list(session.scalars(stmt))


def live_sessions(session, user_id) -> int:
    from app.auth.models import LoginSession
    return session.scalar(select(func.count(LoginSession.id)).where(
        LoginSession.user_id == user_id, LoginSession.revoked.is_(False))) or 0


def open_session(session, user):
    """A live LoginSession row for `user` (as a login would create)."""
    import secrets
    from datetime import timedelta

    from app.auth.models import LoginSession
    from app.tz import utcnow
    now = utcnow()
    row = LoginSession(user_id=user.id, banca_id=user.banca_id, token_id=secrets.token_urlsafe(24),
                       device_id=secrets.token_urlsafe(8), device_name="pytest", last_used_at=now,
                       expires_at=now + timedelta(days=7))
    session.add(row)
    session.flush()
    return row


def config_version(session, banca_id) -> int:
    from app.org.config_version import get_config_version
    return get_config_version(session, banca_id)
