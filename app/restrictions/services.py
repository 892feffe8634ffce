"""Restriction-rule use cases: the rules a sale reads (cached per ConfigVersion), the admin CRUD
(single / batch create, update, soft delete, restore; DOMAIN §10.7) and the housekeeping run.

Sale-side API (called inside the sale transaction; nothing here commits):
  rules_for_vendedor(session, *, banca_id, ventana_id, vendedor_id) -> tuple[RuleSpec, ...]
  sale_context(*, sorteo, vendedor_id, ventana_id, banca_id, now) -> SaleContext
  effective_cutoff(session, *, sorteo, vendedor_id, ventana_id, banca_id, now, banca_only=False)
  check_sale(session, *, ctx, lines, accumulated, now) -> list[Violation]
  raise_for_violations(violations)  (LimitExceeded, 409)
  number_availability(session, *, ctx, numbers, accumulated=None, multiplier_id=None) -> Balances
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.audit.services import record
from app.auth.models import Role, User
from app.draws.models import Loteria, LoteriaMultiplier, Sorteo
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.org.config_version import get_config_version  # noqa: F401  (re-exported for callers)
from app.org.models import Ventana
from app.restrictions import queries, rules
from app.restrictions.cache import (  # noqa: F401  (re-exported: the sale path imports them here)
    _DIRTY_KEY,
    RULE_FIELDS,
    banca_rules,
    clear_cache,
    mark_rules_changed,
    rules_for_vendedor,
    snapshot,
    to_spec,
)
from app.restrictions.domain import Cutoff, Kind, Line, RuleSpec, SaleContext, Violation
from app.restrictions.models import RestrictionRule
from app.restrictions.parsing import MAX_BATCH, parse_number_batch
from app.restrictions.summary import Names, summarize
from app.restrictions.validation import FieldError, uniqueness_key, validate_rule
from app.tz import cr_today, utcnow

EDITABLE_FIELDS = (
    "max_amount", "max_total", "sales_cutoff_minutes", "max_ticket_total", "is_active",
    "applies_to_date", "applies_to_hour",
)


class LimitExceeded(Conflict):
    """The ticket breaks restriction rules; ``violations`` lists every refused number (409)."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        super().__init__(". ".join(rules.violation_messages(violations)))
        self.numbers = {v.number: v.message for v in violations if v.number is not None}


# ------------------------------------------------------------------------------ sale side


def sale_context(*, sorteo: Sorteo, vendedor_id, ventana_id, banca_id, now: datetime) -> SaleContext:
    """The engine context of a sale validated at ``now`` (CR date/hour of now, §10.2)."""
    loteria = sorteo.loteria
    return SaleContext.at(
        now, vendedor_id=vendedor_id, ventana_id=ventana_id, banca_id=banca_id,
        loteria_id=sorteo.loteria_id, sorteo_id=sorteo.id, digits=sorteo.digits,
        scheduled_at=sorteo.scheduled_at, loteria_name=loteria.name if loteria is not None else "",
    )


def loteria_closing_minutes(sorteo: Sorteo) -> int | None:
    value = ((sorteo.loteria.rules or {}) if sorteo.loteria is not None else {}).get(
        "closing_time_before_draw")
    return int(value) if value is not None else None


def effective_cutoff(session, *, sorteo, vendedor_id, ventana_id, banca_id, now: datetime,
                     banca_only: bool = False) -> Cutoff:
    """Cutoff minutes and source for a vendedor on a sorteo (D6); banca_only for reopening."""
    ctx = sale_context(sorteo=sorteo, vendedor_id=vendedor_id, ventana_id=ventana_id,
                       banca_id=banca_id, now=now)
    specs = rules_for_vendedor(session, banca_id=banca_id, ventana_id=ventana_id,
                               vendedor_id=vendedor_id)
    return rules.resolve_cutoff(specs, ctx, loteria_closing_minutes(sorteo), banca_only=banca_only)


