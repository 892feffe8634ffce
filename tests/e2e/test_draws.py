"""Draws in a real browser: an ADMIN generates sorteos from a lotería's schedule (preview, then
create, then nothing twice) and evaluates a closed sorteo through the preview, then sees its winner."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from app.tz import cr_today, to_cr, utcnow


@pytest.fixture
def closed_sorteo(e2e_app, demo):
    """A lotería and a sorteo 20 minutes ago with one winning-to-be tiquete, driven through the
    services at earlier instants (open → sell → close), committed for the live server."""
    from sqlalchemy import select

    from app.auth.models import Role, User
    from app.db import unit_of_work
    from app.draws import services
    from app.sales.schemas import LineInput
    from app.sales.services import sell_ticket
    from app.scope import Scope, scope_for_user

    at = (utcnow() - timedelta(minutes=20)).replace(second=0, microsecond=0)
    local = to_cr(at)
    with e2e_app.app_context():
        with unit_of_work() as session:
            admin = session.scalar(select(User).where(User.username == demo.admin))
            scope = Scope(user_id=admin.id, role=Role.ADMIN, banca_id=admin.banca_id)
            lot = services.create_loteria(session, scope=scope, name=f"E2E {local:%H%M%S}",
                                          rules={"digits": 2, "reventado": {"enabled": True}})
            m90 = services.create_multiplier(session, scope=scope, loteria_id=lot.id, name="90x", value_x=90,
                                             kind="NUMERO")
            sorteo = services.create_sorteo(session, scope=scope, loteria_id=lot.id, day=local.date(),
                                            time_text=f"{local:%H:%M}")
            sid, mid, name = sorteo.id, m90.id, sorteo.name
        with unit_of_work() as session:
            services.open_sorteo(session, scope=scope, sorteo_id=sid, now=at - timedelta(hours=1))
        with unit_of_work(immediate=True) as session:
            vendedor = session.scalar(select(User).where(User.username == demo.vendedor))
            sell_ticket(session, scope=scope_for_user(vendedor), actor=vendedor, vendedor_id=vendedor.id,
                        sorteo_id=sid, lines=[LineInput("NUMERO", "25", Decimal(1000), mid)], cliente_nombre=None,
                        idempotency_key=f"e2e-draws-{sid.hex}", now=at - timedelta(minutes=30))
        with unit_of_work() as session:
            services.close_sorteo(session, scope=scope, sorteo_id=sid, now=at - timedelta(minutes=4))
    return sid, name


def test_generate_sorteos_preview_then_create(page, demo, login_as):
    login_as(page, demo.admin)
    page.goto("/sorteos/generar")
    day = cr_today() + timedelta(days=5)
    form = page.locator("#generar form")
    form.locator("[name=loteria_id]").select_option(label="NICA")
    form.locator("[name=start]").fill(day.isoformat())
    form.locator("[name=days]").fill("1")
    form.get_by_role("button", name="Ver sorteos").click()
    table = page.locator("#vista-previa")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(4)
    create = page.get_by_role("button", name=re.compile(r"Crear \d+ sorteos"))
    expect(create).to_have_text("Crear 4 sorteos")
    # Untick one: the button follows the selection; "Todos" ticks everything again.
    table.locator("input[name=instantes]").first.uncheck()
    expect(create).to_have_text("Crear 3 sorteos")
    table.locator("[data-select-all]").check()
    expect(create).to_have_text("Crear 4 sorteos")
    create.click()
    expect(page.locator("#generacion-resultado")).to_have_text("4 sorteos creados.")
    expect(page.locator("#vista-previa .badge", has_text="Ya existe")).to_have_count(4)
    # The list of that day now shows them; generating again creates nothing.
    page.goto(f"/sorteos?fecha={day.isoformat()}&loteria=")
    expect(page.locator("#sorteos-lista tbody tr", has_text="NICA")).to_have_count(4)


@pytest.fixture
def worker_queue(e2e_app):
    """With Redis (the CI PostgreSQL run) the evaluation goes to an RQ queue of its own and a burst
    worker run by the test does it, so the page's polling is exercised; without Redis it runs inline."""
    url = e2e_app.config.get("REDIS_URL")
    if not url:
        yield None
        return
    import uuid

    from redis import Redis
    from rq import Queue
    queue = Queue(f"e2e-{uuid.uuid4().hex[:8]}", connection=Redis.from_url(url))
    e2e_app.extensions["banca_queue"] = queue
    yield queue
    e2e_app.extensions.pop("banca_queue", None)


def test_evaluate_through_the_preview_and_see_the_winner(page, demo, login_as, closed_sorteo, worker_queue,
                                                         e2e_app):
    sid, name = closed_sorteo
    page.on("dialog", lambda dialog: dialog.accept())
    login_as(page, demo.admin)
    page.goto(f"/sorteos/{sid}")
    page.get_by_role("link", name="Evaluar").first.click()
    page.wait_for_url(re.compile(rf"/sorteos/{sid}/evaluar$"))
    box = page.locator("#evaluacion")
    # The confirm field must match.
    box.locator("[name=winning_number]").fill("25")
    box.locator("[name=confirm_number]").fill("52")
    box.get_by_role("button", name="Ver vista previa").click()
    expect(page.locator("#evaluacion")).to_contain_text("Los números no coinciden")
    # The refused form is swapped in by htmx: type only once that swap has settled, or the
    # typing lands in the old form and the new one comes back with "52".
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    expect(page.locator("#evaluacion [name=confirm_number]")).to_have_value("52")
    page.locator("#evaluacion [name=confirm_number]").fill("25")
    expect(page.locator("#evaluacion [name=confirm_number]")).to_have_value("25")
    page.locator("#evaluacion").get_by_role("button", name="Ver vista previa").click()
    preview = page.locator("#vista-previa-evaluacion")
    expect(preview).to_contain_text("Tiquetes ganadores")
    expect(preview).to_contain_text("₡90 000")
    page.get_by_role("button", name="Confirmar evaluación").click()
    if worker_queue is not None:
        expect(page.locator("#evaluacion")).to_contain_text("Evaluando el sorteo")
        from rq.worker import SimpleWorker
        with e2e_app.app_context():
            SimpleWorker([worker_queue], connection=worker_queue.connection).work(burst=True)
    expect(page.locator("#evaluacion")).to_contain_text("Sorteo evaluado: número 25", timeout=15_000)
    page.get_by_role("link", name="Ver ganadores").click()
    winners = page.locator("#ganadores")
    expect(winners).to_contain_text("₡90 000")
    expect(winners.locator("tbody tr")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text(name)
