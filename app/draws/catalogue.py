"""Catalogue use cases (DOMAIN §8, UX §6): loterías and multipliers, audited, ConfigVersion bumped.

Every change bumps the banca's ConfigVersion in the same transaction: the sale path caches
loterías and multipliers keyed on it (§11.1).
"""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update

from app.audit.services import record
from app.draws import queries
from app.draws.models import Loteria, LoteriaMultiplier, MultiplierKind, Sorteo, SorteoStatus
from app.draws.rules import loteria_rules, validate_rules
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.org.config_version import bump_config_version
from app.scope import Scope
from app.tz import utcnow


def _admin(scope: Scope) -> uuid.UUID:
    if not scope.is_admin:
        raise OutOfScope("Solo un administrador puede modificar el catálogo.")
    return scope.require_banca()


def as_uuid(value, message: str = "No se encontró el registro solicitado.") -> uuid.UUID:
    """A UUID from a form/URL value; 404 for anything that is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise NotFound(message) from None


def get_loteria(session, scope: Scope, loteria_id) -> Loteria:
    """The lotería if it belongs to the scope's banca (404 / 403 otherwise)."""
    loteria = session.get(Loteria, as_uuid(loteria_id, "La lotería no existe."))
    if loteria is None:
        raise NotFound("La lotería no existe.")
    if loteria.banca_id != scope.banca_id:
        raise OutOfScope()
    return loteria


def get_multiplier(session, scope: Scope, multiplier_id) -> LoteriaMultiplier:
    mult = session.get(LoteriaMultiplier, as_uuid(multiplier_id, "El multiplicador no existe."))
    if mult is None:
        raise NotFound("El multiplicador no existe.")
    if mult.loteria.banca_id != scope.banca_id:
        raise OutOfScope()
    return mult


def _clean_name(name: str, *, lo: int, hi: int, what: str) -> str:
    name = " ".join((name or "").split())
    if not lo <= len(name) <= hi:
        raise InvalidInput(f"El nombre {what} debe tener entre {lo} y {hi} caracteres.", field="name")
    return name


def _check_rules(rules: dict) -> dict:
    errors = validate_rules(rules)
    if errors:
        key, message = next(iter(errors.items()))
        raise InvalidInput(message, field=key, errors={k: [v] for k, v in errors.items()})
    return rules


def merge_rules(old: dict | None, new: dict) -> dict:
    """Form values over the stored rules: keys the form does not manage survive; None drops a key."""
    merged = dict(old or {})
    for key, value in new.items():
        if key == "display" and isinstance(value, dict):
            merged["display"] = {**(merged.get("display") or {}), **value}
        else:
            merged[key] = value
    return {k: v for k, v in merged.items() if v is not None}


def _unique_name(session, banca_id, name: str, exclude_id=None) -> None:
    other = queries.loteria_by_name(session, banca_id, name)
    if other is not None and other.id != exclude_id:
        raise Conflict(f"Ya existe una lotería llamada «{other.name}».", field="name")


def create_loteria(session, *, scope: Scope, name: str, rules: dict) -> Loteria:
    """New lotería of the scope's banca (LOTERIA_CREATE). 422 bad rules, 409 duplicate name."""
    banca_id = _admin(scope)
    name = _clean_name(name, lo=2, hi=100, what="de la lotería")
    _unique_name(session, banca_id, name)
    loteria = Loteria(banca_id=banca_id, name=name, rules=_check_rules(merge_rules({}, rules)),
                      is_active=True)
    session.add(loteria)
    session.flush()
    bump_config_version(session, banca_id)
    record(session, action="LOTERIA_CREATE", layer="draws", actor_id=scope.user_id, banca_id=banca_id,
           target_type="loteria", target_id=loteria.id, description=f"Lotería {name} creada",
           details={"rules": loteria.rules})
    return loteria


def update_loteria(session, *, scope: Scope, loteria_id, name: str, rules: dict) -> bool:
    """Edit name and rules (LOTERIA_UPDATE with before/after). Returns False when nothing changed."""
    banca_id = _admin(scope)
    loteria = get_loteria(session, scope, loteria_id)
    name = _clean_name(name, lo=2, hi=100, what="de la lotería")
    rules = _check_rules(merge_rules(loteria.rules, rules))
    if name == loteria.name and rules == (loteria.rules or {}):
        return False
    if name != loteria.name:
        _unique_name(session, banca_id, name, exclude_id=loteria.id)
    before = {"name": loteria.name, "rules": loteria.rules}
    loteria.name, loteria.rules = name, rules
    session.flush()
    bump_config_version(session, banca_id)
    record(session, action="LOTERIA_UPDATE", layer="draws", actor_id=scope.user_id, banca_id=banca_id,
           target_type="loteria", target_id=loteria.id, description=f"Lotería {name} actualizada",
           details={"before": before, "after": {"name": name, "rules": rules}})
    return True


