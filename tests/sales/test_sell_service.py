"""sell_ticket against the database: DOMAIN §24 cases 1–11 (sales, cutoff, limits, idempotency)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import ActivityLog
from app.draws.models import SorteoStatus
from app.errors import Conflict, NotFound, OutOfScope
from app.extensions import db
from app.sales.models import ExposureAccumulator, Jugada, Ticket, TicketCounter
from app.sales.schemas import SaleRejected
from app.tz import cr_date_of
from tests.sales.core_helpers import D, add_rule, key, numero, reventado, sale_env  # noqa: F401

POLICY_X = {"version": 1, "default_percent": 5, "rules": [
    {"id": "x1", "loteria_id": None, "bet_type": "NUMERO", "multiplier_value": 90, "percent": 10},
    {"id": "x2", "loteria_id": None, "bet_type": "REVENTADO", "multiplier_value": None, "percent": 8}]}
POLICY_V = {"version": 1, "default_percent": 12, "rules": [
    {"id": "v1", "loteria_id": None, "bet_type": "REVENTADO", "multiplier_value": None, "percent": 15}]}


def _count(model, **where):
    stmt = select(func.count()).select_from(model)
    for k, v in where.items():
        stmt = stmt.where(getattr(model, k) == v)
    return db.session.scalar(stmt)


# ------------------------------------------------------------------ case 1 + example D / G

def test_sale_creates_ticket_jugadas_snapshots_number_and_audit(sale_env):
    env, d = sale_env, sale_env.draw
    env.org.vendedor.commission_policy = POLICY_X
    env.org.ventana.commission_policy = POLICY_V
    from app.org.config_version import bump_config_version
    bump_config_version(db.session, env.org.banca.id)
    result = env.sell([numero("25", 1000, d.m90), reventado("25", 500), numero("31", 2000, d.m90)],
                      cliente="  Doña   Rosa ")
    t = result.ticket
    assert not result.replayed
    bd = cr_date_of(env.sorteo.scheduled_at)
    assert t.business_date == bd
    assert t.ticket_number.startswith(f"T{bd:%y%m%d}-") and len(t.ticket_number) == 13
    assert t.total_amount == D(3500) and t.cliente_nombre == "Doña Rosa"
    # Example D: vendedor 100 + 40 + 200, listero 120 + 75 + 240.
    assert t.total_commission == D("340.00") and t.total_listero_commission == D("435.00")
    db.session.expire_all()
    stored = db.session.get(Ticket, t.id)
    assert stored.ventana_id == env.org.ventana.id and stored.banca_id == env.org.banca.id
    assert stored.created_by == env.org.vendedor.id and stored.created_by_role == "VENDEDOR"
    js = sorted(stored.jugadas, key=lambda j: j.position)
    assert [(j.type.value, j.number, j.amount) for j in js] == [
        ("NUMERO", "25", D(1000)), ("REVENTADO", "25", D(500)), ("NUMERO", "31", D(2000))]
    assert js[0].final_multiplier_x == D(90) and js[0].multiplier_id == d.m90.id
    assert js[1].final_multiplier_x == 0 and js[1].multiplier_id is None
    assert [j.commission_amount for j in js] == [D("100.00"), D("40.00"), D("200.00")]
    assert [j.commission_rule_id for j in js] == ["x1", "x2", "x1"]
    assert [j.listero_commission_amount for j in js] == [D("120.00"), D("75.00"), D("240.00")]
    log = db.session.scalar(select(ActivityLog).where(ActivityLog.target_id == str(t.id),
                                                      ActivityLog.action == "TICKET_CREATE"))
    assert t.ticket_number in log.details["description"] and "25" in log.details["description"]
    # The line summary reads as Spanish (§21), never "@90x" codes.
    assert log.details["description"].endswith(
        "total ₡3 500 — 25 ₡1 000 (paga 90); reventado 25 ₡500; 31 ₡2 000 (paga 90)")
    assert log.details["ticket_number"] == t.ticket_number and log.layer == "sales"


def test_ticket_numbers_increase_per_business_date(sale_env):
    env, d = sale_env, sale_env.draw
    first = env.sell([numero("01", 100, d.m90)]).ticket.ticket_number
    second = env.sell([numero("02", 100, d.m90)]).ticket.ticket_number
    assert int(second.split("-")[1]) == int(first.split("-")[1]) + 1
    bd = cr_date_of(env.sorteo.scheduled_at)
    assert db.session.get(TicketCounter, bd).last_seq == int(second.split("-")[1])


def test_number_of_sorteo_at_1930_belongs_to_its_cr_day(sale_env):
    """Example G: NICA 19:30 is 01:30 UTC of the next day, business date still the CR day."""
    from datetime import datetime, timezone
    env, d = sale_env, sale_env.draw
    at = datetime(2030, 3, 15, 1, 30, tzinfo=timezone.utc)  # 19:30 CR on 2030-03-14
    sorteo = env.another_sorteo(scheduled_at=at)
    t = env.sell([numero("07", 100, d.m90)], sorteo=sorteo, now=at - timedelta(minutes=20)).ticket
    assert str(t.business_date) == "2030-03-14" and t.ticket_number.startswith("T300314-")


def test_listero_sells_for_his_vendedor_with_impersonation_role(sale_env):
    env, d = sale_env, sale_env.draw
    t = env.sell([numero("10", 100, d.m90)], user=env.org.listero, vendedor=env.org.vendedor2).ticket
    assert t.vendedor_id == env.org.vendedor2.id and t.created_by == env.org.listero.id
    assert t.created_by_role == "VENTANA"


def test_listero_cannot_sell_for_other_ventana_and_vendedor_sells_only_as_himself(sale_env):
    env, d = sale_env, sale_env.draw
    with pytest.raises(OutOfScope):
        env.sell([numero("10", 100, d.m90)], user=env.org.listero, vendedor=env.org.other_vendedor)
    t = env.sell([numero("10", 100, d.m90)], user=env.org.vendedor, vendedor=env.org.other_vendedor).ticket
    assert t.vendedor_id == env.org.vendedor.id  # DOMAIN §9.1: ignored for VENDEDOR


def test_inactive_vendedor_refused(sale_env):
    env, d = sale_env, sale_env.draw
    env.org.vendedor2.is_active = False
    db.session.flush()
    with pytest.raises(Conflict):
        env.sell([numero("10", 100, d.m90)], user=env.org.admin, vendedor=env.org.vendedor2)


# ------------------------------------------------------------------ case 2: shape

@pytest.mark.parametrize("lines_fn", [
    lambda d: [reventado("15", 100)],
    lambda d: [numero("15", 100, d.m90), reventado("15", 150)],
    lambda d: [numero("16", 100, d.m90), reventado("15", 50)],
])
def test_reventado_without_or_above_its_numero_is_422(sale_env, lines_fn):
    with pytest.raises(SaleRejected) as exc:
        sale_env.sell(lines_fn(sale_env.draw))
    assert exc.value.status == 422 and "15" in exc.value.numbers
    assert _count(Ticket, sorteo_id=sale_env.sorteo.id) == 0


def test_reventado_when_loteria_disables_it_is_422(sale_env):
    from tests.factories.draws import draw_setup
    env = sale_env
    plain = draw_setup(env.org.banca, reventado=False, scheduled_at=env.sorteo.scheduled_at)
    with pytest.raises(SaleRejected) as exc:
        env.sell([numero("15", 100, plain.m90), reventado("15", 100)], sorteo=plain.sorteo)
    assert exc.value.status == 422 and "reventado" in exc.value.message


@pytest.mark.parametrize("number,amount", [("123", 100), ("1a", 100), ("15", "10.5"), ("15", 0), ("15", -5)])
def test_malformed_numbers_and_amounts_are_422_and_write_nothing(sale_env, number, amount):
    from app.sales.schemas import LineInput
    line = LineInput("NUMERO", number, Decimal(str(amount)), sale_env.draw.m90.id)
    with pytest.raises(SaleRejected) as exc:
        sale_env.sell([line])
    assert exc.value.status == 422 and exc.value.line_errors
    assert _count(ExposureAccumulator, sorteo_id=sale_env.sorteo.id) == 0


def test_single_digit_is_zero_padded(sale_env):
    t = sale_env.sell([numero("7", 100, sale_env.draw.m90)]).ticket
    assert t.jugadas[0].number == "07"


def test_empty_ticket_and_bad_key_are_422(sale_env):
    from app.errors import InvalidInput
    with pytest.raises(SaleRejected) as exc:
        sale_env.sell([])
    assert exc.value.status == 422
    with pytest.raises(InvalidInput):
        sale_env.sell([numero("01", 100, sale_env.draw.m90)], idem="short")


# ------------------------------------------------------------------ case 3 + 4: state and cutoff

@pytest.mark.parametrize("status", [SorteoStatus.SCHEDULED, SorteoStatus.CLOSED, SorteoStatus.EVALUATED])
def test_sorteo_not_open_is_409(sale_env, status):
    sale_env.sorteo.status = status
    db.session.flush()
    with pytest.raises(Conflict) as exc:
        sale_env.sell([numero("01", 100, sale_env.draw.m90)])
    assert exc.value.status == 409


def test_inactive_sorteo_is_409(sale_env):
    sale_env.sorteo.is_active = False
    db.session.flush()
    with pytest.raises(Conflict):
        sale_env.sell([numero("01", 100, sale_env.draw.m90)])


def test_other_banca_sorteo_is_404(sale_env):
    from tests.factories.draws import draw_setup
    from tests.factories.org import BancaFactory
    foreign = draw_setup(BancaFactory())
    with pytest.raises(NotFound):
        sale_env.sell([numero("01", 100, foreign.m90)], sorteo=foreign.sorteo)


def test_cutoff_boundary_default_five_minutes_even_if_close_job_is_late(sale_env):
    env, d = sale_env, sale_env.draw
    closing = env.sorteo.scheduled_at - timedelta(minutes=5)
    env.sell([numero("01", 100, d.m90)], now=closing)  # inside the 1 s grace
    env.sell([numero("01", 100, d.m90)], now=closing + timedelta(milliseconds=999))
    with pytest.raises(SaleRejected) as exc:
        env.sell([numero("01", 100, d.m90)], now=closing + timedelta(seconds=1))
    assert exc.value.status == 409 and "corte de 5 min" in exc.value.message


def test_cutoff_chain_vendedor_ventana_banca_then_loteria(sale_env):
    env, d = sale_env, sale_env.draw
    at = env.sorteo.scheduled_at
    d.loteria.rules = {**d.loteria.rules, "closing_time_before_draw": 12}
    from app.org.config_version import bump_config_version
    bump_config_version(db.session, env.org.banca.id)
    with pytest.raises(SaleRejected, match="corte de 12 min"):
        env.sell([numero("01", 100, d.m90)], now=at - timedelta(minutes=11))
    add_rule(env.org.banca, sales_cutoff_minutes=8)
    env.sell([numero("01", 100, d.m90)], now=at - timedelta(minutes=9))
    with pytest.raises(SaleRejected, match="corte de 8 min"):
        env.sell([numero("01", 100, d.m90)], now=at - timedelta(minutes=7, seconds=59))
    add_rule(env.org.banca, ventana_id=env.org.ventana.id, sales_cutoff_minutes=3)
    env.sell([numero("01", 100, d.m90)], now=at - timedelta(minutes=4))
    # A vendedor of another ventana still gets the banca's 8 minutes.
    with pytest.raises(SaleRejected, match="corte de 8 min"):
        env.sell([numero("01", 100, d.m90)], user=env.org.other_vendedor, vendedor=env.org.other_vendedor,
                 now=at - timedelta(minutes=4))
    add_rule(env.org.banca, user_id=env.org.vendedor.id, sales_cutoff_minutes=1)
    env.sell([numero("01", 100, d.m90)], now=at - timedelta(minutes=2))


def test_number_rule_cutoff_stops_that_number_earlier(sale_env):
    env, d = sale_env, sale_env.draw
    at = env.sorteo.scheduled_at
    add_rule(env.org.banca, number="13", max_total=D(100000), sales_cutoff_minutes=15)
    with pytest.raises(SaleRejected) as exc:
        env.sell([numero("13", 100, d.m90), numero("14", 100, d.m90)], now=at - timedelta(minutes=10))
    assert set(exc.value.numbers) == {"13"} and "corte de 15 min" in exc.value.numbers["13"]
    env.sell([numero("14", 100, d.m90)], now=at - timedelta(minutes=10))


# ------------------------------------------------------------------ case 5–9: limits

def test_max_amount_is_per_ticket_and_max_total_accumulates_with_equality(sale_env):
    env, d = sale_env, sale_env.draw
    add_rule(env.org.banca, number="20", max_amount=D(500), max_total=D(1000))
    env.sell([numero("20", 500, d.m90)])
    env.sell([numero("20", 500, d.m90)])  # accumulated 1 000 = limit: allowed
    with pytest.raises(SaleRejected) as exc:
        env.sell([numero("20", 1, d.m90)])
    assert exc.value.numbers["20"] == "Número 20: sin cupo en este sorteo"
    add_rule(env.org.banca, number="21", max_amount=D(500))
    env.sell([numero("21", 500, d.m90)])
    env.sell([numero("21", 500, d.m90)])  # per ticket only: not accumulated
    with pytest.raises(SaleRejected, match="máximo ₡500 por tiquete"):
        env.sell([numero("21", 300, d.m90), numero("21", 201, d.m85)])


def test_numero_and_reventado_add_up_unless_rule_names_a_multiplier(sale_env):
    env, d = sale_env, sale_env.draw
    add_rule(env.org.banca, number="30", max_total=D(1000))
    with pytest.raises(SaleRejected):
        env.sell([numero("30", 600, d.m90), reventado("30", 500)])
    env.sell([numero("30", 600, d.m90), reventado("30", 400)])
    # A multiplier rule with amounts counts only its own multiplier's jugadas.
    add_rule(env.org.banca, number="31", loteria_id=d.loteria.id, multiplier_id=d.m85.id, max_total=D(500))
    env.sell([numero("31", 500, d.m85), numero("31", 2000, d.m90), reventado("31", 1000)])
    with pytest.raises(SaleRejected, match="Número 31 con 85x: sin cupo"):
        env.sell([numero("31", 1, d.m85)])


def test_example_b_first_match_and_every_violation_reported(sale_env):
    env, d = sale_env, sale_env.draw
    org = env.org
    from app.tz import to_cr
    day = f"{to_cr(env.now).day:02d}"  # the auto-date number: CR day of the validation instant
    add_rule(org.banca, max_amount=D(5000))                                          # R1
    add_rule(org.banca, ventana_id=org.ventana.id, number="15", max_total=D(10000))  # R2
    add_rule(org.banca, is_auto_date=True, max_total=D(3000))                        # R3
    add_rule(org.banca, loteria_id=d.loteria.id, multiplier_id=d.m85.id)             # R4 (block)
    # Already sold: ventana V on 15 = 8 000 (by vendedor2), banca on today's number = 2 500.
    env.sell([numero("15", 7000, d.m90), reventado("15", 1000)], vendedor=org.vendedor2, user=org.vendedor2)
    env.sell([numero(day, 2500, d.m90)], vendedor=org.other_vendedor, user=org.other_vendedor)
    with pytest.raises(SaleRejected) as exc:
        env.sell([numero("15", 2000, d.m90), reventado("15", 1500), numero(day, 1000, d.m90)])
    assert exc.value.numbers == {"15": "Número 15: quedan ₡2 000", day: f"Número {day}: quedan ₡500"}
    assert exc.value.status == 409
    env.sell([numero("15", 2000, d.m90), numero(day, 500, d.m90)])  # ticket 2: exactly at both limits
    for who in (org.vendedor, org.listero, org.admin):
        with pytest.raises(SaleRejected, match="Multiplicador 85x no permitido"):
            env.sell([numero("44", 1000, d.m85)], user=who, vendedor=org.vendedor)
    fresh = env.another_sorteo(scheduled_at=env.sorteo.scheduled_at + timedelta(minutes=30))
    env.sell([numero("15", 6000, d.m90)], sorteo=fresh)  # shadowing: R2 (no max_amount) is 15's rule
    with pytest.raises(SaleRejected, match="Número 44: máximo ₡5 000 por tiquete"):
        env.sell([numero("44", 6000, d.m90)])


def test_applies_to_vendedor_gives_each_seller_his_own_cap(sale_env):
    env, d = sale_env, sale_env.draw
    add_rule(env.org.banca, ventana_id=env.org.ventana.id, number="50", max_total=D(1000),
             applies_to_vendedor=True)
    env.sell([numero("50", 1000, d.m90)])
    env.sell([numero("50", 1000, d.m90)], user=env.org.vendedor2, vendedor=env.org.vendedor2)
    with pytest.raises(SaleRejected):
        env.sell([numero("50", 1, d.m90)])


def test_max_ticket_total_and_max_total_zero_blocks(sale_env):
    env, d = sale_env, sale_env.draw
    add_rule(env.org.banca, max_ticket_total=D(2000))
    with pytest.raises(SaleRejected, match="Tiquete: máximo ₡2 000 por tiquete"):
        env.sell([numero("01", 1500, d.m90), numero("02", 501, d.m90)])
    add_rule(env.org.banca, number="13", max_total=D(0))
    with pytest.raises(SaleRejected, match="Número 13 bloqueado en este sorteo"):
        env.sell([numero("13", 100, d.m90)])


def test_dynamic_limit_uses_scope_sales(sale_env):
    """Example C: base 2 500, 3 % of the vendedor's sales in the sorteo."""
    env, d = sale_env, sale_env.draw
    add_rule(env.org.banca, ventana_id=env.org.ventana.id, applies_to_vendedor=True,
             base_amount=D(2500), sales_percentage=D(3))
    # ₡120 000 of sales by the vendedor: 2 500 (= D while S is 0) on each of 48 numbers.
    env.sell([numero(f"{n + 50:02d}", 2500, d.m90) for n in range(48)])
    env.sell([numero("22", 1300, d.m90)])  # S = 121 300 → D = 3 639
    with pytest.raises(SaleRejected, match="Número 22: quedan ₡2 339"):
        env.sell([numero("22", 2340, d.m90)])
    env.sell([numero("22", 2339, d.m90)])


