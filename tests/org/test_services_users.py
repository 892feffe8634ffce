"""User services: validation, scope, identity/session effects, vendor_limit (DOMAIN §3, §4, §20)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.passwords import verify_password
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.org import services
from tests.factories.org import BancaFactory, VentanaFactory, admin, vendedor
from tests.org.conftest import audit_rows, config_version, live_sessions, open_session


def new_user(org, **extra):
    return {"name": "Rosa Quesada", "username": "RosaQ", "email": "", "phone": "", "code": "r01",
            "max_sessions": "", "role": "VENDEDOR", "ventana_id": str(org.ventana.id),
            "password": "clave-segura-1", "confirm": "clave-segura-1", **extra}


def edit(user, **extra):
    return {"name": user.name, "username": user.username, "email": user.email or "", "phone": user.phone or "",
            "code": user.code or "", "max_sessions": "" if user.max_sessions is None else str(user.max_sessions),
            "role": user.role.value, "ventana_id": str(user.ventana_id) if user.ventana_id else "", **extra}


def set_limit(session, banca, limit):
    banca.vendor_limit = limit
    session.flush()


class TestCreate:
    def test_admin_creates_vendedor(self, session, admin_scope, org):
        before = config_version(session, org.banca.id)
        user = services.create_user(session=session, scope=admin_scope, data=new_user(org, max_sessions="3"))
        assert (user.role, user.ventana_id, user.banca_id, user.code, user.max_sessions) == \
            (Role.VENDEDOR, org.ventana.id, org.banca.id, "R01", 3)
        assert user.is_active and verify_password(user.password_hash, "clave-segura-1")
        [row] = audit_rows(session, "USER_CREATE", user.id)
        assert "Vendedor" in row.details["description"] and "clave" not in str(row.details)
        assert config_version(session, org.banca.id) == before + 1

    def test_every_invalid_field_reported(self, session, admin_scope, org):
        with pytest.raises(InvalidInput) as exc:
            services.create_user(session=session, scope=admin_scope, data=new_user(
                org, name="", username="1abc", email="mal", phone="12", code="x", max_sessions="25",
                role="JEFE", password="corta", confirm="otra"))
        assert set(exc.value.errors) == {"name", "username", "email", "phone", "code", "max_sessions",
                                         "role", "password"}
        with pytest.raises(InvalidInput) as exc:
            services.create_user(session=session, scope=admin_scope,
                                 data=new_user(org, confirm="clave-segura-2", ventana_id=""))
        assert set(exc.value.errors) == {"confirm", "ventana_id"}

    def test_username_email_code_unique_case_insensitive(self, session, admin_scope, org):
        org.vendedor.email, org.vendedor.code = "rosa@x.cr", "V99"
        session.flush()
        with pytest.raises(InvalidInput) as exc:
            services.create_user(session=session, scope=admin_scope, data=new_user(
                org, username=org.vendedor.username.upper(), email="ROSA@x.cr", code="v99"))
        assert set(exc.value.errors) == {"username", "email", "code"}

    def test_admin_user_has_no_ventana_nor_session_override(self, session, admin_scope, org):
        user = services.create_user(session=session, scope=admin_scope,
                                    data=new_user(org, role="ADMIN", ventana_id="basura", max_sessions="4"))
        assert user.role == Role.ADMIN and user.ventana_id is None and user.max_sessions is None
        assert user.banca_id == org.banca.id

    def test_listero_creates_only_own_vendedores(self, session, ventana_scope, org):
        user = services.create_user(session=session, scope=ventana_scope,
                                    data=new_user(org, role="ADMIN", ventana_id=str(org.other_ventana.id)))
        assert user.role == Role.VENDEDOR and user.ventana_id == org.ventana.id

    def test_vendedor_cannot_create(self, session, vendedor_scope, org):
        with pytest.raises(OutOfScope):
            services.create_user(session=session, scope=vendedor_scope, data=new_user(org))

    def test_inactive_ventana_refused(self, session, admin_scope, org):
        services.deactivate_ventana(session=session, scope=admin_scope, ventana_id=org.other_ventana.id,
                                    reason="cerrada")
        with pytest.raises(InvalidInput) as exc:
            services.create_user(session=session, scope=admin_scope,
                                 data=new_user(org, ventana_id=str(org.other_ventana.id)))
        assert set(exc.value.errors) == {"ventana_id"}

    def test_vendor_limit_refuses_active_vendedor_but_allows_inactive(self, session, admin_scope, org):
        set_limit(session, org.banca, 3)
        with pytest.raises(Conflict) as exc:
            services.create_user(session=session, scope=admin_scope, data=new_user(org))
        assert exc.value.status == 409 and "máximo 3" in exc.value.message
        user = services.create_user(session=session, scope=admin_scope, data=new_user(org, is_active=False))
        assert not user.is_active
        listero = services.create_user(session=session, scope=admin_scope,
                                       data=new_user(org, username="otro", code="", role="VENTANA"))
        assert listero.role == Role.VENTANA  # only vendedores count


class TestUpdate:
    def test_no_changes(self, session, admin_scope, org):
        saved = services.update_user(session=session, scope=admin_scope, user_id=org.vendedor.id,
                                     data=edit(org.vendedor))
        assert not saved.changed and audit_rows(session, "USER_UPDATE") == []

    def test_plain_edit_keeps_sessions_and_identity(self, session, admin_scope, org):
        open_session(session, org.vendedor)
        version = org.vendedor.identity_version
        saved = services.update_user(session=session, scope=admin_scope, user_id=org.vendedor.id,
                                     data=edit(org.vendedor, name="Carlos Nuevo", phone="8888-0000"))
        assert set(saved.changes) == {"name", "phone"}
        assert org.vendedor.identity_version == version and live_sessions(session, org.vendedor.id) == 1
        [row] = audit_rows(session, "USER_UPDATE")
        assert row.details["after"]["phone"] == "88880000"

    def test_move_vendedor_clears_policy_revokes_sessions_bumps_identity(self, session, admin_scope, org):
        org.vendedor.commission_policy = {"default_percent": "10", "rules": []}
        session.flush()
        open_session(session, org.vendedor)
        version = org.vendedor.identity_version
        saved = services.update_user(session=session, scope=admin_scope, user_id=org.vendedor.id,
                                     data=edit(org.vendedor, ventana_id=str(org.other_ventana.id)))
        assert saved.extra["sessions_revoked"] == 1
        assert org.vendedor.ventana_id == org.other_ventana.id and org.vendedor.commission_policy is None
        assert org.vendedor.identity_version == version + 1 and live_sessions(session, org.vendedor.id) == 0
        [row] = audit_rows(session, "USER_UPDATE")
        assert f"movido de «{org.ventana.name}» a «{org.other_ventana.name}»" in row.details["description"]

    def test_move_to_another_banca_checks_its_vendor_limit(self, session, admin_scope, org):
        other = BancaFactory(vendor_limit=1)
        ventana = VentanaFactory(banca=other)
        vendedor(ventana)
        with pytest.raises(Conflict):
            services.update_user(session=session, scope=admin_scope, user_id=org.vendedor.id,
                                 data=edit(org.vendedor, ventana_id=str(ventana.id)))
        other.vendor_limit = 2
        session.flush()
        old_version, new_version = config_version(session, org.banca.id), config_version(session, other.id)
        services.update_user(session=session, scope=admin_scope, user_id=org.vendedor.id,
                             data=edit(org.vendedor, ventana_id=str(ventana.id)))
        assert org.vendedor.banca_id == other.id and org.vendedor.ventana.banca_id == other.id
        assert config_version(session, org.banca.id) == old_version + 1
        assert config_version(session, other.id) == new_version + 1
        assert audit_rows(session, "USER_UPDATE")[0].banca_id == other.id

    def test_role_change_audited_and_revokes(self, session, admin_scope, org):
        open_session(session, org.vendedor)
        services.update_user(session=session, scope=admin_scope, user_id=org.vendedor.id,
                             data=edit(org.vendedor, role="VENTANA", name="Ya no vende", max_sessions="2"))
        assert org.vendedor.role == Role.VENTANA and org.vendedor.max_sessions is None
        [role_row] = audit_rows(session, "USER_ROLE_CHANGE")
        assert role_row.details["before"]["role"] == "VENDEDOR" and role_row.details["after"]["role"] == "VENTANA"
        [update_row] = audit_rows(session, "USER_UPDATE")
        assert "nombre" in update_row.details["description"]
        assert live_sessions(session, org.vendedor.id) == 0

    def test_becoming_vendedor_respects_vendor_limit(self, session, admin_scope, org):
        set_limit(session, org.banca, 3)
        with pytest.raises(Conflict):
            services.update_user(session=session, scope=admin_scope, user_id=org.listero.id,
                                 data=edit(org.listero, role="VENDEDOR"))

    def test_own_role_and_last_admin_protected(self, session, admin_scope, org):
        with pytest.raises(Conflict, match="propio rol"):
            services.update_user(session=session, scope=admin_scope, user_id=org.admin.id,
                                 data=edit(org.admin, role="VENTANA", ventana_id=str(org.ventana.id)))
        # A job/CLI acting as an inactive ADMIN still cannot leave the platform without one.
        from app.scope import scope_for_user
        ghost = admin(org.banca, is_active=False)
        with pytest.raises(Conflict, match="al menos un administrador"):
            services.update_user(session=session, scope=scope_for_user(ghost, org.banca.id), user_id=org.admin.id,
                                 data=edit(org.admin, role="VENTANA", ventana_id=str(org.ventana.id)))
        assert org.admin.role == Role.ADMIN

    def test_listero_edits_own_vendedor_but_cannot_move_or_promote(self, session, ventana_scope, org):
        saved = services.update_user(session=session, scope=ventana_scope, user_id=org.vendedor.id,
                                     data=edit(org.vendedor, role="ADMIN", ventana_id=str(org.other_ventana.id),
                                               code="c77"))
        assert set(saved.changes) == {"code"}
        assert org.vendedor.role == Role.VENDEDOR and org.vendedor.ventana_id == org.ventana.id

    @pytest.mark.parametrize("target", ["other_vendedor", "other_listero", "admin", "listero", "vendedor2x"])
    def test_listero_refused_outside_own_vendedores(self, session, ventana_scope, org, target):
        if target == "vendedor2x":
            user_id = "00000000-0000-0000-0000-000000000000"
            with pytest.raises(NotFound):
                services.update_user(session=session, scope=ventana_scope, user_id=user_id, data={})
            return
        user = getattr(org, target)
        with pytest.raises(OutOfScope):
            services.update_user(session=session, scope=ventana_scope, user_id=user.id, data=edit(user))
        with pytest.raises(OutOfScope):
            services.deactivate_user(session=session, scope=ventana_scope, user_id=user.id, reason="no debe")
        with pytest.raises(OutOfScope):
            services.reset_password(session=session, scope=ventana_scope, user_id=user.id,
                                    password="clave-nueva-1", confirm="clave-nueva-1")

    def test_vendedor_refused(self, session, vendedor_scope, org):
        with pytest.raises(OutOfScope):
            services.update_user(session=session, scope=vendedor_scope, user_id=org.vendedor.id,
                                 data=edit(org.vendedor))


class TestActiveAndPassword:
    def test_deactivate_revokes_and_restore(self, session, ventana_scope, org):
        open_session(session, org.vendedor)
        version = org.vendedor.identity_version
        services.deactivate_user(session=session, scope=ventana_scope, user_id=org.vendedor.id, reason="Renunció")
        assert not org.vendedor.is_active and org.vendedor.deleted_by == org.listero.id
        assert live_sessions(session, org.vendedor.id) == 0 and org.vendedor.identity_version == version + 1
        [row] = audit_rows(session, "USER_DELETE")
        assert row.details["reason"] == "Renunció"
        services.restore_user(session=session, scope=ventana_scope, user_id=org.vendedor.id)
        assert org.vendedor.is_active and org.vendedor.deleted_reason is None
        assert org.vendedor.identity_version == version + 2
        assert len(audit_rows(session, "USER_RESTORE")) == 1

    def test_restore_beyond_vendor_limit_is_409(self, session, admin_scope, org):
        services.deactivate_user(session=session, scope=admin_scope, user_id=org.vendedor.id, reason="pausa")
        set_limit(session, org.banca, 2)
        with pytest.raises(Conflict) as exc:
            services.restore_user(session=session, scope=admin_scope, user_id=org.vendedor.id)
        assert exc.value.status == 409 and not org.vendedor.is_active

    def test_cannot_deactivate_self_or_last_admin(self, session, admin_scope, org):
        with pytest.raises(Conflict, match="propio usuario"):
            services.deactivate_user(session=session, scope=admin_scope, user_id=org.admin.id, reason="prueba")
        second = admin(org.banca)
        from app.scope import scope_for_user
        services.deactivate_user(session=session, scope=scope_for_user(second, org.banca.id),
                                 user_id=org.admin.id, reason="prueba")
        assert not org.admin.is_active

    def test_reset_password_revokes_sessions(self, session, ventana_scope, org):
        open_session(session, org.vendedor)
        open_session(session, org.vendedor)
        version = org.vendedor.identity_version
        with pytest.raises(InvalidInput) as exc:
            services.reset_password(session=session, scope=ventana_scope, user_id=org.vendedor.id,
                                    password="clave-nueva-1", confirm="otra")
        assert set(exc.value.errors) == {"confirm"}
        revoked = services.reset_password(session=session, scope=ventana_scope, user_id=org.vendedor.id,
                                          password="clave-nueva-1", confirm="clave-nueva-1")
        assert revoked == 2 and live_sessions(session, org.vendedor.id) == 0
        assert verify_password(org.vendedor.password_hash, "clave-nueva-1")
        assert org.vendedor.identity_version == version + 1
        [row] = audit_rows(session, "USER_UPDATE")
        assert row.details["reset"] is True and "clave" not in str(row.details)

    def test_reset_own_password_refused(self, session, admin_scope, org):
        with pytest.raises(Conflict, match="Mi cuenta"):
            services.reset_password(session=session, scope=admin_scope, user_id=org.admin.id,
                                    password="clave-nueva-1", confirm="clave-nueva-1")


class TestBulk:
    def test_bulk_deactivate_and_activate(self, session, ventana_scope, org):
        ids = [str(org.vendedor.id), str(org.vendedor2.id)]
        open_session(session, org.vendedor2)
        assert services.bulk_set_active(session=session, scope=ventana_scope, user_ids=ids, active=False,
                                        reason="Cierre de local") == 2
        assert live_sessions(session, org.vendedor2.id) == 0
        assert len(audit_rows(session, "USER_DELETE")) == 2
        assert services.bulk_set_active(session=session, scope=ventana_scope, user_ids=ids, active=False,
                                        reason="Cierre de local") == 0
        assert services.bulk_set_active(session=session, scope=ventana_scope, user_ids=ids, active=True) == 2

    def test_bulk_is_all_or_nothing_on_scope(self, session, ventana_scope, org):
        with pytest.raises(OutOfScope):
            services.bulk_set_active(session=session, scope=ventana_scope, active=False, reason="motivo",
                                     user_ids=[str(org.vendedor.id), str(org.other_vendedor.id)])
        assert org.vendedor.is_active

    def test_bulk_activation_beyond_limit_409(self, session, admin_scope, org):
        ids = [str(org.vendedor.id), str(org.vendedor2.id)]
        services.bulk_set_active(session=session, scope=admin_scope, user_ids=ids, active=False, reason="pausa")
        set_limit(session, org.banca, 2)
        with pytest.raises(Conflict):
            services.bulk_set_active(session=session, scope=admin_scope, user_ids=ids, active=True)
        assert services.bulk_set_active(session=session, scope=admin_scope, user_ids=ids[:1], active=True) == 1

    def test_bulk_needs_selection_reason_and_valid_ids(self, session, admin_scope, org):
        with pytest.raises(InvalidInput):
            services.bulk_set_active(session=session, scope=admin_scope, user_ids=[], active=True)
        with pytest.raises(InvalidInput):
            services.bulk_set_active(session=session, scope=admin_scope, user_ids=["x"], active=True)
        with pytest.raises(InvalidInput):
            services.bulk_set_active(session=session, scope=admin_scope, user_ids=[str(org.vendedor.id)],
                                     active=False, reason="")
        with pytest.raises(Conflict):
            services.bulk_set_active(session=session, scope=admin_scope, user_ids=[str(org.admin.id)],
                                     active=False, reason="yo mismo")


def test_users_are_found_case_insensitively_by_login(session, admin_scope, org):
    services.create_user(session=session, scope=admin_scope, data=new_user(org))
    from app.auth.services import find_user_by_username
    assert find_user_by_username(session, "rosaq").username == "RosaQ"
    assert session.scalar(select(User).where(User.code == "R01")) is not None
