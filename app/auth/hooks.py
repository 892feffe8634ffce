"""Bind Flask-Login to the server-side session rows (DOMAIN §20)."""
from __future__ import annotations

from flask import g, redirect, request, session as flask_session, url_for

from app.htmx import is_htmx, is_poll


def install_login_hooks(app, login_manager) -> None:
    @login_manager.request_loader
    def _load_from_session(_request):
        from app.auth.services import resolve_session
        from app.extensions import db
        token = flask_session.get("sid")
        if not token:
            return None
        resolved = resolve_session(db.session, token, is_poll=is_poll())
        if resolved is None:
            flask_session.pop("sid", None)
            g.session_expired = True
            if db.session.dirty:
                db.session.commit()
            return None
        user, login = resolved
        if db.session.dirty:
            db.session.commit()  # last_used_at touch (at most once a minute)
        g.login_session = login
        return user

    @login_manager.unauthorized_handler
    def _unauthorized():
        target = request.full_path if request.method == "GET" else None
        if target and target.endswith("?"):
            target = target[:-1]
        params = {"next": target} if target and not is_htmx() else {}
        if getattr(g, "session_expired", False) or flask_session.get("uid"):
            params["expirada"] = 1
        url = url_for("auth.login", **params)
        if is_htmx():
            resp = app.response_class("", status=401)
            resp.headers["HX-Redirect"] = url
            return resp
        return redirect(url)
