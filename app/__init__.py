"""Application factory."""
from __future__ import annotations

import importlib
import logging
import os
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
    from app.db import install_sqlite_hooks
    from app.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        install_sqlite_hooks(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Ingrese para continuar."

    import app.models as _models  # noqa: F401  (register every table)
    from app.auth.hooks import install_login_hooks
    install_login_hooks(app, login_manager)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:100] if incoming and incoming.isprintable() else uuid.uuid4().hex

    @app.after_request
    def _headers(resp):
        resp.headers["X-Request-ID"] = getattr(g, "request_id", "")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return resp


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
