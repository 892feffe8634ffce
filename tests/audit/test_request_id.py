"""Request id on every request, response header, audit row and JSON log line (DOMAIN §21)."""
from __future__ import annotations

import io
import json
import logging
import re

from flask import g
from sqlalchemy import select

from app import clean_request_id
from app.audit.models import ActivityLog
from app.logging_setup import RequestIdFilter
from tests.auth.conftest import PASSWORD


def test_incoming_request_id_is_kept(client):
    assert client.get("/login", headers={"X-Request-ID": "edge-42.a:b_c"}).headers["X-Request-ID"] == "edge-42.a:b_c"


def test_unsafe_or_missing_request_id_is_replaced(client):
    for bad in ("", "with space", "x" * 101, "inj\tecto", "<script>", "ñandú"):
        rid = client.get("/login", headers={"X-Request-ID": bad} if bad else {}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert clean_request_id("ok-1") == "ok-1" and clean_request_id(None) is None


def test_error_responses_carry_it_too(client):
    resp = client.get("/no-existe", headers={"X-Request-ID": "rid-404"})
    assert resp.status_code == 404 and resp.headers["X-Request-ID"] == "rid-404"
    assert "no existe" in resp.get_data(as_text=True)


def test_the_audit_row_of_a_request_carries_its_id_and_ip(client, org, session):
    client.post("/login", data={"username": org.admin.username, "password": PASSWORD},
                headers={"X-Request-ID": "rid-login-7"})
    row = session.scalar(select(ActivityLog).where(ActivityLog.action == "LOGIN",
                                                   ActivityLog.user_id == org.admin.id))
    assert row.request_id == "rid-login-7" and row.ip == "127.0.0.1"


def test_json_log_lines_carry_the_request_id(app):
    from pythonjsonlogger.json import JsonFormatter
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"))
    handler.addFilter(RequestIdFilter())
    log = logging.getLogger("tests.audit.rid")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        with app.test_request_context("/"):
            g.request_id = "rid-log-1"
            log.info("dentro de la solicitud", extra={"status": 200})
        log.info("fuera de la solicitud")
        from app.audit.services import set_job_request_id
        set_job_request_id("job-xyz")
        log.info("en un trabajo")
        set_job_request_id(None)
    finally:
        log.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(x["message"], x["request_id"]) for x in lines] == [
        ("dentro de la solicitud", "rid-log-1"), ("fuera de la solicitud", "-"), ("en un trabajo", "job-xyz")]
    assert lines[0]["status"] == 200
