"""Files from the browser into the source folder, and the refresh that follows, without a terminal.

The upload page (`app/pages/tai_len.py`) stays thin; everything it does to files lives here so that the
same rules hold whatever path a file takes:

- `check_upload` refuses what must never reach the source folder: a name that climbs out of it or hides
  in it, a type other than `.csv` / `.xlsx`, a file over the size limit (`SVMT_MAX_UPLOAD_MB`, default
  200), an `.xlsx` that unpacks to an absurd size. Control and invisible characters are removed from names.
- `store` writes the original bytes, as sent, under a new name that keeps the kind prefix (so `refresh`
  knows the kind) and the original name (so people recognise it): `survey_20231105-142233_<original>`.
  It never overwrites: the file appears whole (hard link of a finished temporary file) or not at all.
- `withdraw` moves a file out of the source folder into the withdrawn folder, never deletes it.
- `start_refresh` runs `python -m warehouse refresh` in a background process of its own session, its
  output in a log file beside the warehouse that the page tails; `job_status` reads where it stands.
  `refresh` itself takes the warehouse lock, so a second one waits its turn and says so in that log.
- every upload and withdrawal goes to the refresh audit log (who, when, file name, size, SHA-256).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from ingest.zipcheck import WorkbookRefused, check_workbook
from warehouse.private import make_private, restrict_umask
from warehouse.refresh import audit_log_path, log_event

REPO = Path(__file__).resolve().parent.parent
EXTENSIONS = (".csv", ".xlsx")
DEFAULT_MAX_MB = 200
MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r'[<>:"|?*]')


class UploadRefused(Exception):
    """A file that must not enter the source folder; `code` says which rule, the message says it to people."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


# --- settings -------------------------------------------------------------------------------------------

def _repo_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else REPO / path


def source_dir() -> Path:
    """The folder `refresh` rebuilds from: SVMT_SOURCE, default `data/source/` (relative to the repository)."""
    return _repo_path(os.environ.get("SVMT_SOURCE", "data/source"))


def withdrawn_dir(source: Path | None = None) -> Path:
    """Where withdrawn files go: SVMT_WITHDRAWN, default `withdrawn/` beside the source folder (`data/withdrawn/`)."""
    if os.environ.get("SVMT_WITHDRAWN"):
        return _repo_path(os.environ["SVMT_WITHDRAWN"])
    return (source or source_dir()).parent / "withdrawn"


def max_upload_bytes() -> int:
    """The size limit: SVMT_MAX_UPLOAD_MB (default 200) megabytes. Enforced here, whatever the web server allows."""
    try:
        megabytes = float(os.environ.get("SVMT_MAX_UPLOAD_MB", DEFAULT_MAX_MB))
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    return int(max(megabytes, 0) * 1024 * 1024)


# --- checks ---------------------------------------------------------------------------------------------

def safe_name(name: str) -> str:
    """A file name that stays in the folder it is put in and shows as what it is.

    Refused: path separators or a name that is `.`/`..` (path traversal), a leading dot (hidden files and
    `refresh` ignores them), nothing left after cleaning. Removed: control characters and invisible format
    characters (direction overrides that make `x.exe` display as `exe.x`, zero-width spaces). Replaced by `_`:
    characters Windows forbids in names. Unicode NFC, whitespace collapsed, stem cut to 120 characters.
    """
    text = unicodedata.normalize("NFC", name or "")
    if "/" in text or "\\" in text or "\x00" in text or text.strip() in (".", ".."):
        raise UploadRefused("name", f"tên tệp không hợp lệ (chứa đường dẫn) / invalid file name (contains a path): "
                                    f"{ascii(name)}")
    cleaned = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    cleaned = " ".join(_UNSAFE.sub("_", cleaned).split())
    stem, dot, ext = cleaned.rpartition(".")
    if not dot:
        stem, ext = cleaned, ""
    stem = stem[:MAX_NAME_CHARS].rstrip()
    cleaned = f"{stem}.{ext}" if dot else stem
    if not stem or cleaned.startswith((".", "~$")):
        raise UploadRefused("name", f"tên tệp không hợp lệ / invalid file name: {ascii(name)}")
    return cleaned


