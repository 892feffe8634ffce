"""Restriction pages: the ADMIN rule list and editors, and "Mis restricciones" (UX §6, DOMAIN §10.7)."""
from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_login import current_user

from app.auth.decorators import admin_required, any_role
from app.db import unit_of_work
from app.errors import DomainError, NotFound
from app.extensions import db
from app.htmx import redirect as hx_redirect
from app.htmx import render_page_or_fragment
from app.restrictions import effective, forms, pages, services
from app.scope import current_scope

bp = Blueprint("restrictions", __name__)


@bp.route("/restricciones")
@admin_required
def rule_list():
    scope = current_scope()
    filters, page = pages.parse_filters(request.args)
    context = pages.list_context(db.session, scope, filters, page)
    return render_page_or_fragment("restrictions/rules.html", "restrictions/_rules.html", **context)


@bp.route("/restricciones/nueva", methods=["GET", "POST"])
@admin_required
def rule_create():
    scope = current_scope()
    form = forms.RuleForm()
    if request.method == "GET":
        return pages.render_create(db.session, scope, forms.RuleForm(formdata=None, data=pages.create_defaults(request.args)))
    fields, numbers, kind, errors = forms.rule_input(form)
    if errors:
        return pages.render_create(db.session, scope, form, errors=errors, status=422)
    try:
        with unit_of_work() as session:
            created = services.create_rules(session, scope=scope, actor_id=current_user.id, fields=fields,
                                            numbers_text=numbers, expected_kind=kind)
    except DomainError as err:
        return pages.render_create(db.session, scope, form, errors=pages.errors_of(err), status=err.status)
    flash("Restricción creada." if len(created) == 1 else f"{len(created)} restricciones creadas.", "success")
    return hx_redirect(url_for("restrictions.rule_list"))


@bp.route("/restricciones/<uuid:rule_id>/editar", methods=["GET", "POST"])
@admin_required
def rule_edit(rule_id):
    scope = current_scope()
    rule = services.get_rule(db.session, scope=scope, rule_id=rule_id)
    if request.method == "GET":
        return pages.render_edit(db.session, scope, rule, pages.edit_form_for(rule))
    form = forms.RuleEditForm()
    changes, errors = forms.edit_changes(form, set(request.form))
    if errors:
        return pages.render_edit(db.session, scope, rule, form, errors=errors, status=422)
    try:
        with unit_of_work() as session:
            result = services.update_rule(session, scope=scope, actor_id=current_user.id, rule_id=rule_id,
                                          changes=changes, reason=form.reason.data)
    except DomainError as err:
        return pages.render_edit(db.session, scope, rule, form, errors=pages.errors_of(err), status=err.status)
    flash("Cambios guardados." if result.changed else "No hay cambios.", "success" if result.changed else "info")
    return hx_redirect(url_for("restrictions.rule_list"))


@bp.route("/restricciones/<uuid:rule_id>/desactivar", methods=["GET", "POST"])
@admin_required
def rule_delete(rule_id):
    return _state_change(rule_id, services.delete_rule, "Restricción desactivada.", "desactivar")


@bp.route("/restricciones/<uuid:rule_id>/reactivar", methods=["GET", "POST"])
@admin_required
def rule_restore(rule_id):
    return _state_change(rule_id, services.restore_rule, "Restricción reactivada.", "reactivar")


def _state_change(rule_id, action, done: str, verb: str):
    scope = current_scope()
    rule = services.get_rule(db.session, scope=scope, rule_id=rule_id)
    form = forms.ReasonForm()
    if request.method == "GET":
        return pages.render_state(db.session, scope, rule, forms.ReasonForm(formdata=None), verb)
    try:
        with unit_of_work() as session:
            action(session, scope=scope, actor_id=current_user.id, rule_id=rule_id, reason=form.reason.data)
    except DomainError as err:
        return pages.render_state(db.session, scope, rule, form, verb, errors=pages.errors_of(err),
                                  status=err.status)
    flash(done, "success")
    return hx_redirect(url_for("restrictions.rule_list"))


@bp.route("/restricciones/desactivar", methods=["POST"])
@admin_required
def rule_bulk_deactivate():
    scope = current_scope()
    form = forms.BulkForm()
    ids = [forms.parse_uuid(v) for v in request.form.getlist("ids")]

    def invalid(message: str, selected):
        filters, page = pages.parse_filters(request.args)
        context = pages.list_context(db.session, scope, filters, page, bulk_error=message, selected=selected)
        return render_page_or_fragment("restrictions/rules.html", "restrictions/_rules.html", status=422,
                                       **context)
    if not ids or None in ids:  # invalid input: 422 with the message next to the bulk action
        return invalid("Seleccione al menos una restricción.", [i for i in ids if i is not None])
    try:
        with unit_of_work() as session:
            count = services.bulk_deactivate(session, scope=scope, actor_id=current_user.id, rule_ids=ids,
                                             reason=form.reason.data)
    except DomainError as err:
        if err.status != 422:
            raise
        return invalid(err.message, ids)
    flash(f"{count} restricciones desactivadas.", "success")
    return hx_redirect(url_for("restrictions.rule_list"))


@bp.route("/restricciones/mantenimiento", methods=["POST"])
@admin_required
def housekeeping_run():
    """"Ejecutar ahora" for the rules job (runs inline without Redis, else enqueued)."""
    from app.jobs import enqueue
    from app.restrictions.jobs import restriction_rules_job
    result = enqueue(restriction_rules_job, job_id="restriction_rules-manual")
    if not isinstance(result, tuple) and getattr(result, "is_finished", False):
        result = result.return_value()
    if isinstance(result, tuple):
        flash(f"Mantenimiento ejecutado: {result[1]}.", "success")
    else:
        flash("Mantenimiento en cola; actualice en unos segundos.", "info")
    return hx_redirect(url_for("restrictions.rule_list"))


@bp.route("/mis-restricciones")
@any_role
def my_rules():
    scope = current_scope()
    vendedor_id = forms.parse_uuid(request.args.get("vendedor"))
    if request.args.get("vendedor") and vendedor_id is None:
        raise NotFound("El vendedor no existe.")
    view = None
    if scope.is_vendedor or vendedor_id is not None:
        view = effective.vendedor_rules_view(db.session, scope=scope, vendedor_id=vendedor_id)
    picker = effective.vendedores_for_picker(db.session, scope=scope)
    return render_page_or_fragment("restrictions/my_rules.html", "restrictions/_my_rules.html",
                                   view=view, picker=picker, scope=scope,
                                   selected=str(vendedor_id) if vendedor_id else "")
