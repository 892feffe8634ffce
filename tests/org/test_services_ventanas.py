"""Ventana services: ADMIN CRUD, optional listero user, VENTANA self-edit, soft delete (DOMAIN §2–4)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.auth.passwords import verify_password
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.org import services
from app.org.models import Ventana
from tests.org.conftest import audit_rows, config_version, live_sessions, open_session


def data(org, **extra):
    return {"banca_id": str(org.banca.id), "name": "Ventana Sur", "code": "sur", "phone": "8888-1234",
            "email": "", "address": "", "print_name": "", "print_phone": "", "paper_width_mm": "",
            "print_footer": "", "print_barcode": True, "auto_print": False, **extra}


def test_create_ventana_with_listero_in_one_go(session, admin_scope, org):
    before = config_version(session, org.banca.id)
    ventana = services.create_ventana(session=session, scope=admin_scope, data=data(org),
                                      listero={"username": "ListeroSur", "name": "Marta Solano",
                                               "password": "clave-listero-1"})
    assert (ventana.code, ventana.phone, ventana.banca_id) == ("SUR", "88881234", org.banca.id)
    user = session.scalar(select(User).where(User.username == "ListeroSur"))
    assert user.role == Role.VENTANA and user.ventana_id == ventana.id and user.banca_id == org.banca.id
    assert verify_password(user.password_hash, "clave-listero-1")
    assert len(audit_rows(session, "VENTANA_CREATE", ventana.id)) == 1
    [row] = audit_rows(session, "USER_CREATE", user.id)
    assert "password" not in str(row.details)
    assert config_version(session, org.banca.id) == before + 1


def test_create_without_listero_section(session, admin_scope, org):
    services.create_ventana(session=session, scope=admin_scope, data=data(org),
                            listero={"username": "", "name": " ", "password": ""})
    assert audit_rows(session, "USER_CREATE") == []


def test_partial_listero_section_and_bad_fields_reported_together(session, admin_scope, org):
    with pytest.raises(InvalidInput) as exc:
        services.create_ventana(session=session, scope=admin_scope, data=data(org, code="x", name=""),
                                listero={"username": org.vendedor.username.upper(), "name": "", "password": "corta"})
    assert set(exc.value.errors) == {"code", "name", "listero_name", "listero_password"}
    with pytest.raises(InvalidInput) as exc:
        services.create_ventana(session=session, scope=admin_scope, data=data(org),
                                listero={"username": org.vendedor.username.upper(), "name": "Marta",
                                         "password": "clave-listero-1"})
    assert set(exc.value.errors) == {"listero_username"}
    assert session.scalar(select(func.count(Ventana.id)).where(Ventana.code == "SUR")) == 0


def test_code_unique_and_banca_must_be_active(session, admin_scope, org):
    with pytest.raises(InvalidInput) as exc:
        services.create_ventana(session=session, scope=admin_scope, data=data(org, code=org.ventana.code.lower()))
    assert set(exc.value.errors) == {"code"}
    with pytest.raises(InvalidInput) as exc:
        services.create_ventana(session=session, scope=admin_scope, data=data(org, banca_id="nada"))
    assert set(exc.value.errors) == {"banca_id"}
    services.deactivate_banca(session=session, scope=admin_scope, banca_id=org.banca.id, reason="cerrada")
    with pytest.raises(InvalidInput) as exc:
        services.create_ventana(session=session, scope=admin_scope, data=data(org))
    assert exc.value.errors["banca_id"] == ["Elija una banca activa."]


def test_listero_and_vendedor_cannot_create(session, ventana_scope, vendedor_scope, org):
    for scope in (ventana_scope, vendedor_scope):
        with pytest.raises(OutOfScope):
            services.create_ventana(session=session, scope=scope, data=data(org))


def test_admin_update_all_fields_with_audit(session, admin_scope, org):
    saved = services.update_ventana(session=session, scope=admin_scope, ventana_id=org.ventana.id,
                                    data=data(org, name="Centro Renovado", code=org.ventana.code, phone="",
                                              paper_width_mm="58", auto_print=True))
    assert set(saved.changes) == {"name", "paper_width_mm", "auto_print"}
    assert org.ventana.banca_id == org.banca.id
    [row] = audit_rows(session, "VENTANA_UPDATE")
    assert row.details["after"]["paper_width_mm"] == 58


def test_listero_edits_only_contact_and_print_of_own_ventana(session, ventana_scope, org):
    saved = services.update_ventana(session=session, scope=ventana_scope, ventana_id=org.ventana.id,
                                    data={"phone": "2222-0000", "email": "centro@x.cr", "print_footer": "Suerte"})
    assert set(saved.changes) == {"phone", "email", "print_footer"}
    with pytest.raises(OutOfScope):
        services.update_ventana(session=session, scope=ventana_scope, ventana_id=org.ventana.id,
                                data={"name": "Otro nombre"})
    with pytest.raises(OutOfScope):
        services.update_ventana(session=session, scope=ventana_scope, ventana_id=org.other_ventana.id,
                                data={"phone": "2222-0000"})
    assert org.other_ventana.phone is None


def test_vendedor_cannot_touch_ventanas(session, vendedor_scope, org):
    with pytest.raises(OutOfScope):
        services.update_ventana(session=session, scope=vendedor_scope, ventana_id=org.ventana.id,
                                data={"phone": "2222-0000"})
    with pytest.raises(NotFound):
        services.get_ventana(session, scope=vendedor_scope, ventana_id="00000000-0000-0000-0000-000000000000")


def test_deactivate_ventana_revokes_its_users_sessions_and_restore(session, admin_scope, org):
    open_session(session, org.listero)
    open_session(session, org.vendedor)
    open_session(session, org.other_vendedor)
    ventana = services.deactivate_ventana(session=session, scope=admin_scope, ventana_id=org.ventana.id,
                                          reason="Local cerrado")
    assert not ventana.is_active and ventana.deleted_reason == "Local cerrado"
    assert live_sessions(session, org.listero.id) == 0 and live_sessions(session, org.vendedor.id) == 0
    assert live_sessions(session, org.other_vendedor.id) == 1
    assert len(audit_rows(session, "VENTANA_DELETE")) == 1
    services.deactivate_banca(session=session, scope=admin_scope, banca_id=org.banca.id, reason="cerrada")
    with pytest.raises(Conflict, match="banca"):
        services.restore_ventana(session=session, scope=admin_scope, ventana_id=org.ventana.id)
    services.restore_banca(session=session, scope=admin_scope, banca_id=org.banca.id)
    services.restore_ventana(session=session, scope=admin_scope, ventana_id=org.ventana.id)
    assert org.ventana.is_active and org.ventana.deleted_reason is None
    assert len(audit_rows(session, "VENTANA_RESTORE")) == 1