def check_sale(session, *, ctx: SaleContext, lines: list[Line], accumulated, now: datetime):
    """Steps 7–8 of §9.2 for one ticket; ``accumulated`` = totals WITHOUT it (None: step 7 only)."""
    specs = rules_for_vendedor(session, banca_id=ctx.banca_id, ventana_id=ctx.ventana_id,
                               vendedor_id=ctx.vendedor_id)
    return rules.check_ticket(specs, lines, ctx, accumulated, now)


def raise_for_violations(violations: list[Violation]) -> None:
    """LimitExceeded (409) with every message when the ticket broke a rule."""
    if violations:
        raise LimitExceeded(violations)


@dataclass
class Balances:
    """Balances view for the sales screen (§10.3)."""

    numbers: dict  # number -> rules.Availability | None ("sin tope")
    ticket_total_limit: Decimal | None


def number_availability(session, *, ctx: SaleContext, numbers, accumulated=None,
                        multiplier_id=None) -> Balances:
    """Per-number remaining for the vendedor being sold for, plus any ticket-total limit."""
    numbers = list(numbers)
    specs = rules_for_vendedor(session, banca_id=ctx.banca_id, ventana_id=ctx.ventana_id,
                               vendedor_id=ctx.vendedor_id)
    if accumulated is None:
        accumulated = queries.accumulated_for(session, ctx, numbers)
    return Balances(rules.availability(specs, numbers, ctx, accumulated, multiplier_id=multiplier_id),
                    rules.ticket_total_limit(specs, ctx))


# ------------------------------------------------------------------------------ admin CRUD


def _require_admin(scope) -> Any:
    if not scope.is_admin:
        raise OutOfScope("Solo un administrador puede modificar restricciones.")
    return scope.require_banca()


def _invalid(errors: list[FieldError]) -> InvalidInput:
    grouped: dict[str, list[str]] = {}
    for err in errors:
        grouped.setdefault(err.field, []).append(err.message)
    return InvalidInput(". ".join(e.message for e in errors), errors=grouped)


def _reason(text: str | None) -> str:
    value = (text or "").strip()
    if not 3 <= len(value) <= 200:
        raise InvalidInput("Indique un motivo de 3 a 200 caracteres.", field="reason")
    return value


def get_rule(session, *, scope, rule_id) -> RestrictionRule:
    """A rule of the caller's banca (ADMIN); 404 / 403 otherwise."""
    banca_id = scope.require_banca()
    rule = session.get(RestrictionRule, rule_id)
    if rule is None:
        raise NotFound("La restricción no existe.")
    if rule.banca_id != banca_id or not scope.is_admin:
        raise OutOfScope()
    return rule


def _check_targets(session, banca_id, fields: dict) -> tuple[list[FieldError], int | None, Any]:
    """Referenced rows exist in this banca and agree; returns (errors, digits, multiplier)."""
    errors: list[FieldError] = []
    digits = None
    multiplier = None
    if fields.get("ventana_id") is not None:
        ventana = session.get(Ventana, fields["ventana_id"])
        if ventana is None or ventana.banca_id != banca_id:
            errors.append(FieldError("ventana_id", "La ventana no pertenece a esta banca"))
    if fields.get("user_id") is not None:
        user = session.get(User, fields["user_id"])
        if (user is None or user.role != Role.VENDEDOR or user.ventana is None
                or user.ventana.banca_id != banca_id):
            errors.append(FieldError("user_id", "El vendedor no pertenece a esta banca"))
    loteria = session.get(Loteria, fields["loteria_id"]) if fields.get("loteria_id") else None
    if fields.get("loteria_id") is not None:
        if loteria is None or loteria.banca_id != banca_id:
            errors.append(FieldError("loteria_id", "La lotería no pertenece a esta banca"))
            loteria = None
        else:
            digits = loteria.digits
    if fields.get("sorteo_id") is not None:
        sorteo = session.get(Sorteo, fields["sorteo_id"])
        if sorteo is None or sorteo.banca_id != banca_id:
            errors.append(FieldError("sorteo_id", "El sorteo no pertenece a esta banca"))
        elif loteria is not None and sorteo.loteria_id != loteria.id:
            errors.append(FieldError("sorteo_id", "El sorteo no es de la lotería elegida"))
        else:
            digits = sorteo.digits
    if fields.get("multiplier_id") is not None:
        multiplier = session.get(LoteriaMultiplier, fields["multiplier_id"])
        if multiplier is None or (loteria is not None and multiplier.loteria_id != loteria.id):
            errors.append(FieldError("multiplier_id", "El multiplicador no es de la lotería elegida"))
            multiplier = None
    return errors, digits, multiplier


