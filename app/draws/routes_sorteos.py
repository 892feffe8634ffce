"""Sorteo pages (UX §6 "Sorteos", "Evaluar sorteo"): list, create/edit, generate, transitions, evaluation.

Transitions answer HX-Redirect / 303 with a flash on success; a refusal (409/403/404) renders the error
into #mensajes for HTMX, or the sorteo page with the message otherwise.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import flash, render_template, request, url_for

from app.auth.decorators import admin_required, any_role
from app.db import unit_of_work
from app.draws import jobs as draw_jobs
from app.draws import queries, services
from app.draws.forms import (ACTIVE_CHOICES, STATUS_CHOICES, EvaluateForm, GenerateForm, OptionalReasonForm,
                             ReasonForm, SorteoForm, choices)
from app.draws.models import SorteoStatus
from app.draws.routes import ACTIVE, apply_errors, bp, safe_next
from app.errors import DomainError, InvalidInput
from app.extensions import db
from app.htmx import is_partial, redirect as hx_redirect, render_page_or_fragment, trigger
from app.scope import current_scope
from app.tz import cr_date_of, cr_today, format_date, to_cr, utcnow


def _parse_date(value: str | None, default: date | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _loteria_choices(form_field, *, active=True, blank="Elija…"):
    loterias = services.list_loterias(db.session, current_scope(), active=active)
    form_field.choices = choices([("", blank)] + [(str(lot.id), lot.name) for lot in loterias])
    return loterias


# ------------------------------------------------------------------------------ list

@bp.route("/sorteos")
@any_role
def sorteo_list():
    scope = current_scope()
    scope.require_banca()
    day = _parse_date(request.args.get("fecha"), cr_today())
    status = request.args.get("estado") if request.args.get("estado") in dict(STATUS_CHOICES) else ""
    estado_activo = request.args.get("activos", "activos")
    loteria_id = request.args.get("loteria") or ""
    filters = queries.SorteoFilters(day=day, status=status or None, active=ACTIVE.get(estado_activo, True))
    try:
        filters.loteria_id = services.get_loteria(db.session, scope, loteria_id).id if loteria_id else None
    except DomainError:
        loteria_id = ""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, stats, total = services.list_sorteos(db.session, scope, filters, page=page)
    now = utcnow()
    cutoffs = services.cutoffs_for(db.session, rows, now) if scope.is_admin else {}
    actions = {s.id: _actions(s, stats[s.id].tickets, now, cutoffs.get(s.id)) for s in rows} if scope.is_admin else {}
    args = {"fecha": day.isoformat(), "estado": status, "activos": estado_activo, "loteria": loteria_id}
    return render_page_or_fragment(
        "draws/sorteos.html", "draws/_sorteo_table.html", sorteos=rows, stats=stats, actions=actions,
        total=total, page_no=page, per_page=50, day=day, prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
        status_filter=status, estado_activo=estado_activo, loteria_id=loteria_id, args=args,
        loterias=services.list_loterias(db.session, scope, active=None), status_choices=STATUS_CHOICES,
        active_choices=ACTIVE_CHOICES, is_admin=scope.is_admin, title="Sorteos", here=request.full_path)


def _actions(sorteo, tickets: int, now: datetime, cutoff) -> set[str]:
    return services.sorteo_actions(status=sorteo.status.value, is_active=sorteo.is_active, has_tickets=tickets > 0,
                                   now=now, scheduled_at=sorteo.scheduled_at,
                                   closes_at=cutoff.closes_at if cutoff else None)


# ------------------------------------------------------------------------------ detail

def _detail_context(sorteo_id, **extra):
    scope = current_scope()
    sorteo = services.get_sorteo(db.session, scope, sorteo_id)
    now = utcnow()
    stats = queries.stats_for(db.session, [sorteo.id])[sorteo.id]
    cutoff = services.sorteo_cutoff(db.session, sorteo, now)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    winners, winners_total = services.winners(db.session, scope, sorteo.id, page=page) \
        if sorteo.status == SorteoStatus.EVALUATED else ([], 0)
    job_status, job_error = draw_jobs.evaluation_job_state(sorteo.id) if sorteo.status == SorteoStatus.CLOSED \
        else (None, None)
    ctx = dict(sorteo=sorteo, stats=stats, cutoff=cutoff, is_admin=scope.is_admin, now=now,
               actions=_actions(sorteo, stats.tickets, now, cutoff) if scope.is_admin else set(),
               winners=winners, winners_total=winners_total, page_no=page, job_status=job_status, job_error=job_error,
               reopen_form=ReasonForm(prefix="reabrir"), revert_form=ReasonForm(prefix="revertir"),
               cancel_form=OptionalReasonForm(prefix="cancelar"),
               title=f"{sorteo.name} · {format_date(sorteo.scheduled_at)}", error=None)
    ctx.update(extra)
    return ctx


@bp.route("/sorteos/<uuid:sorteo_id>")
@any_role
def sorteo_detail(sorteo_id):
    return render_page_or_fragment("draws/sorteo_detail.html", "draws/_sorteo_detail.html",
                                   **_detail_context(sorteo_id))


def _refused(err: DomainError, sorteo_id):
    if is_partial():
        return render_template("components/_error.html", message=err.message, status=err.status), err.status
    try:
        ctx = _detail_context(sorteo_id, error=err.message)
    except DomainError:
        return render_template("errors/error.html", message=err.message, status=err.status), err.status
    return render_template("draws/sorteo_detail.html", **ctx), err.status


def _done(message: str, sorteo_id):
    flash(message, "success")
    back = safe_next(request.form.get("next")) or url_for("draws.sorteo_detail", sorteo_id=sorteo_id)
    return hx_redirect(back)


def _transition(sorteo_id, fn, message: str, **kwargs):
    """Run one transition in its own writer transaction; after commit, (re)schedule the close job."""
    try:
        with unit_of_work(immediate=True) as session:
            sorteo = fn(session, scope=current_scope(), sorteo_id=sorteo_id, **kwargs)
            name, is_open = sorteo.name, sorteo.status == SorteoStatus.OPEN
    except DomainError as err:
        return _refused(err, sorteo_id)
    if is_open:
        draw_jobs.schedule_close(services.get_sorteo(db.session, current_scope(), sorteo_id))
    return _done(message.format(name=name), sorteo_id)


@bp.route("/sorteos/<uuid:sorteo_id>/abrir", methods=["POST"])
@admin_required
def sorteo_open(sorteo_id):
    return _transition(sorteo_id, services.open_sorteo, "Sorteo {name} abierto a la venta.")


@bp.route("/sorteos/<uuid:sorteo_id>/cerrar", methods=["POST"])
@admin_required
def sorteo_close(sorteo_id):
    return _transition(sorteo_id, services.close_sorteo, "Ventas del sorteo {name} cerradas.")


@bp.route("/sorteos/<uuid:sorteo_id>/reactivar", methods=["POST"])
@admin_required
def sorteo_reactivate(sorteo_id):
    return _transition(sorteo_id, services.reactivate_sorteo, "Sorteo {name} reactivado.")


def _reason_action(sorteo_id, form, fid: str, fn, message: str, **kwargs):
    """Reopen / revert / cancel: a reason form that re-renders itself on 422 and shows refusals in place."""
    if not form.validate_on_submit():
        return _reason_fragment(sorteo_id, form, fid, 422)
    try:
        with unit_of_work(immediate=True) as session:
            sorteo = fn(session, scope=current_scope(), sorteo_id=sorteo_id, reason=form.reason.data, **kwargs)
            name, is_open, closed = sorteo.name, sorteo.status == SorteoStatus.OPEN, \
                sorteo.status == SorteoStatus.CLOSED
    except DomainError as err:
        if err.status == 422:
            form.reason.errors = [err.message]
        return _reason_fragment(sorteo_id, form, fid, err.status, error=None if err.status == 422 else err.message)
    if is_open:
        draw_jobs.schedule_close(services.get_sorteo(db.session, current_scope(), sorteo_id))
    if fid == "form-revertir" and closed:
        draw_jobs.enqueue_after_results(sorteo_id)
    return _done(message.format(name=name), sorteo_id)


def _reason_fragment(sorteo_id, form, fid, status, error=None):
    forms = {"form-reabrir": "reopen_form", "form-revertir": "revert_form", "form-cancelar": "cancel_form"}
    ctx = _detail_context(sorteo_id, **{forms[fid]: form}, error=error, open_form=fid)
    if is_partial():
        return render_template(f"draws/_{fid}.html", **ctx), status
    return render_template("draws/sorteo_detail.html", **ctx), status


@bp.route("/sorteos/<uuid:sorteo_id>/reabrir", methods=["POST"])
@admin_required
def sorteo_reopen(sorteo_id):
    return _reason_action(sorteo_id, ReasonForm(prefix="reabrir"), "form-reabrir", services.reopen_sorteo,
                          "Sorteo {name} reabierto.")


@bp.route("/sorteos/<uuid:sorteo_id>/revertir", methods=["POST"])
@admin_required
def sorteo_revert(sorteo_id):
    return _reason_action(sorteo_id, ReasonForm(prefix="revertir"), "form-revertir", services.revert_evaluation,
                          "Evaluación del sorteo {name} revertida: puede evaluarlo de nuevo.")


@bp.route("/sorteos/<uuid:sorteo_id>/cancelar", methods=["POST"])
@admin_required
def sorteo_cancel(sorteo_id):
    form = OptionalReasonForm(prefix="cancelar")  # the list's one-click button sends no reason
    return _reason_action(sorteo_id, form, "form-cancelar", services.cancel_sorteo, "Sorteo {name} cancelado.")


# ------------------------------------------------------------------------------ create / edit

def _sorteo_form_page(form, sorteo=None, status=200, error=None):
    return render_page_or_fragment("draws/sorteo_form.html", "draws/_sorteo_form.html", status=status, form=form,
                                   sorteo=sorteo, error=error,
                                   title=f"Editar {sorteo.name}" if sorteo else "Nuevo sorteo")


@bp.route("/sorteos/nuevo", methods=["GET", "POST"])
@admin_required
def sorteo_create():
    current_scope().require_banca()
    form = SorteoForm() if request.method == "POST" else SorteoForm(data={"day": cr_today(),
                                                                           "loteria_id": request.args.get("loteria", "")})
    _loteria_choices(form.loteria_id)
    if request.method == "GET":
        return _sorteo_form_page(form)
    if not form.validate_on_submit():
        return _sorteo_form_page(form, status=422)
    try:
        with unit_of_work() as session:
            sorteo = services.create_sorteo(session, scope=current_scope(), loteria_id=form.loteria_id.data,
                                            day=form.day.data, time_text=form.time.data, name=form.name.data)
            sid, name = sorteo.id, sorteo.name
    except DomainError as err:
        if err.status not in (409, 422):
            raise
        return _sorteo_form_page(form, status=err.status, error=apply_errors(form, err, {"day": "day", "time": "time"}))
    flash(f"Sorteo {name} creado.", "success")
    return hx_redirect(url_for("draws.sorteo_detail", sorteo_id=sid))


@bp.route("/sorteos/<uuid:sorteo_id>/editar", methods=["GET", "POST"])
@admin_required
def sorteo_edit(sorteo_id):
    sorteo = services.get_sorteo(db.session, current_scope(), sorteo_id)
    if request.method == "GET":
        form = SorteoForm(data={"loteria_id": str(sorteo.loteria_id), "day": cr_date_of(sorteo.scheduled_at),
                                "time": f"{to_cr(sorteo.scheduled_at):%H:%M}", "name": sorteo.name,
                                "digits": sorteo.digits})
    else:
        form = SorteoForm()
    _loteria_choices(form.loteria_id, active=None)
    if request.method == "GET":
        return _sorteo_form_page(form, sorteo)
    if not form.validate_on_submit():
        return _sorteo_form_page(form, sorteo, 422)
    try:
        with unit_of_work(immediate=True) as session:
            updated, changed = services.update_sorteo(
                session, scope=current_scope(), sorteo_id=sorteo_id, name=form.name.data, day=form.day.data,
                time_text=form.time.data, digits=form.digits.data, loteria_id=form.loteria_id.data)
            is_open = updated.status == SorteoStatus.OPEN
    except DomainError as err:
        if err.status not in (409, 422):
            raise
        return _sorteo_form_page(form, sorteo, err.status,
                                 apply_errors(form, err, {"day": "day", "time": "time", "loteria_id": "loteria_id"}))
    if changed and is_open:
        draw_jobs.schedule_close(services.get_sorteo(db.session, current_scope(), sorteo_id))
    flash("Cambios guardados." if changed else "No hay cambios.", "success" if changed else "info")
    return hx_redirect(url_for("draws.sorteo_detail", sorteo_id=sorteo_id))


# ------------------------------------------------------------------------------ generation

@bp.route("/sorteos/generar", methods=["GET", "POST"])
@admin_required
def sorteo_generate():
    scope = current_scope()
    scope.require_banca()
    if request.method == "GET":
        form = GenerateForm(data={"start": cr_today(), "days": 1, "loteria_id": request.args.get("loteria", "")})
    else:
        form = GenerateForm()
    loterias = _loteria_choices(form.loteria_id)
    ctx = dict(form=form, items=None, report=None, error=None, title="Generar sorteos",
               days_ahead={str(lot.id): services.loteria_rules(lot).days_ahead for lot in loterias})
    if request.method == "GET":
        return render_page_or_fragment("draws/generar.html", "draws/_generar.html", **ctx)
    if not form.validate_on_submit():
        return render_page_or_fragment("draws/generar.html", "draws/_generar.html", status=422, **ctx)
    crear = request.form.get("accion") == "crear"
    try:
        if crear:
            instants = _chosen_instants()
            with unit_of_work() as session:
                ctx["report"] = services.generate_sorteos(session, scope=scope, loteria_id=form.loteria_id.data,
                                                          start=form.start.data, days=form.days.data, instants=instants)
        ctx["items"] = services.preview_generation(db.session, scope=scope, loteria_id=form.loteria_id.data,
                                                   start=form.start.data, days=form.days.data)
    except DomainError as err:
        if err.status not in (409, 422):
            raise
        ctx["error"] = apply_errors(form, err, {"start": "start", "days": "days"})
        return render_page_or_fragment("draws/generar.html", "draws/_generar.html", status=err.status, **ctx)
    resp = render_page_or_fragment("draws/generar.html", "draws/_generar.html", **ctx)
    if ctx["report"] is not None:
        trigger(resp, "toast", {"message": ctx["report"].message + ".", "level": "success"})
    return resp


def _chosen_instants() -> list[datetime]:
    values = request.form.getlist("instantes")
    if not values:
        raise InvalidInput("Seleccione al menos un sorteo para crear.", field="instants")
    out = []
    for value in values:
        try:
            out.append(datetime.fromisoformat(value))
        except ValueError:
            raise InvalidInput("Un sorteo elegido no es válido.", field="instants") from None
    return out


# ------------------------------------------------------------------------------ evaluation

def _evaluation_form(sorteo, formdata=True):
    form = EvaluateForm() if formdata else EvaluateForm(formdata=None)
    form.extra_multiplier_id.choices = choices([("", "Sin reventado")] + [
        (str(m.id), f"{m.name} · paga {services.format_x(m.value_x)} veces")
        for m in services.evaluation_options(db.session, sorteo)])
    return form


def _evaluation_page(sorteo_id, fragment: str, status: int = 200, **extra):
    scope = current_scope()
    sorteo = services.get_sorteo(db.session, scope, sorteo_id)
    stats = queries.stats_for(db.session, [sorteo.id])[sorteo.id]
    job_status, job_error = draw_jobs.evaluation_job_state(sorteo.id) \
        if sorteo.status != SorteoStatus.EVALUATED else (None, None)
    ctx = dict(sorteo=sorteo, stats=stats, form=extra.pop("form", None) or _evaluation_form(sorteo, formdata=False),
               preview=None, data=None, error=None, blocked=None, job_status=job_status, job_error=job_error,
               title=f"Evaluar {sorteo.name} · {format_date(sorteo.scheduled_at)}", body_template=fragment,
               format_x=services.format_x)
    ctx.update(extra)
    if ctx["blocked"] is None and sorteo.status != SorteoStatus.EVALUATED and job_status not in ("queued", "started"):
        try:
            services.check_state_for_evaluation(sorteo, utcnow())
        except DomainError as err:
            ctx["blocked"] = err.message
    return render_page_or_fragment("draws/evaluar.html", fragment, status=status, **ctx)


@bp.route("/sorteos/<uuid:sorteo_id>/evaluar", methods=["GET"])
@admin_required
def sorteo_evaluate(sorteo_id):
    sorteo = services.get_sorteo(db.session, current_scope(), sorteo_id)
    fragment = "draws/_evaluacion_estado.html" if sorteo.status == SorteoStatus.EVALUATED \
        else "draws/_evaluar_form.html"
    return _evaluation_page(sorteo_id, fragment)


def _checked_evaluation(sorteo_id):
    """(form, data, preview) or raises DomainError / returns a 422 response."""
    sorteo = services.get_sorteo(db.session, current_scope(), sorteo_id)
    form = _evaluation_form(sorteo)
    if not form.validate_on_submit():
        return form, None, None
    sorteo, data, preview = services.prepare_evaluation(
        db.session, scope=current_scope(), sorteo_id=sorteo_id, number=form.winning_number.data,
        extra_multiplier_id=form.extra_multiplier_id.data or None, label=form.label.data)
    return form, data, preview


@bp.route("/sorteos/<uuid:sorteo_id>/evaluar/vista-previa", methods=["POST"])
@admin_required
def evaluation_preview(sorteo_id):
    try:
        form, data, preview = _checked_evaluation(sorteo_id)
    except DomainError as err:
        return _evaluation_error(sorteo_id, err)
    if data is None or request.form.get("accion") == "corregir":
        return _evaluation_page(sorteo_id, "draws/_evaluar_form.html", 422 if data is None else 200, form=form)
    return _evaluation_page(sorteo_id, "draws/_evaluar_preview.html", form=form, data=data, preview=preview)


def _evaluation_error(sorteo_id, err: DomainError):
    sorteo = services.get_sorteo(db.session, current_scope(), sorteo_id)
    form = _evaluation_form(sorteo)
    form.validate()
    if err.status == 422 and err.field and hasattr(form, err.field):
        getattr(form, err.field).errors = [err.message]
        return _evaluation_page(sorteo_id, "draws/_evaluar_form.html", 422, form=form)
    return _evaluation_page(sorteo_id, "draws/_evaluar_form.html", err.status, form=form, error=err.message)


@bp.route("/sorteos/<uuid:sorteo_id>/evaluar", methods=["POST"])
@admin_required
def evaluation_confirm(sorteo_id):
    try:
        form, data, _ = _checked_evaluation(sorteo_id)
        if data is None:
            return _evaluation_page(sorteo_id, "draws/_evaluar_form.html", 422, form=form)
        draw_jobs.enqueue_evaluation(sorteo_id, data, current_scope().user_id)
    except DomainError as err:
        return _evaluation_error(sorteo_id, err)
    db.session.expire_all()
    if not is_partial():
        flash("Evaluación enviada." if _pending(sorteo_id) else "Sorteo evaluado.", "success")
        return hx_redirect(url_for("draws.sorteo_detail", sorteo_id=sorteo_id))
    return _evaluation_page(sorteo_id, "draws/_evaluacion_estado.html")


def _pending(sorteo_id) -> bool:
    return draw_jobs.evaluation_job_state(sorteo_id)[0] in ("queued", "started", "scheduled", "deferred")


@bp.route("/sorteos/<uuid:sorteo_id>/evaluacion")
@admin_required
def evaluation_status(sorteo_id):
    """The self-replacing progress widget the evaluation page polls until the job is done."""
    return _evaluation_page(sorteo_id, "draws/_evaluacion_estado.html")