def check_upload(name: str, size: int, limit: int | None = None) -> str:
    """The safe name of an upload that may be inspected; UploadRefused for a bad name, type or size."""
    cleaned = safe_name(name)
    if Path(cleaned).suffix.lower() not in EXTENSIONS:
        raise UploadRefused("type", f"{cleaned}: chỉ nhận tệp .csv hoặc .xlsx / only .csv or .xlsx files are accepted")
    limit = max_upload_bytes() if limit is None else limit
    if size > limit:
        have, most = f"{size / 1048576:,.1f}", f"{limit / 1048576:,.0f}"
        raise UploadRefused("size", f"{cleaned}: tệp {have} MB vượt giới hạn {most} MB / the file is {have} MB, "
                                    f"over the {most} MB limit")
    if size == 0:
        raise UploadRefused("empty", f"{cleaned}: tệp rỗng / empty file")
    return cleaned


def inspect_xlsx(name: str, data: bytes) -> list[str]:
    """Check a workbook before anything parses it; the warnings to show (macros, external links).

    Its size is measured by inflating every member chunk by chunk (ingest.zipcheck: never the sizes the zip
    declares, memory bounded by one chunk); a workbook that is not a zip, inflates past the limit, lies
    about its sizes, or holds encrypted parts, nested archives or too many parts is refused. Nothing here
    runs or follows anything: the parsers (fastexcel, and openpyxl read-only with keep_vba=False,
    keep_links=False) then run in a bounded child process and read cell values only. Macros and links to
    other workbooks are reported as ignored.
    """
    try:
        members = check_workbook(io.BytesIO(data))
    except WorkbookRefused as exc:
        raise UploadRefused(exc.code, f"{name}: {exc}") from exc
    names = [m.lower() for m in members]
    warnings = []
    if any("vbaproject" in n for n in names):
        warnings.append("macro")
    if any("externallink" in n for n in names):
        warnings.append("external_link")
    return warnings


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- store and withdraw ---------------------------------------------------------------------------------

def stored_name(kind: str, original: str, when: datetime, attempt: int = 1) -> str:
    """`survey_20231105-142233_<original>`: the kind first (refresh reads it), then when, then the name as sent."""
    name = f"{kind}_{when:%Y%m%d-%H%M%S}_{original}"
    if attempt > 1:
        path = Path(name)
        name = f"{path.stem}_{attempt}{path.suffix}"
    return name


def _place(make_source: Path, folder: Path, names) -> Path:
    """Give the finished file `make_source` the first free name of `names` in `folder`, never replacing one."""
    for name in names:
        target = folder / name
        try:
            os.link(make_source, target)  # atomic, and fails if the name is taken
            return target
        except FileExistsError:
            continue
        except OSError:  # no hard links on this file system: exclusive create instead
            try:
                with open(target, "xb") as out, open(make_source, "rb") as src:
                    shutil.copyfileobj(src, out)
                return target
            except FileExistsError:
                continue
    raise UploadRefused("name", "không tìm được tên tệp trống / no free file name")


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


@dataclass
class Stored:
    path: Path
    original: str
    kind: str
    size: int
    sha256: str


