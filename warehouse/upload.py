"""Files from the browser into the source folder, and the refresh that follows, without a terminal.

The upload page (`app/pages/tai_len.py`) stays thin; everything it does to files lives here so that the
same rules hold whatever path a file takes:

- `check_upload` refuses what must never reach the source folder: a name that climbs out of it or hides
  in it, a type other than `.csv` / `.xlsx`, a file over the size limit (`SVMT_MAX_UPLOAD_MB`, default
  200), an `.xlsx` that unpacks to an absurd size. Control and invisible characters are removed from names.
- `store` writes the original bytes, as sent, under a new name that keeps the kind prefix (so `refresh`
  knows the kind) and the original name (so people recognise it): `survey_20231105-142233_<original>`.
  It never overwrites: the file appears whole (hard link of a finished temporary file) or not at all.
- `store_all` stores several accepted files all or nothing: every file is in the source folder, or none is
  (issue 21, point 7). A district officer's file carries its scope (`ingest.load.scope_path`), so `refresh`
  rejects its rows of other districts; a scoped officer cannot store a districts file (province only).
- `start_trial` builds, in the background, a warehouse from the source folder plus the files not yet accepted
  (a hidden folder of hard links beside the source; the source folder itself is never touched) and compares it
  with the current one (`warehouse.guard`): the page shows the figures before → after and why it would be held.
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

from ingest.load import read_scope, scope_path
from ingest.zipcheck import WorkbookRefused, check_workbook, megabytes_setting
from warehouse.guard import HEADLINE, read_headline
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
    return megabytes_setting("SVMT_MAX_UPLOAD_MB", DEFAULT_MAX_MB)


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


def _place(make_source: Path, folder: Path, names, scope: list[str] | None = None) -> Path:
    """Give the finished file `make_source` the first free name of `names` in `folder`, never replacing one.

    With a scope, the file's scope is written before the file appears, so no refresh ever reads the file
    without its limit.
    """
    for name in names:
        target = folder / name
        if target.exists() or target.is_symlink():
            continue
        if scope is not None:
            write_scope(target, scope)
        try:
            try:
                os.link(make_source, target)  # atomic, and fails if the name is taken
            except FileExistsError:
                raise
            except OSError:  # no hard links on this file system: exclusive create instead
                with open(target, "xb") as out, open(make_source, "rb") as src:
                    shutil.copyfileobj(src, out)
            return target
        except FileExistsError:
            if scope is not None:
                scope_path(target).unlink(missing_ok=True)
            continue
    raise UploadRefused("name", "không tìm được tên tệp trống / no free file name")


def write_scope(target: Path, districts: list[str]) -> None:
    """The uploader's district codes beside the file (hidden); `refresh` rejects the file's other rows."""
    side = scope_path(target)
    tmp = side.with_name(f"{side.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"districts": sorted(districts)}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, side)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


@dataclass
class Stored:
    path: Path
    original: str
    kind: str
    size: int
    sha256: str


@dataclass
class Incoming:
    """One accepted file: its bytes as sent, the (safe) name it was sent under, its kind."""

    data: bytes
    original: str
    kind: str


def _refuse_reference_upload(items: list[Incoming], scope: list[str] | None) -> None:
    if scope is not None and any(i.kind == "districts" for i in items):
        raise UploadRefused("scope", "danh mục huyện chỉ do cấp tỉnh thay đổi / only province-level users may upload "
                                     "a districts file")


def _write_part(folder: Path, data: bytes) -> Path:
    part = folder / f".upload-{os.getpid()}-{uuid.uuid4().hex}.part"  # hidden: refresh ignores it
    with open(part, "xb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return part


def _candidates(kind: str, original: str, stamp: datetime):
    return (stored_name(kind, original, stamp, n) for n in range(1, 1000))


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
        scope_path(path).unlink(missing_ok=True)


def store_all(items: list[Incoming], source: Path, db: Path, user: str, when: datetime | None = None,
              stamp: datetime | None = None, scope: list[str] | None = None) -> list[Stored]:
    """Store several files all or nothing: each is written whole (hidden) first, then they are given their names
    one by one; on any error the ones already named are taken away again, so the source folder gains every file
    or none. Audit-logged only once all are in. `stamp` is the time in the names (a trial's, so the refresh loads
    the files in the order the trial did); `scope` the uploader's districts (None: the province)."""
    _refuse_reference_upload(items, scope)
    originals = [safe_name(i.original) for i in items]
    when = when or _now()
    source.mkdir(parents=True, exist_ok=True)
    make_private(source)
    parts: list[Path] = []
    placed: list[Path] = []
    try:
        for item in items:
            parts.append(_write_part(source, item.data))
        for item, original, part in zip(items, originals, parts, strict=True):
            placed.append(_place(part, source, _candidates(item.kind, original, stamp or when), scope))
    except BaseException:
        _remove(placed)
        raise
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    done = []
    for item, original, target in zip(items, originals, placed, strict=True):
        stored = Stored(target, original, item.kind, len(item.data), sha256(item.data))
        log_event(db, {"event": "upload", "started_at": when, "ended_at": when, "outcome": "upload",
                       "message": f"{user}: {original} → {target.name}", "user": user, "source_dir": str(source),
                       "files": [{"file": target.name, "original": original, "kind": item.kind, "size": stored.size,
                                  "sha256": stored.sha256, "scope": scope}]})
        done.append(stored)
    return done


