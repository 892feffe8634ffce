"""HTMX helpers: the only place that reads HX-* headers."""
from __future__ import annotations

import json

from flask import make_response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def is_partial() -> bool:
    """A fragment is wanted: HTMX request that is neither boosted nor a history restore."""
    return (is_htmx() and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def is_poll() -> bool:
    return request.headers.get("X-Poll") == "1"


def render_page_or_fragment(page: str, fragment: str, status: int = 200, **context):
    """Full page for normal requests, the fragment alone for HTMX; Vary: HX-Request always."""
    template = fragment if is_partial() else page
    resp = make_response(render_template(template, **context), status)
    resp.headers["Vary"] = "HX-Request"
    return resp


def trigger(resp, event: str, detail=None):
    """Add an HX-Trigger event to a response (merging with any already set)."""
    current = resp.headers.get("HX-Trigger")
    events = {}
    if current:
        try:
            events = json.loads(current)
        except ValueError:
            events = {name.strip(): None for name in current.split(",")}
    events[event] = detail
    resp.headers["HX-Trigger"] = json.dumps(events)
    return resp


def redirect(url: str, status: int = 303):
    """HX-Redirect for HTMX requests, a 303 otherwise."""
    if is_htmx():
        resp = make_response("", 200)
        resp.headers["HX-Redirect"] = url
        return resp
    from flask import redirect as flask_redirect
    return flask_redirect(url, status)