def test_multiplier_validation_422(sale_env):
    from tests.factories.draws import draw_setup
    env, d = sale_env, sale_env.draw
    other = draw_setup(env.org.banca)
    with pytest.raises(SaleRejected) as exc:
        env.sell([numero("01", 100, other.m90)])
    assert exc.value.status == 422
    d.m85.is_active = False
    from app.org.config_version import bump_config_version
    bump_config_version(db.session, env.org.banca.id)
    with pytest.raises(SaleRejected) as exc:
        env.sell([numero("01", 100, d.m85)])
    assert exc.value.status == 422 and "85x" in exc.value.message


def test_loteria_rules_bet_limits_and_sales_hours(sale_env):
    env, d = sale_env, sale_env.draw
    from app.org.config_version import bump_config_version
    from app.tz import to_cr, weekday_sunday0
    d.loteria.rules = {**d.loteria.rules, "min_bet_amount": 100, "max_bet_amount": 5000,
                       "max_numbers_per_ticket": 2}
    bump_config_version(db.session, env.org.banca.id)
    with pytest.raises(SaleRejected) as exc:
        env.sell([numero("01", 50, d.m90), numero("02", 6000, d.m90)])
    assert exc.value.status == 422 and set(exc.value.numbers) == {"01", "02"}
    with pytest.raises(SaleRejected, match="como máximo 2 números"):
        env.sell([numero("01", 100, d.m90), numero("02", 100, d.m90), numero("03", 100, d.m90)])
    local = to_cr(env.now)
    start = (local - timedelta(hours=3)).strftime("%H:%M") if local.hour >= 3 else "00:00"
    end = (local - timedelta(hours=2)).strftime("%H:%M") if local.hour >= 3 else "00:01"
    d.loteria.rules = {**d.loteria.rules, "sales_hours": {str(weekday_sunday0(local.date())): {
        "start": start, "end": end}}}
    bump_config_version(db.session, env.org.banca.id)
    with pytest.raises(SaleRejected) as exc:
        env.sell([numero("01", 100, d.m90)])
    assert exc.value.status == 409


