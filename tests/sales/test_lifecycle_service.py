"""Cancel, restore, print / reprint and the accumulator rebuild (DOMAIN §24 cases 12–13, §12, §11.1)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import ActivityLog
from app.draws.models import SorteoStatus
from app.errors import Conflict, InvalidInput, OutOfScope
from app.extensions import db
from app.sales import services
from app.sales.models import ExposureAccumulator, TicketStatus
from app.sales.schemas import SaleRejected
from tests.sales.core_helpers import D, add_rule, numero, reventado, sale_env  # noqa: F401


def _acc(env, number, scope="banca", scope_id=None, filt="all"):
    row = db.session.get(ExposureAccumulator, (env.sorteo.id, number, scope, scope_id or env.org.banca.id, filt))
    return row.amount if row is not None else D(0)


def _cancel(env, ticket, *, user=None, reason="Cliente se arrepintió", now=None):
    user = user or env.org.vendedor
    with db.session.begin_nested():
        return services.cancel_ticket(db.session, scope=env.scope(user), actor=user, ticket_id=ticket.id,
                                      reason=reason, now=now or env.now)


def _restore(env, ticket, *, user=None, now=None):
    user = user or env.org.vendedor
    with db.session.begin_nested():
        return services.restore_ticket(db.session, scope=env.scope(user), actor=user, ticket_id=ticket.id,
                                       now=now or env.now)


def _audits(action, ticket):
    return db.session.scalar(select(func.count()).select_from(ActivityLog).where(
        ActivityLog.action == action, ActivityLog.target_id == str(ticket.id)))


# ------------------------------------------------------------------ case 12

def test_cancel_frees_the_amount_and_audits(sale_env):
    env, d = sale_env, sale_env.draw
    add_rule(env.org.banca, number="20", max_total=D(1500))
    t = env.sell([numero("20", 1000, d.m90), reventado("20", 500)]).ticket
    assert _acc(env, "20") == D(1500)
    with pytest.raises(SaleRejected):
        env.sell([numero("20", 100, d.m90)])
    done = _cancel(env, t)
    assert done.status == TicketStatus.CANCELLED and done.cancel_reason == "Cliente se arrepintió"
    assert done.cancelled_by == env.org.vendedor.id and all(not j.is_active for j in done.jugadas)
    assert _acc(env, "20") == 0 and _acc(env, "", filt="TICKET") == 0
    assert _audits("TICKET_CANCEL", t) == 1
    env.sell([numero("20", 1000, d.m90)])
    assert services.compare_accumulators(db.session, env.sorteo.id) == {}


def test_cancel_needs_a_reason(sale_env):
    t = sale_env.sell([numero("20", 100, sale_env.draw.m90)]).ticket
    for reason in ("", "  no ", "x" * 201):
        with pytest.raises(InvalidInput):
            _cancel(sale_env, t, reason=reason)


def test_cancel_after_cutoff_or_closed_sorteo_is_409(sale_env):
    env = sale_env
    t = env.sell([numero("20", 100, env.draw.m90)]).ticket
    with pytest.raises(Conflict, match="plazo cerró"):
        _cancel(env, t, now=env.sorteo.scheduled_at - timedelta(minutes=5, seconds=1) + timedelta(seconds=2))
    env.sorteo.status = SorteoStatus.CLOSED
    db.session.flush()
    with pytest.raises(Conflict):
        _cancel(env, t)


def test_cancel_ownership(sale_env):
    env, org = sale_env, sale_env.org
    t = env.sell([numero("20", 100, env.draw.m90)]).ticket
    with pytest.raises(OutOfScope):
        _cancel(env, t, user=org.vendedor2)
    with pytest.raises(OutOfScope):
        _cancel(env, t, user=org.other_listero)
    assert _cancel(env, t, user=org.listero).status == TicketStatus.CANCELLED
    t2 = env.sell([numero("21", 100, env.draw.m90)]).ticket
    assert _cancel(env, t2, user=org.admin).status == TicketStatus.CANCELLED


def test_cancel_twice_is_409(sale_env):
    t = sale_env.sell([numero("20", 100, sale_env.draw.m90)]).ticket
    _cancel(sale_env, t)
    with pytest.raises(Conflict):
        _cancel(sale_env, t)
    assert _acc(sale_env, "20") == 0


# ------------------------------------------------------------------ case 13

def test_restore_rechecks_limits_atomically(sale_env):
    env, d = sale_env, sale_env.draw
    add_rule(env.org.banca, number="20", max_total=D(1000))
    t = env.sell([numero("20", 800, d.m90)]).ticket
    _cancel(env, t)
    t2 = env.sell([numero("20", 300, d.m90)]).ticket
    with pytest.raises(SaleRejected, match="Número 20: quedan ₡700"):
        _restore(env, t)
    assert _acc(env, "20") == D(300)
    _cancel(env, t2)
    restored = _restore(env, t)
    assert restored.status == TicketStatus.ACTIVE and restored.cancelled_at is None
    assert all(j.is_active for j in restored.jugadas)
    assert _acc(env, "20") == D(800) and _audits("TICKET_RESTORE", t) == 1
    assert services.compare_accumulators(db.session, env.sorteo.id) == {}


def test_restore_after_cutoff_is_409_and_only_cancelled(sale_env):
    env = sale_env
    t = env.sell([numero("20", 100, env.draw.m90)]).ticket
    with pytest.raises(Conflict):
        _restore(env, t)
    _cancel(env, t)
    with pytest.raises(Conflict, match="plazo cerró"):
        _restore(env, t, now=env.sorteo.scheduled_at - timedelta(minutes=1))
    with pytest.raises(OutOfScope):
        _restore(env, t, user=env.org.vendedor2)


# ------------------------------------------------------------------ print / reprint

def _print(env, ticket, user=None):
    user = user or env.org.vendedor
    return services.record_print(db.session, scope=env.scope(user), actor=user, ticket_id=ticket.id)


def test_first_print_then_reprints_counted_and_audited(sale_env):
    env = sale_env
    t = env.sell([numero("20", 100, env.draw.m90)]).ticket
    assert _print(env, t).print_count == 0 and _audits("TICKET_PRINT", t) == 1
    assert _print(env, t).print_count == 1
    assert _print(env, t, env.org.listero).print_count == 2
    assert _audits("TICKET_REPRINT", t) == 2 and _audits("TICKET_PRINT", t) == 1
    log = db.session.scalar(select(ActivityLog).where(ActivityLog.action == "TICKET_REPRINT",
                                                      ActivityLog.target_id == str(t.id))
                            .order_by(ActivityLog.created_at.desc()).limit(1))
    assert "REIMPRESIÓN" in log.details["description"]
    with pytest.raises(OutOfScope):
        _print(env, t, env.org.other_vendedor)


def test_reprint_refused_when_banca_disables_it(sale_env):
    env = sale_env
    env.org.banca.settings = {**(env.org.banca.settings or {}), "reprint_enabled": False}
    db.session.flush()
    t = env.sell([numero("20", 100, env.draw.m90)]).ticket
    _print(env, t)
    with pytest.raises(Conflict):
        _print(env, t)


# ------------------------------------------------------------------ accumulators agree with jugadas

def test_accumulators_match_a_rebuild_from_live_jugadas(sale_env):
    env, d, org = sale_env, sale_env.draw, sale_env.org
    sold = [env.sell([numero("05", 100 * i, d.m90), numero("06", 50, d.m85), reventado("05", 10 * i)],
                     user=u, vendedor=u).ticket
            for i, u in enumerate([org.vendedor, org.vendedor2, org.other_vendedor] * 3, start=1)]
    _cancel(env, sold[0])
    _cancel(env, sold[4], user=org.listero)
    _restore(env, sold[0])
    _cancel(env, sold[2], user=org.other_vendedor)
    assert services.compare_accumulators(db.session, env.sorteo.id) == {}
    expected = services.rebuild_accumulators(db.session, env.sorteo.id)
    key = (str(env.sorteo.id), "05", "ventana", str(org.ventana.id), "all")
    live_v = [t for i, t in enumerate(sold) if t.ventana_id == org.ventana.id and i != 4]
    assert expected[key] == sum(D(100 * (sold.index(t) + 1)) + D(10 * (sold.index(t) + 1)) for t in live_v)
    # A corrupted row is caught.
    row = db.session.get(ExposureAccumulator, (env.sorteo.id, "06", "banca", org.banca.id, str(d.m85.id)))
    row.amount += 1
    db.session.flush()
    diff = services.compare_accumulators(db.session, env.sorteo.id)
    assert list(diff) == [(str(env.sorteo.id), "06", "banca", str(org.banca.id), str(d.m85.id))]


def test_control_characters_in_reason_are_422(sale_env):
    t = sale_env.sell([numero("20", 100, sale_env.draw.m90)]).ticket
    with pytest.raises(InvalidInput):
        _cancel(sale_env, t, reason="\x00\x00\x00\x00")
