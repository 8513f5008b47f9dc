"""The warehouse's audit log: JSON lines chained by keyed hashes, so any later edit shows.

Every refresh, upload, withdrawal, sign-in and publication is one line of `<db stem>_refresh_log.jsonl` beside
the warehouse. Each line carries `seq` (1, 2, …), `at`, `prev` (the previous line's `hash`) and `hash`, an HMAC
under the install secret (warehouse.secret) of the line's canonical JSON: someone who can edit the file but does
not hold the secret cannot recompute the chain after changing, inserting, deleting or reordering a line. A small
head file (`<log>.head`: the last seq and hash, itself keyed) is rewritten atomically with every append, so a
removed last line shows too. Writers are several processes (refresh, the dashboard, upload jobs): each append
holds an exclusive lock on the log while it reads the last line, writes its own with O_APPEND and moves the head.

Limits: whoever holds the secret (the service user) can rewrite the whole chain; a copy shipped elsewhere is
the defence against that (SECURITY.md).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from warehouse.private import make_private
from warehouse.secret import keyed_hash

GENESIS = "0" * 32  # the `prev` of line 1
PURPOSE, HEAD_PURPOSE = "audit-log", "audit-log-head"


class MissingLog(FileNotFoundError):
    """There is no audit log for this warehouse (nothing was ever logged, or a wrong path)."""


class Verdict(NamedTuple):
    """The outcome of `verify`: intact (line None) or the first bad line (1-based) and why."""

    ok: bool
    line: int | None
    reason: str
    entries: int


def log_path(db: Path) -> Path:
    """The append-only log beside the warehouse: it survives rebuilds and failed refreshes."""
    db = Path(db)
    return db.with_name(db.stem + "_refresh_log.jsonl")


def head_path(db: Path) -> Path:
    log = log_path(db)
    return log.with_name(log.name + ".head")


def _canonical(entry: dict[str, Any]) -> str:
    """The text the hash covers: every key but `hash`, sorted, compact (the same after a JSON round trip)."""
    return json.dumps({k: v for k, v in entry.items() if k != "hash"}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))


def _seal(entry: dict[str, Any]) -> str:
    return keyed_hash(_canonical(entry), PURPOSE)


def _head_mac(seq: int, digest: str) -> str:
    return keyed_hash(f"{seq}:{digest}", HEAD_PURPOSE)


def _last_line(fd: int) -> bytes:
    """The file's last non-empty line, read backwards from its end (the log grows without bound)."""
    end = os.fstat(fd).st_size
    tail, pos = b"", end
    while pos > 0:
        step = min(1 << 16, pos)
        pos -= step
        tail = os.pread(fd, step, pos) + tail
        stripped = tail.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1]
    return tail.rstrip(b"\n")


def _count_lines(fd: int) -> int:
    count, pos, size = 0, 0, os.fstat(fd).st_size
    while pos < size:
        chunk = os.pread(fd, 1 << 20, pos)
        count += chunk.count(b"\n")
        pos += len(chunk)
    return count


