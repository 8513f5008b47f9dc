"""The audit log's hash chain (issue 21 point 6): any edit, insertion, deletion, reordering or cut shows.

Entries are written through `warehouse.refresh.log_event`, the API other parts (sign-ins, uploads) call.
Tampering is done the way someone with write access to the file would: by editing its text.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli
from warehouse import audit
from warehouse.refresh import audit_log_path, log_event

N = 5


def _log(tmp_path: Path, n: int = N) -> Path:
    db = tmp_path / "svmt.duckdb"
    for i in range(1, n + 1):
        log_event(db, {"event": "upload", "outcome": "upload", "message": f"file {i}", "user": "canbo",
                       "files": [{"file": f"survey_{i}.csv", "size": i * 10}]})
    return db


def _lines(db: Path) -> list[str]:
    return audit_log_path(db).read_text(encoding="utf-8").splitlines()


def _write(db: Path, lines: list[str]) -> None:
    audit_log_path(db).write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def test_appended_entries_are_chained_and_intact(tmp_path: Path) -> None:
    db = _log(tmp_path)
    entries = audit.read(db)
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["prev"] == audit.GENESIS
    assert [e["prev"] for e in entries[1:]] == [e["hash"] for e in entries[:-1]]
    assert [e["message"] for e in entries] == [f"file {i}" for i in range(1, 6)]
    assert audit.verify(db) == audit.Verdict(True, None, "", 5)
    head = json.loads(audit.head_path(db).read_text())
    assert (head["seq"], head["hash"]) == (5, entries[-1]["hash"])
    assert audit_log_path(db).stat().st_mode & 0o777 == 0o600
    assert audit.head_path(db).stat().st_mode & 0o777 == 0o600


def test_an_edited_middle_value_names_its_line(tmp_path: Path) -> None:
    db = _log(tmp_path)
    lines = _lines(db)
    lines[2] = lines[2].replace('"size": 30', '"size": 31')
    _write(db, lines)
    verdict = audit.verify(db)
    assert (verdict.ok, verdict.line) == (False, 3) and "changed" in verdict.reason


def test_a_deleted_line_names_the_line_after_it(tmp_path: Path) -> None:
    db = _log(tmp_path)
    lines = _lines(db)
    del lines[1]
    _write(db, lines)
    verdict = audit.verify(db)
    assert (verdict.ok, verdict.line) == (False, 2) and "deleted" in verdict.reason


def test_reordered_lines_name_the_first_moved(tmp_path: Path) -> None:
    db = _log(tmp_path)
    lines = _lines(db)
    lines[3], lines[4] = lines[4], lines[3]
    _write(db, lines)
    assert audit.verify(db)[:2] == (False, 4)


def test_an_inserted_copy_is_caught(tmp_path: Path) -> None:
    db = _log(tmp_path)
    lines = _lines(db)
    lines.insert(2, lines[1])
    _write(db, lines)
    assert audit.verify(db)[:2] == (False, 3)


def test_a_cut_last_line_is_caught_by_the_head(tmp_path: Path) -> None:
    db = _log(tmp_path)
    _write(db, _lines(db)[:-1])
    verdict = audit.verify(db)
    assert (verdict.ok, verdict.line) == (False, 5) and "cut" in verdict.reason


def test_a_head_rewritten_to_match_the_cut_is_caught(tmp_path: Path) -> None:
    db = _log(tmp_path)
    lines = _lines(db)
    _write(db, lines[:-1])
    fourth = json.loads(lines[3])
    audit.head_path(db).write_text(json.dumps({"seq": 4, "hash": fourth["hash"], "mac": "0" * 32}))
    verdict = audit.verify(db)
    assert (verdict.ok, verdict.line) == (False, 5) and "changed" in verdict.reason


def test_a_forged_line_with_a_plain_sha256_fails(tmp_path: Path) -> None:
    """Whoever edits the file without the install secret cannot re-seal it: a recomputed SHA-256 is not the HMAC."""
    db = _log(tmp_path)
    lines = _lines(db)
    entry = json.loads(lines[4])
    entry["message"] = "nothing happened"
    body = {k: v for k, v in entry.items() if k != "hash"}
    entry["hash"] = hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True,
                                              separators=(",", ":")).encode()).hexdigest()[:32]
    lines[4] = json.dumps(entry, ensure_ascii=False)
    _write(db, lines)
    assert audit.verify(db)[:2] == (False, 5)


def test_a_legacy_log_says_how_to_start_anew(tmp_path: Path) -> None:
    db = tmp_path / "svmt.duckdb"
    audit_log_path(db).write_text('{"started_at": "2022-10-01 08:00:00", "outcome": "ok"}\n', encoding="utf-8")
    verdict = audit.verify(db)
    assert (verdict.ok, verdict.line) == (False, 1)
    assert "move the old one aside" in verdict.reason and "svmt_refresh_log.jsonl.old" in verdict.reason


WRITER = """
import sys
from pathlib import Path
from warehouse.refresh import log_event
for i in range(20):
    log_event(Path(sys.argv[1]), {"event": "test", "outcome": "test", "message": f"w{sys.argv[2]}-{i}"})
