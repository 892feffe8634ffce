from sqlalchemy import select

from app.audit.models import ActivityLog
from app.jobs.models import JobState


def test_daily_job_run_is_audited_with_its_spanish_label(session):
    from app.restrictions.jobs import restriction_rules_job
    restriction_rules_job()
    row = session.scalars(select(ActivityLog).where(ActivityLog.action == "JOB_RUN",
                                                    ActivityLog.target_id == "restriction_rules")).first()
    assert row is not None
    assert row.details["description"].startswith("Trabajo «Mantenimiento de restricciones» ejecutado")
    state = session.get(JobState, "restriction_rules")
    assert state.last_result == "ok" and state.last_run_at is not None
