"""Draws and sales pages in a real browser: keyboard focus after a row action, thermal receipt page size."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.tz import cr_today

pytestmark = pytest.mark.e2e


def test_closing_a_sorteo_keeps_focus_in_its_row(page, demo, login_as):
    """UX §7.8: after "Cerrar ventas" (HX-Redirect reload) the keyboard is still on that sorteo's row."""
    login_as(page, demo.admin)
    page.goto("/sorteos")
    page.on("dialog", lambda d: d.accept())  # the data-confirm prompt
    button = page.get_by_role("button", name="Cerrar ventas").first
    row_link = button.locator("xpath=ancestor::tr").locator("a[href]").first.get_attribute("href")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    focused_row = page.evaluate(
        "() => { const r = document.activeElement.closest('tr'); return r && r.querySelector('a[href]').getAttribute('href'); }")
    assert focused_row == row_link
    assert page.evaluate("document.activeElement.tagName") in ("A", "BUTTON")


def test_revert_link_opens_the_reason_box_with_the_cursor_in_it(page, demo, login_as):
    """"Revertir evaluación" in yesterday's list lands on the detail with "Motivo" open and focused."""
    login_as(page, demo.admin)
    page.goto(f"/sorteos?fecha={(cr_today() - timedelta(days=1)).isoformat()}")
    with page.expect_navigation():
        page.get_by_role("link", name="Revertir evaluación").first.click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.getElementById('form-revertir').open") is True
    assert page.evaluate("document.activeElement.id") == "revertir-reason"


def test_receipt_page_is_the_paper_width_and_the_receipt_height(page, demo, login_as):
    """UX §2.7: `@page` is the 58/80 mm roll and as tall as the receipt (never the invalid `58mm auto`)."""
    login_as(page, demo.vendedor)
    page.goto("/tiquetes")
    href = page.locator("table a[href^='/tiquetes/']").first.get_attribute("href").split("?")[0]
    page.goto(href + "/recibo")
    page.wait_for_load_state("load")
    css = page.evaluate("document.getElementById('recibo-pagina').textContent")
    m = re.search(r"size: (58|80)mm (\d+)mm", css)
    assert m and 40 <= int(m.group(2)) < 297, css
    pdf = page.pdf(prefer_css_page_size=True)
    box = re.search(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    width_mm = float(box.group(1)) * 25.4 / 72
    assert abs(width_mm - int(m.group(1))) < 1
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)) == 1  # one strip of paper, not A4 pages


def test_sorteo_closed_by_hand_offers_to_move_the_lines(browser, base_url, demo, login_as):
    """UX §2.2: the admin closes the selected sorteo before its countdown ends; "Vender" is refused (409)
    and the page at once marks the tile "Cerrado" and offers "Pasar jugadas" (Enter), which keeps the lines."""
    seller = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    admin = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    try:
        page = login_as(seller.new_page(), demo.by_role["VENDEDOR"][-1])
        page.goto("/venta")
        page.wait_for_load_state("networkidle")
        # Earlier browser tests of this session may have closed the draft's sorteo: pick an open one.
        page.locator("#sorteos [data-tile]:not(.closed)").first.click()
        page.wait_for_function("!document.querySelector('.htmx-request')")
        page.wait_for_function("document.activeElement && document.activeElement.id === 'numeros'", timeout=5000)
        sorteo_id = page.locator("#sorteos [data-tile].selected").get_attribute("data-sorteo-id")
        page.keyboard.press("F2")
        page.keyboard.type("500")
        page.keyboard.press("Enter")
        page.keyboard.type("4455")
        page.keyboard.press("Enter")
        page.wait_for_load_state("networkidle")

        other = login_as(admin.new_page(), demo.admin)
        # The sorteo's own page (the /sorteos list is paged and filtered by date; other browser
        # tests of this session change what it shows).
        other.goto(f"/sorteos/{sorteo_id}")
        other.on("dialog", lambda d: d.accept())
        other.get_by_role("button", name="Cerrar ventas").first.click()
        expect(other.get_by_text("Cerrado").first).to_be_visible()

        page.keyboard.press("F9")
        banner = page.get_by_role("button", name=re.compile("Pasar jugadas"))
        banner.wait_for(timeout=10000)
        assert "Cerrado" in page.locator("#sorteos").inner_text()
        page.wait_for_function(
            "document.activeElement && document.activeElement.textContent.trim().startsWith('Pasar jugadas')",
            timeout=3000)
        page.keyboard.press("Enter")
        page.wait_for_load_state("networkidle")
        page.wait_for_function("document.activeElement && document.activeElement.id === 'numeros'", timeout=3000)
        moved_to = page.locator("#sorteos [data-tile].selected").get_attribute("data-sorteo-id")
        assert moved_to and moved_to != sorteo_id and "2 jugadas" in page.locator("#lineas").inner_text()
    finally:
        seller.close()
        admin.close()
