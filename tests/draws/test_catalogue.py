"""Loterías and multipliers: validation, audit, ConfigVersion, deactivation cascade (§6, §8)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit.models import ActivityLog
from app.draws import services
from app.draws.models import Loteria, MultiplierKind, SorteoStatus
from app.errors import Conflict, InvalidInput, OutOfScope
from app.org.config_version import get_config_version
from app.sales.models import TicketStatus
from tests.draws.helpers import N, make_ticket, scope_of
from tests.factories.draws import LoteriaFactory, SorteoFactory, draw_setup

RULES = {"digits": 2, "draw_schedules": [{"frequency": "diario", "times": ["12:00", "18:00"]}],
         "reventado": {"enabled": False}, "days_ahead": 2}


def actions(session, action):
    return session.scalars(select(ActivityLog).where(ActivityLog.action == action)).all()


def test_create_loteria_audits_and_bumps_version(session, org):
    scope = scope_of(org.admin)
    v0 = get_config_version(session, org.banca.id)
    lot = services.create_loteria(session, scope=scope, name="  NICA  ", rules=RULES)
    assert lot.name == "NICA" and lot.banca_id == org.banca.id and lot.rules["days_ahead"] == 2
    assert get_config_version(session, org.banca.id) == v0 + 1
    row = actions(session, "LOTERIA_CREATE")[-1]
    assert row.layer == "draws" and row.banca_id == org.banca.id and "NICA" in row.details["description"]


def test_duplicate_name_is_409_and_bad_rules_422(session, org):
    scope = scope_of(org.admin)
    services.create_loteria(session, scope=scope, name="TICA", rules=RULES)
    with pytest.raises(Conflict):
        services.create_loteria(session, scope=scope, name="tica", rules=RULES)
    with pytest.raises(InvalidInput) as err:
        services.create_loteria(session, scope=scope, name="PANAMA", rules={"digits": 4})
    assert err.value.status == 422 and err.value.field == "digits"


def test_only_admin_writes_catalogue(session, org):
    with pytest.raises(OutOfScope):
        services.create_loteria(session, scope=scope_of(org.listero), name="TICA", rules=RULES)


def test_update_merges_rules_and_reports_no_change(session, org):
    scope = scope_of(org.admin)
    lot = services.create_loteria(session, scope=scope, name="TICA",
                                  rules={**RULES, "display": {"color": "#112233", "icon": "sol"}, "min_bet_amount": 100})
    assert services.update_loteria(session, scope=scope, loteria_id=lot.id, name="TICA", rules={}) is False
    changed = services.update_loteria(session, scope=scope, loteria_id=lot.id, name="TICA",
                                      rules={"min_bet_amount": None, "display": {"color": "#445566"}})
    assert changed and "min_bet_amount" not in lot.rules
    assert lot.rules["display"] == {"color": "#445566", "icon": "sol"}
    assert actions(session, "LOTERIA_UPDATE")[-1].details["before"]["rules"]["min_bet_amount"] == 100


def test_deactivation_cascades_and_reactivation_restores_only_cascaded(session, org):
    scope = scope_of(org.admin)
    d = draw_setup(org.banca, status=SorteoStatus.SCHEDULED)
    open_empty = SorteoFactory(loteria=d.loteria, status=SorteoStatus.OPEN,
                               scheduled_at=d.sorteo.scheduled_at + timedelta(minutes=7))
    closed = SorteoFactory(loteria=d.loteria, status=SorteoStatus.CLOSED,
                           scheduled_at=d.sorteo.scheduled_at + timedelta(minutes=9))
    cancelled_before = SorteoFactory(loteria=d.loteria, status=SorteoStatus.SCHEDULED, is_active=False,
                                     scheduled_at=d.sorteo.scheduled_at + timedelta(minutes=11))
    assert services.deactivate_loteria(session, scope=scope, loteria_id=d.loteria.id, reason="fin") == 2
    assert not d.loteria.is_active and d.loteria.deleted_reason == "fin"
    assert not d.sorteo.is_active and d.sorteo.deactivated_by_cascade
    assert not open_empty.is_active and closed.is_active
    assert services.reactivate_loteria(session, scope=scope, loteria_id=d.loteria.id) == 2
    assert d.sorteo.is_active and open_empty.is_active and not d.sorteo.deactivated_by_cascade
    assert cancelled_before.is_active is False  # cancelled by hand: stays cancelled
    assert actions(session, "LOTERIA_DELETE") and actions(session, "LOTERIA_RESTORE")


def test_deactivation_refused_while_open_sorteo_has_live_tickets(session, org):
    scope = scope_of(org.admin)
    d = draw_setup(org.banca)
    make_ticket(d.sorteo, org.vendedor, [(N, "25", 1000, d.m90)])
    with pytest.raises(Conflict) as err:
        services.deactivate_loteria(session, scope=scope, loteria_id=d.loteria.id)
    assert err.value.status == 409 and d.sorteo.name in err.value.message
    assert session.get(Loteria, d.loteria.id).is_active


def test_deactivation_cascades_open_sorteo_with_only_cancelled_tickets(session, org):
    d = draw_setup(org.banca)
    make_ticket(d.sorteo, org.vendedor, [(N, "25", 1000, d.m90)], status=TicketStatus.CANCELLED)
    assert services.deactivate_loteria(session, scope=scope_of(org.admin), loteria_id=d.loteria.id) == 1


def test_multiplier_crud(session, org):
    scope = scope_of(org.admin)
    lot = LoteriaFactory(banca=org.banca)
    v0 = get_config_version(session, org.banca.id)
    m = services.create_multiplier(session, scope=scope, loteria_id=lot.id, name="90x", value_x="90",
                                   kind="NUMERO")
    assert m.value_x == Decimal("90") and m.kind == MultiplierKind.NUMERO
    assert get_config_version(session, org.banca.id) == v0 + 1
    assert "paga 90 veces" in actions(session, "MULTIPLIER_SETTING_CREATE")[-1].details["description"]
    with pytest.raises(Conflict):
        services.create_multiplier(session, scope=scope, loteria_id=lot.id, name="90X", value_x=92, kind="NUMERO")
    assert services.update_multiplier(session, scope=scope, multiplier_id=m.id, name="92x", value_x="92.5",
                                      kind="NUMERO")
    assert m.value_x == Decimal("92.5")
    services.set_multiplier_active(session, scope=scope, multiplier_id=m.id, active=False, reason="ya no")
    assert not m.is_active and m.deleted_reason == "ya no"
    with pytest.raises(Conflict):
        services.set_multiplier_active(session, scope=scope, multiplier_id=m.id, active=False)
    services.set_multiplier_active(session, scope=scope, multiplier_id=m.id, active=True)
    assert m.is_active and actions(session, "MULTIPLIER_SETTING_RESTORE")


@pytest.mark.parametrize("kw,field", [
    ({"value_x": "0"}, "value_x"), ({"value_x": "-5"}, "value_x"), ({"value_x": "1.234"}, "value_x"),
    ({"kind": "OTRO"}, "kind"), ({"name": "x"}, "name"),
])
def test_multiplier_validation(session, org, kw, field):
    lot = LoteriaFactory(banca=org.banca)
    args = {"name": "90x", "value_x": "90", "kind": "NUMERO", **kw}
    with pytest.raises(InvalidInput) as err:
        services.create_multiplier(session, scope=scope_of(org.admin), loteria_id=lot.id, **args)
    assert err.value.field == field


def test_sorteo_specific_multiplier_must_be_reventado_of_same_loteria(session, org):
    scope = scope_of(org.admin)
    d = draw_setup(org.banca)
    other = draw_setup(org.banca)
    with pytest.raises(InvalidInput):
        services.create_multiplier(session, scope=scope, loteria_id=d.loteria.id, name="Especial", value_x=300,
                                   kind="NUMERO", applies_to_sorteo_id=d.sorteo.id)
    with pytest.raises(InvalidInput):
        services.create_multiplier(session, scope=scope, loteria_id=d.loteria.id, name="Especial", value_x=300,
                                   kind="REVENTADO", applies_to_sorteo_id=other.sorteo.id)
    m = services.create_multiplier(session, scope=scope, loteria_id=d.loteria.id, name="Especial", value_x=300,
                                   kind="REVENTADO", applies_to_sorteo_id=d.sorteo.id)
    assert m.applies_to_sorteo_id == d.sorteo.id


def test_other_banca_objects_are_out_of_scope(session, org):
    from tests.factories.org import BancaFactory
    d = draw_setup(BancaFactory())
    with pytest.raises(OutOfScope):
        services.get_loteria(session, scope_of(org.admin), d.loteria.id)
    with pytest.raises(OutOfScope):
        services.get_sorteo(session, scope_of(org.vendedor), d.sorteo.id)
