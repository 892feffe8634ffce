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

A breached limit raises `RateLimited`, answered 429 with a Spanish page (or fragment for HTMX)
and a Retry-After header (app/errors.py). RATELIMIT_ENABLED=false switches every limit off for
one app (tests, benchmarks). Counting is done by the `limits` library (fixed windows): in Redis
when REDIS_URL is set (RATELIMIT_STORAGE_URI overrides), in process memory otherwise
(`SweptMemoryStorage`, "banca-memory://"). A Redis outage never stops a sale: the counters move
to process memory for RETRY_STORAGE_AFTER seconds, then Redis is tried again.

The checks are a few lines over `limits` rather than Flask-Limiter: its generic per-request
machinery (limit resolution, filters, conditional deductions, two evaluations per request) cost
about 0.3 ms of CPU per sale, 11 % of the whole request (bench/RESULTS.md); these cost ~20 µs.
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass, field

from flask import current_app, request
from flask_login import current_user
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)

LOGIN_MESSAGE = "Demasiados intentos de ingreso desde esta conexión. Espere un minuto e intente de nuevo."
ANON_MESSAGE = "Demasiadas solicitudes desde esta conexión. Espere un momento e intente de nuevo."
AUTH_MESSAGE = "Demasiadas solicitudes de su usuario. Espere un momento e intente de nuevo."
SALES_MESSAGE = "Demasiadas ventas en el último minuto. Espere un momento e intente de nuevo."
EXPORTS_MESSAGE = "Demasiadas exportaciones en el último minuto. Espere un momento e intente de nuevo."

RETRY_STORAGE_AFTER = 30.0  # seconds on the memory fallback after a storage (Redis) error
EXTENSION_KEY = "banca_rate_limits"


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


class RateLimited(TooManyRequests):
    """A breached limit: the Spanish message and the seconds until its window resets."""

    def __init__(self, message: str, retry_after: int, limit: str):
        super().__init__(description=message)
        self.message, self.retry_after, self.limit = message, retry_after, limit


@functools.lru_cache(maxsize=64)
def _item(text: str) -> RateLimitItem:
    return parse(text)


@dataclass
class _Counters:
    """One app's limiter: its storage (Redis or memory) and the memory fallback."""

    uri: str
    prefix: str
    primary: FixedWindowRateLimiter
    fallback: FixedWindowRateLimiter = field(
        default_factory=lambda: FixedWindowRateLimiter(storage_from_string("banca-memory://")))
    fallback_until: float = 0.0

    def _call(self, method: str, *args):
        if self.fallback_until and time.monotonic() < self.fallback_until:
            return getattr(self.fallback, method)(*args)
        try:
            result = getattr(self.primary, method)(*args)
        except Exception as err:  # noqa: BLE001 — a storage outage must never fail the request
            log.warning("rate-limit storage %s failed (%s); counting in memory for %.0f s",
                        self.uri.split("@")[-1], err, RETRY_STORAGE_AFTER)
            self.fallback_until = time.monotonic() + RETRY_STORAGE_AFTER
            return getattr(self.fallback, method)(*args)
        self.fallback_until = 0.0
        return result

    def hit(self, item, *ids) -> bool:
        return self._call("hit", item, self.prefix, *ids)

    def test(self, item, *ids) -> bool:
        return self._call("test", item, self.prefix, *ids)

    def retry_after(self, item, *ids) -> int:
        reset = self._call("get_window_stats", item, self.prefix, *ids).reset_time
        return max(1, int(reset - time.time()) + 1)


def _counters() -> _Counters | None:
    """This app's counters, or None when its limits are off (RATELIMIT_ENABLED=false)."""
    app = current_app._get_current_object()
    if not app.config.get("RATELIMIT_ENABLED", True):
        return None
    return app.extensions[EXTENSION_KEY]


def ip_key() -> str:
    """The client IP (request.remote_addr; behind a proxy, ProxyFix sets it, see PROXY_FIX_X_FOR)."""
    return f"ip:{request.remote_addr or 'desconocida'}"


def user_key() -> str:
    """The logged-in user's id; falls back to the IP for anonymous callers."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return ip_key()


def _raise_if_spent(counters: _Counters, config_key: str, scope: str, key: str, message: str,
                    *, hit: bool = True, on_breach=None) -> RateLimitItem:
    """Hit (or only test) the limit; raise RateLimited when spent. Returns the limit checked."""
    text = current_app.config[config_key]
    item = _item(text)
    allowed = counters.hit(item, scope, key) if hit else counters.test(item, scope, key)
    if allowed:
        return item
    if on_breach is not None:
        on_breach()
    raise RateLimited(message, counters.retry_after(item, scope, key), text)


def _audit_throttled_login() -> None:
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


def _request_limit() -> None:
    """before_request: every request but static files counts against the anonymous (per IP) or
    the authenticated (per user) limit."""
    counters = _counters()
    if counters is None:
        return
    endpoint = request.endpoint or ""
    if endpoint == "static" or endpoint.endswith(".static"):
        return
    if current_user.is_authenticated:
        _raise_if_spent(counters, "RATELIMIT_AUTH", "auth", f"user:{current_user.id}", AUTH_MESSAGE)
    else:
        _raise_if_spent(counters, "RATELIMIT_ANON", "anon", ip_key(), ANON_MESSAGE)


def login_limit(view):
    """RATELIMIT_LOGIN POST attempts per client IP; a throttled attempt is audited."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        counters = _counters() if request.method == "POST" else None
        if counters is not None:
            _raise_if_spent(counters, "RATELIMIT_LOGIN", "login", ip_key(), LOGIN_MESSAGE,
                            on_breach=_audit_throttled_login)
        return view(*args, **kwargs)
    return wrapper


def sales_limit(view):
    """RATELIMIT_SALES accepted sales (answers < 400) per minute per user, POST only: a refused
    sale does not use the quota. Checked before the sale, counted after it (two sellers of one
    user finishing at the same instant may pass the limit by one)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        counters = _counters() if request.method == "POST" else None
        if counters is None:
            return view(*args, **kwargs)
        key = user_key()
        item = _raise_if_spent(counters, "RATELIMIT_SALES", "sales", key, SALES_MESSAGE, hit=False)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code < 400:
            counters.hit(item, "sales", key)
        return response
    return wrapper


def export_limit(view):
    """RATELIMIT_EXPORTS per user, one bucket shared by every export route."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        counters = _counters()
        if counters is not None:
            _raise_if_spent(counters, "RATELIMIT_EXPORTS", "exports", user_key(), EXPORTS_MESSAGE)
        return view(*args, **kwargs)
    return wrapper


def init_limiter(app) -> None:
    """Give `app` its counters and the per-request limit. Redis (RATELIMIT_STORAGE_URI, else
    REDIS_URL) gets short socket timeouts: an unreachable Redis costs a sale half a second once,
    then RETRY_STORAGE_AFTER seconds in memory."""
    uri = app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "banca-memory://")
    options = {}
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    app.extensions[EXTENSION_KEY] = _Counters(
        uri=uri, prefix=app.config.get("RATELIMIT_KEY_PREFIX") or "banca",
        primary=FixedWindowRateLimiter(storage_from_string(uri, **options)))
    app.before_request(_request_limit)
