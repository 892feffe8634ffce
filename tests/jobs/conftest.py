"""Jobs page fixtures: the draws fixtures (an RQ queue per test, the embedded mode)."""
from tests.draws.conftest import embedded, redis_conn, rq_queue  # noqa: F401
