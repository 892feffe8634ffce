"""Use cases of the sales network: bancas, ventanas, banca settings, receipt settings.

User administration lives in app/org/users.py and is re-exported here, so other domains only
import `app.org.services`. Every function takes `session` and the caller's `scope` keyword-only,
never commits, audits in the same transaction and bumps the banca's ConfigVersion (sales cache
org data, DOMAIN §11.1).
"""
from __future__ import annotations

from datetime import datetime

from app.auth.models import Role, User
from app.auth.services import make_user, revoke_user_sessions
from app.errors import Conflict, NotFound, OutOfScope
from app.org import queries, validation
from app.org.changes import (Saved, apply, as_uuid, audit, before_after, collect, describe, diff,
                             diff_obj, flush_unique, require_admin, unique_errors)
from app.org.config_version import bump_config_version
from app.org.models import DEFAULT_BANCA_SETTINGS, Banca, ConfigVersion, Ventana
from app.org.print_settings import merge_print_settings, ventana_print_fields
from app.scope import Scope
from app.tz import utcnow

# --------------------------------------------------------------------------- bancas


def get_banca(session, *, scope: Scope, banca_id) -> Banca:
    """A banca for ADMIN; raises OutOfScope (not ADMIN) or NotFound."""
    require_admin(scope)
    banca = session.get(Banca, as_uuid(banca_id))
    if banca is None:
        raise NotFound("No se encontró la banca.")
    return banca


def _banca_unique(session, values: dict, exclude_id=None) -> None:
    errors = unique_errors([
        ("name", queries.banca_name_taken(session, values.get("name"), exclude_id),
         "Ya existe una banca con ese nombre."),
        ("code", queries.banca_code_taken(session, values.get("code"), exclude_id),
         "Ya existe una banca con ese código."),
    ])
    if errors:
        validation.raise_errors(errors)


def create_banca(*, session, scope: Scope, data: dict) -> Banca:
    """Create a banca with default settings and its ConfigVersion row; raises InvalidInput."""
    require_admin(scope)
    values = validation.clean(data, validation.BANCA_FIELDS)
    _banca_unique(session, values)
    banca = Banca(**values, settings=dict(DEFAULT_BANCA_SETTINGS), is_active=True)
    session.add(banca)
    flush_unique(session, "Ya existe una banca con ese nombre o código.")
    session.add(ConfigVersion(banca_id=banca.id, version=1))
    audit(session, scope, action="BANCA_CREATE", banca_id=banca.id, target_type="banca",
          target_id=banca.id, description=f"Banca «{banca.name}» ({banca.code}) creada",
          details={"after": values})
    session.flush()
    return banca


def update_banca(*, session, scope: Scope, banca_id, data: dict, now: datetime | None = None) -> Saved:
    """Edit a banca's data; lowering vendor_limit logs out its vendedores (DOMAIN §20).

    Raises InvalidInput, NotFound, OutOfScope, Conflict (limit below the active vendedores).
    """
    banca = get_banca(session, scope=scope, banca_id=banca_id)
    values = validation.clean(data, validation.BANCA_FIELDS)
    _banca_unique(session, values, exclude_id=banca.id)
    changes = diff_obj(banca, values)
    if not changes:
        return Saved(banca)
    revoked = 0
    if "vendor_limit" in changes:
        old, new = changes["vendor_limit"]
        if new is not None and (old is None or new < old):
            active = queries.count_active_vendedores(session, banca.id)
            if active > new:
                raise Conflict(f"La banca tiene {active} vendedores activos; desactive algunos antes de "
                               f"bajar el límite a {new}.", field="vendor_limit")
            revoked = _revoke_many(session, queries.vendedor_ids_of_banca(session, banca.id),
                                   "Se redujo el límite de vendedores de la banca", now)
    apply(banca, changes)
    flush_unique(session, "Ya existe una banca con ese nombre o código.")
    details = before_after(changes)
    if revoked:
        details["sessions_revoked"] = revoked
    audit(session, scope, action="BANCA_UPDATE", banca_id=banca.id, target_type="banca",
          target_id=banca.id, description=f"Banca «{banca.name}» actualizada: {describe(changes)}",
          details=details)
    bump_config_version(session, banca.id)
    return Saved(banca, changes, {"sessions_revoked": revoked})


