"""The background refresh and trial build, from the page's side: start one, and read where it stands.

A job is three small JSON files beside the warehouse: the job (`<db stem>_upload_job.json`, or a trial's
`<db stem>_trial-….json`: who, why, as-of, the figures before), its stage (`….stage.json`, written by the
runner's `on_stage`) and its outcome (`….result.json`, written by the runner from `refresh`'s result object or
from the exception: `outcome`, `message`, `summary`, `held`, `impact`, `after`). The runner
(`warehouse.upload.runner`, `python -m warehouse.upload run-job JOB`) runs in a process of its own session, so it
outlives the page; its printed output goes to a log file that the page may show as a log, and nothing here parses.
`refresh` itself takes the warehouse lock, so a second job waits its turn (stage `waiting`).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from warehouse.guard import HEADLINE, read_headline
from warehouse.private import make_private
from warehouse.upload.checks import REPO
from warehouse.upload.files import Incoming, now, trial_folder

KPI_FIELDS = HEADLINE
# The stage a job is in (runner: "start", "waiting" for the lock, then refresh.STAGES) → the page's step label
# (app/i18n.py `step_…`) and how far along the bar is.
STEPS = {"start": ("start", 0.02), "waiting": ("waiting", 0.02), "ingest": ("ingest", 0.15), "dbt": ("dbt", 0.35),
         "expectations": ("checks", 0.7), "guard": ("guard", 0.85), "swap": ("swap", 0.95)}
_CHILDREN: dict[int, subprocess.Popen] = {}  # jobs started by this process, polled so they never linger as zombies


def job_path(db: Path) -> Path:
    """The latest background refresh of a warehouse, described beside it."""
    db = db.resolve()
    return db.with_name(db.stem + "_upload_job.json")


def result_path(job: Path) -> Path:
    """The job's outcome, written once by the runner when the job is over."""
    return job.with_name(job.stem + ".result.json")


def stage_path(job: Path) -> Path:
    """The job's current stage, rewritten by the runner as each stage starts."""
    return job.with_name(job.stem + ".stage.json")


