"""Org admin pages (UX §6): Bancas, Ventanas, Configuración; Usuarios and receipt settings are in
app/org/routes_users.py (same blueprint)."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, make_response, render_template, request, url_for

from app.auth.decorators import admin_required, roles_required
from app.auth.models import Role
from app.db import unit_of_work
from app.errors import DomainError
from app.extensions import db
from app.htmx import is_htmx, render_page_or_fragment, trigger
from app.htmx import redirect as hx_redirect
from app.org import forms, queries, services
from app.scope import current_scope

bp = Blueprint("org", __name__)


# --------------------------------------------------------------------------- shared helpers


def safe_next(fallback: str) -> str:
    """The form's `next` (a local path only), else the fallback."""
    target = request.form.get("next") or request.args.get("next") or ""
    parsed = urlparse(target)
    if target.startswith("/") and not target.startswith("//") and not parsed.scheme and not parsed.netloc:
        return target
    return fallback


def saved(result, url: str):
    """Flash "Cambios guardados" / "No hay cambios" and go to `url` (HX-Redirect or 303)."""
    if result is None or getattr(result, "changed", True):
        flash("Cambios guardados", "success")
    else:
        flash("No hay cambios", "info")
    return hx_redirect(url)


def form_response(form, *, page: str, fragment: str, call, on_success, **ctx):
    """POST handling of every org form: service in one unit of work; invalid → 422 fragment with
    the errors on their fields; business refusal → its status (409) with the message; 403/404
    go to the global handlers. Nothing is written unless the whole call succeeds."""
    status, error = 422, None
    if form.validate_on_submit():
        try:
            with unit_of_work() as session:
                result = call(session)
        except DomainError as err:
            if err.status in (403, 404):
                raise
            error, status = forms.apply_errors(form, err), err.status
        else:
            return on_success(result)
    else:
        error = "Revise los datos ingresados."
    return render_page_or_fragment(page, fragment, status=status, form=form, error=error, **ctx)


def restore_response(call, message: str, fallback: str):
    """Reactivar (POST): success → flash + back to the list; a refusal (e.g. vendor limit, 409)
    → a toast for HTMX (nothing swapped) or the error page."""
    try:
        with unit_of_work() as session:
            call(session)
    except DomainError as err:
        if err.status in (403, 404) or not is_htmx():
            raise
        resp = make_response(render_template("components/_error.html", message=err.message,
                                             status=err.status), err.status)
        resp.headers["HX-Reswap"] = "none"
        return trigger(resp, "toast", {"message": err.message, "level": "error"})
    flash(message, "success")
    return hx_redirect(safe_next(fallback))


def deactivate_view(*, call, title: str, subject: str, cancel_url: str, done_url: str, message: str):
    """GET: confirm page with "Motivo"; POST: soft delete through `call(session, reason)`."""
    form = forms.ReasonForm()
    ctx = {"title": title, "subject": subject, "cancel_url": cancel_url, "action_url": request.path}
    if request.method == "POST":
        return form_response(form, page="org/deactivate.html", fragment="org/_deactivate_form.html",
                             call=lambda s: call(s, form.reason.data),
                             on_success=lambda _r: (flash(message, "success"), hx_redirect(done_url))[1],
                             **ctx)
    return render_page_or_fragment("org/deactivate.html", "org/_deactivate_form.html", form=form, **ctx)


# --------------------------------------------------------------------------- bancas


@bp.route("/bancas")
@admin_required
def banca_list():
    args = forms.parse_list_args(request.args, queries.BANCA_SORTS)
    result = queries.banca_page(db.session, args)
    return render_page_or_fragment("org/banca_list.html", "org/_banca_table.html", result=result, args=args)


@bp.route("/bancas/nueva", methods=["GET", "POST"])
@admin_required
def banca_create():
    form = forms.BancaForm()
    ctx = {"banca": None, "action_url": url_for("org.banca_create")}
    if request.method == "GET":
        return render_page_or_fragment("org/banca_form.html", "org/_banca_form.html", form=form, **ctx)
    scope = current_scope()

    def done(banca):
        _select_first_banca(banca.id)
        flash("Cambios guardados", "success")
        return hx_redirect(url_for("org.banca_edit", banca_id=banca.id))
    return form_response(form, page="org/banca_form.html", fragment="org/_banca_form.html", on_success=done,
                         call=lambda s: services.create_banca(session=s, scope=scope,
                                                              data=forms.form_data(form, form.fields_order)),
                         **ctx)


