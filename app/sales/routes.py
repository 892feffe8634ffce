"""Sales page `/venta` (UX §2): sorteo tiles, the entry row, the lines, selling.

Tiquetes (/tiquetes…) and premios (/premios…) attach their routes to the same blueprint from
routes_tickets.py and routes_prizes.py (imported at the bottom).
"""
from __future__ import annotations

import uuid

from flask import Blueprint, current_app, flash, make_response, render_template, request, url_for
from flask_login import current_user

from app.auth.decorators import any_role
from app.auth.limits import sales_limit
from app.db import unit_of_work
from app.errors import DomainError, InvalidInput
from app.htmx import is_partial, redirect as hx_redirect, render_page_or_fragment, trigger
from app.sales import drafts, entry, page, queries
from app.sales.entry import EntryError
from app.sales.forms import GroupForm
from app.sales.schemas import LineInput, SaleRejected
from app.sales.urls import ticket_url
from app.scope import current_scope
from app.tz import utcnow

bp = Blueprint("sales", __name__)
bp.add_app_template_global(ticket_url, "ticket_url")


@bp.app_template_filter("tiquete_estado")
def _estado_filter(ticket) -> str:
    from app.sales.present import ticket_status
    return ticket_status(ticket)


@bp.app_template_filter("estado_class")
def _estado_class_filter(label: str) -> str:
    from app.sales.present import status_class
    return status_class(label)


@bp.app_template_filter("veces")
def _veces_filter(value) -> str:
    return entry.format_x(value)


def as_uuid(raw) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw)) if raw else None
    except (ValueError, TypeError, AttributeError):
        return None


def retarget(resp, target: str):
    """Send an error fragment somewhere else than the form's hx-target (htmx response header)."""
    resp.headers["HX-Retarget"] = target
    resp.headers["HX-Reswap"] = "outerHTML"
    return resp


def _vendedor(session, scope):
    """Who the tiquete is for: self, or the `vendedor` chosen in scope (last used, else the first)."""
    if scope.is_vendedor:
        return queries.vendedor_for_sale(session, scope, scope.user_id)
    requested = as_uuid(request.values.get("vendedor"))
    if requested is None and request.values.get("vendedor"):
        raise InvalidInput("El vendedor indicado no es válido.", field="vendedor")
    if requested is not None:
        return queries.vendedor_for_sale(session, scope, requested)
    options = queries.vendedores_in_scope(session, scope)
    last = drafts.latest_vendedor_id(session, user_id=scope.user_id)
    chosen = next((v for v in options if v.id == last), options[0] if options else None)
    return chosen


def _venta_url(vendedor, scope) -> str:
    return url_for("sales.sale_page", vendedor=None if scope.is_vendedor else vendedor.id)


def _context(session, scope, vendedor, *, now, draft=None, lines=None, rejected=None, message=None,
             notes=None, errors=None, form_values=None):
    """Everything the sales page shows for one vendedor (full page or #venta)."""
    draft = draft or drafts.get_draft(session, user_id=scope.user_id, vendedor_id=vendedor.id)
    sel = page.selection(session, vendedor=vendedor, draft=draft, now=now)
    lines = drafts.draft_lines(draft) if lines is None else lines
    view = page.lines_view(session, scope=scope, vendedor=vendedor, sorteo_id=sel.sorteo.id if sel.sorteo else None,
                           lines=lines, now=now, rejected=rejected, message=message, notes=notes,
                           sorteo_open=bool(sel.tile and sel.tile.is_open))
    values = {"monto": "", "multiplicador": None, **(form_values or {})}
    return {
        "vendedor": vendedor, "draft": draft, "sel": sel, "view": view, "ts": page.total_sorteo(sel), "errors": errors or {},
        "values": values, "multiplier_id": page.default_multiplier_id(sel, values.get("multiplicador")),
        "banner": page.closing_banner(sel, lines), "vendedores": [] if scope.is_vendedor else
        queries.vendedores_in_scope(session, scope), "scope": scope,
        "print": page.print_settings(session, vendedor),
        **_right(session, scope, vendedor, now),
    }


