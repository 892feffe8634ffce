from tests.sales.ui_helpers import env  # noqa: F401
