"""User administration (DOMAIN §3, §4, §20; UX §6 "Usuarios").

ADMIN manages every user; a VENTANA user manages only the vendedores of its own ventana (role
and ventana are forced, anyone else is 403). Changes to role, ventana, active or password bump
identity_version; deactivation, password reset, a move and a role change revoke the sessions.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.auth.services import make_user, revoke_user_sessions
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.org import queries, validation
from app.org.changes import (Saved, apply, as_uuid, audit, before_after, collect, describe, diff_obj,
                             flush_unique, unique_errors)
from app.org.config_version import bump_config_version
from app.org.models import Banca, Ventana
from app.scope import Scope
from app.tz import utcnow

UNIQUE_MESSAGE = "Ya existe un usuario con ese usuario, correo o código."


def get_user(session, *, scope: Scope, user_id) -> User:
    """A user the caller may manage: ADMIN any; VENTANA only its own vendedores (else 403)."""
    user = session.get(User, as_uuid(user_id))
    if user is None:
        raise NotFound("No se encontró el usuario.")
    if scope.is_admin:
        return user
    if scope.is_ventana and user.role == Role.VENDEDOR and user.ventana_id == scope.ventana_id:
        return user
    raise OutOfScope("No tiene permiso para ver o modificar este usuario.")


def _require_manager(scope: Scope) -> None:
    if not (scope.is_admin or scope.is_ventana):
        raise OutOfScope("No tiene permiso para administrar usuarios.")


def banca_id_of(user: User):
    return user.ventana.banca_id if user.ventana is not None else user.banca_id


def _placement(session, scope: Scope, data: dict, current: User | None) -> tuple[Role, Ventana | None]:
    """Role and ventana: forced for VENTANA callers (own vendedores), chosen by ADMIN."""
    if scope.is_ventana:
        return Role.VENDEDOR, session.get(Ventana, scope.ventana_id)
    raw_role = str(data.get("role") or "").strip().upper()
    if raw_role not in Role.__members__:
        validation.raise_errors({"role": ["Elija un rol."]})
    role = Role(raw_role)
    if role == Role.ADMIN:
        return role, None
    ventana_id = as_uuid(data.get("ventana_id"), field="ventana_id", message="Elija una ventana.")
    ventana = session.get(Ventana, ventana_id)
    keeps_current = current is not None and current.ventana_id == ventana_id
    if ventana is None or not (ventana.is_active or keeps_current):
        validation.raise_errors({"ventana_id": ["Elija una ventana activa."]})
    return role, ventana


def _new_password(password, confirm) -> str:
    errors: dict = {}
    value = collect(errors, validation.clean, {"password": password}, {"password": validation.password})
    if value is not None and (confirm or "") != password:
        errors["confirm"] = ["La confirmación no coincide con la contraseña."]
    if errors:
        validation.raise_errors(errors)
    return value["password"]


def _unique(session, values: dict, exclude_id=None) -> dict:
    return unique_errors([
        ("username", queries.username_taken(session, values.get("username"), exclude_id), "Ese usuario ya existe."),
        ("email", queries.email_taken(session, values.get("email"), exclude_id),
         "Ese correo ya está registrado para otro usuario."),
        ("code", queries.user_code_taken(session, values.get("code"), exclude_id),
         "Ese código ya lo usa otro usuario."),
    ])


def check_vendor_limit(session, banca: Banca, adding: int, *, exclude_ids=()) -> None:
    """Refuse (409) activating `adding` more vendedores beyond banca.vendor_limit (DOMAIN §20)."""
    if banca is None or banca.vendor_limit is None or adding <= 0:
        return
    active = queries.count_active_vendedores(session, banca.id, exclude_ids=exclude_ids)
    if active + adding > banca.vendor_limit:
        raise Conflict(f"La banca «{banca.name}» permite como máximo {banca.vendor_limit} vendedores "
                       f"activos y ya tiene {active}. Desactive otro vendedor o pida ampliar el límite.")


def create_user(*, session, scope: Scope, data: dict) -> User:
    """Create a user (ADMIN any role; VENTANA a vendedor of its own ventana).

    Raises InvalidInput (all fields at once), OutOfScope, Conflict (vendor_limit)."""
    _require_manager(scope)
    errors: dict = {}
    values = collect(errors, validation.clean, data, validation.USER_FIELDS)
    placement = collect(errors, _placement, session, scope, data, None)
    password = collect(errors, _new_password, data.get("password"), data.get("confirm"))
    is_active = collect(errors, validation.clean, data, {"is_active": validation.boolean})
    if values is not None:
        errors.update(_unique(session, values))
    if errors:
        validation.raise_errors(errors)
    role, ventana = placement
    active = is_active["is_active"] if "is_active" in data else True
    if role == Role.VENDEDOR and active:
        check_vendor_limit(session, ventana.banca, 1)
    banca_id = ventana.banca_id if ventana is not None else scope.banca_id
    user = make_user(session, username=values["username"], name=values["name"], password=password, role=role,
                     banca_id=banca_id, ventana_id=ventana.id if ventana else None, code=values["code"],
                     email=values["email"], phone=values["phone"])
    user.max_sessions = values["max_sessions"] if role == Role.VENDEDOR else None
    user.is_active = active
    flush_unique(session, UNIQUE_MESSAGE)
    where = f" en «{ventana.name}»" if ventana else ""
    audit(session, scope, action="USER_CREATE", banca_id=banca_id, target_type="user", target_id=user.id,
          description=f"Usuario «{user.username}» ({user.name}) creado como {role.label}{where}"
                      f"{'' if active else ' (inactivo)'}",
          details={"after": {**values, "role": role, "ventana_id": user.ventana_id, "is_active": active}})
    bump_config_version(session, banca_id)
    return user


def update_user(*, session, scope: Scope, user_id, data: dict, now: datetime | None = None) -> Saved:
    """Edit a user's data, role and ventana. A move clears a vendedor's commission policy; role or
    ventana changes bump identity_version and revoke sessions. Raises InvalidInput, OutOfScope,
    NotFound, Conflict (own role, last ADMIN, vendor_limit)."""
    _require_manager(scope)
    user = get_user(session, scope=scope, user_id=user_id)
    errors: dict = {}
    values = collect(errors, validation.clean, data, validation.USER_FIELDS)
    placement = collect(errors, _placement, session, scope, data, user)
    if values is not None:
        errors.update(_unique(session, values, exclude_id=user.id))
    if errors:
        validation.raise_errors(errors)
    role, ventana = placement
    if role != Role.VENDEDOR:
        values["max_sessions"] = None
    changes = diff_obj(user, {**values, "role": role, "ventana_id": ventana.id if ventana else None})
    if not changes:
        return Saved(user)
    placement_changed = "role" in changes or "ventana_id" in changes
    if placement_changed:
        _check_placement_change(session, scope, user, role, ventana)
    old_banca_id, old_ventana = banca_id_of(user), user.ventana
    was_vendedor = user.role == Role.VENDEDOR
    apply(user, changes)
    if "ventana_id" in changes:
        user.ventana = ventana  # keep the relationship in step with the new foreign key
    flush_unique(session, UNIQUE_MESSAGE)
    revoked = 0
    if placement_changed:
        user.banca_id = ventana.banca_id if ventana is not None else old_banca_id
        if was_vendedor:
            user.commission_policy = None  # DOMAIN §2: he inherits the new ventana's policy
        user.identity_version += 1
        revoked = revoke_user_sessions(session, user.id, now=now,
                                       reason="Cambio de rol" if "role" in changes else "Cambio de ventana")
    _audit_update(session, scope, user, changes, old_ventana, revoked)
    bump_config_version(session, old_banca_id)
    if banca_id_of(user) != old_banca_id:
        bump_config_version(session, banca_id_of(user))
    session.flush()
    return Saved(user, changes, {"sessions_revoked": revoked})


def _check_placement_change(session, scope: Scope, user: User, role: Role, ventana: Ventana | None) -> None:
    if user.id == scope.user_id and role != user.role:
        raise Conflict("No puede cambiar su propio rol.", field="role")
    if user.role == Role.ADMIN and role != Role.ADMIN and user.is_active \
            and queries.count_active_admins(session, exclude_id=user.id) == 0:
        raise Conflict("Debe quedar al menos un administrador activo.", field="role")
    joins_banca = user.role != Role.VENDEDOR or (ventana is not None and ventana.banca_id != banca_id_of(user))
    if role == Role.VENDEDOR and user.is_active and joins_banca:
        check_vendor_limit(session, ventana.banca, 1, exclude_ids=[user.id])


def _audit_update(session, scope: Scope, user: User, changes: dict, old_ventana, revoked: int) -> None:
    banca_id = banca_id_of(user)
    if "role" in changes:
        before, after = changes["role"]
        audit(session, scope, action="USER_ROLE_CHANGE", banca_id=banca_id, target_type="user",
              target_id=user.id, description=f"Rol de «{user.username}» cambiado de {Role(before).label} "
                                             f"a {Role(after).label}",
              details={"before": {"role": before}, "after": {"role": after}, "sessions_revoked": revoked})
    rest = {k: v for k, v in changes.items() if k != "role"}
    if not rest:
        return
    text = f"Usuario «{user.username}» actualizado: {describe(rest)}"
    details = before_after(rest)
    if "ventana_id" in rest:
        new_name = user.ventana.name if user.ventana else "ninguna"
        text += f" (movido de «{old_ventana.name if old_ventana else 'ninguna'}» a «{new_name}»)"
        details["sessions_revoked"] = revoked
    audit(session, scope, action="USER_UPDATE", banca_id=banca_id, target_type="user", target_id=user.id,
          description=text, details=details)


def _refuse_self_or_last_admin(session, scope: Scope, users: list[User]) -> None:
    if any(u.id == scope.user_id for u in users):
        raise Conflict("No puede desactivar su propio usuario.")
    admins = [u.id for u in users if u.role == Role.ADMIN and u.is_active]
    if admins and queries.count_active_admins(session) - len(admins) < 1:
        raise Conflict("Debe quedar al menos un administrador activo.")


def _deactivate(session, scope: Scope, user: User, motive: str, now: datetime) -> None:
    user.is_active, user.deleted_at, user.deleted_by, user.deleted_reason = False, now, scope.user_id, motive
    user.identity_version += 1
    revoked = revoke_user_sessions(session, user.id, reason="Usuario desactivado", now=now)
    audit(session, scope, action="USER_DELETE", banca_id=banca_id_of(user), target_type="user", target_id=user.id,
          description=f"Usuario «{user.username}» ({user.name}) desactivado. Motivo: {motive}",
          details={"reason": motive, "sessions_revoked": revoked})
    bump_config_version(session, banca_id_of(user))


def _restore(session, scope: Scope, user: User) -> None:
    user.is_active, user.deleted_at, user.deleted_by, user.deleted_reason = True, None, None, None
    user.identity_version += 1
    audit(session, scope, action="USER_RESTORE", banca_id=banca_id_of(user), target_type="user",
          target_id=user.id, description=f"Usuario «{user.username}» ({user.name}) reactivado")
    bump_config_version(session, banca_id_of(user))


def _motive(reason) -> str:
    return validation.clean({"reason": reason}, {"reason": validation.reason})["reason"]


def deactivate_user(*, session, scope: Scope, user_id, reason: str, now: datetime | None = None) -> User:
    """Soft-delete a user (motivo 3–200) and revoke his sessions; never oneself or the last ADMIN."""
    _require_manager(scope)
    user = get_user(session, scope=scope, user_id=user_id)
    motive = _motive(reason)
    if not user.is_active:
        raise Conflict("El usuario ya está inactivo.")
    _refuse_self_or_last_admin(session, scope, [user])
    _deactivate(session, scope, user, motive, now or utcnow())
    session.flush()
    return user


def restore_user(*, session, scope: Scope, user_id) -> User:
    """Reactivate a user; a vendedor beyond the banca's vendor_limit → 409."""
    _require_manager(scope)
    user = get_user(session, scope=scope, user_id=user_id)
    if user.is_active:
        raise Conflict("El usuario ya está activo.")
    if user.role == Role.VENDEDOR and user.ventana is not None:
        check_vendor_limit(session, user.ventana.banca, 1)
    _restore(session, scope, user)
    session.flush()
    return user


