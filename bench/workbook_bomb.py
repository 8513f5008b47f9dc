"""Benchmark: time and peak memory of refusing each workbook bomb, in `refresh` and in the upload preview.

    .venv/bin/python -m bench.workbook_bomb [--repo DIR]

Writes the bombs of tests/bombs.py (honest sizes, lying sizes, sparse cells) and, for each, runs under
`/usr/bin/time -v` (wall seconds, peak RSS of the largest process of the tree, children included):
`python -m warehouse refresh` of the fixture province plus the bomb as `survey_bomb.xlsx` (onto a copy of
the fixture's warehouse), and the upload preview (`ingest.preview.preview`) of the bomb alone. `--repo`
runs another checkout's code (e.g. the commit before bounded workbooks) on the same files.
Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bombs import SHEET, bomb, lie, sparse
from tests.conftest import AS_OF, FIXTURE, REPO

BOMBS = {"honest sizes (1 MB → 336 MB)": bomb, "lying sizes (declares 2.000 B)": lambda: lie(bomb(), SHEET, 2000),
         "sparse cells (1,5 KB, A1 + XFD1048576)": sparse}
PREVIEW = ("import sys; from pathlib import Path; from ingest.preview import Upload, preview; "
           "r = preview([Upload('survey_bomb.xlsx', Path(sys.argv[1]).read_bytes())], Path(sys.argv[2]))[0]; "
           "print(r.refused or f'read {r.rows_read} rows'); sys.exit(2 if r.refused else 0)")


def timed(command: list[str], cwd: Path) -> tuple[int, float, float, str]:
    """(exit code, wall seconds, peak MB, last line of stderr/stdout) of `command` under /usr/bin/time -v."""
    result = subprocess.run(["/usr/bin/time", "-v", *command], cwd=cwd, capture_output=True, text=True, timeout=900)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    assert wall, result.stderr
    seconds = int(wall[1] or 0) * 3600 + int(wall[2]) * 60 + float(wall[3])
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)[1]) / 1024  # type: ignore[index]
    said = [ln for ln in (result.stdout + result.stderr.split("\tCommand being timed")[0]).splitlines()
            if ln.strip() and not ln.startswith("Command exited")]
    said = [ln for ln in said if "survey_bomb.xlsx" in ln] or said  # the line naming the file, when there is one
    return result.returncode, seconds, peak, (said[-1] if said else "")[:200]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose code runs")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="svmt-bomb-bench-"))
    try:
        db = work / "fixture.duckdb"
        subprocess.run([sys.executable, "-m", "warehouse", "refresh", "--source", str(FIXTURE), "--db", str(db),
                        "--as-of", AS_OF], cwd=args.repo, check=True, capture_output=True)
        print(f"code: {args.repo}\n")
        print("| bomb | path | exit | seconds | peak MB | message |")
        print("|---|---|---|---|---|---|")
        for label, make in BOMBS.items():
            source = work / "source"
            shutil.rmtree(source, ignore_errors=True)
            shutil.copytree(FIXTURE, source)
            (source / "survey_bomb.xlsx").write_bytes(make())
            target = work / "wh.duckdb"
            shutil.copy(db, target)
            rc, seconds, peak, said = timed([sys.executable, "-m", "warehouse", "refresh", "--source", str(source),
                                             "--db", str(target), "--as-of", AS_OF], args.repo)
            print(f"| {label} | refresh | {rc} | {seconds:.1f} | {peak:,.0f} | {said} |", flush=True)
            rc, seconds, peak, said = timed([sys.executable, "-c", PREVIEW, str(source / "survey_bomb.xlsx"), str(db)],
                                            args.repo)
            print(f"| {label} | upload preview | {rc} | {seconds:.1f} | {peak:,.0f} | {said} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
