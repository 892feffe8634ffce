"""Editor form ⇄ policy document (pure; no database)."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from werkzeug.datastructures import MultiDict

from app.commissions import forms

NOW = datetime(2026, 3, 7, 18, 40, tzinfo=timezone.utc)


def data(**kw):
    return {"desde": "", "hasta": "", "default_percent": "5", "rules": [], **kw}


def test_cr_dates_become_instants():
    doc, errors = forms.document_from_form(data(desde="01/03/2026", hasta="2026-03-31"), None)
    assert errors == {}
    assert doc["effective_from"] == "2026-03-01T00:00:00-06:00"
    assert doc["effective_to"] == "2026-04-01T00:00:00-06:00"  # end of "Hasta" = 00:00 next day
    assert forms.vigencia_dates(doc) == (datetime(2026, 3, 1).date(), datetime(2026, 3, 31).date())


def test_unchanged_dates_keep_the_stored_instant():
    stored = {"effective_from": "2026-03-01T08:30:00-06:00", "effective_to": "2026-03-10T12:00:00-06:00"}
    doc, _ = forms.document_from_form(data(desde="2026-03-01", hasta="2026-03-10"), stored)
    assert (doc["effective_from"], doc["effective_to"]) == (stored["effective_from"], stored["effective_to"])
    doc, _ = forms.document_from_form(data(desde="2026-03-02", hasta=""), stored)
    assert doc["effective_from"] == "2026-03-02T00:00:00-06:00" and doc["effective_to"] is None


def test_errors_keyed_by_document_paths():
    _, errors = forms.document_from_form(data(desde="2026-03-05", hasta="2026-03-04"), None)
    assert errors == {"effective_to": "La fecha Hasta no puede ser anterior a Desde."}
    _, errors = forms.document_from_form(data(default_percent="", rules=[
        {"id": "", "loteria_id": "", "bet_type": "", "multiplier_value": "x", "percent": "1"}]), None)
    assert set(errors) == {"default_percent", "rules.0.multiplier_value"}
    _, errors = forms.document_from_form(data(desde="2026-13-01"), None)
    assert errors == {"effective_from": "Fecha inválida; use el formato dd/mm/aaaa."}


def test_round_trip_through_the_form():
    doc, _ = forms.document_from_form(data(default_percent="12,5", rules=[
        {"id": "a", "loteria_id": "", "bet_type": "NUMERO", "multiplier_value": "87.5", "percent": "10"}]), None)
    back = forms.form_data_from_document(doc)
    assert back["default_percent"] == "12.5" and back["rules"][0]["multiplier_value"] == "87.5"
    assert forms.document_from_form(back, doc) == (doc, {})


def test_row_actions():
    rows = [{"id": c} for c in "abc"]
    assert [r["id"] for r in forms.apply_row_action({"rules": rows}, "subir-0")["rules"]] == ["a", "b", "c"]
    assert [r["id"] for r in forms.apply_row_action({"rules": rows}, "bajar-2")["rules"]] == ["a", "b", "c"]
    assert [r["id"] for r in forms.apply_row_action({"rules": rows}, "quitar-9")["rules"]] == ["a", "b", "c"]
    assert [r["id"] for r in forms.apply_row_action({"rules": rows}, "nada")["rules"]] == ["a", "b", "c"]
    assert len(forms.apply_row_action({"rules": (rows * 34)[:100]}, "agregar")["rules"]) == 100  # capped


def test_parse_probe():
    form = forms.ProbeForm(MultiDict({"probar-monto": "1 000", "probar-tipo": "REVENTADO",
                                      "probar-multiplicador": "90", "probar-fecha": "10/03/2026"}), prefix="probar")
    values, errors = forms.parse_probe(form, NOW)
    assert errors == {}
    assert values["amount"] == Decimal(1000) and values["multiplier_value"] is None  # ignored for Reventado
    assert values["at"] == datetime(2026, 3, 10, 18, 0, tzinfo=timezone.utc)  # noon CR of that day
    form = forms.ProbeForm(MultiDict({"probar-monto": "-5", "probar-tipo": "X", "probar-fecha": "hoy"}), prefix="probar")
    _, errors = forms.parse_probe(form, NOW)
    assert set(errors) == {"probar-monto", "probar-tipo", "probar-fecha"}
