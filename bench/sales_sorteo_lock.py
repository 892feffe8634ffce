"""The "simple alternative" of DOMAIN §11.1, measured against the accumulator design: one
transaction-level advisory lock per sorteo, then SQL sums over the live jugadas.

Benchmark only (bench/sales_wsgi.py installs it with BENCH_STRATEGY=sorteo_lock): it does not
maintain the exposure accumulator rows, so a database sold with it must not be used with the
accumulator design afterwards.
"""
from __future__ import annotations

from decimal import Decimal

from app.restrictions.domain import FILTER_ALL, FILTER_TICKET, TICKET_NUMBER, AccKey
from app.sales import sale_path

_SUMS = """
WITH live AS (
  SELECT j.number, j.amount,
         CASE WHEN j.type = 'REVENTADO' THEN 'REVENTADO' ELSE j.multiplier_id::text END AS f,
         t.vendedor_id, t.ventana_id, t.banca_id
  FROM jugadas j JOIN tickets t ON t.id = j.ticket_id
  WHERE j.sorteo_id = %(s)s AND j.number = ANY(%(n)s) AND j.is_active AND NOT j.is_excluded
    AND t.status NOT IN ('CANCELLED', 'EXCLUDED')
)
SELECT 'vendedor', number, f, sum(amount) FROM live WHERE vendedor_id = %(v)s GROUP BY number, f
UNION ALL SELECT 'ventana', number, f, sum(amount) FROM live WHERE ventana_id = %(w)s GROUP BY number, f
UNION ALL SELECT 'banca', number, f, sum(amount) FROM live WHERE banca_id = %(b)s GROUP BY number, f
"""

_SALES = """
SELECT sum(total_amount) FILTER (WHERE vendedor_id = %(v)s), sum(total_amount) FILTER (WHERE ventana_id = %(w)s),
       sum(total_amount)
FROM tickets WHERE sorteo_id = %(s)s AND banca_id = %(b)s AND status NOT IN ('CANCELLED', 'EXCLUDED')
"""


class SorteoLockStrategy:
    name = "sorteo_lock"

    def reserve(self, conn, ctx, lines, rows, *, lock_ticket_rows: bool):
        params = {"s": ctx.sorteo_id, "v": ctx.vendedor_id, "w": ctx.ventana_id, "b": ctx.banca_id,
                  "n": sorted({line.number for line in lines})}
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtextextended(%(k)s, 0))",
                             {"k": f"sorteo:{ctx.sorteo_id}"})
        scope_ids = {"vendedor": ctx.vendedor_id, "ventana": ctx.ventana_id, "banca": ctx.banca_id}
        totals: dict[AccKey, Decimal] = {}
        for scope, number, filt, amount in conn.exec_driver_sql(_SUMS, params):
            key_all = AccKey(ctx.sorteo_id, number, scope, scope_ids[scope], FILTER_ALL)
            totals[key_all] = totals.get(key_all, Decimal(0)) + amount
            totals[AccKey(ctx.sorteo_id, number, scope, scope_ids[scope], filt)] = amount
        if lock_ticket_rows:
            sales = conn.exec_driver_sql(_SALES, params).first()
            for scope, value in zip(("vendedor", "ventana", "banca"), sales):
                totals[AccKey(ctx.sorteo_id, TICKET_NUMBER, scope, scope_ids[scope], FILTER_TICKET)] = \
                    value or Decimal(0)
        return totals, [], []

    def compensate(self, conn, applied) -> None:
        return None  # nothing was written before the insert


def install() -> None:
    sale_path.STRATEGY = SorteoLockStrategy()
