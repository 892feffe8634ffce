"""The caller's scope, resolved from the role — never from the request (DOMAIN §3).

    scope = current_scope()                       # in a route (403 when the scope is invalid)
    stmt = scope.apply(select(Ticket), Ticket)    # list queries: banca + ventana/vendedor filter
    ticket = scope.get(session, Ticket, id)       # object lookups: 404 if missing, 403 outside
    scope.check_object(ticket)                    # an object already loaded
    scope.check_banca(loteria.banca_id)           # banca-level catalogue (read by every role)
    vid = scope.vendedor_filter(session, requested_id)   # a requested vendedor, narrowed/refused
    ventana_id = scope.ventana_filter(requested_id)      # a requested ventana, narrowed

Rules: VENDEDOR → vendedor_id := self; VENTANA → ventana_id := own ventana (a requested vendedor
must belong to it, else 403; a requested other ventana is ignored); ADMIN → banca_id := the banca
of his session's selector. A VENTANA/VENDEDOR without an active ventana (or whose banca is
inactive) is refused with 403 — a missing scope denies, it never widens.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import g
from flask_login import current_user

from app.auth.models import Role
from app.errors import NotFound, OutOfScope

NO_VENTANA_MESSAGE = "Su usuario no tiene una ventana activa asignada. Contacte al administrador."
NO_BANCA_MESSAGE = "Seleccione una banca en la barra superior para continuar."


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
        """The banca every query is filtered by; ADMIN without a selected banca → 403."""
        if self.banca_id is None:
            raise OutOfScope(NO_BANCA_MESSAGE)
        return self.banca_id

    # ------------------------------------------------------------------ object checks

    def allows(self, *, banca_id=None, ventana_id=None, vendedor_id=None) -> bool:
        """Is an object owned by these ids inside the scope? (ownership check: VENTANA needs its
        ventana, VENDEDOR himself; use allows_banca() for banca-level catalogue)."""
        if self.banca_id is None:
            return False
        if banca_id is not None and banca_id != self.banca_id:
            return False
        if self.is_admin:
            return True
        if self.is_ventana:
            return ventana_id is not None and ventana_id == self.ventana_id
        return vendedor_id is not None and vendedor_id == self.vendedor_id

    def check(self, **owner) -> None:
        if not self.allows(**owner):
            raise OutOfScope()

    def allows_banca(self, banca_id) -> bool:
        """Banca-level data (catalogue, sorteos, the banca's own rules) readable by every role."""
        return self.banca_id is not None and banca_id == self.banca_id

    def check_banca(self, banca_id) -> None:
        if not self.allows_banca(banca_id):
            raise OutOfScope()

    def owner_of(self, obj) -> dict:
        """(banca_id, ventana_id, vendedor_id) of an object, by its columns; a User is its own
        vendedor, a Ventana its own ventana."""
        from app.auth.models import User
        from app.org.models import Banca, Ventana
        if isinstance(obj, User):
            return {"banca_id": _user_banca_id(obj), "ventana_id": obj.ventana_id,
                    "vendedor_id": obj.id if obj.role == Role.VENDEDOR else None}
        if isinstance(obj, Ventana):
            return {"banca_id": obj.banca_id, "ventana_id": obj.id, "vendedor_id": None}
        if isinstance(obj, Banca):
            return {"banca_id": obj.id, "ventana_id": None, "vendedor_id": None}
        return {"banca_id": getattr(obj, "banca_id", None), "ventana_id": getattr(obj, "ventana_id", None),
                "vendedor_id": getattr(obj, "vendedor_id", None)}

    def check_object(self, obj) -> None:
        """403 unless `obj` is owned inside the scope (tickets, payments, statements, users…)."""
        owner = self.owner_of(obj)
        if owner["banca_id"] is None or not self.allows(**owner):
            raise OutOfScope()

    def get(self, session, model, object_id, *, banca_level: bool = False):
        """Load by primary key: 404 when missing, 403 when outside the scope (no IDOR).
        banca_level=True checks only the banca (catalogue objects every role may read)."""
        obj = session.get(model, object_id) if object_id is not None else None
        if obj is None:
            raise NotFound()
        if banca_level:
            self.check_banca(self.owner_of(obj)["banca_id"])
        else:
            self.check_object(obj)
        return obj

    # ------------------------------------------------------------------ query filters

    def apply(self, stmt, model=None, *, banca=None, ventana=None, vendedor=None):
        """Add the scope's WHERE clauses to a select. Columns come from `model` (banca_id,
        ventana_id, vendedor_id; User/Ventana/Banca mapped to their own ids) or are given
        explicitly. A role whose dimension has no column is refused (403), never widened."""
        if model is not None:
            banca, ventana, vendedor = _columns(model, banca, ventana, vendedor)
        if banca is None:
            raise ValueError("Scope.apply needs a banca column")
        stmt = stmt.where(banca == self.require_banca())
        if self.is_admin:
            return stmt
        if self.is_ventana:
            if ventana is None:
                raise OutOfScope()
            return stmt.where(ventana == self.ventana_id)
        if vendedor is None:
            raise OutOfScope()
        return stmt.where(vendedor == self.vendedor_id)

    def apply_banca(self, stmt, banca_column):
        """Banca-level lists (loterías, sorteos, multiplicadores): the scope's banca only."""
        return stmt.where(banca_column == self.require_banca())

    def ventana_filter(self, requested=None):
        """The ventana a query may look at: VENTANA/VENDEDOR their own whatever was requested
        (DOMAIN §3: "a requested other ventana is ignored"); ADMIN the requested one (or None = all
        of his banca; callers also filter by banca)."""
        if self.is_admin:
            return _as_uuid(requested)
        return self.ventana_id

    def vendedor_filter(self, session, requested=None):
        """The vendedor a query may look at. VENDEDOR: himself. VENTANA: the requested one if he
        is its own vendedor (else 403), or None = all of its vendedores. ADMIN: the requested one
        if he belongs to the banca (else 403), or None."""
        if self.is_vendedor:
            return self.vendedor_id
        vid = _as_uuid(requested)
        if vid is None:
            if requested not in (None, ""):
                raise OutOfScope()
            return None
        from app.auth.models import User
        user = session.get(User, vid)
        if user is None or user.role != Role.VENDEDOR:
            raise OutOfScope()
        if self.is_ventana and user.ventana_id != self.ventana_id:
            raise OutOfScope()
        if _user_banca_id(user) != self.require_banca():
            raise OutOfScope()
        return vid


def _as_uuid(value):
    if value in (None, ""):
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _user_banca_id(user):
    if user.ventana is not None:
        return user.ventana.banca_id
    return user.banca_id


def _columns(model, banca, ventana, vendedor):
    from app.auth.models import User
    from app.org.models import Banca, Ventana
    if model is User:
        return (banca if banca is not None else User.banca_id,
                ventana if ventana is not None else User.ventana_id,
                vendedor if vendedor is not None else User.id)
    if model is Ventana:
        return (banca if banca is not None else Ventana.banca_id,
                ventana if ventana is not None else Ventana.id, vendedor)
    if model is Banca:
        return banca if banca is not None else Banca.id, ventana, vendedor
    return (banca if banca is not None else getattr(model, "banca_id", None),
            ventana if ventana is not None else getattr(model, "ventana_id", None),
            vendedor if vendedor is not None else getattr(model, "vendedor_id", None))


def scope_for_user(user, selected_banca_id=None) -> Scope:
    """Build the scope of a user; VENTANA/VENDEDOR without an active ventana are refused (403)."""
    role = Role(user.role)
    if role == Role.ADMIN:
        return Scope(user_id=user.id, role=role, banca_id=selected_banca_id or user.banca_id, name=user.name)
    ventana_ok = getattr(user, "ventana_ok", None)
    if ventana_ok is not None:  # the request's CurrentUser: checked in the identity row itself
        ventana_id, banca_id = user.ventana_id, user.ventana_banca_id
    else:
        ventana = user.ventana
        ventana_ok = not (ventana is None or not ventana.is_active or ventana.deleted_at is not None
                          or ventana.banca is None or not ventana.banca.is_active
                          or ventana.banca.deleted_at is not None)
        ventana_id, banca_id = (ventana.id, ventana.banca_id) if ventana is not None else (None, None)
    if not ventana_ok:
        raise OutOfScope(NO_VENTANA_MESSAGE)
    if role == Role.VENTANA:
        return Scope(user_id=user.id, role=role, banca_id=banca_id, ventana_id=ventana_id, name=user.name)
    return Scope(user_id=user.id, role=role, banca_id=banca_id, ventana_id=ventana_id,
                 vendedor_id=user.id, name=user.name)


def current_scope() -> Scope:
    """The logged-in caller's scope (cached on the request); 403 when anonymous or invalid."""
    scope = getattr(g, "_scope", None)
    if scope is None:
        if not current_user.is_authenticated:
            raise OutOfScope("Debe ingresar al sistema.")
        login_session = getattr(g, "login_session", None)
        selected = login_session.banca_id if login_session is not None else None
        scope = scope_for_user(current_user, selected)
        g._scope = scope
    return scope
