"""Display formatting shared by templates and messages (UX §7.2)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def format_colones(value, *, symbol: bool = True) -> str:
    """'₡12 500', '₡1 234,50', '−₡300' (space thousands, céntimos only when non-zero)."""
    if value is None:
        value = Decimal(0)
    d = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    negative = d < 0
    d = abs(d)
    whole = int(d)
    cents = int((d - whole) * 100)
    text = f"{whole:,}".replace(",", " ")
    if cents:
        text += f",{cents:02d}"
    if symbol:
        text = "₡" + text
    return ("−" + text) if negative else text



def format_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = "".join(c for c in phone if c.isdigit())
    return f"{digits[:4]}-{digits[4:]}" if len(digits) == 8 else phone
