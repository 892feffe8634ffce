"""Draw jobs through RQ (fakeredis, or the real Redis when REDIS_URL is set) and time-machine (§18, §23 H)."""
from datetime import date, timedelta, timezone

import pytest
import time_machine
from rq.job import JobStatus
from sqlalchemy import func, select

from app.audit.models import ActivityLog
from app.draws import automation, jobs
from app.draws.models import Sorteo, SorteoStatus
from app.errors import Conflict
from app.jobs.models import JobState
from app.sales.models import Ticket
from app.tz import cr_combine
from tests.draws.helpers import N, make_ticket
from tests.factories.draws import LoteriaFactory, SorteoFactory, TICA_RULES, draw_setup

UTC = timezone.utc
S = SorteoStatus
SUNDAY, MONDAY = date(2026, 3, 15), date(2026, 3, 16)


def at_cr(day, hhmm, seconds=0):
    return cr_combine(day, hhmm) + timedelta(seconds=seconds)


def sorteos_of(session, loteria):
    session.expire_all()
    return session.scalars(select(Sorteo).where(Sorteo.loteria_id == loteria.id).order_by(Sorteo.scheduled_at)).all()


def run_scheduled(queue, when):
    """Move the clock, let the RQ scheduler enqueue due jobs and a worker run them (TOOLING §3)."""
    from rq.scheduler import RQScheduler
    from rq.worker import SimpleWorker
    with time_machine.travel(when, tick=False):
        scheduler = RQScheduler([queue], connection=queue.connection)
        scheduler.acquire_locks()
        scheduler.enqueue_scheduled_jobs()
        scheduler.release_locks()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)


@pytest.fixture
def tica(session, org):
    return LoteriaFactory(banca=org.banca, name="TICA", rules=dict(TICA_RULES))


def test_example_h_create_open_close_through_rq(session, org, tica, async_queue, rq_queue):
    # 01:00 CR Monday: the create job makes Monday's three TICA sorteos (none on Sunday).
    with time_machine.travel(at_cr(MONDAY, "01:00"), tick=False):
        job = rq_queue.enqueue(jobs.create_sorteos_job)
        assert job.get_status() == JobStatus.FINISHED
        assert job.return_value()[0] == 3
        again = rq_queue.enqueue(jobs.create_sorteos_job)
        assert again.return_value()[0] == 0  # a second run creates nothing
    names = [s.name for s in sorteos_of(session, tica)]
    assert names == ["TICA 12:55", "TICA 16:30", "TICA 19:30"]
    # 01:30 CR: the open job opens them and schedules one close job per sorteo at its draw instant.
    with time_machine.travel(at_cr(MONDAY, "01:30"), tick=False):
        opened = rq_queue.enqueue(jobs.open_sorteos_job)
        assert opened.return_value()[0] == 3
    assert {s.status for s in sorteos_of(session, tica)} == {S.OPEN}
    first = sorteos_of(session, tica)[0]
    assert jobs.close_job_id(first.id) in async_queue.scheduled_job_registry.get_job_ids()
    # 12:55:01 CR: the scheduler hands the 12:55 close job to a worker.
    run_scheduled(async_queue, at_cr(MONDAY, "12:55", 1))
    assert [s.status for s in sorteos_of(session, tica)] == [S.CLOSED, S.OPEN, S.OPEN]
    closed_rows = session.scalars(select(ActivityLog).where(ActivityLog.action == "SORTEO_CLOSE")).all()
    assert len(closed_rows) == 1 and closed_rows[0].user_id is None and closed_rows[0].details["source"] == "job"


def test_create_job_skips_sunday_and_past_instants(session, tica, rq_queue):
    with time_machine.travel(at_cr(SUNDAY, "01:00"), tick=False):
        assert rq_queue.enqueue(jobs.create_sorteos_job).return_value()[0] == 0
    with time_machine.travel(at_cr(MONDAY, "17:00"), tick=False):
        assert rq_queue.enqueue(jobs.create_sorteos_job).return_value()[0] == 1  # only 19:30 is ahead
    assert [s.name for s in sorteos_of(session, tica)] == ["TICA 19:30"]


