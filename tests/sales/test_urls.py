"""ticket_url gives exactly url_for's URLs (it only skips the routing pass for repeated links)."""
from __future__ import annotations

import uuid

import pytest
from flask import url_for

from app.sales.urls import ticket_url


@pytest.mark.parametrize("script_root", ["", "/banca"])
@pytest.mark.parametrize("endpoint, values", [
    ("sales.ticket_print", {}), ("sales.ticket_whatsapp", {}), ("sales.ticket_cancel", {}),
    ("sales.ticket_cancel", {"vista": "ultimo"}),
])
def test_same_url_as_url_for(app, script_root, endpoint, values):
    for _ in range(2):  # the first call fills the cache, the second uses it
        ticket_id = uuid.uuid4()
        with app.test_request_context("/venta", base_url=f"http://localhost{script_root}"):
            expected = url_for(endpoint, ticket_id=ticket_id, **values)
            assert ticket_url(endpoint, ticket_id, **values) == expected
            assert str(ticket_id) in expected and (not script_root or expected.startswith(script_root))
