"""Jobs page fixtures: the draws fixtures (RQ queue per test, committed org and logins)."""
from tests.draws.conftest import embedded, login, org, redis_conn, rq_queue  # noqa: F401
