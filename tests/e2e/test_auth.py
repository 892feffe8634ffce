"""Login, "Mi cuenta" and the Bitácora in a real browser (htmx + app.js behaviour)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect


def _user_id(e2e_app, username):
    from app.auth.services import find_user_by_username
    from app.db import unit_of_work
    with e2e_app.app_context(), unit_of_work() as session:
        return find_user_by_username(session, username).id


def test_theme_toggle_in_the_top_bar_is_stored_on_the_user(page, demo, login_as, e2e_app):
    username = demo.by_role["VENTANA"][-1]
    login_as(page, username)
    html = page.locator("html")
    before = html.get_attribute("data-theme") or ""
    with page.expect_response(re.compile(r"/mi-cuenta/tema$")) as answer:
        page.get_by_role("button", name="Tema").click()
    assert answer.value.status == 204
    chosen = html.get_attribute("data-theme")
    assert chosen in ("claro", "oscuro") and chosen != before
    page.reload()
    expect(html).to_have_attribute("data-theme", chosen)  # from user.settings, not localStorage
    # Back to "Según el sistema" through Mi cuenta.
    page.goto("/mi-cuenta")
    page.locator("#tema select[name=theme]").select_option("")
    with page.expect_navigation():
        page.locator("#tema").get_by_role("button", name="Guardar tema").click()
    expect(html).to_have_attribute("data-theme", "")


def test_password_change_errors_are_inline_without_reload(page, demo, login_as):
    login_as(page, demo.by_role["VENDEDOR"][-1])
    page.goto("/mi-cuenta")
    form = page.locator("#cambio-contrasena")
    form.locator("[name=current_password]").fill("no-es-la-clave")
    form.locator("[name=new_password]").fill("corta")
    form.locator("[name=confirm]").fill("otra")
    form.get_by_role("button", name="Cambiar contraseña").click()
    expect(page.locator("#cambio-contrasena")).to_contain_text("La contraseña actual no es correcta.")
    expect(page.locator("#cambio-contrasena")).to_contain_text("entre 8 y 100 caracteres")
    expect(page.locator("#cambio-contrasena")).to_contain_text("no coincide")
    assert urlparse(page.url).path == "/mi-cuenta"


def test_revoked_session_on_an_htmx_request_goes_to_login_and_back(page, demo, login_as, e2e_app):
    from app.auth.services import revoke_user_sessions
    from app.db import unit_of_work
    username = demo.by_role["VENTANA"][0]
    login_as(page, username)
    page.goto("/mi-cuenta")
    with e2e_app.app_context(), unit_of_work() as session:
        revoke_user_sessions(session, _user_id(e2e_app, username), reason="Prueba e2e")
    form = page.locator("#cambio-contrasena")
    form.locator("[name=current_password]").fill(demo.password)
    with page.expect_navigation():
        form.get_by_role("button", name="Cambiar contraseña").click()
    query = parse_qs(urlparse(page.url).query)
    assert urlparse(page.url).path == "/login" and query["expirada"] == ["1"] and query["next"] == ["/mi-cuenta"]
    expect(page.get_by_text("Su sesión expiró; ingrese de nuevo")).to_be_visible()
    page.locator("#login-form [name=username]").fill(username)
    page.locator("#login-form [name=password]").fill(demo.password)
    with page.expect_navigation():
        page.locator("#login-form").get_by_role("button", name="Ingresar").click()
    assert urlparse(page.url).path == "/mi-cuenta"


def test_bitacora_filters_with_htmx(page, demo, login_as):
    login_as(page, demo.admin)
    page.goto("/admin/bitacora")
    expect(page.get_by_role("heading", name="Bitácora")).to_be_visible()
    expect(page.locator("#bitacora table")).to_contain_text("Ingreso de")
    with page.expect_response(re.compile(r"/admin/bitacora\?")):
        page.locator("#bitacora select[name=accion]").select_option("LOGIN")
    expect(page.locator("#bitacora tbody tr").first).to_contain_text("Ingreso")
    assert "accion=LOGIN" in page.url  # hx-push-url keeps the filter in the address bar
    page.locator("#bitacora [name=desde]").fill("2020-01-02")
    page.locator("#bitacora [name=hasta]").fill("2020-01-01")
    page.locator("#bitacora").get_by_role("button", name="Filtrar").click()
    expect(page.locator("#bitacora")).to_contain_text("no puede ser anterior")
