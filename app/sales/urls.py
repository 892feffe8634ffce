"""URLs of one tiquete's actions, built without a routing pass per link.

Each sale's response links its tiquete five times ("Último tiquete": reprint, WhatsApp, anular,
the HX-Trigger's print URL). `url_for` resolves the rule and encodes it every time (≈ 4.5 µs);
`ticket_url` asks `url_for` once per endpoint, arguments and script root, with a sentinel id,
and afterwards only puts the tiquete's id in place of the sentinel (≈ 0.6 µs). Same URLs."""
from __future__ import annotations

import uuid

from flask import request, url_for

_SENTINEL = uuid.UUID("00000000-0000-4000-8000-0000000000ff")
_SENTINEL_TEXT = str(_SENTINEL)
_patterns: dict[tuple, str] = {}


def ticket_url(endpoint: str, ticket_id, **values) -> str:
    """url_for(endpoint, ticket_id=ticket_id, **values) for a `<uuid:ticket_id>` rule."""
    key = (endpoint, request.script_root, tuple(sorted(values.items())))
    pattern = _patterns.get(key)
    if pattern is None:
        pattern = url_for(endpoint, ticket_id=_SENTINEL, **values)
        if len(_patterns) < 256:  # a handful of endpoints; bounded whatever the script roots
            _patterns[key] = pattern
    return pattern.replace(_SENTINEL_TEXT, str(ticket_id))
