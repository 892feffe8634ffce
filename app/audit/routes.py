"""Bitácora: the activity log for ADMIN, filtered and paginated (DOMAIN §21, UX §6)."""
from __future__ import annotations

from flask import Blueprint, request

from app.audit import services
from app.audit.presentation import detail_rows
from app.audit.forms import ActivityFilterForm, choices, period_dates
from app.auth.decorators import roles_required
from app.auth.models import Role
from app.extensions import db
from app.htmx import render_page_or_fragment
from app.scope import current_scope
from app.tz import cr_today

bp = Blueprint("audit", __name__)


@bp.route("/admin/bitacora")
@roles_required(Role.ADMIN)
def log_list():
    scope = current_scope()
    form = ActivityFilterForm(formdata=request.args)
    form.accion.choices = choices([("", "Todas")] + [(a, services.action_label(a))
                                                     for a in services.list_actions(db.session)])
    form.objeto.choices = choices([("", "Todos")] + [(t, services.TARGET_LABELS.get(t, t))
                                                     for t in services.list_target_types(db.session)])
    valid = form.validate()
    per_page = int(form.por_pagina.data or 50)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = [], 0
    if valid:
        date_from, date_to = period_dates(form, cr_today())
        filters = services.ActivityFilter(
            banca_id=scope.require_banca(), username=form.usuario.data or None,
            action=form.accion.data or None,
            layer=form.capa.data or None, target_type=form.objeto.data or None,
            target_id=form.objeto_id.data or None, date_from=date_from, date_to=date_to,
            text=form.texto.data or None)
        rows, total = services.list_activity(db.session, filters=filters, page=page, per_page=per_page)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_page_or_fragment(
        "audit/log_list.html", "audit/_log_table.html", status=200 if valid else 422,
        form=form, rows=rows, total=total, page_no=page, per_page=per_page, args=args,
        actors=services.actor_names(db.session, rows), action_label=services.action_label, detail_rows=detail_rows,
        layer_labels=services.LAYER_LABELS, target_labels=services.TARGET_LABELS)