def _numbers(numbers_text: str | None, digits: int | None) -> tuple[list[str | None], list[FieldError]]:
    """'13' → one rule (2 or 3 digits, zero-padded); lists/ranges → batch of 2-digit numbers."""
    text = (numbers_text or "").strip()
    if not text:
        return [None], []
    if text.isascii() and text.isdigit() and len(text) <= 3:
        width = digits or max(2, len(text))
        if len(text) > width:
            return [], [FieldError("number", f"Número «{text}»: debe tener {width} cifras")]
        return [text.zfill(width)], []
    if digits == 3:
        return [], [FieldError("number", "Los números de 3 cifras se crean de uno en uno")]
    numbers, errors = parse_number_batch(text, limit=MAX_BATCH)
    return numbers, [FieldError("number", e) for e in errors]


def _duplicates(session, banca_id, specs: list[RuleSpec]) -> list[str]:
    """Numbers (or 'todos') whose uniqueness key an active rule already has (§10.1)."""
    first = specs[0]
    existing = queries.same_key_candidates(session, banca_id, [s.number for s in specs],
                                           ventana_id=first.ventana_id, user_id=first.user_id)
    taken = {uniqueness_key(to_spec(r, m)) for r, m in existing}
    return [s.number or "todos los números" for s in specs if uniqueness_key(s) in taken]


def create_rules(session, *, scope, actor_id, fields: dict, numbers_text: str | None = None,
                 expected_kind: Kind | None = None, now: datetime | None = None) -> list[RestrictionRule]:
    """Create one rule, or one per number of a batch ("10-19, 25, 3*"); all or nothing.

    Raises OutOfScope (not ADMIN), InvalidInput (422, every bad value named) and Conflict (409,
    an active rule with the same key exists).
    """
    banca_id = _require_admin(scope)
    now = now or utcnow()
    fields = {k: v for k, v in fields.items() if k in (*RULE_FIELDS, "ventana_id", "user_id")}
    errors, digits, multiplier = _check_targets(session, banca_id, fields)
    numbers, number_errors = _numbers(numbers_text, digits)
    errors += number_errors
    if len(numbers) > 1 and fields.get("is_auto_date"):
        errors.append(FieldError("is_auto_date", "Elija números o «Fecha del día», no ambos"))
    specs = [_draft(banca_id, fields, number, multiplier) for number in numbers or [None]]
    for spec in specs[:1] if numbers else specs:
        errors += validate_rule(spec, today=cr_today(now), digits=digits, expected_kind=expected_kind)
    if errors:
        raise _invalid(errors)
    taken = _duplicates(session, banca_id, specs)
    if taken:
        raise Conflict("Ya existe una restricción activa igual para: " + ", ".join(taken) + ".")
    created = [_insert(session, spec, actor_id) for spec in specs]
    mark_rules_changed(session, banca_id)
    names = _names_for(session, banca_id, created)
    batch = f" (lote de {len(created)})" if len(created) > 1 else ""
    for rule in created:
        record(session, action="RESTRICTION_RULE_CREATE", layer="restrictions", actor_id=actor_id,
               banca_id=banca_id, target_type="restriction_rule", target_id=rule.id,
               description=f"Restricción creada{batch}: {names(rule)}",
               details={"before": None, "after": snapshot(rule)})
    return created


