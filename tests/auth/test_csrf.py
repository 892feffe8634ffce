"""CSRF on every POST (TOOLING §5): refused without the token, accepted with the htmx header."""
from __future__ import annotations

import re

import pytest

from tests.auth.conftest import PASSWORD
from tests.conftest import HX


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _body_token(html: str) -> str:
    return re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html).group(1)


def test_post_without_token_is_refused_with_the_spanish_message(csrf_on, client, org):
    resp = client.post("/login", data={"username": org.admin.username, "password": PASSWORD})
    assert resp.status_code == 400
    assert "El formulario expiró o no es válido" in resp.get_data(as_text=True)
    frag = client.post("/login", data={"username": org.admin.username, "password": PASSWORD}, headers=HX)
    assert frag.status_code == 400
    assert frag.get_data(as_text=True).lstrip().startswith('<div id="error-400"')


def test_form_token_and_htmx_header_token_are_accepted(csrf_on, client, org):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"username": org.admin.username, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 303
    # Logged in: the layout puts the token in <body hx-headers>; htmx sends it as X-CSRFToken.
    token = _body_token(client.get("/mi-cuenta").get_data(as_text=True))
    refused = client.post("/mi-cuenta/tema", data={"theme": "oscuro"}, headers=HX)
    assert refused.status_code == 400
    ok = client.post("/mi-cuenta/tema", data={"theme": "oscuro"}, headers={**HX, "X-CSRFToken": token})
    assert ok.status_code == 204

