"""The commission policy document (DOMAIN §13.1): its types, strict validation and normalisation.

Pure: no database, no Flask. `app.commissions.calc` re-exports the public names; import from there.
"""
from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

NUMERO = "NUMERO"
REVENTADO = "REVENTADO"
BET_TYPES = (NUMERO, REVENTADO)

POLICY_VERSION = 1
MAX_RULES = 100
MAX_MULTIPLIER = Decimal("999999.99")  # NUMERIC(8,2)
_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
_HUNDRED = Decimal(100)
_RULE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_TOP_KEYS = frozenset({"version", "effective_from", "effective_to", "default_percent", "rules"})
_RULE_KEYS = frozenset({"id", "loteria_id", "bet_type", "multiplier_value", "percent"})


class PolicyError(ValueError):
    """An invalid policy document; `errors` maps a field path to a Spanish message.

    Paths: "version", "effective_from", "effective_to", "default_percent", "rules",
    "rules.<i>" (the whole rule, e.g. a duplicate) and "rules.<i>.<key>" (i from 0).
    """

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(self.summary())

    def summary(self) -> str:
        return " ".join(describe_error(path, msg) for path, msg in self.errors.items())


def describe_error(path: str, message: str) -> str:
    """A field error as a standalone sentence ("Regla 2: …") for summaries and the JSON view."""
    parts = path.split(".")
    if parts[0] == "rules" and len(parts) > 1 and parts[1].isdigit():
        return f"Regla {int(parts[1]) + 1}: {message}"
    return message


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    loteria_id: str | None
    bet_type: str | None
    multiplier_value: Decimal | None
    percent: Decimal

    def matches(self, loteria_id: str | None, bet_type: str, multiplier_value: Decimal | None) -> bool:
        """§13.2: lotería (or any), bet type (or any), multiplier (NUMERO jugadas only; or any)."""
        if self.loteria_id is not None and self.loteria_id != loteria_id:
            return False
        if self.bet_type is not None and self.bet_type != bet_type:
            return False
        if self.multiplier_value is not None and bet_type == NUMERO:
            return self.multiplier_value == multiplier_value
        return True


@dataclass(frozen=True, slots=True)
class Policy:
    effective_from: datetime | None
    effective_to: datetime | None
    default_percent: Decimal
    rules: tuple[Rule, ...]

    def is_effective(self, at: datetime) -> bool:
        """Effective when effective_from ≤ at < effective_to (None = unbounded)."""
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware (UTC)")
        if self.effective_from is not None and at < self.effective_from:
            return False
        if self.effective_to is not None and at >= self.effective_to:
            return False
        return True

    def match(self, loteria_id: Any, bet_type: Any, multiplier_value: Any) -> tuple[Decimal, str | None]:
        """First matching rule's (percent, rule id), else (default_percent, None)."""
        return self.match_canonical(
            canonical_id(loteria_id), bet_type_value(bet_type), optional_decimal(multiplier_value)
        )

    def match_canonical(self, lot: str | None, kind: str, mult: Decimal | None) -> tuple[Decimal, str | None]:
        """`match` for already-normalised inputs (the per-jugada hot path)."""
        for rule in self.rules:
            if rule.matches(lot, kind, mult):
                return rule.percent, rule.id
        return self.default_percent, None

    def to_document(self) -> dict:
        """The normalised JSON document (what is stored in the commission_policy column)."""
        return {
            "version": POLICY_VERSION,
            "effective_from": _iso_or_none(self.effective_from),
            "effective_to": _iso_or_none(self.effective_to),
            "default_percent": _json_number(self.default_percent),
            "rules": [
                {
                    "id": r.id,
                    "loteria_id": r.loteria_id,
                    "bet_type": r.bet_type,
                    "multiplier_value": None if r.multiplier_value is None else _json_number(r.multiplier_value),
                    "percent": _json_number(r.percent),
                }
                for r in self.rules
            ],
        }


PolicyLike = Policy | Mapping | None


# ---------------------------------------------------------------- validation


def validate_policy(doc: Any, *, new_id: Callable[[], str] | None = None) -> dict:
    """Validate and normalise a policy document (§13.1); raises PolicyError.

    Missing rule ids are generated (with `new_id`, default random "r" + 8 hex digits).
    Percents and multipliers come back as JSON numbers (int when whole); dates as ISO strings.
    """
    return parse_policy(doc, new_id=new_id).to_document()


