"""`python -m warehouse refresh` as SPEC §3: exit codes 0/1/2, atomic, idempotent, summary, progress."""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import AS_OF, FIXTURE, query, run_cli
from warehouse.refresh import refresh

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

MARTS = ["marts.program_kpis", "marts.need_vs_supply", "marts.monthly_progress", "marts.coverage_by_district",
         "marts.donations_by_donor_type", "marts.reporting_completeness", "dq.issues", "dq.rejected_rows"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    return {t: query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in MARTS}


def test_ingest_events_print_the_progress_lines_of_before(capsys: pytest.CaptureFixture[str]) -> None:
    """Ingest reports counts (ingest.load.LoadEvent); the warehouse words them, numbers the Vietnamese way, in the
    same lines ingest printed itself before issue 22 (tests/test_reliability.py waits for the `[ingest] kind:` one)."""
    from ingest.load import FileIgnored, KindReading
    from warehouse.refresh import _ingest_progress

    _ingest_progress(KindReading("survey", 3, 1234567))
    _ingest_progress(FileIgnored("README.md: bỏ qua (không rõ loại tệp) / ignored (unknown kind or extension)"))
    assert capsys.readouterr().err.splitlines() == [
        "[ingest] survey: 3 tệp/files, 1.234.567 dòng/rows",
        "cảnh báo/warning: README.md: bỏ qua (không rõ loại tệp) / ignored (unknown kind or extension)"]


@pytest.fixture()
def built(tmp_path: Path, fixture_db: Path) -> Path:
    """A private copy of the fixture warehouse, to check that failures leave it byte-identical."""
    db = tmp_path / "svmt.duckdb"
    shutil.copy(fixture_db, db)
    return db


def test_summary_on_stdout_progress_on_stderr(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    result = run_cli("refresh", "--source", str(FIXTURE), "--db", str(db), "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    lines = {ln.split()[0]: ln.split()[1:] for ln in result.stdout.splitlines() if ln.strip()}
    # kind, rows loaded, rows rejected (survey: 14 accepted incl. the identical copy, 5 rejected)
    assert lines["survey"] == ["14", "5"]
    assert lines["handovers"] == ["9", "2"]
    assert "rejected rows: 13 · data-quality issues: 11" in result.stdout
    assert query(db, "SELECT dq_issue_count FROM marts.program_kpis") == [(11,)]  # the same count as printed
    assert "fuzzy" not in result.stdout  # the fixture has no fuzzy duplicate: no line for them
    assert "seconds: ingest" in result.stdout
    assert "(tính đến / as of 15/01/2023)" in result.stdout  # dates dd/mm/yyyy, decimals with a comma
    assert re.search(r"^seconds: ingest \d+,\d ·", result.stdout, re.M)
    assert "Calculating Metrics" not in result.stderr  # no library progress bars on a normal run
    assert "[ingest] survey: 3" in result.stderr
    # one line per stage, when it ends, with its time the Vietnamese way (issue 22 point 7); no start markers
    ends = [ln for ln in result.stderr.splitlines() if re.match(r"\[\w+\] \d+,\d s · ", ln)]
    assert [re.sub(r"\d+ bước", "N bước", re.sub(r"\d+,\d s", "_ s", ln)) for ln in ends] == [
        "[ingest] _ s · 42 dòng nạp / rows loaded · 13 bị loại / rejected",  # 3 + 4 + 14 + 8 + 9 + 4; 13 as above
        "[dbt] _ s · N bước / steps", "[expectations] _ s · 11 vấn đề / issues",
        "[guard] _ s · không giữ lại / not held", "[swap] _ s · đã công bố / published"]
    assert not [ln for ln in result.stderr.splitlines() if ln.startswith(("[dbt] build", "[expectations] …"))]
    assert "README.md" in result.stderr  # the unknown file is warned about, then ignored
    assert not list(tmp_path.glob("*.tmp-*")), "no half-built file may be left behind"


def test_idempotent(tmp_path: Path, fixture_db: Path) -> None:
    """A second refresh from the same files over a built warehouse changes no figure. The first refresh is the
    session's (a fresh refresh of the fixture folder as of AS_OF, the CLI's own is in the test above), copied."""
    db = tmp_path / "again.duckdb"
    shutil.copy(fixture_db, db)
    refresh(FIXTURE, db, date.fromisoformat(AS_OF))  # in-process: the CLI's own run is the test above
    assert digest(db) != digest(fixture_db)  # it did rebuild the file
    assert snapshot(db) == snapshot(fixture_db)
    # the keyed person key (G1/G2) is the same for every refresh under the install secret (moved here from
    # tests/test_privacy.py, which checks it is the HMAC and changes with the secret)
    person = "SELECT record_key FROM dq.issues WHERE issue_type = 'possible_duplicate_person'"
    assert len(query(db, person)) == 1 and query(db, person) == query(fixture_db, person)


def test_missing_required_column_exits_2_and_keeps_old_file(tmp_path: Path, built: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(FIXTURE, source)
    lines = (source / "survey_2022-H2_b.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].replace("household_status", "ghi_chu")
    (source / "survey_2022-H2_b.csv").write_text("\n".join([header, *lines[1:]]) + "\n", encoding="utf-8")
    before = digest(built)
    result = run_cli("refresh", "--source", str(source), "--db", str(built))
    assert result.returncode == 2
    assert "survey_2022-H2_b.csv" in result.stderr
    assert "household_status" in result.stderr and "Hoàn cảnh" in result.stderr  # names the accepted headers
    assert "Traceback" not in result.stderr
    assert digest(built) == before


def test_binary_file_exits_2(tmp_path: Path, built: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(FIXTURE, source)
    (source / "donations_scan.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    before = digest(built)
    result = run_cli("refresh", "--source", str(source), "--db", str(built))
    assert result.returncode == 2
    assert "donations_scan.csv" in result.stderr and "Traceback" not in result.stderr
    assert digest(built) == before


def test_missing_source_folder_exits_2(tmp_path: Path, built: Path) -> None:
    before = digest(built)
    result = run_cli("refresh", "--source", str(tmp_path / "nowhere"), "--db", str(built))
    assert result.returncode == 2
    assert "nowhere" in result.stderr and "Traceback" not in result.stderr
    assert digest(built) == before


def test_other_failure_exits_1_and_leaves_target_alone(tmp_path: Path) -> None:
    target = tmp_path / "occupied.duckdb"  # a directory where the warehouse file should go
    target.mkdir()
    (target / "keep.txt").write_text("x")
    result = run_cli("refresh", "--source", str(FIXTURE), "--db", str(target), "--as-of", AS_OF)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (target / "keep.txt").read_text() == "x"
    assert not list(tmp_path.glob("*.tmp-*"))


def test_as_of_moves_only_overdue(tmp_path: Path, fixture_db: Path) -> None:
    db = tmp_path / "later.duckdb"
    refresh(FIXTURE, db, date(2023, 7, 1))  # in-process: what is under test is the date, not the CLI
    # P3 (planned 2023-06-30) becomes overdue too; nothing else moves.
    assert query(db, "SELECT coverage_points_overdue FROM marts.program_kpis") == [(2,)]
    later, before = snapshot(db), snapshot(fixture_db)
    for table in ("marts.need_vs_supply", "marts.monthly_progress", "marts.donations_by_donor_type", "dq.issues"):
        assert later[table] == before[table]


def test_data_quality_worker_failure_is_a_refresh_error_and_an_unused_worker_ends(tmp_path: Path) -> None:
    """The GX step runs in a worker process (expectations/worker.py): a failure there is one clear message,
    and a worker whose refresh failed earlier (empty stdin) ends by itself."""
    from warehouse.refresh import RefreshError, finish_expectations, start_expectations, stop_expectations

    worker = start_expectations()
    with pytest.raises(RefreshError, match="data-quality validation failed"):
        finish_expectations(worker, tmp_path / "not_a_warehouse.duckdb", tmp_path / "docs")  # no tables to check
    assert worker.returncode == 1
    idle = start_expectations()
    stop_expectations(idle)
    assert idle.returncode == 0
