"""Trabajos (UX §6, DOMAIN §18): each periodic job's last run, result, next run, health, flag and
"Ejecutar ahora" (which ignores the flag). ADMIN only; every change audited."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, flash, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from app.audit.services import record
from app.auth.decorators import admin_required
from app.db import unit_of_work
from app.errors import DomainError, NotFound
from app.extensions import db
from app.htmx import redirect as hx_redirect
from app.htmx import render_page_or_fragment
from app.jobs import available_periodic, get_queue, periodic_by_name
from app.jobs.services import JobHealth, list_job_health, set_enabled
from app.scope import current_scope
from app.tz import utcnow

bp = Blueprint("jobs", __name__, url_prefix="/trabajos")


class OpenTimeForm(FlaskForm):
    open_time = StringField("Hora de apertura de sorteos", validators=[DataRequired("Indique la hora.")])


@dataclass(frozen=True)
class JobRow:
    """A job's health (app.jobs.services.JobHealth) with the page's schedule text and next run."""

    job: JobHealth
    schedule: str
    next_run_at: datetime | None

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.job, name)

    @property
    def health(self) -> str:
        return self.job.status

    @property
    def health_label(self) -> str:
        return {"ok": "Al día", "late": "Atrasado", "error": "Con error", "never": "Sin ejecutar",
                "off": "Desactivado"}[self.health]


def _clock(hour: int, minute: int) -> str:
    """12-hour CR wall-clock text as UX §7.3 ("1:30 a. m.")."""
    suffix = "a. m." if hour < 12 else "p. m."
    return f"{hour % 12 or 12}:{minute:02d} {suffix}"


def _schedule_text(spec, open_time=None) -> str:
    if spec.interval:
        return f"Cada {spec.interval // 60} min" if spec.interval >= 60 else f"Cada {spec.interval} s"
    if spec.name == "open_sorteos" and open_time is not None:
        return f"Diario a las {_clock(open_time.hour, open_time.minute)}"
    parts = spec.cron.split()
    hours = [int(h) for h in parts[1].split(",")]
    times = ", ".join(_clock(h, int(parts[0])) for h in hours)
    return ("Diario a la " if len(hours) == 1 and hours[0] % 12 == 1 else "Diario a las ") + times


def job_rows(session, now: datetime) -> list[JobRow]:
    from app.draws import automation
    open_t = automation.get_open_time(session)
    rows = []
    for h in list_job_health(session, now):
        spec = periodic_by_name(h.name)
        next_run = automation.next_open_run(session, now) if h.name == "open_sorteos" else h.next_run_at
        rows.append(JobRow(h, _schedule_text(spec, open_t), next_run if h.enabled else None))
    return rows


def _page(status: int = 200, form=None, fragment: str = "jobs/_trabajos.html"):
    session = db.session
    from app.draws import automation
    t = automation.get_open_time(session)
    form = form or OpenTimeForm(data={"open_time": f"{t.hour:02d}:{t.minute:02d}"})
    return render_page_or_fragment("jobs/trabajos.html", fragment, status=status,
                                   rows=job_rows(session, utcnow()), form=form, queued=get_queue() is not None,
                                   title="Trabajos")


@bp.route("")
@admin_required
def job_list():
    return _page()


def _spec_or_404(name: str):
    spec = periodic_by_name(name)
    if spec is None or spec not in available_periodic():
        raise NotFound("El trabajo no existe.")
    return spec


@bp.route("/<name>/<any(activar, desactivar):accion>", methods=["POST"])
@admin_required
def job_toggle(name, accion):
    spec = _spec_or_404(name)
    with unit_of_work() as session:
        set_enabled(session, name=name, enabled=accion == "activar", actor_id=current_scope().user_id)
    flash(f"Trabajo «{spec.label}» {'activado' if accion == 'activar' else 'desactivado'}.", "success")
    return hx_redirect(url_for("jobs.job_list"))


@bp.route("/<name>/ejecutar", methods=["POST"])
@admin_required
def job_run(name):
    """Run a periodic job now, whatever its flag: on the RQ queue when there is one, else inline."""
    spec = _spec_or_404(name)
    func = spec.resolve()
    kwargs = {"force": True} if "force" in inspect.signature(func).parameters else {}
    with unit_of_work() as session:
        record(session, action="JOB_RUN", layer="system", actor_id=current_scope().user_id, target_type="job",
               target_id=name, description=f"Ejecución manual de «{spec.label}» solicitada",
               details={"manual": True})
    queue = get_queue()
    if queue is not None:
        queue.enqueue(func, **kwargs)
        db.session.expire_all()
        flash(f"«{spec.label}» enviado a la cola de trabajos.", "success")
    else:
        try:
            count, message = func(**kwargs)
        except Exception as exc:  # recorded in JobState by @job; show it to the ADMIN
            flash(f"«{spec.label}» falló: {str(exc)[:200]}", "error")
        else:
            flash(f"«{spec.label}» ejecutado: {message}.", "success")
    return hx_redirect(url_for("jobs.job_list"))


@bp.route("/apertura", methods=["POST"])
@admin_required
def open_time_update():
    from app.draws import automation
    form = OpenTimeForm()
    if not form.validate_on_submit():
        return _page(422, form, "jobs/_apertura.html")
    try:
        with unit_of_work() as session:
            automation.set_open_time(session, value=form.open_time.data, actor_id=current_scope().user_id)
    except DomainError as err:
        if err.status != 422:
            raise
        form.open_time.errors = [err.message]
        return _page(422, form, "jobs/_apertura.html")
    flash("Hora de apertura guardada.", "success")
    return hx_redirect(url_for("jobs.job_list"))
