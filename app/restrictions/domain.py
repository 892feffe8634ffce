"""Inputs and outputs of the pure restriction-rule engine (DOMAIN §4, §10); see ``rules``.

Plain frozen dataclasses and enums, no database and no Flask: the service layer builds them from
rows, the engine in ``app.restrictions.rules`` decides.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from app.tz import to_cr

DEFAULT_CUTOFF_MINUTES = 5
# Absorbs clock skew: a sale is accepted while now < scheduled_at − cutoff + grace (§9.2 step 4).
CUTOFF_GRACE = timedelta(seconds=1)

FILTER_ALL = "all"
FILTER_REVENTADO = "REVENTADO"
FILTER_TICKET = "TICKET"
# Accumulator rows of the ticket totals (filter TICKET) use this number (ExposureAccumulator:
# '' for TICKET rows): NULL would defeat the unique key on PostgreSQL.
TICKET_NUMBER = ""

CENT = Decimal("0.01")
ZERO = Decimal(0)


class Level(enum.StrEnum):
    BANCA = "BANCA"
    VENTANA = "VENTANA"
    USER = "USER"


PRIORITY = {Level.USER: 100, Level.VENTANA: 10, Level.BANCA: 1}


class Kind(enum.StrEnum):
    CUTOFF = "CUTOFF"
    NUMBER_LIMIT = "NUMBER_LIMIT"
    TICKET_TOTAL = "TICKET_TOTAL"
    MULTIPLIER = "MULTIPLIER"


class BetType(enum.StrEnum):
    NUMERO = "NUMERO"
    REVENTADO = "REVENTADO"


class ScopeType(enum.StrEnum):
    VENDEDOR = "vendedor"
    VENTANA = "ventana"
    BANCA = "banca"


class CutoffSource(enum.StrEnum):
    USER = "USER"
    VENTANA = "VENTANA"
    BANCA = "BANCA"
    LOTERIA = "LOTERIA"
    DEFAULT = "DEFAULT"


# ---------------------------------------------------------------------------------------------
# Inputs


def derive_kind(rule: Any) -> Kind:
    """Kind of a rule from its fields (§10.1): multiplier > ticket total > number limit > cutoff."""
    if rule.multiplier_id is not None:
        return Kind.MULTIPLIER
    if rule.max_ticket_total is not None:
        return Kind.TICKET_TOTAL
    if (
        rule.number is not None
        or rule.is_auto_date
        or rule.max_amount is not None
        or rule.max_total is not None
        or rule.base_amount is not None
        or rule.sales_percentage is not None
    ):
        return Kind.NUMBER_LIMIT
    return Kind.CUTOFF


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One restriction rule as the engine sees it (fields of DOMAIN §4)."""

    banca_id: Any
    id: Any = None
    ventana_id: Any = None
    user_id: Any = None
    number: str | None = None
    is_auto_date: bool = False
    max_amount: Decimal | None = None
    max_total: Decimal | None = None
    max_ticket_total: Decimal | None = None
    base_amount: Decimal | None = None
    sales_percentage: Decimal | None = None
    applies_to_vendedor: bool = False
    applies_to_date: date | None = None
    applies_to_hour: int | None = None
    sales_cutoff_minutes: int | None = None
    loteria_id: Any = None
    sorteo_id: Any = None
    multiplier_id: Any = None
    multiplier_kind: str | None = None
    multiplier_label: str | None = None
    message: str | None = None
    is_active: bool = True
    updated_at: datetime | None = None
    # Derived once (the sale path reads them for every jugada).
    kind: Kind = field(init=False, compare=False)
    level: Level = field(init=False, compare=False)
    has_amounts: bool = field(init=False, compare=False, repr=False)
    blocks: bool = field(init=False, compare=False, repr=False)
    needs_sales: bool = field(init=False, compare=False, repr=False)
    _order: tuple = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        kind = derive_kind(self)
        level = (Level.USER if self.user_id is not None
                 else Level.VENTANA if self.ventana_id is not None else Level.BANCA)
        has_amounts = any(v is not None for v in (self.max_amount, self.max_total, self.base_amount,
                                                  self.sales_percentage))
        # A multiplier rule without amounts blocks (D5); any limit of 0 blocks the number (§10.1).
        blocks = (kind is Kind.MULTIPLIER and not has_amounts) or self.max_amount == 0 or self.max_total == 0
        setattr_ = object.__setattr__
        setattr_(self, "kind", kind)
        setattr_(self, "level", level)
        setattr_(self, "has_amounts", has_amounts)
        setattr_(self, "blocks", blocks)
        setattr_(self, "needs_sales", bool(self.base_amount) and bool(self.sales_percentage))
        # Static part of the §10.2 order (ascending sort): priority, number-specific, sorteo >
        # lotería > neither, dated before undated, most recently updated, then id (stable).
        target = 2 if self.sorteo_id is not None else 1 if self.loteria_id is not None else 0
        dated = self.applies_to_date is not None or self.applies_to_hour is not None
        specific = self.number is not None or self.is_auto_date
        stamp = self.updated_at.timestamp() if self.updated_at is not None else float("-inf")
        order = (-PRIORITY[self.level], not specific, -target, not dated, -stamp, str(self.id))
        object.__setattr__(self, "_order", order)

    @property
    def priority(self) -> int:
        return PRIORITY[self.level]


@dataclass(frozen=True, slots=True)
class Line:
    """One jugada of the ticket being checked."""

    type: str
    number: str
    amount: Decimal
    multiplier_id: Any = None
    multiplier_value: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SaleContext:
    """Who sells what, and when: ``cr_date``/``cr_hour`` are those of the validation instant."""

    vendedor_id: Any
    ventana_id: Any
    banca_id: Any
    loteria_id: Any
    sorteo_id: Any
    cr_date: date
    cr_hour: int
    digits: int = 2
    scheduled_at: datetime | None = None
    loteria_name: str = ""

    @classmethod
    def at(cls, now: datetime, **fields: Any) -> SaleContext:
        """Context whose CR date and hour are those of ``now`` (an aware datetime)."""
        local = to_cr(now)
        return cls(cr_date=local.date(), cr_hour=local.hour, **fields)


class AccKey(NamedTuple):
    """Exposure accumulator key (§4 ExposureAccumulator, §11.1)."""

    sorteo_id: Any
    number: str
    scope_type: str
    scope_id: Any
    filter: str


class Cutoff(NamedTuple):
    minutes: int
    source: CutoffSource


@dataclass(frozen=True, slots=True)
class Violation:
    """A refused number (or the whole ticket when ``number`` is None), with what is left."""

    code: str
    message: str
    number: str | None = None
    available: Decimal | None = None
    rule_id: Any = None
    multiplier_id: Any = None


@dataclass(frozen=True, slots=True)
class Availability:
    """What is still sellable on a number for one ticket (balances view, §10.3).

    ``limit`` is the accumulated limit L (None when the rule only caps each ticket),
    ``per_ticket`` the per-ticket cap min(max_amount, D).
    """

    number: str
    remaining: Decimal
    limit: Decimal | None
    accumulated: Decimal
    scope: ScopeType
    level: Level
    rule_id: Any = None
    per_ticket: Decimal | None = None
    blocked: bool = False
