"""View models of the sales page (UX §2): tiles, entry row, lines with availability, right column.

Routes call these to build template context; they read only (the draft may be created or have its
preselected sorteo stored, inside the caller's transaction).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from app.draws.models import Sorteo
from app.errors import DomainError
from app.sales import drafts, entry, queries
from app.sales.entry import NUMERO, LoteriaRules
from app.tz import cr_today, format_time


@dataclass
class NumberLimit:
    number: str
    amount: Decimal
    remaining: Decimal | None
    blocked: bool = False
    message: str | None = None

    @property
    def over(self) -> bool:
        return self.blocked or (self.remaining is not None and self.amount > self.remaining)

    @property
    def adjustable(self) -> bool:
        return not self.blocked and self.remaining is not None and self.remaining > 0


@dataclass
class LinesView:
    """What #lineas and #total show."""

    merged: list = field(default_factory=list)
    blocks: list = field(default_factory=list)
    limits: dict = field(default_factory=dict)  # number -> NumberLimit (only numbers under a limit)
    rejected: dict = field(default_factory=dict)  # number -> message from a refused sale
    message: str | None = None
    notes: list = field(default_factory=list)
    sorteo_open: bool = True

    @property
    def total(self) -> Decimal:
        return entry.ticket_total(self.merged)

    @property
    def count(self) -> int:
        return len(self.merged)

    @property
    def over(self) -> list:
        return [lim for lim in self.limits.values() if lim.over]

    @property
    def needs_multiplier(self) -> bool:
        return any(line.needs_multiplier for line in self.merged)

    @property
    def can_sell(self) -> bool:
        return bool(self.merged) and self.sorteo_open and not self.over and not self.needs_multiplier

    def flagged(self, number: str) -> bool:
        lim = self.limits.get(number)
        return number in self.rejected or (lim is not None and lim.over)


def number_limits(session, *, scope, vendedor, sorteo_id, merged, now) -> dict:
    """Per-number availability for the tiquete's numbers (only those under a limit)."""
    if not merged or sorteo_id is None:
        return {}
    from app.sales import services
    numbers = list(dict.fromkeys(line.number for line in merged))
    try:
        found = services.availability(session, scope=scope, vendedor_id=vendedor.id,
                                      sorteo_id=sorteo_id, numbers=numbers, now=now)
    except DomainError:
        return {}
    amounts: dict[str, Decimal] = {}
    for line in merged:
        amounts[line.number] = amounts.get(line.number, Decimal(0)) + line.amount
    limits = {}
    for number in numbers:
        a = (found or {}).get(number)
        if a is None or (a.remaining is None and not a.blocked):
            continue
        limits[number] = NumberLimit(number, amounts[number], a.remaining, bool(a.blocked), a.message)
    return limits


def lines_view(session, *, scope, vendedor, sorteo_id, lines, now, rejected=None, message=None, notes=None,
               sorteo_open=True) -> LinesView:
    merged = entry.merge_lines(lines)
    return LinesView(merged=merged, blocks=entry.group_for_display(merged),
                     limits=number_limits(session, scope=scope, vendedor=vendedor, sorteo_id=sorteo_id,
                                          merged=merged, now=now),
                     rejected=dict(rejected or {}), message=message, notes=list(notes or []),
                     sorteo_open=sorteo_open)


@dataclass
class Selection:
    """The vendedor's open sorteos and the one the draft points at."""

    tiles: list
    tile: queries.Tile | None
    multipliers: list
    rules: LoteriaRules | None

    @property
    def sorteo(self) -> Sorteo | None:
        return self.tile.sorteo if self.tile else None


