"""The background runner of a job (`python -m warehouse.upload run-job JOB`): `warehouse.refresh.refresh` called
in this process, its stages written to the job's stage file as they start, its outcome written from the result
object or from the exception, so the page reads fields and never the printed text.

The outcome file holds `rc` (the CLI's exit codes: 0 done, 1 failed, 2 unusable input, 3 held), `outcome`
(`ok`, `failed`, `bad_input`, `held`), `message` (what to tell the officer: the input error naming file, line and
column, the held reasons, or one line), `summary` (`Summary.to_json()`: loaded, rejected, issues, seconds, impact,
published), `held` (the held reasons), `after` (the new headline figures) and, for a trial, `impact`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path

from ingest.read import InputError
from warehouse.guard import Held
from warehouse.private import restrict_umask
from warehouse.refresh import refresh
from warehouse.upload.files import now
from warehouse.upload.jobs import kpi_snapshot, refresh_running, result_path, stage_path, write_json

UNCHANGED = "Kho dữ liệu cũ giữ nguyên / the previous warehouse is unchanged."


def failure(exc: BaseException) -> dict:
    """The outcome of a refresh that raised: exit code, kind and the message for people (never a traceback)."""
    if isinstance(exc, Held):
        return {"rc": 3, "outcome": "held", "held": [asdict(r) for r in exc.reasons],
                "message": "\n".join(["Giữ lại, không công bố / held, not published:",
                                      *(f"  {r.text()}" for r in exc.reasons), UNCHANGED])}
    if isinstance(exc, InputError):
        return {"rc": 2, "outcome": "bad_input", "message": f"Lỗi dữ liệu đầu vào / unusable input: {exc}\n{UNCHANGED}"}
    return {"rc": 1, "outcome": "failed",
            "message": f"Làm mới thất bại / refresh failed: {type(exc).__name__}: {exc}\n{UNCHANGED}"}


def run_job(path: Path) -> int:
    """Run the job described by `path` (a refresh, or a trial that builds and compares without publishing) and
    write its outcome beside it; returns its exit code."""
    job = json.loads(path.read_text(encoding="utf-8"))
    started = now()
    print(f"[job] {job.get('reason', '')} · as-of {job['as_of']} · {job.get('user', '')}", flush=True)
    db, trial = Path(job["db"]), bool(job.get("trial"))

    def on_stage(name: str) -> None:
        write_json(stage_path(path), {"stage": name, "at": now()})

    on_stage("waiting" if refresh_running(db) else "start")
    try:
        summary = refresh(Path(job["source"]), db, date.fromisoformat(job["as_of"]),
                          accept_drop=bool(job.get("accept_drop")), user=job.get("user") or "?", trial=trial,
                          on_stage=on_stage)
    except Exception as exc:  # any failure: a reason for people, never a traceback
        outcome = failure(exc)
        print(outcome["message"], flush=True)
    else:
        facts = summary.to_json()
        held = bool(summary.impact and summary.impact.held)
        outcome = {"rc": 3 if trial and held else 0, "outcome": "held" if trial and held else "ok",
                   "message": "", "summary": facts}
        if trial:
            outcome["impact"] = facts["impact"]
        else:
            outcome["after"] = kpi_snapshot(db)
            print(summary.render(), flush=True)
    finally:
        if trial:  # the trial's folder of links is removed whatever happens
            shutil.rmtree(job["source"], ignore_errors=True)
    write_json(result_path(path), {**outcome, "started_at": started, "ended_at": now()})
    return int(outcome["rc"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.upload")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run-job", help="run the background refresh described by a job file (used by the page)")
    run.add_argument("job", type=Path)
    args = parser.parse_args(argv)
    restrict_umask()  # issue 21: the job's files and the refresh it runs are the service user's only
    return run_job(args.job)


if __name__ == "__main__":
    sys.exit(main())
