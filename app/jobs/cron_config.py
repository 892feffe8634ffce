"""The only periodic schedule for production: `TZ=America/Costa_Rica rq cron app.jobs.cron_config`.

Cron strings are Costa Rica local time (RQ 3 reads them in the process's local time).
The same list drives the in-process scheduler used without Redis (app/jobs/scheduler.py).
"""
from rq import cron

from app.jobs import available_periodic

for _spec in available_periodic():
    if _spec.interval:
        cron.register(_spec.resolve(), "default", interval=_spec.interval, name=_spec.name)
    else:
        cron.register(_spec.resolve(), "default", cron=_spec.cron, name=_spec.name)
