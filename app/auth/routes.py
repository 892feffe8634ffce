"""Login, logout, "Mi cuenta" (password, theme, own sessions), ADMIN sessions, banca selector."""
from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, g, make_response, redirect, render_template, request,
                   session as flask_session, url_for)
from flask_login import current_user, login_required

from app.auth import services
from app.auth.decorators import roles_required
from app.auth.forms import LoginForm, PasswordChangeForm, SessionFilterForm, ThemeForm
from app.auth.hooks import safe_next
from app.auth.limits import login_limit
from app.auth.models import LoginSession, Role
from app.db import unit_of_work
from app.errors import DomainError, InvalidInput
from app.extensions import db
from app.htmx import is_htmx, is_partial, render_page_or_fragment, trigger
from app.htmx import redirect as hx_redirect

bp = Blueprint("auth", __name__)

DEVICE_COOKIE = "banca_device"
DEVICE_COOKIE_AGE = 5 * 365 * 86400


def home_for(user) -> str:
    """Role home (UX §1): VENDEDOR → /venta (or "Mi día" until sales exists), VENTANA → /panel,
    ADMIN → /admin/panel."""
    from app.jinja import has_endpoint
    role = Role(user.role)
    if role == Role.VENDEDOR:
        return url_for("sales.sale_page") if has_endpoint("sales.sale_page") else url_for("dashboard.mi_dia")
    if role == Role.VENTANA:
        return url_for("dashboard.ventana_home")
    return url_for("dashboard.admin_home")


def _referrer_path() -> str | None:
    """The page the form was posted from, if it is ours."""
    ref = request.referrer
    if not ref:
        return None
    parts = urlsplit(ref)
    if parts.netloc and parts.netloc != request.host:
        return None
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


def _user():
    """The ORM User of the request (current_user holds plain values: app/auth/identity.py)."""
    return current_user.record


def _login_row(session) -> LoginSession:
    """The ORM LoginSession row of this request, to change it (g.login_session holds plain values)."""
    return session.get(LoginSession, g.login_session.id)


# --------------------------------------------------------------------------- login / logout

