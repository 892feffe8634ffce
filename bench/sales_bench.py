#!/usr/bin/env python
"""Sales benchmark (issue 6 item 8; PERFORMANCE.md): tickets of 3 jugadas sold over HTTP.

A script, not a test. It
  1. creates its own scratch database `bench_sales` on the local PostgreSQL (127.0.0.1:5432;
     PGURL to change it) and drops it at the end (--keep-db to keep it), and records
     `SHOW fsync` / `SHOW synchronous_commit` (refuses to run with either off unless --allow-unsafe);
  2. seeds one banca, 4 ventanas, 32 vendedores, a TICA-like lotería (90x/85x, reventado), an
     OPEN sorteo for the random-number runs, one per race, and restriction rules (a banca
     max_total on every number, so the limit check and the accumulators are exercised, plus
     ₡5 000 on "77" for the race);
  3. starts gunicorn (gthread, default 4 workers × 4 threads as `make web`, keep-alive) on the real app with
     the rate limits RAISED through the environment (RATELIMIT_SALES etc.: DOMAIN §20 60/min
     would throttle the run), logs every vendedor in through /login (real sessions, real CSRF);
  4. pre-fills every measured sorteo with --prefill tickets (default 20 000: a busy sorteo near
     its draw, when the per-sorteo lock's SUMs cost the most), accumulators rebuilt by SQL;
  5. serves BOTH limit-check designs at once (two gunicorns: the exposure accumulators and the
     per-sorteo advisory lock of DOMAIN §11.1, bench/sales_sorteo_lock.py) and drives them with
     wrk (closed loop, one connection per vendedor), alternating run by run so machine noise hits
     both alike: 1, 8 (×--runs) and 32 sellers on random numbers, 8 sellers whose every ticket
     holds the hot number "55" (×--runs), then 32 sellers racing the ₡5 000 left on "77";
     reports tickets/s, p50/p95/p99 (client side, wrk), the server time (WSGI call) and the CPU
     per ticket of the gunicorn processes and of the PostgreSQL backends (/proc);
  6. checks the race (accepted sum exact, never above the cap) and that the accumulators equal a
     rebuild from the live jugadas.

Usage: .venv/bin/python bench/sales_bench.py [--duration 15] [--runs 3] [--json out.json]
Needs: wrk (apt-get install wrk), PostgreSQL with fsync and synchronous_commit on.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PGURL = os.environ.get("PGURL", "postgresql://postgres@127.0.0.1:5432")
DBNAME = "bench_sales"
PASSWORD = "bench-clave-123"
SELLERS = 32
RACE_CAP = Decimal(5000)
RACE_AMOUNT = 100
GUNICORN_LOG = Path(tempfile.gettempdir()) / "sales_bench_gunicorn.log"


# ------------------------------------------------------------------------------ database

def admin_conn():
    import psycopg
    return psycopg.connect(f"{PGURL}/postgres", autocommit=True)


def pg_settings() -> dict:
    with admin_conn() as conn:
        out = {name: conn.execute(f"SHOW {name}").fetchone()[0]
               for name in ("fsync", "synchronous_commit", "wal_sync_method", "shared_buffers",
                            "full_page_writes", "server_version")}
    return out


def recreate_db() -> None:
    with admin_conn() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DBNAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DBNAME}")


def drop_db() -> None:
    with admin_conn() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DBNAME} WITH (FORCE)")


def seed(env: dict) -> dict:
    """Schema + data, in-process through the app's models; returns the ids the runs need."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.auth.models import Role, User
    from app.auth.passwords import hash_password
    from app.draws.models import Loteria, LoteriaMultiplier, MultiplierKind, Sorteo, SorteoStatus
    from app.extensions import db
    from app.org.models import Banca, ConfigVersion, Ventana
    from app.restrictions.models import RestrictionRule
    from app.tz import to_cr, utcnow

    app = create_app()
    with app.app_context():
        db.create_all()
        s = db.session
        banca = Banca(name="Banca Bench", code="BENCH", max_sessions_per_vendedor=5)
        s.add(banca)
        s.flush()
        s.add(ConfigVersion(banca_id=banca.id, version=1))
        ventanas = [Ventana(banca_id=banca.id, name=f"Ventana {i}", code=f"BV{i}") for i in range(4)]
        s.add_all(ventanas)
        s.flush()
        pw = hash_password(PASSWORD)
        users = [User(username=f"bench{i:02d}", name=f"Vendedor {i}", password_hash=pw, role=Role.VENDEDOR,
                      banca_id=banca.id, ventana_id=ventanas[i % 4].id, settings={}) for i in range(SELLERS)]
        s.add_all(users)
        policy = {"version": 1, "default_percent": 10, "rules": []}
        banca.commission_policy = policy
        for v in ventanas:
            v.commission_policy = {"version": 1, "default_percent": 15, "rules": []}
        lot = Loteria(banca_id=banca.id, name="TICA", rules={"digits": 2, "reventado": {"enabled": True},
                                                            "min_bet_amount": 50, "max_bet_amount": 100000})
        s.add(lot)
        s.flush()
        m90 = LoteriaMultiplier(loteria_id=lot.id, name="90x", value_x=Decimal(90), kind=MultiplierKind.NUMERO)
        m85 = LoteriaMultiplier(loteria_id=lot.id, name="85x", value_x=Decimal(85), kind=MultiplierKind.NUMERO)
        roja = LoteriaMultiplier(loteria_id=lot.id, name="Roja 200x", value_x=Decimal(200),
                                 kind=MultiplierKind.REVENTADO)
        s.add_all([m90, m85, roja])
        base = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
        sorteos = {}
        for i, key in enumerate(("random_accumulator", "race_accumulator", "random_sorteo_lock",
                                 "race_sorteo_lock", "warmup", "hot_accumulator", "hot_sorteo_lock")):
            at = base + timedelta(minutes=i)
            sorteos[key] = Sorteo(loteria_id=lot.id, banca_id=banca.id, name=f"TICA {to_cr(at):%H:%M}",
                                  scheduled_at=at, status=SorteoStatus.OPEN, digits=2)
        s.add_all(sorteos.values())
        s.flush()
        s.add(RestrictionRule(banca_id=banca.id, max_total=Decimal(50_000_000)))
        for key in ("race_accumulator", "race_sorteo_lock"):
            s.add(RestrictionRule(banca_id=banca.id, number="77", max_total=RACE_CAP, sorteo_id=sorteos[key].id))
        s.commit()
        return {"banca": str(banca.id), "m90": str(m90.id), "sorteos": {k: str(v.id) for k, v in sorteos.items()},
                "usernames": [u.username for u in users]}


