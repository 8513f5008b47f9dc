"""Issue 21 point 5, minimal personal data: keyed person keys, Data Docs and exports without children's details.

The fixture province's children (tests/fixtures/province survey*.csv, handovers*.csv) are the needles: every
student_id, full_name and date_of_birth as written, and as the warehouse holds them (IDs without spaces and
dashes, names with single spaces and folded, birth dates in ISO).
"""

from __future__ import annotations

import csv
import hashlib
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from ingest.contract import fold
from tests.conftest import AS_OF, FIXTURE, query, run_cli

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

OTHER_SECRET = "another-install-secret-of-at-least-32-characters"


def _personal_values() -> set[str]:
    """Every fixture child's ID, name and birth date, as written and as normalised by the warehouse."""
    values: set[str] = set()
    for path in [*FIXTURE.glob("survey*.csv"), *FIXTURE.glob("handovers*.csv")]:
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                student_id = (row.get("student_id") or "").strip()
                if student_id:
                    values |= {student_id, re.sub(r"[\s-]", "", student_id)}
                name = (row.get("full_name") or "").strip()
                if name:
                    values |= {name, " ".join(name.split()), fold(name)}
                born = (row.get("date_of_birth") or "").strip()
                if born:
                    values.add(born)
                    try:
                        values.add(datetime.strptime(born, "%d/%m/%Y").date().isoformat())
                    except ValueError:
                        pass
    return values


PERSONAL = _personal_values()


def test_needles_cover_the_fixture_children() -> None:
    """The scan below is only as good as its needles: IDs, names (folded too) and ISO birth dates are in."""
    assert {"001234567890", "0077-7777 7777", "007777777777", "Nguyễn Văn An", "nguyen van an", "Bùi Thị Hoa",
            "2010-05-01", "03/02/2009", "2009-02-03"} <= PERSONAL


def _person_keys(db: Path) -> list[str]:
    return [k for (k,) in query(db, "SELECT record_key FROM dq.issues WHERE issue_type = 'possible_duplicate_person' "
                                    "ORDER BY record_key")]