def _right(session, scope, vendedor, now) -> dict:
    ctx = page.right_column(session, vendedor=vendedor, user=current_user, now=now)
    ctx["last"] = _last_info(session, ctx["last"], vendedor, scope)
    return ctx


@bp.route("/venta")
@any_role
def sale_page():
    scope = current_scope()
    now = utcnow()
    with unit_of_work() as session:
        vendedor = _vendedor(session, scope)
        if vendedor is None:
            return render_page_or_fragment("sales/venta.html", "sales/_venta.html", title="Vender",
                                           no_vendedores=True, scope=scope)
        ctx = _context(session, scope, vendedor, now=now)
        resp = render_page_or_fragment("sales/venta.html", "sales/_venta.html", title="Vender", **ctx)
    return resp


@bp.route("/venta/sorteos")
@any_role
def sorteos_fragment():
    """#sorteos, polled every 30 s (X-Poll) and after each sale; also the closing banner (OOB)."""
    scope = current_scope()
    now = utcnow()
    with unit_of_work() as session:
        vendedor = _vendedor(session, scope)
        if vendedor is None:
            return make_response("", 204)
        draft = drafts.get_draft(session, user_id=scope.user_id, vendedor_id=vendedor.id)
        sel = page.selection(session, vendedor=vendedor, draft=draft, now=now)
        lines = drafts.draft_lines(draft)
        resp = make_response(render_template("sales/_sorteos.html", sel=sel, vendedor=vendedor, scope=scope,
                                             banner=page.closing_banner(sel, lines), oob_banner=True))
    resp.headers["Vary"] = "HX-Request"
    return resp


def _lines_response(session, scope, vendedor, draft, *, now, lines, status=200, **extra):
    """#lineas with #total (and the entry errors cleared) out-of-band."""
    sel = page.selection(session, vendedor=vendedor, draft=draft, now=now, preselect=False)
    view = page.lines_view(session, scope=scope, vendedor=vendedor, sorteo_id=draft.sorteo_id, lines=lines,
                           now=now, sorteo_open=bool(sel.tile and sel.tile.is_open), **extra)
    html = render_template("sales/_lineas.html", view=view, sel=sel, vendedor=vendedor, scope=scope, oob=True,
                           draft=draft, ts=page.total_sorteo(sel))
    return make_response(html, status)


def _after_change(session, scope, vendedor, draft, *, now, lines, **extra):
    if not is_partial():
        for note in extra.get("notes") or []:
            flash(note, "info")
        return hx_redirect(_venta_url(vendedor, scope))
    return _lines_response(session, scope, vendedor, draft, now=now, lines=lines, **extra)


def _entry_error(session, scope, vendedor, errors: dict, status: int, values: dict):
    """Errors under the entry row (UX §2.3): the chips stay, the user fixes and presses Enter again."""
    if not is_partial():
        ctx = _context(session, scope, vendedor, now=utcnow(), errors=errors, form_values=values)
        return make_response(render_template("sales/venta.html", title="Vender", **ctx), status)
    resp = make_response(render_template("sales/_entrada_errores.html", errors=errors), status)
    return retarget(resp, "#entrada-errores")


