"""Demo restriction rules (issue 4 item 7): a banca baseline, a stricter ventana, a vendedor
override, a blocked multiplier and date-specific rules. Idempotent: existing rules are kept."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.auth.models import Role
from app.draws.models import Loteria, LoteriaMultiplier, MultiplierKind
from app.errors import Conflict
from app.restrictions import services
from app.restrictions.domain import Kind
from app.restrictions.housekeeping import refresh_auto_date
from app.scope import Scope
from app.tz import cr_today, utcnow


def _loteria_and_multiplier(session, banca_id):
    """A 2-digit active lotería (TICA if present) and its lowest NUMERO multiplier, if any."""
    loterias = session.scalars(select(Loteria).where(Loteria.banca_id == banca_id,
                                                     Loteria.is_active.is_(True))
                               .order_by(Loteria.name)).all()
    two_digit = [l for l in loterias if l.digits == 2]
    loteria = next((l for l in two_digit if l.name.upper().startswith("TICA")), None) or \
        (two_digit[0] if two_digit else None)
    if loteria is None:
        return None, None
    multipliers = session.scalars(select(LoteriaMultiplier).where(
        LoteriaMultiplier.loteria_id == loteria.id, LoteriaMultiplier.is_active.is_(True),
        LoteriaMultiplier.kind == MultiplierKind.NUMERO).order_by(LoteriaMultiplier.value_x)).all()
    # Block the lowest-paying one only when another remains sellable.
    return loteria, (multipliers[0] if len(multipliers) > 1 else None)


def demo_rule_set(session, demo) -> list[tuple[dict, str | None, Kind]]:
    """(fields, numbers_text, kind) of the demo rules for this banca."""
    today = cr_today(utcnow())
    centro, norte = demo.ventanas[0], demo.ventanas[1]
    loteria, multiplier = _loteria_and_multiplier(session, demo.banca.id)
    d = Decimal
    rules = [
        ({"sales_cutoff_minutes": 5}, None, Kind.CUTOFF),
        ({"max_amount": d(10_000), "max_total": d(100_000)}, None, Kind.NUMBER_LIMIT),
        ({"max_ticket_total": d(200_000)}, None, Kind.TICKET_TOTAL),
        ({"is_auto_date": True, "max_total": d(20_000)}, None, Kind.NUMBER_LIMIT),
        ({"ventana_id": norte.id, "max_amount": d(5_000), "max_total": d(40_000)}, None, Kind.NUMBER_LIMIT),
        ({"ventana_id": norte.id, "sales_cutoff_minutes": 7}, None, Kind.CUTOFF),
        ({"ventana_id": centro.id, "applies_to_vendedor": True, "base_amount": d(15_000),
          "sales_percentage": d(5)}, "00-09", Kind.NUMBER_LIMIT),
        ({"user_id": demo.vendedores[0].id, "max_amount": d(20_000)}, None, Kind.NUMBER_LIMIT),
        ({"max_total": d(0)}, "13", Kind.NUMBER_LIMIT),
        ({"max_total": d(5_000), "applies_to_date": today}, "25", Kind.NUMBER_LIMIT),
    ]
    if loteria is not None:
        rules.append(({"max_total": d(30_000), "loteria_id": loteria.id, "sales_cutoff_minutes": 15},
                      "77", Kind.NUMBER_LIMIT))
        if multiplier is not None:
            rules.append(({"ventana_id": norte.id, "loteria_id": loteria.id, "multiplier_id": multiplier.id},
                          None, Kind.MULTIPLIER))
    return rules


def seed_demo(session, demo) -> int:
    """Create the demo rules that do not exist yet; returns how many were created."""
    scope = Scope(user_id=demo.admin.id, role=Role.ADMIN, banca_id=demo.banca.id)
    created = 0
    for fields, numbers, kind in demo_rule_set(session, demo):
        try:
            created += len(services.create_rules(session, scope=scope, actor_id=demo.admin.id,
                                                 fields=fields, numbers_text=numbers, expected_kind=kind))
        except Conflict:
            continue  # already seeded
    refresh_auto_date(session, now=utcnow())  # show today's number until the rules job runs
    return created
