"""Pure restriction-rule engine (DOMAIN §10; §23 examples A–C; §24 cases 4–9); no database."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.restrictions import rules as R
from app.restrictions.rules import (
    AccKey,
    CutoffSource,
    Kind,
    Level,
    ScopeType,
    availability,
    check_cutoff,
    check_ticket,
    match_multiplier_rule,
    match_number_rule,
    precheck_ticket,
    required_accumulators,
    resolve_cutoff,
    ticket_total_rule,
)
from tests.restrictions.restrictions_engine_helpers import (
    B, M85, M90, NICA, NOW, OTHER_SORTEO, ROJA, SCHEDULED, SORTEO, T0, TICA, V, W, X, Y, Z,
    cr, ctx, feed, num, rev, rule, uid,
)

D = Decimal


def messages(violations):
    return [v.message for v in violations]


# --------------------------------------------------------------------------- example A (cutoff)

class TestExampleACutoff:
    banca5 = rule(sales_cutoff_minutes=5, updated_at=T0)
    ventana3 = rule(ventana_id=V, sales_cutoff_minutes=3, updated_at=T0)

    def test_ventana_rule_wins_over_banca(self):
        cut = resolve_cutoff([self.banca5, self.ventana3], ctx(), None)
        assert cut == (3, CutoffSource.VENTANA)
        assert R.closing_instant(SCHEDULED, cut.minutes) == cr(12, 52)

    def test_sales_close_at_12_52_with_one_second_grace(self):
        rules = [self.banca5, self.ventana3]
        assert check_cutoff(rules, ctx(), cr(12, 52, 0, 999_999)) is None
        refused = check_cutoff(rules, ctx(), cr(12, 52, 1))
        assert refused.message == "El sorteo cerró a las 12:52 p. m. (corte de 3 min)"
        assert refused.code == "CUTOFF"

    def test_ticket_4_at_12_52_30_refused(self):
        refused = check_cutoff([self.banca5, self.ventana3], ctx(), cr(12, 52, 30))
        assert refused.message == "El sorteo cerró a las 12:52 p. m. (corte de 3 min)"

    def test_vendedor_of_another_ventana_gets_the_banca_cutoff(self):
        cut = resolve_cutoff([self.banca5, self.ventana3], ctx(Z, W), None)
        assert cut == (5, CutoffSource.BANCA)
        assert R.closing_instant(SCHEDULED, cut.minutes) == cr(12, 50)

    def test_no_rule_uses_the_loteria_then_the_default(self):
        assert resolve_cutoff([], ctx(), 10) == (10, CutoffSource.LOTERIA)
        assert resolve_cutoff([], ctx(), 0) == (0, CutoffSource.LOTERIA)
        assert resolve_cutoff([], ctx(), None) == (5, CutoffSource.DEFAULT)
        assert check_cutoff([], ctx(), cr(12, 50, 0, 999_999)) is None
        assert check_cutoff([], ctx(), cr(12, 50, 1)).message == (
            "El sorteo cerró a las 12:50 p. m. (corte de 5 min)")


# --------------------------------------------------------------------------- §24 case 4 (cutoff)

class TestCutoffChain:
    def test_vendedor_then_ventana_then_banca(self):
        rules = [rule(sales_cutoff_minutes=5), rule(ventana_id=V, sales_cutoff_minutes=3),
                 rule(user_id=X, sales_cutoff_minutes=10)]
        assert resolve_cutoff(rules, ctx(), 20) == (10, CutoffSource.USER)
        assert resolve_cutoff(rules, ctx(Y), 20) == (3, CutoffSource.VENTANA)
        assert resolve_cutoff(rules, ctx(Z, W), 20) == (5, CutoffSource.BANCA)

    def test_only_his_own_ventana_counts(self):
        other = rule(ventana_id=W, sales_cutoff_minutes=1)
        assert resolve_cutoff([other], ctx(), 12) == (12, CutoffSource.LOTERIA)

    def test_dated_before_undated_then_most_recent(self):
        old = rule(sales_cutoff_minutes=5, updated_at=T0)
        new = rule(sales_cutoff_minutes=7, updated_at=T0 + timedelta(days=1))
        assert resolve_cutoff([old, new], ctx(), None).minutes == 7
        dated = rule(sales_cutoff_minutes=2, applies_to_date=date(2026, 3, 7), updated_at=T0)
        assert resolve_cutoff([old, new, dated], ctx(), None).minutes == 2
        hour = rule(sales_cutoff_minutes=9, applies_to_hour=13)
        assert resolve_cutoff([old, hour], ctx(), None).minutes == 5  # 12:40 is hour 12
        assert resolve_cutoff([old, hour], ctx(now=cr(13, 5)), None).minutes == 9

    def test_reopen_uses_banca_rule_only(self):
        rules = [rule(sales_cutoff_minutes=6), rule(ventana_id=V, sales_cutoff_minutes=3),
                 rule(user_id=X, sales_cutoff_minutes=10)]
        assert resolve_cutoff(rules, ctx(), 20, banca_only=True) == (6, CutoffSource.BANCA)
        assert resolve_cutoff(rules[1:], ctx(), 20, banca_only=True) == (20, CutoffSource.LOTERIA)

    def test_inactive_cutoff_rule_ignored(self):
        assert resolve_cutoff([rule(sales_cutoff_minutes=9, is_active=False)], ctx(), None).minutes == 5

    def test_a_number_rules_own_cutoff_stops_that_number_earlier(self):
        r13 = rule(number="13", max_total=10_000, sales_cutoff_minutes=15)
        ticket = [num("13", 100), num("44", 100)]
        assert check_ticket([r13], ticket, ctx(now=cr(12, 40)), {}, cr(12, 40)) == []
        late = check_ticket([r13], ticket, ctx(now=cr(12, 40, 1)), {}, cr(12, 40, 1))
        assert messages(late) == ["Número 13: cerró a las 12:40 p. m. (corte de 15 min)"]
        assert late[0].number == "13" and late[0].available == 0
        # other numbers keep selling until the general cutoff
        assert check_ticket([r13], [num("44", 100)], ctx(now=cr(12, 45)), {}, cr(12, 45)) == []

    def test_number_cutoff_only_when_it_is_the_numbers_rule(self):
        banca13 = rule(number="13", max_total=10_000, sales_cutoff_minutes=15)
        vendedor_all = rule(user_id=X, max_amount=1_000)
        late = cr(12, 45)
        assert check_ticket([banca13, vendedor_all], [num("13", 100)], ctx(now=late), {}, late) == []

    def test_one_oclock_reads_a_la(self):
        sched = SCHEDULED + timedelta(hours=1)   # 13:55 CR
        refused = check_cutoff([], ctx(scheduled=sched), sched)
        assert refused.message == "El sorteo cerró a la 1:50 p. m. (corte de 5 min)"


# --------------------------------------------------------------------------- example B

R1 = rule(max_amount=5_000, updated_at=T0)                                  # banca, all numbers
R2 = rule(ventana_id=V, number="15", max_total=10_000, updated_at=T0)      # ventana V, "15"
R3 = rule(is_auto_date=True, max_total=3_000, updated_at=T0)               # banca auto-date
R4 = rule(loteria_id=TICA, multiplier_id=M85, updated_at=T0)               # banca, 85x blocked
EXAMPLE_B = [R1, R2, R3, R4]


def example_b_sold() -> dict:
    """Ventana V has 8 000 on "15" (7 000 NUMERO + 1 000 REVENTADO); banca B has 2 500 on "07"."""
    acc: dict = {}
    feed(acc, [num("15", 7_000), rev("15", 1_000)], ctx(Y, V))
    feed(acc, [num("07", 2_500)], ctx(Z, W))
    return acc


class TestExampleB:
    def test_matched_rules(self):
        c = ctx()
        assert match_number_rule(EXAMPLE_B, "15", c) is R2
        assert match_number_rule(EXAMPLE_B, "07", c) is R3
        assert match_number_rule(EXAMPLE_B, "44", c) is R1
        assert match_multiplier_rule(EXAMPLE_B, "44", c, multiplier_id=M85) is R4
        assert match_multiplier_rule(EXAMPLE_B, "44", c, multiplier_id=M90) is None

    def test_ticket_1_rejected_with_both_messages(self):
        ticket = [num("15", 2_000), rev("15", 1_500), num("07", 1_000)]
        found = check_ticket(EXAMPLE_B, ticket, ctx(), example_b_sold(), NOW)
        assert messages(found) == ["Número 07: quedan ₡500", "Número 15: quedan ₡2 000"]
        assert [(v.number, v.available) for v in found] == [("07", D(500)), ("15", D(2_000))]
        assert {v.rule_id for v in found} == {R3.id, R2.id}

    def test_ticket_2_accepted_at_the_limits_then_sin_cupo(self):
        acc = example_b_sold()
        ticket = [num("15", 2_000), num("07", 500)]
        assert check_ticket(EXAMPLE_B, ticket, ctx(), acc, NOW) == []
        feed(acc, ticket, ctx())
        avail = availability(EXAMPLE_B, ["15", "07"], ctx(), acc)
        assert avail["15"].remaining == 0 and avail["07"].remaining == 0
        again = check_ticket(EXAMPLE_B, [num("15", 1), num("07", 1)], ctx(), acc, NOW)
        assert messages(again) == ["Número 07: sin cupo en este sorteo",
                                   "Número 15: sin cupo en este sorteo"]

    @pytest.mark.parametrize("seller", [(X, V)])
    def test_ticket_3_blocked_multiplier_whoever_types_it(self, seller):
        # The engine only knows the vendedor the ticket is sold for: X, his listero or an ADMIN
        # typing it all produce the same context.
        found = check_ticket(EXAMPLE_B, [num("44", 1_000, M85, 85)], ctx(*seller), {}, NOW)
        assert messages(found) == ["Multiplicador 85x no permitido en TICA"]
        assert found[0].code == "MULTIPLIER_BLOCKED"
        assert precheck_ticket(EXAMPLE_B, [num("44", 1_000, M85, 85)], ctx(), NOW) == found

    def test_ticket_4_after_cutoff(self):
        rules = [*EXAMPLE_B, rule(sales_cutoff_minutes=5), rule(ventana_id=V, sales_cutoff_minutes=3)]
        assert check_cutoff(rules, ctx(), cr(12, 52, 30)).message == (
            "El sorteo cerró a las 12:52 p. m. (corte de 3 min)")

    def test_shadowing_ventana_rule_has_no_max_amount(self):
        assert check_ticket(EXAMPLE_B, [num("15", 6_000)], ctx(), {}, NOW) == []
        found = check_ticket(EXAMPLE_B, [num("44", 6_000)], ctx(), {}, NOW)
        assert messages(found) == ["Número 44: máximo ₡5 000 por tiquete"]
        assert found[0].available == 5_000 and found[0].rule_id == R1.id

    def test_vendedor_rule_beats_every_lower_rule(self):
        r5 = rule(user_id=X, max_amount=8_000)
        rules = [*EXAMPLE_B, r5]
        acc = example_b_sold()
        for number in ("15", "07", "44"):
            assert match_number_rule(rules, number, ctx()) is r5
        ticket = [num("44", 6_000), num("15", 8_000), num("07", 8_000)]
        assert check_ticket(rules, ticket, ctx(), acc, NOW) == []
        assert messages(check_ticket(rules, [num("44", 8_001)], ctx(), acc, NOW)) == [
            "Número 44: máximo ₡8 000 por tiquete"]
        # ...but only for X: Y of the same ventana still has R1–R3.
        assert match_number_rule(rules, "44", ctx(Y)) is R1

    def test_availability_balances_view(self):
        avail = availability(EXAMPLE_B, ["15", "07", "44"], ctx(), example_b_sold())
        assert avail["15"] == R.Availability("15", D(2_000), D(10_000), D(8_000), ScopeType.VENTANA,
                                             Level.VENTANA, R2.id, None, False)
        assert (avail["07"].remaining, avail["07"].limit, avail["07"].accumulated) == (500, 3_000, 2_500)
        assert avail["07"].scope is ScopeType.BANCA
        assert (avail["44"].remaining, avail["44"].per_ticket, avail["44"].limit) == (5_000, 5_000, None)

    def test_no_rule_means_sin_tope(self):
        assert availability([R2], ["44"], ctx(), {}) == {"44": None}
        assert availability([], ["15"], ctx(), {}) == {"15": None}


# --------------------------------------------------------------------------- example C (dynamic)

class TestExampleCDynamic:
    dyn = rule(ventana_id=V, applies_to_vendedor=True, base_amount=2_500, sales_percentage=3)

    def sold(self):
        acc: dict = {}
        feed(acc, [num("22", 1_300), num("50", 118_700)], ctx(X))   # X: 120 000 live
        feed(acc, [num("60", 40_000)], ctx(Y))                        # Y: 40 000 live
        return acc

    def test_x_limit_3600_can_add_2300_on_22(self):
        acc = self.sold()
        avail = availability([self.dyn], ["22"], ctx(X), acc)["22"]
        assert (avail.limit, avail.accumulated, avail.remaining) == (3_600, 1_300, 2_300)
        assert avail.scope is ScopeType.VENDEDOR
        assert check_ticket([self.dyn], [num("22", 2_300)], ctx(X), acc, NOW) == []
        found = check_ticket([self.dyn], [num("22", 2_301)], ctx(X), acc, NOW)
        assert messages(found) == ["Número 22: quedan ₡2 300"]

    def test_y_limit_is_the_base(self):
        avail = availability([self.dyn], ["22"], ctx(Y), self.sold())["22"]
        assert (avail.limit, avail.accumulated, avail.remaining) == (2_500, 0, 2_500)

    def test_with_max_total_the_min_wins(self):
        capped = rule(ventana_id=V, applies_to_vendedor=True, base_amount=2_500,
                      sales_percentage=3, max_total=3_000)
        avail = availability([capped], ["22"], ctx(X), self.sold())["22"]
        assert (avail.limit, avail.remaining) == (3_000, 1_700)
        assert messages(check_ticket([capped], [num("22", 1_701)], ctx(X), self.sold(), NOW)) == [
            "Número 22: quedan ₡1 700"]

    def test_dynamic_caps_max_amount_per_ticket(self):
        dyn_amount = rule(base_amount=1_000, sales_percentage=10, max_amount=5_000)
        acc = feed({}, [num("01", 20_000)], ctx(Y))        # banca S = 20 000 → D = 2 000
        found = check_ticket([dyn_amount], [num("22", 2_001)], ctx(), acc, NOW)
        assert messages(found) == ["Número 22: máximo ₡2 000 por tiquete"]
        assert check_ticket([dyn_amount], [num("22", 2_000)], ctx(), acc, NOW) == []

    def test_base_without_percentage_is_a_static_limit(self):
        base = rule(base_amount=2_000)
        assert messages(precheck_ticket([base], [num("22", 100)], ctx(), NOW)) == []
        acc = feed({}, [num("22", 1_500)], ctx(Y))
        assert messages(check_ticket([base], [num("22", 501)], ctx(), acc, NOW)) == [
            "Número 22: quedan ₡500"]


# --------------------------------------------------------------------------- §24 cases 5–9

class TestLimits:
    def test_max_amount_is_per_ticket_not_accumulated(self):
        r = rule(max_amount=1_000)
        acc = feed({}, [num("33", 50_000)], ctx())
        assert check_ticket([r], [num("33", 1_000)], ctx(), acc, NOW) == []
        assert messages(check_ticket([r], [num("33", 1_001)], ctx(), acc, NOW)) == [
            "Número 33: máximo ₡1 000 por tiquete"]

    def test_max_total_accumulates_per_number_per_sorteo_per_scope(self):
        r = rule(ventana_id=V, max_total=1_000)
        acc = feed({}, [num("33", 600)], ctx(Y, V))
        feed(acc, [num("33", 5_000)], ctx(Z, W))               # other ventana: not V's scope
        feed(acc, [num("34", 900)], ctx(Y, V))                 # other number
        feed(acc, [num("33", 900)], ctx(Y, V, sorteo=OTHER_SORTEO))  # other sorteo
        assert check_ticket([r], [num("33", 400)], ctx(), acc, NOW) == []   # equality allowed
        assert messages(check_ticket([r], [num("33", 401)], ctx(), acc, NOW)) == [
            "Número 33: quedan ₡400"]

    def test_limit_equality_across_lines(self):
        r = rule(max_total=1_000, max_amount=1_000)
        ticket = [num("33", 400), num("33", 300, M85, 85), rev("33", 300)]
        assert check_ticket([r], ticket, ctx(), {}, NOW) == []
        assert check_ticket([r], [*ticket, num("33", 1)], ctx(), {}, NOW) != []

    def test_numero_and_reventado_add_up(self):
        r = rule(number="12", max_total=1_000)
        found = check_ticket([r], [num("12", 600), rev("12", 500)], ctx(), {}, NOW)
        assert messages(found) == ["Número 12: quedan ₡1 000"]

    def test_multiplier_rule_counts_only_its_multiplier(self):
        r = rule(loteria_id=TICA, multiplier_id=M90, max_total=600)
        assert check_ticket([r], [num("12", 600), rev("12", 500), num("12", 900, M85, 85)],
                            ctx(), {}, NOW) == []
        acc = feed({}, [num("12", 200), num("12", 5_000, M85, 85), rev("12", 900)], ctx(Y))
        found = check_ticket([r], [num("12", 401)], ctx(), acc, NOW)
        assert messages(found) == ["Número 12 con 90x: quedan ₡400"]
        assert found[0].multiplier_id == M90

    def test_reventado_multiplier_rule_limits_reventado_only(self):
        r = rule(loteria_id=TICA, multiplier_id=ROJA, max_total=500)
        assert check_ticket([r], [num("12", 5_000), rev("12", 500)], ctx(), {}, NOW) == []
        found = check_ticket([r], [num("12", 5_000), rev("12", 501)], ctx(), {}, NOW)
        assert messages(found) == ["Número 12 con Roja 200x: quedan ₡500"]

    def test_applies_to_vendedor_gives_each_seller_his_cap(self):
        r = rule(ventana_id=V, applies_to_vendedor=True, max_total=1_000)
        acc = feed({}, [num("40", 1_000)], ctx(Y))
        assert check_ticket([r], [num("40", 1_000)], ctx(X), acc, NOW) == []
        assert messages(check_ticket([r], [num("40", 1)], ctx(Y), acc, NOW)) == [
            "Número 40: sin cupo en este sorteo"]

    def test_user_rule_accumulates_per_vendedor(self):
        r = rule(user_id=X, max_total=1_000)
        acc = feed({}, [num("40", 5_000)], ctx(Y))
        assert R.accumulation_scope(r, ctx()) == (ScopeType.VENDEDOR, X)
        assert check_ticket([r], [num("40", 1_000)], ctx(X), acc, NOW) == []

    def test_max_ticket_total(self):
        r = rule(max_ticket_total=20_000)
        assert ticket_total_rule([r], ctx()) is r
        assert check_ticket([r], [num("01", 10_000), num("02", 10_000)], ctx(), {}, NOW) == []
        found = check_ticket([r], [num("01", 10_000), num("02", 10_000), rev("02", 1)],
                             ctx(), {}, NOW)
        assert messages(found) == ["Tiquete: máximo ₡20 000 por tiquete"]
        assert found[0].number is None and found[0].available == 20_000

    def test_ticket_total_first_match(self):
        banca = rule(max_ticket_total=20_000)
        ventana = rule(ventana_id=V, max_ticket_total=50_000)
        assert check_ticket([banca, ventana], [num("01", 30_000)], ctx(), {}, NOW) == []
        assert R.ticket_total_limit([banca, ventana], ctx(Z, W)) == 20_000

    def test_max_total_zero_blocks(self):
        r = rule(number="13", max_total=0)
        found = check_ticket([r], [num("13", 1)], ctx(), {}, NOW)
        assert messages(found) == ["Número 13 bloqueado en este sorteo"]
        assert found[0].code == "BLOCKED"
        assert availability([r], ["13"], ctx(), {})["13"].blocked

    def test_max_amount_zero_blocks_every_number(self):
        found = check_ticket([rule(max_amount=0)], [num("13", 1), num("14", 1)], ctx(), {}, NOW)
        assert messages(found) == ["Número 13 bloqueado en este sorteo",
                                   "Número 14 bloqueado en este sorteo"]

    def test_every_violated_number_reported(self):
        r = rule(max_amount=100)
        found = check_ticket([r], [num(f"{n:02d}", 101) for n in range(10)], ctx(), {}, NOW)
        assert [v.number for v in found] == [f"{n:02d}" for n in range(10)]

    def test_static_group_stops_before_accumulated(self):
        # §9.2: a failing step 7 (ticket total) is reported alone; step 8 is not reached.
        rules = [rule(max_ticket_total=100), rule(number="15", max_total=50)]
        found = check_ticket(rules, [num("15", 200)], ctx(), {}, NOW)
        assert messages(found) == ["Tiquete: máximo ₡100 por tiquete"]

    def test_accumulated_none_skips_step_8(self):
        assert check_ticket([rule(max_total=10)], [num("15", 200)], ctx(), None, NOW) == []


class TestDateHourAutoDate:
    def test_auto_date_limits_todays_day(self):
        r = rule(is_auto_date=True, max_total=100)
        assert match_number_rule([r], "07", ctx()) is r
        assert match_number_rule([r], "08", ctx()) is None
        later = datetime(2026, 3, 8, 18, 0, tzinfo=NOW.tzinfo)
        assert match_number_rule([r], "08", ctx(now=later)) is r
        assert match_number_rule([r], "007", ctx(digits=3)) is r

    def test_auto_date_uses_the_cr_date(self):
        # 00:30 UTC on the 8th is still the 7th in Costa Rica.
        r = rule(is_auto_date=True, max_total=100)
        late = datetime(2026, 3, 8, 0, 30, tzinfo=NOW.tzinfo)
        assert match_number_rule([r], "07", ctx(now=late)) is r

    def test_applies_to_hour_only_in_that_hour(self):
        r = rule(max_amount=10, applies_to_hour=12)
        assert match_number_rule([r], "01", ctx(now=cr(12, 0))) is r
        assert match_number_rule([r], "01", ctx(now=cr(12, 59, 59))) is r
        assert match_number_rule([r], "01", ctx(now=cr(11, 59, 59))) is None
        assert match_number_rule([r], "01", ctx(now=cr(13, 0))) is None

    def test_applies_to_date_only_that_day(self):
        r = rule(max_amount=10, applies_to_date=date(2026, 3, 7))
        assert match_number_rule([r], "01", ctx()) is r
        assert match_number_rule([r], "01", ctx(now=NOW + timedelta(days=1))) is None


class TestMultiplierRules:
    def test_block_without_amounts_with_custom_message(self):
        r = rule(loteria_id=TICA, multiplier_id=M85, message="85x suspendido hoy")
        found = check_ticket([r], [num("44", 1, M85, 85)], ctx(), {}, NOW)
        assert messages(found) == ["85x suspendido hoy"]

    def test_block_limited_to_its_number(self):
        r = rule(loteria_id=TICA, multiplier_id=M85, number="13")
        assert check_ticket([r], [num("44", 1, M85, 85)], ctx(), {}, NOW) == []
        assert check_ticket([r], [num("13", 1, M85, 85)], ctx(), {}, NOW) != []

    def test_reventado_block_names_the_reventado_multiplier(self):
        r = rule(loteria_id=TICA, multiplier_id=ROJA)
        found = check_ticket([r], [num("12", 100), rev("12", 100)], ctx(), {}, NOW)
        assert messages(found) == ["Multiplicador Roja 200x no permitido en TICA"]

    def test_higher_level_rule_with_amounts_lifts_a_lower_block(self):
        block = rule(loteria_id=TICA, multiplier_id=M85)
        lift = rule(user_id=X, loteria_id=TICA, multiplier_id=M85, max_amount=500)
        assert check_ticket([block, lift], [num("44", 500, M85, 85)], ctx(), {}, NOW) == []
        assert messages(check_ticket([block, lift], [num("44", 501, M85, 85)], ctx(), {}, NOW)) == [
            "Número 44 con 85x: máximo ₡500 por tiquete"]
        assert check_ticket([block, lift], [num("44", 1, M85, 85)], ctx(Y), {}, NOW) != []

    def test_multiplier_rule_of_other_loteria_or_sorteo_ignored(self):
        nica = rule(loteria_id=NICA, multiplier_id=M85)
        other = rule(loteria_id=TICA, sorteo_id=OTHER_SORTEO, multiplier_id=M85)
        assert check_ticket([nica, other], [num("44", 1, M85, 85)], ctx(), {}, NOW) == []

    def test_multiplier_limit_on_top_of_number_rule(self):
        number_rule = rule(number="44", max_total=1_000)
        mult = rule(loteria_id=TICA, multiplier_id=M85, max_total=300)
        ticket = [num("44", 400, M85, 85), num("44", 700)]
        found = check_ticket([number_rule, mult], ticket, ctx(), {}, NOW)
        assert messages(found) == ["Número 44: quedan ₡1 000", "Número 44 con 85x: quedan ₡300"]

    def test_availability_takes_the_smaller_remaining(self):
        number_rule = rule(number="44", max_total=1_000)
        mult = rule(loteria_id=TICA, multiplier_id=M85, max_total=300)
        avail = availability([number_rule, mult], ["44"], ctx(), {})["44"]
        assert avail.remaining == 300 and avail.rule_id == mult.id
        just90 = availability([number_rule, mult], ["44"], ctx(), {}, multiplier_id=M90)["44"]
        assert just90.remaining == 1_000

    def test_blocked_multiplier_ids_for_the_sales_select(self):
        rules = [rule(loteria_id=TICA, multiplier_id=M85),
                 rule(loteria_id=TICA, multiplier_id=M90, number="13")]
        assert R.blocked_multiplier_ids(rules, ctx(), [M90, M85]) == {M85}
        lifted = [*rules, rule(ventana_id=V, loteria_id=TICA, multiplier_id=M85, max_total=100)]
        assert R.blocked_multiplier_ids(lifted, ctx(), [M90, M85]) == set()


# --------------------------------------------------------------------------- first match order

class TestOrder:
    def test_priority_beats_specificity(self):
        banca13 = rule(number="13", max_total=1)
        ventana_all = rule(ventana_id=V, max_total=2)
        assert match_number_rule([banca13, ventana_all], "13", ctx()) is ventana_all

    def test_number_specific_then_sorteo_then_loteria_then_neither(self):
        plain = rule(max_total=1)
        lot = rule(loteria_id=TICA, max_total=2)
        sor = rule(sorteo_id=SORTEO, max_total=3)
        specific = rule(number="13", max_total=4)
        rules = [plain, lot, sor, specific]
        assert match_number_rule(rules, "13", ctx()) is specific
        assert match_number_rule(rules, "14", ctx()) is sor
        assert match_number_rule([plain, lot], "14", ctx()) is lot
        assert match_number_rule([plain, lot], "14", ctx(loteria=NICA)) is plain

    def test_dated_before_undated_then_most_recent(self):
        old = rule(max_total=1, updated_at=T0)
        new = rule(max_total=2, updated_at=T0 + timedelta(hours=1))
        dated = rule(max_total=3, applies_to_hour=12, updated_at=T0)
        assert match_number_rule([old, new], "01", ctx()) is new
        assert match_number_rule([old, new, dated], "01", ctx()) is dated

    def test_rules_of_other_sellers_ventanas_bancas_are_never_candidates(self):
        others = [rule(user_id=Y, max_total=1), rule(ventana_id=W, max_total=1),
                  rule(banca_id=uid(2), max_total=1)]
        assert R.applicable_rules(others, ctx()) == []

    def test_inactive_rules_never_apply(self):
        assert match_number_rule([rule(max_total=1, is_active=False)], "01", ctx()) is None


# --------------------------------------------------------------------------- accumulators

class TestAccumulators:
    def test_every_scope_and_filter_fed_in_a_fixed_order(self):
        lines = [num("15", 2_000), rev("15", 1_500), num("07", 1_000), num("07", 500, M85, 85)]
        rows = required_accumulators(None, lines, ctx())
        keys = {k: v for k, v in rows}
        for scope, sid in (("vendedor", X), ("ventana", V), ("banca", B)):
            assert keys[AccKey(SORTEO, "15", scope, sid, "all")] == 3_500
            assert keys[AccKey(SORTEO, "15", scope, sid, str(M90))] == 2_000
            assert keys[AccKey(SORTEO, "15", scope, sid, "REVENTADO")] == 1_500
            assert keys[AccKey(SORTEO, "07", scope, sid, "all")] == 1_500
            assert keys[AccKey(SORTEO, "07", scope, sid, str(M85))] == 500
            assert keys[AccKey(SORTEO, "07", scope, sid, str(M90))] == 1_000
            assert keys[AccKey(SORTEO, "", scope, sid, "TICKET")] == 5_000
        assert len(rows) == 3 * 7
        shuffled = required_accumulators(None, list(reversed(lines)), ctx())
        assert [k for k, _ in shuffled] == [k for k, _ in rows]
        assert [tuple(map(str, k)) for k, _ in rows] == sorted(tuple(map(str, k)) for k, _ in rows)

    def test_rules_do_not_change_the_rows(self):
        lines = [num("15", 2_000)]
        assert required_accumulators(EXAMPLE_B, lines, ctx()) == required_accumulators([], lines, ctx())

    def test_string_ids_in_accumulated_match_uuid_context(self):
        r = rule(max_total=1_000)
        acc = {tuple(str(p) for p in k): v for k, v in feed({}, [num("15", 1_000)], ctx(Y)).items()}
        assert messages(check_ticket([r], [num("15", 1)], ctx(), acc, NOW)) == [
            "Número 15: sin cupo en este sorteo"]


# --------------------------------------------------------------------------- kinds and fields

class TestKinds:
    @pytest.mark.parametrize("fields, kind", [
        ({"sales_cutoff_minutes": 5}, Kind.CUTOFF),
        ({"number": "13"}, Kind.NUMBER_LIMIT),
        ({"is_auto_date": True, "max_total": 1}, Kind.NUMBER_LIMIT),
        ({"max_amount": 0}, Kind.NUMBER_LIMIT),
        ({"base_amount": 1, "sales_percentage": 2}, Kind.NUMBER_LIMIT),
        ({"max_ticket_total": 5}, Kind.TICKET_TOTAL),
        ({"loteria_id": TICA, "multiplier_id": M85, "max_total": 3}, Kind.MULTIPLIER),
    ])
    def test_derivation(self, fields, kind):
        assert rule(**fields).kind is kind

    def test_levels(self):
        assert rule(max_total=1).level is Level.BANCA
        assert rule(ventana_id=V, max_total=1).level is Level.VENTANA
        assert rule(user_id=X, max_total=1).priority == 100


def test_format_helpers():
    assert R.format_colones(D(2000)) == "₡2 000"
    assert R.format_colones(D("1234.50")) == "₡1 234,50"
    assert R.format_multiplier_value(D(85)) == "85x"
    assert R.format_multiplier_value(D("92.50")) == "92,5x"
