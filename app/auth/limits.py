"""Rate limits (DOMAIN §20), all configurable in app/config.py (RATELIMIT_* keys).

- unauthenticated requests: RATELIMIT_ANON, 100 per minute per client IP, every route;
- authenticated requests: RATELIMIT_AUTH, 600 per minute per user, every route;
- logins: RATELIMIT_LOGIN, 5 per minute per client IP, POST /login (`login_limit`);
- ticket sales: RATELIMIT_SALES, 60 per minute per user, `@sales_limit` on the sell route;
- exports (csv/xlsx/pdf): RATELIMIT_EXPORTS, 10 per minute per user, `@export_limit` on each
  export route (one bucket shared by all of them).

Usage in another domain (put the limit decorator *below* the route and permission decorators):

    from app.auth.limits import export_limit, sales_limit

    @bp.route("/venta/vender", methods=["POST"])
    @roles_required(Role.ADMIN, Role.VENTANA, Role.VENDEDOR)
    @sales_limit            # counts accepted sales only (2xx/3xx answers), POST only
    def ticket_create(): ...

    @bp.route("/reportes/ventas.<fmt>")
    @roles_required(Role.ADMIN)
    @export_limit           # one bucket shared by every export route
    def sales_export(fmt): ...

A breached limit answers 429 with a Spanish page (or fragment for HTMX) and a Retry-After
header. RATELIMIT_ENABLED=false switches every limit off for one app (tests, benchmarks); the
storage is Redis when REDIS_URL is set (RATELIMIT_STORAGE_URI overrides), memory otherwise
(`SweptMemoryStorage`, "banca-memory://").
"""
from __future__ import annotations

import logging
import threading
import time

from flask import current_app, request
from flask_limiter import ApplicationLimit
from flask_login import current_user
from limits.storage import MemoryStorage

from app.extensions import limiter

log = logging.getLogger(__name__)

LOGIN_MESSAGE = "Demasiados intentos de ingreso desde esta conexión. Espere un minuto e intente de nuevo."
ANON_MESSAGE = "Demasiadas solicitudes desde esta conexión. Espere un momento e intente de nuevo."
AUTH_MESSAGE = "Demasiadas solicitudes de su usuario. Espere un momento e intente de nuevo."
SALES_MESSAGE = "Demasiadas ventas en el último minuto. Espere un momento e intente de nuevo."
EXPORTS_MESSAGE = "Demasiadas exportaciones en el último minuto. Espere un momento e intente de nuevo."


class SweptMemoryStorage(MemoryStorage):
    """limits' in-process storage ("banca-memory://"), sweeping expired counters once a second.

    The stock MemoryStorage starts a new sweeper thread 10 ms after almost every hit (hundreds of
    thread starts per second under load, each waiting for the GIL inside the request). Expiry does
    not depend on the sweep (every read drops an expired counter), so sweeping less often changes
    no limit; it only bounds the memory taken by counters of users gone quiet."""

    STORAGE_SCHEME = ["banca-memory"]
    SWEEP_EVERY = 1.0  # seconds

    def __init__(self, *args, **kwargs):
        self._next_sweep = 0.0
        super().__init__(*args, **kwargs)

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the private per-hit scheduler
        now = time.monotonic()
        if now < self._next_sweep or self.timer.is_alive():
            return
        self._next_sweep = now + self.SWEEP_EVERY
        self.timer = threading.Timer(0.01, self._MemoryStorage__expire_events)
        self.timer.daemon = True
        self.timer.start()


def ip_key() -> str:
    """The client IP (request.remote_addr; behind a proxy, ProxyFix sets it, see PROXY_FIX_X_FOR)."""
    return f"ip:{request.remote_addr or 'desconocida'}"


def user_key() -> str:
    """The logged-in user's id; falls back to the IP for anonymous callers."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return ip_key()


def _is_authenticated() -> bool:
    return bool(current_user.is_authenticated)


def _is_anonymous() -> bool:
    return not current_user.is_authenticated


def _accepted(response) -> bool:
    return response.status_code < 400


def _limits_disabled() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def _config(key: str):
    return lambda: current_app.config[key]


def _audit_throttled_login(_limit) -> None:
    """A throttled login attempt is still an attempt (DOMAIN §20): LOGIN_FAILED, reason throttled."""
    from app.audit.services import record
    from app.db import unit_of_work
    typed = (request.form.get("username") or "").strip()[:32]
    try:
        with unit_of_work() as session:
            record(session, action="LOGIN_FAILED", layer="auth",
                   description=f"Ingreso bloqueado para «{typed}»: demasiados intentos desde {request.remote_addr}",
                   details={"username": typed, "reason": "throttled"})
    except Exception:  # never turn a 429 into a 500
        log.exception("could not audit a throttled login")


login_limit = limiter.limit(_config("RATELIMIT_LOGIN"), key_func=ip_key, methods=["POST"],
                            error_message=LOGIN_MESSAGE, on_breach=_audit_throttled_login)
sales_limit = limiter.shared_limit(_config("RATELIMIT_SALES"), scope="sales", key_func=user_key,
                                   methods=["POST"], deduct_when=_accepted, override_defaults=False,
                                   error_message=SALES_MESSAGE)
export_limit = limiter.shared_limit(_config("RATELIMIT_EXPORTS"), scope="exports", key_func=user_key,
                                    override_defaults=False, error_message=EXPORTS_MESSAGE)

_APPLICATION_LIMITS = [
    ApplicationLimit(_config("RATELIMIT_ANON"), key_function=ip_key, scope="anon",
                     exempt_when=_is_authenticated, error_message=ANON_MESSAGE),
    ApplicationLimit(_config("RATELIMIT_AUTH"), key_function=user_key, scope="auth",
                     exempt_when=_is_anonymous, error_message=AUTH_MESSAGE),
]


_installed = False


def init_limiter(app) -> None:
    """Bind the process-wide Limiter to `app`.

    The extension object is shared by every app of the process (tests build several), and
    Flask-Limiter keeps its on/off switch on that object; so it is always initialised enabled and
    RATELIMIT_ENABLED is honoured per app by a request filter instead.
    """
    enabled = bool(app.config.get("RATELIMIT_ENABLED", True))
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "banca-memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A Redis outage must not stop sales: count in memory meanwhile, never fail the request.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config["RATELIMIT_ENABLED"] = True
    try:
        limiter.init_app(app)
    finally:
        app.config["RATELIMIT_ENABLED"] = enabled
    global _installed
    if not _installed:
        limiter.limit_manager.set_application_limits([lim.bind(limiter) for lim in _APPLICATION_LIMITS])
        limiter.request_filter(_limits_disabled)
        _installed = True
