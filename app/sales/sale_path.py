"""The sale's hot path in SQLAlchemy Core (DOMAIN §11, PERFORMANCE.md): few round trips, no ORM
unit of work.

A sale costs these statements inside the caller's transaction:
  1. `load_head`: vendedor + ventana + banca flags, sorteo + lotería, ConfigVersion and any
     ticket already holding the idempotency key — one SELECT.
  2. PostgreSQL (`AccumulatorStrategy.one_statement`): `insert_checked`, ONE statement — a CTE
     that upserts every accumulator row of the ticket (`INSERT … ON CONFLICT DO UPDATE …
     RETURNING`, number rows then TICKET rows, in a fixed order: row locks held until commit),
     takes the daily ticket counter, inserts the ticket (ON CONFLICT on the idempotency key DO
     NOTHING), its jugadas, its audit row and resets the seller's draft, and returns the new
     totals. The caller checks the limits on them and raises on a refusal, which rolls the whole
     sale back.
  Otherwise (SQLite; the benchmark's per-sorteo-lock strategy): `Strategy.reserve` upserts the
     number rows and returns their totals, the caller checks, then `insert_sale` writes the
     deferred TICKET rows, the counter, ticket, jugadas and audit row (on SQLite as separate
     Core statements inside BEGIN IMMEDIATE).

Lock order (deadlock freedom): number accumulator rows (sorted) → TICKET rows (sorted) →
ticket counter. Everything that touches accumulators (sale, cancel, restore, exclusions) must
follow it; `ordered` gives the order.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.audit.models import ActivityLog
from app.auth.models import User
from app.db import postgres_sql, raw_cursor
from app.draws.models import Loteria, Sorteo
from app.org.models import Banca, ConfigVersion, Ventana
from app.restrictions.domain import FILTER_TICKET, AccKey
from app.sales.models import ExposureAccumulator, Jugada, Ticket, TicketCounter

TICKET_NUMBER_MARK = "@@TICKET_NUMBER@@"  # replaced by the ticket number inside the statement

_users, _ventanas, _bancas = User.__table__, Ventana.__table__, Banca.__table__
_sorteos, _loterias, _versions = Sorteo.__table__, Loteria.__table__, ConfigVersion.__table__
_tickets, _jugadas, _acc = Ticket.__table__, Jugada.__table__, ExposureAccumulator.__table__
_counters, _logs = TicketCounter.__table__, ActivityLog.__table__


# ------------------------------------------------------------------------------ 1. head

@dataclass(frozen=True, slots=True)
class Head:
    """Everything step 2–3 of §9.2 need, read fresh (never cached) in one SELECT."""

    vendedor_id: uuid.UUID
    vendedor_name: str
    vendedor_role: str
    vendedor_active: bool
    ventana_id: uuid.UUID | None
    ventana_active: bool
    banca_id: uuid.UUID | None
    banca_active: bool
    sorteo_id: uuid.UUID | None
    sorteo_banca_id: uuid.UUID | None
    loteria_id: uuid.UUID | None
    sorteo_name: str | None
    sorteo_status: str | None
    sorteo_active: bool
    scheduled_at: datetime | None
    digits: int | None
    loteria_active: bool
    loteria_name: str | None
    version: int
    existing_ticket_id: uuid.UUID | None
    existing_hash: str | None


_HEAD = (
    select(
        _users.c.id, _users.c.name, _users.c.role,
        (_users.c.is_active & _users.c.deleted_at.is_(None)).label("u_active"),
        _users.c.ventana_id,
        (_ventanas.c.is_active & _ventanas.c.deleted_at.is_(None)).label("v_active"),
        _ventanas.c.banca_id,
        (_bancas.c.is_active & _bancas.c.deleted_at.is_(None)).label("b_active"),
        _sorteos.c.id.label("sorteo_id"), _sorteos.c.banca_id.label("s_banca"), _sorteos.c.loteria_id,
        _sorteos.c.name.label("s_name"), _sorteos.c.status, _sorteos.c.is_active.label("s_active"),
        _sorteos.c.scheduled_at, _sorteos.c.digits,
        (_loterias.c.is_active & _loterias.c.deleted_at.is_(None)).label("l_active"),
        _loterias.c.name.label("l_name"), _versions.c.version,
        _tickets.c.id.label("t_id"), _tickets.c.idempotency_hash,
    )
    .select_from(
        _users.outerjoin(_ventanas, _ventanas.c.id == _users.c.ventana_id)
        .outerjoin(_bancas, _bancas.c.id == _ventanas.c.banca_id)
        .outerjoin(_sorteos, _sorteos.c.id == bindparam("sorteo_id", type_=_sorteos.c.id.type))
        .outerjoin(_loterias, _loterias.c.id == _sorteos.c.loteria_id)
        .outerjoin(_versions, _versions.c.banca_id == _ventanas.c.banca_id)
        .outerjoin(_tickets, _tickets.c.idempotency_key == bindparam("key", type_=_tickets.c.idempotency_key.type))
    )
    .where(_users.c.id == bindparam("vendedor_id", type_=_users.c.id.type))
)


_HEAD_PG = postgres_sql(_HEAD)


def load_head(conn, *, vendedor_id, sorteo_id, key: str) -> Head | None:
    """The sale's first statement; None when the vendedor does not exist."""
    params = {"vendedor_id": vendedor_id, "sorteo_id": sorteo_id, "key": key}
    if conn.dialect.name == "postgresql":
        row = raw_cursor(conn, _HEAD_PG, params).fetchone()
    else:
        row = conn.execute(_HEAD, params).first()
    if row is None:
        return None
    scheduled = row[14]
    if scheduled is not None and scheduled.tzinfo is not None:
        scheduled = scheduled.astimezone(timezone.utc)
    return Head(
        vendedor_id=row[0], vendedor_name=row[1], vendedor_role=getattr(row[2], "value", row[2]),
        vendedor_active=bool(row[3]), ventana_id=row[4], ventana_active=bool(row[5]),
        banca_id=row[6], banca_active=bool(row[7]), sorteo_id=row[8], sorteo_banca_id=row[9],
        loteria_id=row[10], sorteo_name=row[11], sorteo_status=getattr(row[12], "value", row[12]),
        sorteo_active=bool(row[13]), scheduled_at=scheduled, digits=row[15], loteria_active=bool(row[16]),
        loteria_name=row[17], version=row[18] or 0, existing_ticket_id=row[19], existing_hash=row[20],
    )