def write_json(path: Path, value: dict) -> None:
    """Replace `path` atomically: a reader sees the old or the new JSON, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, default=str), encoding="utf-8")
    make_private(tmp)
    os.replace(tmp, path)


def _read_json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


def kpi_snapshot(db: Path) -> dict | None:
    """The headline figures of a warehouse (read-only, briefly), or None when there is none to read."""
    return read_headline(db)


def current_as_of(db: Path) -> date | None:
    """The reporting date the warehouse was built with (meta.refresh.as_of): the default of the next refresh."""
    if not db.exists():
        return None
    try:
        con = duckdb.connect(str(db), read_only=True)
        try:
            rows = con.execute("SELECT as_of FROM meta.refresh").fetchall()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return rows[0][0] if rows else None


def refresh_running(db: Path) -> bool:
    """Whether some refresh (from this page or a terminal) holds the warehouse lock right now."""
    lock = db.resolve().with_name(db.name + ".lock")
    if not lock.exists():
        return False
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def start_refresh(source: Path, db: Path, as_of: date, user: str, reason: str, accept_drop: bool = False) -> dict:
    """Start a refresh in the background (its own session: it outlives the page).

    The job is described in `<db stem>_upload_job.json` (who, why, when, as-of, the figures before) and its
    printed output goes to a log file beside the warehouse; the runner writes its stage and outcome next to the
    job. A refresh already running holds the lock: this one waits for it (stage `waiting`). `accept_drop`: the
    user confirmed the held reasons of a trial, so a held build is published (and audit-logged with their name).
    """
    db = db.resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    job = {"source": str(source.resolve()), "db": str(db), "as_of": as_of.isoformat(), "user": user,
           "reason": reason, "accept_drop": accept_drop, "before": kpi_snapshot(db)}
    return _launch(job_path(db), db, job)


def _launch(path: Path, db: Path, job: dict) -> dict:
    """Write the job beside the warehouse and run it in a background process of its own session."""
    when = now()
    log = db.with_name(f"{db.stem}_refresh_job-{when:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.log")
    job = {**job, "started_at": when.isoformat(), "log": str(log), "pid": None}
    result_path(path).unlink(missing_ok=True)
    stage_path(path).unlink(missing_ok=True)
    write_json(path, job)
    with open(log, "wb") as out:
        make_private(log)
        proc = subprocess.Popen([sys.executable, "-m", "warehouse.upload", "run-job", str(path)], cwd=REPO,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    _CHILDREN[proc.pid] = proc
    job["pid"] = proc.pid
    write_json(path, job)
    _prune_logs(db, keep=log)
    return job


def start_trial(items: list[Incoming], source: Path, db: Path, as_of: date, user: str, stamp: datetime,
                scope: list[str] | None = None) -> Path:
    """Start the trial build of (source folder + `items`) in the background; returns its job file (trial_status).

    The trial publishes nothing and logs nothing; its folder is removed when it ends."""
    db = db.resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    folder = trial_folder(source, items, stamp, scope)
    path = db.with_name(f"{db.stem}_trial-{uuid.uuid4().hex[:12]}.json")
    for old in sorted(db.parent.glob(f"{db.stem}_trial-*.json"), key=lambda p: p.stat().st_mtime)[:-20]:
        if not old.name.endswith((".result.json", ".stage.json")):
            for stale in (old, result_path(old), stage_path(old)):
                stale.unlink(missing_ok=True)
    _launch(path, db, {"trial": True, "source": str(folder), "db": str(db), "as_of": as_of.isoformat(),
                       "user": user, "reason": "trial", "stamp": stamp.isoformat(), "scope": scope})
    return path


def _prune_logs(db: Path, keep: Path, count: int = 10) -> None:
    logs = sorted(db.parent.glob(f"{db.stem}_refresh_job-*.log"))
    for old in logs[:-count]:
        if old != keep:
            old.unlink(missing_ok=True)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@dataclass
class JobStatus:
    """Where the latest background refresh stands: none, running, waiting (for the lock), ok or failed.

    `step` and `progress` come from the stage file, `message` and `result` from the outcome file; `lines` is the
    printed log, for people to read only."""

    state: str
    step: str = ""
    progress: float = 0.0
    message: str = ""
    lines: list[str] = field(default_factory=list)
    job: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)


def log_lines(log: Path, limit: int = 400) -> list[str]:
    """The readable lines of a refresh log, to show the officer: no progress bars, no tracebacks, the last `limit`."""
    try:
        with open(log, "rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - 256 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    lines, in_traceback = [], False
    for raw in re.split(r"[\r\n]+", text):
        line = raw.rstrip()
        if line.startswith("Traceback"):
            in_traceback = True
            continue
        if in_traceback and (line.startswith(" ") or not line):
            continue
        in_traceback = False
        if not line.strip() or "it/s]" in line or "Calculating Metrics" in line:
            continue
        lines.append(line)
    return lines[-limit:]


def job_status(db: Path) -> JobStatus:
    """Read the latest background refresh of `db`: its stage and its outcome, as the runner wrote them."""
    return trial_status(job_path(db))


def trial_status(path: Path) -> JobStatus:
    """Read a background job (a refresh or a trial) from its job file; a trial's result holds its `impact`."""
    job = _read_json(path)
    if job is None:
        return JobStatus("none")
    lines = log_lines(Path(job.get("log", "")))
    if result_path(path).exists():
        result = _read_json(result_path(path)) or {"rc": 1, "outcome": "failed",
                                                   "message": "kết quả làm mới không đọc được / unreadable result"}
        rc = int(result.get("rc", 1))
        if rc == 0 or (job.get("trial") and rc == 3):  # a trial that would be held has done its job
            return JobStatus("ok", "done", 1.0, "", lines, job, result)
        return JobStatus("failed", "done", 1.0, str(result.get("message") or ""), lines, job, result)
    started = datetime.fromisoformat(job.get("started_at", "1970-01-01T00:00:00"))
    if _alive(job.get("pid")) or (job.get("pid") is None and (now() - started).total_seconds() < 60):
        stage = (_read_json(stage_path(path)) or {}).get("stage", "start")
        step, progress = STEPS.get(stage, STEPS["start"])
        return JobStatus("waiting" if step == "waiting" else "running", step, progress, "", lines, job)
    return JobStatus("failed", "done", 1.0, "tiến trình làm mới đã dừng bất thường / the refresh process ended "
                     "without a result", lines, job)