def _select_first_banca(banca_id) -> None:
    """An ADMIN who had no banca selected works on the first one he creates (DOMAIN §20)."""
    from flask import g
    from flask_login import current_user

    from app.auth import services as auth_services
    login = getattr(g, "login_session", None)
    if login is None or login.banca_id is not None:
        return
    with unit_of_work() as session:
        from app.auth.models import LoginSession
        auth_services.set_admin_banca(session, session.get(LoginSession, login.id), current_user.record, banca_id)


@bp.route("/bancas/<uuid:banca_id>", methods=["GET", "POST"])
@admin_required
def banca_edit(banca_id):
    scope = current_scope()
    banca = services.get_banca(db.session, scope=scope, banca_id=banca_id)
    ctx = {"banca": banca, "action_url": url_for("org.banca_edit", banca_id=banca_id), "tab": "datos"}
    if request.method == "GET":
        form = forms.BancaForm(data=forms.banca_initial(banca))
        return render_page_or_fragment("org/banca_form.html", "org/_banca_form.html", form=form, **ctx)
    form = forms.BancaForm()
    return form_response(
        form, page="org/banca_form.html", fragment="org/_banca_form.html",
        call=lambda s: services.update_banca(session=s, scope=scope, banca_id=banca_id,
                                             data=forms.form_data(form, form.fields_order)),
        on_success=lambda r: saved(r, url_for("org.banca_edit", banca_id=banca_id)), **ctx)


@bp.route("/bancas/<uuid:banca_id>/desactivar", methods=["GET", "POST"])
@admin_required
def banca_deactivate(banca_id):
    scope = current_scope()
    banca = services.get_banca(db.session, scope=scope, banca_id=banca_id)
    return deactivate_view(
        call=lambda s, reason: services.deactivate_banca(session=s, scope=scope, banca_id=banca_id, reason=reason),
        title="Desactivar banca", subject=f"la banca «{banca.name}» ({banca.code}). Sus usuarios no podrán "
                                          "ingresar hasta que se reactive",
        cancel_url=url_for("org.banca_list"), done_url=url_for("org.banca_list"), message="Banca desactivada")


@bp.route("/bancas/<uuid:banca_id>/reactivar", methods=["POST"])
@admin_required
def banca_restore(banca_id):
    scope = current_scope()
    return restore_response(lambda s: services.restore_banca(session=s, scope=scope, banca_id=banca_id),
                            "Banca reactivada", url_for("org.banca_list"))


@bp.route("/bancas/<uuid:banca_id>/ventanas")
@admin_required
def banca_ventanas(banca_id):
    banca = services.get_banca(db.session, scope=current_scope(), banca_id=banca_id)
    return render_page_or_fragment("org/banca_ventanas.html", "org/_banca_ventanas.html", banca=banca,
                                   ventanas=queries.ventanas_of_banca(db.session, banca.id), tab="ventanas")


def _settings_view(banca_id, action_url: str, page: str, **ctx):
    scope = current_scope()
    banca = services.get_banca(db.session, scope=scope, banca_id=banca_id)
    ctx = {"banca": banca, "action_url": action_url, "tab": "configuracion", **ctx}
    if request.method == "GET":
        form = forms.BancaSettingsForm(data=forms.settings_initial(services.banca_settings(banca)))
        return render_page_or_fragment(page, "org/_settings_form.html", form=form, **ctx)
    form = forms.BancaSettingsForm()
    return form_response(
        form, page=page, fragment="org/_settings_form.html",
        call=lambda s: services.update_banca_settings(session=s, scope=scope, banca_id=banca_id,
                                                      data=forms.form_data(form, form.fields_order)),
        on_success=lambda r: saved(r, action_url), **ctx)


@bp.route("/configuracion", methods=["GET", "POST"])
@admin_required
def settings():
    scope = current_scope()
    if scope.banca_id is None:
        return render_template("org/settings.html", banca=None, form=None), 200
    return _settings_view(scope.banca_id, url_for("org.settings"), "org/settings.html")


@bp.route("/bancas/<uuid:banca_id>/configuracion", methods=["GET", "POST"])
@admin_required
def banca_settings(banca_id):
    return _settings_view(banca_id, url_for("org.banca_settings", banca_id=banca_id), "org/banca_settings.html")


# --------------------------------------------------------------------------- ventanas