@bp.post("/venta/lineas")
@any_role
def add_group():
    """Validate one group on the server and add it to the draft (summing repeated numbers)."""
    scope = current_scope()
    now = utcnow()
    form = GroupForm()
    values = {"monto": form.monto.data or "", "multiplicador": form.multiplicador.data,
              "numeros": form.numeros.data or "", "reventado": form.reventado.data or ""}
    with unit_of_work() as session:
        vendedor = _vendedor(session, scope)
        if vendedor is None:
            raise InvalidInput("No hay vendedores activos para vender.")
        draft = drafts.get_draft(session, user_id=scope.user_id, vendedor_id=vendedor.id)
        sel = page.selection(session, vendedor=vendedor, draft=draft, now=now)
        if sel.tile is None or not sel.tile.is_open:
            return _entry_error(session, scope, vendedor, {"sorteo": "No hay un sorteo abierto seleccionado. "
                                                           "Elija un sorteo (F4)."}, 409, values)
        if not form.validate():
            errs = {k: v[0] for k, v in form.errors.items()}
            return _entry_error(session, scope, vendedor, errs, 422, values)
        lines = drafts.draft_lines(draft)
        try:
            group = _parse_group(form, sel)
        except EntryError as exc:
            return _entry_error(session, scope, vendedor, {exc.field: exc.message}, 422, values)
        numbers, amount, reventado, mult = group
        errors = entry.validate_group(numbers, amount, reventado, sel.rules, lines)
        if errors:
            return _entry_error(session, scope, vendedor, errors, 422, values)
        blocked = _blocked(session, scope, vendedor, sel, numbers, now)
        if blocked:
            return _entry_error(session, scope, vendedor, {"numeros": " ".join(blocked)}, 409, values)
        lines, notes = entry.add_group(lines, numbers=numbers, amount=amount, multiplier_id=str(mult.id),
                                       multiplier_x=mult.value_x, reventado=reventado)
        drafts.save_lines(session, draft=draft, lines=lines)
        return _after_change(session, scope, vendedor, draft, now=now, lines=lines, notes=notes)


def _parse_group(form, sel):
    mult_id = form.multiplicador.data or page.default_multiplier_id(sel, None)
    mult = next((m for m in sel.multipliers if str(m.id) == str(mult_id)), None)
    if mult is None:
        raise EntryError("Elija un multiplicador de la lista.", "multiplicador")
    amount = entry.parse_amount(form.monto.data)
    numbers = entry.parse_numbers(form.numeros.data, sel.sorteo.digits)
    reventado = entry.parse_optional_amount(form.reventado.data)
    return numbers, amount, reventado, mult


def _blocked(session, scope, vendedor, sel, numbers, now) -> list[str]:
    """'Número 13 bloqueado en este sorteo': fully blocked numbers are refused at entry (UX §2.4)."""
    merged = [entry.MergedLine(entry.NUMERO, n, entry.Decimal(1), None, None) for n in dict.fromkeys(numbers)]
    limits = page.number_limits(session, scope=scope, vendedor=vendedor, sorteo_id=sel.sorteo.id, merged=merged,
                                now=now)
    return [lim.message or f"Número {lim.number} bloqueado en este sorteo." for lim in limits.values()
            if lim.blocked or lim.remaining == 0]


def _keys(raw_list) -> list[tuple]:
    keys = []
    for raw in raw_list:
        parts = (raw or "").split("|")
        if len(parts) != 3 or parts[0] not in (entry.NUMERO, entry.REVENTADO) or not parts[1].isdigit():
            raise InvalidInput("La jugada indicada no es válida; recargue la página.")
        keys.append((parts[0], parts[1], parts[2] or None))
    return keys


def _draft_edit(change):
    """Common shape of the small #lineas edits: load the draft, apply `change`, save, re-render."""
    scope = current_scope()
    now = utcnow()
    with unit_of_work() as session:
        vendedor = _vendedor(session, scope)
        if vendedor is None:
            raise InvalidInput("No hay vendedores activos para vender.")
        draft = drafts.get_draft(session, user_id=scope.user_id, vendedor_id=vendedor.id)
        lines, notes = change(session, scope, vendedor, draft, drafts.draft_lines(draft), now)
        drafts.save_lines(session, draft=draft, lines=lines)
        return _after_change(session, scope, vendedor, draft, now=now, lines=lines, notes=notes)