def deactivate_loteria(session, *, scope: Scope, loteria_id, reason: str | None = None) -> int:
    """Deactivate a lotería and cascade to its sorteos (§6); returns how many sorteos it deactivated.

    Refused (409) while one of its OPEN sorteos has live tickets. SCHEDULED sorteos and OPEN
    ones without live tickets become inactive with deactivated_by_cascade.
    """
    banca_id = _admin(scope)
    loteria = get_loteria(session, scope, loteria_id)
    if not loteria.is_active:
        raise Conflict(f"La lotería {loteria.name} ya está desactivada.")
    busy = queries.open_sorteos_with_live_tickets(session, loteria.id)
    if busy:
        names = ", ".join(s.name for s in busy[:3])
        raise Conflict(f"No se puede desactivar {loteria.name}: tiene sorteos abiertos con tiquetes "
                       f"vendidos ({names}). Cierre o espere esos sorteos primero.")
    live = select(queries.Ticket.id).where(queries.Ticket.sorteo_id == Sorteo.id,
                                           queries.Ticket.status.in_(queries.LIVE_STATUSES))
    result = session.execute(
        update(Sorteo).where(Sorteo.loteria_id == loteria.id, Sorteo.is_active.is_(True),
                             Sorteo.status.in_([SorteoStatus.SCHEDULED, SorteoStatus.OPEN]),
                             ~live.exists())
        .values(is_active=False, deactivated_by_cascade=True).execution_options(synchronize_session=False))
    loteria.is_active, loteria.deleted_at, loteria.deleted_by = False, utcnow(), scope.user_id
    loteria.deleted_reason = (reason or "").strip()[:200] or None
    session.flush()
    _expire(session, Sorteo)
    bump_config_version(session, banca_id)
    record(session, action="LOTERIA_DELETE", layer="draws", actor_id=scope.user_id, banca_id=banca_id,
           target_type="loteria", target_id=loteria.id,
           description=f"Lotería {loteria.name} desactivada ({result.rowcount} sorteos desactivados)",
           details={"reason": loteria.deleted_reason, "sorteos_deactivated": result.rowcount})
    return result.rowcount


def reactivate_loteria(session, *, scope: Scope, loteria_id) -> int:
    """Reactivate a lotería and only the sorteos its deactivation cascaded to (§6)."""
    banca_id = _admin(scope)
    loteria = get_loteria(session, scope, loteria_id)
    if loteria.is_active:
        raise Conflict(f"La lotería {loteria.name} ya está activa.")
    _unique_name(session, banca_id, loteria.name, exclude_id=loteria.id)
    result = session.execute(
        update(Sorteo).where(Sorteo.loteria_id == loteria.id, Sorteo.deactivated_by_cascade.is_(True))
        .values(is_active=True, deactivated_by_cascade=False).execution_options(synchronize_session=False))
    loteria.is_active, loteria.deleted_at, loteria.deleted_by, loteria.deleted_reason = True, None, None, None
    session.flush()
    _expire(session, Sorteo)
    bump_config_version(session, banca_id)
    record(session, action="LOTERIA_RESTORE", layer="draws", actor_id=scope.user_id, banca_id=banca_id,
           target_type="loteria", target_id=loteria.id,
           description=f"Lotería {loteria.name} reactivada ({result.rowcount} sorteos reactivados)",
           details={"sorteos_reactivated": result.rowcount})
    return result.rowcount


