"""Beyond one machine: the marts build from per-province Parquet exports as they do from the CSVs.

The fixture province is refreshed from its CSVs (conftest's fixture_db), exported with
`python -m warehouse export` (one Parquet file per kind, canonical columns, load order kept) and
refreshed again from that folder alone. Every mart must come out identical; only the rejected rows
stay behind (they were never accepted, so a province does not send them up).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import AS_OF, query, run_cli

MARTS = ["program_kpis", "need_vs_supply", "monthly_progress", "coverage_by_district", "donations_by_donor_type",
         "reporting_completeness", "need_by_school", "coverage_points", "donated_devices", "donor_honour_roll",
         "allocation_stock", "allocation_queue", "allocation_proposal", "allocation_by_school", "need_by_month",
         "progress_by_district_month"]


@pytest.fixture(scope="module")
def rollup_db(fixture_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    exports = tmp_path_factory.mktemp("exports")
    result = run_cli("export", "--db", str(fixture_db), "--out", str(exports))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in exports.iterdir())
    db = tmp_path_factory.mktemp("national") / "national.duckdb"
    result = run_cli("refresh", "--source", str(exports), "--db", str(db), "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
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


def test_issues_are_the_same_groups(fixture_db: Path, rollup_db: tuple[Path, list[str]]) -> None:
    sql = "SELECT issue_type, entity, record_key, detail FROM dq.issues"
    assert _rows(rollup_db[0], "dq.issues") and sorted(query(rollup_db[0], sql)) == sorted(query(fixture_db, sql))


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
