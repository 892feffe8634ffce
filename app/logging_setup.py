"""Structured JSON logs carrying the request id on every line."""
from __future__ import annotations

import logging
import sys

from flask import g, has_request_context


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        rid = None
        if has_request_context():
            rid = getattr(g, "request_id", None)
        else:
            from app.audit.services import current_request_id
            rid = current_request_id()
        record.request_id = rid or "-"
        return True


def configure_logging(app) -> None:
    root = logging.getLogger()
    if getattr(root, "_banca_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    if app.config.get("LOG_JSON"):
        from pythonjsonlogger.json import JsonFormatter
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(logging.INFO if not app.config.get("TESTING") else logging.WARNING)
    root._banca_configured = True