def store(data: bytes, original: str, kind: str, source: Path, db: Path, user: str,
          when: datetime | None = None, scope: list[str] | None = None) -> Stored:
    """Put the bytes, as sent, into the source folder under a new name; record it in the audit log."""
    return store_all([Incoming(data, original, kind)], source, db, user, when, scope=scope)[0]


def _inside(folder: Path, name: str) -> Path:
    """The file `name` directly inside `folder`; UploadRefused for anything that would leave it."""
    if not name or name != Path(name).name or name in (".", ".."):
        raise UploadRefused("name", f"tên tệp không hợp lệ / invalid file name: {ascii(name)}")
    path = folder / name
    if path.is_symlink() or not path.is_file() or path.resolve().parent != folder.resolve():
        raise UploadRefused("missing", f"{name}: không có trong thư mục nguồn / not in the source folder")
    return path


def may_withdraw(path: Path, scope: list[str] | None) -> bool:
    """A province-level user may withdraw any file; a district officer only files scoped within their districts."""
    if scope is None:
        return True
    own = read_scope(path)
    return own is not None and set(own) <= set(scope)


def withdraw(name: str, source: Path, withdrawn: Path, db: Path, user: str, when: datetime | None = None,
             scope: list[str] | None = None) -> Path:
    """Move one file out of the source folder into the withdrawn folder (never deleted); audit-logged."""
    path = _inside(source, name)
    if not may_withdraw(path, scope):
        raise UploadRefused("scope", f"{name}: tệp của địa bàn khác / a file of other districts")
    when = when or _now()
    size, digest = path.stat().st_size, _file_sha256(path)
    withdrawn.mkdir(parents=True, exist_ok=True)
    make_private(withdrawn)
    stamp = f"{when:%Y%m%d-%H%M%S}"
    target = _place(path, withdrawn, (f"{stamp}_{name}" if n == 1 else f"{stamp}-{n}_{name}" for n in range(1, 1000)))
    if scope_path(path).exists():
        os.replace(scope_path(path), scope_path(target))
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
    scope: list[str] | None = None


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
                                       datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0), read_scope(path)))
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

KPI_FIELDS = HEADLINE
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
    """Start `python -m warehouse refresh` in the background (its own session: it outlives the page).

    The job is described in `<db stem>_upload_job.json` (who, why, when, as-of, the figures before) and its
    stdout/stderr go to a log file beside the warehouse; the runner writes the exit status next to the job.
    A refresh already running holds the lock: this one waits for it, and its log says so. `accept_drop`: the
    user confirmed the held reasons of a trial, so a held build is published (and audit-logged with their name).
    """
    db = db.resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    job = {"source": str(source.resolve()), "db": str(db), "as_of": as_of.isoformat(), "user": user,
           "reason": reason, "accept_drop": accept_drop, "before": kpi_snapshot(db)}
    return _launch(job_path(db), db, job)


def _launch(path: Path, db: Path, job: dict) -> dict:
    """Write the job beside the warehouse and run it in a background process of its own session."""
    when = _now()
    log = db.with_name(f"{db.stem}_refresh_job-{when:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.log")
    job = {**job, "started_at": when.isoformat(), "log": str(log), "pid": None}
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


