"""View models and rendering helpers for the restriction pages (keeps routes thin)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.errors import DomainError
from app.htmx import render_page_or_fragment
from app.restrictions import forms, queries, services
from app.restrictions.domain import Kind
from app.restrictions.models import RestrictionRule
from app.restrictions.queries import RuleFilters
from app.restrictions.summary import Names, summarize
from app.restrictions.validation import KIND_LABELS
from app.tz import cr_day_bounds, cr_today

PER_PAGE = 50
MAX_PER_PAGE = 100


@dataclass
class RuleRow:
    rule: RestrictionRule
    summary: str
    level: str
    entity: str
    kind_label: str


def parse_filters(args) -> tuple[RuleFilters, int]:
    scope = args.get("alcance") if args.get("alcance") in ("BANCA", "VENTANA", "USER") else None
    state = args.get("estado") if args.get("estado") in ("active", "inactive", "all") else "active"
    number = (args.get("numero") or "").strip()
    try:
        page = max(1, int(args.get("page", 1)))
    except ValueError:
        page = 1
    return RuleFilters(
        scope=scope, entity_id=forms.parse_uuid(args.get("entidad")),
        loteria_id=forms.parse_uuid(args.get("loteria")), sorteo_id=forms.parse_uuid(args.get("sorteo")),
        number=number if number.isdigit() and len(number) <= 3 else None, state=state,
    ), page


def _per_page(args) -> int:
    try:
        return max(1, min(MAX_PER_PAGE, int(args.get("por_pagina", PER_PAGE))))
    except ValueError:
        return PER_PAGE


def rule_rows(session, banca_id, pairs) -> list[RuleRow]:
    rules_ = [rule for rule, _ in pairs]
    maps = queries.name_maps(session, banca_id, rules_)
    label = services._ventana_label(session, banca_id)
    rows = []
    for rule, multiplier in pairs:
        spec = services.to_spec(rule, multiplier)
        names = Names(loteria=maps.loterias.get(rule.loteria_id, ""), sorteo=maps.sorteos.get(rule.sorteo_id, ""),
                      ventana=maps.ventanas.get(rule.ventana_id, ""),
                      vendedor=maps.vendedores.get(rule.user_id, ""),
                      multiplier=multiplier.name if multiplier is not None else "", ventana_label=label)
        level = {"USER": "Vendedor", "VENTANA": label, "BANCA": "Banca"}[spec.level.value]
        entity = names.vendedor or names.ventana or ""
        rows.append(RuleRow(rule, summarize(spec, names), level, entity, KIND_LABELS[spec.kind]))
    return rows


def _choices(session, banca_id):
    since = cr_day_bounds(cr_today())[0] - timedelta(days=1)
    return {
        "ventanas": queries.ventanas_of(session, banca_id),
        "vendedores": queries.vendedores_of(session, banca_id),
        "loterias": queries.loterias_of(session, banca_id),
        "sorteos": queries.upcoming_sorteos(session, banca_id, since),
        "multipliers": queries.multipliers_of(session, banca_id),
    }


def list_context(session, scope, filters: RuleFilters, page: int, *, bulk_error: str | None = None,
                 selected=()) -> dict:
    from flask import request

    from app.jobs.services import list_job_health
    from app.restrictions.housekeeping import auto_date_healthy

    banca_id = scope.require_banca()
    per_page = _per_page(request.args)
    pairs, total = queries.rules_page(session, banca_id, filters, page=page, per_page=per_page)
    health = next((h for h in list_job_health(session) if h.name == "restriction_rules"), None)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return {
        "rows": rule_rows(session, banca_id, pairs), "total": total, "current_page": page, "per_page": per_page,
        "filters": filters, "args": args, "choices": _choices(session, banca_id), "job": health,
        "auto_ok": auto_date_healthy(session), "bulk_error": bulk_error,
        "selected": {str(s) for s in selected}, "reason_form": forms.BulkForm(formdata=None),
    }


def create_defaults(args) -> dict:
    """Prefill from links such as ?alcance=VENTANA&ventana=<id> (ventana / banca detail tabs)."""
    data = {"scope": args.get("alcance") or "BANCA", "rule_type": args.get("tipo") or "limite"}
    if args.get("ventana"):
        data["ventana_id"] = args["ventana"]
    if args.get("vendedor"):
        data["user_id"] = args["vendedor"]
    return data


def rule_choices(choices: dict, ventana_label: str) -> dict:
    """Options of each select of the rule form, by field name."""
    return {
        "scope": [("BANCA", "Banca"), ("VENTANA", ventana_label), ("USER", "Vendedor")],
        "rule_type": forms.TYPE_CHOICES,
        "ventana_id": [("", "—")] + [(str(v.id), v.name) for v in choices["ventanas"] if v.is_active],
        "user_id": [("", "—")] + [(str(u.id), u.name) for u in choices["vendedores"] if u.is_active],
        "loteria_id": [("", "Todas")] + [(str(l.id), l.name) for l in choices["loterias"] if l.is_active],
        "sorteo_id": [("", "Todos")] + [(str(s.id), queries.sorteo_label(s)) for s in choices["sorteos"]
                                        if s.is_active],
        "multiplier_id": [("", "—")] + [(str(m.id), f"{m.loteria.name} · {m.name}")
                                        for m in choices["multipliers"] if m.is_active],
    }


def render_create(session, scope, form, *, errors: dict | None = None, status: int = 200):
    banca_id = scope.require_banca()
    label = services._ventana_label(session, banca_id)
    return render_page_or_fragment("restrictions/rule_form.html", "restrictions/_rule_form.html",
                                   status=status, form=form, errors=errors or {}, ventana_label=label,
                                   options=rule_choices(_choices(session, banca_id), label))


def edit_form_for(rule: RestrictionRule) -> forms.RuleEditForm:
    def text(value):
        return "" if value is None else str(int(value)) if hasattr(value, "as_integer_ratio") else str(value)

    return forms.RuleEditForm(formdata=None, data={
        "max_amount": text(rule.max_amount), "max_total": text(rule.max_total),
        "max_ticket_total": text(rule.max_ticket_total),
        "sales_cutoff_minutes": text(rule.sales_cutoff_minutes), "is_active": "1" if rule.is_active else "0",
        "applies_to_date": rule.applies_to_date.isoformat() if rule.applies_to_date else "",
        "applies_to_hour": text(rule.applies_to_hour),
    })


def editable_fields(rule: RestrictionRule) -> tuple[str, ...]:
    """The edit inputs that make sense for the rule's kind (others would change its kind)."""
    kind = services.to_spec(rule).kind
    base = ("applies_to_date", "applies_to_hour")
    if kind is Kind.CUTOFF:
        return ("sales_cutoff_minutes", *base)
    if kind is Kind.TICKET_TOTAL:
        return ("max_ticket_total", *base)
    if kind is Kind.MULTIPLIER:
        return ("max_amount", "max_total", *base)
    return ("max_amount", "max_total", "sales_cutoff_minutes", *base)


