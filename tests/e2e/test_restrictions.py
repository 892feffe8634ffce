"""Restrictions in a real browser: ADMIN creates, edits and deactivates rules (with a bad batch
refused inline); VENTANA and VENDEDOR read "Mis restricciones" within their scope."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from app.tz import cr_today


def test_admin_creates_edits_and_deactivates(page, demo, login_as):
    # Dated a month ahead, so the rules made here never limit today's sales in other browser tests.
    day = (cr_today() + timedelta(days=30)).isoformat()
    login_as(page, demo.admin)
    page.goto("/restricciones")
    expect(page.locator("h1")).to_have_text("Restricciones")
    expect(page.locator("#reglas")).to_contain_text("Corte de 5 min antes del sorteo, todas las ventanas")

    page.get_by_role("link", name="Nueva restricción").click()
    form = page.locator("#regla-form form")
    form.locator("[name=rule_type]").select_option("bloqueado")
    expect(form.locator("[name=max_amount]")).to_be_hidden()        # only "bloqueado" fields shown
    form.locator("[name=numbers]").fill("12, 123")
    form.locator("[name=applies_to_date]").fill(day)
    form.get_by_role("button", name="Guardar").click()
    expect(page.locator("#regla-form")).to_contain_text("Número «123»: use exactamente 2 cifras (00–99)")

    page.locator("#regla-form [name=numbers]").fill("55, 56")
    page.locator("#regla-form").get_by_role("button", name="Guardar").click()
    page.wait_for_url(re.compile(r"/restricciones$"))
    expect(page.locator("#avisos")).to_contain_text("2 restricciones creadas.")

    page.locator("#f-numero").fill("55")
    page.locator("#f-numero").press("Enter")
    row = page.locator("#reglas tbody tr").filter(has_text="Número 55 bloqueado")
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Editar").click()
    edit = page.locator("#regla-edicion")
    edit.locator("[name=max_total]").fill("1000")
    edit.get_by_role("button", name="Guardar").click()
    expect(edit).to_contain_text("Indique un motivo de 3 a 200 caracteres.")
    page.locator("#regla-edicion [name=max_total]").fill("1000")
    page.locator("#regla-edicion [name=reason]").fill("prueba en navegador")
    page.locator("#regla-edicion").get_by_role("button", name="Guardar").click()
    page.wait_for_url(re.compile(r"/restricciones$"))
    expect(page.locator("#avisos")).to_contain_text("Cambios guardados.")
    expect(page.locator("#reglas")).to_contain_text("Máx. ₡1 000 acumulado al 55")

    page.locator("#reglas tbody tr").filter(has_text="acumulado al 55").get_by_role("link", name="Desactivar").click()
    page.locator("#regla-estado [name=reason]").fill("fin de la prueba")
    page.locator("#regla-estado").get_by_role("button", name="Desactivar").click()
    page.wait_for_url(re.compile(r"/restricciones$"))
    expect(page.locator("#avisos")).to_contain_text("Restricción desactivada.")


def test_ventana_reads_its_vendedores_only(page, demo, login_as):
    login_as(page, demo.ventana)
    page.get_by_role("navigation", name="Menú principal").get_by_role("link", name="Restricciones").click()
    expect(page.locator("h1")).to_have_text("Restricciones de vendedores")
    picker = page.locator("#vendedor")
    expect(picker.locator("option")).not_to_have_count(1)
    picker.select_option(index=1)
    table = page.locator("#mis-restricciones table")
    expect(table).to_be_visible()
    expect(table).to_contain_text("Banca")
    expect(page.locator("#mis-restricciones")).to_contain_text("Corte:")
    page.goto("/restricciones")
    expect(page.locator("body")).to_contain_text("No tiene permiso")


def test_vendedor_sees_his_own_and_inherited_rules(page, demo, login_as):
    login_as(page, demo.vendedor)
    page.goto("/mis-restricciones")
    expect(page.locator("h1")).to_have_text("Mis restricciones")
    rules = page.locator("#mis-restricciones")
    expect(rules).to_contain_text("Propia")
    expect(rules).to_contain_text("Banca")
    expect(rules).to_contain_text("Reemplazada")
    expect(page.locator("#vendedor")).to_have_count(0)
