#!/usr/bin/env python
"""CPU of one session resolution (the per-request user load), in-process, against the
scratch database of bench/sales_bench.py. A tool for tuning app/auth/services.resolve_session."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import sales_bench as sb  # noqa: E402


def main(count: int = 3000) -> None:
    env = {**sb.app_env(), "BENCH_ENDPOINT": "internal"}
    sb.recreate_db()
    try:
        ids = sb.seed(env)
        os.environ.update(env)
        from app import create_app
        from app.auth.models import LoginSession, User
        from app.auth.services import resolve_session
        from app.extensions import db
        from app.tz import utcnow
        app = create_app()
        with app.app_context():
            user = db.session.query(User).filter_by(username=ids["usernames"][0]).one()
            login = LoginSession(user_id=user.id, banca_id=user.banca_id, token_id="bench-token-0001",
                                 device_id="d1", last_used_at=utcnow(), expires_at=utcnow().replace(year=2030))
            db.session.add(login)
            db.session.commit()
            from sqlalchemy import text
            variants = {"select 1 (baseline)": lambda: db.session.execute(text("SELECT 1")).first(),
                        "resolve": lambda: resolve_session(db.session, "bench-token-0001")}
            import statistics
            results = {label: [] for label in variants}
            per_round = max(50, count // 10)
            for _ in range(10):  # rounds interleave the variants: machine noise hits all alike
                for label, fn in variants.items():
                    c0 = time.thread_time()
                    for _ in range(per_round):
                        with app.test_request_context("/"):
                            assert fn() is not None
                            db.session.rollback()
                            db.session.remove()
                    results[label].append((time.thread_time() - c0) / per_round * 1e6)
            for label, values in results.items():
                print(f"{label:<28} median {statistics.median(values):6.0f} µs  min {min(values):6.0f} µs CPU per call")
    finally:
        sb.drop_db()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
