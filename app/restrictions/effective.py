"""'Mis restricciones' (DOMAIN §10.7): every rule in force for one vendedor — his own and those
inherited from his ventana and banca — with its source and what it means for him today."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.auth.models import Role, User
from app.formatting import format_colones
from app.errors import NotFound, OutOfScope
from app.restrictions import queries, rules
from app.restrictions.domain import Kind, Level, RuleSpec
from app.restrictions.services import rules_for_vendedor
from app.restrictions.summary import Names, summarize
from app.restrictions.validation import KIND_LABELS
from app.tz import cr_hour, cr_today, format_date, utcnow

KIND_ORDER = {Kind.CUTOFF: 0, Kind.TICKET_TOTAL: 1, Kind.NUMBER_LIMIT: 2, Kind.MULTIPLIER: 3}


@dataclass
class EffectiveRow:
    spec: RuleSpec
    summary: str
    source: str
    kind_label: str
    status: str  # vigente | reemplazada | otro_dia | otra_hora
    status_label: str
    note: str


@dataclass
class EffectiveView:
    vendedor: User
    rows: list[EffectiveRow]
    cutoff_note: str
    now: datetime


def resolve_vendedor(session, *, scope, vendedor_id=None) -> User:
    """The vendedor whose rules the caller may see (DOMAIN §3): self, own ventana's, or banca's."""
    if scope.is_vendedor:
        if vendedor_id is not None and vendedor_id != scope.vendedor_id:
            raise OutOfScope("Solo puede ver sus propias restricciones.")
        vendedor_id = scope.vendedor_id
    if vendedor_id is None:
        raise NotFound("Elija un vendedor.")
    user = session.get(User, vendedor_id)
    if user is None or user.role != Role.VENDEDOR or user.ventana is None:
        raise NotFound("El vendedor no existe.")
    if scope.is_ventana and user.ventana_id != scope.ventana_id:
        raise OutOfScope("Ese vendedor no pertenece a su ventana.")
    if scope.is_admin and user.ventana.banca_id != scope.require_banca():
        raise OutOfScope("Ese vendedor no pertenece a la banca seleccionada.")
    return user


def vendedores_for_picker(session, *, scope) -> list[User]:
    """Vendedores the caller may pick (ADMIN: the banca's; VENTANA: its own; VENDEDOR: none)."""
    if scope.is_vendedor:
        return []
    ventana_id = scope.ventana_id if scope.is_ventana else None
    return [u for u in queries.vendedores_of(session, scope.require_banca(), ventana_id) if u.is_active]


def _status(spec: RuleSpec, covering: RuleSpec | None, now: datetime) -> tuple[str, str]:
    if covering is not None:
        return "reemplazada", "Reemplazada"
    if spec.applies_to_date is not None and spec.applies_to_date != cr_today(now):
        return "otro_dia", f"Solo el {format_date(spec.applies_to_date)}"
    if spec.applies_to_hour is not None and spec.applies_to_hour != cr_hour(now):
        return "otra_hora", "Hoy, en otra hora"
    return "vigente", "Vigente"


def _note(spec: RuleSpec, covering: RuleSpec | None, summary_of, now: datetime) -> str:
    if covering is not None:
        return f"No se aplica: gana «{summary_of(covering)}» ({_source_word(covering)})."
    if spec.kind is Kind.CUTOFF:
        return f"Sus ventas cierran {spec.sales_cutoff_minutes} min antes de cada sorteo."
    if spec.kind is Kind.TICKET_TOTAL:
        return f"Un tiquete no puede pasar de {format_colones(spec.max_ticket_total)} en total."
    if spec.kind is Kind.MULTIPLIER and not spec.has_amounts:
        return "No puede vender con ese multiplicador."
    if spec.blocks:
        return "No puede vender ese número." if (spec.number or spec.is_auto_date) else "No puede vender números."
    parts = []
    if spec.is_auto_date:
        parts.append(f"Hoy limita el número {cr_today(now).day:02d} (el día del mes).")
    if spec.max_amount is not None:
        parts.append(f"Cada tiquete puede poner hasta {format_colones(spec.max_amount)} por número.")
    if spec.max_total is not None or spec.base_amount:
        if spec.applies_to_vendedor or spec.level is Level.USER:
            parts.append("El acumulado cuenta solo sus propias ventas.")
        elif spec.level is Level.VENTANA:
            parts.append("El acumulado cuenta las ventas de toda su ventana.")
        else:
            parts.append("El acumulado cuenta las ventas de toda la banca.")
    if spec.sales_cutoff_minutes is not None:
        parts.append(f"Esos números cierran {spec.sales_cutoff_minutes} min antes del sorteo.")
    return " ".join(parts) or "Sin tope: ninguna regla inferior se aplica a estos números."


def _source_word(spec: RuleSpec) -> str:
    return {Level.USER: "propia", Level.VENTANA: "de su ventana", Level.BANCA: "de la banca"}[spec.level]


def vendedor_rules_view(session, *, scope, vendedor_id=None, now: datetime | None = None) -> EffectiveView:
    """Every active rule of the vendedor, his ventana and his banca, with status and meaning."""
    now = now or utcnow()
    user = resolve_vendedor(session, scope=scope, vendedor_id=vendedor_id)
    banca_id = user.ventana.banca_id
    specs = list(rules_for_vendedor(session, banca_id=banca_id, ventana_id=user.ventana_id,
                                    vendedor_id=user.id))
    maps = queries.name_maps(session, banca_id, specs)
    label = (user.ventana.banca.setting("ventana_label") if user.ventana.banca else None) or "Ventana"

    def summary_of(spec: RuleSpec) -> str:
        return summarize(spec, Names(
            loteria=maps.loterias.get(spec.loteria_id, ""), sorteo=maps.sorteos.get(spec.sorteo_id, ""),
            ventana=maps.ventanas.get(spec.ventana_id, ""), vendedor=maps.vendedores.get(spec.user_id, ""),
            multiplier=spec.multiplier_label or "", ventana_label=label))

    ventana = user.ventana.name
    sources = {Level.USER: "Propia", Level.BANCA: "Banca",
               Level.VENTANA: ventana if ventana.lower().startswith(label.lower()) else f"{label} {ventana}"}
    rows = []
    for spec in sorted(specs, key=lambda s: (KIND_ORDER[s.kind], s._order)):
        covering = rules.covering_rule(spec, specs)
        status, status_label = _status(spec, covering, now)
        rows.append(EffectiveRow(spec, summary_of(spec), sources[spec.level], KIND_LABELS[spec.kind],
                                 status, status_label, _note(spec, covering, summary_of, now)))
    return EffectiveView(user, rows, _cutoff_note(specs, user, now), now)


def _cutoff_note(specs, user: User, now: datetime) -> str:
    ctx = rules.SaleContext.at(now, vendedor_id=user.id, ventana_id=user.ventana_id,
                               banca_id=user.ventana.banca_id, loteria_id=None, sorteo_id=None)
    cutoff = rules.resolve_cutoff(specs, ctx, None)
    if cutoff.source is rules.CutoffSource.DEFAULT:
        return "Sin regla de corte: se usa el corte de cada lotería (o 5 minutos si no tiene)."
    source = {"USER": "su propia regla", "VENTANA": "la regla de su ventana",
              "BANCA": "la regla de la banca"}[cutoff.source.value]
    return f"Su corte ahora: {cutoff.minutes} min antes de cada sorteo ({source})."
