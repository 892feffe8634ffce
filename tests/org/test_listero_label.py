"""A banca that says "Listero" sees that word everywhere, the shell included (UX glossary)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import HX


@pytest.fixture
def listero_banca(org, session):
    org.banca.settings = {**(org.banca.settings or {}), "ventana_label": "Listero"}
    session.commit()
    return org


def text(resp) -> str:
    return resp.get_data(as_text=True)


def test_menu_and_role_badge_use_the_bancas_word(login, listero_banca):
    org = listero_banca
    admin_page = text(login(org.admin, org.banca.id).get("/usuarios"))
    menu = re.search(r'<nav class="sidebar".*?</nav>', admin_page, re.S).group(0)
    assert ">Listeros</a>" in menu and ">Ventanas</a>" not in menu
    listero_page = text(login(org.listero).get("/mi-cuenta"))
    assert '<span class="badge">Listero</span>' in listero_page
    assert "<dt>Rol</dt><dd>Listero</dd>" in listero_page


def test_print_settings_and_deactivation_say_listero(login, listero_banca):
    org = listero_banca
    admin = login(org.admin, org.banca.id)
    seller_print = text(admin.get(f"/usuarios/{org.vendedor.id}/impresion"))
    assert "Como el listero (" in seller_print and "Como la ventana" not in seller_print
    page = admin.get(f"/ventanas/{org.ventana.id}/desactivar")
    assert "<h1>Desactivar listero</h1>" in text(page) or "Desactivar listero" in text(page)
    assert "Desactivar ventana" not in text(page)
    form = text(admin.get(f"/ventanas/{org.ventana.id}", headers=HX))
    assert "del listero" in form and "de la ventana" not in form


def test_the_default_word_stays_ventana(login, org):
    page = text(login(org.admin, org.banca.id).get(f"/usuarios/{org.vendedor.id}/impresion"))
    assert "Como la ventana (" in page
    assert ">Ventanas</a>" in page