def _draft(banca_id, fields: dict, number: str | None, multiplier) -> RuleSpec:
    values = {k: fields.get(k) for k in (*RULE_FIELDS, "ventana_id", "user_id")}
    values["number"] = number
    values["is_auto_date"] = bool(values["is_auto_date"])
    values["applies_to_vendedor"] = bool(values["applies_to_vendedor"])
    for name in ("message",):
        values[name] = (values[name] or "").strip() or None
    kind = getattr(multiplier.kind, "value", None) if multiplier is not None else None
    return RuleSpec(banca_id=banca_id, multiplier_kind=kind,
                    multiplier_label=multiplier.name if multiplier is not None else None, **values)


def _insert(session, spec: RuleSpec, actor_id) -> RestrictionRule:
    rule = RestrictionRule(banca_id=spec.banca_id, ventana_id=spec.ventana_id, user_id=spec.user_id,
                           created_by=actor_id, is_active=True,
                           **{name: getattr(spec, name) for name in RULE_FIELDS})
    session.add(rule)
    session.flush()
    return rule


def _names_for(session, banca_id, rows):
    """A function rule → its human summary, with names fetched once for all rows."""
    maps = queries.name_maps(session, banca_id, rows)
    multipliers = {m.id: m.name for m in queries.multipliers_of(session, banca_id)}
    label = _ventana_label(session, banca_id)

    def summary(rule: RestrictionRule) -> str:
        return summarize(to_spec(rule), Names(
            loteria=maps.loterias.get(rule.loteria_id, ""), sorteo=maps.sorteos.get(rule.sorteo_id, ""),
            ventana=maps.ventanas.get(rule.ventana_id, ""), vendedor=maps.vendedores.get(rule.user_id, ""),
            multiplier=multipliers.get(rule.multiplier_id, ""), ventana_label=label))

    return summary


def _ventana_label(session, banca_id) -> str:
    from app.org.models import Banca
    banca = session.get(Banca, banca_id)
    return (banca.setting("ventana_label") if banca is not None else None) or "Ventana"


@dataclass
class UpdateResult:
    rule: RestrictionRule
    changed: bool


def update_rule(session, *, scope, actor_id, rule_id, changes: dict, reason: str | None,
                now: datetime | None = None) -> UpdateResult:
    """Edit max_amount, max_total, cutoff, ticket total, active, date, hour with a reason (§10.7).

    Anything else → 422 (delete and create instead). Raises InvalidInput, Conflict, OutOfScope.
    """
    rule = get_rule(session, scope=scope, rule_id=rule_id)
    now = now or utcnow()
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput("Solo se pueden editar montos, corte, fecha, hora y estado; para otros "
                           "cambios desactive la regla y cree otra.", field=unknown[0])
    diff = {k: v for k, v in changes.items() if getattr(rule, k) != v}
    if not diff:
        return UpdateResult(rule, False)
    reason = _reason(reason)
    before_spec = to_spec(rule)
    after_spec = replace(before_spec, **{k: v for k, v in diff.items()})
    today = cr_today(now) if "applies_to_date" in diff else None
    errors = validate_rule(after_spec, today=today, expected_kind=before_spec.kind)
    if errors:
        raise _invalid(errors)
    if after_spec.is_active:
        _ensure_unique(session, rule, after_spec)
    before = snapshot(rule)
    for name, value in diff.items():
        setattr(rule, name, value)
    if "is_active" in diff:
        _set_active(rule, diff["is_active"], actor_id, reason, now)
    session.flush()
    mark_rules_changed(session, rule.banca_id)
    names = _names_for(session, rule.banca_id, [rule])
    record(session, action="RESTRICTION_RULE_UPDATE", layer="restrictions", actor_id=actor_id,
           banca_id=rule.banca_id, target_type="restriction_rule", target_id=rule.id,
           description=f"Restricción modificada: {names(rule)} (motivo: {reason})",
           details={"before": before, "after": snapshot(rule), "reason": reason})
    return UpdateResult(rule, True)