@bp.post("/venta/lineas/quitar")
@any_role
def remove_line():
    keys = _keys(request.form.getlist("clave"))

    def change(session, scope, vendedor, draft, lines, now):
        for key in keys:
            lines = entry.remove_line(lines, key)
        return lines, []
    return _draft_edit(change)


@bp.post("/venta/lineas/deshacer")
@any_role
def undo_group():
    return _draft_edit(lambda s, sc, v, d, lines, now: (entry.remove_last_group(lines), []))


@bp.post("/venta/lineas/monto")
@any_role
def change_amount():
    keys = _keys(request.form.getlist("clave"))
    try:
        amount = entry.parse_amount(request.form.get("monto"))
    except EntryError as exc:
        raise InvalidInput(exc.message, field="monto") from None

    def change(session, scope, vendedor, draft, lines, now):
        return entry.set_amount(lines, keys, amount), []
    return _draft_edit(change)


@bp.post("/venta/lineas/ajustar")
@any_role
def adjust_line():
    """'Ajustar a ₡…': the server's availability decides, never the posted figure."""
    number = (request.form.get("numero") or "").strip()
    if not number.isascii() or not number.isdigit() or len(number) not in (2, 3):
        raise InvalidInput("El número indicado no es válido.")

    def change(session, scope, vendedor, draft, lines, now):
        merged = entry.merge_lines(lines)
        limits = page.number_limits(session, scope=scope, vendedor=vendedor, sorteo_id=draft.sorteo_id,
                                    merged=merged, now=now)
        lim = limits.get(number)
        if lim is None or lim.remaining is None:
            return lines, []
        return entry.adjust_number(lines, number, lim.remaining), [f"{number}: ajustado a {lim.remaining:,.0f}"
                                                                    .replace(",", " ")]
    return _draft_edit(change)


@bp.post("/venta/lineas/multiplicador")
@any_role
def choose_multiplier():
    """Give a multiplier to lines that had none after moving them to another sorteo (UX §2.4)."""
    keys = _keys(request.form.getlist("clave"))
    wanted = request.form.get("multiplicador")

    def change(session, scope, vendedor, draft, lines, now):
        sel = page.selection(session, vendedor=vendedor, draft=draft, now=now, preselect=False)
        mult = next((m for m in sel.multipliers if str(m.id) == wanted), None)
        if mult is None:
            raise InvalidInput("Elija un multiplicador de la lista.", field="multiplicador")
        return entry.assign_multiplier(lines, keys, entry.Multiplier(str(mult.id), mult.value_x)), []
    return _draft_edit(change)


@bp.post("/venta/limpiar")
@any_role
def clear_ticket():
    scope = current_scope()
    with unit_of_work() as session:
        vendedor = _vendedor(session, scope)
        if vendedor is None:
            raise InvalidInput("No hay vendedores activos para vender.")
        draft = drafts.get_draft(session, user_id=scope.user_id, vendedor_id=vendedor.id)
        drafts.clear(session, draft=draft)
        resp = _after_change(session, scope, vendedor, draft, now=utcnow(), lines=[])
    if is_partial():
        resp.set_data(resp.get_data() + render_template("sales/_campos_venta.html", draft=draft, oob=True).encode())
    return resp


@bp.post("/venta/cliente")
@any_role
def save_cliente():
    """The "Cliente" field is kept in the draft as it is typed (UX §2.9)."""
    scope = current_scope()
    cliente = request.form.get("cliente") or ""
    if len(cliente) > 100:
        raise InvalidInput("El nombre del cliente admite hasta 100 caracteres.", field="cliente")
    with unit_of_work() as session:
        vendedor = _vendedor(session, scope)
        if vendedor is None:
            raise InvalidInput("No hay vendedores activos para vender.")
        draft = drafts.get_draft(session, user_id=scope.user_id, vendedor_id=vendedor.id)
        drafts.set_cliente(session, draft=draft, cliente=cliente)
    if not is_partial():
        return hx_redirect(_venta_url(vendedor, scope))
    return make_response("", 204)


