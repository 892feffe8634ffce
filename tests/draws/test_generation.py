"""Sorteo generation: preview, idempotent creation, the CR midnight boundary (§8.3, §23 G/H, §24 case 22)."""
from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from app.audit.models import ActivityLog
from app.draws import services
from app.draws.models import Sorteo, SorteoStatus
from app.errors import Conflict, InvalidInput
from app.tz import cr_combine, cr_date_of
from tests.draws.helpers import scope_of
from tests.factories.draws import LoteriaFactory

UTC = timezone.utc
NICA = {"digits": 2, "draw_schedules": [{"frequency": "diario", "times": ["12:00", "15:00", "18:00", "19:30"]}]}


def count(session, loteria):
    return session.scalar(select(func.count(Sorteo.id)).where(Sorteo.loteria_id == loteria.id))


@pytest.fixture
def nica(session, org):
    return LoteriaFactory(banca=org.banca, name="NICA", rules=NICA)


def test_preview_writes_nothing_and_flags_existing(session, org, nica):
    scope = scope_of(org.admin)
    start = date(2030, 3, 14)
    services.create_sorteo(session, scope=scope, loteria_id=nica.id, day=start, time_text="15:00")
    items = services.preview_generation(session, scope=scope, loteria_id=nica.id, start=start, days=2)
    assert [i.occurrence.name for i in items][:4] == ["NICA 12:00", "NICA 15:00", "NICA 18:00", "NICA 19:30"]
    assert [i.exists for i in items] == [False, True] + [False] * 6
    assert count(session, nica) == 1


def test_generate_is_idempotent_and_reports_skipped(session, org, nica):
    scope = scope_of(org.admin)
    start = date(2030, 3, 14)
    first = services.generate_sorteos(session, scope=scope, loteria_id=nica.id, start=start, days=3)
    assert len(first.created) == 12 and first.existing == 0 and first.message == "12 sorteos creados"
    again = services.generate_sorteos(session, scope=scope, loteria_id=nica.id, start=start, days=4)
    assert len(again.created) == 4 and again.existing == 12
    assert again.message == "4 sorteos creados, 12 omitidos (ya existían)"
    assert count(session, nica) == 16
    sorteo = session.scalar(select(Sorteo).where(Sorteo.loteria_id == nica.id).order_by(Sorteo.scheduled_at))
    assert (sorteo.status, sorteo.digits, sorteo.banca_id, sorteo.is_active) == \
        (SorteoStatus.SCHEDULED, 2, org.banca.id, True)
    audit = session.scalars(select(ActivityLog).where(ActivityLog.action == "SORTEO_CREATE")).all()
    assert [a.details["created"] for a in audit] == [12, 4]


def test_1930_cr_is_stored_0130_utc_next_day(session, org, nica):
    """Example G: "NICA 19:30" on the 14th is 2026-03-15 01:30 UTC but belongs to the 14th."""
    report = services.generate_sorteos(session, scope=scope_of(org.admin), loteria_id=nica.id,
                                       start=date(2026, 3, 14), days=1, now=datetime(2026, 3, 1, tzinfo=UTC))
    last = max(report.created, key=lambda c: c[1])
    assert last[2] == "NICA 19:30"
    assert last[1] == datetime(2026, 3, 15, 1, 30, tzinfo=UTC)
    stored = session.get(Sorteo, last[0])
    assert stored.scheduled_at == datetime(2026, 3, 15, 1, 30, tzinfo=UTC)
    assert cr_date_of(stored.scheduled_at) == date(2026, 3, 14)


def test_generation_in_the_cr_evening_still_targets_the_cr_day(session, org, nica):
    # 19:10 CR on the 14th is already the 15th in UTC: "today" must be the 14th.
    with time_machine.travel(datetime(2026, 3, 15, 1, 10, tzinfo=UTC), tick=False):
        items = services.preview_generation(session, scope=scope_of(org.admin), loteria_id=nica.id,
                                            start=date(2026, 3, 14), days=1)
        assert [(i.occurrence.name, i.past) for i in items] == [
            ("NICA 12:00", True), ("NICA 15:00", True), ("NICA 18:00", True), ("NICA 19:30", False)]


def test_explicit_instants_and_dry_run(session, org, nica):
    scope = scope_of(org.admin)
    start = date(2030, 3, 14)
    dry = services.generate_sorteos(session, scope=scope, loteria_id=nica.id, start=start, days=1, dry_run=True)
    assert len(dry.created) == 4 and count(session, nica) == 0
    chosen = [cr_combine(start, "18:00"), cr_combine(start, "19:30")]
    report = services.generate_sorteos(session, scope=scope, loteria_id=nica.id, start=start, days=1,
                                       instants=chosen)
    assert sorted(c[1] for c in report.created) == chosen and count(session, nica) == 2
    with pytest.raises(InvalidInput):
        services.generate_sorteos(session, scope=scope, loteria_id=nica.id, start=start, days=1,
                                  instants=[cr_combine(start, "18:05")])


def test_range_limits_and_missing_schedules(session, org, nica):
    scope = scope_of(org.admin)
    for days in (0, 32):
        with pytest.raises(InvalidInput):
            services.preview_generation(session, scope=scope, loteria_id=nica.id, start=date(2030, 1, 1), days=days)
    bare = LoteriaFactory(banca=org.banca, rules={"digits": 2})
    with pytest.raises(Conflict, match="horarios"):
        services.preview_generation(session, scope=scope, loteria_id=bare.id, start=date(2030, 1, 1), days=1)


def test_conflicting_insert_counts_as_skipped(session, org, nica):
    """Another writer created an instant between the check and the insert: ON CONFLICT skips it."""
    from app.draws.lifecycle import GenerationReport, insert_missing
    from app.draws.rules import loteria_rules, occurrences
    occs = occurrences("NICA", loteria_rules(nica), date(2030, 5, 1), 1)
    report = GenerationReport()
    insert_missing(session, nica, occs[:2], report)
    insert_missing(session, nica, occs, report)
    assert len(report.created) == 4 and report.skipped == 2 and count(session, nica) == 4
