"""Factories for the sales network and users (flush, never commit)."""
from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.extensions import db
from app.org.models import Banca, ConfigVersion, Ventana

PASSWORD = "clave-segura-1"
_HASH = None


def _password_hash():
    global _HASH
    if _HASH is None:
        from argon2 import PasswordHasher
        _HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    return _HASH


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class BancaFactory(Base):
    class Meta:
        model = Banca

    name = factory.Sequence(lambda n: f"Banca {n}")
    code = factory.Sequence(lambda n: f"B{n:03d}")
    max_sessions_per_vendedor = 1

    @factory.post_generation
    def config_version(obj, create, extracted, **kwargs):
        if create:
            db.session.add(ConfigVersion(banca_id=obj.id, version=1))
            db.session.flush()


class VentanaFactory(Base):
    class Meta:
        model = Ventana

    banca = factory.SubFactory(BancaFactory)
    banca_id = factory.SelfAttribute("banca.id")
    name = factory.Sequence(lambda n: f"Ventana {n}")
    code = factory.Sequence(lambda n: f"V{n:04d}")


class UserFactory(Base):
    class Meta:
        model = User
        exclude = ("ventana_obj",)

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"Usuario {n}")
    password_hash = factory.LazyFunction(_password_hash)
    role = Role.VENDEDOR
    ventana_obj = factory.SubFactory(VentanaFactory)
    ventana_id = factory.LazyAttribute(lambda o: o.ventana_obj.id if o.role != Role.ADMIN else None)
    banca_id = factory.LazyAttribute(lambda o: o.ventana_obj.banca_id)


def vendedor(ventana, **kw) -> User:
    return UserFactory(role=Role.VENDEDOR, ventana_obj=ventana, **kw)


def listero(ventana, **kw) -> User:
    return UserFactory(role=Role.VENTANA, ventana_obj=ventana, **kw)


def admin(banca, **kw) -> User:
    user = UserFactory(role=Role.ADMIN, ventana_obj=None, ventana_id=None, banca_id=banca.id, **kw)
    return user
