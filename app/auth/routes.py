"""Login, logout, "Mi cuenta", sessions, ADMIN banca selector."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import (Blueprint, current_app, flash, g, make_response, redirect, render_template,
                   request, session as flask_session, url_for)
from flask_login import current_user, login_required

from app.auth import services
from app.auth.forms import LoginForm, PasswordChangeForm
from app.auth.models import Role
from app.db import unit_of_work
from app.errors import DomainError
from app.extensions import limiter
from app.htmx import redirect as hx_redirect
from app.htmx import render_page_or_fragment

bp = Blueprint("auth", __name__)

DEVICE_COOKIE = "banca_device"


def home_for(user) -> str:
    from app.jinja import has_endpoint
    role = Role(user.role)
    if role == Role.VENDEDOR:
        return url_for("sales.sale_page") if has_endpoint("sales.sale_page") else url_for("dashboard.mi_dia")
    if role == Role.VENTANA:
        return url_for("dashboard.ventana_home")
    return url_for("dashboard.admin_home")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _client_ip() -> str | None:
    return (request.headers.get("X-Forwarded-For") or request.remote_addr or "").split(",")[0].strip() or None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return render_template("auth/login.html", form=form, expired=request.args.get("expirada"))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422
    device_id = request.cookies.get(DEVICE_COOKIE) or services.new_device_id()
    try:
        with unit_of_work() as session:
            user, login_row = services.authenticate(
                session, username=form.username.data, password=form.password.data, ip=_client_ip(),
                user_agent=request.headers.get("User-Agent"), device_id=device_id)
            token, user_id = login_row.token_id, user.id
            target = _safe_next(form.next.data) or home_for(user)
    except DomainError as err:
        form.password.data = ""
        field = getattr(form, err.field, None) if err.field else None
        if field is not None:
            field.errors = [err.message]
        return render_template("auth/login.html", form=form, error=err.message), err.status
    flask_session.clear()
    flask_session["sid"] = token
    flask_session["uid"] = str(user_id)
    flask_session.permanent = True
    resp = redirect(target, 303)
    resp.set_cookie(DEVICE_COOKIE, device_id, max_age=5 * 365 * 86400, httponly=True, samesite="Lax",
                    secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return resp


@bp.route("/logout", methods=["POST"])
def logout():
    login_row = getattr(g, "login_session", None)
    if current_user.is_authenticated and login_row is not None:
        with unit_of_work() as session:
            services.logout(session, session.merge(login_row), session.merge(current_user._get_current_object()))
    flask_session.clear()
    return hx_redirect(url_for("auth.login"))


@bp.route("/mi-cuenta", methods=["GET"])
@login_required
def account():
    from app.extensions import db
    return render_template("auth/account.html", form=PasswordChangeForm(),
                           sessions=services.list_user_sessions(db.session, current_user.id),
                           current_session_id=g.login_session.id)


@bp.route("/mi-cuenta/contrasena", methods=["POST"])
@login_required
def password_change():
    from app.extensions import db
    form = PasswordChangeForm()
    status = 422
    if form.validate_on_submit():
        try:
            with unit_of_work() as session:
                services.change_password(session, current_user._get_current_object(),
                                         current=form.current_password.data, new=form.new_password.data,
                                         confirm=form.confirm.data, keep_session_id=g.login_session.id)
            flash("Contraseña actualizada. Se cerraron sus otras sesiones.", "success")
            return hx_redirect(url_for("auth.account"))
        except DomainError as err:
            for name, messages in err.errors.items():
                if hasattr(form, name):
                    getattr(form, name).errors = list(messages)
            status = err.status
    return render_page_or_fragment("auth/account.html", "auth/_password_form.html", status=status,
                                   form=form, sessions=services.list_user_sessions(db.session, current_user.id),
                                   current_session_id=g.login_session.id)


@bp.route("/mi-cuenta/sesiones/<uuid:session_id>/cerrar", methods=["POST"])
@login_required
def session_revoke(session_id):
    with unit_of_work() as session:
        services.revoke_session(session, actor=current_user._get_current_object(), session_id=session_id)
    flash("Sesión cerrada.", "success")
    return hx_redirect(request.referrer if _safe_next(urlparse(request.referrer or "").path) else url_for("auth.account"))


@bp.route("/mi-cuenta/sesiones/cerrar-todas", methods=["POST"])
@login_required
def sessions_revoke_all():
    with unit_of_work() as session:
        services.revoke_user_sessions(session, current_user.id, reason="Cerrar sesión en todos lados",
                                      except_session_id=g.login_session.id)
        from app.audit.services import record
        record(session, action="SESSION_REVOKE", layer="auth", actor_id=current_user.id,
               banca_id=g.login_session.banca_id, target_type="user", target_id=current_user.id,
               description=f"{current_user.name} cerró sus sesiones en los demás dispositivos")
    flash("Se cerraron sus sesiones en los demás dispositivos.", "success")
    return hx_redirect(url_for("auth.account"))


@bp.route("/banca/seleccionar", methods=["POST"])
@login_required
def select_banca():
    import uuid as _uuid
    from app.errors import InvalidInput
    try:
        banca_id = _uuid.UUID(request.form.get("banca_id", ""))
    except ValueError:
        raise InvalidInput("Seleccione una banca válida.", field="banca_id")
    with unit_of_work() as session:
        services.set_admin_banca(session, session.merge(g.login_session), current_user._get_current_object(),
                                 banca_id)
    return hx_redirect(_safe_next(urlparse(request.referrer or "").path) or url_for("dashboard.admin_home"))


def make_401_for_htmx():
    resp = make_response("", 401)
    resp.headers["HX-Redirect"] = url_for("auth.login", expirada=1, next=request.headers.get("HX-Current-URL-Path") or None)
    return resp
