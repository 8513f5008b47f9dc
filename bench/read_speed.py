"""Benchmark: ingest throughput (rows/s) and the cost of messy input vs. its clean twin.

    .venv/bin/python -m bench.read_speed [--copies N] [--seed S] [--scale national --fraction F] [--shapes ...]

Generates the demo province (or the national folder scaled by --fraction), optionally multiplies its
survey and handover files N times (renamed copies, to reach a larger volume on one machine), writes
the same folder in every real-world shape of tests/messy.py, and times `ingest.load.load_folder`
(read + validate into an in-memory DuckDB) on each, best of --runs. It also times the floor: DuckDB's
own `read_csv` of the clean files into tables. Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from ingest.load import load_folder
from tests.messy import SHAPES, write_shape
from warehouse.demo import generate


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def ingest(folder: Path) -> int:
    con = duckdb.connect()
    report = load_folder(con, folder, lambda _m: None)
    con.close()
    return sum(report.loaded.values()) + sum(report.rejected.values())


def floor(folder: Path) -> None:
    """DuckDB alone reading every clean CSV into tables (all text, as ingest reads them)."""
    con = duckdb.connect()
    for kind in ("schools", "survey", "donations", "handovers", "coverage"):
        files = sorted(str(p) for p in folder.glob(f"{kind}*.csv"))
        if files:
            con.execute(f"CREATE TABLE {kind} AS SELECT * FROM read_csv(?, all_varchar=true, union_by_name=true)",
                        [files])
    con.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", choices=("province", "national"), default="province")
    parser.add_argument("--fraction", type=float, default=1.0, help="national row counts scaled by this")
    parser.add_argument("--runs", type=int, default=3, help="runs per input (best is kept)")
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="svmt-bench-"))
    try:
        clean = work / "clean"
        generate(clean, scale=args.scale, seed=args.seed, fraction=args.fraction)
        for copy in range(1, args.copies):
            for path in list(clean.glob("survey_*.csv")) + list(clean.glob("handovers_*.csv")):
                shutil.copy(path, path.with_name(f"{path.stem}_copy{copy}.csv"))
        rows = ingest(clean)
        t_floor = best_of(args.runs, lambda: floor(clean))
        t_clean = best_of(args.runs, lambda: ingest(clean))
        print(f"Machine: {platform.machine()}, {platform.python_version()}, DuckDB {duckdb.__version__}; "
              f"{rows:,} data rows (scale={args.scale}, fraction={args.fraction:g}, copies={args.copies}, "
              f"seed={args.seed})\n")
        print(f"| input | seconds (best of {args.runs}) | rows/s | × clean |")
        print("|---|---|---|---|")
        print(f"| DuckDB floor: read_csv into tables (clean) | {t_floor:.2f} | {rows / t_floor:,.0f} | "
              f"{t_floor / t_clean:.2f} |")
        print(f"| clean canonical CSV (UTF-8, `,`) | {t_clean:.2f} | {rows / t_clean:,.0f} | 1.00 |")
        for shape in args.shapes:
            folder = work / shape
            write_shape(clean, folder, shape)
            seconds = best_of(args.runs, lambda folder=folder: ingest(folder))
            print(f"| {shape} | {seconds:.2f} | {rows / seconds:,.0f} | {seconds / t_clean:.2f} |", flush=True)
            shutil.rmtree(folder, ignore_errors=True)  # the next shape's disk
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
