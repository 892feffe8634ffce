"""Bitácora "Detalles": Spanish labels and formatted values, never raw keys or codes (UX §7.1–7.3)."""
from __future__ import annotations

from app.audit.presentation import detail_label, detail_rows, format_detail


def test_known_keys_get_spanish_labels_and_values_are_formatted():
    rows = dict(detail_rows({
        "description": "no se repite", "from": "CLOSED", "to": "EVALUATED", "total_payout": "135000.00",
        "method": "cash", "is_final": False, "reference": None, "default_percent": 7.5,
        "effective_from": "2026-12-01T00:00:00-06:00", "applies_to_date": "2026-03-14",
        "reason": "throttled", "remaining_after": "1234.50",
    }))
    assert rows == {
        "Estado anterior": "Cerrado", "Estado nuevo": "Evaluado", "Total de premios": "₡135 000",
        "Forma de pago": "Efectivo", "Pago final": "No", "Referencia": "—", "% por defecto": "7,5 %",
        "Vigente desde": "01/12/2026 12:00 a. m.", "Fecha": "14/03/2026", "Motivo": "Demasiados intentos",
        "Pendiente después del pago": "₡1 234,50",
    }


def test_before_and_after_show_only_what_changed():
    rows = detail_rows({"before": {"name": "Centro", "phone": "22223333", "vendor_limit": None},
                        "after": {"name": "Centro Sur", "phone": "22223333", "vendor_limit": 5},
                        "sessions_revoked": 0})
    assert rows == [("Nombre", "Centro → Centro Sur"), ("Límite de vendedores", "— → 5"),
                    ("Sesiones cerradas", "0")]


def test_created_policy_lists_its_values_and_nested_rules():
    rows = dict(detail_rows({"level": "usuario", "before": None, "after": {
        "version": 1, "effective_from": None, "default_percent": 6,
        "rules": [{"id": "r1", "loteria_id": None, "bet_type": "REVENTADO", "multiplier_value": None, "percent": 10}]}}))
    assert rows["Nivel"] == "Vendedor" and rows["% por defecto"] == "6 %"
    assert rows["Reglas"] == "1) Tipo: Reventado; %: 10 %"
    assert "Vigente desde" not in rows  # empty values of a creation are left out


def test_no_english_key_or_raw_code_for_the_keys_the_app_records():
    for key in ("username", "device", "session_id", "level", "before", "ticket_number", "total", "jugadas",
                "lines", "kind", "value_x", "has_winner", "winners", "sales_cutoff_minutes", "max_total"):
        label = detail_label(key)
        assert label != key and "_" not in label
    assert format_detail("kind", "NUMERO") == "Número"
    assert format_detail("role", "VENTANA") == "Ventana"
    assert format_detail("applies_to_vendedor", True) == "Sí"
