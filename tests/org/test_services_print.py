"""Receipt settings on the ventana / the vendedor's override; effective_print_settings (UX §2.7)."""
from __future__ import annotations

import pytest

from app.errors import Conflict, InvalidInput, OutOfScope
from app.org import services
from tests.org.conftest import audit_rows, config_version

VENTANA_PRINT = {"print_name": "CENTRO", "print_phone": "2222-1111", "paper_width_mm": "58",
                 "print_footer": "Suerte", "print_barcode": False, "auto_print": True}


def test_effective_defaults_from_ventana_and_banca(session, org):
    org.banca.settings = {**org.banca.settings, "receipt_header": "LA SUERTE", "receipt_footer": "Gracias",
                          "default_paper_width_mm": 80}
    org.ventana.phone = "22223333"
    session.flush()
    got = services.effective_print_settings(session, org.vendedor)
    assert got["header"] == "LA SUERTE" and got["print_name"] == org.ventana.name
    assert got["print_phone"] == "22223333" and got["footer"] == "Gracias" and got["paper_width_mm"] == 80
    assert got["print_barcode"] is True and got["auto_print"] is False


def test_listero_saves_on_its_ventana_and_sellers_inherit(session, ventana_scope, org):
    before = config_version(session, org.banca.id)
    saved = services.update_print_settings(session=session, scope=ventana_scope, user_id=org.listero.id,
                                           data=VENTANA_PRINT)
    assert saved.changed and org.ventana.print_phone == "22221111" and org.ventana.paper_width_mm == 58
    assert len(audit_rows(session, "VENTANA_UPDATE")) == 1
    assert config_version(session, org.banca.id) == before + 1
    got = services.effective_print_settings(session, org.vendedor)
    assert (got["print_name"], got["paper_width_mm"], got["print_barcode"], got["auto_print"]) == \
        ("CENTRO", 58, False, True)
    assert services.effective_print_settings(session, org.listero)["print_name"] == "CENTRO"


def test_vendedor_override_and_blank_inherits(session, vendedor_scope, org):
    org.ventana.print_name, org.ventana.auto_print = "CENTRO", True
    session.flush()
    data = {"print_name": "Carlos", "print_phone": "", "paper_width_mm": "", "print_footer": "",
            "print_barcode": "0", "auto_print": ""}
    saved = services.update_print_settings(session=session, scope=vendedor_scope, user_id=org.vendedor.id, data=data)
    assert set(saved.changes) == {"print_name", "print_barcode"}
    assert org.vendedor.settings["print"] == {"print_name": "Carlos", "print_barcode": False}
    got = services.effective_print_settings(session, org.vendedor)
    assert got["print_name"] == "Carlos" and got["print_barcode"] is False and got["auto_print"] is True
    [row] = audit_rows(session, "USER_UPDATE")
    assert "Impresión" in row.details["description"]
    again = services.update_print_settings(session=session, scope=vendedor_scope, user_id=org.vendedor.id,
                                           data=data)
    assert not again.changed
    assert services.effective_print_settings(session, org.vendedor2)["print_name"] == "CENTRO"


def test_other_settings_keys_survive(session, vendedor_scope, org):
    org.vendedor.settings = {"theme": "oscuro", "balance_reset_at": "2026-01-01T00:00:00+00:00"}
    session.flush()
    services.update_print_settings(session=session, scope=vendedor_scope, user_id=org.vendedor.id,
                                   data={"print_name": "Carlos"})
    assert org.vendedor.settings["theme"] == "oscuro" and "balance_reset_at" in org.vendedor.settings


def test_print_validation(session, ventana_scope, org):
    with pytest.raises(InvalidInput) as exc:
        services.update_print_settings(session=session, scope=ventana_scope, user_id=org.listero.id,
                                       data={**VENTANA_PRINT, "print_phone": "12", "paper_width_mm": "70",
                                             "print_footer": "x" * 201, "print_name": "y" * 101})
    assert set(exc.value.errors) == {"print_phone", "paper_width_mm", "print_footer", "print_name"}


def test_print_scope(session, ventana_scope, vendedor_scope, admin_scope, org):
    services.update_print_settings(session=session, scope=ventana_scope, user_id=org.vendedor.id,
                                   data={"print_name": "Desde el listero"})
    for scope, target in ((ventana_scope, org.other_vendedor), (ventana_scope, org.other_listero),
                          (vendedor_scope, org.vendedor2), (vendedor_scope, org.listero)):
        with pytest.raises(OutOfScope):
            services.update_print_settings(session=session, scope=scope, user_id=target.id, data={})
    with pytest.raises(Conflict):
        services.update_print_settings(session=session, scope=admin_scope, user_id=org.admin.id, data={})
    services.update_print_settings(session=session, scope=admin_scope, user_id=org.other_listero.id,
                                   data=VENTANA_PRINT)
    assert org.other_ventana.print_name == "CENTRO"


def test_preview_uses_typed_values_and_keeps_stored_for_bad_ones(session, vendedor_scope, org):
    got, errors = services.preview_print_settings(session, scope=vendedor_scope, user_id=org.vendedor.id,
                                                  data={"print_name": "Nuevo", "paper_width_mm": "99",
                                                        "print_barcode": "0"})
    assert got["print_name"] == "Nuevo" and got["paper_width_mm"] == 80 and got["print_barcode"] is False
    assert set(errors) == {"paper_width_mm"}
    assert (org.vendedor.settings or {}).get("print") is None  # nothing saved
