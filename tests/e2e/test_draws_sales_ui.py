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
