"""No overselling, proven on a real PostgreSQL (DOMAIN §11.1, §24 case 10).

Real threads, each with its own connection, committing real data in an app of its own schema
(conftest.make_test_app) — never the rollback `session` fixture. Skipped on SQLite.
"""
from __future__ import annotations

import random
import secrets
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db import is_retryable
from app.extensions import db
from app.sales import config_cache, services
from app.sales.models import ExposureAccumulator, Ticket, TicketStatus
from app.sales.schemas import LineInput, SaleRejected
from app.scope import scope_for_user
from app.tz import utcnow
from tests.conftest import IS_POSTGRES, make_test_app

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not IS_POSTGRES, reason="needs DATABASE_URL on PostgreSQL")]

THREADS = 32
CAP = Decimal(5000)


@pytest.fixture(scope="module")
def race(tmp_path_factory):
    """A committed banca with 32 vendedores, an OPEN sorteo, and an engine with 40 connections."""
    from app.restrictions.models import RestrictionRule
    from tests.factories.draws import draw_setup
    from tests.factories.org import BancaFactory, VentanaFactory, vendedor

    app, cleanup = make_test_app(tmp_path_factory)
    with app.app_context():
        banca = BancaFactory()
        ventanas = [VentanaFactory(banca=banca) for _ in range(4)]
        sellers = [vendedor(ventanas[i % 4]) for i in range(THREADS)]
        scheduled = (utcnow() + timedelta(hours=2)).replace(second=0, microsecond=0)
        draw = draw_setup(banca, scheduled_at=scheduled)
        extra = draw_setup(banca, scheduled_at=scheduled + timedelta(minutes=1))
        db.session.add(RestrictionRule(banca_id=banca.id, number="77", max_total=CAP))
        db.session.add(RestrictionRule(banca_id=banca.id, number="88", max_total=Decimal(1000)))
        from app.org.config_version import bump_config_version
        bump_config_version(db.session, banca.id)
        db.session.commit()
        ids = {"banca": banca.id, "sorteo": draw.sorteo.id, "m90": draw.m90.id, "extra_sorteo": extra.sorteo.id,
               "extra_m90": extra.m90.id, "sellers": [s.id for s in sellers]}
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=THREADS + 8, max_overflow=0,
                               connect_args=options["connect_args"],
                               json_serializer=options["json_serializer"])
        config_cache.clear()
        yield app, engine, ids
        engine.dispose()
    cleanup()


def _sell(app, engine, seller_id, sorteo_id, lines, *, key=None, attempts=5):
    """One sale in its own transaction (READ COMMITTED), retried on deadlock like run_in_transaction."""
    from app.auth.models import User
    for attempt in range(1, attempts + 1):
        try:
            with app.app_context(), Session(engine) as s, s.begin():
                user = s.get(User, seller_id)
                scope = scope_for_user(user)
                return services.sell_ticket(s, scope=scope, actor=user, vendedor_id=seller_id,
                                            sorteo_id=sorteo_id, lines=lines, cliente_nombre=None,
                                            idempotency_key=key or secrets.token_hex(8)).ticket.total_amount
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            time.sleep(random.uniform(0.005, 0.03) * attempt)


def test_32_sellers_race_for_the_last_allowance(race):
    app, engine, ids = race
    barrier = threading.Barrier(THREADS)
    accepted: list[Decimal] = []
    refused = []
    errors = []
    lock = threading.Lock()

    def seller(i: int):
        rnd = random.Random(i)
        barrier.wait()
        for _ in range(6):
            amount = Decimal(rnd.choice([100, 100, 100, 300]))
            others = rnd.sample([f"{n:02d}" for n in range(100) if n not in (77, 88)], 2)
            numbers = [*others, "77"]
            rnd.shuffle(numbers)  # lock order must not depend on the order typed
            lines = [LineInput("NUMERO", n, amount if n == "77" else Decimal(50), ids["m90"]) for n in numbers]
            try:
                _sell(app, engine, ids["sellers"][i], ids["sorteo"], lines)
                with lock:
                    accepted.append(amount)
            except SaleRejected as exc:
                with lock:
                    refused.append(exc.numbers)
            except Exception as exc:  # pragma: no cover - reported below
                with lock:
                    errors.append(repr(exc))

    threads = [threading.Thread(target=seller, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    assert refused and all(set(r) == {"77"} for r in refused)
    with app.app_context(), Session(engine) as s:
        sid, bid = ids["sorteo"], ids["banca"]
        acc = s.get(ExposureAccumulator, (sid, "77", "banca", bid, "all")).amount
        live = s.scalar(select(func.count()).select_from(Ticket).where(Ticket.sorteo_id == sid,
                                                                       Ticket.status == TicketStatus.ACTIVE))
        assert acc <= CAP
        assert acc == sum(accepted)  # the accepted sum is exact: nothing lost, nothing oversold
        assert live == len(accepted)
        # Every seller kept trying after refusals: the allowance ends within one ticket of the cap.
        assert CAP - acc < Decimal(300)
        assert services.compare_accumulators(s, sid) == {}


def test_two_concurrent_sales_over_max_total_exactly_one_succeeds(race):
    """Sale A holds its accumulator row lock (uncommitted); B blocks on it, then sees A's total."""
    app, engine, ids = race
    from app.auth.models import User
    a_seller, b_seller = ids["sellers"][0], ids["sellers"][1]
    lines = [LineInput("NUMERO", "88", Decimal(600), ids["extra_m90"])]
    outcome = {}
    with app.app_context(), Session(engine) as sa:
        sa.begin()
        user = sa.get(User, a_seller)
        services.sell_ticket(sa, scope=scope_for_user(user), actor=user, vendedor_id=a_seller,
                             sorteo_id=ids["extra_sorteo"], lines=lines, cliente_nombre=None,
                             idempotency_key=secrets.token_hex(8))

        def other():
            try:
                outcome["b"] = _sell(app, engine, b_seller, ids["extra_sorteo"], lines)
            except SaleRejected as exc:
                outcome["b"] = exc

        t = threading.Thread(target=other)
        t.start()
        time.sleep(0.5)
        assert t.is_alive()  # B waits on A's row lock instead of reading a stale total
        sa.commit()
    t.join(30)
    assert isinstance(outcome["b"], SaleRejected) and outcome["b"].numbers == {"88": "Número 88: quedan ₡400"}
    with app.app_context(), Session(engine) as s:
        acc = s.get(ExposureAccumulator, (ids["extra_sorteo"], "88", "banca", ids["banca"], "all")).amount
        assert acc == Decimal(600)


def test_double_submit_race_sells_once(race):
    """Two requests with the same idempotency key at the same time: one ticket, same answer."""
    app, engine, ids = race
    key = "dbl-" + secrets.token_hex(6)
    lines = [LineInput("NUMERO", "05", Decimal(100), ids["extra_m90"]),
             LineInput("NUMERO", "06", Decimal(100), ids["extra_m90"])]
    barrier = threading.Barrier(4)
    results = []

    def submit():
        barrier.wait()
        results.append(_sell(app, engine, ids["sellers"][2], ids["extra_sorteo"], lines, key=key))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [Decimal(200)] * 4
    with app.app_context(), Session(engine) as s:
        count = s.scalar(select(func.count()).select_from(Ticket).where(Ticket.idempotency_key == key))
        assert count == 1
        assert services.compare_accumulators(s, ids["extra_sorteo"]) == {}
