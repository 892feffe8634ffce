"""Home overviews (/admin/panel, /panel, /mi-dia): today's sorteos with each scope's sales cutoff."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from app.auth.models import Role
from app.restrictions import services as restriction_services
from app.restrictions.domain import Kind
from app.scope import Scope
from app.tz import cr_combine
from tests.conftest import HX
from tests.factories.draws import draw_setup

NOW = datetime(2026, 3, 14, 9, 0, tzinfo=ZoneInfo("America/Costa_Rica"))


@pytest.fixture
def today_sorteo(session, org):
    with time_machine.travel(NOW, tick=False):
        setup = draw_setup(org.banca, name="TICA", scheduled_at=cr_combine(NOW.date(), "12:55"))
        scope = Scope(user_id=org.admin.id, role=Role.ADMIN, banca_id=org.banca.id)
        restriction_services.create_rules(session, scope=scope, actor_id=org.admin.id,
                                          fields={"sales_cutoff_minutes": 7, "ventana_id": org.ventana.id},
                                          expected_kind=Kind.CUTOFF)
        restriction_services.create_rules(session, scope=scope, actor_id=org.admin.id,
                                          fields={"sales_cutoff_minutes": 20, "user_id": org.vendedor.id},
                                          expected_kind=Kind.CUTOFF)
        session.commit()
    return setup.sorteo


@pytest.mark.parametrize("who, path, closes", [
    ("admin", "/admin/panel", "12:50 p. m."),     # no banca rule: the 5 min default
    ("listero", "/panel", "12:48 p. m."),         # the ventana's 7 min rule
    ("vendedor", "/mi-dia", "12:35 p. m."),       # his own 20 min rule
])
@pytest.mark.parametrize("headers", [{}, HX])
def test_overview_counts_down_to_the_scopes_cutoff_not_to_the_draw(login, org, today_sorteo, who, path,
                                                                    closes, headers):
    """The panel used to count down to the draw itself, minutes after sales had closed."""
    user = getattr(org, who)
    with time_machine.travel(NOW, tick=False):
        client = login(user, org.banca.id) if who == "admin" else login(user)
        resp = client.get(path, headers=headers)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert today_sorteo.name in html and "12:55 p. m." in html
    assert "Ventas cierran" in html and closes in html
    closes_at = cr_combine(NOW.date(), closes.removesuffix(" p. m."))
    assert f'data-epoch="{int(closes_at.timestamp())}"' in html
    assert 'class="table responsive"' in html  # cards below 640 px (UX §7.13)
