"""The commission editor in a real browser (Playwright + Debian chromium): edit, reorder, probe, save."""
from __future__ import annotations

import threading

import pytest
import werkzeug.serving

pytestmark = pytest.mark.e2e

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]
PASSWORD = "clave-e2e-123"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "headless": True,
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    """An app on its own database with committed data, served on a free port."""
    from app.auth.models import Role
    from app.auth.services import make_user
    from app.db import unit_of_work
    from app.org.models import Banca, ConfigVersion, Ventana
    from tests.commissions.helpers import make_loteria
    from tests.conftest import make_test_app

    app, cleanup = make_test_app(tmp_path_factory)
    with app.app_context():
        with unit_of_work() as session:
            banca = Banca(name="Banca E2E", code="E2E")
            session.add(banca)
            session.flush()
            session.add(ConfigVersion(banca_id=banca.id, version=1))
            ventana = Ventana(banca_id=banca.id, name="Ventana Centro", code="CEN")
            session.add(ventana)
            session.flush()
            make_user(session, username="admin", name="Admin E2E", password=PASSWORD, role=Role.ADMIN,
                      banca_id=banca.id)
            seller = make_user(session, username="vend", name="Carlos", password=PASSWORD, role=Role.VENDEDOR,
                               banca_id=banca.id, ventana_id=ventana.id)
            tica = make_loteria(session, banca, "TICA")
            ids = {"banca": banca.id, "ventana": ventana.id, "vendedor": seller.id, "tica": tica.id}
    srv = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{srv.server_port}", ids
    srv.shutdown()
    cleanup()


def login(page, base, path):
    page.goto(f"{base}/login?next={path}")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{path}")


def test_edit_reorder_probe_and_save(page, e2e):
    from playwright.sync_api import expect

    app, base, ids = e2e
    path = f"/comisiones/usuario/{ids['vendedor']}"
    login(page, base, path)
    expect(page.locator("h1")).to_contain_text("Carlos")
    expect(page.locator("#comision-editor")).to_be_visible()

    page.fill("#default_percent", "5")
    page.click("button[value=agregar]")
    expect(page.locator("#rules-0-percent")).to_be_visible()
    page.select_option("#rules-0-bet_type", "REVENTADO")
    expect(page.locator("#rules-0-multiplier_value")).to_be_disabled()  # not for Reventado
    page.fill("#rules-0-percent", "8")
    page.click("button[value=agregar]")
    page.select_option("#rules-1-loteria_id", str(ids["tica"]))
    page.select_option("#rules-1-bet_type", "NUMERO")
    page.fill("#rules-1-multiplier_value", "90")
    page.fill("#rules-1-percent", "10")
    page.click("button[value='subir-1']")  # the TICA rule goes first
    expect(page.locator("#rules-0-percent")).to_have_value("10")
    expect(page.locator("#rules-1-percent")).to_have_value("8")

    # Probe the unsaved draft: 1 000 on TICA número 90x → 10 % = ₡100.
    page.fill("#probar-monto", "1000")
    page.select_option("#probar-loteria_id", str(ids["tica"]))
    page.select_option("#probar-tipo", "NUMERO")
    page.fill("#probar-multiplicador", "90")
    page.click("button[value=probar]")
    row = page.locator("[data-comision=vendedor]")
    expect(row).to_contain_text("₡100")
    expect(row).to_contain_text("Política del vendedor")

    # A bad percent stays next to its field with 422, nothing saved.
    page.fill("#rules-1-percent", "150")
    page.click("button[value=guardar]")
    expect(page.locator("#error-rules-1-percent")).to_have_text("El porcentaje debe estar entre 0 y 100.")
    page.fill("#rules-1-percent", "8")
    page.click("button[value=guardar]")
    expect(page.locator("#avisos")).to_contain_text("Cambios guardados")

    from app.auth.models import User
    from app.extensions import db
    with app.app_context():
        stored = db.session.get(User, ids["vendedor"]).commission_policy
        db.session.remove()
    assert stored["default_percent"] == 5
    assert [(r["bet_type"], r["percent"]) for r in stored["rules"]] == [("NUMERO", 10), ("REVENTADO", 8)]


def test_enter_saves_the_policy_and_enter_in_probar_probes(page, e2e):
    """Keyboard: Enter in a policy field saves (the first rule's "↑" is disabled, so the form's
    first submit button must be "Guardar"); Enter in the "Probar" box probes, it does not save."""
    from playwright.sync_api import expect

    app, base, ids = e2e
    path = f"/comisiones/ventana/{ids['ventana']}"
    login(page, base, path)
    page.fill("#default_percent", "11")
    page.click("button[value=agregar]")
    page.select_option("#rules-0-bet_type", "NUMERO")
    page.fill("#rules-0-percent", "9")
    page.click("button[value=agregar]")  # two rules: the first row's "↑" is disabled
    page.select_option("#rules-1-bet_type", "REVENTADO")
    page.fill("#rules-1-percent", "7")
    page.press("#default_percent", "Enter")
    expect(page.locator("#avisos")).to_contain_text("Cambios guardados")

    page.fill("#probar-monto", "2000")
    page.press("#probar-monto", "Enter")
    expect(page.locator("[data-comision=listero]")).to_contain_text("₡180")  # rule 1: 9 %
    expect(page.locator("#avisos")).not_to_contain_text("No hay cambios")

    from app.extensions import db
    from app.org.models import Ventana
    with app.app_context():
        stored = db.session.get(Ventana, ids["ventana"]).commission_policy
        db.session.remove()
    assert stored["default_percent"] == 11
    assert [r["percent"] for r in stored["rules"]] == [9, 7]
