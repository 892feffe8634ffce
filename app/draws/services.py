"""Public API of the draws domain (stable; other domains import only this module).

Reads for other domains
- ``get_sorteo(session, scope, sorteo_id) -> Sorteo``: 404 when missing, 403 outside the scope's banca.
- ``list_open_sorteos(session, banca_id, now) -> list[Sorteo]``: OPEN, active, lotería active, draw
  still ahead; ordered by draw instant (the sales page re-sorts by each vendedor's cutoff).
- ``sales_context(session, sorteo_id) -> SalesContext | None``: the sorteo (read fresh, one query)
  + its lotería rules and active multipliers valid for it (cached in-process per lotería, keyed by
  the banca's ConfigVersion, §11.1). ``ensure_sellable(ctx)`` raises the §9.2 step-3 refusals.
- ``loteria_rules(loteria_or_rules) -> LoteriaRules``: digits, min/max bet, max numbers per ticket,
  number range, allowed bet types, ``reventado_allowed``, ``sales_hours_on(weekday)`` /
  ``within_sales_hours(now)``, ``closing_time_before_draw``, schedules, days_ahead, colour.
- ``sorteo_cutoff(session, sorteo, now) -> SorteoCutoff``: the banca rule → lotería → 5 min cutoff
  (reopen, §6); per-vendedor cutoffs are the restrictions engine's ``resolve_cutoff``.
- ``loterias_of_banca`` / ``loteria_ids_of_banca`` / ``numero_multiplier_values(session, banca_id)``:
  the catalogue of a banca the caller names (the commission policy editor and its checks).

Use cases (ADMIN, audited, never commit): catalogue (create/update/deactivate/reactivate lotería;
create/update/(de)activate multiplier), sorteo transitions (open, close, reopen, cancel,
reactivate, create, update), generation (preview_generation, generate_sorteos), evaluation
(prepare_evaluation → jobs.enqueue_evaluation; evaluate_sorteo; revert_evaluation).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from app.draws import queries
from app.draws.catalogue import (as_uuid, create_loteria, create_multiplier, deactivate_loteria,
                                 format_x, get_loteria, get_multiplier, kind_label, reactivate_loteria,
                                 set_multiplier_active, update_loteria, update_multiplier)
from app.draws.evaluation import (EvaluationInput, EvaluationResult, check_evaluation, check_state_for_evaluation,
                                  evaluate_sorteo, prepare_evaluation, revert_evaluation)
from app.draws.lifecycle import (GenerationReport, PreviewItem, SorteoCutoff,
                                 SorteoStateConflict, cancel_sorteo, close_sorteo, create_sorteo, cutoffs_for,
                                 generate_sorteos, open_sorteo, preview_generation, reactivate_sorteo,
                                 reopen_sorteo, sorteo_cutoff, update_sorteo)
from app.draws.models import Loteria, LoteriaMultiplier, MultiplierKind, Sorteo, SorteoStatus
from app.draws.rules import LoteriaRules, loteria_rules, sorteo_actions
from app.errors import Conflict, NotFound, OutOfScope
from app.org.models import ConfigVersion
from app.scope import Scope
from app.tz import cr_date_of, utcnow


def get_sorteo(session, scope: Scope, sorteo_id) -> Sorteo:
    """The sorteo if it belongs to the caller's banca (any role may read it); 404 / 403 otherwise."""
    sorteo = session.get(Sorteo, as_uuid(sorteo_id, "El sorteo no existe."))
    if sorteo is None:
        raise NotFound("El sorteo no existe.")
    if sorteo.banca_id != scope.banca_id:
        raise OutOfScope()
    return sorteo


def list_open_sorteos(session, banca_id, now: datetime | None = None) -> list[Sorteo]:
    """Sellable-by-state sorteos of a banca: OPEN, active, lotería active, draw instant still ahead."""
    now = now or utcnow()
    stmt = (select(Sorteo).join(Loteria, Loteria.id == Sorteo.loteria_id)
            .where(Sorteo.banca_id == banca_id, Sorteo.status == SorteoStatus.OPEN, Sorteo.is_active.is_(True),
                   Loteria.is_active.is_(True), Sorteo.scheduled_at > now)
            .order_by(Sorteo.scheduled_at, Loteria.name))
    return session.scalars(stmt).unique().all()


# ------------------------------------------------------------------------------ sales context

