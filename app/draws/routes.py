"""Catalogue pages (UX §6): Loterías and Multiplicadores. Sorteo pages live in routes_sorteos.py.

Everyone in the banca reads the lists; only ADMIN creates, edits, deactivates and reactivates.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, flash, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from app.auth.decorators import admin_required, any_role
from app.db import unit_of_work
from app.draws import queries, services
from app.draws.forms import (ACTIVE_CHOICES, KIND_CHOICES, LoteriaForm, MultiplierForm, OptionalReasonForm, choices,
                             form_data_from_rules, rules_from_form)
from app.draws.models import Sorteo
from app.draws.rules import NEW_LOTERIA_DEFAULTS
from app.errors import DomainError
from app.extensions import db
from app.htmx import is_partial, redirect as hx_redirect, render_page_or_fragment
from app.scope import current_scope
from app.tz import format_date, utcnow

bp = Blueprint("draws", __name__)

ACTIVE = {"activos": True, "inactivos": False, "todos": None}
RULE_FIELDS = {"name": "name", "digits": "digits", "color": "color", "days_ahead": "days_ahead",
               "closing_time_before_draw": "closing_minutes", "min_bet_amount": "min_bet",
               "max_bet_amount": "max_bet", "max_numbers_per_ticket": "max_numbers"}


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after an action (never another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def refused(err: DomainError, page: str, fragment: str = "components/_error.html", **context):
    """A refusal: the error fragment for HTMX (into #mensajes), else the page with the message."""
    template = fragment if is_partial() else page
    return render_template(template, message=err.message, status=err.status, error=err.message,
                           **context), err.status


def apply_errors(form, err: DomainError, mapping: dict) -> str | None:
    """Put a service error under its field; return a form-level message for the rest."""
    leftover = []
    for key, messages in (err.errors or {}).items():
        name = mapping.get(key, key)
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors") and not isinstance(field.errors, dict):
            field.errors = list(field.errors or []) + list(messages)
        else:
            leftover.extend(messages)
    if not err.errors:
        leftover.append(err.message)
    return " ".join(leftover) or None


# ------------------------------------------------------------------------------ Loterías

@bp.route("/loterias")
@any_role
def loteria_list():
    scope = current_scope()
    scope.require_banca()
    estado = request.args.get("estado", "activos")
    q = (request.args.get("q") or "").strip()[:100]
    loterias = services.list_loterias(db.session, scope, active=ACTIVE.get(estado, True), search=q)
    return render_page_or_fragment("draws/loterias.html", "draws/_loteria_table.html", loterias=loterias,
                                   estado=estado, q=q, active_choices=ACTIVE_CHOICES, rules_of=services.loteria_rules,
                                   title="Loterías")


def _loteria_form_page(form, loteria=None, status=200, error=None):
    return render_page_or_fragment("draws/loteria_form.html", "draws/_loteria_form.html", status=status, form=form,
                                   loteria=loteria, error=error,
                                   title=f"Editar {loteria.name}" if loteria else "Nueva lotería")


def _save_loteria(form, loteria=None):
    if request.form.get("accion") == "agregar-horario":
        form.schedules.append_entry()
        return _loteria_form_page(form, loteria)
    if not form.validate_on_submit():
        return _loteria_form_page(form, loteria, 422)
    scope = current_scope()
    try:
        with unit_of_work() as session:
            if loteria is None:
                services.create_loteria(session, scope=scope, name=form.name.data, rules=rules_from_form(form))
                changed = True
            else:
                changed = services.update_loteria(session, scope=scope, loteria_id=loteria.id, name=form.name.data,
                                                  rules=rules_from_form(form))
    except DomainError as err:
        if err.status not in (409, 422):
            raise
        return _loteria_form_page(form, loteria, err.status, apply_errors(form, err, RULE_FIELDS))
    flash("Cambios guardados." if changed else "No hay cambios.", "success" if changed else "info")
    return hx_redirect(url_for("draws.loteria_list"))


@bp.route("/loterias/nueva", methods=["GET", "POST"])
@admin_required
def loteria_create():
    current_scope().require_banca()
    if request.method == "GET":
        return _loteria_form_page(LoteriaForm(data=form_data_from_rules("", NEW_LOTERIA_DEFAULTS)))
    return _save_loteria(LoteriaForm())


@bp.route("/loterias/<uuid:loteria_id>", methods=["GET", "POST"])
@admin_required
def loteria_edit(loteria_id):
    loteria = services.get_loteria(db.session, current_scope(), loteria_id)
    if request.method == "GET":
        return _loteria_form_page(LoteriaForm(data=form_data_from_rules(loteria.name, loteria.rules)), loteria)
    return _save_loteria(LoteriaForm(), loteria)


@bp.route("/loterias/<uuid:loteria_id>/desactivar", methods=["POST"])
@admin_required
def loteria_deactivate(loteria_id):
    form = OptionalReasonForm()
    try:
        with unit_of_work() as session:
            n = services.deactivate_loteria(session, scope=current_scope(), loteria_id=loteria_id,
                                            reason=form.reason.data)
    except DomainError as err:
        return refused(err, "draws/loterias.html", **_list_context())
    flash(f"Lotería desactivada; {n} sorteo{'s' if n != 1 else ''} desactivado{'s' if n != 1 else ''}.", "success")
    return hx_redirect(safe_next(form.next.data) or url_for("draws.loteria_list"))


@bp.route("/loterias/<uuid:loteria_id>/reactivar", methods=["POST"])
@admin_required
def loteria_reactivate(loteria_id):
    form = OptionalReasonForm()
    try:
        with unit_of_work() as session:
            n = services.reactivate_loteria(session, scope=current_scope(), loteria_id=loteria_id)
    except DomainError as err:
        return refused(err, "draws/loterias.html", **_list_context())
    flash(f"Lotería reactivada; {n} sorteo{'s' if n != 1 else ''} reactivado{'s' if n != 1 else ''}.", "success")
    return hx_redirect(safe_next(form.next.data) or url_for("draws.loteria_list", estado="todos"))


def _list_context():
    scope = current_scope()
    return {"loterias": services.list_loterias(db.session, scope, active=None), "estado": "todos", "q": "",
            "active_choices": ACTIVE_CHOICES, "rules_of": services.loteria_rules, "title": "Loterías"}


# ------------------------------------------------------------------------------ Multiplicadores

@bp.route("/multiplicadores")
@any_role
def multiplier_list():
    scope = current_scope()
    scope.require_banca()
    estado = request.args.get("estado", "activos")
    loteria_id = request.args.get("loteria") or None
    kind = request.args.get("tipo") if request.args.get("tipo") in ("NUMERO", "REVENTADO") else None
    try:
        mults = services.list_multipliers(db.session, scope, loteria_id=_uuid_or_none(loteria_id), kind=kind,
                                          active=ACTIVE.get(estado, True))
    except ValueError:
        mults = []
    return render_page_or_fragment(
        "draws/multiplicadores.html", "draws/_multiplier_table.html", multipliers=mults, estado=estado,
        loteria_id=loteria_id or "", tipo=kind or "", loterias=services.list_loterias(db.session, scope, active=None),
        active_choices=ACTIVE_CHOICES, kind_choices=KIND_CHOICES, format_x=services.format_x,
        title="Multiplicadores")


def _uuid_or_none(value):
    return uuid.UUID(str(value)) if value else None


def _multiplier_choices(form, mult=None):
    scope = current_scope()
    loterias = services.list_loterias(db.session, scope, active=True)
    form.loteria_id.choices = choices([("", "Elija…")] + [(str(lot.id), lot.name) for lot in loterias])
    if mult is not None and mult.loteria_id not in {lot.id for lot in loterias}:
        form.loteria_id.choices.append(SelectChoice(str(mult.loteria_id), mult.loteria.name))
    sorteos = queries.upcoming_sorteos(db.session, scope.banca_id, utcnow())
    if mult is not None and mult.applies_to_sorteo_id and mult.applies_to_sorteo_id not in {s.id for s in sorteos}:
        sorteos.insert(0, db.session.get(Sorteo, mult.applies_to_sorteo_id))
    form.applies_to_sorteo_id.choices = choices([("", "Todos los sorteos")] + [
        (str(s.id), f"{s.name} · {format_date(s.scheduled_at)}") for s in sorteos])


def _multiplier_form_page(form, mult=None, status=200, error=None):
    return render_page_or_fragment("draws/multiplier_form.html", "draws/_multiplier_form.html", status=status,
                                   form=form, multiplier=mult, error=error,
                                   title=f"Editar multiplicador {mult.name}" if mult else "Nuevo multiplicador")


def _save_multiplier(form, mult=None):
    _multiplier_choices(form, mult)
    if not form.validate_on_submit():
        return _multiplier_form_page(form, mult, 422)
    values = dict(name=form.name.data, value_x=form.value_x.data, kind=form.kind.data,
                  applies_to_date=form.applies_to_date.data,
                  applies_to_sorteo_id=_uuid_or_none(form.applies_to_sorteo_id.data))
    try:
        with unit_of_work() as session:
            if mult is None:
                services.create_multiplier(session, scope=current_scope(), loteria_id=_uuid_or_none(form.loteria_id.data),
                                           **values)
                changed = True
            else:
                changed = services.update_multiplier(session, scope=current_scope(), multiplier_id=mult.id, **values)
    except DomainError as err:
        if err.status not in (409, 422):
            raise
        return _multiplier_form_page(form, mult, err.status, apply_errors(form, err, {}))
    flash("Cambios guardados." if changed else "No hay cambios.", "success" if changed else "info")
    return hx_redirect(url_for("draws.multiplier_list"))


@bp.route("/multiplicadores/nuevo", methods=["GET", "POST"])
@admin_required
def multiplier_create():
    current_scope().require_banca()
    if request.method == "GET":
        form = MultiplierForm(data={"loteria_id": request.args.get("loteria", ""), "kind": "NUMERO"})
        _multiplier_choices(form)
        return _multiplier_form_page(form)
    return _save_multiplier(MultiplierForm())


@bp.route("/multiplicadores/<uuid:multiplier_id>", methods=["GET", "POST"])
@admin_required
def multiplier_edit(multiplier_id):
    mult = services.get_multiplier(db.session, current_scope(), multiplier_id)
    if request.method == "GET":
        form = MultiplierForm(data={"loteria_id": str(mult.loteria_id), "name": mult.name, "kind": mult.kind.value,
                                    "value_x": mult.value_x, "applies_to_date": mult.applies_to_date,
                                    "applies_to_sorteo_id": str(mult.applies_to_sorteo_id or "")})
        _multiplier_choices(form, mult)
        return _multiplier_form_page(form, mult)
    form = MultiplierForm()
    form.loteria_id.data = str(mult.loteria_id)  # the lotería of a multiplier never changes
    return _save_multiplier(form, mult)


@bp.route("/multiplicadores/<uuid:multiplier_id>/<any(desactivar, reactivar):accion>", methods=["POST"])
@admin_required
def multiplier_toggle(multiplier_id, accion):
    form = OptionalReasonForm()
    active = accion == "reactivar"
    try:
        with unit_of_work() as session:
            services.set_multiplier_active(session, scope=current_scope(), multiplier_id=multiplier_id, active=active,
                                           reason=form.reason.data)
    except DomainError as err:
        scope = current_scope()
        return refused(err, "draws/multiplicadores.html", multipliers=services.list_multipliers(
            db.session, scope, active=None), estado="todos", loteria_id="", tipo="",
            loterias=services.list_loterias(db.session, scope, active=None), active_choices=ACTIVE_CHOICES,
            kind_choices=KIND_CHOICES, format_x=services.format_x, title="Multiplicadores")
    flash("Multiplicador reactivado." if active else "Multiplicador desactivado.", "success")
    return hx_redirect(safe_next(form.next.data) or url_for("draws.multiplier_list"))


from app.draws import routes_sorteos  # noqa: E402,F401  (attach the sorteo pages to bp)

__all__ = ["bp", "safe_next", "refused", "apply_errors"]