def test_person_keys_are_keyed_hashes_stable_across_refreshes(fixture_db: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """G1/G2 (đỗ văn giang, 2010-07-07, district 643): the key is the HMAC under the install secret, another under
    another secret, and no longer the fields' MD5. The same for every refresh under that secret: asserted by
    tests/test_refresh_cli.py::test_idempotent on its second refresh of the fixture (one refresh fewer here). The
    real refresh in-process (its CLI is tested in tests/test_refresh_cli.py); the GX worker reads the secret it
    inherits."""
    from warehouse.refresh import refresh
    from warehouse.secret import keyed_hash

    fields = "do van giang|2010-07-07|643"
    assert _person_keys(fixture_db) == [keyed_hash(fields, "person")]
    assert _person_keys(fixture_db) != [hashlib.md5(fields.encode()).hexdigest()]

    other = tmp_path / "other.duckdb"
    monkeypatch.setenv("SVMT_SECRET", OTHER_SECRET)
    refresh(FIXTURE, other, date.fromisoformat(AS_OF))
    monkeypatch.undo()  # fixture_db's keys below are read under the install secret again
    assert len(_person_keys(other)) == 1 and _person_keys(other) != _person_keys(fixture_db)
    assert query(other, "SELECT count(*) FROM dq.issues") == query(fixture_db, "SELECT count(*) FROM dq.issues")


# The fuzzy pair's key (the keyed hash of its two student keys, names and birth dates inside, under OTHER_SECRET):
# asserted by tests/test_data_quality.py::test_fuzzy_duplicate_person_is_extra on its refresh of the same folder.


def _files_holding_personal_data(folder: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        hits = sorted(v for v in PERSONAL if v in text)
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


def test_data_docs_hold_no_id_name_or_birth_date(fixture_db: Path) -> None:
    docs = fixture_db.with_name(fixture_db.stem + "_data_docs")
    pages = [p for p in docs.rglob("*.html") if "validations" in p.parts]
    assert len(pages) >= 10  # the failing checks of the fixture are rendered (survey.people, handovers.rows, …)
    assert _files_holding_personal_data(docs) == {}


def test_dq_issues_still_point_at_the_offending_rows(fixture_db: Path) -> None:
    """Without unexpected values GX still returns every offending row_id: the findings are complete."""
    assert query(fixture_db, "SELECT issue_type, source_file, source_line FROM dq.issues "
                             "WHERE issue_type IN ('duplicate_student_in_round', 'duplicate_serial', "
                             "'possible_duplicate_person') ORDER BY 1") == [
        ("duplicate_serial", "handovers.csv", 6),
        ("duplicate_student_in_round", "survey_2022-H1.csv", 8),
        ("possible_duplicate_person", "survey_2022-H2_a.csv", 4)]


def _cells_holding_personal_data(db: Path) -> dict[str, list[str]]:
    """schema.table.column → the fixture children's details found in its cells (as text, substrings too).

    One read-only connection for the whole scan: opening the file once per column (700 of them) cost a minute."""
    import duckdb

    found: dict[str, list[str]] = {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        for schema, table, column in con.execute("SELECT table_schema, table_name, column_name FROM "
                                                 "information_schema.columns ORDER BY ALL").fetchall():
            cells = con.execute(f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{schema}"."{table}"').fetchall()
            hits = sorted({v for (cell,) in cells if cell for v in PERSONAL if v in cell})
            if hits:
                found[f"{schema}.{table}.{column}"] = hits
    finally:
        con.close()
    return found


def test_analyst_copy_holds_figures_but_no_personal_data(fixture_db: Path, tmp_path: Path) -> None:
    import shutil

    import duckdb

    source = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_db, source)
    con = duckdb.connect(str(source))  # a reporting schema as the dashboard's helper builds it, one view per key
    # besides dbt's reporting views, one that (wrongly) names a personal column: the copy must drop it
    con.execute("CREATE VIEW reporting.students AS SELECT student_key, district_code FROM intermediate.int_students")
    reporting = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'reporting'"
                            ).fetchall()[0][0]
    marts = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()[0][0]
    con.close()
    assert _cells_holding_personal_data(source)  # the warehouse itself does hold them: the scan finds them

    out = tmp_path / "analyst" / "analyst.duckdb"
    result = run_cli("analyst-copy", "--db", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"{marts + reporting + 2} bảng / tables" in result.stdout  # every mart and reporting view, 2 dq tables
    assert out.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in out.parent.iterdir()] == ["analyst.duckdb"]
    schemas = query(out, "SELECT DISTINCT table_schema FROM information_schema.tables ORDER BY 1")
    assert schemas == [("dq",), ("marts",), ("reporting",)]
    assert query(out, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'dq' ORDER BY 1") == \
        [("expectation_results",), ("issues",)]
    assert query(out, "SELECT column_name FROM information_schema.columns WHERE lower(column_name) IN "
                      "('full_name', 'student_id', 'date_of_birth', 'student_key')") == []
    assert query(out, "SELECT column_name FROM information_schema.columns WHERE table_name = 'students'") == \
        [("district_code",)]
    assert query(out, "SELECT DISTINCT table_type FROM information_schema.tables WHERE table_schema = 'reporting'"
                 ) == [("BASE TABLE",)]
    assert query(out, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'reporting'") == \
        [(reporting,)]
    assert _cells_holding_personal_data(out) == {}
    # the figures are the warehouse's; the findings too, with every key that names a child keyed
    for table in ("program_kpis", "need_vs_supply", "allocation_queue"):
        assert sorted(query(out, f"SELECT * FROM marts.{table}"), key=repr) == \
            sorted(query(fixture_db, f"SELECT * FROM marts.{table}"), key=repr)
    from warehouse.secret import keyed_hash

    issues = dict(query(out, "SELECT issue_type || ':' || detail, record_key FROM dq.issues"))
    assert issues["duplicate_serial:Số serial/IMEI xuất hiện ở 2 biên bản bàn giao"] == "SN-1"
    assert issues["duplicate_handover_student:Một học sinh nhận 2 thiết bị (quy định: 01 lần / 01 học sinh)"] == \
        keyed_hash("ID:002222222222", "person")
    assert query(out, "SELECT count(*) FROM dq.issues") == query(fixture_db, "SELECT count(*) FROM dq.issues")


def test_analyst_copy_of_a_missing_warehouse_says_so(tmp_path: Path) -> None:
    result = run_cli("analyst-copy", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "a.duckdb"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "analyst copy failed" in result.stderr and not (tmp_path / "a.duckdb").exists()


def test_briefing_pack_holds_no_personal_data(fixture_db: Path, tmp_path: Path) -> None:
    """Every cell of every sheet of the press pack, and its PDF's text: no fixture child's ID, name or birth date."""
    import shutil

    import openpyxl
    import pypdf

    db = tmp_path / "svmt.duckdb"
    shutil.copy(fixture_db, db)
    out = tmp_path / "out"
    result = run_cli("briefing", "--db", str(db), "--month", "2022-10", "--out", str(out))
    assert result.returncode == 0, result.stderr
    book = openpyxl.load_workbook(out / "briefing-2022-10.xlsx")
    cells = [str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
             if cell.value is not None]
    from warehouse.reports import FIGURES

    assert {text for text, _kind in FIGURES.values()} <= set(cells)  # the scan did read the figures' sheet
    assert sorted({v for cell in cells for v in PERSONAL if v in cell}) == []
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(str(out / "briefing-2022-10.pdf")).pages)
    assert text.strip() and sorted(v for v in PERSONAL if v in text) == []


def test_dbt_sends_no_usage_events(fixture_db: Path) -> None:
    """dbt reports anonymous usage to its vendor at every invocation unless the project says not to
    (dbt_project.yml flags): the build that made the session's warehouse, in this process, ran with tracking off."""
    from dbt import tracking

    assert tracking.active_user is not None and tracking.active_user.do_not_track
