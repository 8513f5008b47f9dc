"""Beyond one machine: the marts build from per-province Parquet exports as they do from the CSVs.

The fixture province is refreshed from its CSVs (conftest's fixture_db), exported with
`python -m warehouse export` (one Parquet file per kind, canonical columns, load order kept) and
refreshed again from that folder alone. Every mart must come out identical; only the rejected rows
stay behind (they were never accepted, so a province does not send them up).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import AS_OF, query, run_cli
from warehouse.refresh import refresh

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

MARTS = ["program_kpis", "need_vs_supply", "monthly_progress", "coverage_by_district", "donations_by_donor_type",
         "reporting_completeness", "need_by_school", "coverage_points", "donated_devices", "donor_honour_roll",
         "allocation_stock", "allocation_queue", "allocation_proposal", "allocation_by_school", "need_by_month",
         "progress_by_district_month", "briefing_months", "briefing_donations_by_month", "briefing_handovers_by_month",
         "briefing_coverage_by_month"]


@pytest.fixture(scope="module")
def rollup_db(fixture_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    exports = tmp_path_factory.mktemp("exports")
    result = run_cli("export", "--db", str(fixture_db), "--out", str(exports))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in exports.iterdir())
    db = tmp_path_factory.mktemp("national") / "national.duckdb"
    refresh(exports, db, date.fromisoformat(AS_OF))  # the real refresh, in-process (its CLI: test_refresh_cli.py)
    return db, names


def _rows(db: Path, table: str) -> list[tuple]:
    return sorted(query(db, f"SELECT * FROM {table}"), key=repr)


def test_export_writes_one_parquet_per_kind_named_by_province(rollup_db: tuple[Path, list[str]]) -> None:
    assert rollup_db[1] == [f"{kind}_66.parquet" for kind in
                            ("coverage", "districts", "donations", "handovers", "schools", "survey")]


def test_every_mart_is_identical_from_parquet_exports(fixture_db: Path, rollup_db: tuple[Path, list[str]]) -> None:
    db, _ = rollup_db
    missing = {t for (t,) in query(fixture_db, "SELECT table_name FROM information_schema.tables "
                                               "WHERE table_schema = 'marts'")} - set(MARTS)
    assert not missing, f"marts not compared: {missing}"
    for table in MARTS:
        if table == "program_kpis":
            continue
        assert _rows(db, f"marts.{table}") == _rows(fixture_db, f"marts.{table}"), table
    kpis = "SELECT * EXCLUDE (rejected_row_count) FROM marts.program_kpis"
    assert query(db, kpis) == query(fixture_db, kpis)
    assert query(db, "SELECT rejected_row_count FROM marts.program_kpis") == [(0,)]
    assert query(fixture_db, "SELECT rejected_row_count FROM marts.program_kpis") == [(13,)]


def _pseudonymous_key(fixture_db: Path, issue_type: str, record_key: str) -> str:
    """What a province's record key becomes in the roll-up, which never saw a name, ID or birth date: a student
    key becomes `ID:<its rank among the province's keys, 10 digits><its keyed hash>` (ingest/pseudonym.py); the
    person key is the keyed hash of (the province's person key | the placeholder birth date | district)."""
    from ingest.pseudonym import PSEUDONYM_BIRTH_DATE
    from warehouse.secret import keyed_hash

    if issue_type == "possible_duplicate_person":
        return keyed_hash(f"{record_key}|{PSEUDONYM_BIRTH_DATE.isoformat()}|643", "person")
    match = re.search(r"(ID|NB):.*$", record_key)
    if match is None:
        return record_key
    keys = [k for (k,) in query(fixture_db, "SELECT student_key FROM intermediate.int_survey_rows UNION "
                                            "SELECT student_key FROM intermediate.int_handovers ORDER BY 1")]
    student_key = match.group(0)
    pseudonym = f"ID:{keys.index(student_key) + 1:010d}{keyed_hash(student_key, 'person').upper()}"
    return record_key[:match.start()] + pseudonym


def test_issues_are_the_same_groups(fixture_db: Path, rollup_db: tuple[Path, list[str]]) -> None:
    """The same findings; those keyed by a child carry the child's pseudonym, never the ID or the name."""
    sql = "SELECT issue_type, entity, record_key, detail FROM dq.issues"
    expected = [(t, e, _pseudonymous_key(fixture_db, t, k), d) for t, e, k, d in query(fixture_db, sql)]
    assert _rows(rollup_db[0], "dq.issues") and sorted(query(rollup_db[0], sql)) == sorted(expected)
    assert sum(a != b for a, b in zip(sorted(expected), sorted(query(fixture_db, sql)), strict=True)) == 3


def test_exports_carry_no_personal_column(fixture_db: Path, tmp_path: Path) -> None:
    """No full_name, student_id or date_of_birth column, and no fixture child's ID, name or birth date in any
    cell; in their place the keyed hash of the student key (the same for a child's survey rows and handovers)."""
    from tests.test_privacy import PERSONAL
    from warehouse.secret import keyed_hash

    assert run_cli("export", "--db", str(fixture_db), "--out", str(tmp_path)).returncode == 0
    for path in tmp_path.iterdir():
        frame = pl.read_parquet(path)
        assert not {"full_name", "student_id", "date_of_birth"} & set(frame.columns), path.name
        text = frame.cast(pl.String).rows()
        assert not [cell for row in text for cell in row if cell and any(v in cell for v in PERSONAL)], path.name
    survey = pl.read_parquet(tmp_path / "survey_66.parquet")
    handovers = pl.read_parquet(tmp_path / "handovers_66.parquet")
    assert "person_hash" in survey.columns and "person_hash" not in handovers.columns
    an = keyed_hash("ID:001234567890", "person")  # A: two survey rounds and handover H1 (twice)
    assert survey.filter(pl.col("student_key_hash") == an).height == 2
    assert handovers.filter(pl.col("student_key_hash") == an)["handover_id"].to_list() == ["H1", "H1"]
    giang = keyed_hash("NB:do van giang|2010-07-07|643", "person")  # G2, keyed by name: survey row and H4
    assert survey.filter(pl.col("student_key_hash") == giang).height == 1
    assert handovers.filter(pl.col("student_key_hash") == giang)["handover_id"].to_list() == ["H4", "H4"]


def test_parquet_cells_go_through_the_same_rules(tmp_path: Path) -> None:
    """Typed columns become text and are validated like a CSV's; a rejected row names row number + 1."""
    from ingest.load import load_folder

    pl.DataFrame({"school_code": ["S1", "S2", "S3"], "school_name": ["Trường A", "Trường B", "Trường C"],
                  "district_code": ["643", "643", "999"], "school_type": ["thcs", "Tiểu học", "thcs"],
                  "has_internet": [True, False, True], "extra": [1.5, 2.0, 3.0]}
                 ).write_parquet(tmp_path / "schools_1.parquet")
    pl.DataFrame({"survey_round": ["2022-H1", "2022-H1"], "full_name": ["Lê Văn A", "Lê Văn B"],
                  "date_of_birth": [date(2010, 1, 2), date(2011, 3, 4)], "school_code": ["S1", "S2"],
                  "grade": [6.0, 13.0], "household_status": ["ngheo", "khac"], "has_device": [False, True],
                  "has_internet": [True, True]}).write_parquet(tmp_path / "survey_1.parquet")
    con = duckdb.connect()
    report = load_folder(con, tmp_path, lambda _m: None)
    assert report.loaded["schools"] == 2 and report.loaded["survey"] == 1
    assert con.execute("SELECT school_type, has_internet FROM raw.schools ORDER BY school_code").fetchall() == \
        [("thcs", True), ("tieu_hoc", False)]
    assert con.execute("SELECT full_name, date_of_birth, grade FROM raw.survey").fetchall() == \
        [("Lê Văn A", date(2010, 1, 2), 6)]
    assert con.execute("SELECT source_file, source_line, column_name, value, reason_code FROM dq.rejected_rows "
                       "ORDER BY source_file").fetchall() == \
        [("schools_1.parquet", 4, "district_code", "999", "unknown_reference"),
         ("survey_1.parquet", 3, "grade", "13", "out_of_range")]


def test_pseudonymous_rows_are_read_back_as_keyed_students(tmp_path: Path) -> None:
    """A pseudonymous survey file: the student id is rank + hash, the name the person hash, the birth date the
    placeholder; one without its rank column is refused naming the file and the column (exit 2, not a traceback)."""
    from ingest.load import load_folder
    from ingest.pseudonym import PSEUDONYM_BIRTH_DATE
    from ingest.read import InputError

    pl.DataFrame({"school_code": ["S1"], "school_name": ["Trường A"], "district_code": ["643"],
                  "school_type": ["thcs"], "has_internet": [True]}).write_parquet(tmp_path / "schools_1.parquet")
    survey = pl.DataFrame({"survey_round": ["2022-H1"], "school_code": ["S1"], "grade": [6],
                           "household_status": ["ngheo"], "has_device": [False], "has_internet": [True],
                           "student_key_hash": ["ab" * 16], "student_key_rank": [7], "person_hash": ["cd" * 16]})
    survey.write_parquet(tmp_path / "survey_1.parquet")
    con = duckdb.connect()
    report = load_folder(con, tmp_path, lambda _m: None)
    assert report.loaded["survey"] == 1 and report.rejected["survey"] == 0
    assert con.execute("SELECT student_id, full_name, date_of_birth FROM raw.survey").fetchall() == \
        [("0000000007" + "ab" * 16, "cd" * 16, PSEUDONYM_BIRTH_DATE)]

    survey.drop("student_key_rank").write_parquet(tmp_path / "survey_1.parquet")
    with pytest.raises(InputError) as refused:
        load_folder(duckdb.connect(), tmp_path, lambda _m: None)
    assert str(refused.value) == ("survey_1.parquet, dòng/line 1: thiếu cột bắt buộc / missing required column(s): "
                                  "student_key_rank")
