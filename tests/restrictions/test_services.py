"""Restriction services against the database: CRUD, batch, audit, cache, sale-side API."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import ActivityLog
from app.auth.models import Role
from app.errors import Conflict, InvalidInput, NotFound, OutOfScope
from app.org.config_version import bump_config_version, get_config_version
from app.restrictions import services
from app.restrictions.domain import CutoffSource, Kind, Line
from app.restrictions.models import RestrictionRule
from app.sales.models import ExposureAccumulator
from app.scope import Scope
from tests.factories.draws import draw_setup
from tests.factories.org import BancaFactory, VentanaFactory, vendedor

UTC = timezone.utc
NOW = datetime(2026, 3, 7, 18, 40, tzinfo=UTC)  # 12:40 CR on the 7th
D = Decimal


def admin_scope(org):
    return Scope(user_id=org.admin.id, role=Role.ADMIN, banca_id=org.banca.id)


def create(session, org, fields, numbers=None, kind=None, now=NOW):
    return services.create_rules(session, scope=admin_scope(org), actor_id=org.admin.id, fields=fields,
                                 numbers_text=numbers, expected_kind=kind, now=now)


def count_rules(session, banca_id):
    return session.scalar(select(func.count()).select_from(RestrictionRule)
                          .where(RestrictionRule.banca_id == banca_id))


def audits(session, action):
    return session.scalars(select(ActivityLog).where(ActivityLog.action == action)
                           .order_by(ActivityLog.created_at)).all()


class TestCreate:
    def test_single_rule_audited_and_version_bumped(self, session, org):
        before = get_config_version(session, org.banca.id)
        d = draw_setup(org.banca, name="TICA")
        bumped = get_config_version(session, org.banca.id)
        [rule] = create(session, org, {"max_total": D(5000), "loteria_id": d.loteria.id}, "13")
        assert rule.number == "13" and rule.is_active and rule.created_by == org.admin.id
        assert get_config_version(session, org.banca.id) == bumped + 1 > before
        [log] = [a for a in audits(session, "RESTRICTION_RULE_CREATE") if a.target_id == str(rule.id)]
        assert log.layer == "restrictions" and log.user_id == org.admin.id
        assert log.details["description"] == (
            "Restricción creada: Máx. ₡5 000 acumulado al 13 en TICA, todas las ventanas")
        assert log.details["after"]["max_total"] == "5000.00" or log.details["after"]["max_total"] == "5000"

    def test_batch_all_share_fields(self, session, org):
        created = create(session, org, {"ventana_id": org.ventana.id, "max_amount": D(1000),
                                        "sales_cutoff_minutes": 10}, "10-19, 25, 3*")
        assert [r.number for r in created] == [*(f"{n}" for n in range(10, 20)), "25",
                                              *(f"3{d}" for d in range(10))]
        assert {(r.max_amount, r.sales_cutoff_minutes, r.ventana_id) for r in created} == {
            (D(1000), 10, org.ventana.id)}
        assert len([a for a in audits(session, "RESTRICTION_RULE_CREATE") if "lote de 21" in
                    a.details["description"]]) == 21

    @pytest.mark.parametrize("numbers, fields, message", [
        ("12, 123", {"max_total": D(1)}, "Número «123»: use exactamente 2 cifras (00–99)"),
        ("12, 25, 25", {"max_total": D(1)}, "Número 25 repetido"),
        ("00-99, 100", {"max_total": D(1)}, "«100»"),
        ("00-99, 5*", {"max_total": D(1)}, "Número 50 repetido"),
        ("10, 11", {"max_total": D(-5)}, "«-5»"),
        ("1a, 11", {"max_total": D(1)}, "«1a» no es un número válido"),
        ("10, 11", {"max_total": D(1), "applies_to_hour": 24}, "Hora: «24» debe estar entre 0 y 23"),
        ("10, 11", {"max_total": D(1), "applies_to_date": date(2026, 3, 6)}, "«06/03/2026» ya pasó"),
    ])
    def test_bad_batch_nothing_saved(self, session, org, numbers, fields, message):
        before = count_rules(session, org.banca.id)
        with pytest.raises(InvalidInput) as exc:
            create(session, org, fields, numbers)
        assert exc.value.status == 422 and message in exc.value.message
        assert count_rules(session, org.banca.id) == before

    def test_duplicate_active_rule_409_inactive_allowed(self, session, org):
        [first] = create(session, org, {"max_total": D(10)}, "13")
        with pytest.raises(Conflict, match="13"):
            create(session, org, {"max_total": D(99)}, "12-14")
        assert count_rules(session, org.banca.id) == 1
        services.delete_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=first.id,
                             reason="cambio", now=NOW)
        assert len(create(session, org, {"max_total": D(99)}, "12-14")) == 3

    def test_same_number_other_scope_or_hour_is_not_a_duplicate(self, session, org):
        create(session, org, {"max_total": D(10)}, "13")
        create(session, org, {"max_total": D(10), "ventana_id": org.ventana.id}, "13")
        create(session, org, {"max_total": D(10), "applies_to_hour": 12}, "13")
        create(session, org, {"max_amount": D(10)}, None)
        with pytest.raises(Conflict, match="todos los números"):
            create(session, org, {"max_amount": D(20)}, None)

    def test_fields_of_another_kind(self, session, org):
        with pytest.raises(InvalidInput, match="no corresponde"):
            create(session, org, {"sales_cutoff_minutes": 5, "max_amount": D(3)}, kind=Kind.CUTOFF)
        with pytest.raises(InvalidInput, match="no corresponde"):
            create(session, org, {"max_ticket_total": D(5)}, "13")

    def test_only_admin_writes(self, session, org):
        for user in (org.listero, org.vendedor):
            scope = Scope(user_id=user.id, role=Role(user.role), banca_id=org.banca.id,
                          ventana_id=org.ventana.id, vendedor_id=user.id if user.role == Role.VENDEDOR else None)
            with pytest.raises(OutOfScope):
                services.create_rules(session, scope=scope, actor_id=user.id, fields={"max_total": D(1)},
                                      numbers_text="13", now=NOW)

    def test_targets_must_belong_to_the_banca(self, session, org):
        other = BancaFactory()
        other_ventana = VentanaFactory(banca=other)
        other_draw = draw_setup(other)
        mine = draw_setup(org.banca)
        cases = [
            ({"ventana_id": other_ventana.id, "max_total": D(1)}, "ventana_id"),
            ({"user_id": vendedor(other_ventana).id, "max_total": D(1)}, "user_id"),
            ({"loteria_id": other_draw.loteria.id, "max_total": D(1)}, "loteria_id"),
            ({"sorteo_id": other_draw.sorteo.id, "max_total": D(1)}, "sorteo_id"),
            ({"loteria_id": mine.loteria.id, "multiplier_id": other_draw.m85.id}, "multiplier_id"),
            ({"user_id": org.listero.id, "max_total": D(1)}, "user_id"),
        ]
        for fields, field in cases:
            with pytest.raises(InvalidInput) as exc:
                create(session, org, fields, "13")
            assert field in exc.value.errors, fields

    def test_three_digit_numbers_one_at_a_time(self, session, org):
        d3 = draw_setup(org.banca, digits=3)
        [rule] = create(session, org, {"loteria_id": d3.loteria.id, "max_total": D(5)}, "7")
        assert rule.number == "007"
        with pytest.raises(InvalidInput, match="de uno en uno"):
            create(session, org, {"loteria_id": d3.loteria.id, "max_total": D(5)}, "100, 101")
        d2 = draw_setup(org.banca)
        with pytest.raises(InvalidInput, match="2 cifras"):
            create(session, org, {"loteria_id": d2.loteria.id, "max_total": D(5)}, "123")


class TestUpdateDeleteRestore:
    def test_update_with_reason_audits_before_after(self, session, org):
        [rule] = create(session, org, {"max_total": D(1000), "max_amount": D(100)}, "13")
        version = get_config_version(session, org.banca.id)
        result = services.update_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=rule.id,
                                      changes={"max_total": D(2000), "max_amount": D(100)}, reason="temporada",
                                      now=NOW)
        assert result.changed and rule.max_total == 2000
        assert get_config_version(session, org.banca.id) == version + 1
        [log] = audits(session, "RESTRICTION_RULE_UPDATE")
        assert log.details["reason"] == "temporada"
        assert D(log.details["before"]["max_total"]) == 1000 and D(log.details["after"]["max_total"]) == 2000

    def test_no_changes_no_audit(self, session, org):
        [rule] = create(session, org, {"max_total": D(1000)}, "13")
        result = services.update_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=rule.id,
                                      changes={"max_total": D(1000)}, reason=None, now=NOW)
        assert not result.changed and audits(session, "RESTRICTION_RULE_UPDATE") == []

    @pytest.mark.parametrize("changes, reason, match", [
        ({"max_total": D(5)}, "", "motivo"),
        ({"max_total": D(5)}, "ab", "motivo"),
        ({"number": "14"}, "motivo", "desactive la regla y cree otra"),
        ({"max_ticket_total": D(5)}, "motivo", "no corresponde"),
        ({"applies_to_date": date(2026, 3, 1)}, "motivo", "ya pasó"),
        ({"applies_to_hour": 30}, "motivo", "«30»"),
    ])
    def test_update_refusals(self, session, org, changes, reason, match):
        [rule] = create(session, org, {"max_total": D(1000)}, "13")
        with pytest.raises(InvalidInput, match=match):
            services.update_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=rule.id,
                                 changes=changes, reason=reason, now=NOW)

    def test_removing_every_amount_would_change_the_kind(self, session, org):
        [rule] = create(session, org, {"max_total": D(1000)}, None)
        with pytest.raises(InvalidInput):
            services.update_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=rule.id,
                                 changes={"max_total": None}, reason="quitar", now=NOW)

    def test_delete_and_restore(self, session, org):
        [rule] = create(session, org, {"max_total": D(1000)}, "13")
        services.delete_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=rule.id,
                             reason="ya no", now=NOW)
        assert not rule.is_active and rule.deactivated_reason == "ya no" and rule.deactivated_by == org.admin.id
        with pytest.raises(Conflict):
            services.delete_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=rule.id,
                                 reason="otra vez", now=NOW)
        services.restore_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=rule.id,
                              reason="volvió", now=NOW)
        assert rule.is_active and rule.deactivated_reason is None
        assert [a.details["reason"] for a in audits(session, "RESTRICTION_RULE_DELETE")] == ["ya no"]
        assert [a.details["reason"] for a in audits(session, "RESTRICTION_RULE_RESTORE")] == ["volvió"]

    def test_restore_rechecks_uniqueness_and_date(self, session, org):
        [old] = create(session, org, {"max_total": D(1000)}, "13")
        services.delete_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=old.id,
                             reason="reemplazo", now=NOW)
        create(session, org, {"max_total": D(2000)}, "13")
        with pytest.raises(Conflict, match="13"):
            services.restore_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=old.id,
                                  reason="volver", now=NOW)
        [dated] = create(session, org, {"max_total": D(1), "applies_to_date": date(2026, 3, 7)}, "20")
        services.delete_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=dated.id,
                             reason="quitar", now=NOW)
        with pytest.raises(Conflict, match="ya pasó"):
            services.restore_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=dated.id,
                                  reason="volver", now=NOW + timedelta(days=1))

    def test_is_active_through_update(self, session, org):
        [rule] = create(session, org, {"max_total": D(1000)}, "13")
        services.update_rule(session, scope=admin_scope(org), actor_id=org.admin.id, rule_id=rule.id,
                             changes={"is_active": False}, reason="pausa", now=NOW)
        assert not rule.is_active and rule.deactivated_reason == "pausa"

    def test_other_banca_rule_out_of_scope(self, session, org):
        [rule] = create(session, org, {"max_total": D(1000)}, "13")
        other = BancaFactory()
        scope = Scope(user_id=org.admin.id, role=Role.ADMIN, banca_id=other.id)
        with pytest.raises(OutOfScope):
            services.delete_rule(session, scope=scope, actor_id=org.admin.id, rule_id=rule.id, reason="x" * 5)
        with pytest.raises(NotFound):
            services.get_rule(session, scope=scope, rule_id=org.banca.id)

    def test_bulk_deactivate(self, session, org):
        created = create(session, org, {"max_total": D(1)}, "10-14")
        count = services.bulk_deactivate(session, scope=admin_scope(org), actor_id=org.admin.id,
                                         rule_ids=[r.id for r in created[:3]], reason="limpieza", now=NOW)
        assert count == 3 and [r.is_active for r in created] == [False, False, False, True, True]


class TestSaleSide:
    def test_cache_keyed_by_config_version(self, session, org):
        services.clear_cache()
        create(session, org, {"max_total": D(1000)}, "13")
        first = services.banca_rules(session, org.banca.id)   # this transaction changed rules
        assert len(first.banca) == 1
        session.info.pop(services._DIRTY_KEY, None)           # as if committed
        cached = services.banca_rules(session, org.banca.id)
        assert services.banca_rules(session, org.banca.id) is cached
        bump_config_version(session, org.banca.id)
        assert services.banca_rules(session, org.banca.id) is not cached

    def test_rules_for_vendedor_only_his_own_ventana_and_banca(self, session, org):
        create(session, org, {"max_total": D(1)}, "01")
        create(session, org, {"max_total": D(1), "ventana_id": org.ventana.id}, "02")
        create(session, org, {"max_total": D(1), "ventana_id": org.other_ventana.id}, "03")
        create(session, org, {"max_total": D(1), "user_id": org.vendedor.id}, "04")
        create(session, org, {"max_total": D(1), "user_id": org.vendedor2.id}, "05")
        specs = services.rules_for_vendedor(session, banca_id=org.banca.id, ventana_id=org.ventana.id,
                                            vendedor_id=org.vendedor.id)
        assert sorted(s.number for s in specs) == ["01", "02", "04"]

    def test_check_sale_example_b_and_raise(self, session, org):
        d = draw_setup(org.banca, name="TICA", scheduled_at=datetime(2026, 3, 7, 18, 55, tzinfo=UTC))
        create(session, org, {"max_amount": D(5000)})
        create(session, org, {"ventana_id": org.ventana.id, "max_total": D(10000)}, "15")
        create(session, org, {"is_auto_date": True, "max_total": D(3000)})
        create(session, org, {"loteria_id": d.loteria.id, "multiplier_id": d.m85.id}, kind=Kind.MULTIPLIER)
        def ctx_of(seller, ventana):
            return services.sale_context(sorteo=d.sorteo, vendedor_id=seller.id, ventana_id=ventana.id,
                                         banca_id=org.banca.id, now=NOW)

        acc: dict = {}
        sold = [(org.vendedor2, org.ventana, [Line("NUMERO", "15", D(7000), d.m90.id),
                                              Line("REVENTADO", "15", D(1000))]),
                (org.other_vendedor, org.other_ventana, [Line("NUMERO", "07", D(2500), d.m90.id)])]
        for seller, ventana, lines in sold:
            for key, delta in services.rules.required_accumulators(None, lines, ctx_of(seller, ventana)):
                acc[key] = acc.get(key, D(0)) + delta
        ctx = ctx_of(org.vendedor, org.ventana)
        ticket = [Line("NUMERO", "15", D(2000), d.m90.id, D(90)), Line("REVENTADO", "15", D(1500)),
                  Line("NUMERO", "07", D(1000), d.m90.id, D(90))]
        violations = services.check_sale(session, ctx=ctx, lines=ticket, accumulated=acc, now=NOW)
        assert [v.message for v in violations] == ["Número 07: quedan ₡500", "Número 15: quedan ₡2 000"]
        with pytest.raises(services.LimitExceeded) as exc:
            services.raise_for_violations(violations)
        assert exc.value.status == 409 and exc.value.numbers["15"] == "Número 15: quedan ₡2 000"
        blocked = services.check_sale(session, ctx=ctx, lines=[Line("NUMERO", "44", D(1), d.m85.id, D(85))],
                                      accumulated={}, now=NOW)
        assert [v.message for v in blocked] == [f"Multiplicador 85x no permitido en {d.loteria.name}"]
        services.raise_for_violations([])

    def test_effective_cutoff_chain_with_loteria(self, session, org):
        d = draw_setup(org.banca, rules={"closing_time_before_draw": 12})
        kw = dict(sorteo=d.sorteo, vendedor_id=org.vendedor.id, ventana_id=org.ventana.id,
                  banca_id=org.banca.id, now=NOW)
        assert services.effective_cutoff(session, **kw) == (12, CutoffSource.LOTERIA)
        create(session, org, {"sales_cutoff_minutes": 5}, kind=Kind.CUTOFF)
        create(session, org, {"sales_cutoff_minutes": 3, "ventana_id": org.ventana.id}, kind=Kind.CUTOFF)
        assert services.effective_cutoff(session, **kw) == (3, CutoffSource.VENTANA)
        assert services.effective_cutoff(session, **kw, banca_only=True) == (5, CutoffSource.BANCA)

    def test_availability_reads_the_accumulators(self, session, org):
        d = draw_setup(org.banca)
        create(session, org, {"ventana_id": org.ventana.id, "max_total": D(10000)}, "15")
        create(session, org, {"max_ticket_total": D(20000)})
        session.add_all([
            ExposureAccumulator(sorteo_id=d.sorteo.id, number="15", scope_type="ventana",
                                scope_id=org.ventana.id, filter="all", amount=D(8000)),
            ExposureAccumulator(sorteo_id=d.sorteo.id, number="15", scope_type="ventana",
                                scope_id=org.other_ventana.id, filter="all", amount=D(9999)),
        ])
        session.flush()
        ctx = services.sale_context(sorteo=d.sorteo, vendedor_id=org.vendedor.id, ventana_id=org.ventana.id,
                                    banca_id=org.banca.id, now=NOW)
        balances = services.number_availability(session, ctx=ctx, numbers=["15", "44"])
        assert balances.numbers["15"].remaining == 2000 and balances.numbers["44"] is None
        assert balances.ticket_total_limit == 20000
