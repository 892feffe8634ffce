"""Prize payments: DOMAIN §24 case 18 and example E (partial, full, finalize both ways, reverse)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import ActivityLog
from app.draws.models import SorteoStatus
from app.errors import Conflict, InvalidInput, OutOfScope
from app.extensions import db
from app.sales import services
from app.sales.models import TicketPayment, TicketStatus
from tests.sales.core_helpers import D, evaluate, key, numero, reventado, sale_env  # noqa: F401


@pytest.fixture
def winner(sale_env):
    """Example E: NUMERO 25 ₡1 000 @90x + REVENTADO 25 ₡500 + NUMERO 31 ₡2 000; '25' wins with Roja 200x."""
    env, d = sale_env, sale_env.draw
    t = env.sell([numero("25", 1000, d.m90), reventado("25", 500), numero("31", 2000, d.m90)]).ticket
    loser = env.sell([numero("52", 100, d.m90)]).ticket
    evaluate(env, "25", extra=d.roja)
    from app.sales.models import Ticket
    return env, db.session.get(Ticket, t.id), loser


def _pay(env, ticket, amount, *, user=None, final=False, idem=None, method="cash"):
    user = user or env.org.vendedor
    with db.session.begin_nested():
        return services.pay_ticket(db.session, scope=env.scope(user), actor=user, ticket_id=ticket.id,
                                   amount=D(str(amount)), method=method, reference=None, notes=None,
                                   is_final=final, idempotency_key=idem or key())


def test_example_e_payout_then_partial_then_full(winner):
    env, t, _ = winner
    db.session.refresh(t)
    assert t.is_winner and t.total_payout == D("190000.00") and t.status == TicketStatus.EVALUATED
    p1 = _pay(env, t, 100000)
    db.session.refresh(t)
    assert p1.is_partial and p1.remaining_after == D(90000) and t.status == TicketStatus.EVALUATED
    assert t.total_paid == D(100000) and t.remaining_amount == D(90000)
    p2 = _pay(env, t, "90000.00", method="sinpe")
    db.session.refresh(t)
    assert not p2.is_partial and t.status == TicketStatus.PAID and t.remaining_amount == 0


def test_over_payment_is_422_and_not_evaluated_is_409(winner):
    env, t, _ = winner
    with pytest.raises(InvalidInput) as exc:
        _pay(env, t, 200000)
    assert exc.value.status == 422
    with pytest.raises(InvalidInput):
        _pay(env, t, "10.001")
    with pytest.raises(InvalidInput):
        _pay(env, t, 0)


def test_sorteo_closed_awaiting_results_is_409(sale_env):
    env = sale_env
    t = env.sell([numero("25", 1000, env.draw.m90)]).ticket
    env.sorteo.status = SorteoStatus.CLOSED
    db.session.flush()
    with pytest.raises(Conflict) as exc:
        _pay(env, t, 10)
    assert exc.value.status == 409


def test_loser_cannot_be_paid(winner):
    env, _, loser = winner
    with pytest.raises(Conflict, match="no ganó"):
        _pay(env, loser, 10)


def test_final_payment_accepts_the_remainder(winner):
    env, t, _ = winner
    p = _pay(env, t, 100000, final=True)
    db.session.refresh(t)
    assert p.is_final and t.status == TicketStatus.PAID
    assert t.accepted_remainder == D(90000) and t.remaining_amount == 0
    actions = db.session.scalars(select(ActivityLog.action).where(ActivityLog.target_id == str(t.id))).all()
    assert "TICKET_PAY" in actions and "TICKET_PAY_FINALIZE" in actions
    with pytest.raises(Conflict):
        _pay(env, t, 1)


def test_finalize_action_without_payment_row(winner):
    env, t, _ = winner
    with pytest.raises(Conflict):  # nothing paid yet
        services.finalize_ticket(db.session, scope=env.scope(env.org.listero), actor=env.org.listero,
                                 ticket_id=t.id)
    _pay(env, t, 100000)
    done = services.finalize_ticket(db.session, scope=env.scope(env.org.listero), actor=env.org.listero,
                                    ticket_id=t.id)
    assert done.status == TicketStatus.PAID and done.accepted_remainder == D(90000)
    assert db.session.scalar(select(func.count()).select_from(TicketPayment)
                             .where(TicketPayment.ticket_id == t.id)) == 1


def test_payment_idempotency(winner):
    env, t, _ = winner
    k = key()
    p1 = _pay(env, t, 1000, idem=k)
    p2 = _pay(env, t, 1000, idem=k)
    assert p1.id == p2.id
    db.session.refresh(t)
    assert t.total_paid == D(1000)
    assert db.session.scalar(select(func.count()).select_from(ActivityLog).where(
        ActivityLog.action == "TICKET_PAY", ActivityLog.target_id == str(t.id))) == 1
    with pytest.raises(Conflict):
        _pay(env, t, 2000, idem=k)


def test_who_may_pay(winner):
    env, t, _ = winner
    org = env.org
    with pytest.raises(OutOfScope):
        _pay(env, t, 10, user=org.vendedor2)
    with pytest.raises(OutOfScope):
        _pay(env, t, 10, user=org.other_listero)
    _pay(env, t, 10, user=org.listero)
    _pay(env, t, 10, user=org.admin)
    org.banca.settings = {**(org.banca.settings or {}), "vendedor_can_pay": False}
    db.session.flush()
    with pytest.raises(OutOfScope):
        _pay(env, t, 10, user=org.vendedor)


def test_reverse_latest_payment_admin_only_with_reason(winner):
    env, t, _ = winner
    org = env.org
    _pay(env, t, 100000)
    last = _pay(env, t, 90000)
    with pytest.raises(OutOfScope):
        services.reverse_payment(db.session, scope=env.scope(org.listero), actor=org.listero, ticket_id=t.id,
                                 reason="Error de digitación")
    with pytest.raises(InvalidInput):
        services.reverse_payment(db.session, scope=env.scope(org.admin), actor=org.admin, ticket_id=t.id,
                                 reason="mal")
    undone = services.reverse_payment(db.session, scope=env.scope(org.admin), actor=org.admin, ticket_id=t.id,
                                      reason="Error de digitación")
    db.session.refresh(t)
    assert undone.id == last.id and undone.is_reversed and undone.reverse_reason == "Error de digitación"
    assert t.status == TicketStatus.EVALUATED and t.total_paid == D(100000) and t.remaining_amount == D(90000)
    services.reverse_payment(db.session, scope=env.scope(org.admin), actor=org.admin, ticket_id=t.id,
                             reason="Segundo error")
    db.session.refresh(t)
    assert t.total_paid == 0 and t.last_payment_at is None
    with pytest.raises(Conflict):
        services.reverse_payment(db.session, scope=env.scope(org.admin), actor=org.admin, ticket_id=t.id,
                                 reason="Nada que revertir")


def test_reverse_clears_accepted_remainder(winner):
    env, t, _ = winner
    _pay(env, t, 100000, final=True)
    services.reverse_payment(db.session, scope=env.scope(env.org.admin), actor=env.org.admin, ticket_id=t.id,
                             reason="Pago final por error")
    db.session.refresh(t)
    assert t.status == TicketStatus.EVALUATED and t.accepted_remainder == 0 and t.remaining_amount == D(190000)