def deactivate_banca(*, session, scope: Scope, banca_id, reason: str, now: datetime | None = None) -> Banca:
    """Soft-delete a banca (motivo 3–200) and log out everyone working in it."""
    banca = get_banca(session, scope=scope, banca_id=banca_id)
    motive = validation.clean({"reason": reason}, {"reason": validation.reason})["reason"]
    if not banca.is_active:
        raise Conflict("La banca ya está inactiva.")
    now = now or utcnow()
    banca.is_active, banca.deleted_at, banca.deleted_by, banca.deleted_reason = False, now, scope.user_id, motive
    revoked = _revoke_many(session, queries.user_ids_of_banca(session, banca.id), "Banca desactivada", now)
    audit(session, scope, action="BANCA_DELETE", banca_id=banca.id, target_type="banca", target_id=banca.id,
          description=f"Banca «{banca.name}» desactivada. Motivo: {motive}",
          details={"reason": motive, "sessions_revoked": revoked})
    bump_config_version(session, banca.id)
    session.flush()
    return banca


def restore_banca(*, session, scope: Scope, banca_id) -> Banca:
    """Reactivate a soft-deleted banca."""
    banca = get_banca(session, scope=scope, banca_id=banca_id)
    if banca.is_active:
        raise Conflict("La banca ya está activa.")
    banca.is_active, banca.deleted_at, banca.deleted_by, banca.deleted_reason = True, None, None, None
    audit(session, scope, action="BANCA_RESTORE", banca_id=banca.id, target_type="banca", target_id=banca.id,
          description=f"Banca «{banca.name}» reactivada")
    bump_config_version(session, banca.id)
    session.flush()
    return banca


def banca_settings(banca: Banca) -> dict:
    """The banca's settings with defaults filled in."""
    return {key: banca.setting(key) for key in DEFAULT_BANCA_SETTINGS}


def update_banca_settings(*, session, scope: Scope, banca_id, data: dict) -> Saved:
    """Configuración (UX §6): label, pay/reprint flags, paper, header/footer, idle timeout."""
    banca = get_banca(session, scope=scope, banca_id=banca_id)
    values = validation.clean(data, validation.BANCA_SETTINGS_FIELDS)
    current = banca_settings(banca)
    changes = diff(current, values)
    if not changes:
        return Saved(banca)
    banca.settings = {**(banca.settings or {}), **values}
    audit(session, scope, action="BANCA_UPDATE", banca_id=banca.id, target_type="banca", target_id=banca.id,
          description=f"Configuración de la banca «{banca.name}» actualizada: {describe(changes)}",
          details={"settings": True, **before_after(changes)})
    bump_config_version(session, banca.id)
    session.flush()
    return Saved(banca, changes)


# --------------------------------------------------------------------------- ventanas


def get_ventana(session, *, scope: Scope, ventana_id) -> Ventana:
    """A ventana: ADMIN any, VENTANA only its own; raises NotFound / OutOfScope."""
    ventana = session.get(Ventana, as_uuid(ventana_id))
    if ventana is None:
        raise NotFound("No se encontró la ventana.")
    if scope.is_admin or (scope.is_ventana and scope.ventana_id == ventana.id):
        return ventana
    raise OutOfScope("No tiene permiso para ver esta ventana.")


def _active_banca_for_ventana(session, banca_id) -> Banca:
    banca_uuid = as_uuid(banca_id, field="banca_id", message="Elija una banca.")
    banca = session.get(Banca, banca_uuid)
    if banca is None or not banca.is_active:
        validation.raise_errors({"banca_id": ["Elija una banca activa."]})
    return banca


def _listero_values(listero: dict | None) -> dict | None:
    """The optional listero section: all blank = none; otherwise every field is required."""
    listero = {k: (v or "") for k, v in (listero or {}).items()}
    if not any(str(v).strip() for v in listero.values()):
        return None
    rules = {"username": validation.username, "name": validation.name, "password": validation.password}
    errors: dict = {}
    values = collect(errors, validation.clean, listero, rules)
    if errors:  # re-key to the form's listero_* fields
        validation.raise_errors({f"listero_{k}": v for k, v in errors.items()})
    return values


