"""Premios `/premios` (UX §3.2, DOMAIN §15): scan a tiquete, pay (partial / final), finalize, voucher."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, make_response, render_template, request, url_for
from flask_login import current_user

from app.auth.decorators import any_role
from app.db import unit_of_work
from app.errors import DomainError
from app.htmx import is_partial, redirect as hx_redirect, render_page_or_fragment, trigger
from app.sales import drafts, entry, present, queries
from app.sales.entry import EntryError
from app.sales.forms import PaymentForm
from app.sales.routes import as_uuid, bp
from app.scope import current_scope
from app.tz import cr_today, utcnow

PENDING_DAYS = {"hoy": 0, "semana": 6, "mes": 30}


def can_pay(scope, banca) -> bool:
    """ADMIN and VENTANA always; VENDEDOR when the banca's vendedor_can_pay (DOMAIN §15)."""
    if not scope.is_vendedor:
        return True
    return bool(banca.setting("vendedor_can_pay")) if banca is not None else False


def _banca(session, scope):
    from app.org.models import Banca
    return session.get(Banca, scope.banca_id) if scope.banca_id else None


def _card_context(session, scope, ticket, form=None, error=None, paid=None) -> dict:
    ctx = queries.ticket_context(session, ticket)
    pending = present.pending_amount(ticket)
    if form is None:
        form = PaymentForm(formdata=None)
        form.monto.data = f"{pending:f}".replace(".", ",").removesuffix(",00") if pending else ""
        form.idempotency_key.data = "p-" + drafts.new_idempotency_key()[2:]
    ctx.update(ticket=ticket, status=present.ticket_status(ticket), pending=pending, form=form, error=error,
               winners=present.winners(ticket.jugadas), payments=queries.payments_of(session, ticket.id),
               allowed=can_pay(scope, _banca(session, scope)), scope=scope, paid=paid)
    return ctx


def _pending_context(session, scope) -> dict:
    periodo = request.args.get("pendientes", "hoy")
    days = PENDING_DAYS.get(periodo, 0)
    today = cr_today()
    rows = queries.pending_prizes(session, scope, date_from=today - timedelta(days=days), date_to=today)
    return {"pending_rows": rows, "periodo": periodo if periodo in PENDING_DAYS else "hoy",
            "pending_of": present.pending_amount}


@bp.route("/premios")
@any_role
def prizes_page():
    """Field "Tiquete" focused on load; `?tiquete=` shows the card (typed or scanned)."""
    scope = current_scope()
    number = (request.args.get("tiquete") or "").strip().upper()[:20]
    with unit_of_work() as session:
        ctx = {"number": number, "scope": scope, "card": None, "card_error": None, "card_status": 200}
        if number:
            try:
                ticket = queries.ticket_by_number(session, scope, number)
                ctx["card"] = _card_context(session, scope, ticket)
            except DomainError as exc:
                ctx["card_error"], ctx["card_status"] = exc.message, exc.status
        ctx.update(_pending_context(session, scope))
        return render_page_or_fragment("sales/premios.html", "sales/_premio.html", status=ctx["card_status"],
                                       title="Premios", **ctx)


@bp.route("/premios/pendientes")
@any_role
def prizes_pending():
    scope = current_scope()
    with unit_of_work() as session:
        return render_page_or_fragment("sales/premios.html", "sales/_pendientes.html", title="Premios",
                                       number="", card=None, card_error=None, scope=scope,
                                       **_pending_context(session, scope))


def _card_response(session, scope, ticket_id, status=200, **extra):
    ticket = queries.ticket_in_scope(session, scope, ticket_id)
    card = _card_context(session, scope, ticket, **extra)
    return make_response(render_template("sales/_premio.html", card=card, number=ticket.ticket_number,
                                         scope=scope, card_error=None), status)


@bp.post("/premios/<uuid:ticket_id>/pagar")
@any_role
def prize_pay(ticket_id):
    """'Registrar pago' with idempotency key; over-payment 422; the voucher prints on success."""
    scope = current_scope()
    form = PaymentForm()
    error = None
    amount = None
    if form.validate():
        try:
            amount = entry.parse_money(form.monto.data, label="El monto a pagar")
        except EntryError as exc:
            form.monto.errors = [exc.message]
    if amount is None:
        with unit_of_work() as session:
            return _card_response(session, scope, ticket_id, 422, form=form)
    from app.sales import services
    try:
        with unit_of_work(immediate=True) as session:
            queries.ticket_in_scope(session, scope, ticket_id)
            payment = services.pay_ticket(session, scope=scope, actor=current_user, ticket_id=ticket_id,
                                          amount=amount, method=form.metodo.data,
                                          reference=(form.referencia.data or "").strip() or None,
                                          notes=(form.nota.data or "").strip() or None,
                                          is_final=bool(form.pago_final.data),
                                          idempotency_key=form.idempotency_key.data)
            payment_id = payment.id
    except DomainError as exc:
        # Field errors (over-payment, method, reference) go under their field (UX §7.6).
        field = {"amount": form.monto, "method": form.metodo, "reference": form.referencia,
                 "notes": form.nota}.get(exc.field or "")
        if field is not None:
            field.errors = [exc.message]
        else:
            error = exc.message
        with unit_of_work() as session:
            return _card_response(session, scope, ticket_id, exc.status, form=form, error=error)
    voucher = url_for("sales.payment_voucher", payment_id=payment_id)
    if not is_partial():
        flash("Pago registrado.", "success")
        with unit_of_work() as session:
            number = queries.ticket_in_scope(session, scope, ticket_id).ticket_number
        return hx_redirect(url_for("sales.prizes_page", tiquete=number))
    with unit_of_work() as session:
        resp = _card_response(session, scope, ticket_id, paid={"voucher": voucher})
    trigger(resp, "payment-recorded", {"comprobante": voucher})
    return trigger(resp, "toast", {"message": "Pago registrado.", "level": "success"})


@bp.post("/premios/<uuid:ticket_id>/finalizar")
@any_role
def prize_finalize(ticket_id):
    """'Finalizar': accept the remainder of a partly paid premio without a new payment (§15)."""
    scope = current_scope()
    from app.sales import services
    try:
        with unit_of_work(immediate=True) as session:
            queries.ticket_in_scope(session, scope, ticket_id)
            services.finalize_ticket(session, scope=scope, actor=current_user, ticket_id=ticket_id)
    except DomainError as exc:
        with unit_of_work() as session:
            return _card_response(session, scope, ticket_id, exc.status, error=exc.message)
    if not is_partial():
        flash("Premio finalizado.", "success")
        return hx_redirect(url_for("sales.ticket_detail", ticket_id=ticket_id))
    with unit_of_work() as session:
        resp = _card_response(session, scope, ticket_id)
    trigger(resp, "payment-recorded", None)
    return trigger(resp, "toast", {"message": "Premio finalizado.", "level": "success"})


@bp.route("/premios/pagos/<uuid:payment_id>/comprobante")
@any_role
def payment_voucher(payment_id):
    """Payment voucher (same printer settings as the receipt) with "PAGADO" and the amount."""
    scope = current_scope()
    with unit_of_work() as session:
        payment, ticket = queries.payment_in_scope(session, scope, payment_id)
        ctx = queries.ticket_context(session, ticket)
        from app.auth.models import User
        from app.sales.page import print_settings
        return render_template("sales/comprobante.html", payment=payment, ticket=ticket,
                               payer=session.get(User, payment.paid_by), settings=print_settings(session, ctx["vendedor"]),
                               now=utcnow(), **ctx)
