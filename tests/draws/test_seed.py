"""Demo seed: realistic catalogue, today's and tomorrow's sorteos, idempotent (§24 case 22)."""
from datetime import date, timedelta

import time_machine
from sqlalchemy import func, select

from app.draws.models import Loteria, LoteriaMultiplier, Sorteo, SorteoStatus
from app.draws.seed import seed_demo
from app.org.seed import seed_org
from app.tz import cr_combine, cr_date_of

MONDAY = date(2026, 3, 16)


def test_seed_twice_creates_no_duplicates_and_opens_todays(session):
    demo = seed_org(session)
    with time_machine.travel(cr_combine(MONDAY, "10:00"), tick=False):
        seed_demo(session, demo)
        seed_demo(session, demo)
    names = session.scalars(select(Loteria.name).where(Loteria.banca_id == demo.banca.id).order_by(Loteria.name)).all()
    assert names == ["MONAZOS", "NICA", "TICA"]
    assert session.scalar(select(func.count(LoteriaMultiplier.id)).join(Loteria)
                          .where(Loteria.banca_id == demo.banca.id)) == 6
    sorteos = session.scalars(select(Sorteo).where(Sorteo.banca_id == demo.banca.id)).unique().all()
    assert len(sorteos) == 18  # (3 TICA + 4 NICA + 2 MONAZOS) × Monday and Tuesday
    today = [s for s in sorteos if cr_date_of(s.scheduled_at) == MONDAY]
    tomorrow = [s for s in sorteos if cr_date_of(s.scheduled_at) == MONDAY + timedelta(days=1)]
    assert {s.status for s in today} == {SorteoStatus.OPEN} and len(today) == 9
    assert {s.status for s in tomorrow} == {SorteoStatus.SCHEDULED}
    tica = next(s for s in today if s.name == "TICA 19:30")
    assert tica.scheduled_at == cr_combine(MONDAY, "19:30") and tica.digits == 2


def test_seed_on_sunday_evening_skips_past_draws(session):
    demo = seed_org(session)
    with time_machine.travel(cr_combine(MONDAY - timedelta(days=1), "20:00"), tick=False):
        seed_demo(session, demo)
    names = sorted(s.name for s in session.scalars(select(Sorteo).where(Sorteo.banca_id == demo.banca.id)).unique())
    # Sunday: only NICA 21:00 is still ahead (no TICA on Sunday, MONAZOS 19:00 passed); then all of Monday.
    assert names.count("NICA 21:00") == 2 and names.count("TICA 12:55") == 1 and len(names) == 1 + 9