def find_by_key(conn, key: str) -> tuple[uuid.UUID, str] | None:
    """(ticket id, payload hash) holding an idempotency key — a fresh statement (fresh snapshot)."""
    row = conn.execute(select(_tickets.c.id, _tickets.c.idempotency_hash)
                       .where(_tickets.c.idempotency_key == key)).first()
    return (row[0], row[1]) if row is not None else None


# ------------------------------------------------------------------------------ 2. accumulators

def _sort_key(key: AccKey) -> tuple[str, ...]:
    return (str(key.sorteo_id), key.number, key.scope_type, str(key.scope_id), key.filter)


def ordered(rows: Iterable[tuple[AccKey, Decimal]]) -> list[tuple[AccKey, Decimal]]:
    """The global lock order: number rows sorted, then TICKET rows sorted."""
    rows = list(rows)
    return (sorted((r for r in rows if r[0].filter != FILTER_TICKET), key=lambda r: _sort_key(r[0]))
            + sorted((r for r in rows if r[0].filter == FILTER_TICKET), key=lambda r: _sort_key(r[0])))


def split_ticket_rows(rows: Sequence[tuple[AccKey, Decimal]]):
    """(number rows, TICKET rows), each in lock order. `rows` must come sorted by the string form
    of the key, as restrictions.rules.required_accumulators returns them: a stable partition
    then gives the global lock order without sorting again."""
    return ([r for r in rows if r[0].filter != FILTER_TICKET],
            [r for r in rows if r[0].filter == FILTER_TICKET])


