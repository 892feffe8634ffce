"""Auth test fixtures: the org and logins committed to the outer test transaction.

The rollback `session` fixture runs each request inside a SAVEPOINT; an error response (403/404/
422/429) rolls that savepoint back, which would drop rows the fixtures only flushed. Committing
releases the savepoint; teardown still rolls everything back.
"""
from __future__ import annotations

import pytest

from tests.conftest import login_client
from tests.factories.org import PASSWORD  # noqa: F401  (re-exported for the tests)


@pytest.fixture
def org(org, session):
    session.commit()
    return org


@pytest.fixture
def login(app, session):
    def _login(user, banca_id=None):
        client = login_client(app, session, user, banca_id)
        session.commit()
        return client
    return _login


def audit_rows(session, action=None):
    from sqlalchemy import select

    from app.audit.models import ActivityLog
    stmt = select(ActivityLog).order_by(ActivityLog.created_at)
    if action:
        stmt = stmt.where(ActivityLog.action == action)
    return list(session.scalars(stmt).all())