# ------------------------------------------------------------------ case 11: idempotency

def test_same_key_same_payload_returns_same_ticket_without_second_audit(sale_env):
    env, d = sale_env, sale_env.draw
    k = key()
    lines = [numero("40", 100, d.m90), numero("41", 200, d.m90)]
    first = env.sell(lines, idem=k).ticket
    again = env.sell(list(reversed(lines)), idem=k)
    assert again.replayed and again.ticket.id == first.id
    assert _count(Ticket, sorteo_id=env.sorteo.id) == 1
    assert _count(ActivityLog, action="TICKET_CREATE", target_id=str(first.id)) == 1
    acc = db.session.get(ExposureAccumulator, (env.sorteo.id, "40", "banca", env.org.banca.id, "all"))
    assert acc.amount == D(100)
    with pytest.raises(Conflict) as exc:
        env.sell([numero("40", 101, d.m90)], idem=k)
    assert exc.value.status == 409


def test_replay_after_cutoff_still_returns_the_ticket(sale_env):
    env, d = sale_env, sale_env.draw
    k = key()
    first = env.sell([numero("40", 100, d.m90)], idem=k).ticket
    late = env.sell([numero("40", 100, d.m90)], idem=k, now=env.sorteo.scheduled_at)
    assert late.replayed and late.ticket.id == first.id