def store(data: bytes, original: str, kind: str, source: Path, db: Path, user: str,
          when: datetime | None = None) -> Stored:
    """Put the bytes, as sent, into the source folder under a new name; record it in the audit log."""
    original = safe_name(original)
    when = when or _now()
    source.mkdir(parents=True, exist_ok=True)
    make_private(source)
    part = source / f".upload-{os.getpid()}-{uuid.uuid4().hex}.part"  # hidden: refresh ignores it
    try:
        with open(part, "xb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        target = _place(part, source, (stored_name(kind, original, when, n) for n in range(1, 1000)))
    finally:
        part.unlink(missing_ok=True)
    done = Stored(target, original, kind, len(data), sha256(data))
    log_event(db, {"event": "upload", "started_at": when, "ended_at": when, "outcome": "upload",
                   "message": f"{user}: {original} → {target.name}", "user": user, "source_dir": str(source),
                   "files": [{"file": target.name, "original": original, "kind": kind, "size": done.size,
                              "sha256": done.sha256}]})
    return done


def _inside(folder: Path, name: str) -> Path:
    """The file `name` directly inside `folder`; UploadRefused for anything that would leave it."""
    if not name or name != Path(name).name or name in (".", ".."):
        raise UploadRefused("name", f"tên tệp không hợp lệ / invalid file name: {ascii(name)}")
    path = folder / name
    if path.is_symlink() or not path.is_file() or path.resolve().parent != folder.resolve():
        raise UploadRefused("missing", f"{name}: không có trong thư mục nguồn / not in the source folder")
    return path


def withdraw(name: str, source: Path, withdrawn: Path, db: Path, user: str, when: datetime | None = None) -> Path:
    """Move one file out of the source folder into the withdrawn folder (never deleted); audit-logged."""
    path = _inside(source, name)
    when = when or _now()
    size, digest = path.stat().st_size, _file_sha256(path)
    withdrawn.mkdir(parents=True, exist_ok=True)
    make_private(withdrawn)
    stamp = f"{when:%Y%m%d-%H%M%S}"
    target = _place(path, withdrawn, (f"{stamp}_{name}" if n == 1 else f"{stamp}-{n}_{name}" for n in range(1, 1000)))
    path.unlink()
    log_event(db, {"event": "withdraw", "started_at": when, "ended_at": when, "outcome": "withdraw",
                   "message": f"{user}: {name} → {target}", "user": user, "source_dir": str(source),
                   "files": [{"file": name, "size": size, "sha256": digest, "moved_to": str(target)}]})
    return target


@dataclass
class SourceEntry:
    name: str
    kind: str | None
    size: int
    modified: datetime


def list_source(source: Path) -> list[SourceEntry]:
    """The files of the source folder as `refresh` will see them (hidden and partial files left out)."""
    from ingest.contract import kind_of_file

    if not source.is_dir():
        return []
    entries = []
    for path in sorted(source.iterdir(), key=lambda p: unicodedata.normalize("NFC", p.name)):
        if path.is_file() and not path.name.startswith((".", "~$")):
            stat = path.stat()
            kind = kind_of_file(path.name) if path.suffix.lower() in EXTENSIONS else None
            entries.append(SourceEntry(path.name, kind, stat.st_size,
                                       datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0)))
    return entries


def recent_events(db: Path, limit: int = 20) -> list[dict]:
    """The latest uploads and withdrawals of the audit log, newest first."""
    path = audit_log_path(db.resolve())
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("event") in ("upload", "withdraw"):
            events.append(entry)
    return events[::-1][:limit]


# --- the background refresh -----------------------------------------------------------------------------

KPI_FIELDS = ("students_identified", "students_supported", "students_self_resolved", "students_remaining",
              "pct_covered", "rejected_row_count", "dq_issue_count")
STEPS = (("[lock]", "waiting", 0.02), ("[ingest]", "ingest", 0.15), ("[dbt] build", "dbt", 0.35),
         ("[expectations]", "checks", 0.7))
_CHILDREN: dict[int, subprocess.Popen] = {}  # jobs started by this process, polled so they never linger as zombies


def job_path(db: Path) -> Path:
    """The latest background refresh of a warehouse, described beside it."""
    db = db.resolve()
    return db.with_name(db.stem + "_upload_job.json")


def _result_path(job: Path) -> Path:
    return job.with_name(job.stem + ".result.json")


def _write_json(path: Path, value: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, default=str), encoding="utf-8")
    make_private(tmp)
    os.replace(tmp, path)


def kpi_snapshot(db: Path) -> dict | None:
    """The headline figures of a warehouse (read-only, briefly), or None when there is none to read."""
    if not db.exists():
        return None
    try:
        con = duckdb.connect(str(db), read_only=True)
        try:
            frame = con.execute(f"SELECT {', '.join(KPI_FIELDS)} FROM marts.program_kpis").fetchall()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return dict(zip(KPI_FIELDS, frame[0], strict=True)) if frame else None


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