def _one_row(session, rule):
    from app.draws.models import LoteriaMultiplier
    multiplier = session.get(LoteriaMultiplier, rule.multiplier_id) if rule.multiplier_id else None
    return rule_rows(session, rule.banca_id, [(rule, multiplier)])[0]


def render_edit(session, scope, rule, form, *, errors: dict | None = None, status: int = 200):
    return render_page_or_fragment("restrictions/rule_edit.html", "restrictions/_rule_edit.html",
                                   status=status, form=form, errors=errors or {}, row=_one_row(session, rule),
                                   editable=editable_fields(rule), active_choices=forms.ACTIVE_CHOICES)


def render_state(session, scope, rule, form, verb: str, *, errors: dict | None = None, status: int = 200):
    return render_page_or_fragment("restrictions/rule_state.html", "restrictions/_rule_state.html",
                                   status=status, form=form, errors=errors or {}, row=_one_row(session, rule),
                                   verb=verb)


def errors_of(err: DomainError) -> dict:
    """{field: message} for the template; '' holds a message that belongs to no field."""
    out = {field: msgs[0] for field, msgs in (err.errors or {}).items() if msgs}
    aliases = {"kind": "rule_type", "number": "numbers"}
    out = {aliases.get(k, k): v for k, v in out.items()}
    if not out or err.status != 422:
        out[""] = err.message
    return out