PREFILL_SQL = [
    # n tickets of 3 jugadas (₡500 @90x) spread over the 32 vendedores, numbers from a hash.
    """INSERT INTO tickets (id, ticket_number, banca_id, loteria_id, sorteo_id, ventana_id, vendedor_id,
         business_date, total_amount, total_commission, total_listero_commission, status, is_winner,
         total_payout, total_paid, accepted_remainder, remaining_amount, print_count, created_by,
         created_by_role, sorteo_closed, created_at, updated_at)
       SELECT gen_random_uuid(), 'P' || left(replace(s.id::text, '-', ''), 8) || '-' || g, s.banca_id,
         s.loteria_id, s.id, u.ventana_id, u.id, (s.scheduled_at AT TIME ZONE 'America/Costa_Rica')::date,
         1500, 0, 0, 'ACTIVE', false, 0, 0, 0, 0, 0, u.id, 'VENDEDOR', false, now(), now()
       FROM sorteos s CROSS JOIN generate_series(1, %(n)s) g
       JOIN (SELECT id, ventana_id, (row_number() OVER (ORDER BY id)) - 1 AS k FROM users
             WHERE role = 'VENDEDOR') u ON u.k = g %% 32
       WHERE s.id = %(s)s""",
    """INSERT INTO jugadas (id, ticket_id, sorteo_id, position, type, number, amount, multiplier_id,
         final_multiplier_x, is_winner, is_active, commission_percent, commission_amount,
         listero_commission_amount, is_excluded)
       SELECT gen_random_uuid(), t.id, t.sorteo_id, j, 'NUMERO',
         lpad(((abs(hashtext(t.id::text)) + j * 37) %% 100)::text, 2, '0'), 500, %(m)s, 90, false, true,
         0, 0, 0, false
       FROM tickets t CROSS JOIN generate_series(0, 2) j WHERE t.sorteo_id = %(s)s""",
    # The accumulators the design keeps, rebuilt from those jugadas (as a rebuild would).
    """INSERT INTO exposure_accumulators (sorteo_id, number, scope_type, scope_id, filter, amount)
       SELECT %(s)s, j.number, x.st, x.si, x.f, sum(j.amount)
       FROM jugadas j JOIN tickets t ON t.id = j.ticket_id
       CROSS JOIN LATERAL (VALUES ('vendedor', t.vendedor_id, 'all'), ('ventana', t.ventana_id, 'all'),
         ('banca', t.banca_id, 'all'), ('vendedor', t.vendedor_id, j.multiplier_id::text),
         ('ventana', t.ventana_id, j.multiplier_id::text), ('banca', t.banca_id, j.multiplier_id::text))
         AS x(st, si, f)
       WHERE j.sorteo_id = %(s)s GROUP BY 2, 3, 4, 5
       UNION ALL
       SELECT %(s)s, '', x.st, x.si, 'TICKET', sum(t.total_amount) FROM tickets t
       CROSS JOIN LATERAL (VALUES ('vendedor', t.vendedor_id), ('ventana', t.ventana_id),
         ('banca', t.banca_id)) AS x(st, si)
       WHERE t.sorteo_id = %(s)s GROUP BY 2, 3, 4""",
]


