"""Usuarios (ADMIN all; VENTANA its own vendedores) and receipt settings ("Mi cuenta › Impresión")."""
from __future__ import annotations

from flask import flash, make_response, render_template, request, url_for

from app.auth.decorators import any_role, roles_required
from app.auth.models import Role
from app.db import unit_of_work
from app.errors import DomainError
from app.extensions import db
from app.htmx import redirect as hx_redirect
from app.htmx import render_page_or_fragment
from app.org import forms, queries, services
from app.org.models import Banca
from app.org.print_settings import merge_print_settings, ventana_print_fields
from app.org.routes import bp, deactivate_view, form_response, restore_response, saved
from app.scope import current_scope

manager_required = roles_required(Role.ADMIN, Role.VENTANA)


def _ventana_label() -> str:
    banca_id = current_scope().banca_id
    banca = db.session.get(Banca, banca_id) if banca_id else None
    return (banca.setting("ventana_label") if banca else None) or "Ventana"


def _user_list_response(args, *, status: int = 200, error: str | None = None):
    scope = current_scope()
    if scope.is_admin:
        result = queries.user_page(db.session, args, banca_id=scope.banca_id)
        ventanas = queries.ventanas_for_select(db.session, banca_id=scope.banca_id)
    else:
        result = queries.user_page(db.session, args, ventana_id=scope.ventana_id, roles=(Role.VENDEDOR,))
        ventanas = []
    return render_page_or_fragment("org/user_list.html", "org/_user_table.html", status=status, result=result,
                                   args=args, ventanas=ventanas, scope=scope, bulk_error=error)


@bp.route("/usuarios")
@manager_required
def user_list():
    return _user_list_response(forms.parse_list_args(request.args, queries.USER_SORTS))


@bp.route("/usuarios/lote", methods=["POST"])
@manager_required
def user_bulk():
    """Activate / deactivate the selected users, all or nothing (409 beyond the vendor limit)."""
    scope = current_scope()
    form = forms.BulkForm()
    args = forms.parse_list_args(request.form, queries.USER_SORTS)
    if not form.validate_on_submit() or form.accion.data not in ("activar", "desactivar"):
        return _user_list_response(args, status=422, error="Elija una acción válida.")
    active = form.accion.data == "activar"
    try:
        with unit_of_work() as session:
            count = services.bulk_set_active(session=session, scope=scope, user_ids=request.form.getlist("ids"),
                                             active=active, reason=form.reason.data)
    except DomainError as err:
        if err.status == 404:
            raise
        return _user_list_response(args, status=err.status, error=err.message)
    verb = "reactivado" if active else "desactivado"
    flash(f"{count} usuario{'s' if count != 1 else ''} {verb}{'s' if count != 1 else ''}" if count
          else "No hay cambios", "success" if count else "info")
    return hx_redirect(url_for("org.user_list", **args.url_args(page=args.page)))


def _user_form(form, user=None):
    scope = current_scope()
    label = _ventana_label()
    form.role.choices = forms.role_choices(label)
    form.ventana_id.label.text = label
    if scope.is_admin:
        ventanas = queries.ventanas_for_select(db.session, banca_id=scope.banca_id,
                                               include_id=user.ventana_id if user is not None else None)
        form.ventana_id.choices = forms.choices([("", "Seleccione…")] + [
            (str(v.id), v.name if v.is_active else f"{v.name} (inactiva)") for v in ventanas])
    return form


def _user_fields(scope, names) -> tuple[str, ...]:
    """A VENTANA user never chooses role or ventana (forced to VENDEDOR of its own ventana)."""
    if scope.is_admin:
        return tuple(names)
    return tuple(n for n in names if n not in ("role", "ventana_id"))


@bp.route("/usuarios/nuevo", methods=["GET", "POST"])
@manager_required
def user_create():
    scope = current_scope()
    form = _user_form(forms.UserForm())
    ctx = {"user": None, "action_url": url_for("org.user_create"), "scope": scope}
    if request.method == "GET":
        if scope.is_admin:
            form.role.data = Role.VENDEDOR.value
        return render_page_or_fragment("org/user_form.html", "org/_user_form.html", form=form, **ctx)

    def done(user):
        flash("Cambios guardados", "success")
        return hx_redirect(url_for("org.user_edit", user_id=user.id))
    names = _user_fields(scope, forms.UserForm.create_fields)
    return form_response(form, page="org/user_form.html", fragment="org/_user_form.html", on_success=done,
                         call=lambda s: services.create_user(session=s, scope=scope,
                                                             data=forms.form_data(form, names)), **ctx)


@bp.route("/usuarios/<uuid:user_id>", methods=["GET", "POST"])
@manager_required
def user_edit(user_id):
    scope = current_scope()
    user = services.get_user(db.session, scope=scope, user_id=user_id)
    ctx = {"user": user, "action_url": url_for("org.user_edit", user_id=user_id), "scope": scope, "tab": "datos"}
    if request.method == "GET":
        form = _user_form(forms.UserForm(data=forms.user_initial(user)), user)
        return render_page_or_fragment("org/user_form.html", "org/_user_form.html", form=form, **ctx)
    form = _user_form(forms.UserForm(), user)
    names = _user_fields(scope, forms.UserForm.fields_order)
    return form_response(
        form, page="org/user_form.html", fragment="org/_user_form.html",
        call=lambda s: services.update_user(session=s, scope=scope, user_id=user_id,
                                            data=forms.form_data(form, names)),
        on_success=lambda r: saved(r, url_for("org.user_edit", user_id=user_id)), **ctx)


