"""Tiquetes: list and detail (UX §3.1), scan lookup, receipt and printing (§2.7), anular/restaurar (§2.8)."""
from __future__ import annotations

from datetime import date

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.decorators import any_role, roles_required
from app.auth.models import Role
from app.db import unit_of_work
from app.errors import DomainError
from app.htmx import is_partial, redirect as hx_redirect, render_page_or_fragment, trigger
from app.sales import present, queries
from app.sales.forms import CancelForm, ReverseForm
from app.sales.routes import as_uuid, bp, retarget
from app.scope import current_scope
from app.tz import cr_today, preset_range, utcnow

PRESETS = [("today", "Hoy"), ("yesterday", "Ayer"), ("week", "Esta semana"), ("month", "Este mes"),
           ("last_month", "Mes anterior"), ("year", "Este año"), ("range", "Rango")]


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name) or ""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filters() -> tuple[queries.TicketFilters, dict, str | None]:
    """GET params → whitelisted filters (shareable URLs); a bad range falls back to "Hoy" with a message."""
    args = request.args
    preset = args.get("periodo", "today")
    if preset not in dict(PRESETS):
        preset = "today"
    error = None
    try:
        day_from, day_to = preset_range(preset, cr_today(), _date_arg("desde"), _date_arg("hasta"))
    except ValueError as exc:
        error, preset = str(exc), "today"
        day_from, day_to = preset_range("today", cr_today())
    estado = args.get("estado", "")
    orden = args.get("orden", "-vendido")
    f = queries.TicketFilters(
        date_from=day_from, date_to=day_to, sorteo_id=as_uuid(args.get("sorteo")),
        loteria_id=as_uuid(args.get("loteria")), estado=estado if estado in queries.ESTADOS else "",
        vendedor_id=as_uuid(args.get("vendedor")), ventana_id=as_uuid(args.get("ventana")),
        solo_ganadores=args.get("ganadores") == "1", pendientes=args.get("pendientes") == "1",
        q=(args.get("q") or "").strip()[:20],
        orden=orden if orden.lstrip("-") in queries.ORDERS else "-vendido",
        page=max(1, min(args.get("page", 1, type=int) or 1, 100000)))
    url_args = {k: v for k, v in {
        "periodo": preset, "desde": args.get("desde") if preset == "range" else None,
        "hasta": args.get("hasta") if preset == "range" else None, "sorteo": args.get("sorteo"),
        "loteria": args.get("loteria"), "estado": f.estado, "vendedor": args.get("vendedor"),
        "ventana": args.get("ventana"), "ganadores": "1" if f.solo_ganadores else None,
        "pendientes": "1" if f.pendientes else None, "q": f.q, "orden": f.orden}.items() if v}
    return f, url_args, error


@bp.route("/tiquetes")
@any_role
def ticket_list():
    scope = current_scope()
    f, url_args, error = _filters()
    with unit_of_work() as session:
        result = queries.ticket_page(session, scope, f)
        choices = queries.filter_choices(session, scope, f.date_from, f.date_to)
        title = "Mis tiquetes" if scope.is_vendedor else "Tiquetes"
        return render_page_or_fragment("sales/tiquetes.html", "sales/_ticket_list.html", title=title,
                                       result=result, f=f, url_args=url_args, choices=choices, presets=PRESETS,
                                       estados=queries.ESTADOS, filter_error=error, scope=scope,
                                       status_of=present.ticket_status)


def _detail_context(session, scope, ticket) -> dict:
    ctx = queries.ticket_context(session, ticket)
    ctx.update(ticket=ticket, scope=scope, estado=present.ticket_status(ticket),
               blocks=present.jugada_blocks(ticket.jugadas), payments=queries.payments_of(session, ticket.id),
               audit=queries.audit_of(session, ticket), pending=present.pending_amount(ticket),
               cierre=_closing(session, ticket, ctx["sorteo"], ctx["vendedor"]), now=utcnow(),
               receipt=_receipt_context(session, ticket, ctx))
    return ctx


def _closing(session, ticket, sorteo, vendedor):
    """Closing instant of the tiquete's sorteo for its vendedor: anular/restaurar until then (§12)."""
    from app.restrictions.rules import closing_instant
    from app.restrictions.services import effective_cutoff
    cutoff = effective_cutoff(session, sorteo=sorteo, vendedor_id=ticket.vendedor_id, ventana_id=ticket.ventana_id,
                              banca_id=ticket.banca_id, now=utcnow())
    return closing_instant(sorteo.scheduled_at, cutoff.minutes)


