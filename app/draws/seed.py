"""Demo catalogue (idempotent): TICA, NICA and MONAZOS with realistic schedules and multipliers, plus
today's remaining and tomorrow's sorteos, opened per the rules (open time passed → today's are OPEN)."""
from __future__ import annotations

from app.draws import automation, queries
from app.draws.catalogue import create_loteria, create_multiplier
from app.draws.lifecycle import GenerationReport, insert_missing
from app.draws.rules import loteria_rules, occurrences
from app.scope import Scope
from app.tz import cr_today, utcnow

MON_SAT = [1, 2, 3, 4, 5, 6]
CATALOGUE = [
    ("TICA", {"digits": 2, "reventado": {"enabled": True}, "auto_create_sorteos": True, "days_ahead": 2,
              "draw_schedules": [{"frequency": "semanal", "times": ["12:55", "16:30", "19:30"], "days_of_week": MON_SAT}],
              "min_bet_amount": 100, "max_numbers_per_ticket": 50,
              "display": {"color": "#dc2626", "description": "Lotería Nacional de Costa Rica (tiempos)"}},
     [("90x", 90, "NUMERO"), ("85x", 85, "NUMERO"), ("Roja 200x", 200, "REVENTADO")]),
    ("NICA", {"digits": 2, "reventado": {"enabled": False}, "auto_create_sorteos": True, "days_ahead": 2,
              "draw_schedules": [{"frequency": "diario", "times": ["12:00", "15:00", "18:00", "21:00"]}],
              "min_bet_amount": 100, "display": {"color": "#2563eb", "description": "Lotería de Nicaragua"}},
     [("90x", 90, "NUMERO"), ("80x", 80, "NUMERO")]),
    ("MONAZOS", {"digits": 3, "reventado": {"enabled": False}, "auto_create_sorteos": True, "days_ahead": 2,
                 "draw_schedules": [{"frequency": "diario", "times": ["13:00", "19:00"]}],
                 "min_bet_amount": 100, "max_bet_amount": 10000, "closing_time_before_draw": 10,
                 "display": {"color": "#7c3aed", "description": "3 cifras (000–999)"}},
     [("500x", 500, "NUMERO")]),
]


def seed_demo(session, demo) -> None:
    """Create the demo loterías (once), today's remaining and tomorrow's sorteos; open today's ones."""
    from app.auth.models import Role
    scope = Scope(user_id=demo.admin.id, role=Role.ADMIN, banca_id=demo.banca.id, name=demo.admin.name)
    now = utcnow()
    for name, rules, multipliers in CATALOGUE:
        loteria = queries.loteria_by_name(session, demo.banca.id, name)
        if loteria is None:
            loteria = create_loteria(session, scope=scope, name=name, rules=rules)
            for mult_name, value, kind in multipliers:
                create_multiplier(session, scope=scope, loteria_id=loteria.id, name=mult_name, value_x=value, kind=kind)
        if not loteria.is_active:
            continue
        occs = [o for o in occurrences(loteria.name, loteria_rules(loteria), cr_today(now), 2) if o.scheduled_at > now]
        have = queries.existing_instants(session, loteria.id, loteria.banca_id, [o.scheduled_at for o in occs])
        insert_missing(session, loteria, [o for o in occs if o.scheduled_at not in have], GenerationReport())
    session.flush()
    from app.draws.jobs import schedule_close
    for sorteo in automation.open_today(session, now):
        schedule_close(sorteo)


__all__ = ["seed_demo"]