def test_create_job_keeps_days_ahead_and_respects_auto_create(session, org, tica):
    LoteriaFactory(banca=org.banca, name="MANUAL", rules={**TICA_RULES, "auto_create_sorteos": False})
    tica.rules = {**TICA_RULES, "days_ahead": 3}
    session.flush()
    with time_machine.travel(at_cr(MONDAY, "01:00"), tick=False):
        count, message = jobs.create_sorteos_job()
    assert count == 9 and "9 sorteos creados" in message
    assert session.scalar(select(func.count(Sorteo.id))) == 9


def test_flags_and_force(session, tica):
    session.add(JobState(name="create_sorteos", enabled=False))
    session.flush()
    with time_machine.travel(at_cr(MONDAY, "01:00"), tick=False):
        assert jobs.create_sorteos_job() == (0, "Desactivado: no se crearon sorteos")
        assert jobs.create_sorteos_job(force=True)[0] == 3
    state = session.get(JobState, "create_sorteos")
    assert state.last_result == "ok" and state.last_count == 3 and state.enabled is False


def test_open_job_opens_only_todays_active_scheduled(session, org, tica):
    today = SorteoFactory(loteria=tica, status=S.SCHEDULED, scheduled_at=at_cr(MONDAY, "12:55"))
    tomorrow = SorteoFactory(loteria=tica, status=S.SCHEDULED, scheduled_at=at_cr(MONDAY + timedelta(days=1), "12:55"))
    inactive = SorteoFactory(loteria=tica, status=S.SCHEDULED, scheduled_at=at_cr(MONDAY, "16:30"), is_active=False)
    past = SorteoFactory(loteria=tica, status=S.SCHEDULED, scheduled_at=at_cr(MONDAY, "00:30"))
    off = draw_setup(org.banca, status=S.SCHEDULED, scheduled_at=at_cr(MONDAY, "19:30"))
    off.loteria.is_active = False
    session.flush()
    with time_machine.travel(at_cr(MONDAY, "01:30"), tick=False):
        assert jobs.open_sorteos_job()[0] == 1
    session.expire_all()
    assert today.status == S.OPEN
    assert {tomorrow.status, inactive.status, past.status, off.sorteo.status} == {S.SCHEDULED}


def test_open_time_setting_and_force(session, org, tica):
    tica.rules = {**TICA_RULES, "auto_create_sorteos": False}  # only the sorteos made here
    s = SorteoFactory(loteria=tica, status=S.SCHEDULED, scheduled_at=at_cr(MONDAY, "12:55"))
    automation.set_open_time(session, value="05:00", actor_id=org.admin.id)
    with time_machine.travel(at_cr(MONDAY, "01:30"), tick=False):
        count, message = jobs.open_sorteos_job()
        assert count == 0 and "05:00" in message
        assert jobs.sweep_sorteos_job()[0] == 0
    with time_machine.travel(at_cr(MONDAY, "05:00", 20), tick=False):
        assert jobs.sweep_sorteos_job()[0] == 1  # the sweeper opens once the open time has passed
    session.expire_all()
    assert s.status == S.OPEN
    s2 = SorteoFactory(loteria=tica, status=S.SCHEDULED, scheduled_at=at_cr(MONDAY, "16:30"))
    with time_machine.travel(at_cr(MONDAY, "01:40"), tick=False):
        assert jobs.open_sorteos_job(force=True)[0] == 1  # "Ejecutar ahora" ignores the time
    session.expire_all()
    assert s2.status == S.OPEN
    assert session.scalars(select(ActivityLog).where(ActivityLog.action == "JOB_CONFIG_UPDATE")).one()


