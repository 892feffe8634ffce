"""Demo commission policies for a banca, its ventanas and some vendedores (idempotent).

Only entities without a policy get one, so re-running changes nothing and never overwrites a
policy someone edited. Every write goes through `services.apply_policy` (audited, ConfigVersion).
"""
from __future__ import annotations

from collections.abc import Callable

from app.commissions import calc, queries, services
from app.draws import services as draws_services
from app.org.models import Banca
from app.tz import cr_day_bounds, cr_today, to_cr

SEED_REASON = "datos de demostración"


def seed_demo(session, banca: Banca) -> dict[str, int]:
    """Give the banca, its ventanas and the first vendedores of each ventana realistic policies.

    `banca` may also be the org seed's Demo (anything with a `.banca`), as `flask seed-demo` passes.
    Returns how many policies were created per level.
    """
    banca = getattr(banca, "banca", banca)
    loterias = {l.name.upper(): l for l in draws_services.loterias_of_banca(session, banca.id)}
    three_digit = [l for l in loterias.values() if l.digits == 3]
    tica = loterias.get("TICA") or next(iter(loterias.values()), None)
    created = {"banca": 0, "ventanas": 0, "vendedores": 0}

    # Banca baseline: what sellers and listeros get when nothing more specific exists.
    created["banca"] += _ensure(session, banca, services.LEVEL_BANCA, lambda: {
        "default_percent": 8, "rules": [_rule("demo-b-rev", None, calc.REVENTADO, None, 10)]})

    ventanas = queries.ventanas_of_banca(session, banca.id)
    for ventana in ventanas:
        # Listero commission (DOMAIN §23 setup): 12 % default, reventado 15 %, 3-digit games 15 %.
        created["ventanas"] += _ensure(session, ventana, services.LEVEL_VENTANA, lambda: {
            "default_percent": 12,
            "rules": [_rule("demo-v-rev", None, calc.REVENTADO, None, 15)]
            + [_rule(f"demo-v-3d{i}", str(l.id), None, None, 15) for i, l in enumerate(three_digit, 1)]})

    month_start = to_cr(cr_day_bounds(cr_today().replace(day=1))[0]).isoformat()
    for ventana in ventanas:
        sellers = queries.vendedores_of_ventanas(session, [ventana.id])
        if sellers:
            # Like vendedor X of example D: 5 % default, TICA número 90x 10 %, reventado 8 %.
            created["vendedores"] += _ensure(session, sellers[0], services.LEVEL_USUARIO, lambda: {
                "default_percent": 5,
                "rules": ([_rule("demo-u-90", str(tica.id), calc.NUMERO, 90, 10)] if tica else [])
                + [_rule("demo-u-rev", None, calc.REVENTADO, None, 8)]})
        if len(sellers) > 1:
            # A month promotion: 6 % on everything from the 1st of this month, no end.
            created["vendedores"] += _ensure(session, sellers[1], services.LEVEL_USUARIO, lambda: {
                "effective_from": month_start, "default_percent": 6, "rules": []})
    session.flush()
    return created


def _ensure(session, entity, level: str, build: Callable[[], dict]) -> int:
    if entity.commission_policy is not None:
        return 0
    document = calc.validate_policy({"version": calc.POLICY_VERSION, "effective_from": None,
                                     "effective_to": None, **build()})
    banca = entity if level == services.LEVEL_BANCA else (
        entity.banca if level == services.LEVEL_VENTANA else entity.ventana.banca)
    ventana = entity if level == services.LEVEL_VENTANA else getattr(entity, "ventana", None)
    target = services.PolicyTarget(level, entity, banca, ventana, can_edit=True, can_see_listero=True)
    services.apply_policy(session=session, target=target, document=document, actor_id=None,
                          reason=SEED_REASON)
    return 1


def _rule(rule_id, loteria_id, bet_type, multiplier_value, percent) -> dict:
    return {"id": rule_id, "loteria_id": loteria_id, "bet_type": bet_type,
            "multiplier_value": multiplier_value, "percent": percent}