def prefill(ids: dict, count: int) -> None:
    """A busy sorteo (the last minutes before a draw): `count` tickets already sold in each
    random/hot sorteo, so the per-sorteo lock's SUMs read what a real sorteo holds."""
    import psycopg
    if count <= 0:
        return
    with psycopg.connect(f"{PGURL}/{DBNAME}") as conn:
        for key, sid in ids["sorteos"].items():
            if key.startswith(("random_", "hot_")):
                for sql in PREFILL_SQL:
                    conn.execute(sql, {"s": sid, "n": count, "m": ids["m90"]})
        conn.commit()
        conn.execute("ANALYZE")


# ------------------------------------------------------------------------------ server

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, port: int, workers: int, threads: int, extra: dict) -> subprocess.Popen:
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "--chdir", str(BENCH), "-k", "gthread", "-w", str(workers),
           "--threads", str(threads), "--keep-alive", "30", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
           "sales_wsgi:app"]
    proc = subprocess.Popen(cmd, env={**os.environ, **env, **extra}, stdout=subprocess.DEVNULL,
                            stderr=open(GUNICORN_LOG, "ab"), start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read()
            return proc
        except Exception:
            time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"gunicorn did not start; see {GUNICORN_LOG}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def login(port: int, username: str) -> dict:
    """A real login: GET /login (CSRF), POST credentials, GET /venta for the page's CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token.group(1),
                                   "next": ""}).encode()
    opener.open(f"{base}/login", data=data).read()
    venta = opener.open(f"{base}/venta").read().decode()
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', venta)
    if csrf is None:
        raise SystemExit(f"login of {username} failed (no CSRF token on /venta)")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return {"cookie": cookie, "csrf": csrf.group(1)}


# ------------------------------------------------------------------------------ load

def lua_config(path: Path, creds: list[dict], route: str, sorteo: str, mult: str, hot: str | None) -> None:
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ["creds = {"] + [f"  {{cookie={q(c['cookie'])}, csrf={q(c['csrf'])}}}," for c in creds] + ["}"]
    lines += [f"path = {q(route)}", f"sorteo = {q(sorteo)}", f"mult = {q(mult)}",
              f"hot = {q(hot) if hot else 'nil'}", f"hot_amount = {RACE_AMOUNT}"]
    path.write_text("\n".join(lines) + "\n")


def run_wrk(port: int, conns: int, duration: float, config: Path) -> dict:
    cmd = ["wrk", "-t", str(conns), "-c", str(conns), "-d", f"{max(1, round(duration))}s", "--timeout", "10s",
           "-s", str(BENCH / "sales_sell.lua"), f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, env={**os.environ, "BENCH_CONFIG": str(config)}, capture_output=True, text=True,
                         check=True).stdout
    match = re.search(r"BENCH_JSON (\{.*\})", out)
    if match is None:
        raise SystemExit(f"wrk output not understood:\n{out}")
    data = json.loads(match.group(1))
    data["tps"] = round(data["ok"] / (data["duration_us"] / 1e6), 1)
    data["sellers"] = conns
    return data


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def cpu_snapshot(server: subprocess.Popen) -> dict:
    """CPU seconds so far of the gunicorn processes and of the bench database's backends."""
    import psycopg
    kids = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    py = sum(_cpu_of(int(p)) for p in [server.pid, *kids])
    with psycopg.connect(f"{PGURL}/postgres", autocommit=True) as conn:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (DBNAME,))]
    return {"py": py, "pg": {pid: _cpu_of(pid) for pid in pids}}


