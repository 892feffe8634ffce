"""Pure catalogue rules (DOMAIN §8): lotería rules JSON, schedule occurrences, sorteo actions.

No database and no Flask. `LoteriaRules.from_json(rules)` reads a lotería's rules leniently (a
missing limit key = no limit, §8.1); `validate_rules(rules)` is the strict check used when an ADMIN
saves them; `occurrences(...)` expands draw schedules into CR instants (§8.3).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from app.tz import cr_combine, to_cr, weekday_sunday0

NUMERO = "NUMERO"
REVENTADO = "REVENTADO"
BET_TYPES = (NUMERO, REVENTADO)
FREQUENCIES = ("diario", "semanal", "personalizado")
WEEKDAYS = ("Domingo", "Lunes", "Martes", "Miércoles", "Jueves", "Viernes", "Sábado")  # 0 = Sunday
DEFAULT_COLOR = "#2563eb"
MAX_PREVIEW = 1000
NEW_LOTERIA_DEFAULTS = {"digits": 2, "reventado": {"enabled": False}, "auto_create_sorteos": True, "days_ahead": 1}
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def wall_time_text(text: str) -> str:
    """A configured CR wall time "19:30" as the UI shows times (UX §7.3): "7:30 p. m."."""
    t = parse_hhmm(text)
    if t is None:
        return text
    return f"{t.hour % 12 or 12}:{t.minute:02d} {'a. m.' if t.hour < 12 else 'p. m.'}"


def parse_hhmm(text: str) -> time | None:
    """'7:05' / '07:05' → time(7, 5); anything else → None."""
    m = _HHMM.match((text or "").strip())
    return time(int(m.group(1)), int(m.group(2))) if m else None


def hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


@dataclass(frozen=True)
class ScheduleBlock:
    """One draw_schedules entry: CR wall-clock times on some weekdays (0 = Sunday)."""

    frequency: str
    times: tuple[str, ...]
    days_of_week: tuple[int, ...] = ()

    def applies_on(self, day: date) -> bool:
        return self.frequency == "diario" or weekday_sunday0(day) in self.days_of_week

    def to_json(self) -> dict:
        out: dict[str, Any] = {"frequency": self.frequency, "times": list(self.times)}
        if self.frequency != "diario":
            out["days_of_week"] = list(self.days_of_week)
        return out


@dataclass(frozen=True)
class SalesHours:
    start: time
    end: time


def _int(value, default=None):
    try:
        return int(value) if value is not None and value != "" else default
    except (TypeError, ValueError):
        return default


def _dec(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _blocks(raw) -> tuple[ScheduleBlock, ...]:
    out = []
    for item in raw or []:
        if not isinstance(item, Mapping):
            continue
        freq = item.get("frequency") if item.get("frequency") in FREQUENCIES else "semanal"
        times = tuple(hhmm(t) for t in (parse_hhmm(str(x)) for x in item.get("times") or []) if t)
        days = tuple(sorted({d for d in (_int(x) for x in item.get("days_of_week") or [])
                             if d is not None and 0 <= d <= 6}))
        if times:
            out.append(ScheduleBlock(freq, times, days))
    return tuple(out)


def _sales_hours(raw) -> tuple[tuple[int, SalesHours], ...]:
    out = []
    for key, value in (raw or {}).items() if isinstance(raw, Mapping) else []:
        day = _int(key)
        if day is None or not 0 <= day <= 6 or not isinstance(value, Mapping):
            continue
        start, end = parse_hhmm(str(value.get("start", ""))), parse_hhmm(str(value.get("end", "")))
        if start and end:
            out.append((day, SalesHours(start, end)))
    return tuple(sorted(out, key=lambda p: p[0]))


@dataclass(frozen=True)
class LoteriaRules:
    """A lotería's rules (§8.1) with defaults applied; read with `LoteriaRules.from_json`."""

    digits: int = 2
    draw_schedules: tuple[ScheduleBlock, ...] = ()
    auto_create_sorteos: bool = True
    days_ahead: int = 1
    closing_time_before_draw: int | None = None
    min_bet_amount: Decimal | None = None
    max_bet_amount: Decimal | None = None
    max_numbers_per_ticket: int | None = None
    number_min: int = 0
    number_max: int = 99
    allowed_bet_types: tuple[str, ...] = BET_TYPES
    reventado_enabled: bool = False
    sales_hours: tuple[tuple[int, SalesHours], ...] = ()
    color: str = DEFAULT_COLOR
    description: str = ""
    raw: Mapping = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, rules: Mapping | None) -> LoteriaRules:
        r = dict(rules or {})
        digits = 3 if _int(r.get("digits"), 2) == 3 else 2
        top = 10 ** digits - 1
        rng = r.get("number_range") if isinstance(r.get("number_range"), Mapping) else {}
        lo, hi = _int(rng.get("min"), 0), _int(rng.get("max"), top)
        lo, hi = max(0, min(lo, top)), max(0, min(hi, top))
        types = tuple(t for t in BET_TYPES if t in (r.get("allowed_bet_types") or BET_TYPES))
        display = r.get("display") if isinstance(r.get("display"), Mapping) else {}
        color = display.get("color") if _COLOR.match(str(display.get("color") or "")) else DEFAULT_COLOR
        days_ahead = _int(r.get("days_ahead"), 1)
        closing = _int(r.get("closing_time_before_draw"))
        return cls(
            digits=digits,
            draw_schedules=_blocks(r.get("draw_schedules")),
            auto_create_sorteos=bool(r.get("auto_create_sorteos", True)),
            days_ahead=min(max(days_ahead, 1), 31),
            closing_time_before_draw=None if closing is None else min(max(closing, 0), 30),
            min_bet_amount=_dec(r.get("min_bet_amount")),
            max_bet_amount=_dec(r.get("max_bet_amount")),
            max_numbers_per_ticket=_int(r.get("max_numbers_per_ticket")),
            number_min=min(lo, hi), number_max=max(lo, hi),
            allowed_bet_types=types or (NUMERO,),
            reventado_enabled=bool((r.get("reventado") or {}).get("enabled", False))
            if isinstance(r.get("reventado"), Mapping) else False,
            sales_hours=_sales_hours(r.get("sales_hours")),
            color=color, description=str(display.get("description") or ""),
            raw=r,
        )

    # ---- accessors the sale path uses
    @property
    def reventado_allowed(self) -> bool:
        """REVENTADO is sellable only when enabled AND among the allowed bet types (§8.1)."""
        return self.reventado_enabled and REVENTADO in self.allowed_bet_types

    @property
    def has_schedules(self) -> bool:
        return bool(self.draw_schedules)

    def sales_hours_on(self, weekday: int) -> SalesHours | None:
        return next((h for d, h in self.sales_hours if d == weekday), None)

    def within_sales_hours(self, now: datetime) -> bool:
        """True when `now` (aware) falls inside that CR weekday's sales hours, or none are set."""
        local = to_cr(now)
        hours = self.sales_hours_on(weekday_sunday0(local.date()))
        if hours is None:
            return True
        return hours.start <= local.time().replace(second=0, microsecond=0) < hours.end

    def number_in_range(self, number: str) -> bool:
        return number.isdigit() and len(number) == self.digits and \
            self.number_min <= int(number) <= self.number_max

    def schedule_summary(self) -> list[str]:
        """'12:55 p. m., 4:30 p. m. · lun, mar, mié' per block (Monday first), 'todos los días' when daily."""
        out = []
        for b in self.draw_schedules:
            if b.frequency == "diario" or len(b.days_of_week) == 7:
                days = "todos los días"
            else:
                days = ", ".join(WEEKDAYS[d][:3].lower() for d in sorted(b.days_of_week, key=lambda d: (d + 6) % 7))
            out.append(f"{', '.join(wall_time_text(t) for t in b.times)} · {days}")
        return out

    def schedule_times(self) -> list[str]:
        return sorted({t for b in self.draw_schedules for t in b.times})


