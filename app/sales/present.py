"""How tiquetes are shown: status labels, grouped jugadas, receipt lines, barcode, WhatsApp text.

Pure apart from python-barcode; no database and no Flask (UX §2.7, §3.1).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote

from app.formatting import format_colones
from app.sales.entry import NUMERO, REVENTADO, MergedLine, format_x, group_for_display
from app.tz import format_date, format_time, format_time_seconds

STATUS_CLASSES = {"Activo": "status-activo", "Anulado": "status-anulado", "Excluido": "status-excluido",
                  "Ganador": "status-ganador", "No ganador": "status-no-ganador", "Pagado": "status-pagado",
                  "Pago parcial": "status-pago-parcial"}


def _value(x):
    return getattr(x, "value", x)


def ticket_status(ticket) -> str:
    """UX §3.1 labels (never raw codes): Activo, Anulado, Excluido, Ganador, No ganador, Pagado, Pago parcial."""
    status = _value(ticket.status)
    if status == "CANCELLED":
        return "Anulado"
    if status == "EXCLUDED":
        return "Excluido"
    if status == "PAID":
        return "Pagado"
    if status == "EVALUATED":
        if not ticket.is_winner:
            return "No ganador"
        return "Pago parcial" if (ticket.total_paid or 0) > 0 else "Ganador"
    return "Activo"


def status_class(label: str) -> str:
    return STATUS_CLASSES.get(label, "")


def pending_amount(ticket) -> Decimal:
    """Premio − pagado − remanente aceptado (DOMAIN §15)."""
    if not ticket.is_winner or _value(ticket.status) not in ("EVALUATED", "PAID"):
        return Decimal(0)
    return max(Decimal(ticket.total_payout or 0) - Decimal(ticket.total_paid or 0)
               - Decimal(ticket.accepted_remainder or 0), Decimal(0))


@dataclass(frozen=True)
class ShownJugada:
    """A sold jugada for display (merged with its frozen multiplier and prize)."""

    type: str
    number: str
    amount: Decimal
    multiplier_x: Decimal | None
    is_winner: bool = False
    payout: Decimal | None = None
    is_active: bool = True


def merged_from_jugadas(jugadas) -> list[MergedLine]:
    """Sold jugadas → MergedLine (multiplier keyed by its frozen value, so groups read 'Paga 90 veces')."""
    out = []
    for j in jugadas:
        kind = _value(j.type)
        x = Decimal(j.final_multiplier_x) if kind == NUMERO and j.final_multiplier_x else None
        mid = format_x(x) if kind == NUMERO else None
        out.append(MergedLine(kind, j.number, Decimal(j.amount), mid, x))
    return out


def jugada_blocks(jugadas):
    """Receipt / detail grouping: per multiplier 'Paga X veces' with amount groups, then REVENTADOS."""
    return group_for_display(merged_from_jugadas(jugadas))


def winners(jugadas) -> list:
    return [j for j in jugadas if j.is_winner]


@lru_cache(maxsize=2048)
def barcode_svg(text: str) -> str:
    """CODE128 of the tiquete number as an inline SVG (no XML prolog), black on white."""
    from barcode import Code128
    from barcode.writer import SVGWriter
    raw = Code128(text, writer=SVGWriter()).render(
        {"module_height": 9.0, "module_width": 0.25, "quiet_zone": 2.0, "write_text": False})
    svg = raw.decode("utf-8")
    svg = svg[svg.index("<svg"):]
    return svg.replace('id="barcode_group"', 'class="barcode-group"')


def receipt_lines(ticket, jugadas) -> list[str]:
    """The jugada lines of the receipt, plain text ('Paga 90 veces', '1000 × 12, 34', 'REVENTADOS')."""
    out = []
    blocks = jugada_blocks([j for j in jugadas if j.is_active or _value(ticket.status) == "CANCELLED"])
    for block in blocks:
        out.append("REVENTADOS" if block.type == REVENTADO else block.title)
        for group in block.groups:
            out.append(f"{int(group.amount) if group.amount == int(group.amount) else group.amount} × "
                       + ", ".join(group.numbers))
    return out


def whatsapp_text(ticket, *, sorteo_name: str, scheduled_at: datetime | None, jugadas,
                  header: str = "", cliente: str | None = None) -> str:
    """Plain-text tiquete for a wa.me share (UX §2.7): grouping, ₡ amounts, draw time, number, total."""
    lines = []
    if header:
        lines.append(header)
    lines.append(f"Tiquete {ticket.ticket_number}")
    when = f" {format_date(scheduled_at)} {format_time(scheduled_at)}" if scheduled_at else ""
    lines.append(f"{sorteo_name}{when}")
    if cliente:
        lines.append(f"Cliente: {cliente}")
    for block in jugada_blocks([j for j in jugadas if j.is_active]):
        for text in block.texts():
            lines.append(f"{block.title}: {text}" if block.type == NUMERO else f"Reventado {text}")
    lines.append(f"Total: {format_colones(ticket.total_amount)}")
    if _value(ticket.status) == "CANCELLED":
        lines.append("ANULADO")
    return "\n".join(lines)


def whatsapp_url(text: str) -> str:
    return "https://wa.me/?text=" + quote(text, safe="")


def sold_at_text(dt: datetime) -> str:
    """'Vendido: 12/03/2026 1:05:09 p. m.'"""
    return f"{format_date(dt)} {format_time_seconds(dt)}"