def create_ventana(*, session, scope: Scope, data: dict, listero: dict | None = None) -> Ventana:
    """Create a ventana and, optionally, its VENTANA (listero) user in the same transaction.

    Raises InvalidInput (every bad field at once, incl. taken code/username) or OutOfScope."""
    require_admin(scope)
    errors: dict = {}
    banca = collect(errors, _active_banca_for_ventana, session, data.get("banca_id"))
    values = collect(errors, validation.clean, data, validation.VENTANA_FIELDS)
    listero_values = collect(errors, _listero_values, listero)
    if values is not None:
        errors.update(unique_errors([("code", queries.ventana_code_taken(session, values["code"]),
                                      "Ya existe una ventana con ese código.")]))
    if listero_values is not None:
        errors.update(unique_errors([("listero_username",
                                      queries.username_taken(session, listero_values["username"]),
                                      "Ese usuario ya existe.")]))
    if errors:
        validation.raise_errors(errors)
    ventana = Ventana(banca_id=banca.id, is_active=True, **values)
    session.add(ventana)
    flush_unique(session, "Ya existe una ventana con ese código.")
    audit(session, scope, action="VENTANA_CREATE", banca_id=banca.id, target_type="ventana",
          target_id=ventana.id, description=f"Ventana «{ventana.name}» ({ventana.code}) creada en «{banca.name}»",
          details={"after": values})
    if listero_values is not None:
        user = make_user(session, username=listero_values["username"], name=listero_values["name"],
                         password=listero_values["password"], role=Role.VENTANA, banca_id=banca.id,
                         ventana_id=ventana.id)
        flush_unique(session, "Ese usuario ya existe.")
        audit(session, scope, action="USER_CREATE", banca_id=banca.id, target_type="user", target_id=user.id,
              description=f"Usuario «{user.username}» ({user.name}) creado como listero de «{ventana.name}»",
              details={"after": {"username": user.username, "name": user.name, "role": Role.VENTANA,
                                 "ventana_id": ventana.id}})
    bump_config_version(session, banca.id)
    session.flush()
    return ventana


def update_ventana(*, session, scope: Scope, ventana_id, data: dict) -> Saved:
    """Edit a ventana: ADMIN every field; its VENTANA user only phone, email, address and print
    settings (DOMAIN §3). The banca of a ventana never changes. Raises InvalidInput/OutOfScope."""
    ventana = get_ventana(session, scope=scope, ventana_id=ventana_id)
    if scope.is_admin:
        values = validation.clean(data, validation.VENTANA_FIELDS)
        if queries.ventana_code_taken(session, values["code"], ventana.id):
            validation.raise_errors({"code": ["Ya existe una ventana con ese código."]})
    else:
        forbidden = set(data) - set(validation.VENTANA_SELF_FIELDS)
        if forbidden:
            raise OutOfScope("Solo puede modificar el teléfono, el correo, la dirección y la impresión "
                             "de su ventana.")
        fields = {k: validation.VENTANA_FIELDS[k] for k in validation.VENTANA_SELF_FIELDS}
        values = validation.clean(data, fields, partial=True)
    return _save_ventana(session, scope, ventana, values)


def _save_ventana(session, scope: Scope, ventana: Ventana, values: dict, what: str = "actualizada") -> Saved:
    changes = diff_obj(ventana, values)
    if not changes:
        return Saved(ventana)
    apply(ventana, changes)
    flush_unique(session, "Ya existe una ventana con ese código.")
    audit(session, scope, action="VENTANA_UPDATE", banca_id=ventana.banca_id, target_type="ventana",
          target_id=ventana.id, description=f"Ventana «{ventana.name}» {what}: {describe(changes)}",
          details=before_after(changes))
    bump_config_version(session, ventana.banca_id)
    return Saved(ventana, changes)


def deactivate_ventana(*, session, scope: Scope, ventana_id, reason: str,
                       now: datetime | None = None) -> Ventana:
    """Soft-delete a ventana (ADMIN, motivo 3–200); its users are logged out and refused."""
    require_admin(scope)
    ventana = get_ventana(session, scope=scope, ventana_id=ventana_id)
    motive = validation.clean({"reason": reason}, {"reason": validation.reason})["reason"]
    if not ventana.is_active:
        raise Conflict("La ventana ya está inactiva.")
    now = now or utcnow()
    ventana.is_active, ventana.deleted_at = False, now
    ventana.deleted_by, ventana.deleted_reason = scope.user_id, motive
    revoked = _revoke_many(session, queries.user_ids_of_ventana(session, ventana.id), "Ventana desactivada", now)
    audit(session, scope, action="VENTANA_DELETE", banca_id=ventana.banca_id, target_type="ventana",
          target_id=ventana.id, description=f"Ventana «{ventana.name}» desactivada. Motivo: {motive}",
          details={"reason": motive, "sessions_revoked": revoked})
    bump_config_version(session, ventana.banca_id)
    session.flush()
    return ventana


def restore_ventana(*, session, scope: Scope, ventana_id) -> Ventana:
    """Reactivate a ventana (ADMIN); its banca must be active."""
    require_admin(scope)
    ventana = get_ventana(session, scope=scope, ventana_id=ventana_id)
    if ventana.is_active:
        raise Conflict("La ventana ya está activa.")
    if not ventana.banca.is_active:
        raise Conflict("La banca de esta ventana está inactiva; reactívela primero.")
    ventana.is_active, ventana.deleted_at, ventana.deleted_by, ventana.deleted_reason = True, None, None, None
    audit(session, scope, action="VENTANA_RESTORE", banca_id=ventana.banca_id, target_type="ventana",
          target_id=ventana.id, description=f"Ventana «{ventana.name}» reactivada")
    bump_config_version(session, ventana.banca_id)
    session.flush()
    return ventana