def _ensure_unique(session, rule: RestrictionRule, spec: RuleSpec) -> None:
    existing = queries.same_key_candidates(session, rule.banca_id, [spec.number],
                                           ventana_id=spec.ventana_id, user_id=spec.user_id)
    key = uniqueness_key(spec)
    if any(r.id != rule.id and uniqueness_key(to_spec(r, m)) == key for r, m in existing):
        raise Conflict("Ya existe una restricción activa igual"
                       + (f" para el número {spec.number}." if spec.number else "."))


def _set_active(rule: RestrictionRule, active: bool, actor_id, reason: str, now: datetime) -> None:
    rule.is_active = active
    if active:
        rule.deactivated_at = rule.deactivated_by = rule.deactivated_reason = None
    else:
        rule.deactivated_at, rule.deactivated_by, rule.deactivated_reason = now, actor_id, reason


def delete_rule(session, *, scope, actor_id, rule_id, reason: str | None,
                now: datetime | None = None) -> RestrictionRule:
    """Soft delete (is_active false) with a reason; 409 when already inactive."""
    rule = get_rule(session, scope=scope, rule_id=rule_id)
    reason = _reason(reason)
    if not rule.is_active:
        raise Conflict("La restricción ya está inactiva.")
    _switch_active(session, rule, False, actor_id=actor_id, reason=reason, now=now or utcnow())
    return rule


def restore_rule(session, *, scope, actor_id, rule_id, reason: str | None,
                 now: datetime | None = None) -> RestrictionRule:
    """Reactivate with a reason, re-checking uniqueness and that its date has not passed."""
    rule = get_rule(session, scope=scope, rule_id=rule_id)
    reason = _reason(reason)
    now = now or utcnow()
    if rule.is_active:
        raise Conflict("La restricción ya está activa.")
    if rule.applies_to_date is not None and rule.applies_to_date < cr_today(now):
        raise Conflict("La fecha de la restricción ya pasó; cree una nueva.")
    _ensure_unique(session, rule, replace(to_spec(rule), is_active=True))
    _switch_active(session, rule, True, actor_id=actor_id, reason=reason, now=now)
    return rule


def _switch_active(session, rule: RestrictionRule, active: bool, *, actor_id, reason: str,
                   now: datetime) -> None:
    """Deactivate / reactivate one rule: flush, bump the sale cache, audit with before/after."""
    before = snapshot(rule)
    _set_active(rule, active, actor_id, reason, now)
    session.flush()
    mark_rules_changed(session, rule.banca_id)
    names = _names_for(session, rule.banca_id, [rule])
    action, verb = ("RESTRICTION_RULE_RESTORE", "reactivada") if active else ("RESTRICTION_RULE_DELETE", "desactivada")
    record(session, action=action, layer="restrictions", actor_id=actor_id,
           banca_id=rule.banca_id, target_type="restriction_rule", target_id=rule.id,
           description=f"Restricción {verb}: {names(rule)} (motivo: {reason})",
           details={"before": before, "after": snapshot(rule), "reason": reason})


def bulk_deactivate(session, *, scope, actor_id, rule_ids, reason: str | None,
                    now: datetime | None = None) -> int:
    """Soft delete several rules by id (all in scope, or nothing); already inactive ones skipped."""
    reason = _reason(reason)
    rules_ = [get_rule(session, scope=scope, rule_id=rid) for rid in dict.fromkeys(rule_ids)]
    done = 0
    for rule in rules_:
        if rule.is_active:
            delete_rule(session, scope=scope, actor_id=actor_id, rule_id=rule.id, reason=reason, now=now)
            done += 1
    return done