def cpu_per_ticket(before: dict, after: dict, tickets: int) -> dict:
    if not tickets:
        return {}
    pg = sum(v - before["pg"].get(pid, 0.0) for pid, v in after["pg"].items())
    return {"cpu_py_ms_per_ticket": round((after["py"] - before["py"]) * 1000 / tickets, 2),
            "cpu_pg_ms_per_ticket": round(pg * 1000 / tickets, 2)}


def server_times(folder: Path) -> dict:
    values = []
    for f in folder.glob("*.txt"):
        values += [int(x) for x in f.read_text().split()]
    for f in folder.glob("*.txt"):
        f.unlink()
    if not values:
        return {}
    values.sort()
    pick = lambda p: values[min(len(values) - 1, int(len(values) * p))]  # noqa: E731
    return {"server_p50_us": pick(0.50), "server_p95_us": pick(0.95), "server_p99_us": pick(0.99),
            "server_samples": len(values)}


def race_check(sorteo_id: str, banca_id: str, strategy: str) -> dict:
    import psycopg
    with psycopg.connect(f"{PGURL}/{DBNAME}") as conn:
        accepted = conn.execute(
            "SELECT count(*), coalesce(sum(j.amount), 0) FROM jugadas j JOIN tickets t ON t.id = j.ticket_id "
            "WHERE t.sorteo_id = %s AND j.number = '77' AND t.status = 'ACTIVE' AND j.is_active",
            (sorteo_id,)).fetchone()
        tickets = conn.execute("SELECT count(*) FROM tickets WHERE sorteo_id = %s", (sorteo_id,)).fetchone()[0]
        acc = conn.execute(
            "SELECT amount FROM exposure_accumulators WHERE sorteo_id = %s AND number = '77' "
            "AND scope_type = 'banca' AND scope_id = %s AND filter = 'all'", (sorteo_id, banca_id)).fetchone()
    sold = Decimal(accepted[1])
    out = {"accepted_tickets": tickets, "sold_on_77": str(sold), "cap": str(RACE_CAP),
           "oversold": sold > RACE_CAP, "exact": sold == RACE_CAP}
    if strategy == "accumulator":
        out["accumulator_77"] = str(acc[0]) if acc else "0"
        out["accumulator_matches"] = acc is not None and Decimal(acc[0]) == sold
    return out


def accumulators_agree(env: dict, sorteo_id: str) -> bool:
    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from app.sales.exposure import compare_accumulators
    app = create_app()
    with app.app_context():
        return compare_accumulators(db.session, sorteo_id) == {}


# ------------------------------------------------------------------------------ main

def app_env() -> dict:
    """The environment the benchmarked app runs with: production config on the scratch database,
    no Redis (rate-limit counters in worker memory), DOMAIN §20's limits raised for the run (60
    tickets/min per user would throttle it)."""
    return {"DATABASE_URL": f"{PGURL.replace('postgresql://', 'postgresql+psycopg://')}/{DBNAME}",
            "SECRET_KEY": "bench-secret-key-not-for-production", "BANCA_ENV": "production",
            "SESSION_COOKIE_SECURE": "0", "REDIS_URL": "", "INPROCESS_SCHEDULER": "0",
            "RATELIMIT_SALES": "1000000 per minute", "RATELIMIT_AUTH": "1000000 per minute",
            "RATELIMIT_ANON": "1000000 per minute", "RATELIMIT_LOGIN": "1000 per minute"}


