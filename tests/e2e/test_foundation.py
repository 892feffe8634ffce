"""Foundation in a real browser: each role lands on its home, a wrong password is refused in
Spanish, and an ADMIN builds part of the sales network through the pages."""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect


def path_of(page) -> str:
    return urlparse(page.url).path


@pytest.mark.parametrize("role", ["ADMIN", "VENTANA", "VENDEDOR"])
def test_each_role_lands_on_its_home(page, demo, login_as, home_path, role):
    username = demo.by_role[role][0]
    login_as(page, username)
    assert path_of(page) == home_path(role)
    expect(page.locator(".user .badge")).to_be_visible()
    # The role's menu is there (UX §1; the sales page puts it in a compact bar), and "/" sends
    # the role back home.
    expect(page.get_by_role("navigation", name="Menú principal").first).to_be_visible()
    page.goto("/")
    assert path_of(page) == home_path(role)


def test_wrong_password_shows_spanish_error(page, demo, login_as):
    login_as(page, demo.admin, "no-es-la-clave")
    assert path_of(page) == "/login"
    expect(page.locator("#login-error")).to_have_text("Usuario o contraseña incorrectos")
    # The password is not echoed back; the username is kept.
    expect(page.locator("#login-form [name=password]")).to_have_value("")
    expect(page.locator("#login-form [name=username]")).to_have_value(demo.admin)


def test_unknown_user_gets_the_same_error(page, demo, login_as):
    login_as(page, "nadie-se-llama-asi", "cualquier-cosa")
    expect(page.locator("#login-error")).to_have_text("Usuario o contraseña incorrectos")


def test_logout_returns_to_login(page, demo, login_as):
    login_as(page, demo.ventana)
    page.get_by_role("button", name=re.compile("Salir|Cerrar sesión")).click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto("/panel")
    assert path_of(page) == "/login"


def test_admin_builds_network_and_new_vendedor_logs_in(page, demo, login_as, home_path):
    login_as(page, demo.admin)

    # Nueva ventana, with its listero user in the same form (UX §6).
    page.goto("/ventanas")
    page.locator("a[href$='/ventanas/nueva']").first.click()
    form = page.locator("#form-ventana")
    form.locator("[name=banca_id]").select_option(value=demo.banca_id)
    form.locator("[name=name]").fill("Ventana Sur E2E")
    form.locator("[name=code]").fill("sur")
    form.locator("[name=phone]").fill("88881234")
    form.locator("[name=listero_username]").fill("listerosur")
    form.locator("[name=listero_name]").fill("Marta Solano")
    form.locator("[name=listero_password]").fill("clave-listero-1")
    form.get_by_role("button", name="Guardar").click()
    page.wait_for_url(re.compile(r"/ventanas/[0-9a-f-]{36}$"))
    ventana_id = path_of(page).rsplit("/", 1)[1]
    expect(page.locator("#avisos")).to_contain_text("Cambios guardados")
    page.goto("/ventanas?q=SUR")
    expect(page.get_by_text("Ventana Sur E2E").first).to_be_visible()

    # Nuevo usuario: a vendedor of that ventana.
    page.goto("/usuarios")
    page.locator("a[href$='/usuarios/nuevo']").first.click()
    form = page.locator("#form-usuario")
    form.locator("[name=name]").fill("Rosa Quesada")
    form.locator("[name=username]").fill("RosaSur")
    form.locator("[name=role]").select_option(value="VENDEDOR")
    form.locator("[name=ventana_id]").select_option(value=ventana_id)
    form.locator("[name=code]").fill("s01")
    form.locator("[name=password]").fill("clave-segura-1")
    form.locator("[name=confirm]").fill("clave-segura-1")
    form.get_by_role("button", name="Guardar").click()
    page.wait_for_url(re.compile(r"/usuarios/[0-9a-f-]{36}$"))
    expect(page.locator("#avisos")).to_contain_text("Cambios guardados")

    # Log out; the new vendedor (username is case-insensitive) and the new listero can log in.
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(re.compile(r"/login"))
    login_as(page, "rosasur", "clave-segura-1")
    assert path_of(page) == home_path("VENDEDOR")
    expect(page.locator(".user")).to_contain_text("Rosa Quesada")
    expect(page.locator(".brand")).to_contain_text("Ventana Sur E2E")

    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(re.compile(r"/login"))
    login_as(page, "listerosur", "clave-listero-1")
    assert path_of(page) == home_path("VENTANA")


def test_invalid_ventana_form_shows_inline_errors(page, demo, login_as):
    login_as(page, demo.admin)
    page.goto("/ventanas/nueva")
    form = page.locator("#form-ventana")
    form.locator("[name=name]").fill("")
    form.locator("[name=code]").fill("x")
    form.get_by_role("button", name="Guardar").click()
    # htmx swaps the 422 fragment in place: Spanish messages next to the fields, still on the page.
    expect(form.locator("#campo-name .error")).to_be_visible()
    expect(form.locator("#campo-code .error")).to_be_visible()
    assert path_of(page) == "/ventanas/nueva"
