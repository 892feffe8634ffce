"""The rules job's work (DOMAIN §10.6, §18): store today's number on auto-date rules and expire
dated rules whose day has passed (reason "vencida")."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.audit.services import record
from app.draws.models import Loteria, Sorteo
from app.restrictions.models import RestrictionRule
from app.restrictions.services import mark_rules_changed, snapshot
from app.tz import cr_today, format_date, utcnow

EXPIRED_REASON = "vencida"


@dataclass
class HousekeepingResult:
    refreshed: int
    expired: int

    @property
    def count(self) -> int:
        return self.refreshed + self.expired

    @property
    def message(self) -> str:
        return (f"Números del día actualizados: {self.refreshed}; "
                f"reglas vencidas desactivadas: {self.expired}")


def _digits_of(session, rule: RestrictionRule) -> int:
    if rule.sorteo_id is not None:
        sorteo = session.get(Sorteo, rule.sorteo_id)
        if sorteo is not None:
            return sorteo.digits
    if rule.loteria_id is not None:
        loteria = session.get(Loteria, rule.loteria_id)
        if loteria is not None:
            return loteria.digits
    return 2


def refresh_auto_date(session, *, now: datetime) -> int:
    """Store today's day number (zero-padded to the rule's digits) on active auto-date rules."""
    today = cr_today(now)
    changed = 0
    stmt = select(RestrictionRule).where(RestrictionRule.is_active.is_(True),
                                         RestrictionRule.is_auto_date.is_(True))
    for rule in session.scalars(stmt):
        number = f"{today.day:0{_digits_of(session, rule)}d}"
        if rule.auto_date_number != number or rule.auto_date_refreshed_on != today:
            rule.auto_date_number, rule.auto_date_refreshed_on = number, today
            changed += 1
    return changed


def expire_dated_rules(session, *, now: datetime) -> int:
    """Deactivate active rules whose applies_to_date is before today (CR), audited as "vencida"."""
    today = cr_today(now)
    stmt = select(RestrictionRule).where(RestrictionRule.is_active.is_(True),
                                         RestrictionRule.applies_to_date < today)
    bancas = set()
    expired = 0
    for rule in session.scalars(stmt).all():
        before = snapshot(rule)
        rule.is_active = False
        rule.deactivated_at, rule.deactivated_by, rule.deactivated_reason = now, None, EXPIRED_REASON
        bancas.add(rule.banca_id)
        expired += 1
        record(session, action="RESTRICTION_RULE_DELETE", layer="restrictions", actor_id=None,
               banca_id=rule.banca_id, target_type="restriction_rule", target_id=rule.id,
               description=f"Restricción vencida (fecha {format_date(rule.applies_to_date)}) desactivada",
               details={"before": before, "after": snapshot(rule), "reason": EXPIRED_REASON})
    session.flush()
    for banca_id in bancas:
        mark_rules_changed(session, banca_id)
    return expired


def run_housekeeping(session, *, now: datetime | None = None) -> HousekeepingResult:
    """Both steps in the caller's transaction; idempotent (overwrite + active filter)."""
    now = now or utcnow()
    refreshed = refresh_auto_date(session, now=now)
    expired = expire_dated_rules(session, now=now)
    session.flush()
    return HousekeepingResult(refreshed, expired)


def auto_date_healthy(session, *, now: datetime | None = None) -> bool:
    """Health (§10.6): every active auto-date rule stores today's number."""
    today = cr_today(now or utcnow())
    stale = session.scalar(select(RestrictionRule.id).where(
        RestrictionRule.is_active.is_(True), RestrictionRule.is_auto_date.is_(True),
        (RestrictionRule.auto_date_refreshed_on.is_(None)) | (RestrictionRule.auto_date_refreshed_on != today)
    ).limit(1))
    return stale is None
