"""Shared builders for the commission tests (loterías are created directly: no draws factory needed)."""
from __future__ import annotations

from app.draws.models import Loteria, LoteriaMultiplier, MultiplierKind
from app.scope import scope_for_user


def make_loteria(session, banca, name="TICA", digits=2, multipliers=(90, 85)):
    lot = Loteria(banca_id=banca.id, name=name, rules={"digits": digits, "reventado": {"enabled": True}})
    session.add(lot)
    session.flush()
    for value in multipliers:
        session.add(LoteriaMultiplier(loteria_id=lot.id, name=f"{value}x", value_x=value, kind=MultiplierKind.NUMERO))
    session.flush()
    return lot


def scope_of(user, banca=None):
    return scope_for_user(user, banca.id if banca is not None else None)


def policy(default, rules=(), eff_from=None, eff_to=None):
    return {"version": 1, "effective_from": eff_from, "effective_to": eff_to,
            "default_percent": default, "rules": list(rules)}


def rule(percent, loteria_id=None, bet_type=None, multiplier_value=None, id=None):
    r = {"loteria_id": loteria_id, "bet_type": bet_type, "multiplier_value": multiplier_value, "percent": percent}
    if id:
        r["id"] = id
    return r