def start_refresh(source: Path, db: Path, as_of: date, user: str, reason: str) -> dict:
    """Start `python -m warehouse refresh` in the background (its own session: it outlives the page).

    The job is described in `<db stem>_upload_job.json` (who, why, when, as-of, the figures before) and its
    stdout/stderr go to a log file beside the warehouse; the runner writes the exit status next to the job.
    A refresh already running holds the lock: this one waits for it, and its log says so.
    """
    db = db.resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    when = _now()
    log = db.with_name(f"{db.stem}_refresh_job-{when:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.log")
    job = {"source": str(source.resolve()), "db": str(db), "as_of": as_of.isoformat(), "user": user,
           "reason": reason, "started_at": when.isoformat(), "log": str(log), "before": kpi_snapshot(db),
           "pid": None}
    path = job_path(db)
    _result_path(path).unlink(missing_ok=True)
    _write_json(path, job)
    with open(log, "wb") as out:
        make_private(log)
        proc = subprocess.Popen([sys.executable, "-m", "warehouse.upload", "run-job", str(path)], cwd=REPO,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    _CHILDREN[proc.pid] = proc
    job["pid"] = proc.pid
    _write_json(path, job)
    _prune_logs(db, keep=log)
    return job


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
    """Where the latest background refresh stands: none, running, waiting (for the lock), ok or failed."""

    state: str
    step: str = ""
    progress: float = 0.0
    message: str = ""
    lines: list[str] = field(default_factory=list)
    job: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)


def _log_lines(log: Path, limit: int = 400) -> list[str]:
    """The readable lines of a refresh log: no progress bars, no tracebacks, the last `limit` of them."""
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


def _failure_reason(lines: list[str], rc: int) -> str:
    """The CLI's own one-line explanation (it names file, line and column for bad input), else the exit code."""
    markers = ("Lỗi dữ liệu đầu vào", "Làm mới thất bại", "Kho dữ liệu cũ giữ nguyên")
    chosen = [line for line in lines if line.startswith(markers)]
    if chosen:
        return "\n".join(chosen)
    return f"làm mới dừng với mã {rc} / refresh ended with exit code {rc}"


def job_status(db: Path) -> JobStatus:
    """Read the latest background refresh of `db`: its step from the log, its outcome from the runner."""
    path = job_path(db)
    try:
        job = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return JobStatus("none")
    lines = _log_lines(Path(job.get("log", "")))
    result_file = _result_path(path)
    if result_file.exists():
        try:
            result = json.loads(result_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            result = {"rc": 1}
        rc = int(result.get("rc", 1))
        if rc == 0:
            return JobStatus("ok", "done", 1.0, "", lines, job, result)
        return JobStatus("failed", "done", 1.0, _failure_reason(lines, rc), lines, job, result)
    started = datetime.fromisoformat(job.get("started_at", "1970-01-01T00:00:00"))
    if _alive(job.get("pid")) or (job.get("pid") is None and (_now() - started).total_seconds() < 60):
        step, progress = "start", 0.02
        for line in lines:
            for marker, name, share in STEPS:
                if line.startswith(marker):
                    step, progress = name, share
        state = "waiting" if step == "waiting" else "running"
        return JobStatus(state, step, progress, "", lines, job)
    return JobStatus("failed", "done", 1.0, "tiến trình làm mới đã dừng bất thường / the refresh process ended "
                     "without a result", lines, job)


def run_job(path: Path) -> int:
    """The background runner: the refresh CLI as a child process, then its exit status beside the job."""
    job = json.loads(path.read_text(encoding="utf-8"))
    started = _now()
    with contextlib.suppress(Exception):
        print(f"[job] {job.get('reason', '')} · as-of {job['as_of']} · {job.get('user', '')}", flush=True)
    try:
        rc = subprocess.run([sys.executable, "-m", "warehouse", "refresh", "--source", job["source"], "--db", job["db"],
                             "--as-of", job["as_of"]], cwd=REPO, stdin=subprocess.DEVNULL).returncode
    except Exception as exc:  # could not even start it: a failure with a reason, never a traceback
        print(f"Làm mới thất bại / refresh failed: {type(exc).__name__}: {exc}", flush=True)
        rc = 1
    _write_json(_result_path(path), {"rc": rc, "started_at": started, "ended_at": _now(),
                                     "after": kpi_snapshot(Path(job["db"])) if rc == 0 else None})
    return rc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.upload")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run-job", help="run the background refresh described by a job file (used by the page)")
    run.add_argument("job", type=Path)
    args = parser.parse_args(argv)
    restrict_umask()  # issue 21: the job's files and the refresh it starts are the service user's only
    return run_job(args.job)


if __name__ == "__main__":
    sys.exit(main())
