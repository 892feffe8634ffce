#!/usr/bin/env python
"""Where a sale's CPU goes: N sales through the real WSGI app in-process, under cProfile.

A tool, not a test. Seeds the scratch database of bench/sales_bench.py (`bench_sales`, dropped
afterwards unless --keep-db), logs one vendedor in through /login, then POSTs --count tiquetes of
3 jugadas to /venta/vender (HX-Request) straight into app.wsgi_app, and prints the mean WSGI time
per sale and the top functions by own and cumulative time.

Usage: .venv/bin/python bench/profile_sale.py [--count 2000] [--top 40] [--out prof.pstats]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import sales_bench as sb  # noqa: E402


STEPS = [
    ("flask.app", "Flask", "wsgi_app"),
    ("flask.app", "Flask", "preprocess_request"),
    ("flask.app", "Flask", "process_response"),
    ("app.auth.services", None, "resolve_session"),
    ("flask_wtf.csrf", "CSRFProtect", "protect"),
    ("app.sales.services", None, "sell_ticket"),
    ("app.sales.services", None, "_build_sale"),
    ("app.sales.sale_path", None, "load_head"),
    ("app.sales.sale_path", "AccumulatorStrategy", "reserve"),
    ("app.sales.sale_path", None, "insert_sale"),
    ("jinja2.environment", "Template", "render"),
    ("sqlalchemy.orm.session", "Session", "commit"),
    ("sqlalchemy.orm.scoping", "scoped_session", "remove"),
    ("logging", "Logger", "_log"),
    ("flask.ctx", "RequestContext", "push"),
    ("flask.ctx", "RequestContext", "pop"),
    ("werkzeug.test", "Client", "open"),
]


def _ab_two_step(one, rounds: int) -> None:
    import statistics

    from app.sales import sale_path
    for i in range(50):
        one(i)
    cpu = {True: [], False: []}
    n = 1000
    for r in range(rounds):
        for flag in ((True, False) if r % 2 == 0 else (False, True)):
            sale_path.STRATEGY.one_statement = flag
            c0 = time.process_time()
            for _ in range(100):
                n += 1
                one(n)
            cpu[flag].append((time.process_time() - c0) / 100 * 1000)
    sale_path.STRATEGY.one_statement = True
    for flag, label in ((True, "one statement"), (False, "two statements")):
        print(f"{label:<15} median {statistics.median(cpu[flag]):.2f} ms CPU per sale "
              f"(rounds: {' '.join(f'{x:.2f}' for x in cpu[flag])})")


spent_calls: dict[str, int] = {}


def _wrap_steps() -> dict:
    """Wrap each step with a thread-CPU accumulator (nested steps count in their parents too)."""
    import functools
    import importlib
    spent: dict[str, float] = {}
    calls = spent_calls
    for module_name, cls_name, attr in STEPS:
        module = importlib.import_module(module_name)
        owner = getattr(module, cls_name) if cls_name else module
        fn = getattr(owner, attr)
        label = f"{module_name}.{cls_name + '.' if cls_name else ''}{attr}"

        def wrapper(*a, __fn=fn, __label=label, **kw):
            t0 = time.thread_time()
            try:
                return __fn(*a, **kw)
            finally:
                spent[__label] = spent.get(__label, 0.0) + time.thread_time() - t0
                calls[__label] = calls.get(__label, 0) + 1
        setattr(owner, attr, functools.wraps(fn)(wrapper))
    return spent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--prefill", type=int, default=2000)
    ap.add_argument("--route", default="/venta/vender")
    ap.add_argument("--out")
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--no-profile", action="store_true", help="only time the requests")
    ap.add_argument("--ab-two-step", action="store_true",
                    help="A/B in one process: rounds of 100 sales alternate the one-statement and the "
                         "two-statement sale; prints the median CPU per sale of each")
    ap.add_argument("--cpu-timer", action="store_true",
                    help="profile with the thread's CPU clock instead of wall time (waits on PostgreSQL vanish)")
    ap.add_argument("--breakdown", action="store_true",
                    help="no profiler: CPU per sale of the main steps (wrapped functions, thread time)")
    args = ap.parse_args()
    env = {**sb.app_env(), "BENCH_ENDPOINT": "internal"}
    sb.recreate_db()
    try:
        ids = sb.seed(env)
        sb.prefill(ids, args.prefill)
        os.environ.update(env)
        from sales_wsgi import app
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": ids["usernames"][0], "password": sb.PASSWORD,
                                    "csrf_token": token, "next": ""})
        venta = client.get("/venta").get_data(as_text=True)
        csrf = re.search(r'"X-CSRFToken": "([^"]+)"', venta).group(1)
        sorteo, mult = ids["sorteos"]["random_accumulator"], ids["m90"]
        rnd = random.Random(7)

        def one(i: int) -> int:
            nums = rnd.sample(range(100), 3)
            data = [("idempotency_key", f"p-{i}-{rnd.random()}"), ("sorteo_id", sorteo), ("cliente", "")]
            data += [("j", f"N|{n:02d}|{rnd.randint(1, 20) * 50}|{mult}") for n in nums]
            from werkzeug.datastructures import MultiDict
            resp = client.post(args.route, data=MultiDict(data), headers={"X-CSRFToken": csrf, "HX-Request": "true"})
            return resp.status_code

        if args.ab_two_step:
            _ab_two_step(one, rounds=max(4, args.count // 100))
            return
        spent = _wrap_steps() if args.breakdown else None
        if spent is not None:
            args.no_profile = True
        for i in range(50):  # warm-up
            assert one(i) == 200, "warm-up sale failed"
        if os.environ.get("GC_FREEZE"):
            import gc
            gc.collect()
            gc.freeze()
            if os.environ.get("GC_THRESHOLD"):
                gc.set_threshold(*map(int, os.environ["GC_THRESHOLD"].split(",")))
        prof = None if args.no_profile else (cProfile.Profile(time.thread_time) if args.cpu_timer else cProfile.Profile())
        t0, c0 = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        codes = [one(100 + i) for i in range(args.count)]
        if prof:
            prof.disable()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"{args.count} sales: {wall / args.count * 1000:.2f} ms wall, {cpu / args.count * 1000:.2f} ms CPU "
              f"per sale (test client, {'profiled' if prof else 'not profiled'}); non-200: "
              f"{sum(1 for c in codes if c != 200)}")
        if spent is not None:
            for name, total in sorted(spent.items(), key=lambda kv: -kv[1]):
                print(f"  {name:<55} {total / args.count * 1e6:7.0f} µs per sale"
                      f"  ({spent_calls.get(name, 0) / (args.count + 50):.2f} calls)")
        if prof:
            if args.out:
                prof.dump_stats(args.out)
            for key in ("tottime", "cumulative"):
                buf = io.StringIO()
                pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(args.top)
                print(buf.getvalue())
    finally:
        if not args.keep_db:
            sb.drop_db()


if __name__ == "__main__":
    main()