def _expire(session, *classes) -> None:
    """Core UPDATEs bypass the identity map: expire loaded rows of these classes."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, classes):
            session.expire(obj)


# ------------------------------------------------------------------------------ multipliers

def _multiplier_values(session, scope: Scope, *, loteria_id, name, value_x, kind, applies_to_date,
                       applies_to_sorteo_id):
    loteria = get_loteria(session, scope, loteria_id)
    name = _clean_name(name, lo=2, hi=32, what="del multiplicador")
    try:
        kind = MultiplierKind(kind)
    except ValueError:
        raise InvalidInput("Elija el tipo: Número o Reventado.", field="kind") from None
    value = Decimal(str(value_x)) if value_x is not None else None
    if value is None or value <= 0 or value >= Decimal("1000000") or value != value.quantize(Decimal("0.01")):
        raise InvalidInput("Las veces deben ser un número mayor que 0 (máximo 2 decimales).", field="value_x")
    if applies_to_sorteo_id is not None:
        if kind != MultiplierKind.REVENTADO:
            raise InvalidInput("Solo un multiplicador reventado puede ser de un solo sorteo.",
                               field="applies_to_sorteo_id")
        sorteo = session.get(Sorteo, as_uuid(applies_to_sorteo_id))
        if sorteo is None or sorteo.loteria_id != loteria.id:
            raise InvalidInput("El sorteo elegido no es de esta lotería.", field="applies_to_sorteo_id")
    return loteria, name, value, kind


def _unique_multiplier(session, loteria_id, name: str, exclude_id=None) -> None:
    for other in queries.active_multipliers_of_loteria(session, loteria_id):
        if other.name.lower() == name.lower() and other.id != exclude_id:
            raise Conflict(f"Ya existe un multiplicador activo «{other.name}» en esta lotería.", field="name")


def create_multiplier(session, *, scope: Scope, loteria_id, name: str, value_x, kind: str,
                      applies_to_date: date | None = None, applies_to_sorteo_id=None) -> LoteriaMultiplier:
    """New NUMERO/REVENTADO multiplier (MULTIPLIER_SETTING_CREATE). 422 invalid, 409 duplicate."""
    banca_id = _admin(scope)
    loteria, name, value, kind = _multiplier_values(
        session, scope, loteria_id=loteria_id, name=name, value_x=value_x, kind=kind,
        applies_to_date=applies_to_date, applies_to_sorteo_id=applies_to_sorteo_id)
    _unique_multiplier(session, loteria.id, name)
    mult = LoteriaMultiplier(loteria_id=loteria.id, name=name, value_x=value, kind=kind, is_active=True,
                             applies_to_date=applies_to_date, applies_to_sorteo_id=applies_to_sorteo_id)
    session.add(mult)
    session.flush()
    bump_config_version(session, banca_id)
    record(session, action="MULTIPLIER_SETTING_CREATE", layer="draws", actor_id=scope.user_id,
           banca_id=banca_id, target_type="multiplier", target_id=mult.id,
           description=f"Multiplicador {name} ({kind_label(kind)}, paga {format_x(value)} veces) creado en "
                       f"{loteria.name}",
           details={"loteria": loteria.name, "value_x": value, "kind": kind})
    return mult


def update_multiplier(session, *, scope: Scope, multiplier_id, name: str, value_x, kind: str,
                      applies_to_date: date | None = None, applies_to_sorteo_id=None) -> bool:
    """Edit a multiplier (sold jugadas keep their frozen value, §8.2). False when unchanged."""
    banca_id = _admin(scope)
    mult = get_multiplier(session, scope, multiplier_id)
    _, name, value, kind = _multiplier_values(
        session, scope, loteria_id=mult.loteria_id, name=name, value_x=value_x, kind=kind,
        applies_to_date=applies_to_date, applies_to_sorteo_id=applies_to_sorteo_id)
    before = {"name": mult.name, "value_x": mult.value_x, "kind": mult.kind,
              "applies_to_date": mult.applies_to_date, "applies_to_sorteo_id": mult.applies_to_sorteo_id}
    after = {"name": name, "value_x": value, "kind": kind, "applies_to_date": applies_to_date,
             "applies_to_sorteo_id": applies_to_sorteo_id}
    if all(before[k] == after[k] for k in before):
        return False
    if mult.is_active and name.lower() != mult.name.lower():
        _unique_multiplier(session, mult.loteria_id, name, exclude_id=mult.id)
    for key, value in after.items():
        setattr(mult, key, value)
    session.flush()
    bump_config_version(session, banca_id)
    record(session, action="MULTIPLIER_SETTING_UPDATE", layer="draws", actor_id=scope.user_id,
           banca_id=banca_id, target_type="multiplier", target_id=mult.id,
           description=f"Multiplicador {name} de {mult.loteria.name} actualizado",
           details={"before": before, "after": after})
    return True


def set_multiplier_active(session, *, scope: Scope, multiplier_id, active: bool,
                          reason: str | None = None) -> LoteriaMultiplier:
    """Deactivate (never delete, §8.2) or reactivate a multiplier (MULTIPLIER_SETTING_DELETE/RESTORE)."""
    banca_id = _admin(scope)
    mult = get_multiplier(session, scope, multiplier_id)
    if mult.is_active == active:
        raise Conflict(f"El multiplicador {mult.name} ya está {'activo' if active else 'desactivado'}.")
    if active:
        _unique_multiplier(session, mult.loteria_id, mult.name, exclude_id=mult.id)
        mult.deleted_at = mult.deleted_by = mult.deleted_reason = None
    else:
        mult.deleted_at, mult.deleted_by = utcnow(), scope.user_id
        mult.deleted_reason = (reason or "").strip()[:200] or None
    mult.is_active = active
    session.flush()
    bump_config_version(session, banca_id)
    record(session, action="MULTIPLIER_SETTING_RESTORE" if active else "MULTIPLIER_SETTING_DELETE",
           layer="draws", actor_id=scope.user_id, banca_id=banca_id, target_type="multiplier",
           target_id=mult.id,
           description=f"Multiplicador {mult.name} de {mult.loteria.name} "
                       f"{'reactivado' if active else 'desactivado'}",
           details={"reason": mult.deleted_reason})
    return mult


def kind_label(kind) -> str:
    return "Reventado" if MultiplierKind(kind) == MultiplierKind.REVENTADO else "Número"


def format_x(value) -> str:
    """90 → '90', 92.5 → '92,5' (multiplier values in text)."""
    d = Decimal(str(value)).normalize()
    text = f"{d:f}"
    return text.replace(".", ",")


__all__ = ["get_loteria", "get_multiplier", "create_loteria", "update_loteria", "deactivate_loteria",
           "reactivate_loteria", "create_multiplier", "update_multiplier", "set_multiplier_active",
           "loteria_rules", "kind_label", "format_x"]