def test_rejected_sale_writes_nothing(sale_env):
    env, d = sale_env, sale_env.draw
    add_rule(env.org.banca, number="60", max_total=D(100))
    with pytest.raises(SaleRejected):
        with db.session.begin_nested():
            env.sell([numero("60", 101, d.m90), numero("61", 100, d.m90)])
    assert _count(Ticket, sorteo_id=env.sorteo.id) == 0
    assert _count(Jugada, sorteo_id=env.sorteo.id) == 0


def test_refused_sale_consumes_no_number_accumulator_or_audit_row(sale_env):
    """On PostgreSQL the limit check runs on the totals the sale's one statement returned, after
    its rows went in: the refusal must still leave nothing (its transaction rolls back)."""
    env, d = sale_env, sale_env.draw
    first = env.sell([numero("70", 100, d.m90)]).ticket.ticket_number
    acc_before = {(a.number, a.scope_type, a.filter): a.amount
                  for a in db.session.scalars(select(ExposureAccumulator)
                                              .where(ExposureAccumulator.sorteo_id == env.sorteo.id))}
    logs_before = _count(ActivityLog, action="TICKET_CREATE")
    add_rule(env.org.banca, number="71", max_total=D(100))
    with pytest.raises(SaleRejected, match="Número 71"):
        env.sell([numero("71", 150, d.m90), numero("72", 100, d.m90)])
    db.session.expire_all()
    acc_after = {(a.number, a.scope_type, a.filter): a.amount
                 for a in db.session.scalars(select(ExposureAccumulator)
                                             .where(ExposureAccumulator.sorteo_id == env.sorteo.id))}
    assert {k: v for k, v in acc_after.items() if v} == {k: v for k, v in acc_before.items() if v}
    assert _count(ActivityLog, action="TICKET_CREATE") == logs_before
    second = env.sell([numero("73", 100, d.m90)]).ticket.ticket_number
    assert int(second.split("-")[1]) == int(first.split("-")[1]) + 1  # no number was consumed