def test_sweeper_catches_a_lost_close_and_audits_only_changes(session, org, rq_queue):
    d = draw_setup(org.banca, scheduled_at=at_cr(MONDAY, "12:55"))
    t = make_ticket(d.sorteo, org.vendedor, [(N, "25", 1000, d.m90)])
    with time_machine.travel(at_cr(MONDAY, "12:54", 59), tick=False):
        assert rq_queue.enqueue(jobs.sweep_sorteos_job).return_value()[0] == 0
    with time_machine.travel(at_cr(MONDAY, "12:55", 30), tick=False):
        assert rq_queue.enqueue(jobs.sweep_sorteos_job).return_value()[0] == 1
        assert rq_queue.enqueue(jobs.sweep_sorteos_job).return_value()[0] == 0
    session.expire_all()
    assert d.sorteo.status == S.CLOSED and session.get(Ticket, t.id).sorteo_closed
    runs = session.scalars(select(ActivityLog).where(ActivityLog.action == "JOB_RUN",
                                                     ActivityLog.target_id == "sorteo_sweeper")).all()
    assert len(runs) == 1
    state = session.get(JobState, "sorteo_sweeper")
    assert state.last_result == "ok" and state.last_count == 0


def test_sweeper_creates_todays_missing_sorteos(session, tica):
    with time_machine.travel(at_cr(MONDAY, "14:00"), tick=False):
        count, message = jobs.sweep_sorteos_job()
    assert count == 4  # 16:30 and 19:30 created, then opened (open time 01:30 passed)
    assert [(s.name, s.status) for s in sorteos_of(session, tica)] == [("TICA 16:30", S.OPEN), ("TICA 19:30", S.OPEN)]


def test_close_job_is_idempotent_and_waits_for_the_instant(session, org):
    d = draw_setup(org.banca, scheduled_at=at_cr(MONDAY, "12:55"))
    with time_machine.travel(at_cr(MONDAY, "12:50"), tick=False):
        assert jobs.close_sorteo_job(str(d.sorteo.id)) == (0, "Sin cambios")
    with time_machine.travel(at_cr(MONDAY, "12:55"), tick=False):
        assert jobs.close_sorteo_job(str(d.sorteo.id))[0] == 1
        assert jobs.close_sorteo_job(str(d.sorteo.id)) == (0, "Sin cambios")


def test_schedule_close_replaces_stale_job(session, org, async_queue):
    d = draw_setup(org.banca)
    first = jobs.schedule_close(d.sorteo)
    assert jobs.schedule_close(d.sorteo).id == first.id  # same instant: kept
    d.sorteo.scheduled_at = d.sorteo.scheduled_at + timedelta(minutes=10)
    moved = jobs.schedule_close(d.sorteo)
    when = async_queue.scheduled_job_registry.get_scheduled_time(moved)
    assert int(when.timestamp()) == int(d.sorteo.scheduled_at.timestamp())


# ---------------------------------------------------------------- evaluation job

def evaluated_input(session, d, number, extra=None):
    from app.draws.evaluation import check_evaluation
    return check_evaluation(session, d.sorteo, number=number, extra_multiplier_id=extra.id if extra else None)


def test_evaluation_job_through_rq(session, org, rq_queue):
    d = draw_setup(org.banca, status=S.CLOSED, scheduled_at=at_cr(MONDAY, "12:55"))
    t = make_ticket(d.sorteo, org.vendedor, [(N, "25", 1000, d.m90)])
    with time_machine.travel(at_cr(MONDAY, "13:05"), tick=False):
        job = jobs.enqueue_evaluation(d.sorteo.id, evaluated_input(session, d, "25", d.roja), org.admin.id)
        assert job.id == f"sorteo-{d.sorteo.id}-evaluate"
        assert job.get_status() == JobStatus.FINISHED
        assert jobs.evaluation_job_state(d.sorteo.id) == ("finished", None)
        # Re-running (a double submit) replaces the finished job and changes nothing.
        again = jobs.enqueue_evaluation(d.sorteo.id, evaluated_input(session, d, "25", d.roja), org.admin.id)
        assert again.return_value()[0] == 0
    session.expire_all()
    assert d.sorteo.status == S.EVALUATED and session.get(Ticket, t.id).total_payout == 90000
    assert session.scalar(select(func.count()).select_from(ActivityLog)
                          .where(ActivityLog.action == "SORTEO_EVALUATE")) == 1


