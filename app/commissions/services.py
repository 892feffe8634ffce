"""Commission policies use cases (DOMAIN §13): read, save (audited), probe, sale snapshots."""
from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.audit.services import record
from app.auth.models import Role, User
from app.commissions import calc, queries
from app.draws import services as draws_services
from app.org.config_version import bump_config_version
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.org.models import Banca, Ventana
from app.scope import Scope

LEVEL_BANCA = "banca"
LEVEL_VENTANA = "ventana"
LEVEL_USUARIO = "usuario"
LEVELS = (LEVEL_BANCA, LEVEL_VENTANA, LEVEL_USUARIO)
_TARGET_TYPE = {LEVEL_BANCA: "banca", LEVEL_VENTANA: "ventana", LEVEL_USUARIO: "user"}
_LEVEL_ALIASES = {"user": LEVEL_USUARIO, "vendedor": LEVEL_USUARIO}
AUDIT_ACTION = "COMMISSION_POLICY_UPDATE"


@dataclass
class PolicyTarget:
    """An entity whose commission_policy is being read or edited, with the caller's rights."""

    level: str
    entity: Banca | Ventana | User
    banca: Banca
    ventana: Ventana | None
    can_edit: bool
    can_see_listero: bool

    @property
    def entity_id(self) -> uuid.UUID:
        return self.entity.id

    @property
    def banca_id(self) -> uuid.UUID:
        return self.banca.id

    @property
    def name(self) -> str:
        return self.entity.name

    @property
    def document(self) -> dict | None:
        return self.entity.commission_policy

    def chain(self, override: Any = ...) -> calc.PolicySet:
        """The stored policies that decide for this entity; `override` replaces its own level."""
        own = self.document if override is ... else override
        if self.level == LEVEL_USUARIO:
            return calc.PolicySet(own, self.ventana.commission_policy, self.banca.commission_policy)
        if self.level == LEVEL_VENTANA:
            return calc.PolicySet(None, own, self.banca.commission_policy)
        return calc.PolicySet(None, None, own)


@dataclass
class SaveResult:
    target: PolicyTarget
    changed: bool
    document: dict | None


def get_policy(*, session, scope: Scope, level: str, entity_id) -> PolicyTarget:
    """Load a policy target the caller may read; raises NotFound, OutOfScope, Conflict (not a vendedor)."""
    entity_id = _uuid(entity_id)
    level = _LEVEL_ALIASES.get(level, level)
    if level == LEVEL_BANCA:
        banca = session.get(Banca, entity_id)
        if banca is None:
            raise NotFound("No se encontró la banca.")
        if not scope.is_admin:
            raise OutOfScope("Solo el administrador ve la política de comisión de la banca.")
        return PolicyTarget(level, banca, banca, None, can_edit=True, can_see_listero=True)
    if level == LEVEL_VENTANA:
        ventana = session.get(Ventana, entity_id)
        if ventana is None:
            raise NotFound("No se encontró la ventana.")
        own = scope.is_ventana and scope.ventana_id == ventana.id
        if not (scope.is_admin or own):
            raise OutOfScope("No tiene permiso para ver la comisión de esta ventana.")
        # DOMAIN §3: a listero reads what the banca pays him but never edits it.
        return PolicyTarget(level, ventana, ventana.banca, ventana, can_edit=scope.is_admin,
                            can_see_listero=True)
    if level == LEVEL_USUARIO:
        return _user_target(session, scope, entity_id)
    raise NotFound("Nivel de política desconocido.")


def _user_target(session, scope: Scope, user_id: uuid.UUID) -> PolicyTarget:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No se encontró el usuario.")
    if scope.is_admin:
        allowed, can_edit = True, True
    elif scope.is_ventana:
        allowed = can_edit = user.ventana_id is not None and user.ventana_id == scope.ventana_id \
            and user.role == Role.VENDEDOR
    else:
        allowed, can_edit = user.id == scope.user_id, False  # DOMAIN §3: never edits his own
    if not allowed:
        raise OutOfScope("No tiene permiso para ver la comisión de este usuario.")
    if user.role != Role.VENDEDOR or user.ventana is None:
        raise Conflict("Solo los vendedores tienen política de comisión propia; la del listero "
                       "se configura en su ventana.")
    return PolicyTarget(LEVEL_USUARIO, user, user.ventana.banca, user.ventana, can_edit=can_edit,
                        can_see_listero=not scope.is_vendedor)


