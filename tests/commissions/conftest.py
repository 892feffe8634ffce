"""Commission test fixtures."""
from __future__ import annotations

import pytest


@pytest.fixture
def org(org, session):
    """The shared org, committed to the outer test transaction.

    The rollback fixture runs the test's session inside a SAVEPOINT: an error response (403/404/
    422 through unit_of_work or the error handlers) rolls it back, which would also drop rows the
    fixtures only flushed. Committing releases the savepoint; teardown still rolls everything back.
    """
    session.commit()
    return org


@pytest.fixture
def login(login, session):
    """Logged-in clients whose LoginSession row survives an error response (see `org`)."""
    def _login(user, banca_id=None):
        client = login(user, banca_id)
        session.commit()
        return client
    return _login
