"""Benchmark: `refresh` at national scale against the DuckDB floor, with peak memory (SPEC §7).

    .venv/bin/python -m bench.refresh_scale [--fraction 0.125 0.25 0.5 1] [--seed S] [--keep DIR]

For each fraction it generates the national demo folder once (`warehouse.demo`, row counts
scaled by the fraction; the 63 provinces and their districts stay), then measures on that folder:

- the floor: DuckDB alone reading the same files into a DuckDB file, one table per kind
  (`CREATE TABLE … AS SELECT * FROM read_csv([...], all_varchar=true)`, then CHECKPOINT), in a
  subprocess of its own; best of `--floor-runs`, timed around the DuckDB work only. Every file of a
  kind has the same header here, so no `union_by_name` (which costs ~9× on these 800 files);
- `refresh`: `python -m warehouse refresh` as a subprocess under `/usr/bin/time -v`, end to end
  (wall clock, Python start-up and imports included) and per step from its summary (ingest, dbt,
  expectations, swap; "other" is start-up, imports and what no step covers);
- peak memory: the maximum resident set size of each subprocess (`/usr/bin/time -v`; without it,
  `resource.getrusage(RUSAGE_CHILDREN)`, which is the running maximum over the children so far), or,
  when larger, the summed RSS of all its processes sampled every 0,1 s (refresh runs its data-quality
  worker beside it, and `time -v` reports only the largest process);
- the ratio refresh / floor (target ≤ 2) and ingest throughput in rows/s.

It prints Markdown tables for BENCHMARKS.md. Full size needs ~3 GB of disk in the temp folder
(the CSVs and two warehouses) and takes several minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.demo import generate

REPO = Path(__file__).resolve().parent.parent
KINDS = ("schools", "survey", "donations", "handovers", "coverage")
TIME = Path("/usr/bin/time")
AS_OF = "2023-06-30"

FLOOR_SCRIPT = r"""
import sys, time, duckdb
from pathlib import Path
folder, db = Path(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
con = duckdb.connect(db)
for kind in ("schools", "survey", "donations", "handovers", "coverage"):
    files = sorted(str(p) for p in folder.glob(kind + "*.csv"))
    if files:
        con.execute("CREATE TABLE " + kind + " AS SELECT * FROM read_csv(?, all_varchar=true)", [files])
con.execute("CHECKPOINT")
con.close()
print(f"FLOOR_SECONDS {time.perf_counter() - t0:.3f}")
"""


@dataclass
class Measure:
    fraction: float
    rows: dict[str, int]
    files: int
    megabytes: float
    generate_s: float
    floor_s: float = 0.0
    floor_peak_mb: float = 0.0
    refresh_s: float = 0.0
    refresh_peak_mb: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)
    db_mb: float = 0.0
    allocation_s: float = 0.0  # dbt nodes (models and their tests) of the allocation proposal
    timed_out: bool = False


class ChildTimeout(Exception):
    """A measured child ran past --timeout (it and its children were killed)."""


def _session_rss_kb(session: int) -> int:
    """Resident memory of every process of a session, summed (refresh and its data-quality worker run at once)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == session:  # field 6 of stat, after the command name: the session id
                total += int((stat.parent / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return total


class _TreeSampler(threading.Thread):
    """Samples the summed RSS of a session every 0,1 s: /usr/bin/time -v only sees its largest process."""

    def __init__(self, session: int) -> None:
        super().__init__(daemon=True)
        self.session, self.peak_kb, self.done = session, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.peak_kb = max(self.peak_kb, _session_rss_kb(self.session))


def timed_child(args: list[str], timeout: float, env: dict[str, str] | None = None
                ) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a child process; returns it, its wall seconds and its peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cmd = [str(TIME), "-v", *args] if TIME.exists() else args
    t0 = time.perf_counter()
    with subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as child:
        sampler = _TreeSampler(child.pid)
        sampler.start()
        try:
            out, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)  # /usr/bin/time and the Python under it
            child.communicate()
            raise ChildTimeout(f"{' '.join(args[:4])} … still running after {timeout:.0f} s") from None
        finally:
            sampler.done.set()
            sampler.join()
    proc = subprocess.CompletedProcess(cmd, child.returncode, out, err)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{' '.join(args[:4])} … failed with exit {proc.returncode}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if match:
        peak_kb = int(match.group(1))
    else:  # running maximum over every child so far: exact only while it grows
        peak_kb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return proc, wall, max(peak_kb, sampler.peak_kb) / 1024


def floor(folder: Path, db: Path, runs: int, timeout: float) -> tuple[float, float]:
    best, peak = float("inf"), 0.0
    for _ in range(runs):
        db.unlink(missing_ok=True)
        proc, _wall, peak_mb = timed_child([sys.executable, "-c", FLOOR_SCRIPT, str(folder), str(db)], timeout)
        best = min(best, float(re.search(r"FLOOR_SECONDS ([\d.]+)", proc.stdout).group(1)))
        peak = max(peak, peak_mb)
    db.unlink(missing_ok=True)
    return best, peak


def refresh(folder: Path, db: Path, timeout: float) -> tuple[float, float, dict[str, float], float, float]:
    proc, wall, peak_mb = timed_child([sys.executable, "-m", "warehouse", "refresh", "--source", str(folder),
                                       "--db", str(db), "--as-of", AS_OF], timeout,
                                      env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("seconds:"))
    steps = {name: float(value) for name, value in re.findall(r"(\w+) ([\d.]+)", line)}
    con = duckdb.connect(str(db), read_only=True)
    try:  # what the allocation proposal's models and tests cost inside the dbt step (meta.dbt_timings)
        allocation = con.execute("SELECT coalesce(sum(seconds), 0) FROM meta.dbt_timings "
                                 "WHERE node LIKE '%allocation%'").fetchall()[0][0]
    finally:
        con.close()
    return wall, peak_mb, steps, db.stat().st_size / 2**20, float(allocation)


def measure(fraction: float, seed: int, work: Path, floor_runs: int, keep: bool, timeout: float) -> Measure:
    folder = work / f"national-{fraction:g}"
    t0 = time.perf_counter()
    rows = generate(folder, scale="national", seed=seed, fraction=fraction)
    gen_s = time.perf_counter() - t0
    paths = sorted(folder.glob("*.csv"))
    m = Measure(fraction, rows, len(paths), sum(p.stat().st_size for p in paths) / 2**20, gen_s)
    print(f"[bench] fraction {fraction:g}: {sum(rows.values()):,} rows in {m.files} files "
          f"({m.megabytes:,.0f} MB) generated in {gen_s:.1f} s", file=sys.stderr, flush=True)
    m.floor_s, m.floor_peak_mb = floor(folder, work / "floor.duckdb", floor_runs, timeout)
    print(f"[bench]   floor {m.floor_s:.1f} s", file=sys.stderr, flush=True)
    db = work / f"national-{fraction:g}.duckdb"
    try:
        m.refresh_s, m.refresh_peak_mb, m.steps, m.db_mb, m.allocation_s = refresh(folder, db, timeout)
        print(f"[bench]   refresh {m.refresh_s:.1f} s {m.steps}, peak {m.refresh_peak_mb:,.0f} MB",
              file=sys.stderr, flush=True)
    except ChildTimeout as exc:  # reported in the table, the other fractions still run
        m.timed_out = True
        print(f"[bench]   {exc}", file=sys.stderr, flush=True)
        for stale in work.glob(f"{db.name}.tmp-*"):
            stale.unlink(missing_ok=True)
    if not keep:  # the next fraction's disk
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(db.with_name(db.stem + "_data_docs"), ignore_errors=True)
        db.unlink(missing_ok=True)
    return m


def machine() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores, {mem_gb:.0f} GB RAM, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}; peak memory from "
            f"{'/usr/bin/time -v' if TIME.exists() else 'getrusage(RUSAGE_CHILDREN)'}")