def save_policy(*, session, scope: Scope, level: str, entity_id, policy: Any, actor=None) -> SaveResult:
    """Validate and store a policy (None = remove it, inherit); audit + ConfigVersion bump.

    Raises NotFound, OutOfScope (403), InvalidInput (422, errors keyed by calc field paths).
    """
    target = get_policy(session=session, scope=scope, level=level, entity_id=entity_id)
    if not target.can_edit:
        raise OutOfScope("No tiene permiso para modificar esta política de comisión.")
    document = None if policy is None else validate_for_banca(session=session, banca_id=target.banca_id,
                                                              policy=policy)
    actor_id = getattr(actor, "id", actor) or scope.user_id
    return apply_policy(session=session, target=target, document=document, actor_id=actor_id)


def validate_for_banca(*, session, banca_id, policy: Any) -> dict:
    """calc validation plus: every rule's lotería belongs to the banca. Raises InvalidInput."""
    try:
        document = calc.validate_policy(policy)
    except calc.PolicyError as exc:
        raise _invalid(exc.errors) from None
    wanted = {uuid.UUID(r["loteria_id"]) for r in document["rules"] if _is_uuid(r["loteria_id"])}
    known = draws_services.loteria_ids_of_banca(session, banca_id, wanted)
    errors = {f"rules.{i}.loteria_id": "Esa lotería no pertenece a esta banca."
              for i, r in enumerate(document["rules"])
              if r["loteria_id"] is not None and (not _is_uuid(r["loteria_id"])
                                                  or uuid.UUID(r["loteria_id"]) not in known)}
    if errors:
        raise _invalid(errors)
    return document


def apply_policy(*, session, target: PolicyTarget, document: dict | None, actor_id,
                 reason: str | None = None) -> SaveResult:
    """Write an already validated document: no-op when unchanged, else audit + bump (no checks)."""
    before = target.document
    if before == document:
        return SaveResult(target, False, before)
    target.entity.commission_policy = document
    session.flush()
    bump_config_version(session, target.banca_id)  # the sale path caches policies by it (§11.1)
    record(session, action=AUDIT_ACTION, layer="commissions", actor_id=actor_id,
           banca_id=target.banca_id, target_type=_TARGET_TYPE[target.level], target_id=target.entity_id,
           description=_describe_change(target, document, reason),
           details={"level": target.level, "before": before, "after": document,
                    **({"reason": reason} if reason else {})})
    return SaveResult(target, True, document)


def clear_vendedor_policy(*, session, user: User, actor_id, reason: str = "cambio de ventana") -> bool:
    """Drop a vendedor's own policy (DOMAIN §2: moving him to another ventana); audited. True if cleared.

    For the org service that moves the vendedor, in its transaction; no permission check here.
    """
    if user.commission_policy is None:
        return False
    ventana = user.ventana
    target = PolicyTarget(LEVEL_USUARIO, user, ventana.banca, ventana, can_edit=True, can_see_listero=True)
    return apply_policy(session=session, target=target, document=None, actor_id=actor_id, reason=reason).changed


def _describe_change(target: PolicyTarget, document: dict | None, reason: str | None) -> str:
    who = {LEVEL_BANCA: "de la banca", LEVEL_VENTANA: "de la ventana", LEVEL_USUARIO: "del vendedor"}[target.level]
    if document is None:
        text = f"Política de comisión {who} «{target.name}» eliminada (hereda del nivel superior)"
    else:
        n = len(document["rules"])
        text = (f"Política de comisión {who} «{target.name}» actualizada: "
                f"{format_percent(document['default_percent'])} por defecto, {n} regla{'s' if n != 1 else ''}")
    return f"{text} ({reason})" if reason else text


# ---------------------------------------------------------------- probe ("Probar")


@dataclass
class ProbeResult:
    amount: Decimal
    explanation: calc.Explanation
    show_listero: bool


def probe_commission(*, target: PolicyTarget, amount: Decimal, loteria_id, bet_type: str,
                     multiplier_value, at: datetime, draft: Any = ...) -> ProbeResult:
    """One jugada through the vendedor and listero chains of the target (optionally a draft policy)."""
    chain = target.chain(draft)
    explanation = calc.explain(chain, at, loteria_id=loteria_id, bet_type=bet_type,
                               multiplier_value=multiplier_value if bet_type == calc.NUMERO else None,
                               amount=amount)
    return ProbeResult(amount, explanation, target.can_see_listero)


