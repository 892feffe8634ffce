"""Helpers for the sale-core service tests (sell, cancel/restore, print, payments, accumulators).

Not a conftest: import the `sale_env` fixture explicitly (`from tests.sales.core_helpers import
sale_env  # noqa: F401`) so the sales UI tests keep their own fixtures.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from app.draws.models import SorteoStatus
from app.extensions import db
from app.org.config_version import bump_config_version
from app.restrictions.models import RestrictionRule
from app.sales import config_cache
from app.sales.schemas import LineInput
from app.scope import scope_for_user
from app.tz import utcnow

D = Decimal


def key() -> str:
    return "k-" + secrets.token_hex(8)


def numero(number: str, amount, mult) -> LineInput:
    return LineInput(type="NUMERO", number=number, amount=D(str(amount)), multiplier_id=mult.id)


def reventado(number: str, amount) -> LineInput:
    return LineInput(type="REVENTADO", number=number, amount=D(str(amount)))


def add_rule(banca, **fields) -> RestrictionRule:
    """A restriction rule row (banca scope unless ventana_id / user_id given); bumps ConfigVersion."""
    rule = RestrictionRule(banca_id=banca.id, **fields)
    db.session.add(rule)
    db.session.flush()
    bump_config_version(db.session, banca.id)
    db.session.flush()
    return rule


@dataclass
class SaleEnv:
    org: object
    draw: object  # tests.factories.draws.DrawSetup
    now: datetime

    @property
    def sorteo(self):
        return self.draw.sorteo

    def scope(self, user):
        return scope_for_user(user, self.org.banca.id)

    def sell(self, lines, *, user=None, vendedor=None, sorteo=None, idem=None, cliente=None, now=None):
        from app.sales import services
        user = user or self.org.vendedor
        vendedor = vendedor or self.org.vendedor
        # A savepoint plays the route's rollback: a refused sale leaves nothing behind.
        with db.session.begin_nested():
            return services.sell_ticket(db.session, scope=self.scope(user), actor=user,
                                        vendedor_id=vendedor.id, sorteo_id=(sorteo or self.sorteo).id,
                                        lines=lines, cliente_nombre=cliente, idempotency_key=idem or key(),
                                        now=now or self.now)

    def another_sorteo(self, **kw):
        from tests.factories.draws import SorteoFactory
        return SorteoFactory(loteria=self.draw.loteria, **kw)


@pytest.fixture
def sale_env(session, org):
    """Banca with two ventanas (conftest `org`) and a TICA-like lotería whose sorteo is OPEN and
    draws two hours from now; `now` is one hour before the draw."""
    from tests.factories.draws import draw_setup
    config_cache.clear()
    scheduled = (utcnow() + timedelta(hours=2)).replace(second=0, microsecond=0)
    draw = draw_setup(org.banca, scheduled_at=scheduled)
    return SaleEnv(org=org, draw=draw, now=scheduled - timedelta(hours=1))


def evaluate(env: SaleEnv, number: str, *, extra=None):
    """Close and evaluate the env's sorteo (draws services), returning the refreshed sorteo."""
    from app.draws.evaluation import evaluate_sorteo
    sorteo = env.sorteo
    sorteo.status = SorteoStatus.CLOSED
    db.session.flush()
    evaluate_sorteo(db.session, sorteo_id=sorteo.id, number=number,
                    extra_multiplier_id=extra.id if extra is not None else None,
                    actor_id=env.org.admin.id, now=sorteo.scheduled_at + timedelta(minutes=5))
    db.session.expire_all()
    return sorteo
