"""app/scope.py: the caller's scope from the role, never widened (DOMAIN §3, §24 case 23)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.errors import NotFound, OutOfScope
from app.org.models import Ventana
from app.scope import Scope, scope_for_user
from app.tz import utcnow

OTHER = uuid.uuid4()


def test_scope_per_role(org):
    admin = scope_for_user(org.admin, org.banca.id)
    assert (admin.role, admin.banca_id, admin.ventana_id, admin.vendedor_id) == (Role.ADMIN, org.banca.id, None, None)
    ventana = scope_for_user(org.listero)
    assert (ventana.banca_id, ventana.ventana_id, ventana.vendedor_id) == (org.banca.id, org.ventana.id, None)
    vend = scope_for_user(org.vendedor)
    assert (vend.banca_id, vend.ventana_id, vend.vendedor_id) == (org.banca.id, org.ventana.id, org.vendedor.id)


def test_admin_scope_uses_the_selected_banca(org):
    assert scope_for_user(org.admin, OTHER).banca_id == OTHER
    assert scope_for_user(org.admin, None).banca_id == org.banca.id


@pytest.mark.parametrize("role_attr", ["listero", "vendedor"])
@pytest.mark.parametrize("change", ["ventana_inactive", "ventana_deleted", "banca_inactive"])
def test_without_an_active_ventana_the_scope_is_refused(org, session, role_attr, change):
    if change == "ventana_inactive":
        org.ventana.is_active = False
    elif change == "ventana_deleted":
        org.ventana.deleted_at = utcnow()
    else:
        org.banca.is_active = False
    with pytest.raises(OutOfScope):
        scope_for_user(getattr(org, role_attr))


def test_a_user_with_no_ventana_is_refused_never_widened(org):
    ghost = User(id=uuid.uuid4(), username="x", name="x", role=Role.VENDEDOR, password_hash="-")
    with pytest.raises(OutOfScope):
        scope_for_user(ghost)


def _scopes(org):
    return (scope_for_user(org.admin, org.banca.id), scope_for_user(org.listero), scope_for_user(org.vendedor))


def test_allows_checks_ownership(org):
    admin, ventana, vend = _scopes(org)
    mine = dict(banca_id=org.banca.id, ventana_id=org.ventana.id, vendedor_id=org.vendedor.id)
    colleague = dict(banca_id=org.banca.id, ventana_id=org.ventana.id, vendedor_id=org.vendedor2.id)
    foreign = dict(banca_id=org.banca.id, ventana_id=org.other_ventana.id, vendedor_id=org.other_vendedor.id)
    other_banca = dict(banca_id=OTHER, ventana_id=org.ventana.id, vendedor_id=org.vendedor.id)
    assert admin.allows(**mine) and admin.allows(**foreign) and not admin.allows(**other_banca)
    assert ventana.allows(**mine) and ventana.allows(**colleague) and not ventana.allows(**foreign)
    assert vend.allows(**mine) and not vend.allows(**colleague) and not vend.allows(**foreign)
    assert not ventana.allows(**other_banca)
    with pytest.raises(OutOfScope):
        vend.check(**colleague)


def test_admin_without_a_banca_is_denied_not_widened(org):
    scope = Scope(user_id=org.admin.id, role=Role.ADMIN, banca_id=None)
    assert not scope.allows(banca_id=org.banca.id)
    with pytest.raises(OutOfScope):
        scope.require_banca()
    with pytest.raises(OutOfScope):
        scope.apply(select(User), User)


def test_check_banca_for_catalogue(org):
    for scope in _scopes(org):
        scope.check_banca(org.banca.id)
        with pytest.raises(OutOfScope):
            scope.check_banca(OTHER)


def test_check_object_on_users_and_ventanas(org):
    admin, ventana, vend = _scopes(org)
    ventana.check_object(org.vendedor2)
    ventana.check_object(org.ventana)
    with pytest.raises(OutOfScope):
        ventana.check_object(org.other_vendedor)
    with pytest.raises(OutOfScope):
        ventana.check_object(org.other_ventana)
    vend.check_object(org.vendedor)
    with pytest.raises(OutOfScope):
        vend.check_object(org.vendedor2)
    admin.check_object(org.other_vendedor)


def test_get_is_404_when_missing_and_403_outside(org, session):
    _, ventana, _ = _scopes(org)
    assert ventana.get(session, User, org.vendedor.id) is org.vendedor
    with pytest.raises(OutOfScope):
        ventana.get(session, User, org.other_vendedor.id)
    with pytest.raises(NotFound):
        ventana.get(session, User, uuid.uuid4())
    assert ventana.get(session, Ventana, org.other_ventana.id, banca_level=True) is org.other_ventana


def test_apply_filters_list_queries(org, session):
    admin, ventana, vend = _scopes(org)
    ids = lambda scope: set(session.scalars(scope.apply(select(User.id), User)).all())  # noqa: E731
    assert {org.vendedor.id, org.other_vendedor.id, org.listero.id} <= ids(admin)
    assert ids(ventana) == {org.listero.id, org.vendedor.id, org.vendedor2.id}
    assert ids(vend) == {org.vendedor.id}
    assert set(session.scalars(ventana.apply(select(Ventana.id), Ventana)).all()) == {org.ventana.id}
    assert set(session.scalars(admin.apply(select(Ventana.id), Ventana)).all()) == {org.ventana.id,
                                                                                    org.other_ventana.id}


def test_apply_refuses_a_model_without_the_role_dimension(org):
    from app.draws.models import Loteria
    _, ventana, _ = _scopes(org)
    with pytest.raises(OutOfScope):
        ventana.apply(select(Loteria), Loteria)
    assert "banca_id" in str(ventana.apply_banca(select(Loteria), Loteria.banca_id))


def test_ventana_filter_ignores_other_ventanas(org):
    admin, ventana, vend = _scopes(org)
    assert ventana.ventana_filter(org.other_ventana.id) == org.ventana.id
    assert vend.ventana_filter(str(org.other_ventana.id)) == org.ventana.id
    assert admin.ventana_filter(str(org.other_ventana.id)) == org.other_ventana.id
    assert admin.ventana_filter(None) is None


def test_vendedor_filter(org, session):
    admin, ventana, vend = _scopes(org)
    assert vend.vendedor_filter(session, org.other_vendedor.id) == org.vendedor.id
    assert ventana.vendedor_filter(session, org.vendedor2.id) == org.vendedor2.id
    assert ventana.vendedor_filter(session, None) is None
    assert admin.vendedor_filter(session, str(org.other_vendedor.id)) == org.other_vendedor.id
    for bad in (org.other_vendedor.id, org.listero.id, uuid.uuid4(), "no-es-uuid"):
        with pytest.raises(OutOfScope):
            ventana.vendedor_filter(session, bad)


def test_routes_refuse_a_ventana_user_whose_ventana_was_deactivated(login, org, session):
    client = login(org.listero)
    org.ventana.is_active = False
    session.commit()
    resp = client.get("/panel")
    assert resp.status_code == 403
    assert "ventana activa" in resp.get_data(as_text=True)
