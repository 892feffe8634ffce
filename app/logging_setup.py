"""Structured JSON logs carrying the request id on every line."""
from __future__ import annotations

import logging
import sys


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from app.audit.services import current_request_id
        record.request_id = current_request_id() or "-"
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
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    root._banca_configured = True