def _receipt_context(session, ticket, ctx) -> dict:
    from app.sales.page import print_settings
    settings = print_settings(session, ctx["vendedor"])
    return {"ticket": ticket, "sorteo": ctx["sorteo"], "loteria": ctx["loteria"], "vendedor": ctx["vendedor"],
            "settings": settings, "lines": present.receipt_lines(ticket, ticket.jugadas),
            "barcode": present.barcode_svg(ticket.ticket_number) if settings.get("print_barcode", True) else None,
            "sold_at": present.sold_at_text(ticket.created_at), "status": present.ticket_status(ticket)}


@bp.route("/tiquetes/<uuid:ticket_id>")
@any_role
def ticket_detail(ticket_id):
    scope = current_scope()
    with unit_of_work() as session:
        ticket = queries.ticket_in_scope(session, scope, ticket_id)
        ctx = _detail_context(session, scope, ticket)
        return render_page_or_fragment("sales/tiquete.html", "sales/_ticket_detail.html",
                                       title=f"Tiquete {ticket.ticket_number}", **ctx)


@bp.route("/tiquetes/buscar")
@any_role
def ticket_lookup():
    """Typed or scanned tiquete number: a dialog on HTMX pages, else the detail page (UX §2.6)."""
    scope = current_scope()
    number = (request.args.get("numero") or "").strip().upper()[:20]
    with unit_of_work() as session:
        try:
            ticket = queries.ticket_by_number(session, scope, number)
        except DomainError as exc:
            if not is_partial():
                raise
            return make_response(render_template("sales/_dialogo.html", mode="error", message=exc.message),
                                 exc.status)
        if not is_partial():
            return redirect(url_for("sales.ticket_detail", ticket_id=ticket.id))
        ctx = queries.ticket_context(session, ticket)
        return make_response(render_template(
            "sales/_dialogo.html", mode="scan", ticket=ticket, status=present.ticket_status(ticket),
            cierre=_closing(session, ticket, ctx["sorteo"], ctx["vendedor"]), pending=present.pending_amount(ticket),
            scope=scope, **ctx))


@bp.route("/tiquetes/<uuid:ticket_id>/recibo")
@any_role
def ticket_receipt(ticket_id):
    """Receipt view (no app chrome); printing goes through POST …/imprimir so it is audited."""
    scope = current_scope()
    with unit_of_work() as session:
        ticket = queries.ticket_in_scope(session, scope, ticket_id)
        ctx = queries.ticket_context(session, ticket)
        return render_template("sales/recibo.html", preview=True, **_receipt_context(session, ticket, ctx))


@bp.post("/tiquetes/<uuid:ticket_id>/imprimir")
@any_role
def ticket_print(ticket_id):
    """Audit the print (TICKET_PRINT / TICKET_REPRINT, §12) and return the receipt to print."""
    scope = current_scope()
    from app.sales import services
    with unit_of_work(immediate=True) as session:
        queries.ticket_in_scope(session, scope, ticket_id)
        ticket = services.record_print(session, scope=scope, actor=current_user, ticket_id=ticket_id)
        ctx = queries.ticket_context(session, ticket)
        html = render_template("sales/recibo.html", preview=False, **_receipt_context(session, ticket, ctx))
    return make_response(html)


@bp.route("/tiquetes/<uuid:ticket_id>/whatsapp")
@any_role
def ticket_whatsapp(ticket_id):
    scope = current_scope()
    with unit_of_work() as session:
        ticket = queries.ticket_in_scope(session, scope, ticket_id)
        ctx = queries.ticket_context(session, ticket)
        from app.sales.page import print_settings
        settings = print_settings(session, ctx["vendedor"])
        text = present.whatsapp_text(ticket, sorteo_name=ctx["sorteo"].name, scheduled_at=ctx["sorteo"].scheduled_at,
                                     jugadas=ticket.jugadas, header=settings.get("print_name") or "",
                                     cliente=ticket.cliente_nombre)
    return redirect(present.whatsapp_url(text))


# --------------------------------------------------------------------------- anular / restaurar / revertir


def _vista() -> str:
    vista = request.values.get("vista", "detalle")
    return vista if vista in ("detalle", "ultimo", "lista") else "detalle"


