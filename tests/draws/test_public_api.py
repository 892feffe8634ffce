"""The reads other domains use: get_sorteo, list_open_sorteos, sales_context, ensure_sellable."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.draws import services
from app.draws.models import MultiplierKind, SorteoStatus
from app.errors import Conflict, NotFound, OutOfScope
from app.tz import cr_date_of, utcnow
from tests.draws.helpers import scope_of
from tests.factories.draws import MultiplierFactory, SorteoFactory, draw_setup
from tests.factories.org import BancaFactory

S = SorteoStatus


def test_get_sorteo_scope(session, org):
    d = draw_setup(org.banca)
    for user in (org.admin, org.listero, org.vendedor):
        assert services.get_sorteo(session, scope_of(user), d.sorteo.id) is d.sorteo
    other = draw_setup(BancaFactory())
    with pytest.raises(OutOfScope):
        services.get_sorteo(session, scope_of(org.vendedor), other.sorteo.id)
    import uuid
    with pytest.raises(NotFound):
        services.get_sorteo(session, scope_of(org.admin), uuid.uuid4())


def test_list_open_sorteos(session, org):
    now = utcnow()
    d = draw_setup(org.banca)
    later = SorteoFactory(loteria=d.loteria, scheduled_at=d.sorteo.scheduled_at + timedelta(hours=3))
    SorteoFactory(loteria=d.loteria, status=S.SCHEDULED, scheduled_at=d.sorteo.scheduled_at + timedelta(hours=1))
    SorteoFactory(loteria=d.loteria, is_active=False, scheduled_at=d.sorteo.scheduled_at + timedelta(hours=2))
    SorteoFactory(loteria=d.loteria, scheduled_at=now - timedelta(minutes=1))  # draw passed, close job late
    off = draw_setup(org.banca)
    off.loteria.is_active = False
    draw_setup(BancaFactory())
    session.flush()
    assert services.list_open_sorteos(session, org.banca.id, now) == [d.sorteo, later]


def test_sales_context_reads_rules_and_valid_multipliers(session, org):
    d = draw_setup(org.banca, rules={"digits": 2, "min_bet_amount": 100, "closing_time_before_draw": 7})
    MultiplierFactory(loteria=d.loteria, name="Viejo", value_x=80, is_active=False)
    MultiplierFactory(loteria=d.loteria, name="Futuro", value_x=95, applies_to_date=date(2099, 1, 1))
    other = SorteoFactory(loteria=d.loteria, scheduled_at=d.sorteo.scheduled_at + timedelta(days=1))
    MultiplierFactory(loteria=d.loteria, name="Solo otro", value_x=300, kind=MultiplierKind.REVENTADO,
                      applies_to_sorteo_id=other.id)
    ctx = services.sales_context(session, d.sorteo.id)
    assert ctx.status == S.OPEN and ctx.digits == 2 and ctx.business_date == cr_date_of(d.sorteo.scheduled_at)
    assert ctx.rules.min_bet_amount == Decimal(100) and ctx.rules.closing_time_before_draw == 7
    assert [m.name for m in ctx.numero_multipliers] == ["90x", "85x"]
    assert [m.name for m in ctx.reventado_multipliers] == ["Roja 200x"]
    assert ctx.multiplier(d.m85.id).value_x == Decimal("85") and ctx.multiplier(d.roja.id).kind == "REVENTADO"
    assert ctx.multiplier(d.m90.id).label == "Paga 90 veces"
    assert services.sales_context(session, other.id).reventado_multipliers[0].name == "Solo otro"
    import uuid
    assert services.sales_context(session, uuid.uuid4()) is None


def test_sales_context_cache_follows_config_version(session, org):
    d = draw_setup(org.banca)
    first = services.sales_context(session, d.sorteo.id)
    assert services.sales_context(session, d.sorteo.id).loteria is first.loteria  # cached
    services.set_multiplier_active(session, scope=scope_of(org.admin), multiplier_id=d.m85.id, active=False)
    again = services.sales_context(session, d.sorteo.id)
    assert again.config_version == first.config_version + 1
    assert [m.name for m in again.numero_multipliers] == ["90x"]


def test_sales_context_sees_state_changes_without_a_version_bump(session, org):
    d = draw_setup(org.banca)
    services.sales_context(session, d.sorteo.id)
    services.close_sorteo(session, scope=scope_of(org.admin), sorteo_id=d.sorteo.id)
    assert services.sales_context(session, d.sorteo.id).status == S.CLOSED


@pytest.mark.parametrize("status,text", [(S.SCHEDULED, "aún no está abierto"), (S.CLOSED, "cerradas"),
                                         (S.EVALUATED, "ya fue evaluado")])
def test_ensure_sellable_refusals(session, org, status, text):
    d = draw_setup(org.banca, status=status)
    with pytest.raises(Conflict, match=text):
        services.ensure_sellable(services.sales_context(session, d.sorteo.id))


def test_ensure_sellable_inactive_other_banca_missing(session, org):
    d = draw_setup(org.banca, is_active=False)
    with pytest.raises(Conflict, match="cancelado"):
        services.ensure_sellable(services.sales_context(session, d.sorteo.id))
    ok = draw_setup(org.banca)
    assert services.ensure_sellable(services.sales_context(session, ok.sorteo.id), org.banca.id).sorteo_id == ok.sorteo.id
    with pytest.raises(OutOfScope):
        services.ensure_sellable(services.sales_context(session, ok.sorteo.id), BancaFactory().id)
    with pytest.raises(NotFound):
        services.ensure_sellable(None)
    off = draw_setup(org.banca)
    off.loteria.is_active = False
    from app.org.config_version import bump_config_version
    bump_config_version(session, org.banca.id)
    with pytest.raises(Conflict, match="desactivada"):
        services.ensure_sellable(services.sales_context(session, off.sorteo.id))
