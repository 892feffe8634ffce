"""Template filters and globals: money, CR time, labels, the role menu."""
from __future__ import annotations

from flask import current_app, g, url_for
from flask_login import current_user

from app.formatting import format_colones, format_phone
from app.tz import format_date, format_datetime, format_time, format_time_seconds, to_cr, utcnow

MENU = {
    "VENDEDOR": [("Vender", "sales.sale_page"), ("Mis tiquetes", "sales.ticket_list"),
                 ("Premios", "sales.prizes_page"), ("Mis restricciones", "restrictions.my_rules"),
                 ("Mi día", "dashboard.mi_dia"), ("Mi cuenta", "auth.account")],
    "VENTANA": [("Panel", "dashboard.ventana_home"), ("Vender", "sales.sale_page"),
                ("Tiquetes", "sales.ticket_list"), ("Premios", "sales.prizes_page"),
                ("Vendedores", "org.user_list"), ("Sorteos", "draws.sorteo_list"),
                ("Números", "dashboard.numbers"), ("Restricciones", "restrictions.my_rules"),
                ("Estado de cuenta", "accounts.statement"), ("Mi cuenta", "auth.account")],
    "ADMIN": [("Panel", "dashboard.admin_home"), ("Vender", "sales.sale_page"),
              ("Tiquetes", "sales.ticket_list"), ("Premios", "sales.prizes_page"),
              ("Sorteos", "draws.sorteo_list"), ("Números", "dashboard.numbers"),
              ("Estado de cuenta", "accounts.statement"), ("Reportes", "dashboard.reports"),
              ("Bancas", "org.banca_list"), ("Ventanas", "org.ventana_list"),
              ("Usuarios", "org.user_list"), ("Loterías", "draws.loteria_list"),
              ("Multiplicadores", "draws.multiplier_list"), ("Restricciones", "restrictions.rule_list"),
              ("Comisiones", "commissions.index"), ("Configuración", "org.settings"),
              ("Trabajos", "jobs.job_list"), ("Bitácora", "audit.log_list")],
}

STATUS_LABELS = {
    "ACTIVE": "Activo", "CANCELLED": "Anulado", "EXCLUDED": "Excluido", "EVALUATED": "Evaluado",
    "PAID": "Pagado", "SCHEDULED": "Programado", "OPEN": "Abierto", "CLOSED": "Cerrado",
    "NUMERO": "Número", "REVENTADO": "Reventado", "ADMIN": "Administrador", "VENTANA": "Ventana",
    "VENDEDOR": "Vendedor", "cash": "Efectivo", "sinpe": "SINPE Móvil", "transfer": "Transferencia",
    "check": "Cheque", "other": "Otro", "payment": "Pago entregado", "collection": "Abono recibido",
}


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def menu_items():
    if not current_user.is_authenticated:
        return []
    role = getattr(current_user.role, "value", current_user.role)
    items = []
    hide_prizes = role == "VENDEDOR" and not _vendedor_can_pay()
    for label, endpoint in MENU.get(role, []):
        if endpoint == "sales.prizes_page" and hide_prizes:
            continue
        if has_endpoint(endpoint):
            items.append((label, url_for(endpoint), endpoint))
    return items


def _vendedor_can_pay() -> bool:
    ventana = current_user.ventana
    banca = ventana.banca if ventana is not None else None
    return bool(banca.setting("vendedor_can_pay")) if banca is not None else False


def label(value) -> str:
    if value is None:
        return ""
    key = getattr(value, "value", value)
    return STATUS_LABELS.get(key, str(key))


def register_jinja(app) -> None:
    app.jinja_env.filters.update(
        colones=format_colones, phone=format_phone, cr_date=format_date, cr_time=format_time,
        cr_time_s=format_time_seconds, cr_datetime=format_datetime, label=label,
        cr=to_cr,
    )
    app.jinja_env.globals.update(has_endpoint=has_endpoint, menu_items=menu_items)

    @app.context_processor
    def _shell():
        ctx = {"now_utc": utcnow(), "request_id": getattr(g, "request_id", "")}
        if current_user.is_authenticated:
            from app.extensions import db
            from app.org.models import Banca
            login = getattr(g, "login_session", None)
            banca = None
            if current_user.role == "ADMIN" or getattr(current_user.role, "value", "") == "ADMIN":
                banca_id = login.banca_id if login is not None else None
                banca = db.session.get(Banca, banca_id) if banca_id else None
                ctx["all_bancas"] = db.session.query(Banca).filter(Banca.is_active.is_(True)).order_by(Banca.name).all()
            elif current_user.ventana is not None:
                banca = current_user.ventana.banca
            ctx["current_banca"] = banca
            ctx["ventana_label"] = (banca.setting("ventana_label") if banca else None) or "Ventana"
        return ctx
