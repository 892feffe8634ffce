"""WSGI entry point for bench/sales_bench.py: the real app (create_app) plus two optional bench knobs.

- BENCH_STRATEGY=sorteo_lock swaps the sale's limit check for the per-sorteo advisory-lock
  variant of DOMAIN §11.1 (bench/sales_sorteo_lock.py) — benchmark only, never in production.
- BENCH_VARIANT (variants joined by "+"): two_step runs the accumulator sale in two statements (upsert, check, insert), as
  before the one-statement path, for side-by-side runs; si<ms> sets the GIL switch interval
  (sys.setswitchinterval) to <ms> milliseconds in each worker; nofk runs the workers' connections
  with session_replication_role=replica (no foreign-key triggers), to price the RI checks.
- BENCH_TIMING_DIR=<dir> wraps the app in a middleware that appends each POST's server time
  (WSGI call, microseconds) to <dir>/<pid>.txt, for the single-seller "server time" figure.
- BENCH_ENDPOINT=internal adds POST /bench/vender (a minimal route doing what /venta/vender does:
  login, CSRF, one unit_of_work(immediate=True) around sell_ticket) for use while the real sales
  route is unavailable.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402

app = create_app()

if os.environ.get("BENCH_STRATEGY") == "sorteo_lock":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from sales_sorteo_lock import install  # noqa: E402
    install()

_variants = set(filter(None, os.environ.get("BENCH_VARIANT", "").split("+")))
for _v in _variants:
    if _v.startswith("si"):  # "si1": the interpreter's GIL switch interval set to 1 ms (default 5 ms)
        sys.setswitchinterval(float(_v[2:]) / 1000)

if "nofk" in _variants:
    # Measurement only: the workers' connections skip foreign-key (and all other) triggers
    # (session_replication_role=replica, superuser), to price the RI checks of a sale.
    from sqlalchemy import event

    from app.extensions import db
    with app.app_context():
        @event.listens_for(db.engine, "connect")
        def _no_triggers(dbapi_conn, _record):
            with dbapi_conn.cursor() as cur:
                cur.execute("SET session_replication_role = replica")
            dbapi_conn.commit()

if "two_step" in _variants:
    # The sale as before the one-statement path: accumulator upsert, check, then the insert.
    from app.sales import sale_path
    sale_path.STRATEGY.one_statement = False

if os.environ.get("BENCH_ENDPOINT") == "internal":
    from flask import Blueprint, request
    from flask_login import current_user

    from app.auth.decorators import any_role
    from app.db import unit_of_work
    from app.errors import DomainError
    from app.sales import services
    from app.sales.schemas import LineInput
    from app.scope import current_scope

    bp = Blueprint("bench_sales", __name__)

    @bp.post("/bench/vender")
    @any_role
    def bench_sell():
        scope = current_scope()
        lines = []
        for token in request.form.getlist("j"):
            kind, number, amount, mid = token.split("|")
            lines.append(LineInput("NUMERO" if kind == "N" else "REVENTADO", number, amount, mid or None))
        try:
            with unit_of_work(immediate=True) as session:
                result = services.sell_ticket(session, scope=scope, actor=current_user, vendedor_id=scope.user_id,
                                              sorteo_id=request.form["sorteo_id"], lines=lines,
                                              cliente_nombre=None, idempotency_key=request.form["idempotency_key"])
                number = result.ticket.ticket_number
        except DomainError as exc:
            return exc.message, exc.status
        return f'<div id="ultimo">{number}</div>'

    app.register_blueprint(bp)

timing_dir = os.environ.get("BENCH_TIMING_DIR")
if timing_dir:
    _inner = app.wsgi_app

    def _timed(environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return _inner(environ, start_response)
        t0 = time.perf_counter()
        body = list(_inner(environ, start_response))
        with open(os.path.join(timing_dir, f"{os.getpid()}.txt"), "a") as fh:
            fh.write(f"{int((time.perf_counter() - t0) * 1e6)}\n")
        return body

    app.wsgi_app = _timed
