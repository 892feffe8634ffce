"""Micro-benchmark of the pure restriction engine (no database): what check_ticket and
availability cost per sale with a realistic rule set. Run: .venv/bin/python bench/restrictions_engine.py

Prints CPU µs per call (process time, median of several rounds) for tickets of 3 and 30 jugadas against
~40 candidate rules (banca baseline, ventana overrides, a vendedor override, number rules,
a dynamic rule, a blocked multiplier, a ticket total and cutoffs) plus 2 000 rules of other
vendedores in the same banca (filtered out by the engine).
"""
from __future__ import annotations

import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.restrictions.rules import (  # noqa: E402
    Line, RuleSpec, SaleContext, availability, check_ticket, required_accumulators,
)

D = Decimal
B, V, X, TICA, SORTEO = (uuid.uuid4() for _ in range(5))
M90, M85 = uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 3, 7, 18, 40, tzinfo=timezone.utc)


def rules() -> list[RuleSpec]:
    out = [
        RuleSpec(banca_id=B, id=uuid.uuid4(), sales_cutoff_minutes=5),
        RuleSpec(banca_id=B, id=uuid.uuid4(), ventana_id=V, sales_cutoff_minutes=3),
        RuleSpec(banca_id=B, id=uuid.uuid4(), max_amount=D(5000), max_total=D(100000)),
        RuleSpec(banca_id=B, id=uuid.uuid4(), is_auto_date=True, max_total=D(3000)),
        RuleSpec(banca_id=B, id=uuid.uuid4(), max_ticket_total=D(200000)),
        RuleSpec(banca_id=B, id=uuid.uuid4(), loteria_id=TICA, multiplier_id=M85, multiplier_kind="NUMERO",
                 multiplier_label="85x"),
        RuleSpec(banca_id=B, id=uuid.uuid4(), ventana_id=V, applies_to_vendedor=True, base_amount=D(2500),
                 sales_percentage=D(3)),
    ]
    out += [RuleSpec(banca_id=B, id=uuid.uuid4(), ventana_id=V, number=f"{n:02d}", max_total=D(10000))
            for n in range(30)]
    others = [uuid.uuid4() for _ in range(200)]
    out += [RuleSpec(banca_id=B, id=uuid.uuid4(), user_id=u, number=f"{n:02d}", max_total=D(1))
            for u in others for n in range(10)]
    return out


def timed(fn, rounds=7, loops=300) -> float:
    samples = []
    for _ in range(rounds):
        t0 = time.process_time()
        for _ in range(loops):
            fn()
        samples.append((time.process_time() - t0) / loops * 1e6)
    return statistics.median(samples)


def main() -> None:
    specs = rules()
    mine = [r for r in specs if r.user_id in (None, X)]
    ctx = SaleContext.at(NOW, vendedor_id=X, ventana_id=V, banca_id=B, loteria_id=TICA, sorteo_id=SORTEO,
                         scheduled_at=datetime(2026, 3, 7, 18, 55, tzinfo=timezone.utc), loteria_name="TICA")
    for size in (3, 30):
        lines = [Line("NUMERO", f"{n:02d}", D(100), M90, D(90)) for n in range(size)]
        acc = {k: v * 10 for k, v in required_accumulators(None, lines, ctx)}
        print(f"{size:>2} jugadas, {len(mine)} candidate rules: "
              f"check_ticket {timed(lambda: check_ticket(mine, lines, ctx, acc, NOW)):7.1f} µs · "
              f"availability {timed(lambda: availability(mine, [l.number for l in lines], ctx, acc)):7.1f} µs · "
              f"required_accumulators {timed(lambda: required_accumulators(None, lines, ctx)):6.1f} µs")
    lines = [Line("NUMERO", f"{n:02d}", D(100), M90, D(90)) for n in range(3)]
    print(f" 3 jugadas, all {len(specs)} banca rules unfiltered: "
          f"check_ticket {timed(lambda: check_ticket(specs, lines, ctx, {}, NOW), loops=30):7.1f} µs")


if __name__ == "__main__":
    main()
