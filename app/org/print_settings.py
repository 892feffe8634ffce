"""Receipt settings resolution (UX §2.7): seller override → ventana → banca defaults. Pure."""
from __future__ import annotations

from collections.abc import Mapping

from app.org.models import DEFAULT_BANCA_SETTINGS

# Keys of the dict every caller gets back (the receipt engine reads exactly these).
KEYS = ("header", "print_name", "print_phone", "paper_width_mm", "footer", "print_barcode",
        "auto_print", "reprint_enabled")


def _first(*values):
    for value in values:
        if value not in (None, ""):
            return value
    return None


def merge_print_settings(banca_settings: Mapping | None, ventana: Mapping | None,
                         override: Mapping | None) -> dict:
    """Effective receipt settings.

    banca_settings: Banca.settings; ventana: the ventana's name/phone/print_* fields (or None);
    override: the vendedor's user.settings["print"] (blank keys inherit).
    "Nombre en tiquete" falls back to the ventana's name and "Teléfono" to its phone.
    """
    banca = {**DEFAULT_BANCA_SETTINGS, **(banca_settings or {})}
    v = ventana or {}
    o = override or {}
    width = _first(o.get("paper_width_mm"), v.get("paper_width_mm"), banca.get("default_paper_width_mm"), 80)
    try:
        width = int(width)
    except (TypeError, ValueError):
        width = 80
    barcode = o.get("print_barcode")
    auto = o.get("auto_print")
    return {
        "header": banca.get("receipt_header") or "",
        "print_name": _first(o.get("print_name"), v.get("print_name"), v.get("name")) or "",
        "print_phone": _first(o.get("print_phone"), v.get("print_phone"), v.get("phone")) or "",
        "paper_width_mm": width if width in (58, 80) else 80,
        "footer": _first(o.get("print_footer"), v.get("print_footer"), banca.get("receipt_footer")) or "",
        "print_barcode": bool(v.get("print_barcode", True) if barcode is None else barcode),
        "auto_print": bool(v.get("auto_print", False) if auto is None else auto),
        "reprint_enabled": bool(banca.get("reprint_enabled", True)),
    }


def ventana_print_fields(ventana) -> dict:
    """The subset of a Ventana row merge_print_settings() reads."""
    if ventana is None:
        return {}
    return {"name": ventana.name, "phone": ventana.phone, "print_name": ventana.print_name,
            "print_phone": ventana.print_phone, "paper_width_mm": ventana.paper_width_mm,
            "print_footer": ventana.print_footer, "print_barcode": ventana.print_barcode,
            "auto_print": ventana.auto_print}
