"""Benchmark: what the allocation proposal adds to refresh — dbt's build with and without it (issue 9: < 2 s).

    .venv/bin/python -m bench.allocation_cost --db DIR/national-1.duckdb --runs 3

Works on a copy of a built warehouse (its raw tables are the input): the whole dbt build of refresh
(everything but the KPI model, built after the expectations) is timed as refresh runs it, in-process,
alternately with every node and without the allocation models and their tests. The difference of the
medians is what the allocation adds to the wall clock, with both dbt threads busy as they are in refresh.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from warehouse.refresh import DEVICE_UNIT_COST_VND, run_dbt

WITHOUT = ["allocation_stock+", "int_allocation_queue+"]  # every allocation model is downstream of one of these


def _build(db: Path, exclude: list[str]) -> float:
    t0 = time.perf_counter()
    run_dbt(db, date(2023, 6, 30), DEVICE_UNIT_COST_VND, ["--exclude", *exclude] if exclude else [])
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="a warehouse built by refresh (e.g. bench.refresh_scale --keep)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "allocation.duckdb"
        shutil.copy(args.db, db)
        _build(db, [])  # dbt's imports and partial parse, once
        with_s, without_s = [], []
        for _ in range(args.runs):
            with_s.append(_build(db, []))
            without_s.append(_build(db, WITHOUT))
    added = statistics.median(with_s) - statistics.median(without_s)
    print(f"Warehouse: {args.db} (dbt build of refresh, {args.runs} runs each, alternating)\n")
    print("| dbt build | runs (s) | median (s) |\n|---|---|---|")
    print(f"| with allocation | {' · '.join(f'{s:.2f}' for s in with_s)} | {statistics.median(with_s):.2f} |")
    print(f"| without allocation | {' · '.join(f'{s:.2f}' for s in without_s)} | {statistics.median(without_s):.2f} |")
    print(f"\nAllocation adds {added:.2f} s to refresh (target < 2 s).")


if __name__ == "__main__":
    main()
