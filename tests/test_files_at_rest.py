"""Files at rest (issue 21 point 6): nothing the product writes is readable by other OS users.

Every process here starts with the permissive umask 022 (the usual default), so the modes checked are the
product's own doing: the CLI's umask, the explicit chmods of files that may pre-exist, the upload page's store
and withdraw, the background refresh job and the briefing pack.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from ingest.contract import kind_of_file
from tests.conftest import AS_OF, FIXTURE, REPO
from warehouse import audit, reports, upload
from warehouse.upload import jobs as upload_jobs

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it


def _sh(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m warehouse …` under `umask 022`, as a user's shell would start it."""
    command = "umask 022; exec " + " ".join(shlex.quote(a) for a in (sys.executable, "-m", "warehouse", *args))
    return subprocess.run(["sh", "-c", command], cwd=REPO, capture_output=True, text=True, timeout=600)


def _open_to_others(root: Path) -> list[str]:
    """Every file or folder under root (root included) with a group or world bit, as `path 0o644`."""
    found = []
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink() and path.stat().st_mode & 0o077:
            found.append(f"{path.relative_to(root.parent)} {oct(path.stat().st_mode & 0o777)}")
    return found


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def test_refresh_publish_and_audit_files_are_private(tmp_path: Path) -> None:
    root = tmp_path / "wh"
    root.mkdir(mode=0o700)
    db = root / "svmt.duckdb"
    # files an older version (or an administrator) left readable: narrowed, not trusted
    (root / "svmt.duckdb.lock").touch(mode=0o644)
    result = _sh("refresh", "--source", str(FIXTURE), "--db", str(db), "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    out = root / "pack"
    result = _sh("briefing", "--db", str(db), "--month", "2022-10", "--out", str(out), "--publish", "--user", "lanhdao")
    assert result.returncode == 0, result.stderr
    names = {p.name for p in root.iterdir()}
    assert {"svmt.duckdb", "svmt.duckdb.lock", "svmt_refresh_log.jsonl", "svmt_refresh_log.jsonl.head",
            "svmt_data_docs", "svmt_published.duckdb", "pack"} <= names
    assert any((root / "svmt_data_docs").rglob("*.html"))  # the check covers real Data Docs
    assert sorted(p.name for p in out.iterdir()) == ["briefing-2022-10.pdf", "briefing-2022-10.xlsx"]
    assert _open_to_others(root) == []
    assert audit.verify(db).ok and [e.get("event") for e in audit.read(db)] == [None, "publish"]


def test_uploads_withdrawals_and_the_refresh_job_are_private(tmp_path: Path, fixture_db: Path) -> None:
    source, withdrawn = tmp_path / "data" / "source", tmp_path / "data" / "withdrawn"
    db = tmp_path / "wh" / "svmt.duckdb"
    with _umask(0o022):  # the dashboard's functions, called from a process with a permissive umask
        for path in sorted(FIXTURE.glob("*.csv")):  # the province uploaded file by file: store makes the folder
            upload.store(path.read_bytes(), path.name, kind_of_file(path.name), source, db, "canbo")
        kept = upload.store(b"handover_id,handed_on\n", "handovers_9.csv", "handovers", source, db, "canbo")
        moved = upload.withdraw(kept.path.name, source, withdrawn, db, "canbo")
        job = upload.start_refresh(source, db, date.fromisoformat(AS_OF), "canbo", "test")
        deadline = time.monotonic() + 540
        while upload.job_status(db).state in ("running", "waiting") and time.monotonic() < deadline:
            time.sleep(0.1)
        upload_jobs._CHILDREN.pop(job["pid"]).wait(timeout=60)
        status = upload.job_status(db)
        assert status.state == "ok", status.message
        pack = reports.write_pack(db, "2022-10", tmp_path / "pack")
    assert moved.parent == withdrawn and not kept.path.exists()
    assert len(list(source.iterdir())) == len(list(FIXTURE.glob("*.csv")))
    assert status.result["after"]["students_identified"] == 9  # the fixture's figures: the job really refreshed
    assert Path(job["log"]).exists() and upload.job_path(db).exists()
    assert pack.xlsx.exists() and pack.pdf.exists()
    for folder in (source, withdrawn, tmp_path / "wh", tmp_path / "pack"):
        assert _open_to_others(folder) == [], folder


def test_the_install_secret_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from warehouse.secret import install_secret

    monkeypatch.delenv("SVMT_SECRET", raising=False)
    monkeypatch.setenv("SVMT_SECRET_FILE", str(tmp_path / "config" / "secret.key"))
    with _umask(0o022):
        install_secret()
    assert (tmp_path / "config" / "secret.key").stat().st_mode & 0o777 == 0o600
