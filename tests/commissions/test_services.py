"""Commission services against the database: permissions, audit, ConfigVersion, sale snapshots, seed."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import ActivityLog
from app.commissions import calc, services
from app.commissions.calc import NUMERO, REVENTADO, Line
from app.commissions.seed import seed_demo
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.org.config_version import get_config_version
from tests.commissions.helpers import make_loteria, policy, rule, scope_of

NOW = datetime(2026, 3, 7, 18, 40, tzinfo=timezone.utc)


def save(session, user, level, entity, doc, banca=None):
    return services.save_policy(session=session, scope=scope_of(user, banca), level=level,
                                entity_id=entity.id, policy=doc)


def audits(session, target_id):
    return session.scalars(select(ActivityLog).where(ActivityLog.action == "COMMISSION_POLICY_UPDATE",
                                                     ActivityLog.target_id == str(target_id))).all()


class TestReadPermissions:
    def test_admin_reads_and_edits_every_level(self, session, org):
        scope = scope_of(org.admin, org.banca)
        for level, entity in (("banca", org.banca), ("ventana", org.ventana), ("usuario", org.vendedor)):
            target = services.get_policy(session=session, scope=scope, level=level, entity_id=entity.id)
            assert target.can_edit and target.entity is entity

    def test_ventana_reads_own_ventana_but_cannot_edit(self, session, org):
        target = services.get_policy(session=session, scope=scope_of(org.listero), level="ventana",
                                     entity_id=org.ventana.id)
        assert not target.can_edit

    def test_ventana_edits_own_vendedores(self, session, org):
        target = services.get_policy(session=session, scope=scope_of(org.listero), level="usuario",
                                     entity_id=org.vendedor.id)
        assert target.can_edit and target.can_see_listero

    @pytest.mark.parametrize("level,attr", [("banca", "banca"), ("ventana", "other_ventana"),
                                            ("usuario", "other_vendedor"), ("usuario", "listero")])
    def test_ventana_refused_outside_its_vendedores(self, session, org, level, attr):
        with pytest.raises(OutOfScope):
            services.get_policy(session=session, scope=scope_of(org.listero), level=level,
                                entity_id=getattr(org, attr).id)

    def test_vendedor_reads_only_his_own(self, session, org):
        target = services.get_policy(session=session, scope=scope_of(org.vendedor), level="usuario",
                                     entity_id=org.vendedor.id)
        assert not target.can_edit and not target.can_see_listero
        for level, entity in (("usuario", org.vendedor2), ("ventana", org.ventana), ("banca", org.banca)):
            with pytest.raises(OutOfScope):
                services.get_policy(session=session, scope=scope_of(org.vendedor), level=level, entity_id=entity.id)

    def test_not_found_and_not_a_vendedor(self, session, org):
        scope = scope_of(org.admin, org.banca)
        with pytest.raises(NotFound):
            services.get_policy(session=session, scope=scope, level="ventana", entity_id=uuid.uuid4())
        with pytest.raises(NotFound):
            services.get_policy(session=session, scope=scope, level="otra", entity_id=org.banca.id)
        with pytest.raises(Conflict):
            services.get_policy(session=session, scope=scope, level="usuario", entity_id=org.listero.id)


class TestSave:
    def test_admin_saves_banca_policy_audited_and_bumped(self, session, org):
        lot = make_loteria(session, org.banca)
        version = get_config_version(session, org.banca.id)
        result = save(session, org.admin, "banca", org.banca,
                      policy("7.50", [rule(10, str(lot.id), "NUMERO", "90")]), org.banca)
        assert result.changed
        stored = org.banca.commission_policy
        assert stored["default_percent"] == 7.5 and stored["rules"][0]["id"]
        assert stored["rules"][0]["multiplier_value"] == 90
        assert get_config_version(session, org.banca.id) == version + 1
        (row,) = audits(session, org.banca.id)
        assert row.details["before"] is None and row.details["after"] == stored
        assert row.layer == "commissions" and row.user_id == org.admin.id and row.banca_id == org.banca.id
        assert "7,5 %" in row.details["description"]

    def test_unchanged_policy_is_a_no_op(self, session, org):
        save(session, org.admin, "ventana", org.ventana, policy(12, [rule(15, bet_type=REVENTADO, id="a")]), org.banca)
        version = get_config_version(session, org.banca.id)
        again = save(session, org.admin, "ventana", org.ventana,
                     policy("12.00", [rule("15", bet_type="reventado", id="a")]), org.banca)
        assert not again.changed
        assert get_config_version(session, org.banca.id) == version
        assert len(audits(session, org.ventana.id)) == 1

    def test_update_records_before_and_after(self, session, org):
        save(session, org.admin, "usuario", org.vendedor, policy(5), org.banca)
        save(session, org.admin, "usuario", org.vendedor, policy(6), org.banca)
        rows = sorted(audits(session, org.vendedor.id), key=lambda r: r.details["after"]["default_percent"])
        assert rows[1].details["before"]["default_percent"] == 5
        assert rows[1].details["after"]["default_percent"] == 6

    def test_audit_description_reads_as_spanish_for_each_level(self, session, org):
        """"de el vendedor" was shown in the Bitácora; Spanish contracts it to "del"."""
        for level, entity in (("usuario", org.vendedor), ("ventana", org.ventana), ("banca", org.banca)):
            save(session, org.admin, level, entity, policy(5), org.banca)
        texts = {r.details["description"] for e in (org.vendedor, org.ventana, org.banca) for r in audits(session, e.id)}
        assert any(t.startswith(f"Política de comisión del vendedor «{org.vendedor.name}» actualizada") for t in texts)
        assert any(t.startswith(f"Política de comisión de la ventana «{org.ventana.name}»") for t in texts)
        assert any(t.startswith(f"Política de comisión de la banca «{org.banca.name}»") for t in texts)
        assert not any(" de el " in t for t in texts)

    def test_remove_policy(self, session, org):
        save(session, org.admin, "usuario", org.vendedor, policy(5), org.banca)
        result = save(session, org.admin, "usuario", org.vendedor, None, org.banca)
        assert result.changed and org.vendedor.commission_policy is None
        assert any(r.details["after"] is None and "eliminada" in r.details["description"]
                   for r in audits(session, org.vendedor.id))

    def test_ventana_saves_own_vendedor(self, session, org):
        result = save(session, org.listero, "usuario", org.vendedor, policy(4))
        assert result.changed
        (row,) = audits(session, org.vendedor.id)
        assert row.user_id == org.listero.id

    @pytest.mark.parametrize("who,level,attr", [("listero", "ventana", "ventana"), ("listero", "usuario", "other_vendedor"),
                                                ("vendedor", "usuario", "vendedor"), ("listero", "banca", "banca")])
    def test_refused(self, session, org, who, level, attr):
        with pytest.raises(OutOfScope) as exc:
            save(session, getattr(org, who), level, getattr(org, attr), policy(50))
        assert exc.value.status == 403
        assert getattr(org, attr).commission_policy is None

    def test_invalid_document_422_with_field_paths(self, session, org):
        with pytest.raises(InvalidInput) as exc:
            save(session, org.admin, "banca", org.banca, policy(101, [rule(5), rule(5)]), org.banca)
        assert exc.value.status == 422
        assert set(exc.value.errors) == {"default_percent", "rules.1"}
        assert org.banca.commission_policy is None

    def test_loteria_of_another_banca_refused(self, session, org):
        from tests.factories.org import BancaFactory
        foreign = make_loteria(session, BancaFactory(), name="NICA")
        with pytest.raises(InvalidInput) as exc:
            save(session, org.admin, "banca", org.banca, policy(5, [rule(5, str(foreign.id))]), org.banca)
        assert exc.value.errors == {"rules.0.loteria_id": ["Esa lotería no pertenece a esta banca."]}


class TestSaleSnapshot:
    def test_example_d_from_stored_policies(self, session, org):
        tica = make_loteria(session, org.banca)
        save(session, org.admin, "ventana", org.ventana, policy(12, [rule(15, bet_type=REVENTADO)]), org.banca)
        save(session, org.admin, "usuario", org.vendedor,
             policy(5, [rule(10, str(tica.id), NUMERO, 90), rule(8, bet_type=REVENTADO)]), org.banca)
        chain = services.sale_policies(session=session, vendedor_id=org.vendedor.id)
        assert chain == services.policies_for_vendedor(org.vendedor)
        lines = [Line(tica.id, NUMERO, Decimal("90.00"), Decimal(1000)), Line(tica.id, REVENTADO, None, Decimal(500)),
                 Line(tica.id, NUMERO, Decimal("90.00"), Decimal(2000))]
        snap = services.snapshot_for_sale(lines=lines, at=NOW, vendedor_policy=chain.vendedor,
                                          ventana_policy=chain.ventana, banca_policy=chain.banca)
        assert (snap.total_commission, snap.total_listero_commission) == (Decimal("340.00"), Decimal("435.00"))
        assert [l.percent for l in snap.lines] == [10, 8, 10]

    def test_inherits_when_vendedor_has_none(self, session, org):
        save(session, org.admin, "banca", org.banca, policy(3), org.banca)
        chain = services.sale_policies(session=session, vendedor_id=org.vendedor.id)
        snap = services.snapshot_for_sale(lines=[Line(None, NUMERO, 90, 1000)], at=NOW, vendedor_policy=chain.vendedor,
                                          ventana_policy=chain.ventana, banca_policy=chain.banca)
        assert snap.vendedor_level == snap.listero_level == "banca"
        assert snap.total_commission == Decimal("30.00")

    def test_cache_key_reuses_compiled_policies(self, session, org):
        key = ("test-cache", uuid.uuid4(), 1)
        first = services.snapshot_for_sale(lines=[Line(None, NUMERO, 90, 100)], at=NOW,
                                           banca_policy=policy(10), cache_key=key)
        same_key = services.snapshot_for_sale(lines=[Line(None, NUMERO, 90, 100)], at=NOW,
                                              banca_policy=policy(20), cache_key=key)
        new_key = services.snapshot_for_sale(lines=[Line(None, NUMERO, 90, 100)], at=NOW,
                                             banca_policy=policy(20), cache_key=key[:2] + (2,))
        assert first.total_commission == same_key.total_commission == Decimal("10.00")
        assert new_key.total_commission == Decimal("20.00")

    def test_unknown_vendedor(self, session, org):
        with pytest.raises(NotFound):
            services.sale_policies(session=session, vendedor_id=uuid.uuid4())


class TestProbe:
    def test_probe_uses_draft_and_names_level(self, session, org):
        save(session, org.admin, "ventana", org.ventana, policy(12, [rule(15, bet_type=REVENTADO, id="v")]), org.banca)
        target = services.get_policy(session=session, scope=scope_of(org.admin, org.banca), level="usuario",
                                     entity_id=org.vendedor.id)
        out = services.probe_commission(target=target, amount=Decimal(500), loteria_id=None, bet_type=REVENTADO,
                                        multiplier_value=None, at=NOW, draft=calc.validate_policy(policy(5)))
        assert out.explanation.vendedor == (Decimal(5), Decimal("25.00"), None, "vendedor")
        assert out.explanation.listero.rule.id == "v" and out.explanation.listero.amount == Decimal("75.00")
        stored = services.probe_commission(target=target, amount=Decimal(500), loteria_id=None, bet_type=REVENTADO,
                                           multiplier_value=None, at=NOW)
        assert stored.explanation.vendedor.level == "ventana"


class TestOverviewAndSeed:
    def test_list_policies_per_role(self, session, org):
        admin_view = services.list_policies(session=session, scope=scope_of(org.admin, org.banca))
        assert admin_view.banca is org.banca and {v.id for v in admin_view.ventanas} == {org.ventana.id, org.other_ventana.id}
        assert {u.id for u in admin_view.vendedores} == {org.vendedor.id, org.vendedor2.id, org.other_vendedor.id}
        ventana_view = services.list_policies(session=session, scope=scope_of(org.listero))
        assert ventana_view.banca is None and [v.id for v in ventana_view.ventanas] == [org.ventana.id]
        assert {u.id for u in ventana_view.vendedores} == {org.vendedor.id, org.vendedor2.id}
        with pytest.raises(OutOfScope):
            services.list_policies(session=session, scope=scope_of(org.vendedor))

    def test_seed_is_idempotent_and_valid(self, session, org):
        make_loteria(session, org.banca, "TICA")
        make_loteria(session, org.banca, "MONAZOS", digits=3, multipliers=(500,))
        first = seed_demo(session, org.banca)
        assert first == {"banca": 1, "ventanas": 2, "vendedores": 3}
        version = get_config_version(session, org.banca.id)
        count = session.scalar(select(func.count()).select_from(ActivityLog)
                               .where(ActivityLog.action == "COMMISSION_POLICY_UPDATE"))
        assert seed_demo(session, org.banca) == {"banca": 0, "ventanas": 0, "vendedores": 0}
        assert get_config_version(session, org.banca.id) == version
        assert session.scalar(select(func.count()).select_from(ActivityLog)
                              .where(ActivityLog.action == "COMMISSION_POLICY_UPDATE")) == count
        for entity in (org.banca, org.ventana, org.other_ventana):
            assert calc.status(entity.commission_policy, calc_now()) == "vigente"
        assert len(org.ventana.commission_policy["rules"]) == 2  # reventado + MONAZOS
        seeded = [u for u in (org.vendedor, org.vendedor2, org.other_vendedor) if u.commission_policy]
        assert len(seeded) == 3


def calc_now():
    from app.tz import utcnow
    return utcnow()


def test_clear_vendedor_policy_on_move(session, org):
    save(session, org.admin, "vendedor", org.vendedor, policy(5), org.banca)
    assert services.clear_vendedor_policy(session=session, user=org.vendedor, actor_id=org.admin.id)
    assert org.vendedor.commission_policy is None
    assert not services.clear_vendedor_policy(session=session, user=org.vendedor, actor_id=org.admin.id)
    assert any("cambio de ventana" in r.details["description"] for r in audits(session, org.vendedor.id))