_PG_UPSERT = (
    "INSERT INTO exposure_accumulators AS e (sorteo_id, number, scope_type, scope_id, filter, amount) "
    "SELECT %(sorteo)s::uuid, u.n, u.t, u.i, u.f, u.a FROM json_to_recordset(%(rows)s::json) "
    "AS u(o int, n text, t text, i uuid, f text, a numeric) ORDER BY u.o "
    "ON CONFLICT (sorteo_id, number, scope_type, scope_id, filter) "
    "DO UPDATE SET amount = e.amount + EXCLUDED.amount "
    "RETURNING e.number, e.scope_type, e.scope_id::text, e.filter, e.amount"
)


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _rows_json(rows: Sequence[tuple[AccKey, Decimal]]) -> str:
    """The rows as one JSON parameter (cheaper to send than five arrays; one cached statement)."""
    return json.dumps([{"o": o, "n": k.number, "t": k.scope_type, "i": str(k.scope_id), "f": k.filter,
                        "a": str(d)} for o, (k, d) in enumerate(rows)], separators=(",", ":"))


def _key(key: AccKey) -> tuple:
    return (key.number, key.scope_type, str(key.scope_id), key.filter)


def upsert(conn, rows: Sequence[tuple[AccKey, Decimal]]) -> dict[tuple, Decimal]:
    """Add each delta to its accumulator row (created at 0) in the given order; row-locks them.

    Returns the new totals keyed by (number, scope_type, str(scope_id), filter)."""
    if not rows:
        return {}
    sorteo_id = _as_uuid(rows[0][0].sorteo_id)
    if conn.dialect.name == "postgresql":
        cur = raw_cursor(conn, _PG_UPSERT, {"sorteo": sorteo_id, "rows": _rows_json(rows)})
        return {(n, t, i, f): a for n, t, i, f, a in cur.fetchall()}
    out = {}
    for key, delta in rows:  # SQLite: already serialised by BEGIN IMMEDIATE; order kept anyway
        stmt = (sqlite_insert(_acc).values(sorteo_id=sorteo_id, number=key.number, scope_type=key.scope_type,
                                           scope_id=_as_uuid(key.scope_id), filter=key.filter, amount=delta))
        stmt = stmt.on_conflict_do_update(
            index_elements=["sorteo_id", "number", "scope_type", "scope_id", "filter"],
            set_={"amount": _acc.c.amount + stmt.excluded.amount}).returning(_acc.c.amount)
        out[_key(key)] = Decimal(conn.execute(stmt).scalar_one())
    return out


def totals_before(rows: Sequence[tuple[AccKey, Decimal]], totals: dict[tuple, Decimal]) -> dict[tuple, Decimal]:
    """A(n) / S without this ticket (the upsert's new totals minus the ticket's own deltas), keyed
    by the rows' own AccKeys: the context's ids, which the restriction engine looks up first (no
    all-strings fallback map to build)."""
    return {key: totals[_key(key)] - delta for key, delta in rows}


class AccumulatorStrategy:
    """DOMAIN §11.1 recommended design: exposure accumulator rows under row locks.

    reserve() upserts the rows the check needs and returns totals WITHOUT this ticket; the
    TICKET rows (S, read only by dynamic limits) are upserted last, inside the insert, unless
    a dynamic rule needs S now (`lock_ticket_rows`).
    """

    name = "accumulator"
    # PostgreSQL: upsert, counter, ticket, jugadas, audit and draft in ONE statement
    # (insert_checked), the limits checked on its returned totals before COMMIT.
    one_statement = True

    def reserve(self, conn, ctx, lines, rows, *, lock_ticket_rows: bool):
        number_rows, ticket_rows = split_ticket_rows(rows)
        locked = number_rows + ticket_rows if lock_ticket_rows else number_rows
        deferred = [] if lock_ticket_rows else ticket_rows
        return totals_before(locked, upsert(conn, locked)), locked, deferred

    def compensate(self, conn, applied: Sequence[tuple[AccKey, Decimal]]) -> None:
        """Undo what this transaction added (idempotency twin that lost the race)."""
        upsert(conn, [(k, -d) for k, d in ordered(applied)])


STRATEGY = AccumulatorStrategy()


# ------------------------------------------------------------------------------ 3. insert

@dataclass
class NewSale:
    """The rows of one sale, ready to insert."""

    ticket: dict
    jugadas: list[dict]
    audit: dict
    business_date: date
    prefix: str
    deferred: list  # accumulator rows to upsert with the insert
    # The seller's sales draft to reset in the same statement (PostgreSQL): {"id", "user_id",
    # "vendedor_id", "key", "now"}; `draft_done` tells the caller it was written.
    draft: dict | None = None
    draft_done: bool = False


