"""Password hashing with Argon2id (argon2-cffi)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

MIN_LENGTH = 8
MAX_LENGTH = 100

_default = PasswordHasher()
# Tests only (PASSWORD_HASH_FAST): the same algorithm at minimum cost so the suite stays fast.
_fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_dummies: dict[int, str] = {}


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _fast
    return _default


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-time check; the hash carries its own parameters. Never raises."""
    if not password_hash:
        return False
    try:
        return _default.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash is weaker than the current parameters (e.g. after an upgrade)."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def dummy_verify(password: str) -> None:
    """Spend the same time as a real check when the user does not exist (no user enumeration)."""
    hasher = _hasher()
    key = id(hasher)
    if key not in _dummies:
        _dummies[key] = hasher.hash("dummy-password-for-timing")
    verify_password(_dummies[key], password)
