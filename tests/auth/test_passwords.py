"""Argon2id hashing (pure; no database)."""
from __future__ import annotations

from argon2 import PasswordHasher

from app.auth import passwords


def test_hash_and_verify_round_trip(app):
    with app.app_context():
        h = passwords.hash_password("clave-segura-1")
    assert h.startswith("$argon2id$")
    assert passwords.verify_password(h, "clave-segura-1")
    assert not passwords.verify_password(h, "Clave-segura-1")


def test_verify_never_raises_on_garbage():
    assert not passwords.verify_password("no-es-un-hash", "x")
    assert not passwords.verify_password("", "x")
    assert not passwords.verify_password(None, "x")


def test_outside_tests_the_library_defaults_are_used():
    h = passwords.hash_password("clave-segura-1")  # no app context → production parameters
    assert not PasswordHasher().check_needs_rehash(h)
    assert passwords.verify_password(h, "clave-segura-1")


def test_weak_hash_needs_rehash_in_production_parameters():
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("x")
    assert passwords.needs_rehash(weak)
    assert passwords.needs_rehash("garbage")


def test_dummy_verify_takes_the_same_path(app, monkeypatch):
    """An unknown user costs one real Argon2 verification, like a wrong password (no enumeration)."""
    calls = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, pw: calls.append((h, pw)) or real(h, pw))
    with app.app_context():
        passwords.dummy_verify("cualquier-cosa")
    assert len(calls) == 1
    assert calls[0][0].startswith("$argon2") and calls[0][1] == "cualquier-cosa"