def render(results: list[Measure]) -> str:
    out = ["| fraction | rows | files | MB | floor s | refresh s | ingest | dbt | expectations | swap | other "
           "| refresh / floor | peak MB refresh | peak MB floor | ingest rows/s |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in results:
        rows = sum(m.rows.values())
        if m.timed_out:
            out.append(f"| {m.fraction:g} | {rows:,} | {m.files} | {m.megabytes:,.0f} | {m.floor_s:.1f} | "
                       "timed out |  |  |  |  |  |  |  | " f"{m.floor_peak_mb:,.0f} |  |")
            continue
        other = m.refresh_s - sum(m.steps.values())
        ingest = m.steps.get("ingest", 0.0)
        out.append(
            f"| {m.fraction:g} | {rows:,} | {m.files} | {m.megabytes:,.0f} | {m.floor_s:.1f} | {m.refresh_s:.1f} | "
            f"{ingest:.1f} | {m.steps.get('dbt', 0):.1f} | {m.steps.get('expectations', 0):.1f} | "
            f"{m.steps.get('swap', 0):.1f} | {other:.1f} | {m.refresh_s / m.floor_s:.1f}× | "
            f"{m.refresh_peak_mb:,.0f} | {m.floor_peak_mb:,.0f} | {rows / ingest if ingest else 0:,.0f} |")
    out += ["", "| fraction | GX s | GX share of the rest of refresh (target ≤ 30 %) | allocation models + tests s "
            "(target < 2) | peak MB / million rows |", "|---|---|---|---|---|"]
    for m in results:
        if m.timed_out:
            continue
        gx = m.steps.get("expectations", 0.0)
        out.append(f"| {m.fraction:g} | {gx:.1f} | {100 * gx / (m.refresh_s - gx):.0f} % | {m.allocation_s:.2f} | "
                   f"{m.refresh_peak_mb / (sum(m.rows.values()) / 1e6):,.0f} |")
    out += ["", "| fraction | schools | survey | donations | handovers | coverage | generate s | warehouse MB |",
            "|---|---|---|---|---|---|---|---|"]
    for m in results:
        out.append(f"| {m.fraction:g} | " + " | ".join(f"{m.rows[k]:,}" for k in KINDS)
                   + f" | {m.generate_s:.1f} | {m.db_mb:,.0f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fraction", type=float, nargs="+", default=[1.0],
                        help="scale(s) of the national row counts, e.g. 0.125 0.25 0.5 1 (default 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--floor-runs", type=int, default=2, help="floor runs per fraction (best is kept)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a refresh counts as hung")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="svmt-national-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = [measure(f, args.seed, work, args.floor_runs, args.keep is not None, args.timeout)
                   for f in args.fraction]
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"Machine: {machine()}; seed {args.seed}, as of {AS_OF}\n")
    print(render(results))


if __name__ == "__main__":
    main()
