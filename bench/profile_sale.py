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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--prefill", type=int, default=2000)
    ap.add_argument("--route", default="/venta/vender")
    ap.add_argument("--out")
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--no-profile", action="store_true", help="only time the requests")
    args = ap.parse_args()
    env = {"DATABASE_URL": f"{sb.PGURL.replace('postgresql://', 'postgresql+psycopg://')}/{sb.DBNAME}",
           "SECRET_KEY": "bench-secret-key-not-for-production", "BANCA_ENV": "production", "SESSION_COOKIE_SECURE": "0", "REDIS_URL": "",
           "LOG_JSON": "0", "INPROCESS_SCHEDULER": "0", "BENCH_ENDPOINT": "internal",
           "RATELIMIT_SALES": "1000000 per minute", "RATELIMIT_AUTH": "1000000 per minute",
           "RATELIMIT_ANON": "1000000 per minute", "RATELIMIT_LOGIN": "1000 per minute"}
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

        for i in range(50):  # warm-up
            assert one(i) == 200, "warm-up sale failed"
        prof = None if args.no_profile else cProfile.Profile()
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
