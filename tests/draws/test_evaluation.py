"""Evaluation, payouts (DOMAIN §23 example E), idempotent re-run and revert (§24 cases 16, 17)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import ActivityLog
from app.draws import services
from app.draws.models import MultiplierKind, SorteoStatus
from app.errors import Conflict, InvalidInput
from app.sales.models import Jugada, Ticket, TicketStatus
from app.tz import utcnow
from tests.draws.helpers import N, R, make_ticket, pay, scope_of
from tests.factories.draws import MultiplierFactory, SorteoFactory, draw_setup

S = SorteoStatus


@pytest.fixture
def example_e(session, org):
    """Example E: NUMERO 25 ₡1 000 @90x, REVENTADO 25 ₡500, NUMERO 31 ₡2 000 @90x; sorteo CLOSED after 12:55."""
    d = draw_setup(org.banca, status=S.CLOSED, scheduled_at=(utcnow() - timedelta(hours=1)).replace(microsecond=0))
    ticket = make_ticket(d.sorteo, org.vendedor, [(N, "25", 1000, d.m90), (R, "25", 500), (N, "31", 2000, d.m90)])
    return d, ticket


def jugadas(session, ticket):
    return session.scalars(select(Jugada).where(Jugada.ticket_id == ticket.id).order_by(Jugada.position)).all()


def evaluate(session, d, number, extra=None, **kw):
    return services.evaluate_sorteo(session, sorteo_id=d.sorteo.id, number=number,
                                    extra_multiplier_id=extra.id if extra else None, **kw)


def test_example_e_with_reventado(session, org, example_e):
    d, ticket = example_e
    result = evaluate(session, d, "25", d.roja, actor_id=org.admin.id)
    assert result.changed and result.winners == 1 and result.total_payout == Decimal("190000.00")
    n25, r25, n31 = jugadas(session, ticket)
    assert (n25.is_winner, n25.payout) == (True, Decimal("90000.00"))
    assert (r25.is_winner, r25.payout, r25.final_multiplier_x, r25.multiplier_id) == \
        (True, Decimal("100000.00"), Decimal("200"), d.roja.id)
    assert (n31.is_winner, n31.payout) == (False, None)
    t = session.get(Ticket, ticket.id)
    assert t.status == TicketStatus.EVALUATED and t.is_winner
    assert t.total_payout == t.remaining_amount == Decimal("190000.00") and t.total_paid == 0
    s = d.sorteo
    assert (s.status, s.winning_number, s.extra_multiplier_x, s.extra_outcome_code, s.has_winner) == \
        (S.EVALUATED, "25", Decimal("200"), "Roja 200x", True)
    audit = session.scalars(select(ActivityLog).where(ActivityLog.action == "SORTEO_EVALUATE")).one()
    assert audit.details["number"] == "25" and audit.details["has_winner"] is True
    assert audit.user_id == org.admin.id


def test_example_e_without_reventado_pays_numero_only(session, example_e):
    d, ticket = example_e
    evaluate(session, d, "25")
    n25, r25, _ = jugadas(session, ticket)
    assert n25.payout == Decimal("90000.00")
    assert (r25.is_winner, r25.payout, r25.final_multiplier_x) == (False, None, Decimal("0"))
    assert session.get(Ticket, ticket.id).total_payout == Decimal("90000.00")
    assert d.sorteo.extra_multiplier_x == 0 and d.sorteo.extra_multiplier_id is None


def test_example_e_losing_number(session, example_e):
    d, ticket = example_e
    evaluate(session, d, "52")
    t = session.get(Ticket, ticket.id)
    assert (t.status, t.is_winner, t.total_payout) == (TicketStatus.EVALUATED, False, Decimal("0"))
    assert d.sorteo.has_winner is False


def test_preview_matches_evaluation(session, org, example_e):
    d, _ = example_e
    make_ticket(d.sorteo, org.vendedor2, [(N, "25", 500, d.m85)])
    make_ticket(d.sorteo, org.vendedor2, [(N, "40", 1500, d.m85)])
    _, data, preview = services.prepare_evaluation(session, scope=scope_of(org.admin), sorteo_id=d.sorteo.id,
                                                   number="25", extra_multiplier_id=d.roja.id)
    assert (preview.winning_tickets, preview.winning_jugadas) == (2, 3)
    assert preview.total_payout == Decimal("232500.00")  # 90 000 + 100 000 + 500 × 85
    assert preview.total_sales == Decimal("5500") and preview.live_tickets == 3
    assert preview.payout_percent == Decimal("4227.27")
    assert data.extra_x == Decimal("200")
    result = evaluate(session, d, "25", d.roja)
    assert result.total_payout == preview.total_payout and result.winners == 2 and result.tickets == 3


def test_excluded_and_cancelled_tickets_are_left_alone(session, org, example_e):
    d, _ = example_e
    excluded = make_ticket(d.sorteo, org.other_vendedor, [(N, "25", 1000, d.m90)], status=TicketStatus.EXCLUDED)
    cancelled = make_ticket(d.sorteo, org.vendedor, [(N, "25", 1000, d.m90)], status=TicketStatus.CANCELLED)
    partly = make_ticket(d.sorteo, org.vendedor2, [(N, "25", 1000, d.m85), (N, "07", 100, d.m90)])
    j = jugadas(session, partly)[0]
    j.is_excluded, j.is_active = True, False  # one multiplier's lista excluded
    session.flush()
    evaluate(session, d, "25")
    assert session.get(Ticket, excluded.id).status == TicketStatus.EXCLUDED
    assert session.get(Ticket, cancelled.id).status == TicketStatus.CANCELLED
    assert session.get(Ticket, excluded.id).total_payout == 0
    p = session.get(Ticket, partly.id)
    assert (p.status, p.is_winner) == (TicketStatus.EVALUATED, False)


def test_rerun_with_same_result_is_a_noop(session, example_e):
    d, ticket = example_e
    evaluate(session, d, "25", d.roja)
    again = evaluate(session, d, "25", d.roja)
    assert again.changed is False
    assert session.scalar(select(func.count()).select_from(ActivityLog)
                          .where(ActivityLog.action == "SORTEO_EVALUATE")) == 1
    assert session.get(Ticket, ticket.id).total_payout == Decimal("190000.00")
    with pytest.raises(Conflict, match="ya está evaluado"):
        evaluate(session, d, "31")


@pytest.mark.parametrize("status", [S.OPEN, S.SCHEDULED])
def test_evaluate_refused_unless_closed(session, org, status):
    d = draw_setup(org.banca, status=status, scheduled_at=(utcnow() - timedelta(hours=1)).replace(microsecond=0))
    with pytest.raises(Conflict) as err:
        evaluate(session, d, "25")
    assert err.value.status == 409
    assert d.sorteo.status == status


def test_evaluate_refused_before_draw_time(session, org):
    d = draw_setup(org.banca, status=S.CLOSED)  # draw 2 h ahead, closed early
    with pytest.raises(Conflict, match="Aún no es la hora"):
        evaluate(session, d, "25")


@pytest.mark.parametrize("number", ["7", "007", "2a", "", " 25x"])
def test_wrong_digit_count_is_422(session, example_e, number):
    d, _ = example_e
    with pytest.raises(InvalidInput) as err:
        evaluate(session, d, number)
    assert err.value.status == 422 and err.value.field == "winning_number"


def test_three_digit_sorteo(session, org):
    d = draw_setup(org.banca, status=S.CLOSED, digits=3, scheduled_at=utcnow() - timedelta(minutes=1))
    t = make_ticket(d.sorteo, org.vendedor, [(N, "007", 100, d.m90)])
    with pytest.raises(InvalidInput):
        evaluate(session, d, "07")
    evaluate(session, d, "007")
    assert session.get(Ticket, t.id).total_payout == Decimal("9000.00")


def test_reventado_multiplier_checks(session, org, example_e):
    d, _ = example_e
    other = draw_setup(org.banca)
    inactive = MultiplierFactory(loteria=d.loteria, name="Vieja 100x", value_x=100, kind=MultiplierKind.REVENTADO,
                                 is_active=False)
    other_sorteo = SorteoFactory(loteria=d.loteria, scheduled_at=d.sorteo.scheduled_at + timedelta(days=1))
    specific = MultiplierFactory(loteria=d.loteria, name="Especial", value_x=300, kind=MultiplierKind.REVENTADO,
                                 applies_to_sorteo_id=other_sorteo.id)
    for bad in (d.m90, inactive, other.roja, specific):
        with pytest.raises(InvalidInput) as err:
            evaluate(session, d, "25", bad)
        assert err.value.field == "extra_multiplier_id"


# ---------------------------------------------------------------- revert

def test_revert_restores_active_tickets_and_closed_sorteo(session, org, example_e):
    d, ticket = example_e
    evaluate(session, d, "25", d.roja)
    services.revert_evaluation(session, scope=scope_of(org.admin), sorteo_id=d.sorteo.id, reason="Número mal digitado")
    s = d.sorteo
    assert (s.status, s.winning_number, s.extra_multiplier_id, s.extra_multiplier_x, s.has_winner) == \
        (S.CLOSED, None, None, Decimal("0"), False)
    t = session.get(Ticket, ticket.id)
    assert (t.status, t.is_winner, t.total_payout, t.remaining_amount) == (TicketStatus.ACTIVE, False, 0, 0)
    for j in jugadas(session, ticket):
        assert j.is_winner is False and j.payout is None
    assert jugadas(session, ticket)[1].final_multiplier_x == 0 and jugadas(session, ticket)[1].multiplier_id is None
    assert jugadas(session, ticket)[0].final_multiplier_x == Decimal("90")  # NUMERO keeps its frozen value
    row = session.scalars(select(ActivityLog).where(ActivityLog.action == "SORTEO_REVERT")).one()
    assert row.details["previous"]["number"] == "25" and row.details["reason"] == "Número mal digitado"
    # Then evaluate again with the right number.
    evaluate(session, d, "31")
    assert session.get(Ticket, ticket.id).total_payout == Decimal("180000.00")


def test_revert_needs_reason_and_evaluated_state(session, org, example_e):
    d, _ = example_e
    with pytest.raises(Conflict, match="evaluado"):
        services.revert_evaluation(session, scope=scope_of(org.admin), sorteo_id=d.sorteo.id, reason="motivo")
    evaluate(session, d, "25")
    with pytest.raises(InvalidInput):
        services.revert_evaluation(session, scope=scope_of(org.admin), sorteo_id=d.sorteo.id, reason="no")


def test_revert_refused_while_live_payments_exist(session, org, example_e):
    d, ticket = example_e
    evaluate(session, d, "25")
    payment = pay(ticket, 50000, org.admin)
    with pytest.raises(Conflict, match="1 pago"):
        services.revert_evaluation(session, scope=scope_of(org.admin), sorteo_id=d.sorteo.id, reason="corrección")
    payment.is_reversed = True
    session.flush()
    services.revert_evaluation(session, scope=scope_of(org.admin), sorteo_id=d.sorteo.id, reason="corrección")
    assert d.sorteo.status == S.CLOSED
    assert session.get(type(payment), payment.id) is not None  # payments are never deleted
