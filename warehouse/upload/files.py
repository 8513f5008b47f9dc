"""Storing and withdrawing source files, all or nothing, each audit-logged (who, when, name, size, SHA-256).

`store` writes the original bytes, as sent, under a new name that keeps the kind prefix (so `refresh` knows the
kind) and the original name (so people recognise it): `survey_20231105-142233_<original>`. It never overwrites:
the file appears whole (hard link of a finished temporary file) or not at all. `store_all` stores several files
all or nothing (issue 21, point 7); a district officer's file carries its scope (`ingest.load.scope_path`), so
`refresh` rejects its rows of other districts. `withdraw` moves a file into the withdrawn folder, never deletes
it. `trial_folder` lays out the source folder plus files not yet accepted for a trial build.
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ingest.load import read_scope, scope_path
from warehouse.private import make_private
from warehouse.refresh import audit_log_path, log_event
from warehouse.upload.checks import EXTENSIONS, UploadRefused, file_sha256, safe_name, sha256


def stored_name(kind: str, original: str, when: datetime, attempt: int = 1) -> str:
    """`survey_20231105-142233_<original>`: the kind first (refresh reads it), then when, then the name as sent."""
    name = f"{kind}_{when:%Y%m%d-%H%M%S}_{original}"
    if attempt > 1:
        path = Path(name)
        name = f"{path.stem}_{attempt}{path.suffix}"
    return name


def place(make_source: Path, folder: Path, names, scope: list[str] | None = None) -> Path:
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


def now() -> datetime:
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


def refuse_reference_upload(items: list[Incoming], scope: list[str] | None) -> None:
    if scope is not None and any(i.kind == "districts" for i in items):
        raise UploadRefused("scope", "danh mục huyện chỉ do cấp tỉnh thay đổi / only province-level users may upload "
                                     "a districts file")


def write_part(folder: Path, data: bytes) -> Path:
    part = folder / f".upload-{os.getpid()}-{uuid.uuid4().hex}.part"  # hidden: refresh ignores it
    with open(part, "xb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return part


def candidates(kind: str, original: str, stamp: datetime):
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
    refuse_reference_upload(items, scope)
    originals = [safe_name(i.original) for i in items]
    when = when or now()
    source.mkdir(parents=True, exist_ok=True)
    make_private(source)
    parts: list[Path] = []
    placed: list[Path] = []
    try:
        for item in items:
            parts.append(write_part(source, item.data))
        for item, original, part in zip(items, originals, parts, strict=True):
            placed.append(place(part, source, candidates(item.kind, original, stamp or when), scope))
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
    when = when or now()
    size, digest = path.stat().st_size, file_sha256(path)
    withdrawn.mkdir(parents=True, exist_ok=True)
    make_private(withdrawn)
    stamp = f"{when:%Y%m%d-%H%M%S}"
    target = place(path, withdrawn, (f"{stamp}_{name}" if n == 1 else f"{stamp}-{n}_{name}" for n in range(1, 1000)))
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



def trial_folder(source: Path, items: list[Incoming], stamp: datetime, scope: list[str] | None) -> Path:
    """A hidden folder beside the source folder: hard links of its files (scope files too) and the new files under
    the names they would get. The source folder itself is only read."""
    refuse_reference_upload(items, scope)
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
        part = write_part(folder, item.data)
        try:
            place(part, folder, candidates(item.kind, safe_name(item.original), stamp), scope)
        finally:
            part.unlink(missing_ok=True)
    return folder