def _previous(fd: int) -> tuple[int, str]:
    """(seq, hash) of the last line; a legacy (unchained) log continues its numbering after its lines."""
    last = _last_line(fd)
    if not last.strip():
        return 0, GENESIS
    try:
        entry = json.loads(last)
    except ValueError:
        entry = None
    if isinstance(entry, dict) and isinstance(entry.get("seq"), int) and isinstance(entry.get("hash"), str):
        return entry["seq"], entry["hash"]
    return _count_lines(fd), GENESIS


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_head(db: Path, seq: int, digest: str) -> None:
    head = head_path(db)
    tmp = head.with_name(f"{head.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        _write_all(fd, json.dumps({"seq": seq, "hash": digest, "mac": _head_mac(seq, digest)}).encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, head)


def append(db: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """Add one entry (with seq, at, prev and hash) to the log and move the head; returns the line written.

    Values that are not JSON (dates, paths) are written as text, and the hash covers exactly that text.
    """
    db = Path(db)
    log = log_path(db)
    record = json.loads(json.dumps(entry, ensure_ascii=False, default=str))
    record.pop("hash", None)
    record.setdefault("at", datetime.now().replace(microsecond=0).isoformat())
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        make_private(log)
        fcntl.flock(fd, fcntl.LOCK_EX)
        reader = os.open(log, os.O_RDONLY)
        try:
            seq, prev = _previous(reader)
            record.update(seq=seq + 1, prev=prev)
            record["hash"] = _seal(record)
            line = json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"
            size = os.fstat(reader).st_size
            if size and os.pread(reader, 1, size - 1) != b"\n":
                line = b"\n" + line  # a writer killed mid-line: its fragment stays a line of its own (verify names it)
            _write_all(fd, line)
            os.fsync(fd)
            _write_head(db, record["seq"], record["hash"])
        finally:
            os.close(reader)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return record


def read(db: Path) -> list[dict[str, Any]]:
    """Every entry of the log, oldest first (lines that are not JSON objects are left out: `verify` names them)."""
    log = log_path(db)
    if not log.exists():
        return []
    entries = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def _legacy_reason(log: Path) -> str:
    return (f"dòng không có chuỗi băm: nhật ký cũ (trước khi có chuỗi) hoặc dòng thêm tay — để bắt đầu nhật ký "
            f"mới, chuyển tệp cũ sang chỗ khác (mv {log.name} {log.name}.old; cũng {log.name}.head nếu có) / "
            f"unchained line: a log written before the hash chain, or a line added by hand — to start a new log, "
            f"move the old one aside (mv {log.name} {log.name}.old, and {log.name}.head if present)")


def _check_line(number: int, raw: str, prev: str, log: Path) -> str | None:
    """Why line `number` breaks the chain, or None when it is the next link after `prev`."""
    try:
        entry = json.loads(raw)
    except ValueError:
        return "không phải JSON / not JSON"
    if not isinstance(entry, dict) or not isinstance(entry.get("hash"), str) or "seq" not in entry:
        return _legacy_reason(log)
    if entry["hash"] != _seal(entry):
        return "nội dung đã bị sửa (chuỗi băm không khớp) / the content was changed (its keyed hash does not match)"
    if entry["seq"] != number:
        return (f"số thứ tự {entry['seq']} thay vì {number}: có dòng bị xóa, chèn hoặc đổi chỗ / "
                f"sequence {entry['seq']} where {number} was due: a line was deleted, inserted or reordered")
    if entry.get("prev") != prev:
        return ("không nối tiếp dòng trước: có dòng bị xóa, chèn hoặc đổi chỗ / "
                "does not follow the line before: a line was deleted, inserted or reordered")
    return None


def _check_head(db: Path, hashes: list[str]) -> tuple[int, str] | None:
    """(line, reason) when the head file says the log had more, or other, lines than it has now."""
    head = head_path(db)
    count = len(hashes)
    if not head.exists():
        return (1, f"thiếu tệp {head.name} / {head.name} is missing") if count else None
    try:
        facts = json.loads(head.read_text(encoding="utf-8"))
        seq, digest, mac = int(facts["seq"]), str(facts["hash"]), str(facts["mac"])
    except (ValueError, KeyError, TypeError):
        return count + 1, f"tệp {head.name} hỏng / {head.name} is unreadable"
    if mac != _head_mac(seq, digest):
        return count + 1, f"tệp {head.name} đã bị sửa / {head.name} was changed"
    if seq > count:
        return (count + 1, f"nhật ký bị cắt: thiếu dòng {count + 1}–{seq} (tệp {head.name} ghi {seq} dòng) / "
                           f"the log was cut: lines {count + 1}–{seq} are missing ({head.name} records {seq})")
    if seq >= 1 and hashes[seq - 1] != digest:
        return seq, f"dòng {seq} khác với tệp {head.name} / line {seq} differs from {head.name}"
    return None


def verify(db: Path) -> Verdict:
    """Check the whole chain and the head; MissingLog when there is no log at all."""
    log = log_path(db)
    if not log.exists():
        raise MissingLog(str(log))
    with open(log, "rb") as handle:  # a shared lock: never read half of a line being appended
        fcntl.flock(handle, fcntl.LOCK_SH)
        text = handle.read().decode("utf-8", errors="replace")
    hashes: list[str] = []
    prev = GENESIS
    for number, raw in enumerate(text.splitlines(), start=1):
        reason = _check_line(number, raw, prev, log)
        if reason:
            return Verdict(False, number, reason, number - 1)
        prev = json.loads(raw)["hash"]
        hashes.append(prev)
    bad = _check_head(db, hashes)
    if bad:
        return Verdict(False, bad[0], bad[1], len(hashes))
    return Verdict(True, None, "", len(hashes))


def cli_verify(db: Path) -> int:
    """`python -m warehouse audit verify --db FILE`: 0 intact, 1 the first bad line named, 2 no log."""
    log = log_path(db)
    try:
        verdict = verify(db)
    except MissingLog:
        print(f"Không có nhật ký kiểm toán {log} / no audit log at {log} (kiểm tra --db / check --db)",
              file=sys.stderr)
        return 2
    if verdict.ok:
        print(f"Nhật ký nguyên vẹn, {verdict.entries} dòng / intact, {verdict.entries} entries: {log}")
        return 0
    print(f"Nhật ký bị thay đổi / tampered: {log}, dòng / line {verdict.line}: {verdict.reason}", file=sys.stderr)
    return 1
