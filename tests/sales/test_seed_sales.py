"""The demo sales seed: sells through the services, evaluates and pays yesterday, idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from app.sales import config_cache, services
from app.sales.models import Ticket, TicketStatus
from app.tz import cr_today


def test_seed_demo_sales_is_realistic_and_idempotent(session):
    from app.draws.seed import seed_demo as seed_draws
    from app.org.seed import seed_org
    from app.sales.seed import seed_demo
    config_cache.clear()
    demo = seed_org(session)
    seed_draws(session, demo)
    seed_demo(session, demo)
    yesterday = cr_today().fromordinal(cr_today().toordinal() - 1)
    rows = dict(session.execute(select(Ticket.status, func.count()).where(
        Ticket.banca_id == demo.banca.id, Ticket.business_date == yesterday).group_by(Ticket.status)).all())
    assert rows.get(TicketStatus.EVALUATED, 0) + rows.get(TicketStatus.PAID, 0) > 50
    assert session.scalar(select(func.count()).select_from(Ticket).where(Ticket.banca_id == demo.banca.id,
                                                                         Ticket.is_winner.is_(True))) > 0
    before = session.scalar(select(func.count()).select_from(Ticket))
    seed_demo(session, demo)
    assert session.scalar(select(func.count()).select_from(Ticket)) == before
    sorteo_ids = session.scalars(select(Ticket.sorteo_id).where(Ticket.banca_id == demo.banca.id).distinct()).all()
    for sid in sorteo_ids[:5]:
        assert services.compare_accumulators(session, sid) == {}