def _revoke_many(session, user_ids, reason: str, now: datetime | None = None) -> int:
    now = now or utcnow()
    return sum(revoke_user_sessions(session, uid, reason=reason, now=now) for uid in user_ids)


# --------------------------------------------------------------------------- receipt settings


def effective_print_settings(session, vendedor: User) -> dict:
    """Receipt settings for a seller: his override → his ventana → the banca's defaults.

    Keys: header, print_name, print_phone (8 digits or ""), paper_width_mm (58|80), footer,
    print_barcode, auto_print, reprint_enabled. A VENTANA user gets its ventana's settings.
    """
    ventana = vendedor.ventana
    banca = ventana.banca if ventana is not None else (session.get(Banca, vendedor.banca_id)
                                                       if vendedor.banca_id else None)
    override = (vendedor.settings or {}).get("print") if vendedor.role == Role.VENDEDOR else None
    return merge_print_settings(banca.settings if banca else None, ventana_print_fields(ventana), override)


def print_target(session, *, scope: Scope, user_id) -> User:
    """Whose receipt settings the caller may edit: self, own vendedores (VENTANA), anyone (ADMIN)."""
    from app.org.users import get_user
    uid = as_uuid(user_id)
    user = session.get(User, uid) if uid == scope.user_id else get_user(session, scope=scope, user_id=uid)
    if user is None:
        raise NotFound("No se encontró el usuario.")
    if user.role == Role.ADMIN or user.ventana is None:
        raise Conflict("Los administradores no tienen configuración de impresión propia.")
    return user


def print_settings_values(user: User) -> dict:
    """The stored (not effective) receipt settings of the user's own level, for the form."""
    if user.role == Role.VENDEDOR:
        stored = dict((user.settings or {}).get("print") or {})
        return {k: stored.get(k) for k in validation.SELLER_PRINT_FIELDS}
    v = user.ventana
    return {k: getattr(v, k) for k in validation.VENTANA_PRINT_FIELDS}


def update_print_settings(*, session, scope: Scope, user_id, data: dict) -> Saved:
    """Save receipt settings (UX §2.7): a VENTANA user's go on its ventana, a vendedor's are his
    override in user.settings["print"] (blank = inherit). Raises InvalidInput/OutOfScope/NotFound."""
    user = print_target(session, scope=scope, user_id=user_id)
    if user.role == Role.VENTANA:
        values = validation.clean(data, validation.VENTANA_PRINT_FIELDS)
        return _save_ventana(session, scope, user.ventana, values, what="— impresión actualizada")
    values = validation.clean(data, validation.SELLER_PRINT_FIELDS)
    current = print_settings_values(user)
    changes = diff(current, values)
    if not changes:
        return Saved(user)
    settings = dict(user.settings or {})
    settings["print"] = {k: v for k, v in values.items() if v is not None}
    user.settings = settings
    audit(session, scope, action="USER_UPDATE", banca_id=user.ventana.banca_id, target_type="user",
          target_id=user.id, description=f"Impresión de «{user.username}» actualizada: {describe(changes)}",
          details=before_after(changes))
    bump_config_version(session, user.ventana.banca_id)
    session.flush()
    return Saved(user, changes)


def preview_print_settings(session, *, scope: Scope, user_id, data: dict) -> tuple[dict, dict]:
    """Effective settings if `data` were saved (for the live preview); returns (settings, errors)."""
    user = print_target(session, scope=scope, user_id=user_id)
    fields = validation.SELLER_PRINT_FIELDS if user.role == Role.VENDEDOR else validation.VENTANA_PRINT_FIELDS
    values, errors = {}, {}
    for key, cleaner in fields.items():
        try:
            values[key] = cleaner(data.get(key))
        except validation.FieldError as exc:
            errors[key] = [str(exc)]
    stored = print_settings_values(user)
    values = {k: (stored.get(k) if k in errors else v) for k, v in values.items()}
    ventana = ventana_print_fields(user.ventana)
    if user.role == Role.VENDEDOR:
        return merge_print_settings(user.ventana.banca.settings, ventana, values), errors
    return merge_print_settings(user.ventana.banca.settings, {**ventana, **values}, None), errors


# Users (re-exported: one entry point for other domains).
from app.org.users import (  # noqa: E402,F401
    bulk_set_active, create_user, deactivate_user, get_user, reset_password, restore_user, update_user,
)
