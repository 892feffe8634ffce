"""The shell on a phone and in the dark theme, in a real browser (UX §7.9, §7.10, §7.13).

Found by the browser QA pass: tables wider than a 390 px screen, filters taking the whole first
screen, a 20-pixel "Menú" button, and dark-theme buttons below the AA contrast ratio.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}

CONTRAST_JS = """(sel) => {
  const el = document.querySelector(sel);
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                              return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const cs = getComputedStyle(el);
  let bg = cs.backgroundColor, node = el;
  while (/rgba\\(0, 0, 0, 0\\)|transparent/.test(bg) && node.parentElement) { node = node.parentElement; bg = getComputedStyle(node).backgroundColor; }
  const [a, b] = [lum(rgb(cs.color)), lum(rgb(bg))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


@pytest.mark.parametrize("path", ["/admin/panel", "/admin/sesiones", "/usuarios", "/restricciones",
                                  "/admin/bitacora", "/comisiones"])
def test_admin_pages_fit_a_phone(page, demo, login_as, path):
    page.set_viewport_size(PHONE)
    login_as(page, demo.admin)
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width}px wide on a 390px screen"


@pytest.mark.parametrize("path", ["/bancas", "/usuarios", "/admin/bitacora", "/restricciones"])
def test_admin_lists_fit_a_1280_screen(page, demo, login_as, path):
    login_as(page, demo.admin)
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"{path} is {width}px wide on a 1280px screen"


def test_filters_collapse_behind_a_button_on_a_phone(page, demo, login_as):
    page.set_viewport_size(PHONE)
    login_as(page, demo.admin)
    page.goto("/admin/bitacora?capa=auth")
    toggle = page.locator(".filters-toggle")
    expect(toggle).to_have_text("Filtros (1)")  # one filter in use
    expect(page.locator("#bitacora form.filters")).to_be_hidden()
    toggle.click()
    expect(page.locator("#bitacora form.filters")).to_be_visible()
    # A filter change swaps the whole fragment (HTMX): the filters stay open.
    page.select_option("#bitacora [name=capa]", "org")
    expect(page.locator(".filters-toggle")).to_have_text("Filtros (1)")
    expect(page.locator("#bitacora form.filters")).to_be_visible()
    # On a wide screen there is no button and the filters are always shown.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator(".filters-toggle")).to_be_hidden()
    expect(page.locator("#bitacora form.filters")).to_be_visible()


def test_menu_button_is_a_touch_target_and_the_drawer_closes_with_escape(page, demo, login_as):
    page.set_viewport_size(PHONE)
    login_as(page, demo.admin)
    page.goto("/usuarios")
    toggle = page.locator("[data-menu-toggle]")
    assert toggle.bounding_box()["height"] >= 44
    toggle.click()
    expect(page.locator("#sidebar")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#sidebar")).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")


def test_dark_theme_buttons_and_links_meet_aa_contrast(browser, live_server, demo):
    context = browser.new_context(base_url=live_server, color_scheme="dark", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("#login-form [name=username]", demo.admin)
        page.fill("#login-form [name=password]", demo.password)
        with page.expect_navigation():
            page.click("#login-form button[type=submit]")
        page.goto(f"/bancas/{demo.banca_id}")
        assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == "dark"
        for selector in (".btn-primary", ".btn-danger", "main .card a, main a"):
            ratio = page.evaluate(CONTRAST_JS, selector)
            assert ratio >= 4.5, f"{selector}: contrast {ratio:.2f} < 4.5"
    finally:
        context.close()