@dataclass(frozen=True)
class MultiplierInfo:
    id: uuid.UUID
    loteria_id: uuid.UUID
    name: str
    value_x: Decimal
    kind: str  # NUMERO | REVENTADO
    applies_to_date: date | None = None
    applies_to_sorteo_id: uuid.UUID | None = None

    def valid_for(self, sorteo_id, day: date) -> bool:
        """applies_to_date = valid from that CR date; applies_to_sorteo_id = that sorteo only (§4)."""
        return (self.applies_to_date is None or self.applies_to_date <= day) and \
            (self.applies_to_sorteo_id is None or self.applies_to_sorteo_id == sorteo_id)

    @property
    def label(self) -> str:
        return f"Paga {format_x(self.value_x)} veces"


@dataclass(frozen=True)
class LoteriaInfo:
    id: uuid.UUID
    banca_id: uuid.UUID
    name: str
    is_active: bool
    rules: LoteriaRules
    multipliers: tuple[MultiplierInfo, ...]  # active ones, every validity


@dataclass(frozen=True)
class SalesContext:
    """What the sale path reads about a sorteo, in one cheap call (§9.2 steps 3–6)."""

    sorteo_id: uuid.UUID
    banca_id: uuid.UUID
    loteria_id: uuid.UUID
    name: str
    scheduled_at: datetime
    status: SorteoStatus
    is_active: bool
    digits: int
    business_date: date  # CR date of scheduled_at (§7)
    loteria: LoteriaInfo
    multipliers: tuple[MultiplierInfo, ...]  # active, of this lotería, valid for this sorteo/date
    config_version: int

    @property
    def rules(self) -> LoteriaRules:
        return self.loteria.rules

    @property
    def numero_multipliers(self) -> tuple[MultiplierInfo, ...]:
        return tuple(m for m in self.multipliers if m.kind == MultiplierKind.NUMERO.value)

    @property
    def reventado_multipliers(self) -> tuple[MultiplierInfo, ...]:
        return tuple(m for m in self.multipliers if m.kind == MultiplierKind.REVENTADO.value)

    def multiplier(self, multiplier_id) -> MultiplierInfo | None:
        """An active multiplier valid for this sorteo, or None (re-check on the server, §9.2 step 6)."""
        return next((m for m in self.multipliers if str(m.id) == str(multiplier_id)), None)


_catalogue: dict[uuid.UUID, tuple[int, LoteriaInfo]] = {}


def clear_sales_cache() -> None:
    _catalogue.clear()


def _loteria_info(session, loteria_id, version: int) -> LoteriaInfo:
    cached = _catalogue.get(loteria_id)
    if cached is not None and cached[0] == version and version > 0:
        return cached[1]
    loteria = session.execute(select(Loteria.id, Loteria.banca_id, Loteria.name, Loteria.is_active, Loteria.rules)
                              .where(Loteria.id == loteria_id)).one()
    mults = session.execute(select(
        LoteriaMultiplier.id, LoteriaMultiplier.loteria_id, LoteriaMultiplier.name, LoteriaMultiplier.value_x,
        LoteriaMultiplier.kind, LoteriaMultiplier.applies_to_date, LoteriaMultiplier.applies_to_sorteo_id)
        .where(LoteriaMultiplier.loteria_id == loteria_id, LoteriaMultiplier.is_active.is_(True))
        .order_by(LoteriaMultiplier.kind, LoteriaMultiplier.value_x.desc())).all()
    info = LoteriaInfo(loteria.id, loteria.banca_id, loteria.name, bool(loteria.is_active),
                       loteria_rules(loteria.rules or {}),
                       tuple(MultiplierInfo(m.id, m.loteria_id, m.name, Decimal(str(m.value_x)),
                                            MultiplierKind(m.kind).value, m.applies_to_date, m.applies_to_sorteo_id)
                             for m in mults))
    _catalogue[loteria_id] = (version, info)
    return info


def sales_context(session, sorteo_id) -> SalesContext | None:
    """Sorteo state (fresh) + lotería rules and valid multipliers (cached by ConfigVersion); None if missing."""
    row = session.execute(
        select(Sorteo.id, Sorteo.banca_id, Sorteo.loteria_id, Sorteo.name, Sorteo.scheduled_at, Sorteo.status,
               Sorteo.is_active, Sorteo.digits, ConfigVersion.version)
        .outerjoin(ConfigVersion, ConfigVersion.banca_id == Sorteo.banca_id)
        .where(Sorteo.id == sorteo_id)).one_or_none()
    if row is None:
        return None
    info = _loteria_info(session, row.loteria_id, int(row.version or 0))
    day = cr_date_of(row.scheduled_at)
    valid = tuple(m for m in info.multipliers if m.valid_for(row.id, day))
    return SalesContext(row.id, row.banca_id, row.loteria_id, row.name, row.scheduled_at,
                        SorteoStatus(row.status), bool(row.is_active), int(row.digits), day, info, valid,
                        int(row.version or 0))