def test_failed_evaluation_job_reports_the_reason(session, org, rq_queue):
    d = draw_setup(org.banca, status=S.CLOSED, scheduled_at=at_cr(MONDAY, "12:55"))
    data = evaluated_input(session, d, "25")
    d.sorteo.status = S.OPEN  # reopened meanwhile: the job re-checks under the lock
    session.commit()  # the failing job rolls back its own transaction only
    with time_machine.travel(at_cr(MONDAY, "13:05"), tick=False):
        job = jobs.enqueue_evaluation(d.sorteo.id, data, org.admin.id)
    assert job.get_status() == JobStatus.FAILED
    status, message = jobs.evaluation_job_state(d.sorteo.id)
    assert status == "failed" and "cierre las ventas" in message


def test_evaluation_inline_without_redis(session, org, embedded):
    d = draw_setup(org.banca, status=S.CLOSED, scheduled_at=at_cr(MONDAY, "12:55"))
    data = evaluated_input(session, d, "25")
    with time_machine.travel(at_cr(MONDAY, "13:05"), tick=False):
        assert jobs.enqueue_evaluation(d.sorteo.id, data, org.admin.id)[0] == 0  # no tickets
        assert jobs.evaluation_job_state(d.sorteo.id) == (None, None)
    session.expire_all()
    assert d.sorteo.status == S.EVALUATED
    with time_machine.travel(at_cr(MONDAY, "13:06"), tick=False), pytest.raises(Conflict):
        jobs.enqueue_evaluation(d.sorteo.id, evaluated_input(session, d, "31"), org.admin.id)


def test_embedded_mode_leaves_close_to_the_sweeper(session, org, embedded):
    d = draw_setup(org.banca)
    assert jobs.schedule_close(d.sorteo) is None


def test_after_evaluation_job_calls_the_accounts_recompute(session, org, monkeypatch):
    import sys
    import types
    calls = []
    fake = types.ModuleType("app.accounts.services")
    fake.recompute_after_results = lambda **kw: calls.append(kw) or 3
    monkeypatch.setitem(sys.modules, "app.accounts.services", fake)
    import app.accounts
    monkeypatch.setattr(app.accounts, "services", fake, raising=False)
    d = draw_setup(org.banca, status=S.EVALUATED, scheduled_at=at_cr(MONDAY, "19:30"))
    assert jobs.after_evaluation_job(str(d.sorteo.id))[0] == 3
    assert calls == [{"session": session, "banca_id": org.banca.id, "business_date": MONDAY,
                      "sorteo_id": d.sorteo.id}]


def test_job_state_records_failures(session, org, monkeypatch):
    session.commit()

    def boom(*a, **k):
        raise RuntimeError("fallo de prueba")
    monkeypatch.setattr(automation, "create_upcoming", boom)
    with pytest.raises(RuntimeError):
        jobs.create_sorteos_job(force=True)
    state = session.get(JobState, "create_sorteos")
    assert state.last_result == "error" and "fallo de prueba" in state.last_message




def test_a_failing_sorteo_does_not_stop_the_sweeper(session, org, monkeypatch):
    first = draw_setup(org.banca, scheduled_at=at_cr(MONDAY, "12:00"))
    second = draw_setup(org.banca, scheduled_at=at_cr(MONDAY, "12:30"))
    real = automation.do_close

    def flaky(session_, sorteo, **kw):
        if sorteo.id == first.sorteo.id:
            raise RuntimeError("fila dañada")
        return real(session_, sorteo, **kw)
    monkeypatch.setattr(automation, "do_close", flaky)
    with time_machine.travel(at_cr(MONDAY, "13:00"), tick=False):
        count, message = jobs.sweep_sorteos_job()
    assert count == 1 and second.sorteo.name in message
    session.expire_all()
    assert (first.sorteo.status, second.sorteo.status) == (S.OPEN, S.CLOSED)