_LOG_COLS = ("id", "created_at", "user_id", "banca_id", "layer", "action", "target_type", "target_id",
             "request_id", "ip")

# One statement, six parameters (so psycopg caches its conversion and PostgreSQL prepares it):
# rows travel as JSON and json_populate_record(set) types them by the tables' own columns.
_PG_INSERT = (
    "WITH acc AS ("
    " INSERT INTO exposure_accumulators AS e (sorteo_id, number, scope_type, scope_id, filter, amount)"
    " SELECT %(sorteo_id)s::uuid, u.n, u.t, u.i, u.f, u.a FROM json_to_recordset(%(acc)s::json)"
    " AS u(o int, n text, t text, i uuid, f text, a numeric) ORDER BY u.o"
    " ON CONFLICT (sorteo_id, number, scope_type, scope_id, filter)"
    " DO UPDATE SET amount = e.amount + EXCLUDED.amount RETURNING 1"
    "), c AS ("
    # Depends on acc so the TICKET rows are locked before the counter (the global lock order).
    " INSERT INTO ticket_counters AS tc (business_date, last_seq)"
    " SELECT %(business_date)s::date, 1 FROM (SELECT count(*) FROM acc) AS done"
    " ON CONFLICT (business_date) DO UPDATE SET last_seq = tc.last_seq + 1 RETURNING last_seq"
    "), t AS ("
    " INSERT INTO tickets SELECT r.* FROM c, json_populate_record(NULL::tickets, %(ticket)s::json) AS r0,"
    " LATERAL json_populate_record(r0, json_build_object('ticket_number', %(prefix)s ||"
    " CASE WHEN c.last_seq > 99999 THEN c.last_seq::text ELSE lpad(c.last_seq::text, 5, '0') END)) AS r"
    " ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING ticket_number"
    "), j AS ("
    " INSERT INTO jugadas SELECT v.* FROM t, json_populate_recordset(NULL::jugadas, %(jugadas)s::json) AS v"
    "), a AS ("
    " INSERT INTO activity_logs SELECT v.* FROM t,"
    " json_populate_record(NULL::activity_logs, replace(%(audit)s, %(mark)s, t.ticket_number)::json) AS v"
    ") SELECT ticket_number FROM t"
)
# The same, also resetting the seller's draft (empty lines and cliente, the next idempotency key)
# when the ticket went in: one round trip less per sale than a separate UPDATE.
_PG_INSERT_DRAFT = _PG_INSERT.replace(
    ") SELECT ticket_number FROM t",
    "), d AS ("
    " INSERT INTO sales_drafts AS sd (id, user_id, vendedor_id, sorteo_id, lines, cliente_nombre, idempotency_key,"
    " updated_at) SELECT %(d_id)s::uuid, %(d_user)s::uuid, %(d_vendedor)s::uuid, %(sorteo_id)s::uuid, '[]'::json,"
    " NULL, %(d_key)s, %(d_now)s::timestamptz FROM t"
    " ON CONFLICT (user_id, vendedor_id) DO UPDATE SET sorteo_id = EXCLUDED.sorteo_id, lines = EXCLUDED.lines,"
    " cliente_nombre = NULL, idempotency_key = EXCLUDED.idempotency_key, updated_at = EXCLUDED.updated_at"
    ") SELECT ticket_number FROM t")


# PostgreSQL, one round trip: every accumulator row of the ticket (number rows, then TICKET rows:
# the global lock order) is upserted first and RETURNS its new total, then the counter, the ticket,
# its jugadas, the audit row (and the draft). The caller checks the limits on the returned totals
# and raises when one is exceeded: the transaction (the route's unit of work) rolls it all back.
_RETURNING_ONE = " DO UPDATE SET amount = e.amount + EXCLUDED.amount RETURNING 1"
_RETURNING_TOTALS = (" DO UPDATE SET amount = e.amount + EXCLUDED.amount"
                     " RETURNING e.number, e.scope_type, e.scope_id::text AS scope_id, e.filter, e.amount")
_TAIL = ") SELECT ticket_number FROM t"
_CHECKED_TAIL = (") SELECT t.ticket_number, acc.number, acc.scope_type, acc.scope_id, acc.filter, acc.amount"
                 " FROM acc LEFT JOIN t ON true")