def test_sequence_past_99999_keeps_growing(sale_env):
    env = sale_env
    bd = cr_date_of(env.sorteo.scheduled_at)
    counter = db.session.get(TicketCounter, bd)
    if counter is None:
        db.session.add(TicketCounter(business_date=bd, last_seq=99999))
    else:
        counter.last_seq = 99999
    db.session.flush()
    t = env.sell([numero("01", 100, env.draw.m90)]).ticket
    assert t.ticket_number == f"T{bd:%y%m%d}-100000"


def test_applies_to_hour_only_in_that_hour(sale_env):
    from app.tz import cr_hour
    env, d = sale_env, sale_env.draw
    hour = cr_hour(env.now)
    add_rule(env.org.banca, number="45", max_total=D(100), applies_to_hour=(hour + 1) % 24)
    env.sell([numero("45", 500, d.m90)])  # another hour's rule does not apply
    add_rule(env.org.banca, number="46", max_total=D(100), applies_to_hour=hour)
    with pytest.raises(SaleRejected, match="Número 46"):
        env.sell([numero("46", 101, d.m90)])


def _sell_resetting_draft(env, lines, draft_key, idem=None):
    import uuid as _uuid

    from app.sales import services
    from app.tz import utcnow
    user = env.org.vendedor
    with db.session.begin_nested():
        return services.sell_ticket(
            db.session, scope=env.scope(user), actor=user, vendedor_id=user.id, sorteo_id=env.sorteo.id,
            lines=lines, cliente_nombre=None, idempotency_key=idem or key(), now=env.now,
            reset_draft={"id": _uuid.uuid4(), "user_id": user.id, "vendedor_id": user.id, "key": draft_key,
                         "now": utcnow()})


