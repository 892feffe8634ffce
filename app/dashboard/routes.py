"""Home pages per role: VENDEDOR → /venta, VENTANA → /panel, ADMIN → /admin/panel."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from app.auth.decorators import roles_required
from app.auth.models import Role
from app.dashboard import queries
from app.extensions import db
from app.htmx import render_page_or_fragment
from app.scope import current_scope
from app.tz import cr_today, utcnow

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    from app.auth.routes import home_for
    return redirect(home_for(current_user))


def _overview(template: str, title: str):
    scope = current_scope()
    today = cr_today()
    if scope.banca_id is None:
        return render_template(template, title=title, no_banca=True)
    sorteos = queries.sorteos_of_day(db.session, scope, today)
    return render_page_or_fragment(
        template, "dashboard/_overview.html", title=title, today=today,
        totals=queries.day_totals(db.session, scope, today), sorteos=sorteos, scope=scope,
        closes=queries.closing_times(db.session, scope, [s for s, _a, _n in sorteos], utcnow()))


@bp.route("/admin/panel")
@roles_required(Role.ADMIN)
def admin_home():
    return _overview("dashboard/overview.html", "Panel")


@bp.route("/panel")
@roles_required(Role.VENTANA)
def ventana_home():
    return _overview("dashboard/overview.html", "Panel")


@bp.route("/mi-dia")
@roles_required(Role.VENDEDOR)
def mi_dia():
    return _overview("dashboard/overview.html", "Mi día")
