"""Audit test fixtures (the org and logins committed to the outer test transaction)."""
from tests.auth.conftest import login, org  # noqa: F401
