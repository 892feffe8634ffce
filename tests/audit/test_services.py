"""record() and list_activity() (DOMAIN §21)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from app.audit import services
from app.audit.models import ActivityLog
from app.auth.models import Role
from app.tz import cr_combine
from tests.factories.org import BancaFactory


def _record(session, **kw):
    base = dict(action="TICKET_CREATE", layer="sales", description="Tiquete vendido")
    base.update(kw)
    return services.record(session, **base)


def test_record_adds_a_row_in_the_callers_transaction(session, org):
    row = _record(session, actor_id=org.vendedor.id, banca_id=org.banca.id, target_type="ticket",
                  target_id=uuid.UUID(int=7), details={"amount": Decimal("3500.00"), "day": date(2026, 3, 14),
                                                       "role": Role.VENDEDOR})
    session.flush()
    stored = session.get(ActivityLog, row.id)
    assert stored.details == {"amount": "3500.00", "day": "2026-03-14", "role": "VENDEDOR",
                              "description": "Tiquete vendido"}
    assert stored.target_id == str(uuid.UUID(int=7))
    assert stored.request_id is None and stored.ip is None  # no request, no job
    session.rollback()
    assert session.get(ActivityLog, row.id) is None  # never commits by itself


def test_record_never_stores_secrets_at_any_depth(session):
    row = _record(session, details={"password": "x", "new_password": "y", "token": "t", "csrf_token": "c",
                                    "nested": {"password_hash": "h", "ok": 1, "items": [{"contraseña": "z", "n": 2}]},
                                    "confirm": "y", "username": "ana"})
    assert row.details == {"nested": {"ok": 1, "items": [{"n": 2}]}, "username": "ana",
                           "description": "Tiquete vendido"}


@pytest.mark.parametrize("kw", [{"layer": "nope"}, {"description": ""}, {"description": "   "}])
def test_record_validates_layer_and_description(session, kw):
    with pytest.raises(ValueError):
        _record(session, **kw)


def test_record_inside_a_request_takes_request_id_ip_and_actor(app, session, org):
    from flask import g
    with app.test_request_context("/", headers={"X-Request-ID": "abc"}, environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        g.request_id = "abc"
        g._login_user = org.listero
        row = _record(session)
    assert (row.request_id, row.ip, row.user_id) == ("abc", "10.1.2.3", org.listero.id)


def test_jobs_use_their_job_id_even_inside_a_request(app, session):
    from flask import g
    services.set_job_request_id("job-create_sorteos-123")
    try:
        assert _record(session).request_id == "job-create_sorteos-123"
        with app.test_request_context("/"):
            g.request_id = "req-1"
            assert _record(session).request_id == "job-create_sorteos-123"
    finally:
        services.set_job_request_id(None)
    assert _record(session).request_id is None


def _seed(session, org):
    at = lambda d, hhmm: cr_combine(d, hhmm)  # noqa: E731
    rows = [
        _record(session, action="LOGIN", layer="auth", actor_id=org.admin.id, banca_id=org.banca.id,
                description="Ingreso de la administradora", target_type="user", target_id=org.admin.id),
        _record(session, action="TICKET_CREATE", actor_id=org.vendedor.id, banca_id=org.banca.id,
                description="Tiquete #T260314-00042 vendido (Monto: ₡3 500)", target_type="ticket",
                target_id="T260314-00042"),
        _record(session, action="TICKET_CANCEL", actor_id=org.listero.id, banca_id=org.banca.id,
                description="Tiquete #T260314-00042 anulado", target_type="ticket", target_id="T260314-00042"),
        _record(session, action="JOB_RUN", layer="system", description="Trabajo «open_sorteos» ejecutado"),
        _record(session, action="LOGIN", layer="auth", banca_id=BancaFactory().id, description="Otra banca"),
    ]
    # CR dates: the 14th 00:30 CR is still the 14th (06:30 UTC); the 13th 23:30 CR is the 14th in UTC.
    stamps = [at(date(2026, 3, 14), "00:30"), at(date(2026, 3, 14), "12:00"), at(date(2026, 3, 15), "08:00"),
              at(date(2026, 3, 13), "23:30"), at(date(2026, 3, 14), "12:00")]
    for row, ts in zip(rows, stamps):
        row.created_at = ts
    session.flush()
    return rows


def _descs(rows):
    return [r.details["description"] for r in rows]


def test_list_activity_filters(session, org):
    rows = _seed(session, org)
    f = dict(banca_id=org.banca.id)
    every, total = services.list_activity(session, **f)
    assert total == 4 and "Otra banca" not in _descs(every)  # own banca + platform rows
    assert every[0].id == rows[2].id  # newest first
    assert services.list_activity(session, user_id=org.vendedor.id, **f)[1] == 1
    assert services.list_activity(session, username=org.listero.username.upper(), **f)[1] == 1
    assert services.list_activity(session, action="LOGIN", **f)[1] == 1
    assert services.list_activity(session, layer="system", **f)[1] == 1
    assert services.list_activity(session, target_type="ticket", target_id="T260314-00042", **f)[1] == 2
    day, n = services.list_activity(session, date_from=date(2026, 3, 14), date_to=date(2026, 3, 14), **f)
    assert n == 2 and rows[3].id not in {r.id for r in day}  # 13th 23:30 CR belongs to the 13th
    assert services.list_activity(session, date_from=date(2026, 3, 15), **f)[1] == 1
    assert services.list_activity(session, text="₡3 500", **f)[1] == 1
    assert services.list_activity(session, text="ANULADO", **f)[1] == 1
    assert services.list_activity(session, text="100%_", **f)[1] == 0  # wildcards are literal


def test_list_activity_paginates_at_most_100(session, org):
    for i in range(105):
        _record(session, banca_id=org.banca.id, description=f"fila {i}",
                actor_id=org.vendedor.id).created_at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    session.flush()
    rows, total = services.list_activity(session, user_id=org.vendedor.id, per_page=500)
    assert total == 105 and len(rows) == 100
    rows, _ = services.list_activity(session, user_id=org.vendedor.id, per_page=50, page=3)
    assert len(rows) == 5
    rows, _ = services.list_activity(session, user_id=org.vendedor.id, per_page=0, page=-2)
    assert len(rows) == 1


def test_labels_and_filter_choices(session, org):
    _seed(session, org)
    assert services.action_label("TICKET_CANCEL") == "Tiquete anulado"
    assert services.action_label("ALGO_NUEVO") == "Algo nuevo"
    assert "LOGIN" in services.list_actions(session)
    assert "ticket" in services.list_target_types(session)