def _dialog(mode: str, status: int = 200, **ctx):
    if not is_partial():
        return make_response(render_template("sales/dialogo_pagina.html", mode=mode, title="Tiquete", **ctx), status)
    return make_response(render_template("sales/_dialogo.html", mode=mode, **ctx), status)


@bp.route("/tiquetes/<uuid:ticket_id>/anular", methods=["GET", "POST"])
@any_role
def ticket_cancel(ticket_id):
    """Confirm dialog 'Anular tiquete #…' with "Motivo" 3–200 (UX §2.8); the service checks the rules."""
    scope = current_scope()
    form = CancelForm()
    vista = _vista()
    if request.method == "GET" or not form.validate():
        with unit_of_work() as session:
            ticket = queries.ticket_in_scope(session, scope, ticket_id)
            ctx = queries.ticket_context(session, ticket)
            status = 200 if request.method == "GET" else 422
            return _dialog("anular", status, form=form, ticket=ticket, vista=vista, scope=scope,
                           cierre=_closing(session, ticket, ctx["sorteo"], ctx["vendedor"]), **ctx)
    from app.sales import services
    try:
        with unit_of_work(immediate=True) as session:
            ticket = services.cancel_ticket(session, scope=scope, actor=current_user, ticket_id=ticket_id,
                                            reason=form.motivo.data.strip())
            number = ticket.ticket_number
    except DomainError as exc:
        with unit_of_work() as session:
            ticket = queries.ticket_in_scope(session, scope, ticket_id)
            ctx = queries.ticket_context(session, ticket)
            return _dialog("anular", exc.status, form=form, ticket=ticket, vista=vista, scope=scope,
                           error=exc.message, cierre=_closing(session, ticket, ctx["sorteo"], ctx["vendedor"]), **ctx)
    return _changed(scope, ticket_id, vista, f"Tiquete {number} anulado.", "ticket-cancelled")


@bp.post("/tiquetes/<uuid:ticket_id>/restaurar")
@any_role
def ticket_restore(ticket_id):
    """Restore an anulado before the cutoff; the limits are re-validated by the service (§12)."""
    scope = current_scope()
    vista = _vista()
    from app.sales import services
    try:
        with unit_of_work(immediate=True) as session:
            ticket = services.restore_ticket(session, scope=scope, actor=current_user, ticket_id=ticket_id)
            number = ticket.ticket_number
    except DomainError as exc:
        return _dialog("error", exc.status, message=exc.message)
    return _changed(scope, ticket_id, vista, f"Tiquete {number} restaurado.", "ticket-restored")


@bp.route("/tiquetes/<uuid:ticket_id>/revertir-pago", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def payment_reverse(ticket_id):
    """'Revertir pago' (ADMIN, "Motivo" 5–500): undoes the latest live payment (DOMAIN §15)."""
    scope = current_scope()
    form = ReverseForm()
    if request.method == "GET" or not form.validate():
        with unit_of_work() as session:
            ticket = queries.ticket_in_scope(session, scope, ticket_id)
            return _dialog("revertir", 200 if request.method == "GET" else 422, form=form, ticket=ticket,
                           vista="detalle", scope=scope)
    from app.sales import services
    try:
        with unit_of_work(immediate=True) as session:
            services.reverse_payment(session, scope=scope, actor=current_user, ticket_id=ticket_id,
                                     reason=form.motivo.data.strip())
    except DomainError as exc:
        with unit_of_work() as session:
            ticket = queries.ticket_in_scope(session, scope, ticket_id)
            return _dialog("revertir", exc.status, form=form, ticket=ticket, vista="detalle", scope=scope,
                           error=exc.message)
    return _changed(scope, ticket_id, "detalle", "Pago revertido.", "payment-reversed")


def _changed(scope, ticket_id, vista: str, message: str, event: str):
    """After anular/restaurar/revertir: close the dialog, refresh the view it came from, toast."""
    if not is_partial():
        flash(message, "success")
        return hx_redirect(url_for("sales.ticket_detail", ticket_id=ticket_id))
    with unit_of_work() as session:
        ticket = queries.ticket_in_scope(session, scope, ticket_id)
        if vista in ("ultimo", "lista"):
            html = ""  # "Último tiquete", recent sales and the list refresh themselves on the event
        else:
            html = render_template("sales/_ticket_detail.html", oob=True, **_detail_context(session, scope, ticket))
    resp = make_response(render_template("sales/_dialogo.html", mode="closed") + html)
    trigger(resp, event, {"id": str(ticket_id)})
    return trigger(resp, "toast", {"message": message, "level": "success"})
