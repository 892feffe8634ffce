"""Rules housekeeping job (DOMAIN §10.6, §18), "Mis restricciones" view and the demo seed."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit.models import ActivityLog
from app.auth.models import Role
from app.errors import NotFound, OutOfScope
from app.jobs.models import JobState
from app.restrictions import effective, housekeeping, services
from app.restrictions.domain import Kind
from app.restrictions.jobs import restriction_rules_job
from app.scope import Scope
from tests.factories.draws import draw_setup
from tests.factories.org import BancaFactory, VentanaFactory, vendedor

UTC = timezone.utc
NOW = datetime(2026, 3, 7, 18, 40, tzinfo=UTC)  # 12:40 CR, the 7th
D = Decimal


def scope_of(user, banca_id):
    role = Role(user.role)
    return Scope(user_id=user.id, role=role, banca_id=banca_id,
                 ventana_id=None if role == Role.ADMIN else user.ventana_id,
                 vendedor_id=user.id if role == Role.VENDEDOR else None)


def create(session, org, fields, numbers=None, kind=None, now=NOW):
    return services.create_rules(session, scope=scope_of(org.admin, org.banca.id), actor_id=org.admin.id,
                                 fields=fields, numbers_text=numbers, expected_kind=kind, now=now)


class TestHousekeeping:
    def test_refreshes_auto_date_numbers_with_digits(self, session, org):
        d3 = draw_setup(org.banca, digits=3)
        [two] = create(session, org, {"is_auto_date": True, "max_total": D(100)})
        [three] = create(session, org, {"is_auto_date": True, "max_total": D(100), "loteria_id": d3.loteria.id})
        assert not housekeeping.auto_date_healthy(session, now=NOW)
        result = housekeeping.run_housekeeping(session, now=NOW)
        assert (two.auto_date_number, three.auto_date_number) == ("07", "007")
        assert two.auto_date_refreshed_on == date(2026, 3, 7)
        assert result.refreshed >= 2 and housekeeping.auto_date_healthy(session, now=NOW)
        tomorrow = NOW + timedelta(days=1)
        assert not housekeeping.auto_date_healthy(session, now=tomorrow)
        housekeeping.run_housekeeping(session, now=tomorrow)
        assert two.auto_date_number == "08"

    def test_expires_past_dated_rules_once(self, session, org):
        [today] = create(session, org, {"max_total": D(1), "applies_to_date": date(2026, 3, 7)}, "13")
        [later] = create(session, org, {"max_total": D(1), "applies_to_date": date(2026, 3, 9)}, "14")
        version = services.get_config_version(session, org.banca.id)
        assert housekeeping.run_housekeeping(session, now=NOW).expired == 0
        result = housekeeping.run_housekeeping(session, now=NOW + timedelta(days=1))
        assert result.expired == 1 and not today.is_active and later.is_active
        assert today.deactivated_reason == "vencida" and today.deactivated_by is None
        assert services.get_config_version(session, org.banca.id) > version
        log = session.scalars(select(ActivityLog).where(ActivityLog.action == "RESTRICTION_RULE_DELETE",
                                                        ActivityLog.target_id == str(today.id))).one()
        assert log.details["reason"] == "vencida" and log.user_id is None
        assert housekeeping.run_housekeeping(session, now=NOW + timedelta(days=1)).expired == 0

    def test_job_records_its_run(self, session, org):
        create(session, org, {"is_auto_date": True, "max_total": D(100)})
        count, message = restriction_rules_job(now=NOW)
        assert count >= 1 and "Números del día actualizados" in message
        state = session.get(JobState, "restriction_rules")
        assert state.last_result == "ok" and state.last_count == count
        assert session.scalars(select(ActivityLog).where(ActivityLog.action == "JOB_RUN",
                                                         ActivityLog.target_id == "restriction_rules")).first()


class TestMisRestricciones:
    def test_rows_sources_and_shadowing(self, session, org):
        create(session, org, {"sales_cutoff_minutes": 5}, kind=Kind.CUTOFF)
        create(session, org, {"ventana_id": org.ventana.id, "sales_cutoff_minutes": 3}, kind=Kind.CUTOFF)
        create(session, org, {"max_amount": D(5000)})
        create(session, org, {"ventana_id": org.ventana.id, "max_total": D(10000)}, "15")
        create(session, org, {"user_id": org.vendedor.id, "max_amount": D(8000)})
        create(session, org, {"ventana_id": org.other_ventana.id, "max_total": D(1)}, "99")
        view = effective.vendedor_rules_view(session, scope=scope_of(org.vendedor, org.banca.id), now=NOW)
        rows = {(r.source, r.summary): r for r in view.rows}
        assert len(view.rows) == 5  # not the other ventana's rule
        assert view.cutoff_note.startswith("Su corte ahora: 3 min")
        own = next(r for r in view.rows if r.source == "Propia")
        assert own.status == "vigente" and own.kind_label == "Límite por número"
        banca_limit = next(r for (src, _), r in rows.items() if src == "Banca" and r.spec.kind is Kind.NUMBER_LIMIT)
        assert banca_limit.status == "reemplazada" and "8 000" in banca_limit.note
        banca_cut = next(r for r in view.rows if r.source == "Banca" and r.spec.kind is Kind.CUTOFF)
        assert banca_cut.status == "reemplazada"
        # vendedor2 has no own rule: the ventana's "15" and the banca's all-numbers limit apply.
        other = effective.vendedor_rules_view(session, scope=scope_of(org.listero, org.banca.id),
                                              vendedor_id=org.vendedor2.id, now=NOW)
        assert all(r.status == "vigente" for r in other.rows if r.spec.kind is Kind.NUMBER_LIMIT)

    def test_dated_rules_say_when(self, session, org):
        create(session, org, {"max_total": D(1), "applies_to_date": date(2026, 3, 9)}, "13")
        create(session, org, {"max_total": D(1), "applies_to_hour": 15}, "14")
        view = effective.vendedor_rules_view(session, scope=scope_of(org.vendedor, org.banca.id), now=NOW)
        assert sorted(r.status_label for r in view.rows) == ["Hoy, en otra hora", "Solo el 09/03/2026"]

    def test_scope_boundaries(self, session, org):
        vend = scope_of(org.vendedor, org.banca.id)
        assert effective.vendedor_rules_view(session, scope=vend, now=NOW).vendedor.id == org.vendedor.id
        with pytest.raises(OutOfScope):
            effective.vendedor_rules_view(session, scope=vend, vendedor_id=org.vendedor2.id, now=NOW)
        listero = scope_of(org.listero, org.banca.id)
        assert effective.vendedor_rules_view(session, scope=listero, vendedor_id=org.vendedor2.id, now=NOW)
        with pytest.raises(OutOfScope):
            effective.vendedor_rules_view(session, scope=listero, vendedor_id=org.other_vendedor.id, now=NOW)
        with pytest.raises(NotFound):
            effective.vendedor_rules_view(session, scope=listero, vendedor_id=org.listero.id, now=NOW)
        admin = scope_of(org.admin, org.banca.id)
        assert effective.vendedor_rules_view(session, scope=admin, vendedor_id=org.other_vendedor.id, now=NOW)
        foreign = vendedor(VentanaFactory(banca=BancaFactory()))
        with pytest.raises(OutOfScope):
            effective.vendedor_rules_view(session, scope=admin, vendedor_id=foreign.id, now=NOW)
        assert {u.id for u in effective.vendedores_for_picker(session, scope=listero)} == {
            org.vendedor.id, org.vendedor2.id}
        assert effective.vendedores_for_picker(session, scope=vend) == []


class TestSeed:
    def test_seed_demo_is_idempotent(self, session):
        from app.org.seed import seed_org
        from app.restrictions.seed import seed_demo
        demo = seed_org(session)
        draw_setup(demo.banca, name="TICA")
        first = seed_demo(session, demo)
        assert first >= 12
        assert seed_demo(session, demo) == 0
        specs = services.rules_for_vendedor(session, banca_id=demo.banca.id, ventana_id=demo.ventanas[1].id,
                                            vendedor_id=demo.vendedores[3].id)
        kinds = {s.kind for s in specs}
        assert kinds == {Kind.CUTOFF, Kind.NUMBER_LIMIT, Kind.TICKET_TOTAL, Kind.MULTIPLIER}
        assert any(s.applies_to_date is not None for s in specs)