def reset_password(*, session, scope: Scope, user_id, password: str, confirm: str,
                   now: datetime | None = None) -> int:
    """"Restablecer contraseña" (ADMIN; VENTANA for own vendedores): revokes every session of the
    user; returns how many. Raises InvalidInput, OutOfScope, NotFound, Conflict (own password)."""
    _require_manager(scope)
    user = get_user(session, scope=scope, user_id=user_id)
    if user.id == scope.user_id:
        raise Conflict("Para cambiar su propia contraseña use «Mi cuenta».")
    new_password = _new_password(password, confirm)
    user.password_hash = hash_password(new_password)
    user.identity_version += 1
    revoked = revoke_user_sessions(session, user.id, reason="Contraseña restablecida", now=now)
    audit(session, scope, action="USER_UPDATE", banca_id=banca_id_of(user), target_type="user", target_id=user.id,
          description=f"Contraseña de «{user.username}» restablecida; se cerraron sus sesiones",
          details={"reset": True, "sessions_revoked": revoked})
    session.flush()
    return revoked


def bulk_set_active(*, session, scope: Scope, user_ids, active: bool, reason: str | None = None,
                    now: datetime | None = None) -> int:
    """Activate or deactivate the selected users, all or nothing; returns how many changed.

    Every id must be in scope (else 403); activation beyond a vendor_limit → 409."""
    _require_manager(scope)
    ids = []
    for raw in user_ids or []:
        ids.append(as_uuid(raw, field="ids", message="La selección no es válida."))
    if not ids:
        raise InvalidInput("Seleccione al menos un usuario.", field="ids")
    users = [get_user(session, scope=scope, user_id=uid) for uid in dict.fromkeys(ids)]
    targets = [u for u in users if u.is_active != active]
    if active:
        per_banca = Counter(u.ventana.banca_id for u in targets if u.role == Role.VENDEDOR and u.ventana)
        for banca_id, adding in per_banca.items():
            check_vendor_limit(session, session.get(Banca, banca_id), adding)
        for user in targets:
            _restore(session, scope, user)
    else:
        motive = _motive(reason)
        _refuse_self_or_last_admin(session, scope, targets)
        now = now or utcnow()
        for user in targets:
            _deactivate(session, scope, user, motive, now)
    session.flush()
    return len(targets)
