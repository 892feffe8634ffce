"""Sales UI test fixtures (the root conftest commits the test savepoint before each request)."""
from tests.sales.ui_helpers import env  # noqa: F401