@bp.route("/ventanas")
@admin_required
def ventana_list():
    args = forms.parse_list_args(request.args, queries.VENTANA_SORTS)
    banca_id = current_scope().banca_id
    result = queries.ventana_page(db.session, args, banca_id=banca_id)
    return render_page_or_fragment("org/ventana_list.html", "org/_ventana_table.html", result=result, args=args)


def _ventana_form(form, ventana=None):
    scope = current_scope()
    include = ventana.banca_id if ventana is not None else None
    form.banca_id.choices = forms.choices([("", "Seleccione…")] + [
        (str(b.id), b.name) for b in queries.bancas_for_select(db.session, include_id=include)])
    if request.method == "GET" and ventana is None:
        wanted = request.args.get("banca", "")
        choices = {choice.value for choice in form.banca_id.choices}
        form.banca_id.data = wanted if wanted and wanted in choices else str(scope.banca_id or "")
    forms.set_paper_choices(form.paper_width_mm, "Predeterminado de la banca")
    return form


@bp.route("/ventanas/nueva", methods=["GET", "POST"])
@admin_required
def ventana_create():
    scope = current_scope()
    form = _ventana_form(forms.VentanaForm())
    ctx = {"ventana": None, "action_url": url_for("org.ventana_create"), "self_edit": False}
    if request.method == "GET":
        return render_page_or_fragment("org/ventana_form.html", "org/_ventana_form.html", form=form, **ctx)

    def call(s):
        listero = {k.removeprefix("listero_"): form[k].data for k in form.listero_fields}
        return services.create_ventana(session=s, scope=scope, data=forms.form_data(form, form.fields_order),
                                       listero=listero)

    def done(ventana):
        flash("Cambios guardados", "success")
        return hx_redirect(url_for("org.ventana_edit", ventana_id=ventana.id))
    return form_response(form, page="org/ventana_form.html", fragment="org/_ventana_form.html", call=call,
                         on_success=done, **ctx)


@bp.route("/ventanas/<uuid:ventana_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.VENTANA)
def ventana_edit(ventana_id):
    scope = current_scope()
    ventana = services.get_ventana(db.session, scope=scope, ventana_id=ventana_id)
    self_edit = not scope.is_admin
    if self_edit:
        names = forms.VentanaForm.self_fields
    else:  # the banca of a ventana never changes
        names = tuple(n for n in forms.VentanaForm.fields_order if n != "banca_id")
    ctx = {"ventana": ventana, "action_url": url_for("org.ventana_edit", ventana_id=ventana_id),
           "self_edit": self_edit, "tab": "datos"}
    if request.method == "GET":
        form = _ventana_form(forms.VentanaForm(data=forms.ventana_initial(ventana)), ventana)
        return render_page_or_fragment("org/ventana_form.html", "org/_ventana_form.html", form=form, **ctx)
    form = _ventana_form(forms.VentanaForm(), ventana)
    return form_response(
        form, page="org/ventana_form.html", fragment="org/_ventana_form.html",
        call=lambda s: services.update_ventana(session=s, scope=scope, ventana_id=ventana_id,
                                               data=forms.form_data(form, names)),
        on_success=lambda r: saved(r, url_for("org.ventana_edit", ventana_id=ventana_id)), **ctx)


@bp.route("/ventanas/<uuid:ventana_id>/desactivar", methods=["GET", "POST"])
@admin_required
def ventana_deactivate(ventana_id):
    scope = current_scope()
    ventana = services.get_ventana(db.session, scope=scope, ventana_id=ventana_id)
    label = ventana.banca.setting("ventana_label") or "Ventana"
    listero = label.lower() == "listero"
    return deactivate_view(
        call=lambda s, reason: services.deactivate_ventana(session=s, scope=scope, ventana_id=ventana_id,
                                                           reason=reason),
        title=f"Desactivar {label.lower()}",
        subject=f"«{ventana.name}» ({ventana.code}). "
                + ("Su usuario y sus vendedores" if listero else "Su listero y sus vendedores")
                + " no podrán ingresar hasta que se reactive",
        cancel_url=url_for("org.ventana_list"), done_url=url_for("org.ventana_list"),
        message=f"{label} {'desactivado' if listero else 'desactivada'}")


@bp.route("/ventanas/<uuid:ventana_id>/reactivar", methods=["POST"])
@admin_required
def ventana_restore(ventana_id):
    scope = current_scope()
    return restore_response(lambda s: services.restore_ventana(session=s, scope=scope, ventana_id=ventana_id),
                            "Ventana reactivada", url_for("org.ventana_list"))


from app.org import routes_users  # noqa: E402,F401  (registers the Usuarios routes on bp)