def calibrate() -> float | None:
    """The machine's pure-Python speed right now: bench/restrictions_engine.py's check_ticket for
    3 jugadas, in µs (35 µs on the quiet machine of the first passes). Figures of runs on one
    machine at different times (noisy neighbours on a shared host) compare through it."""
    out = subprocess.run([sys.executable, str(BENCH / "restrictions_engine.py")], capture_output=True, text=True,
                         cwd=str(ROOT)).stdout
    match = re.search(r"check_ticket\s+([\d.]+) µs", out)
    return float(match.group(1)) if match else None


def machine() -> dict:
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1), "kernel": platform.release(),
            "python": platform.python_version()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--race-duration", type=float, default=5)
    ap.add_argument("--runs", type=int, default=3, help="repetitions of the 8-seller run")
    ap.add_argument("--workers", type=int, default=4)  # the production layout (README, make web)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--strategies", default="accumulator,sorteo_lock",
                    help="servers run side by side, runs alternating; NAME@WxT gives one its own "
                         "gunicorn layout (e.g. accumulator@2x4,accumulator@8x1 with --scenarios random8)")
    ap.add_argument("--route", default="/venta/vender", help="or /bench/vender (internal endpoint)")
    ap.add_argument("--prefill", type=int, default=20000,
                    help="tickets already sold in each measured sorteo (a busy sorteo near its draw)")
    ap.add_argument("--scenarios", default="random1,random8,random32,hot,race",
                    help="which runs: random1, random8, random32, hot, race (comma-separated)")
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--allow-unsafe", action="store_true", help="run even with fsync/synchronous_commit off")
    ap.add_argument("--json", help="write all figures to this file")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")
    settings = pg_settings()
    if (settings["fsync"] != "on" or settings["synchronous_commit"] != "on") and not args.allow_unsafe:
        raise SystemExit(f"PostgreSQL must run with fsync and synchronous_commit on: {settings}")
    env = app_env()
    env["BENCH_ENDPOINT"] = "internal"  # also serve /bench/vender (the sale core without the page)
    recreate_db()
    report = {"machine": machine(), "postgres": settings, "method": {
        "server": f"gunicorn gthread {args.workers} workers x {args.threads} threads, keep-alive",
        "load": "wrk closed loop, one connection per logged-in vendedor, tickets of 3 jugadas",
        "route": args.route, "duration_s": args.duration, "rate_limits": "raised via RATELIMIT_* env"},
        "runs": []}
    try:
        report["calibration_before_us"] = calibrate()
        print(f"calibration (check_ticket, 3 jugadas): {report['calibration_before_us']} µs", flush=True)
        ids = seed(env)
        print(f"postgres: {settings}", flush=True)
        prefill(ids, args.prefill)
        report["method"]["prefilled_tickets_per_sorteo"] = args.prefill
        report["runs"] = run_all(env, ids, args)
        report["calibration_after_us"] = calibrate()
        print(f"calibration after: {report['calibration_after_us']} µs", flush=True)
    finally:
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2))
        if not args.keep_db:
            drop_db()
    print(json.dumps(report, indent=2))


