"""Banca services: validation, uniqueness, vendor_limit, soft delete, settings, audit (DOMAIN §4, §20)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.org import services
from app.org.models import Banca, ConfigVersion
from tests.factories.org import vendedor
from tests.org.conftest import audit_rows, config_version, live_sessions, open_session

DATA = {"name": "Banca Nueva", "code": "nueva", "phone": "2222-3333", "email": "Info@Nueva.cr",
        "address": "San José", "max_sessions_per_vendedor": "2", "vendor_limit": ""}


def test_create_banca_normalises_and_creates_config_version(session, admin_scope):
    banca = services.create_banca(session=session, scope=admin_scope, data=DATA)
    assert (banca.code, banca.phone, banca.email, banca.vendor_limit) == ("NUEVA", "22223333", "info@nueva.cr", None)
    assert banca.is_active and banca.setting("ventana_label") == "Ventana"
    assert session.get(ConfigVersion, banca.id).version == 1
    [row] = audit_rows(session, "BANCA_CREATE", banca.id)
    assert row.layer == "org" and row.user_id == admin_scope.user_id and row.banca_id == banca.id
    assert "Banca Nueva" in row.details["description"]


def test_create_banca_reports_every_invalid_field(session, admin_scope):
    with pytest.raises(InvalidInput) as exc:
        services.create_banca(session=session, scope=admin_scope,
                              data={**DATA, "name": "x", "code": "", "phone": "123", "email": "no",
                                    "max_sessions_per_vendedor": "21", "vendor_limit": "0"})
    assert set(exc.value.errors) == {"name", "code", "phone", "email", "max_sessions_per_vendedor", "vendor_limit"}
    assert session.scalar(select(Banca).where(Banca.name == "x")) is None


def test_name_and_code_unique_case_insensitive(session, admin_scope, org):
    with pytest.raises(InvalidInput) as exc:
        services.create_banca(session=session, scope=admin_scope,
                              data={**DATA, "name": org.banca.name.upper(), "code": org.banca.code.lower()})
    assert set(exc.value.errors) == {"name", "code"}


@pytest.mark.parametrize("scope_name", ["ventana_scope", "vendedor_scope"])
def test_only_admin_manages_bancas(session, request, org, scope_name):
    scope = request.getfixturevalue(scope_name)
    with pytest.raises(OutOfScope):
        services.create_banca(session=session, scope=scope, data=DATA)
    with pytest.raises(OutOfScope):
        services.update_banca(session=session, scope=scope, banca_id=org.banca.id, data=DATA)
    with pytest.raises(OutOfScope):
        services.get_banca(session, scope=scope, banca_id=org.banca.id)


def test_get_banca_bad_id_is_not_found(session, admin_scope):
    with pytest.raises(NotFound):
        services.get_banca(session, scope=admin_scope, banca_id="not-a-uuid")


def _form(banca, **changes):
    return {"name": banca.name, "code": banca.code, "phone": banca.phone or "", "email": banca.email or "",
            "address": banca.address or "", "max_sessions_per_vendedor": str(banca.max_sessions_per_vendedor),
            "vendor_limit": "" if banca.vendor_limit is None else str(banca.vendor_limit), **changes}


def test_update_without_changes_writes_nothing(session, admin_scope, org):
    before = config_version(session, org.banca.id)
    saved = services.update_banca(session=session, scope=admin_scope, banca_id=org.banca.id, data=_form(org.banca))
    assert not saved.changed
    assert audit_rows(session, "BANCA_UPDATE") == []
    assert config_version(session, org.banca.id) == before


def test_update_audits_before_after_and_bumps_config(session, admin_scope, org):
    before = config_version(session, org.banca.id)
    saved = services.update_banca(session=session, scope=admin_scope, banca_id=org.banca.id,
                                  data=_form(org.banca, phone="8888-1111", max_sessions_per_vendedor="3"))
    assert set(saved.changes) == {"phone", "max_sessions_per_vendedor"}
    [row] = audit_rows(session, "BANCA_UPDATE")
    assert row.details["before"]["phone"] is None and row.details["after"]["phone"] == "88881111"
    assert "teléfono" in row.details["description"]
    assert config_version(session, org.banca.id) == before + 1


def test_setting_or_lowering_vendor_limit_logs_out_every_vendedor(session, admin_scope, org):
    for user in (org.vendedor, org.vendedor2, org.other_vendedor, org.listero):
        open_session(session, user)
    saved = services.update_banca(session=session, scope=admin_scope, banca_id=org.banca.id,
                                  data=_form(org.banca, vendor_limit="5"))
    assert saved.extra["sessions_revoked"] == 3
    assert live_sessions(session, org.vendedor.id) == 0 and live_sessions(session, org.other_vendedor.id) == 0
    assert live_sessions(session, org.listero.id) == 1          # only vendedores are limited
    open_session(session, org.vendedor)
    services.update_banca(session=session, scope=admin_scope, banca_id=org.banca.id,
                          data=_form(org.banca, vendor_limit="6"))   # raising it logs nobody out
    assert live_sessions(session, org.vendedor.id) == 1


def test_vendor_limit_below_active_vendedores_is_refused(session, admin_scope, org):
    with pytest.raises(Conflict) as exc:
        services.update_banca(session=session, scope=admin_scope, banca_id=org.banca.id,
                              data=_form(org.banca, vendor_limit="2"))
    assert exc.value.field == "vendor_limit" and "3 vendedores activos" in exc.value.message


def test_deactivate_needs_reason_and_revokes_banca_sessions(session, admin_scope, org):
    open_session(session, org.vendedor)
    open_session(session, org.other_listero)
    with pytest.raises(InvalidInput):
        services.deactivate_banca(session=session, scope=admin_scope, banca_id=org.banca.id, reason="x")
    banca = services.deactivate_banca(session=session, scope=admin_scope, banca_id=org.banca.id,
                                      reason="Cierre temporal")
    assert not banca.is_active and banca.deleted_reason == "Cierre temporal" and banca.deleted_by == org.admin.id
    assert live_sessions(session, org.vendedor.id) == 0 and live_sessions(session, org.other_listero.id) == 0
    [row] = audit_rows(session, "BANCA_DELETE")
    assert row.details["reason"] == "Cierre temporal"
    with pytest.raises(Conflict):
        services.deactivate_banca(session=session, scope=admin_scope, banca_id=org.banca.id, reason="otra vez")
    services.restore_banca(session=session, scope=admin_scope, banca_id=org.banca.id)
    assert org.banca.is_active and org.banca.deleted_at is None
    assert len(audit_rows(session, "BANCA_RESTORE")) == 1
    with pytest.raises(Conflict):
        services.restore_banca(session=session, scope=admin_scope, banca_id=org.banca.id)


SETTINGS = {"ventana_label": "Listero", "vendedor_can_pay": False, "reprint_enabled": True,
            "default_paper_width_mm": "58", "receipt_header": "LA SUERTE", "receipt_footer": "Gracias",
            "idle_timeout_minutes": "30"}


def test_update_settings_logs_each_change(session, admin_scope, org):
    before = config_version(session, org.banca.id)
    saved = services.update_banca_settings(session=session, scope=admin_scope, banca_id=org.banca.id,
                                           data=SETTINGS)
    assert set(saved.changes) == {"ventana_label", "vendedor_can_pay", "default_paper_width_mm",
                                  "receipt_header", "receipt_footer", "idle_timeout_minutes"}
    assert org.banca.setting("ventana_label") == "Listero" and org.banca.setting("idle_timeout_minutes") == 30
    [row] = audit_rows(session, "BANCA_UPDATE")
    assert row.details["before"]["vendedor_can_pay"] is True and row.details["after"]["vendedor_can_pay"] is False
    assert "Configuración" in row.details["description"]
    assert config_version(session, org.banca.id) == before + 1
    again = services.update_banca_settings(session=session, scope=admin_scope, banca_id=org.banca.id,
                                           data=SETTINGS)
    assert not again.changed and len(audit_rows(session, "BANCA_UPDATE")) == 1


def test_settings_validation(session, admin_scope, org):
    with pytest.raises(InvalidInput) as exc:
        services.update_banca_settings(session=session, scope=admin_scope, banca_id=org.banca.id,
                                       data={**SETTINGS, "ventana_label": "Agencia", "default_paper_width_mm": "70",
                                             "receipt_header": "x" * 101, "receipt_footer": "y" * 201,
                                             "idle_timeout_minutes": "4"})
    assert set(exc.value.errors) == {"ventana_label", "default_paper_width_mm", "receipt_header",
                                     "receipt_footer", "idle_timeout_minutes"}


def test_vendedores_beyond_limit_counted_per_banca(session, admin_scope, org):
    services.update_banca(session=session, scope=admin_scope, banca_id=org.banca.id,
                          data=_form(org.banca, vendor_limit="4"))
    vendedor(org.ventana)  # the 4th active vendedor fits
    from app.org.queries import count_active_vendedores
    assert count_active_vendedores(session, org.banca.id) == 4
