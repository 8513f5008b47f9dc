"""The refresh pipeline: ingest → dbt build (once) → expectations → guard → swap, atomically (SPEC §3).

Each stage prints one line to stderr when it ends, with its time (`[dbt] 6,4 s · 145 bước / steps`); ingest also
says what it reads, kind by kind, as it goes. `on_stage` and the result object are for callers that are not a
terminal (the upload page's job): nothing needs to parse the printed text.

The new warehouse is built in a file of its own beside the target and moved over it with
`os.replace` only when every step succeeded, so readers (the dashboard, analysts) always see a
whole warehouse — the old one or the new one — and a failed refresh leaves the old file
byte-identical.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from ingest.load import FileIgnored, KindReading, LoadEvent, LoadReport, load_folder
from warehouse import audit
from warehouse.formats import day, decimal, number
from warehouse.guard import Held, Impact, check
from warehouse.private import make_dirs, make_private, make_private_tree

REPO = Path(__file__).resolve().parent.parent
DBT_DIR = REPO / "dbt_project"
DEVICE_UNIT_COST_VND = 5_000_000  # default of the dbt var device_unit_cost_vnd (SPEC §5)
STAGES = ("ingest", "dbt", "expectations", "guard", "swap")  # the names on_stage() is called with, in order


class RefreshError(Exception):
    """A step failed for a reason other than bad input: exit 1."""


@dataclass
class RefreshResult:
    """What a refresh did: rows loaded and rejected per kind, data-quality issues, seconds per stage, the impact."""

    db: Path
    as_of: date
    report: LoadReport
    issues: int = 0  # SPEC §5's findings: marts.program_kpis.dq_issue_count
    fuzzy_issues: int = 0  # possible_duplicate_person_fuzzy rows of dq.issues, not one of §5's types
    seconds: dict[str, float] = field(default_factory=dict)
    impact: Impact | None = None  # the comparison with the warehouse replaced (a trial: would replace)
    published: bool = True

    def to_json(self) -> dict:
        """What a caller that is not a terminal needs (the upload page's background job): no printed text to parse."""
        return {"db": str(self.db), "as_of": self.as_of.isoformat(), "loaded": dict(self.report.loaded),
                "rejected": dict(self.report.rejected), "issues": int(self.issues),
                "fuzzy_issues": int(self.fuzzy_issues),
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
                "impact": self.impact.to_json() if self.impact else None, "published": self.published}

    def render(self) -> str:
        lines = [f"Đã làm mới / refreshed: {self.db} (tính đến / as of {day(self.as_of)})",
                 f"{'kind':<10} {'loaded':>10} {'rejected':>9}"]
        for kind, loaded in self.report.loaded.items():
            lines.append(f"{kind:<10} {number(loaded):>10} {number(self.report.rejected.get(kind, 0)):>9}")
        lines.append(f"rejected rows: {number(sum(self.report.rejected.values()))} · "
                     f"data-quality issues: {number(self.issues)}")
        if self.fuzzy_issues:
            lines.append(f"có thể trùng (tên gần giống) / possible fuzzy duplicates: {number(self.fuzzy_issues)} "
                         "(not counted above)")
        lines.append("seconds: " + " · ".join(f"{k} {decimal(v)}" for k, v in self.seconds.items()))
        if self.impact and self.impact.held:
            lines.append("Đã công bố dù bị giữ lại (--accept-drop) / published despite a hold (--accept-drop):")
            lines += [f"  {r.text()}" for r in self.impact.reasons]
        return "\n".join(lines)


Summary = RefreshResult  # the name callers used before


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _ingest_progress(event: LoadEvent) -> None:
    """The lines ingest's events print while it loads (ingest reports counts, the warehouse words them)."""
    match event:
        case KindReading(kind, files, rows):
            _progress(f"[ingest] {kind}: {number(files)} tệp/files, {number(rows)} dòng/rows")
        case FileIgnored(reason):
            _progress(f"cảnh báo/warning: {reason}")


def _stage_done(name: str, seconds: float, what: str) -> None:
    """The one line a stage prints, when it ends, with its time: `[dbt] 6,4 s · 145 bước / steps` (issue 22 point 7).
    A caller that is not a terminal reads `on_stage` and the result object instead."""
    _progress(f"[{name}] {decimal(seconds)} s · {what}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_builds(db: Path) -> None:
    """Delete what a refresh that died left behind (its process is gone): build files, docs folders."""
    leftovers = [*db.parent.glob(db.name + ".tmp-*"), *db.parent.glob(docs_dir(db).name + ".old-*")]
    for path in leftovers:
        pid = path.name.rsplit("-", 1)[1].split(".", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


@contextlib.contextmanager
def exclusive(db: Path):
    """One refresh per warehouse at a time: a second one waits (and says so) until the first is done.

    An OS file lock, so a refresh killed with SIGKILL releases it with its process.
    """
    lock_path = db.with_name(db.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        make_private(lock_path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _progress("[lock] một lần làm mới khác đang chạy, đang chờ… / another refresh is running, waiting…")
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def audit_log_path(db: Path) -> Path:
    """The append-only audit log beside the warehouse (warehouse.audit): it survives rebuilds and failures."""
    return audit.log_path(db)


def _file_facts(source: Path) -> list[dict]:
    facts = []
    if source.is_dir():
        for path in sorted(p for p in source.iterdir() if p.is_file()):
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                    digest.update(chunk)
            facts.append({"file": path.name, "size": path.stat().st_size, "sha256": digest.hexdigest()})
    return facts


def _append_log(db: Path, entry: dict) -> None:
    audit.append(db, entry)


def log_event(db: Path, entry: dict) -> None:
    """Append a non-refresh event (an upload, a withdrawal, a sign-in, a publication) to the audit log.

    The entry should carry the refresh-shaped keys (started_at, outcome, message, files) besides its own
    `event`, so the next refresh mirrors it into meta.refresh_log like any other line. The log's own lock
    (warehouse.audit), not the refresh lock, orders the writers: a refresh may hold that one for minutes.
    """
    db = db.resolve()
    make_dirs(db.parent)
    _append_log(db, entry)


def _write_log_table(db_file: Path, db: Path, entry: dict) -> None:
    """meta.refresh_log in the new warehouse: every earlier entry of the log file, then this refresh."""
    rows = [*audit.read(db), entry]
    con = duckdb.connect(str(db_file))
    try:
        con.execute("""CREATE OR REPLACE TABLE meta.refresh_log (seq INTEGER, started_at TIMESTAMP, ended_at TIMESTAMP,
                       outcome VARCHAR, message VARCHAR, as_of DATE, source_dir VARCHAR, files JSON,
                       rows_loaded JSON, rows_rejected JSON)""")
        for seq, row in enumerate(rows, start=1):
            con.execute("INSERT INTO meta.refresh_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [seq, row.get("started_at"), row.get("ended_at"), row.get("outcome"), row.get("message"),
                         row.get("as_of"), row.get("source_dir"), json.dumps(row.get("files", [])),
                         json.dumps(row.get("rows_loaded", {})), json.dumps(row.get("rows_rejected", {}))])
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _release_dbt_connection() -> None:
    """Close the DuckDB handle dbt-duckdb keeps after an in-process run (dbt-core #11980).

    Without this the build file stays open, its WAL is never checkpointed and the swap would move
    a file that lacks the last writes.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = getattr(DuckDBConnectionManager, "_ENV", None)
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()


Timing = tuple[str, str, float]  # (dbt node name, resource type, seconds)


BUILD_FILE = "build.duckdb"  # DuckDB names a file's catalog after it; dbt's profile expects the catalog "build"


def dbt_build_dir() -> Path:
    """Private folder for the name dbt builds through, its WAL and the lock: inside dbt's target path, which
    dbt itself takes from DBT_TARGET_PATH when set (the test suite gives each parallel worker its own)."""
    return DBT_DIR / os.environ.get("DBT_TARGET_PATH", "target") / "build"


@contextlib.contextmanager
def dbt_build_name(db_file: Path) -> Iterator[Path]:
    """The one name dbt knows every build file of this install by, pointed at db_file while a build runs.

    dbt-core parses the whole project again (seconds) whenever its profile changes, and the profile holds the
    database path: a name that never changes keeps the parsed project (partial parsing) from one refresh to the
    next, whatever warehouse or test directory is being built. The project's target/ (parsed manifest, run
    results) is shared by every build of the install anyway, so builds take turns under an exclusive lock.
    DuckDB names the WAL after the path it was opened by: it lives beside the name, in the private folder.
    """
    folder = dbt_build_dir()
    make_dirs(folder)
    make_private(folder)
    link = folder / BUILD_FILE
    wal = link.with_name(link.name + ".wal")
    with open(folder / "lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            for stale in (link, wal):  # a killed build's (we hold the lock)
                stale.unlink(missing_ok=True)
            link.symlink_to(db_file.resolve())
            yield link
            if wal.exists():
                raise RefreshError(f"{wal.name} còn tồn tại / still exists: dbt's writes were not checkpointed")
        finally:
            link.unlink(missing_ok=True)
            wal.unlink(missing_ok=True)
            fcntl.flock(lock, fcntl.LOCK_UN)


def import_dbt_ahead() -> threading.Thread | None:
    """Import dbt in a thread while ingest reads the files (≈ 1,4 s of one core in a new process, a refresh from the
    command line or an upload job): ingest's work runs in DuckDB and polars, outside the GIL, so the import costs
    the refresh almost no time. None when dbt is already imported (a second refresh of the same process)."""
    if "dbt.cli.main" in sys.modules:
        return None

    def load() -> None:
        with contextlib.suppress(Exception):  # run_dbt imports it again and reports what is wrong
            import dbt.cli.main  # noqa: F401

    thread = threading.Thread(target=load, name="import-dbt", daemon=True)
    thread.start()
    return thread


def dbt_vars(unit_cost: int, allocation_stock: int | None) -> dict:
    """The --vars of a build: only where they differ from dbt_project.yml's defaults (dbt parses the whole project
    again whenever its vars change). The reporting date is not one: the models read it from meta.refresh."""
    given: dict = {}
    if unit_cost != DEVICE_UNIT_COST_VND:
        given["device_unit_cost_vnd"] = unit_cost
    if allocation_stock is not None:
        given["allocation_stock"] = allocation_stock
    return given


def _set_as_of(db_file: Path, as_of: date) -> None:
    """meta.refresh.as_of, the reporting date the models count "overdue" from (dbt macro as_of()), for a build of an
    existing warehouse (tests, benchmarks), which may ask for another date; a refresh's ingest writes it itself."""
    con = duckdb.connect(str(db_file))
    try:
        con.execute("UPDATE meta.refresh SET as_of = ? WHERE as_of IS DISTINCT FROM ?", [as_of, as_of])
        con.execute("CHECKPOINT")
    finally:
        con.close()


def run_dbt(db_file: Path, as_of: date, unit_cost: int, selection: list[str] | None = None,
            allocation_stock: int | None = None) -> list[Timing]:
    """`dbt build` in-process against db_file; dbt's own log goes to stderr, never stdout.

    Returns each node's execution time, so a benchmark can tell what one group of models costs
    (e.g. the allocation models, issue "Allocation proposal") without a second run.
    """
    if db_file.name != BUILD_FILE:  # a finished warehouse (tests, benchmarks): built under the name, then back
        _set_as_of(db_file, as_of)  # (a refresh's build file has it from ingest)
        work = db_file.with_name(f"{db_file.name}.tmp-{os.getpid()}")
        make_dirs(work)
        os.replace(db_file, work / BUILD_FILE)
        try:
            return run_dbt(work / BUILD_FILE, as_of, unit_cost, selection, allocation_stock)
        finally:
            os.replace(work / BUILD_FILE, db_file)
            shutil.rmtree(work, ignore_errors=True)
    from dbt.cli.main import dbtRunner

    with dbt_build_name(db_file) as name:
        os.environ["SVMT_DBT_DB"] = str(name)
        args = ["build", *(selection or []), "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
                "--vars", json.dumps(dbt_vars(unit_cost, allocation_stock)),
                "--no-use-colors", "--log-format", "text", "--quiet", "--no-write-json",
                # dbt.log keeps warnings and errors; its debug lines (every statement of every node) cost ≈ 0,4 s
                # of CPU per build, 10 % of dbt's time on a province
                "--log-level-file", "warn"]
        with contextlib.redirect_stdout(sys.stderr):
            result = dbtRunner().invoke(args)
        _release_dbt_connection()
    if not result.success:
        raise RefreshError(f"dbt build thất bại / failed: {result.exception or 'see the log above'}")
    return [(r.node.name, str(r.node.resource_type), float(r.execution_time or 0.0))
            for r in getattr(result.result, "results", None) or []]


def _write_dbt_timings(db_file: Path, timings: list[Timing]) -> None:
    """meta.dbt_timings: seconds per dbt node (model or test) of this refresh, for benchmarks and profiling."""
    con = duckdb.connect(str(db_file))
    try:
        con.execute("CREATE OR REPLACE TABLE meta.dbt_timings (node VARCHAR, resource_type VARCHAR, seconds DOUBLE)")
        if timings:  # one statement: executemany ran ~125 inserts one by one (0,35 s of every refresh)
            con.execute("INSERT INTO meta.dbt_timings SELECT unnest(?), unnest(?), unnest(?)",
                        [list(column) for column in zip(*timings, strict=True)])
        con.execute("CHECKPOINT")
    finally:
        con.close()


def docs_dir(db: Path) -> Path:
    """Where the Data Docs (GX's HTML report) of a warehouse live: beside it."""
    return db.with_name(db.stem + "_data_docs")


def swap_dir(new: Path, target: Path) -> None:
    """Put a freshly built folder in place of the old one (old moved aside first, then removed)."""
    if not new.exists():
        return
    old = target.with_name(target.name + f".old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def start_expectations() -> subprocess.Popen:
    """The data-quality worker (expectations/worker.py): it imports GX while dbt builds, then waits."""
    return subprocess.Popen([sys.executable, "-m", "expectations.worker"], cwd=REPO, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "SVMT_REFRESH_PID": str(os.getpid())})


def finish_expectations(worker: subprocess.Popen, db_file: Path, docs: Path) -> tuple[int, int]:
    """Hand the built file to the worker and wait: dq.issues and dq.expectation_results are in it after.
    Returns (SPEC §5 issues, fuzzy duplicates)."""
    out, _ = worker.communicate(json.dumps({"db": str(db_file), "docs": str(docs)}) + "\n")
    if worker.returncode != 0 or not out.strip():
        raise RefreshError(f"kiểm tra chất lượng dữ liệu thất bại / data-quality validation failed "
                           f"(exit {worker.returncode}; see the log above)")
    answer = json.loads(out.strip().splitlines()[-1])
    return int(answer["issues"]), int(answer.get("fuzzy", 0))


def stop_expectations(worker: subprocess.Popen | None) -> None:
    """A refresh that fails before the expectations ends its worker: an empty stdin, which it answers at once
    (expectations/worker.py reads it from its start), then a kill if it lingers."""
    if worker is None or worker.poll() is not None:
        return
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        worker.communicate("", timeout=30)
    if worker.poll() is None:
        worker.kill()
        worker.wait()


def _carry_findings(build: Path, db: Path) -> None:
    """dq.review_findings / dq.review_history of the review queue (warehouse/review.py), carried from `db`."""
    from warehouse.review import carry_forward

    con = duckdb.connect(str(build))
    try:
        carry_forward(con, db)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def refresh(source: Path, db: Path, as_of: date | None = None, unit_cost: int = DEVICE_UNIT_COST_VND,
            allocation_stock: int | None = None, accept_drop: bool = False, user: str = "",
            trial: bool = False, on_stage: Callable[[str], None] | None = None) -> RefreshResult:
    """Rebuild the warehouse at `db` from the folder `source`. Raises InputError (exit 2), Held (exit 3: the build
    would wipe figures, see warehouse/guard.py) or others (exit 1).

    `accept_drop` publishes a held build anyway and writes who (`user`) and what to the audit log. `trial` builds
    and compares but never publishes: the Summary's `impact` holds the figures before → after and the reasons a
    refresh would be held; nothing is logged (a trial changes nothing). Every real attempt, failed ones included,
    is appended to the refresh log beside the warehouse. `on_stage(name)` is called as each stage starts
    (STAGES), so a caller shows progress without reading the log.
    """
    as_of = as_of or date.today()
    db = db.resolve()
    make_dirs(db.parent)
    with exclusive(db):
        entry = {"started_at": datetime.now().replace(microsecond=0), "as_of": as_of, "source_dir": str(source),
                 "files": _file_facts(source)}
        try:
            summary = _build(source, db, as_of, unit_cost, allocation_stock, entry,
                             Publish(accept_drop, user or _os_user(), trial, on_stage or (lambda _name: None)))
        except BaseException as exc:
            if not trial:
                _append_log(db, {**entry, "ended_at": datetime.now().replace(microsecond=0),
                                 "outcome": _outcome(exc), "message": str(exc)[:2000]})
            raise
        return summary


def _outcome(exc: BaseException) -> str:
    if isinstance(exc, Held):
        return "exit 3"
    return "exit 2" if type(exc).__name__ == "InputError" else "exit 1"


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


@dataclass(frozen=True)
class Publish:
    """How a build may be published: held builds only with accept_drop (by user); a trial never."""

    accept_drop: bool = False
    user: str = ""
    trial: bool = False
    on_stage: Callable[[str], None] = field(default=lambda _name: None)


def _build(source: Path, db: Path, as_of: date, unit_cost: int, allocation_stock: int | None,
           entry: dict, publish: Publish) -> RefreshResult:
    remove_stale_builds(db)
    work = db.with_name(f"{db.name}.tmp-{os.getpid()}")  # this build's private folder, beside the warehouse
    tmp = work / BUILD_FILE
    docs_tmp = db.with_name(f"{db.name}.tmp-{os.getpid()}.docs")
    seconds: dict[str, float] = {}
    worker = None
    try:
        shutil.rmtree(work, ignore_errors=True)
        make_dirs(work)
        publish.on_stage("ingest")
        t0 = time.perf_counter()
        dbt_import = import_dbt_ahead()
        con = duckdb.connect(str(tmp))
        try:
            report = load_folder(con, source, _ingest_progress)
            con.execute("CREATE OR REPLACE TABLE meta.refresh (as_of DATE, refreshed_at TIMESTAMP, "
                        "source_dir VARCHAR, device_unit_cost_vnd BIGINT)")
            con.execute("INSERT INTO meta.refresh VALUES (?, ?, ?, ?)",
                        [as_of, datetime.now().replace(microsecond=0), str(source), unit_cost])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        seconds["ingest"] = time.perf_counter() - t0
        _stage_done("ingest", seconds["ingest"], f"{number(sum(report.loaded.values()))} dòng nạp / rows loaded · "
                                                 f"{number(sum(report.rejected.values()))} bị loại / rejected")

        publish.on_stage("dbt")
        t0 = time.perf_counter()
        worker = start_expectations()  # imports GX beside dbt
        if dbt_import is not None:
            dbt_import.join()
        timings = run_dbt(tmp, as_of, unit_cost, None, allocation_stock)
        seconds["dbt"] = time.perf_counter() - t0
        _stage_done("dbt", seconds["dbt"], f"{number(len(timings))} bước / steps")

        publish.on_stage("expectations")
        t0 = time.perf_counter()
        issues, fuzzy = finish_expectations(worker, tmp, docs_tmp)
        seconds["expectations"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        _carry_findings(tmp, db)
        seconds["expectations"] += time.perf_counter() - t0
        _stage_done("expectations", seconds["expectations"], f"{number(issues)} vấn đề / issues")

        publish.on_stage("guard")
        t0 = time.perf_counter()
        impact = check(db, tmp, entry["files"])
        seconds["guard"] = time.perf_counter() - t0
        _stage_done("guard", seconds["guard"], "giữ lại / held" if impact.held else "không giữ lại / not held")
        if publish.trial:
            return RefreshResult(db, as_of, report, issues, fuzzy, seconds, impact, published=False)
        if impact.held and not publish.accept_drop:
            raise Held(impact.reasons)
        publish.on_stage("swap")
        t0 = time.perf_counter()
        accepted = "\n".join(r.text() for r in impact.reasons)
        done = {**entry, "ended_at": datetime.now().replace(microsecond=0), "outcome": "ok",
                "message": f"accept-drop ({publish.user}): {accepted}" if impact.held else "",
                "rows_loaded": report.loaded, "rows_rejected": report.rejected}
        _write_log_table(tmp, db, done)
        _write_dbt_timings(tmp, timings)
        wal = tmp.with_name(tmp.name + ".wal")
        if wal.exists():
            raise RefreshError(f"{wal.name} còn tồn tại / still exists: the build was not checkpointed")
        os.replace(tmp, db)
        make_private(db)
        swap_dir(docs_tmp, docs_dir(db))
        make_private_tree(docs_dir(db))
        _append_log(db, done)
        if impact.held:
            log_event(db, {"event": "accept_drop", "user": publish.user, "started_at": entry["started_at"],
                           "ended_at": done["ended_at"], "outcome": "published despite hold", "message": accepted,
                           "source_dir": str(source), "files": []})
        seconds["swap"] = time.perf_counter() - t0
        _stage_done("swap", seconds["swap"], "đã công bố / published")
        return RefreshResult(db, as_of, report, issues, fuzzy, seconds, impact)
    finally:
        stop_expectations(worker)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(docs_tmp, ignore_errors=True)
