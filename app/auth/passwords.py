"""Password hashing with Argon2id (argon2-cffi)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

_default = PasswordHasher()
# Tests only: the same algorithm at minimum cost so the suite stays fast.
_fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _fast
    return _default


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _default.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A constant hash to verify against when the user does not exist (same timing either way).
_DUMMY = _fast.hash("dummy-password")


def dummy_verify(password: str) -> None:
    verify_password(_DUMMY, password)
