"""Issue 8 (part): crash safety, concurrent refreshes and readers during a refresh — with real processes."""

from __future__ import annotations

import hashlib
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from ingest.read import InputError
from tests.conftest import AS_OF, FIXTURE, REPO, query, run_cli
from tests.test_refresh_cli import digest
from warehouse.refresh import refresh

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

CLEAN = REPO / "tests" / "fixtures" / "clean"


def _start_refresh(source: Path, db: Path) -> subprocess.Popen:
    """Replacing the fixture province by the clean one drops students identified 9 → 3: the guard would hold it
    (exit 3), so these reliability tests accept the drop."""
    return subprocess.Popen([sys.executable, "-m", "warehouse", "refresh", "--source", str(source), "--db", str(db),
                             "--as-of", AS_OF, "--accept-drop"], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


# A stage's one line, printed when it ends (warehouse/refresh.py _stage_done): `[dbt] 6,4 s · 145 bước / steps`.
STAGE_END = re.compile(r"\[(\w+)\] [\d.,]+ s · ")
# stage to kill in → the line it starts after (ingest: its first kind's progress line, printed while it reads)
KILL_AFTER = {"ingest": re.compile(r"\[ingest\] \w+: "), "dbt": re.compile(r"\[ingest\] [\d.,]+ s · "),
              "expectations": re.compile(r"\[dbt\] [\d.,]+ s · ")}


def test_sigkill_at_any_stage_leaves_the_old_warehouse(tmp_path: Path, fixture_db: Path) -> None:
    """One warehouse copy, killed in turn inside each stage (right after the line printed before it: the previous
    stage's end line, or for ingest its first progress line): the stage never printed its own end line, so the kill
    landed in it. After every kill the old warehouse is intact, and one refresh afterwards (with three killed builds
    behind it) publishes and leaves no build or backup behind."""
    db = tmp_path / "svmt.duckdb"
    shutil.copy(fixture_db, db)
    before = digest(db)
    for stage, after in KILL_AFTER.items():
        proc = _start_refresh(CLEAN, db)
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if after.match(line):
                break
        else:
            raise AssertionError(f"the refresh ended without reaching {stage}: {seen}")
        if stage != "ingest":  # ingest's rest is short: kill at once; dbt and expectations take seconds
            time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        ended = [m.group(1) for m in map(STAGE_END.match, [*seen, *proc.stderr]) if m]
        assert proc.returncode == -signal.SIGKILL, stage  # killed, not finished before the signal
        assert ended == list(KILL_AFTER)[:list(KILL_AFTER).index(stage)], stage  # inside `stage`: it never ended
        assert digest(db) == before, stage
        assert query(db, "SELECT students_identified FROM marts.program_kpis") == [(9,)], stage  # the old numbers
    result = run_cli("refresh", "--source", str(CLEAN), "--db", str(db), "--as-of", AS_OF, "--accept-drop")
    assert result.returncode == 0, result.stderr
    assert [m.group(1) for m in map(STAGE_END.match, result.stderr.splitlines()) if m] == [
        "ingest", "dbt", "expectations", "guard", "swap"]  # one line per stage, in order
    assert query(db, "SELECT students_identified FROM marts.program_kpis") == [(3,)]
    assert not [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_two_refreshes_at_once_take_turns(tmp_path: Path) -> None:
    db = tmp_path / "svmt.duckdb"
    first, second = _start_refresh(FIXTURE, db), _start_refresh(CLEAN, db)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert any("[lock]" in err for _out, err in outputs)  # one of them said it was waiting
    assert query(db, "SELECT students_identified FROM marts.program_kpis")[0][0] in (9, 3)
    log = [line for line in (tmp_path / "svmt_refresh_log.jsonl").read_text(encoding="utf-8").splitlines()
           if '"event": "accept_drop"' not in line]  # when the clean province came second, its drop was accepted
    assert len(log) == 2 and all('"outcome": "ok"' in line for line in log)


def test_readers_see_old_or_new_never_an_error(tmp_path: Path, fixture_db: Path) -> None:
    db = tmp_path / "svmt.duckdb"
    shutil.copy(fixture_db, db)
    reader = subprocess.Popen([sys.executable, "-c", f"""
import duckdb, time, sys
seen, errors, end = set(), [], time.time() + 540  # a bound, not a timing: it stops once it sees 3
while time.time() < end:
    try:
        con = duckdb.connect({str(db)!r}, read_only=True)
        seen.add(con.execute("SELECT students_identified FROM marts.program_kpis").fetchall()[0][0])
        con.close()
    except Exception as exc:
        errors.append(repr(exc))
    if 3 in seen:
        break
    time.sleep(0.02)
print(sorted(seen), errors[:3])
sys.exit(1 if errors else 0)
"""], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        result = run_cli("refresh", "--source", str(CLEAN), "--db", str(db), "--as-of", AS_OF, "--accept-drop")
        assert result.returncode == 0, result.stderr
        out, err = reader.communicate(timeout=600)
    finally:
        if reader.poll() is None:
            reader.kill()  # after a failure it would wait for figures that never come
    assert reader.returncode == 0, out + err
    assert out.strip().startswith("[3, 9]")


def test_refresh_log_keeps_failures(tmp_path: Path) -> None:
    """The log is written by `refresh` itself, whoever calls it: called in-process here (the CLI's exit codes for the
    same outcomes are tested in tests/test_refresh_cli.py)."""
    db, as_of = tmp_path / "svmt.duckdb", date.fromisoformat(AS_OF)
    refresh(CLEAN, db, as_of)
    with pytest.raises(InputError):
        refresh(tmp_path / "missing", db)
    refresh(CLEAN, db, as_of)
    rows = query(db, "SELECT outcome, json_array_length(files), rows_loaded->>'survey' FROM meta.refresh_log "
                     "ORDER BY seq")
    assert rows == [("ok", 7, "6"), ("exit 2", 0, None), ("ok", 7, "6")]
    # every file of the source is logged with its size and the sha256 of its bytes, as computed here
    logged = query(db, "SELECT f->>'file', CAST(f->>'size' AS BIGINT), f->>'sha256' FROM meta.refresh_log, "
                       "unnest(CAST(files AS JSON[])) AS t(f) WHERE seq = 1 ORDER BY 1")
    assert logged == [(p.name, p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
                      for p in sorted(CLEAN.iterdir()) if p.is_file()]
    assert len(logged) == 7