# ---------------------------------------------------------------- overview


@dataclass
class Overview:
    banca: Banca | None
    ventanas: list[Ventana]
    vendedores: list[User]


def list_policies(*, session, scope: Scope) -> Overview:
    """What the caller may see: ADMIN the selected banca, its ventanas and vendedores; VENTANA its own."""
    if scope.is_admin:
        banca = session.get(Banca, scope.require_banca())
        ventanas = queries.ventanas_of_banca(session, banca.id) if banca else []
        return Overview(banca, ventanas, queries.vendedores_of_ventanas(session, [v.id for v in ventanas]))
    if scope.is_ventana:
        ventana = session.get(Ventana, scope.ventana_id)
        return Overview(None, [ventana], queries.vendedores_of_ventanas(session, [ventana.id]))
    raise OutOfScope("No tiene permiso para ver las comisiones.")


# ---------------------------------------------------------------- sale path

_SALE_CACHE: OrderedDict[tuple, calc.PolicySet] = OrderedDict()
_SALE_CACHE_SIZE = 4096
_SALE_CACHE_LOCK = threading.Lock()


def snapshot_for_sale(*, lines: Iterable[Any], at: datetime, vendedor_policy: Any = None,
                      ventana_policy: Any = None, banca_policy: Any = None,
                      cache_key: tuple | None = None) -> calc.Snapshot:
    """Commission snapshot of one ticket (§13.3): per jugada percent, amount, rule id, listero amount.

    Policies are stored documents or compiled `calc.Policy`s. With `cache_key` (it must change
    whenever a policy may have changed, e.g. (banca_id, config_version, ventana_id, vendedor_id))
    the compiled policies are reused across sales. Lines: `calc.Line(loteria_id, bet_type,
    multiplier_value, amount)`; multiplier_value is the frozen NUMERO value (REVENTADO: None).
    """
    if cache_key is None:
        policies = calc.PolicySet(*(calc.compile_policy(p) for p in
                                    (vendedor_policy, ventana_policy, banca_policy)))
    else:
        policies = _cached_policies(cache_key, (vendedor_policy, ventana_policy, banca_policy))
    return calc.snapshot_lines(lines, policies, at)


def _cached_policies(key: tuple, documents: tuple) -> calc.PolicySet:
    with _SALE_CACHE_LOCK:
        hit = _SALE_CACHE.get(key)
        if hit is not None:
            _SALE_CACHE.move_to_end(key)
            return hit
    compiled = calc.PolicySet(*(calc.compile_policy(p) for p in documents))
    with _SALE_CACHE_LOCK:
        _SALE_CACHE[key] = compiled
        while len(_SALE_CACHE) > _SALE_CACHE_SIZE:
            _SALE_CACHE.popitem(last=False)
    return compiled


def sale_policies(*, session, vendedor_id) -> calc.PolicySet:
    """The vendedor's (own, ventana, banca) stored policy documents in one query; NotFound if unknown."""
    row = queries.policy_chain_documents(session, _uuid(vendedor_id))
    if row is None:
        raise NotFound("No se encontró el vendedor.")
    return calc.PolicySet(row[0], row[1], row[2])


def policies_for_vendedor(user: User) -> calc.PolicySet:
    """The chain from an already loaded vendedor (user → ventana → banca relationships)."""
    ventana = user.ventana
    return calc.PolicySet(user.commission_policy, ventana.commission_policy if ventana else None,
                          ventana.banca.commission_policy if ventana and ventana.banca else None)


# ---------------------------------------------------------------- helpers


def _invalid(errors: dict[str, str]) -> InvalidInput:
    message = " ".join(calc.describe_error(k, v) for k, v in errors.items())
    return InvalidInput(message, errors={k: [v] for k, v in errors.items()})


def _uuid(value) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound() from None


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


def format_percent(value) -> str:
    """'10 %', '12,5 %' (comma decimals, no trailing zeros; UX §7.2 style)."""
    if value is None:
        return ""
    d = Decimal(str(value)).quantize(Decimal("0.01"))
    text = f"{d.normalize():f}" if d != d.to_integral_value() else str(int(d))
    return text.replace(".", ",") + " %"