def ensure_sellable(ctx: SalesContext | None, banca_id=None) -> SalesContext:
    """§9.2 step 3 (D1): exists, same banca, active, OPEN, lotería active; 404/403/409 in Spanish.

    The cutoff (step 4) is checked separately with the vendedor's rules (restrictions engine)."""
    if ctx is None:
        raise NotFound("El sorteo no existe.")
    if banca_id is not None and ctx.banca_id != banca_id:
        raise OutOfScope("El sorteo no pertenece a su banca.")
    if not ctx.is_active:
        raise Conflict(f"El sorteo {ctx.name} está cancelado.")
    if not ctx.loteria.is_active:
        raise Conflict(f"La lotería {ctx.loteria.name} está desactivada.")
    if ctx.status != SorteoStatus.OPEN:
        raise Conflict({
            SorteoStatus.SCHEDULED: f"El sorteo {ctx.name} aún no está abierto a la venta.",
            SorteoStatus.CLOSED: f"Las ventas del sorteo {ctx.name} están cerradas.",
            SorteoStatus.EVALUATED: f"El sorteo {ctx.name} ya fue evaluado.",
        }[ctx.status])
    return ctx


# ------------------------------------------------------------------------------ page reads

def list_sorteos(session, scope: Scope, filters: queries.SorteoFilters, *, page: int = 1, per_page: int = 50):
    """(sorteos, stats by id, total) of the scope's banca (any role reads)."""
    rows, total = queries.sorteos_page(session, scope.require_banca(), filters, page=page, per_page=per_page)
    return rows, queries.stats_for(session, [s.id for s in rows]), total


def list_loterias(session, scope: Scope, *, active: bool | None = True, search: str | None = None):
    return queries.loterias_of(session, scope.require_banca(), active=active, search=search)


def list_multipliers(session, scope: Scope, *, loteria_id=None, kind=None, active: bool | None = True):
    return queries.multipliers_of(session, scope.require_banca(), loteria_id=loteria_id, kind=kind, active=active)


# Catalogue reads for a banca named by the caller (another domain's editor or check, e.g. the
# commission policies of a ventana whose banca is not the session's selected one).

def loterias_of_banca(session, banca_id) -> list[Loteria]:
    """Every lotería of the banca, active first, then by name (inactive ones stay nameable)."""
    return list(queries.loterias_of(session, banca_id, active_first=True))


def loteria_ids_of_banca(session, banca_id, ids) -> set[uuid.UUID]:
    """Which of `ids` are loterías of the banca."""
    return queries.loteria_ids_in_banca(session, banca_id, ids)


def numero_multiplier_values(session, banca_id) -> list[Decimal]:
    """Distinct active NUMERO multiplier values of the banca's loterías, ascending."""
    return sorted({Decimal(m.value_x) for m in queries.multipliers_of(session, banca_id, kind="NUMERO", active=True)})


def evaluation_options(session, sorteo: Sorteo):
    """REVENTADO multipliers an ADMIN may announce for this sorteo."""
    return queries.reventado_multipliers_for(session, sorteo)


def winners(session, scope: Scope, sorteo_id, *, page: int = 1):
    """Winning tickets of a sorteo within the scope (VENTANA: its ventana; VENDEDOR: his own)."""
    sorteo = get_sorteo(session, scope, sorteo_id)
    return queries.winners_page(session, sorteo.id, page=page,
                                ventana_id=scope.ventana_id if scope.is_ventana else None,
                                vendedor_id=scope.vendedor_id if scope.is_vendedor else None)


__all__ = [
    # reads for other domains
    "get_sorteo", "list_open_sorteos", "sales_context", "ensure_sellable", "SalesContext", "LoteriaInfo",
    "MultiplierInfo", "clear_sales_cache", "loteria_rules", "LoteriaRules", "sorteo_cutoff", "SorteoCutoff",
    # page reads
    "list_sorteos", "list_loterias", "list_multipliers", "evaluation_options", "winners", "sorteo_actions",
    # catalogue
    "get_loteria", "get_multiplier", "create_loteria", "update_loteria", "deactivate_loteria",
    "reactivate_loteria", "create_multiplier", "update_multiplier", "set_multiplier_active", "kind_label",
    "format_x",
    # lifecycle
    "SorteoStateConflict", "open_sorteo", "close_sorteo", "reopen_sorteo", "cancel_sorteo", "reactivate_sorteo",
    "create_sorteo", "update_sorteo", "cutoffs_for", "preview_generation", "generate_sorteos", "GenerationReport", "PreviewItem",
    # evaluation
    "prepare_evaluation", "check_evaluation", "check_state_for_evaluation", "evaluate_sorteo", "revert_evaluation", "EvaluationInput",
    "EvaluationResult",
]