@bp.post("/venta/sorteo")
@any_role
def choose_sorteo():
    """Select a tile (or "Pasar jugadas"): lines move along, multipliers mapped by value."""
    scope = current_scope()
    now = utcnow()
    sorteo_id = as_uuid(request.form.get("sorteo_id"))
    with unit_of_work() as session:
        vendedor = _vendedor(session, scope)
        if vendedor is None:
            raise InvalidInput("No hay vendedores activos para vender.")
        draft = drafts.get_draft(session, user_id=scope.user_id, vendedor_id=vendedor.id)
        tiles = queries.sale_tiles(session, vendedor=vendedor, now=now, include_id=draft.sorteo_id)
        tile = next((t for t in tiles if t.sorteo.id == sorteo_id and t.is_open), None)
        if tile is None:
            raise DomainError("Ese sorteo ya no está abierto para la venta. Elija otro sorteo.", status=409)
        notes = []
        lines = drafts.draft_lines(draft)
        if tile.sorteo.id != draft.sorteo_id:
            drafts.set_sorteo(session, draft=draft, sorteo_id=tile.sorteo.id)
            sel = page.selection(session, vendedor=vendedor, draft=draft, now=now)
            lines, notes = page.moved_lines(lines, sel)
            drafts.save_lines(session, draft=draft, lines=lines)
        if not is_partial():
            for note in notes:
                flash(note, "info")
            return hx_redirect(_venta_url(vendedor, scope))
        # "Monto" stays filled with the last amount used, whatever the sorteo (UX §2.3).
        monto = "".join(ch for ch in (request.form.get("monto") or "") if ch.isdigit())[:12]
        ctx = _context(session, scope, vendedor, now=now, draft=draft, lines=lines, notes=notes,
                       form_values={"monto": monto})
        return make_response(render_template("sales/_venta.html", **ctx))


@bp.post("/venta/repetir")
@any_role
def repeat_last():
    """F8: the last tiquete's jugadas into the current sorteo (or the one given as `tiquete`)."""
    ticket_id = as_uuid(request.form.get("tiquete"))

    def change(session, scope, vendedor, draft, lines, now):
        ticket = (queries.ticket_in_scope(session, scope, ticket_id) if ticket_id
                  else queries.last_ticket(session, vendedor_id=vendedor.id, actor_id=scope.user_id))
        if ticket is None:
            raise DomainError("Todavía no hay un tiquete para repetir.", status=409)
        sel = page.selection(session, vendedor=vendedor, draft=draft, now=now)
        if sel.tile is None or not sel.tile.is_open:
            raise DomainError("Elija un sorteo abierto (F4) para repetir el tiquete.", status=409)
        return page.repeat_lines(ticket, ticket.jugadas, lines, sel)
    return _draft_edit(change)


@bp.route("/venta/recientes")
@any_role
def recent_fragment():
    scope = current_scope()
    with unit_of_work() as session:
        vendedor = _vendedor(session, scope)
        if vendedor is None:
            return make_response("", 204)
        ctx = page.right_column(session, vendedor=vendedor, user=current_user, now=utcnow())
        resp = make_response(render_template("sales/_recientes.html", vendedor=vendedor, scope=scope,
                                             topbar_oob=True, **ctx))
    resp.headers["Vary"] = "HX-Request"
    return resp


@bp.route("/venta/ultimo")
@any_role
def last_fragment():
    scope = current_scope()
    with unit_of_work() as session:
        vendedor = _vendedor(session, scope)
        if vendedor is None:
            return make_response("", 204)
        last = queries.last_ticket(session, vendedor_id=vendedor.id, actor_id=scope.user_id)
        resp = make_response(render_template("sales/_ultimo.html", last=_last_info(session, last, vendedor, scope),
                                             vendedor=vendedor, scope=scope))
    return resp


