"""Pure catalogue rules: lotería rules JSON, schedule occurrences (CR midnight), UI actions."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from app.draws.rules import (LoteriaRules, loteria_rules, occurrences, parse_hhmm, parse_times, schedule_block,
                             sorteo_actions, validate_rules, wall_time_text)
from app.tz import cr_date_of

UTC = timezone.utc
TICA = {"digits": 2, "reventado": {"enabled": True},
        "draw_schedules": [{"frequency": "semanal", "times": ["12:55", "16:30", "19:30"],
                            "days_of_week": [1, 2, 3, 4, 5, 6]}]}
MONDAY = date(2026, 3, 16)
SUNDAY = date(2026, 3, 15)


def test_defaults_when_rules_are_empty():
    r = LoteriaRules.from_json({})
    assert (r.digits, r.number_min, r.number_max) == (2, 0, 99)
    assert r.min_bet_amount is None and r.max_bet_amount is None and r.max_numbers_per_ticket is None
    assert r.closing_time_before_draw is None
    assert r.reventado_enabled is False and not r.reventado_allowed
    assert r.days_ahead == 1 and r.auto_create_sorteos is True
    assert r.within_sales_hours(datetime(2026, 3, 16, 3, 0, tzinfo=UTC))


def test_three_digit_range_and_accessors():
    r = loteria_rules({"digits": 3, "min_bet_amount": 100, "max_bet_amount": 5000, "max_numbers_per_ticket": 10,
                       "reventado": {"enabled": True}, "allowed_bet_types": ["NUMERO"],
                       "closing_time_before_draw": 10})
    assert r.number_max == 999 and r.number_in_range("007") and not r.number_in_range("07")
    assert r.min_bet_amount == Decimal(100) and r.max_bet_amount == Decimal(5000)
    assert r.reventado_enabled and not r.reventado_allowed  # not among allowed bet types
    assert r.closing_time_before_draw == 10


def test_loteria_rules_accepts_a_row():
    class Row:
        rules = {"digits": 3}
    assert loteria_rules(Row()).digits == 3


def test_sales_hours_per_cr_weekday():
    r = loteria_rules({"sales_hours": {"1": {"start": "06:00", "end": "19:25"}}})
    # Monday 19:24 CR = 01:24 UTC Tuesday → inside; 19:25 CR → outside; Tuesday has no hours → open.
    assert r.within_sales_hours(datetime(2026, 3, 17, 1, 24, tzinfo=UTC))
    assert not r.within_sales_hours(datetime(2026, 3, 17, 1, 25, tzinfo=UTC))
    assert not r.within_sales_hours(datetime(2026, 3, 16, 11, 59, tzinfo=UTC))  # 05:59 CR Monday
    assert r.within_sales_hours(datetime(2026, 3, 17, 12, 0, tzinfo=UTC))
    assert r.sales_hours_on(1).start == time(6, 0)


def test_schedule_summary_reads_12_hour_times():
    """UX §7.3: the Loterías list shows "7:30 p. m.", never "19:30"."""
    assert loteria_rules(TICA).schedule_summary() == ["12:55 p. m., 4:30 p. m., 7:30 p. m. · lun, mar, mié, jue, vie, sáb"]
    assert [wall_time_text(t) for t in ("00:05", "12:00", "13:00", "9:30")] == [
        "12:05 a. m.", "12:00 p. m.", "1:00 p. m.", "9:30 a. m."]


def test_occurrences_monday_to_saturday_only():
    occ = occurrences("TICA", loteria_rules(TICA), SUNDAY, 2)
    assert [o.name for o in occ] == ["TICA 12:55", "TICA 16:30", "TICA 19:30"]
    assert {o.day for o in occ} == {MONDAY}


def test_occurrence_1930_cr_is_0130_utc_next_day_but_keeps_its_cr_day():
    occ = occurrences("NICA", loteria_rules({"draw_schedules": [{"frequency": "diario", "times": ["19:30"]}]}),
                      date(2026, 3, 14), 1)
    assert len(occ) == 1
    assert occ[0].scheduled_at == datetime(2026, 3, 15, 1, 30, tzinfo=UTC)
    assert occ[0].day == date(2026, 3, 14) == cr_date_of(occ[0].scheduled_at)


def test_blocks_merge_and_deduplicate_by_instant():
    rules = loteria_rules({"draw_schedules": [
        {"frequency": "diario", "times": ["12:00", "18:00"]},
        {"frequency": "semanal", "times": ["18:00", "21:00"], "days_of_week": [0]}]})
    occ = occurrences("NICA", rules, SUNDAY, 2)
    assert [o.name for o in occ] == ["NICA 12:00", "NICA 18:00", "NICA 21:00", "NICA 12:00", "NICA 18:00"]
    assert len({o.scheduled_at for o in occ}) == 5


def test_validate_rules_reports_each_problem():
    errors = validate_rules({"digits": 4, "days_ahead": 0, "closing_time_before_draw": 31, "min_bet_amount": 500,
                             "max_bet_amount": 100, "max_numbers_per_ticket": 1001,
                             "draw_schedules": [{"frequency": "semanal", "times": ["25:00"], "days_of_week": [1]}],
                             "sales_hours": {"1": {"start": "20:00", "end": "06:00"}},
                             "display": {"color": "rojo"}})
    assert set(errors) >= {"digits", "days_ahead", "closing_time_before_draw", "max_bet_amount",
                           "max_numbers_per_ticket", "draw_schedules-0", "sales_hours-1", "color"}
    assert "25:00" in errors["draw_schedules-0"]


def test_validate_rules_accepts_a_full_document():
    doc = {**TICA, "days_ahead": 3, "closing_time_before_draw": 0, "min_bet_amount": 1, "max_bet_amount": 1,
           "max_numbers_per_ticket": 1000, "sales_hours": {"0": {"start": "06:00", "end": "21:00"}},
           "display": {"color": "#ff0000"}, "auto_create_sorteos": False}
    assert validate_rules(doc) == {}


def test_weekly_block_needs_days():
    assert validate_rules({"draw_schedules": [{"frequency": "semanal", "times": ["10:00"], "days_of_week": []}]})


@pytest.mark.parametrize("text,good,bad", [
    ("12:55, 16:30 19:30", ["12:55", "16:30", "19:30"], []),
    ("7:05;7:05", ["07:05"], []),
    ("24:00 abc", [], ["24:00", "abc"]),
])
def test_parse_times(text, good, bad):
    assert parse_times(text) == (good, bad)


def test_schedule_block_all_days_is_daily():
    assert schedule_block(["12:00"], range(7)) == {"frequency": "diario", "times": ["12:00"]}
    assert schedule_block(["12:00"], [6, 1]) == {"frequency": "semanal", "times": ["12:00"], "days_of_week": [1, 6]}


def test_parse_hhmm():
    assert parse_hhmm("7:30") == time(7, 30) and parse_hhmm("7:3") is None and parse_hhmm("") is None


def test_actions_by_state():
    at = datetime(2026, 3, 16, 18, 55, tzinfo=UTC)
    before, after = at - timedelta(hours=1), at + timedelta(minutes=1)
    closes = at - timedelta(minutes=5)
    kw = dict(scheduled_at=at, closes_at=closes)
    assert sorteo_actions(status="SCHEDULED", is_active=True, has_tickets=False, now=before, **kw) == \
        {"open", "cancel", "edit"}
    assert sorteo_actions(status="OPEN", is_active=True, has_tickets=True, now=before, **kw) == {"close", "edit"}
    assert sorteo_actions(status="CLOSED", is_active=True, has_tickets=True, now=before, **kw) == {"reopen"}
    assert sorteo_actions(status="CLOSED", is_active=True, has_tickets=True, now=after, **kw) == {"evaluate"}
    assert sorteo_actions(status="EVALUATED", is_active=True, has_tickets=True, now=after, **kw) == {"revert"}
    assert "reactivate" in sorteo_actions(status="SCHEDULED", is_active=False, has_tickets=False, now=before, **kw)