def selection(session, *, vendedor, draft, now, preselect: bool = True) -> Selection:
    """Tiles plus the selected one; the next to close is preselected on first load (UX §2.2)."""
    tiles = queries.sale_tiles(session, vendedor=vendedor, now=now, include_id=draft.sorteo_id)
    tile = next((t for t in tiles if t.sorteo.id == draft.sorteo_id), None)
    if tile is None and preselect:
        tile = next((t for t in tiles if t.is_open), None)
        if tile is not None:
            drafts.set_sorteo(session, draft=draft, sorteo_id=tile.sorteo.id)
    if tile is None:
        return Selection(tiles, None, [], None)
    sorteo = tile.sorteo
    multipliers = queries.numero_multipliers(session, sorteo=sorteo, vendedor=vendedor, now=now)
    rules = LoteriaRules.from_rules(sorteo.loteria.rules, name=sorteo.loteria.name, digits=sorteo.digits)
    return Selection(tiles, tile, multipliers, rules)


def total_sorteo(sel: Selection) -> dict | None:
    """The sorteo the "Vender" form sells into (hidden inputs + label above the total)."""
    if sel.tile is None:
        return None
    s = sel.tile.sorteo
    return {"id": s.id, "label": f"{s.loteria.name} {format_time(s.scheduled_at)}", "cierre": sel.tile.cierre_epoch}


def targets(multipliers) -> list[entry.Multiplier]:
    return [entry.Multiplier(str(m.id), m.value_x, m.name) for m in multipliers]


def closing_banner(sel: Selection, lines) -> dict | None:
    """'El sorteo … cerró. ¿Pasar las jugadas al siguiente sorteo (…)?' while lines wait (UX §2.2)."""
    if sel.tile is None or sel.tile.is_open or not lines:
        return None
    return {"closed": sel.tile.sorteo, "next": queries.next_tile(sel.tiles, sel.tile.sorteo)}


def right_column(session, *, vendedor, user, now) -> dict:
    today = cr_today(now)
    sold, count = queries.sold_on(session, vendedor_id=vendedor.id, day=today)
    return {"recent": queries.recent_tickets(session, vendedor_id=vendedor.id, day=today),
            "sold_today": sold, "sold_count": count,
            "last": queries.last_ticket(session, vendedor_id=vendedor.id, actor_id=user.id)}


def print_settings(session, vendedor) -> dict:
    """Receipt settings (seller → ventana → banca); the banca defaults if the org service is absent."""
    try:
        from app.org.services import effective_print_settings
    except ImportError:  # pragma: no cover - the org package ships it
        effective_print_settings = None
    if effective_print_settings is not None:
        return effective_print_settings(session, vendedor)
    banca = vendedor.ventana.banca
    return {"header": banca.setting("receipt_header") or "", "print_name": vendedor.ventana.name,
            "print_phone": vendedor.ventana.phone or "", "paper_width_mm": banca.setting("default_paper_width_mm"),
            "footer": banca.setting("receipt_footer") or "", "print_barcode": True, "auto_print": False,
            "reprint_enabled": bool(banca.setting("reprint_enabled"))}


def moved_lines(lines, sel: Selection):
    """Lines carried into the selected sorteo, multipliers mapped by value (UX §2.4)."""
    if sel.tile is None:
        return list(lines), []
    return entry.map_multipliers(lines, targets(sel.multipliers), digits=sel.sorteo.digits,
                                 reventado_enabled=sel.rules.reventado_enabled)


def default_multiplier_id(sel: Selection, requested: str | None) -> str | None:
    ids = [str(m.id) for m in sel.multipliers]
    if requested in ids:
        return requested
    return ids[0] if ids else None


def repeat_lines(ticket, jugadas, lines, sel: Selection):
    """F8 'Repetir último': the last tiquete's jugadas appended as one new group, mapped by value."""
    group = entry.next_group(lines)
    carried = []
    for j in jugadas:
        kind = getattr(j.type, "value", j.type)
        x = j.final_multiplier_x if kind == NUMERO else None
        carried.append(entry.DraftLine(kind, j.number, Decimal(int(j.amount)), str(j.multiplier_id) if x else None,
                                       Decimal(x) if x else None, group))
    mapped, notes = moved_lines(carried, sel)
    return list(lines) + mapped, notes