def test_the_sale_statement_resets_the_draft_on_postgres(sale_env):
    """PostgreSQL: the sale's last statement creates or empties the seller's draft and stores the
    next key; SQLite leaves that to the route (draft_reset False). A refused sale touches nothing."""
    from app.sales.models import SalesDraft
    from tests.conftest import IS_POSTGRES

    def draft():
        db.session.expire_all()
        return db.session.scalar(select(SalesDraft).where(SalesDraft.user_id == sale_env.org.vendedor.id,
                                                          SalesDraft.vendedor_id == sale_env.org.vendedor.id))

    assert draft() is None
    result = _sell_resetting_draft(sale_env, [numero("12", 500, sale_env.draw.m90)], "v-next-key-1")
    assert result.draft_reset is IS_POSTGRES
    if not IS_POSTGRES:
        assert draft() is None
        return
    row = draft()  # created by the statement
    assert row.idempotency_key == "v-next-key-1" and row.lines == [] and row.sorteo_id == sale_env.sorteo.id
    row.lines, row.cliente_nombre = [{"t": "x"}], "Ana"
    db.session.flush()
    again = _sell_resetting_draft(sale_env, [numero("34", 500, sale_env.draw.m90)], "v-next-key-2")
    assert again.draft_reset
    row = draft()  # emptied by the statement
    assert row.idempotency_key == "v-next-key-2" and row.lines == [] and row.cliente_nombre is None
    add_rule(sale_env.org.banca, number="56", max_total=D(100))
    with pytest.raises(SaleRejected):
        _sell_resetting_draft(sale_env, [numero("56", 500, sale_env.draw.m90)], "v-never")
    assert draft().idempotency_key == "v-next-key-2"