@bp.route("/usuarios/<uuid:user_id>/contrasena", methods=["GET", "POST"])
@manager_required
def user_password(user_id):
    """"Restablecer contraseña": the user's sessions are closed."""
    scope = current_scope()
    user = services.get_user(db.session, scope=scope, user_id=user_id)
    form = forms.PasswordResetForm()
    ctx = {"user": user, "scope": scope, "tab": "contrasena",
           "action_url": url_for("org.user_password", user_id=user_id)}
    if request.method == "GET":
        return render_page_or_fragment("org/user_password.html", "org/_user_password_form.html", form=form, **ctx)

    def done(_revoked):
        flash("Contraseña restablecida. Se cerraron las sesiones del usuario.", "success")
        return hx_redirect(url_for("org.user_edit", user_id=user_id))
    return form_response(
        form, page="org/user_password.html", fragment="org/_user_password_form.html", on_success=done,
        call=lambda s: services.reset_password(session=s, scope=scope, user_id=user_id,
                                               password=form.password.data, confirm=form.confirm.data), **ctx)


@bp.route("/usuarios/<uuid:user_id>/desactivar", methods=["GET", "POST"])
@manager_required
def user_deactivate(user_id):
    scope = current_scope()
    user = services.get_user(db.session, scope=scope, user_id=user_id)
    return deactivate_view(
        call=lambda s, reason: services.deactivate_user(session=s, scope=scope, user_id=user_id, reason=reason),
        title="Desactivar usuario", subject=f"el usuario «{user.username}» ({user.name}). Se cerrarán sus sesiones",
        cancel_url=url_for("org.user_list"), done_url=url_for("org.user_list"), message="Usuario desactivado")


@bp.route("/usuarios/<uuid:user_id>/reactivar", methods=["POST"])
@manager_required
def user_restore(user_id):
    scope = current_scope()
    return restore_response(lambda s: services.restore_user(session=s, scope=scope, user_id=user_id),
                            "Usuario reactivado", url_for("org.user_list"))


# --------------------------------------------------------------------------- receipt settings


def _print_view(user_id, *, page: str, action_url: str, **ctx):
    """The receipt-settings form of a VENTANA user (its ventana) or a vendedor (his override)."""
    scope = current_scope()
    user = services.print_target(db.session, scope=scope, user_id=user_id)
    seller = user.role == Role.VENDEDOR
    banca_settings = user.ventana.banca.settings
    inherited = merge_print_settings(banca_settings, ventana_print_fields(user.ventana) if seller else
                                     {"name": user.ventana.name, "phone": user.ventana.phone}, None)
    form_cls = forms.SellerPrintForm if seller else forms.VentanaPrintForm
    if request.method == "GET":
        stored = services.print_settings_values(user)
        form = form_cls(data=(forms.seller_print_initial if seller else forms.print_initial)(stored))
    else:
        form = form_cls()
    label = user.ventana.banca.setting("ventana_label") or "Ventana"
    base = forms.ventana_word(label) if seller else "la banca"
    forms.set_paper_choices(form.paper_width_mm, f"Como {base} ({inherited['paper_width_mm']} mm)")
    if seller:
        forms.set_tristate_choices(form.print_barcode, inherited["print_barcode"], label)
        forms.set_tristate_choices(form.auto_print, inherited["auto_print"], label)
    ctx = {"target": user, "seller": seller, "inherited": inherited, "action_url": action_url,
           "preview_url": url_for("org.print_preview", user_id=user.id),
           "preview": services.effective_print_settings(db.session, user), **ctx}
    if request.method == "GET":
        return render_page_or_fragment(page, "org/_print_form.html", form=form, **ctx)
    return form_response(
        form, page=page, fragment="org/_print_form.html",
        call=lambda s: services.update_print_settings(session=s, scope=scope, user_id=user.id,
                                                      data=forms.form_data(form, form.fields_order)),
        on_success=lambda r: saved(r, action_url), **ctx)


@bp.route("/mi-cuenta/impresion", methods=["GET", "POST"])
@roles_required(Role.VENDEDOR, Role.VENTANA)
def my_print_settings():
    """"Mi cuenta › Impresión" (UX §2.7)."""
    return _print_view(current_scope().user_id, page="org/my_print.html", action_url=url_for("org.my_print_settings"))


@bp.route("/usuarios/<uuid:user_id>/impresion", methods=["GET", "POST"])
@manager_required
def user_print(user_id):
    scope = current_scope()
    user = services.get_user(db.session, scope=scope, user_id=user_id)
    return _print_view(user_id, page="org/user_print.html", user=user, scope=scope, tab="impresion",
                       action_url=url_for("org.user_print", user_id=user_id))


@bp.route("/usuarios/<uuid:user_id>/impresion/vista-previa")
@any_role
def print_preview(user_id):
    """Live receipt preview for the values being typed (never saves)."""
    settings, errors = services.preview_print_settings(db.session, scope=current_scope(), user_id=user_id,
                                                       data=request.args)
    resp = make_response(render_template("org/_receipt_preview.html", preview=settings, preview_errors=errors))
    resp.headers["Vary"] = "HX-Request"
    return resp
