"""Every sorteo transition allowed and refused (§6, §14, §24 case 17)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import ActivityLog
from app.draws import services
from app.draws.models import SorteoStatus
from app.errors import Conflict, InvalidInput, OutOfScope
from app.org.config_version import bump_config_version
from app.restrictions.models import RestrictionRule
from app.sales.models import Ticket, TicketStatus
from app.tz import cr_combine, cr_date_of, utcnow
from tests.draws.helpers import N, make_ticket, scope_of
from tests.factories.draws import SorteoFactory, draw_setup

S = SorteoStatus


def last_audit(session, action):
    return session.scalars(select(ActivityLog).where(ActivityLog.action == action)
                           .order_by(ActivityLog.created_at.desc())).first()


@pytest.fixture
def admin(org):
    return scope_of(org.admin)


# ---------------------------------------------------------------- open

def test_open_scheduled(session, org, admin):
    d = draw_setup(org.banca, status=S.SCHEDULED)
    services.open_sorteo(session, scope=admin, sorteo_id=d.sorteo.id)
    assert d.sorteo.status == S.OPEN and d.sorteo.opened_at is not None
    row = last_audit(session, "SORTEO_OPEN")
    assert row.details["from"] == "SCHEDULED" and row.details["to"] == "OPEN" and row.user_id == org.admin.id


@pytest.mark.parametrize("status", [S.OPEN, S.CLOSED, S.EVALUATED])
def test_open_refused_from_other_states(session, org, admin, status):
    d = draw_setup(org.banca, status=status)
    with pytest.raises(Conflict) as err:
        services.open_sorteo(session, scope=admin, sorteo_id=d.sorteo.id)
    assert err.value.status == 409 and "programado" in err.value.message


def test_open_refused_when_inactive_or_loteria_inactive(session, org, admin):
    d = draw_setup(org.banca, status=S.SCHEDULED, is_active=False)
    with pytest.raises(Conflict, match="desactivado"):
        services.open_sorteo(session, scope=admin, sorteo_id=d.sorteo.id)
    d2 = draw_setup(org.banca, status=S.SCHEDULED)
    d2.loteria.is_active = False
    with pytest.raises(Conflict, match="lotería"):
        services.open_sorteo(session, scope=admin, sorteo_id=d2.sorteo.id)


def test_open_refused_after_cutoff(session, org, admin):
    d = draw_setup(org.banca, status=S.SCHEDULED)
    now = d.sorteo.scheduled_at - timedelta(minutes=5) + timedelta(seconds=1)  # cutoff + 1 s grace
    with pytest.raises(Conflict, match="corte de 5 min"):
        services.open_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, now=now)


def test_transitions_need_admin(session, org):
    d = draw_setup(org.banca, status=S.SCHEDULED)
    for user in (org.listero, org.vendedor):
        with pytest.raises(OutOfScope):
            services.open_sorteo(session, scope=scope_of(user), sorteo_id=d.sorteo.id)


# ---------------------------------------------------------------- close / reopen

def test_close_flags_tickets_and_reopen_clears(session, org, admin):
    d = draw_setup(org.banca)
    t = make_ticket(d.sorteo, org.vendedor, [(N, "25", 1000, d.m90)])
    services.close_sorteo(session, scope=admin, sorteo_id=d.sorteo.id)
    assert d.sorteo.status == S.CLOSED and session.get(Ticket, t.id).sorteo_closed
    assert last_audit(session, "SORTEO_CLOSE").details["source"] == "manual"
    services.reopen_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, reason="Cerrado por error")
    assert d.sorteo.status == S.OPEN and not session.get(Ticket, t.id).sorteo_closed
    assert last_audit(session, "SORTEO_REOPEN").details["reason"] == "Cerrado por error"


@pytest.mark.parametrize("status", [S.SCHEDULED, S.CLOSED, S.EVALUATED])
def test_close_refused_unless_open(session, org, admin, status):
    d = draw_setup(org.banca, status=status)
    with pytest.raises(Conflict, match="abierto"):
        services.close_sorteo(session, scope=admin, sorteo_id=d.sorteo.id)


@pytest.mark.parametrize("status", [S.SCHEDULED, S.OPEN, S.EVALUATED])
def test_reopen_refused_unless_closed(session, org, admin, status):
    d = draw_setup(org.banca, status=status)
    with pytest.raises(Conflict, match="cerrado"):
        services.reopen_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, reason="motivo")


def test_reopen_needs_reason(session, org, admin):
    d = draw_setup(org.banca, status=S.CLOSED)
    with pytest.raises(InvalidInput) as err:
        services.reopen_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, reason=" x ")
    assert err.value.status == 422 and err.value.field == "reason"


def test_reopen_only_before_cutoff_lotería_then_banca_rule(session, org, admin):
    d = draw_setup(org.banca, status=S.CLOSED, rules={"closing_time_before_draw": 10})
    at = d.sorteo.scheduled_at
    # Lotería cutoff 10 min: 9 min before the draw is too late, 11 min before is fine.
    with pytest.raises(Conflict, match="corte de 10 min"):
        services.reopen_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, reason="error", now=at - timedelta(minutes=9))
    # A banca cutoff rule beats the lotería value (banca rule → lotería → 5 min).
    session.add(RestrictionRule(banca_id=org.banca.id, sales_cutoff_minutes=20, is_active=True))
    # A ventana rule is ignored on reopen (no vendedor/ventana rules).
    session.add(RestrictionRule(banca_id=org.banca.id, ventana_id=org.ventana.id, sales_cutoff_minutes=1))
    session.flush()
    bump_config_version(session, org.banca.id)  # the rules are cached by ConfigVersion (§11.1)
    with pytest.raises(Conflict, match="corte de 20 min"):
        services.reopen_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, reason="error", now=at - timedelta(minutes=15))
    services.reopen_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, reason="error", now=at - timedelta(minutes=21))
    assert d.sorteo.status == S.OPEN


def test_cutoff_default_is_five_minutes(session, org):
    d = draw_setup(org.banca, status=S.CLOSED)
    cut = services.sorteo_cutoff(session, d.sorteo, utcnow())
    assert (cut.minutes, cut.source) == (5, "DEFAULT")
    assert cut.closes_at == d.sorteo.scheduled_at - timedelta(minutes=5)


# ---------------------------------------------------------------- cancel / reactivate

def test_cancel_without_tickets(session, org, admin):
    d = draw_setup(org.banca, status=S.SCHEDULED)
    services.cancel_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, reason="Feriado")
    assert not d.sorteo.is_active and d.sorteo.status == S.SCHEDULED  # status kept
    assert last_audit(session, "SORTEO_CANCEL").details["reason"] == "Feriado"
    services.reactivate_sorteo(session, scope=admin, sorteo_id=d.sorteo.id)
    assert d.sorteo.is_active
    assert last_audit(session, "SORTEO_UPDATE").details["after"] == {"is_active": True}


def test_cancel_refused_with_any_ticket_even_cancelled(session, org, admin):
    d = draw_setup(org.banca)
    make_ticket(d.sorteo, org.vendedor, [(N, "25", 1000, d.m90)], status=TicketStatus.CANCELLED)
    with pytest.raises(Conflict, match="tiquetes"):
        services.cancel_sorteo(session, scope=admin, sorteo_id=d.sorteo.id)
    assert d.sorteo.is_active


@pytest.mark.parametrize("status", [S.CLOSED, S.EVALUATED])
def test_cancel_refused_after_close(session, org, admin, status):
    d = draw_setup(org.banca, status=status)
    with pytest.raises(Conflict):
        services.cancel_sorteo(session, scope=admin, sorteo_id=d.sorteo.id)


def test_cancelled_sorteo_cannot_be_opened(session, org, admin):
    d = draw_setup(org.banca, status=S.SCHEDULED)
    services.cancel_sorteo(session, scope=admin, sorteo_id=d.sorteo.id)
    with pytest.raises(Conflict):
        services.open_sorteo(session, scope=admin, sorteo_id=d.sorteo.id)


# ---------------------------------------------------------------- create / edit

def test_create_and_duplicate_instant(session, org, admin):
    d = draw_setup(org.banca, status=S.SCHEDULED)
    day = date(2030, 1, 7)
    s = services.create_sorteo(session, scope=admin, loteria_id=d.loteria.id, day=day, time_text="19:30")
    # The default name reads like the rest of the UI (12-hour, UX §7.3), never "19:30".
    assert s.name == f"{d.loteria.name} 19:30" and s.status == S.SCHEDULED
    assert s.scheduled_at == cr_combine(day, "19:30") and cr_date_of(s.scheduled_at) == day
    with pytest.raises(Conflict, match=r"a las 7:30 p\. m\.") as refused:
        services.create_sorteo(session, scope=admin, loteria_id=d.loteria.id, day=day, time_text="19:30")
    assert "19:30" not in refused.value.message
    with pytest.raises(InvalidInput):
        services.create_sorteo(session, scope=admin, loteria_id=d.loteria.id, day=day, time_text="7pm")


def test_edit_time_only_without_tickets(session, org, admin):
    d = draw_setup(org.banca)
    day = cr_date_of(d.sorteo.scheduled_at)
    sorteo, changed = services.update_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, name="Especial",
                                             day=day, time_text="23:10", digits=2)
    assert changed and sorteo.name == "Especial" and sorteo.scheduled_at == cr_combine(day, "23:10")
    assert last_audit(session, "SORTEO_UPDATE").details["before"]["name"] != "Especial"
    assert services.update_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, name="Especial", day=day,
                                  time_text="23:10", digits=2)[1] is False
    make_ticket(d.sorteo, org.vendedor, [(N, "25", 1000, d.m90)])
    with pytest.raises(Conflict, match="tiquetes"):
        services.update_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, name="Especial", day=day,
                               time_text="23:20", digits=2)
    with pytest.raises(Conflict, match="tiquetes"):
        services.update_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, name="Especial", day=day,
                               time_text="23:10", digits=3)
    # The name may still change.
    assert services.update_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, name="Otro nombre", day=day,
                                  time_text="23:10", digits=2)[1]


def test_edit_loteria_only_while_scheduled_and_not_after_close(session, org, admin):
    d = draw_setup(org.banca)
    other = draw_setup(org.banca, status=S.SCHEDULED)
    day = cr_date_of(d.sorteo.scheduled_at)
    with pytest.raises(Conflict, match="programado"):
        services.update_sorteo(session, scope=admin, sorteo_id=d.sorteo.id, name=d.sorteo.name, day=day,
                               time_text="23:00", digits=2, loteria_id=other.loteria.id)
    closed = SorteoFactory(loteria=d.loteria, status=S.CLOSED, scheduled_at=d.sorteo.scheduled_at - timedelta(hours=1))
    with pytest.raises(Conflict, match="programado o abierto"):
        services.update_sorteo(session, scope=admin, sorteo_id=closed.id, name="x y", day=day, time_text="10:00",
                               digits=2)
