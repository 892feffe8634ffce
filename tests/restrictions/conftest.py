"""Restriction test fixtures: the shared org and logins committed to the outer test transaction.

The rollback `session` fixture runs each request inside a SAVEPOINT; an error response (403/404/
409/422) rolls it back, which would also drop rows the fixtures only flushed. Committing releases
the savepoint; teardown still rolls everything back.
"""
from __future__ import annotations

import pytest

from tests.conftest import login_client


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