class Server:
    """One gunicorn serving the app with one limit-check strategy."""

    def __init__(self, spec: str, env: dict, args):
        # "accumulator", "accumulator@8x1" (a gunicorn layout of its own: workers x threads) or
        # "accumulator~two_step" (a variant of the sale path, bench/sales_wsgi.py BENCH_VARIANT)
        base, _, layout = spec.partition("@")
        strategy, _, variant = base.partition("~")
        workers, threads = (int(x) for x in layout.split("x")) if layout else (args.workers, args.threads)
        self.strategy, self.label = strategy, spec
        self.port = free_port()
        self.timing = Path(tempfile.mkdtemp(prefix=f"bench-sales-{strategy}-"))
        self.cfg = self.timing / "config.lua"
        self.proc = start_server(env, self.port, workers, threads,
                                 {"BENCH_STRATEGY": strategy, "BENCH_VARIANT": variant,
                                  "BENCH_TIMING_DIR": str(self.timing)})

    def run(self, creds, args, sorteo: str, sellers: int, duration: float, hot: str | None, **labels) -> dict:
        lua_config(self.cfg, creds, args.route, sorteo, self.m90, hot)
        calibration = calibrate()  # the machine's speed right before this run
        server_times(self.timing)
        before = cpu_snapshot(self.proc)
        data = run_wrk(self.port, sellers, duration, self.cfg)
        if not hot or hot != "77":  # per accepted ticket is meaningless when most are refused
            data.update(cpu_per_ticket(before, cpu_snapshot(self.proc), data["ok"]))
        data.update(server_times(self.timing), strategy=self.label, calibration_us=calibration, **labels)
        print(summary(data), flush=True)
        return data

    def stop(self) -> None:
        stop_server(self.proc)
        shutil.rmtree(self.timing, ignore_errors=True)


def run_all(env: dict, ids: dict, args) -> list[dict]:
    """Both strategies served at once; every scenario alternates between them run by run, so
    machine noise hits both alike."""
    strategies = [x.strip() for x in args.strategies.split(",") if x.strip()]
    servers = [Server(st, env, args) for st in strategies]
    results = []
    try:
        creds = [login(servers[0].port, u) for u in ids["usernames"]]  # same DB and key: valid on all
        for srv in servers:
            srv.m90 = ids["m90"]
            srv.run(creds, args, ids["sorteos"]["warmup"], 8, 3, None, scenario="warmup", run=0)
        wanted = {x.strip() for x in args.scenarios.split(",")}
        plan = [("random", 1, 1, None), ("random", 8, args.runs, None), ("random", 32, 1, None),
                ("hot", 8, args.runs, "55")]
        plan = [p for p in plan if (p[0] if p[0] == "hot" else f"random{p[1]}") in wanted]
        for scenario, sellers, repeats, hot in plan:
            for rep in range(repeats):
                for srv in servers:
                    sorteo = ids["sorteos"][f"{scenario}_{srv.strategy}"]
                    results.append(srv.run(creds, args, sorteo, sellers, args.duration, hot,
                                           scenario=scenario if not hot else f"hot-{hot}", run=rep + 1))
        for srv in servers if "race" in wanted else []:
            race = ids["sorteos"][f"race_{srv.strategy}"]
            data = srv.run(creds, args, race, 32, args.race_duration, "77", scenario="race-77", run=1)
            data.update(race_check(race, ids["banca"], srv.strategy))
            if srv.strategy == "accumulator" and srv.label == srv.strategy:
                data["accumulators_agree"] = all(accumulators_agree(env, ids["sorteos"][f"{k}_accumulator"])
                                                 for k in ("random", "hot", "race"))
            print(summary(data), flush=True)
            results.append(data)
    finally:
        for srv in servers:
            srv.stop()
    return results


def summary(d: dict) -> str:
    ms = lambda us: f"{us / 1000:.1f}"  # noqa: E731
    text = (f"{d['strategy']:<17} {d['scenario']:<7} sellers={d['sellers']:<3} run={d['run']} "
            f"ok={d['ok']} 409={d['conflict']} other={d['other']} tps={d['tps']} "
            f"p50={ms(d['p50_us'])} p95={ms(d['p95_us'])} p99={ms(d['p99_us'])} max={ms(d['max_us'])} ms")
    if "cpu_py_ms_per_ticket" in d:
        text += f" cpu/ticket py={d['cpu_py_ms_per_ticket']} pg={d['cpu_pg_ms_per_ticket']} ms"
    if d.get("calibration_us"):
        text += f" cal={d['calibration_us']}µs"
    if "server_p50_us" in d:
        text += f" server p50={ms(d['server_p50_us'])} p95={ms(d['server_p95_us'])} ms"
    if d.get("accumulators_agree") is not None:
        text += f" accumulators_agree={d['accumulators_agree']}"
    if "exact" in d:
        text += f" sold77={d['sold_on_77']} cap={d['cap']} exact={d['exact']} oversold={d['oversold']}"
    return text


if __name__ == "__main__":
    main()
