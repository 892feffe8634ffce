"""Pure entry-row logic of the sales page (UX §2.3–2.4): parsing, draft lines, grouping, mapping.

No database and no Flask. The browser mirrors `tokenize` for instant chips (static/js/sales.js);
the server re-parses whatever was typed, so this module is the authority.

Draft lines are kept *as entered* (one entry per number per group, with the group sequence) so
"quitar último grupo" can undo a group that was summed into an earlier line; `merge_lines` gives
the view that is shown and sold: one line per (type, number, multiplier) with amounts summed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from app.formatting import format_colones

NUMERO = "NUMERO"
REVENTADO = "REVENTADO"
MAX_NUMBERS_PER_GROUP = 1000
MAX_AMOUNT_DIGITS = 9
SEPARATORS = frozenset(" ,.\t\r\n")
TICKET_NUMBER_RE = re.compile(r"^T\d{6}-\d{5,6}$")


class EntryError(ValueError):
    """Bad input in the entry row; `message` is Spanish and says what to do next."""

    def __init__(self, message: str, field: str = "numeros"):
        super().__init__(message)
        self.message = message
        self.field = field


# --------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class Token:
    """One chip: a number, a range, a decena (3*) or a terminal (*7)."""

    kind: str  # "num" | "range" | "tens" | "ending"
    text: str
    numbers: tuple[str, ...]


def _range(start: str, end: str, digits: int) -> Token:
    lo, hi = sorted((int(start), int(end)))
    numbers = tuple(f"{n:0{digits}d}" for n in range(lo, hi + 1))
    return Token("range", f"{start}-{end}", numbers)


def _mixed_digits_error(digits: int) -> EntryError:
    return EntryError("Las decenas y terminales (3*, *7) solo se usan en loterías de 2 cifras; "
                      f"escriba los números de {digits} cifras.")


def tokenize(text: str | None, digits: int) -> list[Token]:
    """'12 34 56', '123456', '10-19', '3*', '*7' → chips; separators are ignored (UX §2.3)."""
    if digits not in (2, 3):
        raise ValueError("digits must be 2 or 3")
    tokens: list[Token] = []
    buf = ""
    star = False  # '*' typed first: a terminal waits for its digit
    range_start: str | None = None
    for ch in text or "":
        if ch in SEPARATORS:
            continue
        if ch.isascii() and ch.isdigit():
            if star:
                tokens.append(Token("ending", f"*{ch}", tuple(f"{t}{ch}" for t in range(10))))
                star = False
                continue
            buf += ch
            if len(buf) == digits:
                if range_start is not None:
                    tokens.append(_range(range_start, buf, digits))
                    range_start = None
                else:
                    tokens.append(Token("num", buf, (buf,)))
                buf = ""
        elif ch == "*":
            if digits != 2:
                raise _mixed_digits_error(digits)
            if range_start is not None or star:
                raise EntryError("Complete el rango o la terminal antes de escribir otro *.")
            if len(buf) == 1:
                tokens.append(Token("tens", f"{buf}*", tuple(f"{buf}{u}" for u in range(10))))
                buf = ""
            elif not buf:
                star = True
        elif ch == "-":
            if buf or star or range_start is not None or not tokens or tokens[-1].kind != "num":
                raise EntryError("El guion va justo después de un número: por ejemplo 10-19.")
            range_start = tokens.pop().text
        else:
            raise EntryError(f"«{ch}» no se puede usar en Números: escriba cifras, - (rango) o * "
                             "(decena o terminal).")
    if star:
        raise EntryError("Complete la terminal: * y una cifra, por ejemplo *7.")
    if range_start is not None:
        raise EntryError(f"Complete el rango {range_start}-… con el número final.")
    if buf:
        raise EntryError(f"Número incompleto «{buf}»: escriba {digits} cifras por número.")
    return tokens


def parse_numbers(text: str | None, digits: int, *, limit: int = MAX_NUMBERS_PER_GROUP) -> list[str]:
    """The numbers of the typed chips, in order (repeats kept: each chip is one jugada)."""
    numbers = [n for token in tokenize(text, digits) for n in token.numbers]
    if not numbers:
        raise EntryError("Escriba al menos un número.")
    if len(numbers) > limit:
        raise EntryError(f"Son {len(numbers)} números; el máximo por grupo es {limit}.")
    return numbers


def normalize_number(raw: str, digits: int) -> str:
    """'7' → '07' (DOMAIN conventions: always zero-pad); refuses anything else."""
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= len(raw) <= digits:
        raise EntryError(f"Número «{raw}»: use {digits} cifras.")
    return raw.zfill(digits)


def looks_like_ticket_number(text: str | None) -> bool:
    """A scanned or typed tiquete number ("T260312-00045") in the entry row (UX §2.6)."""
    return bool(TICKET_NUMBER_RE.match((text or "").strip().upper()))


# --------------------------------------------------------------------------- amounts


def parse_amount(raw, *, label: str = "El monto", field: str = "monto") -> Decimal:
    """Whole colones > 0; spaces, commas, periods and ₡ typed as separators are ignored (UX §7.2)."""
    text = "".join(ch for ch in str(raw if raw is not None else "").strip()
                   if ch not in SEPARATORS and ch != "₡")
    if not text:
        raise EntryError(f"{label} es obligatorio.", field)
    if not text.isascii() or not text.isdigit():
        raise EntryError(f"{label} debe ser un número entero de colones, sin céntimos.", field)
    if len(text.lstrip("0")) > MAX_AMOUNT_DIGITS:
        raise EntryError(f"{label} es demasiado grande.", field)
    value = Decimal(int(text))
    if value <= 0:
        raise EntryError(f"{label} debe ser mayor que cero.", field)
    return value


def parse_optional_amount(raw, *, label: str = "El reventado", field: str = "reventado") -> Decimal | None:
    if raw is None or not str(raw).strip():
        return None
    return parse_amount(raw, label=label, field=field)


def parse_money(raw, *, label: str = "El monto", field: str = "monto") -> Decimal:
    """Payments: > 0 with up to 2 decimals; '1 234,50' and '1234.50' both accepted (UX §7.2)."""
    text = str(raw if raw is not None else "").strip().replace("₡", "").replace(" ", "")
    if not text:
        raise EntryError(f"{label} es obligatorio.", field)
    if "," in text and "." in text:
        # The separator that comes last is the decimal one.
        text = text.replace(".", "") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    text = text.replace(",", ".")
    if not re.fullmatch(r"\d{1,12}(\.\d{1,2})?", text):
        raise EntryError(f"{label} debe ser un monto con hasta 2 decimales.", field)
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex already guards
        raise EntryError(f"{label} no es válido.", field) from None
    if value <= 0:
        raise EntryError(f"{label} debe ser mayor que cero.", field)
    return value


def format_x(value) -> str:
    """Multiplier value as shown: '90', '92,5'."""
    if value is None:
        return "?"
    dec = Decimal(str(value))
    text = str(int(dec)) if dec == dec.to_integral_value() else format(dec.normalize(), "f")
    return text.replace(".", ",")


# --------------------------------------------------------------------------- draft lines


@dataclass(frozen=True)
class DraftLine:
    """One jugada as entered; `group` is the entry-group sequence (undo unit)."""

    type: str
    number: str
    amount: Decimal
    multiplier_id: str | None = None
    multiplier_x: Decimal | None = None
    group: int = 0

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.type, self.number, self.multiplier_id if self.type == NUMERO else None)

    def to_json(self) -> dict:
        return {"type": self.type, "number": self.number, "amount": str(self.amount),
                "multiplier_id": self.multiplier_id,
                "multiplier_x": None if self.multiplier_x is None else str(self.multiplier_x),
                "group": self.group}

    @classmethod
    def from_json(cls, data: dict) -> DraftLine:
        mx = data.get("multiplier_x")
        return cls(type=str(data["type"]), number=str(data["number"]), amount=Decimal(str(data["amount"])),
                   multiplier_id=data.get("multiplier_id") or None,
                   multiplier_x=None if mx in (None, "") else Decimal(str(mx)),
                   group=int(data.get("group") or 0))


def lines_from_json(raw) -> list[DraftLine]:
    """Draft JSON → lines; malformed entries (old or tampered drafts) are dropped, never fatal."""
    out = []
    for item in raw or []:
        try:
            line = DraftLine.from_json(item)
        except (AttributeError, KeyError, TypeError, ValueError, InvalidOperation):
            continue
        if line.type in (NUMERO, REVENTADO) and line.amount > 0 and line.number.isdigit():
            out.append(line)
    return out


def lines_to_json(lines) -> list[dict]:
    return [line.to_json() for line in lines]


@dataclass(frozen=True)
class MergedLine:
    """One line of the tiquete as sold: amounts of repeated entries summed."""

    type: str
    number: str
    amount: Decimal
    multiplier_id: str | None
    multiplier_x: Decimal | None

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.type, self.number, self.multiplier_id if self.type == NUMERO else None)

    @property
    def needs_multiplier(self) -> bool:
        return self.type == NUMERO and self.multiplier_id is None

    @property
    def token(self) -> str:
        """Compact form posted with the sale: 'N|12|1000|<multiplier id>'."""
        kind = "N" if self.type == NUMERO else "R"
        return f"{kind}|{self.number}|{int(self.amount)}|{self.multiplier_id or ''}"


def merge_lines(lines) -> list[MergedLine]:
    """One line per (type, number, multiplier), in order of first entry, amounts summed."""
    merged: dict[tuple, MergedLine] = {}
    for line in lines:
        current = merged.get(line.key)
        if current is None:
            merged[line.key] = MergedLine(line.type, line.number, line.amount,
                                          line.multiplier_id if line.type == NUMERO else None,
                                          line.multiplier_x if line.type == NUMERO else None)
        else:
            merged[line.key] = replace(current, amount=current.amount + line.amount)
    return list(merged.values())


def ticket_total(merged) -> Decimal:
    return sum((line.amount for line in merged), Decimal(0))


def numero_totals(merged) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line in merged:
        if line.type == NUMERO:
            totals[line.number] = totals.get(line.number, Decimal(0)) + line.amount
    return totals


def reventado_problems(merged) -> dict[str, str]:
    """A REVENTADO needs a NUMERO on the same number and may not exceed it (DOMAIN §9.2 step 1)."""
    numeros = numero_totals(merged)
    problems = {}
    for line in merged:
        if line.type != REVENTADO:
            continue
        base = numeros.get(line.number)
        if base is None:
            problems[line.number] = f"El reventado del {line.number} necesita una apuesta al número."
        elif line.amount > base:
            problems[line.number] = (f"El reventado del {line.number} ({format_colones(line.amount)}) no puede "
                                     f"superar lo apostado al número ({format_colones(base)}).")
    return problems


def next_group(lines) -> int:
    return max((line.group for line in lines), default=0) + 1


def add_group(lines, *, numbers, amount: Decimal, multiplier_id: str | None, multiplier_x: Decimal | None,
              reventado: Decimal | None = None) -> tuple[list[DraftLine], list[str]]:
    """Append one group: a NUMERO per number (+ a REVENTADO per number when given).

    Returns the new lines and the notes for numbers that were summed into an existing line
    ("12: ₡1 000 → ₡2 000", UX §2.3).
    """
    lines = list(lines)
    group = next_group(lines)
    before = {m.key: m.amount for m in merge_lines(lines)}
    added = [DraftLine(NUMERO, n, amount, multiplier_id, multiplier_x, group) for n in numbers]
    if reventado:
        added += [DraftLine(REVENTADO, n, reventado, None, None, group) for n in numbers]
    after = {m.key: m.amount for m in merge_lines(lines + added)}
    notes = []
    for key in dict.fromkeys(line.key for line in added):
        if key in before:
            prefix = "Reventado " if key[0] == REVENTADO else ""
            notes.append(f"{prefix}{key[1]}: {format_colones(before[key])} → {format_colones(after[key])}")
    return lines + added, notes


def remove_line(lines, key: tuple) -> list[DraftLine]:
    """Remove every entry of one merged line; a REVENTADO left without its NUMERO goes too."""
    kept = [line for line in lines if line.key != tuple(key)]
    return _drop_orphan_reventados(kept)


def _drop_orphan_reventados(lines) -> list[DraftLine]:
    problems = reventado_problems(merge_lines(lines))
    if not problems:
        return list(lines)
    return [line for line in lines if not (line.type == REVENTADO and line.number in problems)]


def remove_last_group(lines) -> list[DraftLine]:
    """Ctrl+Backspace: undo the most recent group (even the part summed into older lines)."""
    if not lines:
        return []
    last = max(line.group for line in lines)
    return _drop_orphan_reventados([line for line in lines if line.group != last])


def _replace_key(lines, key: tuple, amount: Decimal | None) -> list[DraftLine]:
    """Collapse the entries of one merged line into one of `amount` (None or 0 removes it)."""
    out, done = [], False
    for line in lines:
        if line.key != tuple(key):
            out.append(line)
        elif not done:
            done = True
            if amount and amount > 0:
                out.append(replace(line, amount=amount))
    return out


def set_amount(lines, keys, amount: Decimal) -> list[DraftLine]:
    """Change the amount of several merged lines at once (clicking a group's amount, UX §2.4)."""
    for key in keys:
        lines = _replace_key(lines, key, amount)
    return _drop_orphan_reventados(lines)


def adjust_number(lines, number: str, available: Decimal) -> list[DraftLine]:
    """'Ajustar a ₡X': cut what the tiquete puts on `number` down to `available`.

    NUMERO lines keep their amounts first (in entry order), then REVENTADO ones; what no longer
    fits is reduced or removed, and a reventado never stays above its number.
    """
    budget = max(Decimal(int(available)), Decimal(0))
    merged = [m for m in merge_lines(lines) if m.number == number]
    new_amounts = {}
    for kind in (NUMERO, REVENTADO):
        for m in merged:
            if m.type == kind:
                take = min(m.amount, budget)
                new_amounts[m.key] = take
                budget -= take
    for key, amount in new_amounts.items():
        lines = _replace_key(lines, key, amount)
    return _drop_orphan_reventados(lines)


# --------------------------------------------------------------------------- lotería rules


@dataclass(frozen=True)
class LoteriaRules:
    """The parts of a Lotería's rules JSON that the entry row checks (DOMAIN §8.1)."""

    digits: int = 2
    min_bet: Decimal | None = None
    max_bet: Decimal | None = None
    number_min: int | None = None
    number_max: int | None = None
    reventado_enabled: bool = False
    allowed_types: frozenset = frozenset({NUMERO, REVENTADO})
    max_numbers_per_ticket: int | None = None
    name: str = ""

    @classmethod
    def from_rules(cls, rules: dict | None, *, name: str = "", digits: int | None = None) -> LoteriaRules:
        """From a Lotería's rules JSON, read by the catalogue's own parser (UI and sale agree)."""
        from app.draws.rules import LoteriaRules as CatalogueRules
        parsed = CatalogueRules.from_json(rules if isinstance(rules, dict) else {})
        return cls(digits=int(digits or parsed.digits), min_bet=parsed.min_bet_amount,
                   max_bet=parsed.max_bet_amount, number_min=parsed.number_min, number_max=parsed.number_max,
                   reventado_enabled=parsed.reventado_allowed, allowed_types=frozenset(parsed.allowed_bet_types),
                   max_numbers_per_ticket=parsed.max_numbers_per_ticket, name=name)


def _amount_errors(amount: Decimal, rules: LoteriaRules, label: str, field: str) -> dict[str, str]:
    if rules.min_bet is not None and amount < rules.min_bet:
        return {field: f"{label}: el mínimo es {format_colones(rules.min_bet)}; súbalo e intente de nuevo."}
    if rules.max_bet is not None and amount > rules.max_bet:
        return {field: f"{label}: el máximo es {format_colones(rules.max_bet)}; bájelo e intente de nuevo."}
    return {}


def validate_group(numbers, amount: Decimal, reventado: Decimal | None, rules: LoteriaRules,
                   existing=()) -> dict[str, str]:
    """Lotería checks of one group (UX §2.3): field → Spanish message; empty when valid."""
    errors: dict[str, str] = {}
    if NUMERO not in rules.allowed_types:
        errors["numeros"] = f"{rules.name or 'Esta lotería'} no acepta apuestas a número."
    errors.update(_amount_errors(amount, rules, "Monto", "monto"))
    if reventado is not None:
        if not rules.reventado_enabled:
            errors["reventado"] = f"{rules.name or 'Esta lotería'} no acepta reventado; deje el campo vacío."
        elif reventado > amount:
            errors["reventado"] = (f"El reventado ({format_colones(reventado)}) no puede superar el monto "
                                   f"({format_colones(amount)}).")
        else:
            errors.update(_amount_errors(reventado, rules, "Reventado", "reventado"))
    outside = [n for n in numbers if len(n) != rules.digits
               or (rules.number_min is not None and int(n) < rules.number_min)
               or (rules.number_max is not None and int(n) > rules.number_max)]
    if outside and "numeros" not in errors:
        low = rules.number_min if rules.number_min is not None else 0
        high = rules.number_max if rules.number_max is not None else 10 ** rules.digits - 1
        shown = ", ".join(dict.fromkeys(outside[:5]))
        errors["numeros"] = (f"Fuera del rango permitido ({low:0{rules.digits}d}–{high:0{rules.digits}d}): "
                             f"{shown}.")
    if rules.max_numbers_per_ticket is not None and "numeros" not in errors:
        distinct = {m.number for m in merge_lines(existing) if m.type == NUMERO} | set(numbers)
        if len(distinct) > rules.max_numbers_per_ticket:
            errors["numeros"] = (f"Máximo {rules.max_numbers_per_ticket} números distintos por tiquete; "
                                 f"este tendría {len(distinct)}.")
    return errors


# --------------------------------------------------------------------------- display grouping


@dataclass
class AmountGroup:
    amount: Decimal
    lines: list[MergedLine] = field(default_factory=list)

    @property
    def numbers(self) -> list[str]:
        return [line.number for line in self.lines]

    @property
    def keys(self) -> list[tuple]:
        return [line.key for line in self.lines]

    @property
    def subtotal(self) -> Decimal:
        return self.amount * len(self.lines)


@dataclass
class LineBlock:
    """'Paga 90 veces' (one NUMERO multiplier) or 'Reventado': its lines grouped by amount."""

    type: str
    multiplier_id: str | None
    multiplier_x: Decimal | None
    groups: list[AmountGroup] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.type == REVENTADO:
            return "Reventado"
        if self.multiplier_id is None:
            return "Sin multiplicador (elija uno)"
        return f"Paga {format_x(self.multiplier_x)} veces"

    @property
    def needs_multiplier(self) -> bool:
        return self.type == NUMERO and self.multiplier_id is None

    def texts(self) -> list[str]:
        """'₡1 000 × 12, 34, 56' per amount group."""
        return [f"{format_colones(g.amount)} × {', '.join(g.numbers)}" for g in self.groups]


def group_for_display(merged) -> list[LineBlock]:
    """NUMERO blocks by multiplier (order of first entry), then one REVENTADO block (UX §2.4)."""
    blocks: dict[tuple, LineBlock] = {}
    for line in merged:
        bkey = (line.type, line.multiplier_id if line.type == NUMERO else None)
        block = blocks.get(bkey)
        if block is None:
            block = blocks[bkey] = LineBlock(line.type, bkey[1], line.multiplier_x)
        group = next((g for g in block.groups if g.amount == line.amount), None)
        if group is None:
            group = AmountGroup(line.amount)
            block.groups.append(group)
        group.lines.append(line)
    ordered = [b for b in blocks.values() if b.type == NUMERO]
    ordered += [b for b in blocks.values() if b.type == REVENTADO]
    return ordered


def display_texts(merged) -> list[str]:
    """'Paga 90 veces: ₡1 000 × 12, 34, 56' / 'Reventado ₡500 × 12, 34' (customer reading order)."""
    out = []
    for block in group_for_display(merged):
        for text in block.texts():
            out.append(f"{block.title}: {text}" if block.type == NUMERO else f"Reventado {text}")
    return out


# --------------------------------------------------------------------------- moving lines


@dataclass(frozen=True)
class Multiplier:
    id: str
    value_x: Decimal
    name: str = ""


def map_multipliers(lines, targets, *, digits: int, reventado_enabled: bool) -> tuple[list[DraftLine], list[str]]:
    """Move lines to another sorteo: NUMERO multipliers mapped by value (UX §2.4).

    A line whose value does not exist there keeps its amount with no multiplier (the user picks
    one before selling). Numbers of another digit count and reventados the target does not take
    are dropped, each with a note.
    """
    by_value: dict[Decimal, str] = {}
    for m in targets:
        by_value.setdefault(Decimal(str(m.value_x)).normalize(), str(m.id))
    out, notes = [], []
    dropped_digits, dropped_rev = [], []
    for line in lines:
        if len(line.number) != digits:
            dropped_digits.append(line.number)
            continue
        if line.type == REVENTADO:
            if not reventado_enabled:
                dropped_rev.append(line.number)
                continue
            out.append(line)
            continue
        value = None if line.multiplier_x is None else Decimal(str(line.multiplier_x)).normalize()
        mapped = by_value.get(value) if value is not None else None
        out.append(replace(line, multiplier_id=mapped))
    if dropped_digits:
        notes.append("Se quitaron números que no tienen " f"{digits} cifras: "
                     + ", ".join(dict.fromkeys(dropped_digits)) + ".")
    if dropped_rev:
        notes.append("Este sorteo no acepta reventado; se quitaron los reventados de: "
                     + ", ".join(dict.fromkeys(dropped_rev)) + ".")
    unmapped = [line.number for line in out if line.type == NUMERO and line.multiplier_id is None]
    if unmapped:
        notes.append("Elija multiplicador para: " + ", ".join(dict.fromkeys(unmapped)) + ".")
    return _drop_orphan_reventados(out), notes


def assign_multiplier(lines, keys, multiplier: Multiplier) -> list[DraftLine]:
    """Give the chosen multiplier to lines that had none after a move."""
    wanted = {tuple(k) for k in keys}
    return [replace(line, multiplier_id=str(multiplier.id), multiplier_x=Decimal(str(multiplier.value_x)))
            if line.key in wanted else line for line in lines]


def parse_line_token(token: str, digits: int) -> tuple[str, str, Decimal, str | None]:
    """'N|12|1000|<uuid>' (posted with the sale) → (type, number, amount, multiplier_id)."""
    parts = (token or "").split("|")
    if len(parts) != 4 or parts[0] not in ("N", "R"):
        raise EntryError("Las jugadas enviadas no son válidas; recargue la página.", "lineas")
    kind = NUMERO if parts[0] == "N" else REVENTADO
    number = parts[1]
    if not number.isascii() or not number.isdigit() or len(number) != digits:
        raise EntryError(f"Número «{number[:5]}»: use {digits} cifras.", "lineas")
    if not parts[2].isascii() or not parts[2].isdigit():
        raise EntryError("Las jugadas enviadas no son válidas; recargue la página.", "lineas")
    amount = parse_amount(parts[2], field="lineas")
    mid = parts[3] or None
    if kind == NUMERO and mid is None:
        raise EntryError(f"Elija el multiplicador del {number} antes de vender.", "lineas")
    return kind, number, amount, (mid if kind == NUMERO else None)