@bp.route("/login", methods=["GET", "POST"])
@login_limit
def login():
    form = LoginForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next(request.args.get("next")) or home_for(current_user))
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_template("auth/login.html", form=form, expired=bool(request.args.get("expirada")))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422
    device_id = request.cookies.get(DEVICE_COOKIE) or services.new_device_id()
    # The slow password check reads only; the writes then take SQLite's writer lock from their
    # first read (a deferred transaction would fail with "database is locked" whenever another
    # request commits in between). See services.PasswordCheck.
    checked = services.check_password(db.session, username=form.username.data, password=form.password.data)
    with unit_of_work(immediate=True) as session:
        attempt = services.attempt_login(
            session, username=form.username.data, password=form.password.data, ip=request.remote_addr,
            user_agent=request.headers.get("User-Agent"), device_id=device_id, checked=checked)
        if attempt.ok:
            token, user_id = attempt.login.token_id, str(attempt.user.id)
            target = safe_next(form.next.data) or home_for(attempt.user)
    if not attempt.ok:  # the LOGIN_FAILED row is committed above
        err = attempt.error
        form.password.data = ""
        return render_template("auth/login.html", form=form, error=err.message), err.status
    flask_session.clear()  # a fresh session (and CSRF token): no fixation
    flask_session["sid"] = token
    flask_session["uid"] = user_id
    flask_session.permanent = True
    resp = hx_redirect(target)
    resp.set_cookie(DEVICE_COOKIE, device_id, max_age=DEVICE_COOKIE_AGE, httponly=True, samesite="Lax",
                    secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return resp


@bp.route("/logout", methods=["POST"])
def logout():
    login_row = getattr(g, "login_session", None) if current_user.is_authenticated else None
    if login_row is not None:
        with unit_of_work() as session:
            services.logout(session, _login_row(session), _user())
    flask_session.clear()
    return hx_redirect(url_for("auth.login"))


# --------------------------------------------------------------------------- Mi cuenta

def _account_context(**extra):
    ctx = dict(form=PasswordChangeForm(formdata=None), theme_form=ThemeForm(formdata=None,
               theme=(current_user.settings or {}).get("theme", "")),
               sessions=services.list_user_sessions(db.session, current_user.id),
               current_session_id=g.login_session.id)
    ctx.update(extra)
    return ctx


@bp.route("/mi-cuenta", methods=["GET"])
@login_required
def account():
    return render_template("auth/account.html", **_account_context())


@bp.route("/mi-cuenta/contrasena", methods=["POST"])
@login_required
def password_change():
    form = PasswordChangeForm()
    status = 422
    if form.validate_on_submit():
        try:
            with unit_of_work() as session:
                services.change_password(session, _user(), current=form.current_password.data,
                                         new=form.new_password.data, confirm=form.confirm.data,
                                         keep_session_id=g.login_session.id)
            flash("Contraseña actualizada. Se cerraron sus sesiones en otros dispositivos.", "success")
            return hx_redirect(url_for("auth.account"))
        except DomainError as err:
            _merge_errors(form, err.errors)
            status = err.status
    else:
        # Show every problem at once (e.g. a wrong current password next to a too-short new one).
        _merge_errors(form, services.password_change_errors(
            _user(), current=form.current_password.data or "", new=form.new_password.data or "",
            confirm=form.confirm.data or ""))
    return render_page_or_fragment("auth/account.html", "auth/_password_form.html", status=status,
                                   **_account_context(form=form))


def _merge_errors(form, errors: dict) -> None:
    """Add service errors to fields that have none (the form's own message wins, never both)."""
    for name, messages in errors.items():
        field = getattr(form, name, None)
        if field is not None and not field.errors:
            field.errors = list(messages)


@bp.route("/mi-cuenta/tema", methods=["POST"])
@login_required
def theme_update():
    value = (request.form.get("theme") or "").strip().lower()
    if value == "toggle":  # the top-bar button without JavaScript
        value = "claro" if (current_user.settings or {}).get("theme") == "oscuro" else "oscuro"
    with unit_of_work() as session:
        services.set_theme(session, _user(), value)
    if is_htmx():
        return trigger(make_response("", 204), "toast", {"message": "Tema guardado.", "level": "success"})
    flash("Tema guardado.", "success")
    return redirect(_referrer_path() or url_for("auth.account"), 303)


def _after_own_revoke():
    if not current_user.is_authenticated or _login_row(db.session).revoked:
        flask_session.clear()
        return hx_redirect(url_for("auth.login"))
    if is_partial():
        return render_page_or_fragment("auth/account.html", "auth/_sessions.html", **_account_context())
    return redirect(url_for("auth.account") + "#sesiones", 303)


@bp.route("/mi-cuenta/sesiones/<uuid:session_id>/cerrar", methods=["POST"])
@login_required
def session_revoke(session_id):
    with unit_of_work() as session:
        services.revoke_session(session, actor=_user(), session_id=session_id)
    flash("Sesión cerrada.", "success")
    return _after_own_revoke()


@bp.route("/mi-cuenta/sesiones/cerrar-todas", methods=["POST"])
@login_required
def sessions_revoke_all():
    with unit_of_work() as session:
        services.revoke_all_own_sessions(session, _user(), banca_id=g.login_session.banca_id)
    flask_session.clear()
    return hx_redirect(url_for("auth.login"))


# --------------------------------------------------------------------------- ADMIN sessions

def _admin_sessions_context():
    form = SessionFilterForm(formdata=request.args)  # POST re-renders keep the filters in the URL
    form.validate()
    text = "" if form.q.errors else (form.q.data or "")
    role = form.rol.data if form.rol.data in {r.value for r in Role} else ""
    all_bancas = request.args.get("banca") == "todas"
    form.banca.data = "todas" if all_bancas else "actual"
    page = request.args.get("page", 1, type=int) or 1
    rows, total = services.list_live_sessions(db.session, text=text, role=role or None,
                                              banca_id=None if all_bancas else g.login_session.banca_id,
                                              page=max(page, 1), per_page=50)
    args = {k: v for k, v in (("q", text), ("rol", role), ("banca", "todas" if all_bancas else "")) if v}
    return dict(filter_form=form, rows=rows, total=total, page_no=max(page, 1), per_page=50, args=args,
                current_session_id=g.login_session.id)


@bp.route("/admin/sesiones", methods=["GET"])
@roles_required(Role.ADMIN)
def admin_sessions():
    return render_page_or_fragment("auth/admin_sessions.html", "auth/_admin_sessions_table.html",
                                   **_admin_sessions_context())


@bp.route("/admin/sesiones/<uuid:session_id>/cerrar", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_session_revoke(session_id):
    with unit_of_work() as session:
        target = services.revoke_session(session, actor=_user(), session_id=session_id)
        own = target.id == g.login_session.id
    if own:
        flask_session.clear()
        return hx_redirect(url_for("auth.login"))
    flash("Sesión cerrada. El dispositivo saldrá en su próxima solicitud.", "success")
    if is_partial():
        return render_page_or_fragment("auth/admin_sessions.html", "auth/_admin_sessions_table.html",
                                       **_admin_sessions_context())
    return redirect(_referrer_path() or url_for("auth.admin_sessions"), 303)


# --------------------------------------------------------------------------- banca selector

@bp.route("/banca/seleccionar", methods=["POST"])
@roles_required(Role.ADMIN)
def select_banca():
    try:
        banca_id = uuid.UUID(request.form.get("banca_id", ""))
    except ValueError:
        raise InvalidInput("Seleccione una banca válida.", field="banca_id")
    with unit_of_work() as session:
        banca = services.set_admin_banca(session, _login_row(session), _user(), banca_id)
        flash(f"Banca seleccionada: {banca.name}.", "success")
    return hx_redirect(_referrer_path() or url_for("dashboard.admin_home"))
