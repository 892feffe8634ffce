"""Sales UI test fixtures.

The test client reuses the `session` fixture's app context, so a request shares the test's
db.session: an error response rolls back to the test's own SAVEPOINT and would wipe the
fixture rows. Committing (= releasing the savepoint; the outer transaction still rolls back
at the end) before every request keeps the data a test built visible to later requests.
"""
from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.extensions import db
from tests.sales.ui_helpers import env  # noqa: F401


@pytest.fixture(autouse=True)
def _commit_before_requests(monkeypatch):
    original = FlaskClient.open

    def open_(self, *args, **kwargs):
        try:
            if db.session().in_transaction():
                db.session.commit()
        except RuntimeError:  # no app context: nothing to release
            pass
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FlaskClient, "open", open_)
