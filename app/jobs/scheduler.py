"""In-process scheduler thread for the embedded default (no REDIS_URL): same job functions, same
schedule as app/jobs/cron_config.py, so today's draws open and close on time in the demo."""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from croniter import croniter

from app.jobs import available_periodic
from app.tz import CR, utcnow

log = logging.getLogger(__name__)
_started = False


def _due(spec, last: datetime | None, now: datetime) -> bool:
    if last is None:
        return True
    if spec.interval:
        return (now - last).total_seconds() >= spec.interval
    nxt = croniter(spec.cron, last.astimezone(CR)).get_next(datetime)
    return now >= nxt


def run_pending(app, last_runs: dict) -> None:
    now = utcnow()
    with app.app_context():
        for spec in available_periodic():
            if _due(spec, last_runs.get(spec.name), now):
                last_runs[spec.name] = now
                try:
                    from app.jobs.services import is_enabled
                    if is_enabled(spec.name):
                        spec.resolve()()
                except Exception:  # keep the thread alive; the failure is recorded by @job
                    log.exception("scheduled job %s failed", spec.name)


def start(app, tick_seconds: float = 15.0) -> None:
    """Start the daemon thread once per process."""
    global _started
    if _started:
        return
    _started = True
    last_runs: dict = {}

    def loop():
        while True:
            try:
                run_pending(app, last_runs)
            except Exception:
                log.exception("scheduler tick failed")
            time.sleep(tick_seconds)

    threading.Thread(target=loop, name="banca-scheduler", daemon=True).start()
    log.info("in-process scheduler started")