def _checked(sql: str) -> str:
    """The insert statement returning every accumulator row's new total beside the ticket number."""
    return sql.replace(_RETURNING_ONE, _RETURNING_TOTALS).replace(_TAIL, _CHECKED_TAIL)


_PG_INSERT_CHECKED = _checked(_PG_INSERT)
_PG_INSERT_CHECKED_DRAFT = _checked(_PG_INSERT_DRAFT)


def insert_checked(conn, sale: NewSale, rows: Sequence[tuple[AccKey, Decimal]]):
    """PostgreSQL only: `rows` (number rows then TICKET rows, as split_ticket_rows orders them)
    added to their accumulators and the sale inserted, in one statement. Returns (ticket number
    or None when a concurrent twin already committed this idempotency key, new totals keyed like
    upsert()). Nothing is checked here: the caller compares the totals with the rules and raises,
    and its transaction rolls the whole sale back."""
    params = _insert_params(sale)
    params["acc"] = _rows_json(rows)
    sql = _PG_INSERT_CHECKED_DRAFT if sale.draft is not None else _PG_INSERT_CHECKED
    got = raw_cursor(conn, sql, params).fetchall()
    totals = {(n, t, i, f): a for _, n, t, i, f, a in got}
    number = got[0][0] if got else None
    sale.draft_done = number is not None and sale.draft is not None
    return number, totals


def insert_sale(conn, sale: NewSale) -> str | None:
    """Counter, ticket, jugadas, audit (and the deferred accumulator rows) — the ticket number,
    or None when another transaction already committed a ticket with this idempotency key."""
    if conn.dialect.name == "postgresql":
        return _insert_pg(conn, sale)
    return _insert_generic(conn, sale)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


def _audit_json(sale: NewSale) -> str:
    return _json(sale.audit["details"])


def _insert_params(sale: NewSale) -> dict:
    ticket_id, sorteo_id = sale.ticket["id"], sale.ticket["sorteo_id"]
    jugadas = [{**j, "ticket_id": ticket_id, "sorteo_id": sorteo_id, "is_winner": False, "is_active": True,
                "is_excluded": False} for j in sale.jugadas]
    params = {"sorteo_id": sorteo_id, "acc": _rows_json(sale.deferred), "business_date": sale.business_date,
              "prefix": sale.prefix, "ticket": _json(sale.ticket), "jugadas": _json(jugadas),
              "audit": _json(sale.audit), "mark": TICKET_NUMBER_MARK}
    if sale.draft is not None:
        params.update(d_id=sale.draft["id"], d_user=sale.draft["user_id"], d_vendedor=sale.draft["vendedor_id"],
                      d_key=sale.draft["key"], d_now=sale.draft["now"])
    return params


def _insert_pg(conn, sale: NewSale) -> str | None:
    params = _insert_params(sale)
    sql = _PG_INSERT_DRAFT if sale.draft is not None else _PG_INSERT
    row = raw_cursor(conn, sql, params).fetchone()
    if row is None:
        return None
    sale.draft_done = sale.draft is not None
    return row[0]


def _insert_generic(conn, sale: NewSale) -> str | None:
    if sale.deferred:
        upsert(conn, sale.deferred)
    stmt = sqlite_insert(_counters).values(business_date=sale.business_date, last_seq=1)
    stmt = stmt.on_conflict_do_update(index_elements=["business_date"],
                                      set_={"last_seq": _counters.c.last_seq + 1}).returning(_counters.c.last_seq)
    seq = conn.execute(stmt).scalar_one()
    number = f"{sale.prefix}{seq:05d}"
    conn.execute(insert(_tickets), {**sale.ticket, "ticket_number": number})
    conn.execute(insert(_jugadas), [{**j, "ticket_id": sale.ticket["id"], "sorteo_id": sale.ticket["sorteo_id"],
                                     "is_winner": False, "is_active": True, "is_excluded": False}
                                    for j in sale.jugadas])
    details = json.loads(_audit_json(sale).replace(TICKET_NUMBER_MARK, number))
    conn.execute(insert(_logs), {**{c: sale.audit[c] for c in _LOG_COLS}, "details": details})
    return number
