"""Shared setup for the pure engine tests: DOMAIN §23's common setup (banca B, ventana V, vendedor
X of V, TICA with 90x / 85x / Roja 200x, sorteo "TICA 12:55" on the 7th, now 12:40 CR)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from app.restrictions.rules import Line, RuleSpec, SaleContext, required_accumulators

UTC = timezone.utc


def uid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


B = uid(1)           # banca
V = uid(10)          # ventana V
W = uid(11)          # another ventana
X = uid(100)         # vendedor X of V
Y = uid(101)         # vendedor Y of V
Z = uid(102)         # vendedor Z of W
TICA = uid(1000)
NICA = uid(1001)
M90 = uid(2000)
M85 = uid(2001)
ROJA = uid(2002)     # REVENTADO "Roja 200x"
SORTEO = uid(3000)   # TICA 12:55 on the 7th
OTHER_SORTEO = uid(3001)

TODAY = date(2026, 3, 7)
SCHEDULED = datetime(2026, 3, 7, 18, 55, tzinfo=UTC)   # 12:55 CR
NOW = datetime(2026, 3, 7, 18, 40, tzinfo=UTC)         # 12:40 CR
T0 = datetime(2026, 1, 1, tzinfo=UTC)

_ids = iter(range(50_000, 10**9))


def rule(**fields) -> RuleSpec:
    """A banca-B rule; pass ventana_id / user_id for other levels."""
    fields.setdefault("banca_id", B)
    fields.setdefault("id", uid(next(_ids)))
    for name in ("max_amount", "max_total", "max_ticket_total", "base_amount", "sales_percentage"):
        if fields.get(name) is not None:
            fields[name] = Decimal(fields[name])
    if fields.get("multiplier_id") == ROJA:
        fields.setdefault("multiplier_kind", "REVENTADO")
        fields.setdefault("multiplier_label", "Roja 200x")
    elif fields.get("multiplier_id") is not None:
        fields.setdefault("multiplier_kind", "NUMERO")
        fields.setdefault("multiplier_label", {M90: "90x", M85: "85x"}.get(fields["multiplier_id"]))
    return RuleSpec(**fields)


def ctx(vendedor=X, ventana=V, *, sorteo=SORTEO, loteria=TICA, now=NOW, digits=2,
        scheduled=SCHEDULED, name="TICA") -> SaleContext:
    return SaleContext.at(
        now, vendedor_id=vendedor, ventana_id=ventana, banca_id=B, loteria_id=loteria,
        sorteo_id=sorteo, digits=digits, scheduled_at=scheduled, loteria_name=name,
    )


def num(number: str, amount, mult=M90, value=90) -> Line:
    return Line("NUMERO", number, Decimal(amount), mult, Decimal(value))


def rev(number: str, amount) -> Line:
    return Line("REVENTADO", number, Decimal(amount))


def feed(acc: dict, lines, context: SaleContext) -> dict:
    """Record a sold ticket in the accumulator map, as the sale's upsert would."""
    for key, delta in required_accumulators(None, lines, context):
        acc[key] = acc.get(key, Decimal(0)) + delta
    return acc


def cr(hh: int, mm: int, ss: int = 0, us: int = 0) -> datetime:
    """An instant on the 7th given as CR wall-clock time."""
    return datetime(2026, 3, 7, hh, mm, ss, us, tzinfo=UTC) + timedelta(hours=6)
