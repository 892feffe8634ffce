"""Configuration from the environment (DATABASE_URL, REDIS_URL, SECRET_KEY, ...)."""
from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key() -> str:
    """Development only: generate one secret key and keep it under instance/."""
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _normalise_db_url(url: str) -> str:
    # Accept the common postgres:// spellings and always use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    ENV_NAME = os.environ.get("BANCA_ENV", "development")
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'banca.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        # Disconnect handling: see DB_POOL_PING_IDLE_SECONDS and app/db.install_idle_ping.
        "json_serializer": lambda obj: json.dumps(obj, ensure_ascii=False, default=str),
    }
    # A pooled connection idle for longer than this is pinged before use (0: before every use).
    DB_POOL_PING_IDLE_SECONDS = float(os.environ.get("DB_POOL_PING_IDLE_SECONDS", "10") or 10)
    REDIS_URL = os.environ.get("REDIS_URL") or None
    SECRET_KEY = os.environ.get("SECRET_KEY")
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = 0
    # The session cookie lives as long as the absolute session lifetime (DOMAIN §20: 7 days);
    # the server-side LoginSession row decides (revocation, idle timeout).
    PERMANENT_SESSION_LIFETIME = timedelta(days=7)
    # The cookie lives as long as the absolute session (7 days, DOMAIN §20); idle time is tracked on
    # the server-side session row, so re-signing the cookie on every response buys nothing.
    SESSION_REFRESH_EACH_REQUEST = False
    # Number of trusted reverse proxies in front of the app (X-Forwarded-For hops); 0 = none.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0") or 0)
    # Rate limits (DOMAIN §20); the benchmark raises them through the environment.
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "5 per minute")
    RATELIMIT_ANON = os.environ.get("RATELIMIT_ANON", "100 per minute")
    RATELIMIT_AUTH = os.environ.get("RATELIMIT_AUTH", "600 per minute")
    RATELIMIT_SALES = os.environ.get("RATELIMIT_SALES", "60 per minute")
    RATELIMIT_EXPORTS = os.environ.get("RATELIMIT_EXPORTS", "10 per minute")
    LOG_JSON = _env_bool("LOG_JSON", True)
    TESTING = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret-key"
    RATELIMIT_ENABLED = False
    LOG_JSON = False
    # Argon2 at test strength keeps the suite fast; production uses library defaults.
    PASSWORD_HASH_FAST = True


def load_config(name: str | None) -> type[Config]:
    name = (name or os.environ.get("BANCA_ENV") or "development").lower()
    if name == "production":
        return ProductionConfig
    if name == "test":
        return TestConfig
    return Config


def finalise_secret_key(app) -> None:
    """Production refuses to start without SECRET_KEY; development keeps one under instance/."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["ENV_NAME"] == "production":
        raise RuntimeError("SECRET_KEY es obligatorio en producción (variable de entorno SECRET_KEY).")
    app.config["SECRET_KEY"] = _dev_secret_key()
