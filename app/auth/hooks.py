"""Bind Flask-Login to the server-side session rows (DOMAIN §20).

The Flask cookie only carries the session token ("sid"); every request resolves it to a live
LoginSession row and re-reads the user, so revocation, deactivation, idle timeout and role or
ventana changes apply on the very next request.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session as flask_session, url_for

from app.htmx import is_htmx, is_poll


def safe_next(target: str | None) -> str | None:
    """A same-site path to return to after login, or None (open-redirect safe)."""
    if not target or len(target) > 2000:
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if parts.path in ("/login", "/logout"):
        return None
    return target


def _return_path() -> str | None:
    """Where the user was: this GET page, or for HTMX the page in the browser (HX-Current-URL)."""
    if is_htmx():
        current = request.headers.get("HX-Current-URL")
        if not current:
            return None
        parts = urlsplit(current)
        if parts.netloc and parts.netloc != request.host:
            return None
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return safe_next(path)
    if request.method != "GET":
        return None
    return safe_next(request.full_path.rstrip("?"))


_REQUEST_IDENTITY_KEYS = ("_login_user", "_scope", "login_session", "session_expired")


def _forget_identity() -> None:
    """Resolve identity (and the CSRF token cached by Flask-WTF) afresh on every request. `g`
    belongs to the app context, which outlives a request when one is pushed around several
    requests (the test fixtures, scripts)."""
    for key in _REQUEST_IDENTITY_KEYS:
        g.pop(key, None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def _commit_bookkeeping() -> None:
    """Commit the session row's touch / revocation; best effort. On SQLite that write follows this
    request's read, so another request committing in between makes it fail at once with "database
    is locked" (WAL snapshot): skip it (the next request retries) rather than answer 500."""
    from sqlalchemy.exc import OperationalError

    from app.extensions import db
    if not db.session.dirty:
        return
    try:
        db.session.commit()
    except OperationalError as exc:
        db.session.rollback()
        if "database is locked" not in str(exc):
            raise
        current_app.logger.warning("session bookkeeping skipped: database is locked")


def install_login_hooks(app, login_manager) -> None:
    # Identity lives in the LoginSession row; Flask-Login's IP/UA session protection adds nothing.
    login_manager.session_protection = None
    # Before the CSRF and rate-limit hooks (registered earlier), which may read current_user.
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_identity)

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
            _commit_bookkeeping()  # the row was marked revoked (idle, expired, inactive user)
            return None
        user, login = resolved
        _commit_bookkeeping()  # last_used_at touch (at most once a minute)
        g.login_session = login
        return user

    @login_manager.unauthorized_handler
    def _unauthorized():
        params = {}
        if getattr(g, "session_expired", False) or flask_session.get("uid"):
            params["expirada"] = 1
        target = _return_path()
        if target:
            params["next"] = target
        url = url_for("auth.login", **params)
        if is_htmx():
            # htmx must not swap the login page into a fragment (STYLE.md "HTMX").
            resp = app.response_class("", status=401)
            resp.headers["HX-Redirect"] = url
            return resp
        return redirect(url)
