"""The one America/Costa_Rica time utility: never do manual ±6 h arithmetic elsewhere."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

CR = ZoneInfo("America/Costa_Rica")
UTC = timezone.utc


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_cr(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(CR)



def cr_today(now: datetime | None = None) -> date:
    return to_cr(now or utcnow()).date()


def cr_date_of(dt: datetime) -> date:
    """Business date (CR calendar day) of a UTC instant."""
    return to_cr(dt).date()


def cr_combine(day: date, wall: time | str) -> datetime:
    """A CR wall-clock time on a CR date, as an aware UTC instant."""
    if isinstance(wall, str):
        hh, mm = wall.split(":")
        wall = time(int(hh), int(mm))
    return datetime.combine(day, wall, tzinfo=CR).astimezone(UTC)


def cr_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a CR calendar day as UTC instants."""
    start = datetime.combine(day, time(0, 0), tzinfo=CR)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def cr_hour(dt: datetime) -> int:
    return to_cr(dt).hour


def format_time(dt: datetime) -> str:
    """12-hour CR time as UX §7.3: "7:30 p. m."."""
    local = to_cr(dt)
    hour = local.hour % 12 or 12
    suffix = "a. m." if local.hour < 12 else "p. m."
    return f"{hour}:{local.minute:02d} {suffix}"


def format_time_seconds(dt: datetime) -> str:
    local = to_cr(dt)
    hour = local.hour % 12 or 12
    suffix = "a. m." if local.hour < 12 else "p. m."
    return f"{hour}:{local.minute:02d}:{local.second:02d} {suffix}"


def at_time_phrase(dt: datetime) -> str:
    """'a la 1:50 p. m.' / 'a las 12:50 p. m.' (Spanish article agrees with the hour)."""
    local = to_cr(dt)
    article = "a la" if (local.hour % 12 or 12) == 1 else "a las"
    return f"{article} {format_time(dt)}"


def format_date(d: date | datetime) -> str:
    if isinstance(d, datetime):
        d = to_cr(d).date()
    return d.strftime("%d/%m/%Y")


def format_datetime(dt: datetime) -> str:
    return f"{format_date(dt)} {format_time(dt)}"


def weekday_sunday0(d: date) -> int:
    """Weekday with 0 = Sunday (DOMAIN §8.1 days_of_week)."""
    return (d.weekday() + 1) % 7


def preset_range(preset: str, today: date, date_from: date | None = None,
                 date_to: date | None = None) -> tuple[date, date]:
    """Date presets (DOMAIN §7), inclusive CR dates."""
    if preset == "today":
        return today, today
    if preset == "yesterday":
        y = today - timedelta(days=1)
        return y, y
    if preset == "week":
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=6)
    if preset == "month":
        return today.replace(day=1), today
    if preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if preset == "year":
        return today.replace(month=1, day=1), today
    if preset == "range":
        if not date_from or not date_to:
            raise ValueError("Indique las fechas Desde y Hasta.")
        if date_from > date_to:
            raise ValueError("La fecha Desde no puede ser posterior a Hasta.")
        if date_to > today:
            raise ValueError("La fecha Hasta no puede estar en el futuro.")
        return date_from, date_to
    raise ValueError(f"Período desconocido: {preset}")