def parse_policy(doc: Any, *, new_id: Callable[[], str] | None = None) -> Policy:
    """Validate a document (or pass a Policy through) into a `Policy`; raises PolicyError."""
    if isinstance(doc, Policy):
        return doc
    if not isinstance(doc, Mapping):
        raise PolicyError({"": "La política debe ser un objeto JSON."})
    errors: dict[str, str] = {}
    unknown = sorted(str(k) for k in doc if k not in _TOP_KEYS)
    if unknown:
        errors[""] = f"Campos desconocidos: {', '.join(unknown)}."
    version = doc.get("version")
    if isinstance(version, bool) or version != POLICY_VERSION:
        errors["version"] = "La versión de la política debe ser 1."
    eff_from = _parse_instant(doc.get("effective_from"), "effective_from", errors)
    eff_to = _parse_instant(doc.get("effective_to"), "effective_to", errors)
    if eff_from and eff_to and eff_from > eff_to:
        errors["effective_to"] = "La fecha Hasta no puede ser anterior a Desde."
    if "default_percent" not in doc or doc.get("default_percent") in (None, ""):
        errors["default_percent"] = "Indique el porcentaje por defecto."
        default = _ZERO
    else:
        default = _parse_percent(doc["default_percent"], "default_percent", errors)
    rules = _parse_rules(doc.get("rules"), errors, new_id or _random_rule_id)
    if errors:
        raise PolicyError(errors)
    return Policy(eff_from, eff_to, default, rules)


def compile_policy(doc: PolicyLike) -> Policy | None:
    """A stored document as a `Policy`, or None when absent or invalid (§13.1: skipped)."""
    if doc is None or isinstance(doc, Policy):
        return doc
    try:
        return parse_policy(doc, new_id=_positional_ids())
    except PolicyError:
        return None