def loteria_rules(loteria_or_rules) -> LoteriaRules:
    """Rules of a Loteria row (or of a rules dict) with defaults applied (§8.1)."""
    raw = getattr(loteria_or_rules, "rules", loteria_or_rules)
    return LoteriaRules.from_json(raw if isinstance(raw, Mapping) else {})


# ------------------------------------------------------------------------------- validation

def validate_rules(rules: Mapping) -> dict[str, str]:
    """Strict check of a rules document (§8.1); {field: Spanish message}, empty when valid."""
    errors: dict[str, str] = {}
    if rules.get("digits", 2) not in (2, 3):
        errors["digits"] = "Las cifras deben ser 2 o 3."
    digits = rules.get("digits", 2) if rules.get("digits", 2) in (2, 3) else 2
    days_ahead = rules.get("days_ahead", 1)
    if not isinstance(days_ahead, int) or not 1 <= days_ahead <= 31:
        errors["days_ahead"] = "Los días por adelantado deben estar entre 1 y 31."
    closing = rules.get("closing_time_before_draw")
    if closing is not None and (not isinstance(closing, int) or not 0 <= closing <= 30):
        errors["closing_time_before_draw"] = "Los minutos de corte deben estar entre 0 y 30."
    mn, mx = rules.get("min_bet_amount"), rules.get("max_bet_amount")
    for key, value in (("min_bet_amount", mn), ("max_bet_amount", mx)):
        if value is not None and (not isinstance(value, int) or value < 1):
            errors[key] = "El monto debe ser un número entero de colones mayor que 0."
    if isinstance(mn, int) and isinstance(mx, int) and mn > mx and "min_bet_amount" not in errors:
        errors["max_bet_amount"] = "El monto máximo no puede ser menor que el mínimo."
    mnum = rules.get("max_numbers_per_ticket")
    if mnum is not None and (not isinstance(mnum, int) or not 1 <= mnum <= 1000):
        errors["max_numbers_per_ticket"] = "El máximo de números por tiquete debe estar entre 1 y 1000."
    rng = rules.get("number_range")
    if rng is not None:
        lo, hi = (rng or {}).get("min"), (rng or {}).get("max")
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi <= 10 ** digits - 1):
            errors["number_range"] = "El rango de números no es válido para las cifras de la lotería."
    types = rules.get("allowed_bet_types")
    if types is not None and (not types or any(t not in BET_TYPES for t in types)):
        errors["allowed_bet_types"] = "Los tipos de jugada permitidos no son válidos."
    errors.update(_schedule_errors(rules.get("draw_schedules") or []))
    errors.update(_sales_hours_errors(rules.get("sales_hours") or {}))
    color = (rules.get("display") or {}).get("color")
    if color is not None and not _COLOR.match(str(color)):
        errors["color"] = "El color debe tener el formato #RRGGBB."
    return errors


