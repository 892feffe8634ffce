"""The caller's scope, resolved from the role — never from the request (DOMAIN §3)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import g
from flask_login import current_user

from app.auth.models import Role
from app.errors import OutOfScope


@dataclass(frozen=True)
class Scope:
    user_id: uuid.UUID
    role: Role
    banca_id: uuid.UUID | None
    ventana_id: uuid.UUID | None = None
    vendedor_id: uuid.UUID | None = None
    name: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_ventana(self) -> bool:
        return self.role == Role.VENTANA

    @property
    def is_vendedor(self) -> bool:
        return self.role == Role.VENDEDOR

    def require_banca(self) -> uuid.UUID:
        if self.banca_id is None:
            raise OutOfScope("Seleccione una banca para continuar.")
        return self.banca_id

    def allows(self, *, banca_id=None, ventana_id=None, vendedor_id=None) -> bool:
        """Is an object with these owner ids inside the scope?"""
        if banca_id is not None and self.banca_id is not None and banca_id != self.banca_id:
            return False
        if self.is_admin:
            return banca_id is None or self.banca_id is None or banca_id == self.banca_id
        if self.is_ventana:
            return ventana_id is not None and ventana_id == self.ventana_id
        return vendedor_id is not None and vendedor_id == self.vendedor_id

    def check(self, **owner) -> None:
        if not self.allows(**owner):
            raise OutOfScope()


def scope_for_user(user, selected_banca_id=None) -> Scope:
    """Build the scope of a user; VENTANA/VENDEDOR without an active ventana are refused."""
    role = Role(user.role)
    if role == Role.ADMIN:
        return Scope(user_id=user.id, role=role, banca_id=selected_banca_id or user.banca_id,
                     name=user.name)
    ventana = user.ventana
    if ventana is None or not ventana.is_active or ventana.banca is None or not ventana.banca.is_active:
        raise OutOfScope("Su usuario no tiene una ventana activa asignada. Contacte al administrador.")
    if role == Role.VENTANA:
        return Scope(user_id=user.id, role=role, banca_id=ventana.banca_id, ventana_id=ventana.id,
                     name=user.name)
    return Scope(user_id=user.id, role=role, banca_id=ventana.banca_id, ventana_id=ventana.id,
                 vendedor_id=user.id, name=user.name)


def current_scope() -> Scope:
    """The logged-in caller's scope (cached on the request)."""
    scope = getattr(g, "_scope", None)
    if scope is None:
        if not current_user.is_authenticated:
            raise OutOfScope("Debe ingresar al sistema.")
        login_session = getattr(g, "login_session", None)
        selected = login_session.banca_id if login_session is not None else None
        scope = scope_for_user(current_user, selected)
        g._scope = scope
    return scope