def _last_info(session, ticket, vendedor, scope) -> dict | None:
    """Plain values of the "Último tiquete" box (read before the session expires them)."""
    if ticket is None:
        return None
    from app.draws.models import Sorteo
    from app.restrictions.services import effective_cutoff
    from app.restrictions.rules import closing_instant
    from app.sales.present import ticket_status
    from app.tz import format_time
    sorteo = session.get(Sorteo, ticket.sorteo_id)
    ventana = vendedor.ventana
    cutoff = effective_cutoff(session, sorteo=sorteo, vendedor_id=vendedor.id, ventana_id=ventana.id,
                              banca_id=ventana.banca_id, now=utcnow())
    return {"id": ticket.id, "number": ticket.ticket_number,
            "sorteo": f"{sorteo.loteria.name} {format_time(sorteo.scheduled_at)}",
            "total": ticket.total_amount, "created_at": ticket.created_at,
            "status": ticket_status(ticket),
            "cierre_epoch": int(closing_instant(sorteo.scheduled_at, cutoff.minutes).timestamp())}


# --------------------------------------------------------------------------- selling


def _sell_fields(form) -> tuple[str, str, str]:
    """The sell form's own fields (idempotency key, sorteo, cliente), checked by hand: the hot path
    builds no WTForms form per sale (CSRF is checked by CSRFProtect before the view runs)."""
    key = form.get("idempotency_key") or ""
    if not key.strip() or not 8 <= len(key) <= 100:
        raise EntryError("Recargue la página para vender.", "venta")
    cliente = form.get("cliente") or ""
    if len(cliente) > 100:
        raise EntryError("Máximo 100 caracteres.", "venta")
    return key, form.get("sorteo_id") or "", cliente


def _sale_lines(tokens) -> list[LineInput]:
    out = []
    for token in tokens:
        digits = len((token.split("|") + ["", ""])[1])
        kind, number, amount, mid = entry.parse_line_token(token, digits if digits in (2, 3) else 2)
        mult = as_uuid(mid) if mid else None
        if kind == entry.NUMERO and mult is None:
            raise EntryError("Las jugadas enviadas no son válidas; recargue la página.", "lineas")
        out.append(LineInput(type=kind, number=number, amount=amount, multiplier_id=mult))
    return out


@bp.post("/venta/vender")
@any_role
@sales_limit  # DOMAIN §20: RATELIMIT_SALES accepted sales per minute per user
def sell():
    """Sell the tiquete (UX §2.5). Lean: one service call (on PostgreSQL its last statement also resets
    the draft), a small fragment."""
    scope = current_scope()
    tokens = request.form.getlist("j")
    vendedor_id = scope.user_id if scope.is_vendedor else as_uuid(request.form.get("vendedor"))
    try:
        idempotency_key, raw_sorteo, cliente = _sell_fields(request.form)
        lines = _sale_lines(tokens)
        sorteo_id = as_uuid(raw_sorteo)
        if vendedor_id is None or (tokens and sorteo_id is None):
            raise EntryError("Elija el vendedor y el sorteo antes de vender.", "venta")
    except EntryError as exc:
        return _sale_refused(scope, exc.message, 422)
    try:
        with unit_of_work(immediate=True) as session:
            if not lines:  # plain form without JavaScript: sell what the draft holds
                lines, sorteo_id = _draft_sale_lines(session, scope, vendedor_id)
            from app.sales import services
            next_key = drafts.new_idempotency_key()
            result = services.sell_ticket(session, scope=scope, actor=current_user, vendedor_id=vendedor_id,
                                          sorteo_id=sorteo_id, lines=lines,
                                          cliente_nombre=drafts.clean_cliente(cliente),
                                          idempotency_key=idempotency_key,
                                          reset_draft={"id": uuid.uuid4(), "user_id": scope.user_id,
                                                       "vendedor_id": vendedor_id, "key": next_key,
                                                       "now": utcnow()})
            info = _sold_info(session, result.ticket, request.form.get("sorteo_label"))
            key = next_key if result.draft_reset else drafts.after_sale(
                session, user_id=scope.user_id, vendedor_id=vendedor_id, sorteo_id=sorteo_id)
    except SaleRejected as exc:
        return _sale_refused(scope, exc.message, exc.status, exc.numbers)
    except DomainError as exc:
        return _sale_refused(scope, exc.message, exc.status)
    info["cierre_epoch"] = request.form.get("cierre", type=int)
    if not is_partial():
        flash(f"Tiquete {info['number']} vendido por {info['total_text']}.", "success")
        return hx_redirect(url_for("sales.sale_page", vendedor=None if scope.is_vendedor else vendedor_id))
    ts = {"id": sorteo_id, "label": info.pop("label"), "cierre": info["cierre_epoch"]}
    # The environment renders directly: the shell's context processor would reload the user.
    html = current_app.jinja_env.get_template("sales/_sold.html").render(
        last=info, key=key, cliente=None, ts=ts, vendedor={"id": vendedor_id}, view=page.LinesView(), sel=None,
        scope=scope)
    resp = make_response(html)
    return trigger(resp, "ticket-sold", {"id": str(info["id"]), "numero": info["number"],
                                         "imprimir": ticket_url("sales.ticket_print", info["id"])})


