"""Factories for loterías, multipliers and sorteos (flush, never commit).

Quick start for other domains' tests:

    from tests.factories.draws import draw_setup
    d = draw_setup(org.banca)             # TICA-like lotería, OPEN sorteo 2 h ahead
    d.sorteo, d.loteria, d.m90, d.m85, d.roja   # 90x/85x NUMERO, "Roja 200x" REVENTADO

Every factory bumps the banca's ConfigVersion, so `draws.services.sales_context` never serves a
stale cached catalogue inside a test.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import factory

from app.draws.models import Loteria, LoteriaMultiplier, MultiplierKind, Sorteo, SorteoStatus
from app.extensions import db
from app.org.config_version import bump_config_version
from app.tz import to_cr, utcnow
from tests.factories.org import Base, BancaFactory

TICA_RULES = {
    "digits": 2,
    "draw_schedules": [{"frequency": "semanal", "times": ["12:55", "16:30", "19:30"],
                        "days_of_week": [1, 2, 3, 4, 5, 6]}],
    "reventado": {"enabled": True},
    "auto_create_sorteos": True,
    "days_ahead": 1,
    "display": {"color": "#dc2626"},
}


def _bump(banca_id) -> None:
    bump_config_version(db.session, banca_id)
    db.session.flush()


class LoteriaFactory(Base):
    class Meta:
        model = Loteria
        exclude = ("banca",)

    banca = factory.SubFactory(BancaFactory)
    banca_id = factory.LazyAttribute(lambda o: o.banca.id)
    name = factory.Sequence(lambda n: f"Lotería {n}")
    rules = factory.LazyFunction(lambda: {k: (v.copy() if isinstance(v, (dict, list)) else v)
                                          for k, v in TICA_RULES.items()})
    is_active = True

    @factory.post_generation
    def bump(obj, create, extracted, **kwargs):
        if create:
            _bump(obj.banca_id)


class MultiplierFactory(Base):
    class Meta:
        model = LoteriaMultiplier

    loteria = factory.SubFactory(LoteriaFactory)
    loteria_id = factory.SelfAttribute("loteria.id")
    name = "90x"
    value_x = Decimal("90")
    kind = MultiplierKind.NUMERO
    is_active = True

    @factory.post_generation
    def bump(obj, create, extracted, **kwargs):
        if create:
            _bump(obj.loteria.banca_id)


def _in_two_hours() -> datetime:
    return (utcnow() + timedelta(hours=2)).replace(second=0, microsecond=0)


class SorteoFactory(Base):
    """An OPEN sorteo two hours ahead by default (pass status / scheduled_at to change it)."""

    class Meta:
        model = Sorteo

    loteria = factory.SubFactory(LoteriaFactory)
    loteria_id = factory.SelfAttribute("loteria.id")
    banca_id = factory.SelfAttribute("loteria.banca_id")
    scheduled_at = factory.LazyFunction(_in_two_hours)
    name = factory.LazyAttribute(lambda o: f"{o.loteria.name} {to_cr(o.scheduled_at):%H:%M}")
    status = SorteoStatus.OPEN
    digits = factory.LazyAttribute(lambda o: int((o.loteria.rules or {}).get("digits", 2)))
    is_active = True


@dataclass
class DrawSetup:
    loteria: Loteria
    sorteo: Sorteo
    m90: LoteriaMultiplier
    m85: LoteriaMultiplier
    roja: LoteriaMultiplier  # REVENTADO "Roja 200x"


def draw_setup(banca, *, status: SorteoStatus = SorteoStatus.OPEN, scheduled_at: datetime | None = None,
               digits: int = 2, reventado: bool = True, rules: dict | None = None, name: str | None = None,
               **sorteo_kw) -> DrawSetup:
    """A lotería (TICA-like rules) with 90x/85x NUMERO and a 200x REVENTADO multiplier, plus one sorteo.

    Unless `rules` say otherwise, auto-creation is off so the draw jobs touch only this sorteo."""
    lot_rules = dict(rules if rules is not None else {**TICA_RULES, "auto_create_sorteos": False})
    lot_rules["digits"] = digits
    lot_rules["reventado"] = {"enabled": reventado}
    loteria = LoteriaFactory(banca=banca, rules=lot_rules, **({"name": name} if name else {}))
    m90 = MultiplierFactory(loteria=loteria, name="90x", value_x=Decimal("90"))
    m85 = MultiplierFactory(loteria=loteria, name="85x", value_x=Decimal("85"))
    roja = MultiplierFactory(loteria=loteria, name="Roja 200x", value_x=Decimal("200"),
                             kind=MultiplierKind.REVENTADO)
    sorteo = SorteoFactory(loteria=loteria, status=status,
                           scheduled_at=scheduled_at or _in_two_hours(), **sorteo_kw)
    return DrawSetup(loteria=loteria, sorteo=sorteo, m90=m90, m85=m85, roja=roja)