"""


def test_writers_in_several_processes_keep_one_chain(tmp_path: Path) -> None:
    db = tmp_path / "svmt.duckdb"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(w)], cwd=REPO) for w in range(4)]
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0, 0, 0]
    assert audit.verify(db) == audit.Verdict(True, None, "", 80)
    assert sorted(e["message"] for e in audit.read(db)) == sorted(f"w{w}-{i}" for w in range(4) for i in range(20))


def test_cli_intact_tampered_and_missing(tmp_path: Path) -> None:
    db = _log(tmp_path)
    ok = run_cli("audit", "verify", "--db", str(db))
    assert ok.returncode == 0 and "intact, 5 entries" in ok.stdout and "nguyên vẹn" in ok.stdout
    lines = _lines(db)
    lines[1] = lines[1].replace("file 2", "file two")
    _write(db, lines)
    bad = run_cli("audit", "verify", "--db", str(db))
    assert bad.returncode == 1 and "line 2" in bad.stderr and "changed" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = run_cli("audit", "verify", "--db", str(tmp_path / "other.duckdb"))
    assert missing.returncode == 2 and "no audit log" in missing.stderr and "other_refresh_log.jsonl" in missing.stderr


@pytest.mark.parametrize("cut", [1, 3])
def test_truncating_more_lines_still_names_the_first_missing(tmp_path: Path, cut: int) -> None:
    db = _log(tmp_path)
    _write(db, _lines(db)[:-cut])
    assert audit.verify(db)[:2] == (False, N - cut + 1)


def test_a_head_one_step_behind_is_a_crash_not_tampering(tmp_path: Path) -> None:
    """A writer killed between its line and the head leaves the head one entry behind: still intact."""
    db = _log(tmp_path, 2)
    head = audit.head_path(db).read_bytes()
    log_event(db, {"event": "test", "outcome": "test", "message": "third"})
    audit.head_path(db).write_bytes(head)
    assert audit.verify(db) == audit.Verdict(True, None, "", 3)


def test_a_line_cut_by_a_killed_writer_is_named_and_the_next_entry_stays_whole(tmp_path: Path) -> None:
    db = _log(tmp_path, 2)
    with open(audit_log_path(db), "a", encoding="utf-8") as handle:
        handle.write('{"event": "upload", "mess')  # what a SIGKILL in the middle of a write leaves
    log_event(db, {"event": "test", "outcome": "test", "message": "after the crash"})
    lines = _lines(db)
    assert len(lines) == 4 and json.loads(lines[3])["message"] == "after the crash"
    assert audit.verify(db)[:2] == (False, 3)
    assert [e["message"] for e in audit.read(db)] == ["file 1", "file 2", "after the crash"]