def _parse_rules(raw: Any, errors: dict[str, str], new_id: Callable[[], str]) -> tuple[Rule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        errors["rules"] = "Las reglas deben ser una lista."
        return ()
    if len(raw) > MAX_RULES:
        errors["rules"] = f"Máximo {MAX_RULES} reglas por política."
        return ()
    given_ids = {r.get("id") for r in raw if isinstance(r, Mapping) and isinstance(r.get("id"), str)}
    rules: list[Rule] = []
    seen_keys: dict[tuple, int] = {}
    seen_ids: set[str] = set()
    for i, item in enumerate(raw):
        rule = _parse_rule(i, item, errors, new_id, given_ids)
        if rule is None:
            continue
        key = (rule.loteria_id, rule.bet_type, rule.multiplier_value)
        if key in seen_keys:
            errors[f"rules.{i}"] = (
                f"Repite la lotería, el tipo y el multiplicador de la regla {seen_keys[key] + 1}."
            )
        else:
            seen_keys[key] = i
        if rule.id in seen_ids:
            errors[f"rules.{i}.id"] = "Identificador de regla repetido."
        seen_ids.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def _parse_rule(i: int, item: Any, errors: dict[str, str], new_id: Callable[[], str],
                taken_ids: set) -> Rule | None:
    p = f"rules.{i}"
    if not isinstance(item, Mapping):
        errors[p] = "Cada regla debe ser un objeto."
        return None
    before = len(errors)
    unknown = sorted(str(k) for k in item if k not in _RULE_KEYS)
    if unknown:
        errors[p] = f"Campos desconocidos: {', '.join(unknown)}."
    rule_id = item.get("id")
    if rule_id in (None, ""):
        rule_id = _fresh_id(new_id, taken_ids)
    elif not isinstance(rule_id, str) or not _RULE_ID_RE.match(rule_id):
        errors[f"{p}.id"] = "Identificador de regla inválido (letras, dígitos, - o _; máximo 40)."
    loteria_id = _parse_loteria_id(item.get("loteria_id"), f"{p}.loteria_id", errors)
    bet_type = _parse_bet_type(item.get("bet_type"), f"{p}.bet_type", errors)
    multiplier = _parse_multiplier(item.get("multiplier_value"), f"{p}.multiplier_value", errors)
    if item.get("percent") in (None, ""):
        errors[f"{p}.percent"] = "Indique el porcentaje."
        percent = _ZERO
    else:
        percent = _parse_percent(item["percent"], f"{p}.percent", errors)
    if len(errors) > before:
        return None
    if bet_type == REVENTADO:
        # UX §6: the multiplier is ignored for Reventado (its multiplier is only known at evaluation).
        multiplier = None
    return Rule(rule_id, loteria_id, bet_type, multiplier, percent)


def _fresh_id(new_id: Callable[[], str], taken: set) -> str:
    for _ in range(1000):
        candidate = new_id()
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    raise RuntimeError("could not generate a unique rule id")


def _random_rule_id() -> str:
    return "r" + secrets.token_hex(4)


def _positional_ids() -> Callable[[], str]:
    # Stored documents always carry ids; this only makes compiling a hand-made dict deterministic.
    counter = iter(range(1, 10_000))
    return lambda: f"r{next(counter)}"


def _parse_instant(value: Any, field: str, errors: dict[str, str]) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            errors[field] = "Fecha y hora inválidas (use ISO 8601 con zona horaria)."
            return None
    else:
        errors[field] = "Fecha y hora inválidas (use ISO 8601 con zona horaria)."
        return None
    if dt.tzinfo is None or dt.utcoffset() is None:
        errors[field] = "Indique la zona horaria de la fecha (por ejemplo -06:00)."
        return None
    return dt


def _parse_percent(value: Any, field: str, errors: dict[str, str]) -> Decimal:
    d = to_decimal(value)
    if d is None:
        errors[field] = "Indique un porcentaje numérico."
        return _ZERO
    if d < 0 or d > _HUNDRED:
        errors[field] = "El porcentaje debe estar entre 0 y 100."
        return _ZERO
    if d != d.quantize(_CENT):
        errors[field] = "El porcentaje admite como máximo 2 decimales."
        return _ZERO
    return _normalise(d)


def _parse_multiplier(value: Any, field: str, errors: dict[str, str]) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, (list, tuple, set, dict)):
        errors[field] = "Indique un solo valor de multiplicador (no un rango ni una lista)."
        return None
    d = to_decimal(value)
    if d is None:
        errors[field] = "Indique un multiplicador numérico, por ejemplo 90."
        return None
    if d <= 0 or d > MAX_MULTIPLIER:
        errors[field] = "El multiplicador debe ser mayor que 0."
        return None
    if d != d.quantize(_CENT):
        errors[field] = "El multiplicador admite como máximo 2 decimales."
        return None
    return _normalise(d)


def _parse_bet_type(value: Any, field: str, errors: dict[str, str]) -> str | None:
    if value in (None, ""):
        return None
    kind = bet_type_value(value)
    if kind not in BET_TYPES:
        errors[field] = "El tipo debe ser Número, Reventado o cualquiera."
        return None
    return kind


def _parse_loteria_id(value: Any, field: str, errors: dict[str, str]) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, (str, uuid.UUID)) or (isinstance(value, str) and len(value) > 64):
        errors[field] = "Lotería inválida."
        return None
    return canonical_id(value)


# ---------------------------------------------------------------- helpers


def canonical_id(value: Any) -> str | None:
    """UUIDs as lowercase hyphenated text, so stored ids and ORM ids compare equal."""
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return str(value)
    text = str(value).strip()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return text


def bet_type_value(value: Any) -> str:
    raw = getattr(value, "value", value)  # accept an Enum member as well as its value
    return str(raw).strip().upper() if raw is not None else ""


def to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, (int, float, str)):
        try:
            d = Decimal(str(value).strip().replace(",", ".")) if isinstance(value, str) else Decimal(str(value))
        except InvalidOperation:
            return None
    else:
        return None
    return d if d.is_finite() else None


def optional_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return to_decimal(value)


def _normalise(d: Decimal) -> Decimal:
    """Two decimals at most, without trailing zeros (12.50 → 12.5, 10.00 → 10)."""
    q = d.quantize(_CENT)
    return q.to_integral_value() if q == q.to_integral_value() else q.normalize()


def _json_number(d: Decimal) -> int | float:
    # JSON has no decimal type; ≤ 2-decimal values round-trip exactly through str(float).
    return int(d) if d == d.to_integral_value() else float(d)


def _iso_or_none(dt: datetime | None) -> str | None:
    return None if dt is None else dt.isoformat()
