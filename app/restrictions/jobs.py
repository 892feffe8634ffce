"""Restriction-rules job (DOMAIN §18): daily at 00:00 CR plus a check every 6 h; idempotent."""
from __future__ import annotations

from app.jobs import job
from app.restrictions.housekeeping import run_housekeeping


@job("restriction_rules")
def restriction_rules_job(*, session, now=None):
    """Refresh auto-date numbers and expire past dated rules; returns (count, message)."""
    result = run_housekeeping(session, now=now)
    return result.count, result.message