def _schedule_errors(blocks) -> dict[str, str]:
    for i, block in enumerate(blocks):
        times = block.get("times") or []
        if not times:
            return {f"draw_schedules-{i}": "Indique al menos una hora de sorteo."}
        bad = [str(t) for t in times if parse_hhmm(str(t)) is None]
        if bad:
            return {f"draw_schedules-{i}": f"Hora no válida: {', '.join(bad)} (use HH:MM, 24 horas)."}
        if block.get("frequency") not in FREQUENCIES:
            return {f"draw_schedules-{i}": "La frecuencia no es válida."}
        days = block.get("days_of_week") or []
        if block.get("frequency") != "diario" and not days:
            return {f"draw_schedules-{i}": "Seleccione al menos un día de la semana."}
        if any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            return {f"draw_schedules-{i}": "Los días de la semana no son válidos."}
    return {}


def _sales_hours_errors(hours) -> dict[str, str]:
    for key, value in hours.items():
        day = _int(key)
        label = WEEKDAYS[day] if day is not None and 0 <= day <= 6 else str(key)
        if day is None or not 0 <= day <= 6:
            return {"sales_hours": "Día de la semana no válido en el horario de venta."}
        start, end = parse_hhmm(str(value.get("start", ""))), parse_hhmm(str(value.get("end", "")))
        if not start or not end:
            return {f"sales_hours-{day}": f"{label}: indique inicio y fin (HH:MM)."}
        if start >= end:
            return {f"sales_hours-{day}": f"{label}: el inicio debe ser antes del fin."}
    return {}


def parse_times(text: str) -> tuple[list[str], list[str]]:
    """'12:55, 16:30 19:30' → (['12:55', '16:30', '19:30'], bad tokens); sorted, de-duplicated."""
    good, bad = set(), []
    for token in re.split(r"[,;\s]+", text or ""):
        if not token:
            continue
        t = parse_hhmm(token)
        if t is None:
            bad.append(token)
        else:
            good.add(hhmm(t))
    return sorted(good), bad


def schedule_block(times: Iterable[str], days: Iterable[int]) -> dict:
    """A draw_schedules entry from a times list and chosen weekdays (all 7 → diario)."""
    days = sorted(set(days))
    if len(days) == 7:
        return {"frequency": "diario", "times": list(times)}
    return {"frequency": "semanal", "times": list(times), "days_of_week": days}


# ------------------------------------------------------------------------------- generation

@dataclass(frozen=True)
class Occurrence:
    day: date  # CR business day it belongs to
    time_text: str  # the configured "HH:MM" text
    scheduled_at: datetime  # UTC
    name: str


def occurrences(loteria_name: str, rules: LoteriaRules, start: date, days: int) -> list[Occurrence]:
    """Draw instants of days [start, start+days) (§8.3): blocks merged, de-duplicated by instant.

    19:30 CR is stored 01:30 UTC of the next day but belongs to its CR day (§7).
    """
    found: dict[datetime, Occurrence] = {}
    for offset in range(max(days, 0)):
        day = start + timedelta(days=offset)
        for block in rules.draw_schedules:
            if not block.applies_on(day):
                continue
            for text in block.times:
                at = cr_combine(day, text)
                found.setdefault(at, Occurrence(day, text, at, f"{loteria_name} {text}"))  # configured text (§8.3)
    return sorted(found.values(), key=lambda o: o.scheduled_at)


# ------------------------------------------------------------------------------- actions

OPEN_ACTIONS = ("open", "close", "reopen", "evaluate", "revert", "cancel", "reactivate", "edit")


def sorteo_actions(*, status: str, is_active: bool, has_tickets: bool, now: datetime,
                   scheduled_at: datetime, closes_at: datetime | None = None) -> set[str]:
    """Which ADMIN actions the UI offers for a sorteo (the services re-check every guard, §6).

    `closes_at` = scheduled_at − the banca/lotería cutoff (reopen and open need now before it).
    """
    closes_at = closes_at or scheduled_at
    acts: set[str] = set()
    if status in ("SCHEDULED", "OPEN"):
        acts.add("edit")
        if is_active and not has_tickets:
            acts.add("cancel")
        if not is_active:
            acts.add("reactivate")
    if status == "SCHEDULED" and is_active and now < closes_at:
        acts.add("open")
    if status == "OPEN":
        acts.add("close")
    if status == "CLOSED":
        if now >= scheduled_at:
            acts.add("evaluate")
        if now < closes_at:
            acts.add("reopen")
    if status == "EVALUATED":
        acts.add("revert")
    return acts