def trial_folder(source: Path, items: list[Incoming], stamp: datetime, scope: list[str] | None) -> Path:
    """A hidden folder beside the source folder: hard links of its files (scope files too) and the new files under
    the names they would get. The source folder itself is only read."""
    _refuse_reference_upload(items, scope)
    folder = source.parent / f".svmt-trial-{uuid.uuid4().hex}"
    folder.mkdir(mode=0o700, parents=True)
    if source.is_dir():
        for path in source.iterdir():
            if path.is_file() and not path.is_symlink() and not path.name.endswith(".part"):
                try:
                    os.link(path, folder / path.name)
                except OSError:  # another file system: a copy
                    shutil.copy2(path, folder / path.name)
    for item in items:
        part = _write_part(folder, item.data)
        try:
            _place(part, folder, _candidates(item.kind, safe_name(item.original), stamp), scope)
        finally:
            part.unlink(missing_ok=True)
    return folder


def start_trial(items: list[Incoming], source: Path, db: Path, as_of: date, user: str, stamp: datetime,
                scope: list[str] | None = None) -> Path:
    """Start the trial build of (source folder + `items`) in the background; returns its job file (trial_status).

    The trial publishes nothing and logs nothing; its folder is removed when it ends."""
    db = db.resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    folder = trial_folder(source, items, stamp, scope)
    path = db.with_name(f"{db.stem}_trial-{uuid.uuid4().hex[:12]}.json")
    for old in sorted(db.parent.glob(f"{db.stem}_trial-*.json"), key=lambda p: p.stat().st_mtime)[:-20]:
        old.unlink(missing_ok=True)
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
    """The CLI's own explanation (it names file, line and column for bad input; the reasons of a hold), else the
    exit code."""
    markers = ("Lỗi dữ liệu đầu vào", "Làm mới thất bại", "Kho dữ liệu cũ giữ nguyên", "Giữ lại, không công bố")
    chosen, held = [], False
    for line in lines:
        if line.startswith(markers) or (held and line.startswith("  ")):
            chosen.append(line)
        held = line.startswith("Giữ lại") or (held and line.startswith("  "))
    if chosen:
        return "\n".join(chosen)
    return f"làm mới dừng với mã {rc} / refresh ended with exit code {rc}"


def job_status(db: Path) -> JobStatus:
    """Read the latest background refresh of `db`: its step from the log, its outcome from the runner."""
    return trial_status(job_path(db))


def trial_status(path: Path) -> JobStatus:
    """Read a background job (a refresh or a trial) from its job file; a trial's result holds its `impact`."""
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
        if rc == 0 or (job.get("trial") and rc == 3):  # a trial that would be held has done its job
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
    """The background runner: the refresh CLI as a child process (a trial: in this process), then its exit status
    beside the job."""
    job = json.loads(path.read_text(encoding="utf-8"))
    started = _now()
    with contextlib.suppress(Exception):
        print(f"[job] {job.get('reason', '')} · as-of {job['as_of']} · {job.get('user', '')}", flush=True)
    if job.get("trial"):
        rc, impact = _run_trial(job)
        _write_json(_result_path(path), {"rc": rc, "started_at": started, "ended_at": _now(), "impact": impact})
        return rc
    accept = ["--accept-drop", "--user", job.get("user") or "?"] if job.get("accept_drop") else []
    try:
        rc = subprocess.run([sys.executable, "-m", "warehouse", "refresh", "--source", job["source"], "--db", job["db"],
                             "--as-of", job["as_of"], *accept], cwd=REPO, stdin=subprocess.DEVNULL).returncode
    except Exception as exc:  # could not even start it: a failure with a reason, never a traceback
        print(f"Làm mới thất bại / refresh failed: {type(exc).__name__}: {exc}", flush=True)
        rc = 1
    _write_json(_result_path(path), {"rc": rc, "started_at": started, "ended_at": _now(),
                                     "after": kpi_snapshot(Path(job["db"])) if rc == 0 else None})
    return rc


def _run_trial(job: dict) -> tuple[int, dict | None]:
    """Build and compare without publishing; 0 (would publish) or 3 (would be held) with the impact; 2/1 failed.
    The trial folder is removed whatever happens."""
    from ingest.read import InputError
    from warehouse.refresh import refresh

    try:
        summary = refresh(Path(job["source"]), Path(job["db"]), date.fromisoformat(job["as_of"]), trial=True)
        assert summary.impact is not None
        return (3 if summary.impact.held else 0), summary.impact.to_json()
    except InputError as exc:
        print(f"Lỗi dữ liệu đầu vào / unusable input: {exc}", flush=True)
        return 2, None
    except Exception as exc:  # any other failure: said in one line, never a traceback
        print(f"Làm mới thất bại / refresh failed: {type(exc).__name__}: {exc}", flush=True)
        return 1, None
    finally:
        shutil.rmtree(job["source"], ignore_errors=True)


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
