"""Fixtures for the sales UI route tests (pages, fragments, roles)."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from decimal import Decimal

import pytest

from app.extensions import db
from app.scope import scope_for_user
from tests.conftest import HX
from tests.sales.core_helpers import evaluate  # noqa: F401  (the route tests import it from here)

D = Decimal


@dataclass
class Env:
    org: object
    draw: object

    @property
    def sorteo(self):
        return self.draw.sorteo

    def sell(self, numbers=("12",), amount=1000, *, vendedor=None, user=None, reventado=None, sorteo=None):
        """Commit-free sale through the core service (inside the test's outer transaction)."""
        from app.sales import services
        from app.sales.schemas import LineInput
        vendedor = vendedor or self.org.vendedor
        user = user or vendedor
        lines = [LineInput("NUMERO", n, D(amount), self.draw.m90.id) for n in numbers]
        if reventado:
            lines += [LineInput("REVENTADO", n, D(reventado)) for n in numbers]
        with db.session.begin_nested():
            result = services.sell_ticket(db.session, scope=scope_for_user(user, self.org.banca.id), actor=user,
                                          vendedor_id=vendedor.id, sorteo_id=(sorteo or self.sorteo).id,
                                          lines=lines, cliente_nombre=None,
                                          idempotency_key="t-" + secrets.token_hex(8))
        return result.ticket


@pytest.fixture
def env(session, org):
    from tests.factories.draws import draw_setup
    return Env(org=org, draw=draw_setup(org.banca, name="TICA"))


def hx(extra=None):
    return {**HX, **(extra or {})}


def root_id(html: str) -> str | None:
    m = re.search(r'<[a-z]+[^>]*\sid="([^"]+)"', html)
    return m.group(1) if m else None


def tokens(html: str) -> list[str]:
    return re.findall(r'name="j" value="([^"]+)"', html)


def idem_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
