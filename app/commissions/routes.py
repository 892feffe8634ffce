"""Commission policy pages: overview and the editor per banca / ventana / vendedor (UX §6)."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.routing import BuildError

from app.auth.decorators import any_role
from app.commissions import calc, forms, services
from app.draws import services as draws_services
from app.db import unit_of_work
from app.errors import DomainError, OutOfScope
from app.extensions import db
from app.htmx import redirect as hx_redirect
from app.htmx import render_page_or_fragment
from app.scope import current_scope
from app.tz import utcnow

bp = Blueprint("commissions", __name__, url_prefix="/comisiones")

ENDPOINTS = {services.LEVEL_BANCA: "commissions.banca_policy",
             services.LEVEL_VENTANA: "commissions.ventana_policy",
             services.LEVEL_USUARIO: "commissions.user_policy"}


@bp.app_template_filter("pct")
def _pct_filter(value) -> str:
    return services.format_percent(value)


@bp.route("")
@any_role
def index():
    scope = current_scope()
    if scope.is_vendedor:
        return redirect(url_for("commissions.user_policy", entity_id=scope.user_id))
    overview = services.list_policies(session=db.session, scope=scope)
    return render_page_or_fragment("commissions/index.html", "commissions/_overview.html",
                                   overview=overview, now=utcnow(), policy_status=calc.status,
                                   endpoints=ENDPOINTS)


def _policy_view(level: str, entity_id):
    target = services.get_policy(session=db.session, scope=current_scope(), level=level, entity_id=entity_id)
    if request.method == "GET":
        return _render(target, forms.form_data_from_document(target.document))
    action = request.form.get("accion", "guardar")
    if action == "probar":
        return _probe(target)
    if not target.can_edit:
        raise OutOfScope("No tiene permiso para modificar esta política de comisión.")
    data = forms.form_data(forms.PolicyForm())
    if action == "guardar":
        return _save(target, data)
    if action == "eliminar":
        return _save(target, data, remove=True)
    return _render(target, forms.apply_row_action(data, action))


@bp.route("/banca/<uuid:entity_id>", methods=["GET", "POST"])
@any_role
def banca_policy(entity_id):
    return _policy_view(services.LEVEL_BANCA, entity_id)


@bp.route("/ventana/<uuid:entity_id>", methods=["GET", "POST"])
@any_role
def ventana_policy(entity_id):
    return _policy_view(services.LEVEL_VENTANA, entity_id)


@bp.route("/usuario/<uuid:entity_id>", methods=["GET", "POST"])
@any_role
def user_policy(entity_id):
    return _policy_view(services.LEVEL_USUARIO, entity_id)


def _save(target: services.PolicyTarget, data: dict, remove: bool = False):
    document, errors = (None, {}) if remove else forms.document_from_form(data, target.document)
    if errors:
        return _render(target, data, errors=errors, status=422)
    try:
        with unit_of_work() as session:
            result = services.save_policy(session=session, scope=current_scope(), level=target.level,
                                          entity_id=target.entity_id, policy=document)
    except DomainError as err:
        if err.status != 422:
            raise
        return _render(target, data, errors={k: v[0] for k, v in err.errors.items()} or {"": err.message},
                       status=422)
    if not result.changed:
        flash("No hay cambios.", "info")
    else:
        flash("Política eliminada: ahora hereda del nivel superior." if remove else "Cambios guardados.",
              "success")
    return hx_redirect(url_for(ENDPOINTS[target.level], entity_id=target.entity_id))


def _probe(target: services.PolicyTarget):
    probe_form = forms.ProbeForm(request.form, prefix="probar")
    data = forms.form_data(forms.PolicyForm()) if target.can_edit else \
        forms.form_data_from_document(target.document)
    draft, errors = target.document, {}
    if target.can_edit:  # probe what is on screen, saved or not; an empty form = no own policy
        draft, errors = forms.document_from_form(data, target.document) if _has_policy(data) else (None, {})
    values, probe_errors = forms.parse_probe(probe_form, utcnow())
    if errors or probe_errors:
        if errors:
            probe_errors[""] = "Corrija la política antes de probarla."
        return _render(target, data, errors={**errors, **probe_errors}, probe_form=probe_form, status=422)
    result = services.probe_commission(target=target, draft=draft, **values)
    return _render(target, data, probe_form=probe_form, probe=result)


def _has_policy(data: dict) -> bool:
    return bool(data["default_percent"].strip() or data["rules"] or data["desde"] or data["hasta"])


def _render(target: services.PolicyTarget, data: dict, *, errors: dict | None = None, probe_form=None,
            probe=None, status: int = 200):
    loterias = draws_services.loterias_of_banca(db.session, target.banca_id)
    names = {str(l.id): l.name + ("" if l.is_active else " (inactiva)") for l in loterias}
    form = forms.PolicyForm(formdata=None, data=data)
    unknown = {r["loteria_id"] for r in data["rules"] if r["loteria_id"] and r["loteria_id"] not in names}
    rule_choices = [("", "Todas")] + list(names.items()) + [(v, "Lotería desconocida") for v in sorted(unknown)]
    if probe_form is None:  # keep what was typed in the "Probar" box across edits
        probe_form = forms.ProbeForm(request.form if request.method == "POST" else None, prefix="probar")
    now = utcnow()
    return render_page_or_fragment(
        "commissions/policy.html", "commissions/_editor.html", status=status,
        target=target, form=form, probe_form=probe_form, probe=probe, errors=errors or {},
        loteria_names=names, rule_choices=rule_choices, bet_type_choices=forms.BET_TYPE_CHOICES,
        probe_loteria_choices=[("", "Otra")] + list(names.items()),
        probe_tipo_choices=forms.PROBE_BET_TYPE_CHOICES, multipliers=draws_services.numero_multiplier_values(db.session, target.banca_id),
        now=now, own_status=calc.status(target.document, now), vigencia=forms.vigencia_dates(target.document),
        seller_level=calc.resolve_vendedor(*target.chain(), now).level,
        listero_level=calc.resolve_listero(target.chain().ventana, target.chain().banca, now).level,
        document_json=json.dumps(target.document, indent=2, ensure_ascii=False) if target.document else "",
        action_url=url_for(ENDPOINTS[target.level], entity_id=target.entity_id),
        back_url=_entity_url(target), scope=current_scope(), ventana_label=target.banca.setting("ventana_label") or "Ventana")


def _entity_url(target: services.PolicyTarget) -> str | None:
    """Link back to the org edit page of the entity, when the org blueprint provides it."""
    name = {services.LEVEL_BANCA: "banca", services.LEVEL_VENTANA: "ventana",
            services.LEVEL_USUARIO: "user"}[target.level]
    for endpoint in (f"org.{name}_edit", f"org.{name}_detail"):
        for kwargs in ({f"{name}_id": target.entity_id}, {"id": target.entity_id},
                       {"entity_id": target.entity_id}):
            try:
                return url_for(endpoint, **kwargs)
            except BuildError:
                continue
    return None

