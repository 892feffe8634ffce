"""Application factory."""
from __future__ import annotations

import importlib
import logging
import os
import time
import uuid

from flask import Flask, g, request

from app.config import ROOT, finalise_secret_key, load_config

# Domain packages whose routes.py exposes `bp` (and optionally `extra_bps`).
BLUEPRINT_MODULES = [
    "app.auth.routes", "app.dashboard.routes", "app.org.routes", "app.audit.routes",
    "app.draws.routes", "app.restrictions.routes", "app.commissions.routes", "app.sales.routes",
    "app.accounts.routes", "app.jobs.routes",
]


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(ROOT / "instance"))
    app.config.from_object(load_config(config_name))
    from app.auth.cookie_session import VerifiedCookieSessionInterface
    app.session_interface = VerifiedCookieSessionInterface()
    app.config.update(overrides)
    finalise_secret_key(app)
    os.makedirs(app.instance_path, exist_ok=True)

    from app.logging_setup import configure_logging
    configure_logging(app)
    register_extensions(app)
    register_request_hooks(app)
    register_blueprints(app)
    from app.errors import register_error_handlers
    register_error_handlers(app)
    from app.jinja import register_jinja
    register_jinja(app)
    from app.cli import register_cli
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from app.db import install_idle_ping, install_sqlite_hooks
    from app.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        install_sqlite_hooks(db.engine)
        install_idle_ping(db.engine, app.config["DB_POOL_PING_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    from app.auth.limits import init_limiter
    init_limiter(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Ingrese para continuar."

    import app.models as _models  # noqa: F401  (register every table)
    from app.auth.hooks import install_login_hooks
    install_login_hooks(app, login_manager)


def register_request_hooks(app: Flask) -> None:
    """Request id first of all (so every log line, audit row and error page carries it)."""
    if app.config.get("PROXY_FIX_X_FOR"):
        # Behind N trusted proxies: remote_addr (rate limits, audit IP) comes from X-Forwarded-For.
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    access_log = logging.getLogger("app.access")

    def _request_id():
        g.request_id = clean_request_id(request.headers.get("X-Request-ID")) or uuid.uuid4().hex
        g.request_started = time.monotonic()

    # Runs before the CSRF and rate-limit hooks, which were registered earlier.
    app.before_request_funcs.setdefault(None, []).insert(0, _request_id)

    @app.before_request
    def _reuse_checked_csrf_token():
        """A request whose CSRF token CSRFProtect just accepted (its hook runs earlier) renders that
        same token into its forms instead of signing a new one (no expiry: WTF_CSRF_TIME_LIMIT)."""
        if g.get("csrf_valid") and app.config.get("WTF_CSRF_TIME_LIMIT") is None:
            field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
            # The token CSRFProtect checked: the form field first, then the headers (its order).
            token = request.form.get(field) or next(
                (request.headers[h] for h in app.config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
                 if request.headers.get(h)), None)
            if token and field not in g:
                setattr(g, field, token)

    @app.after_request
    def _headers(resp):
        resp.headers["X-Request-ID"] = getattr(g, "request_id", "")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if request.endpoint != "static":
            started = getattr(g, "request_started", None)
            access_log.info("%s %s %s", request.method, request.path, resp.status_code, extra={
                "method": request.method, "path": request.path, "status": resp.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1) if started else None,
                "ip": request.remote_addr})
        return resp


_REQUEST_ID_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def clean_request_id(value: str | None) -> str | None:
    """An incoming X-Request-ID, kept only if short and made of safe characters (no log injection)."""
    if not value or len(value) > 100 or not set(value) <= _REQUEST_ID_OK:
        return None
    return value


def register_blueprints(app: Flask) -> None:
    for name in BLUEPRINT_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        app.register_blueprint(module.bp)
        for extra in getattr(module, "extra_bps", []):
            app.register_blueprint(extra)
