"""Receipt settings resolution: seller override → ventana → banca (UX §2.7). Pure."""
from __future__ import annotations

from app.org.print_settings import KEYS, merge_print_settings

BANCA = {"receipt_header": "BANCA LA SUERTE", "receipt_footer": "Gracias", "default_paper_width_mm": 58,
         "reprint_enabled": False}
VENTANA = {"name": "Ventana Centro", "phone": "22223333", "print_name": None, "print_phone": None,
           "paper_width_mm": None, "print_footer": None, "print_barcode": True, "auto_print": False}


def test_defaults_come_from_ventana_and_banca():
    got = merge_print_settings(BANCA, VENTANA, None)
    assert set(got) == set(KEYS)
    assert got == {"header": "BANCA LA SUERTE", "print_name": "Ventana Centro", "print_phone": "22223333",
                   "paper_width_mm": 58, "footer": "Gracias", "print_barcode": True, "auto_print": False,
                   "reprint_enabled": False}


def test_ventana_values_override_banca():
    ventana = {**VENTANA, "print_name": "CENTRO", "paper_width_mm": 80, "print_footer": "Suerte",
               "auto_print": True, "print_barcode": False}
    got = merge_print_settings(BANCA, ventana, None)
    assert (got["print_name"], got["paper_width_mm"], got["footer"], got["auto_print"], got["print_barcode"]) == \
        ("CENTRO", 80, "Suerte", True, False)


def test_seller_override_wins_and_blank_inherits():
    override = {"print_name": "Carlos", "print_barcode": False, "auto_print": None, "print_footer": ""}
    got = merge_print_settings(BANCA, {**VENTANA, "auto_print": True}, override)
    assert got["print_name"] == "Carlos"
    assert got["print_barcode"] is False
    assert got["auto_print"] is True        # None inherits the ventana's
    assert got["footer"] == "Gracias"       # blank inherits


def test_missing_everything_has_safe_defaults():
    got = merge_print_settings(None, None, None)
    assert got["paper_width_mm"] == 80 and got["print_barcode"] is True and got["auto_print"] is False
    assert got["header"] == "" and got["print_name"] == "" and got["reprint_enabled"] is True
    assert merge_print_settings({"default_paper_width_mm": "raro"}, None, None)["paper_width_mm"] == 80