def _sold_info(session, ticket, label: str | None) -> dict:
    """Plain values of the sold tiquete (a new sale's SoldTicket carries the lotería and time, so
    nothing is reloaded). The sorteo's label comes from the page that rendered the tile (display
    only), else from the SoldTicket; only a replayed sale (an ORM Ticket) reads its Sorteo."""
    from app.formatting import format_colones
    info = {"id": ticket.id, "number": ticket.ticket_number, "total": ticket.total_amount,
            "total_text": format_colones(ticket.total_amount), "created_at": ticket.created_at, "status": "Activo"}
    label = (label or "").strip()[:120]
    if not label:
        from app.tz import format_time
        loteria_name, scheduled_at = getattr(ticket, "loteria_name", None), getattr(ticket, "sorteo_scheduled_at", None)
        if loteria_name is None or scheduled_at is None:
            from app.draws.models import Sorteo
            sorteo = session.get(Sorteo, ticket.sorteo_id)
            loteria_name, scheduled_at = sorteo.loteria.name, sorteo.scheduled_at
        label = f"{loteria_name} {format_time(scheduled_at)}"
    info["sorteo"] = info["label"] = label
    return info


def _draft_sale_lines(session, scope, vendedor_id):
    draft = drafts.get_draft(session, user_id=scope.user_id, vendedor_id=vendedor_id)
    merged = entry.merge_lines(drafts.draft_lines(draft))
    if not merged:
        raise InvalidInput("Agregue al menos una jugada antes de vender.")
    return _sale_lines([m.token for m in merged]), draft.sorteo_id


def _sale_refused(scope, message: str, status: int, numbers: dict | None = None):
    """The lines stay, failing numbers are marked, the message says what to do (UX §2.5)."""
    now = utcnow()
    with unit_of_work() as session:
        vendedor = _vendedor(session, scope)
        if vendedor is None:
            raise DomainError(message, status=status)
        draft = drafts.get_draft(session, user_id=scope.user_id, vendedor_id=vendedor.id)
        lines = drafts.draft_lines(draft)
        if not is_partial():
            ctx = _context(session, scope, vendedor, now=now, draft=draft, rejected=numbers, message=message)
            return make_response(render_template("sales/venta.html", title="Vender", **ctx), status)
        resp = _lines_response(session, scope, vendedor, draft, now=now, lines=lines, status=status,
                               rejected=numbers, message=message)
    return retarget(resp, "#lineas")


from app.sales import routes_prizes, routes_tickets  # noqa: E402,F401  (attach their routes to bp)
