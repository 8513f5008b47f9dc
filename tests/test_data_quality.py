"""Issue 4: the GX suites find every planted problem (fixture) and nothing on clean data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import REPO, query
from warehouse.refresh import refresh

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

CLEAN = REPO / "tests" / "fixtures" / "clean"


def test_failing_expectations_on_the_fixture(fixture_db: Path) -> None:
    failing = query(fixture_db, """SELECT suite, expectation_type, columns, unexpected_count
                                   FROM dq.expectation_results WHERE NOT success ORDER BY ALL""")
    assert failing == [
        ("donations.devices", "expect_column_pair_values_a_to_be_greater_than_b", "quantity, handovers", 1),  # DN2
        ("donations.received", "expect_compound_columns_to_be_unique",
         "donor_fold, received_on, form, amount_vnd, quantity", 2),                                  # DN6, DN7
        ("donations.versions", "expect_column_values_to_be_unique", "record_key", 2),                # DN1 ×2
        ("handovers.rows", "expect_column_values_to_be_in_set", "donation_found", 1),                # H6
        ("handovers.rows", "expect_column_values_to_be_in_set", "on_need_list", 2),                  # H6, H7
        ("handovers.rows", "expect_column_values_to_be_unique", "serial_number", 2),                 # H2, H5
        ("handovers.rows", "expect_column_values_to_be_unique", "student_key", 2),                   # H2, H3
        ("handovers.versions", "expect_column_values_to_be_unique", "record_key", 2),                # H1 ×2
        ("survey.people", "expect_compound_columns_to_be_unique", "name_fold, date_of_birth, district_code", 2),
        ("survey.rows", "expect_compound_columns_to_be_unique", "survey_round, student_key", 2),     # F ×2
    ]
    total, passed = query(fixture_db, "SELECT count(*), count(*) FILTER (WHERE success) FROM dq.expectation_results")[0]
    assert total >= 10 and passed == total - 10


def test_passing_expectations_on_the_fixture(fixture_db: Path) -> None:
    """Every rule that holds on the fixture, with the rows it looked at (dbt's dq.rule_counts, validated by GX)."""
    passing = query(fixture_db, """SELECT suite, expectation_type, columns, element_count, unexpected_count
                                   FROM dq.expectation_results WHERE success ORDER BY ALL""")
    assert passing == [
        ("coverage.points", "expect_column_values_to_be_in_set", "has_completed_on", 1, 0),  # the one covered point
        ("coverage.points", "expect_column_values_to_be_unique", "point_id", 4, 0),
        ("coverage.versions", "expect_column_values_to_be_unique", "record_key", 4, 0),
        ("donations.values", "expect_column_values_to_be_between", "amount_vnd", 7, 0),
        ("donations.values", "expect_column_values_to_be_between", "quantity", 7, 0),
        ("donations.values", "expect_column_values_to_be_unique", "donation_id", 7, 0),
        ("handovers.rows", "expect_column_values_to_be_unique", "handover_id", 7, 0),
        ("schools.rows", "expect_column_values_to_be_unique", "school_code", 4, 0),
        ("schools.rows", "expect_column_values_to_not_be_null", "district_code", 4, 0),
        ("schools.versions", "expect_column_values_to_be_unique", "record_key", 4, 0),
        ("survey.rows", "expect_column_values_to_not_be_null", "student_key", 13, 0),  # 14 rows, the copy once
        ("survey.values", "expect_column_values_to_be_between", "grade", 14, 0),
        ("survey.values", "expect_column_values_to_match_regex", "survey_round", 14, 0),
        ("survey.values", "expect_column_values_to_not_be_null", "full_name", 14, 0),
    ]
    # GX's verdict agrees with dbt's counts: a rule fails exactly when it found unexpected rows.
    assert query(fixture_db, "SELECT count(*) FROM dq.expectation_results "
                             "WHERE success <> (unexpected_count = 0)") == [(0,)]


def test_issue_keys_and_details(fixture_db: Path) -> None:
    rows = dict(query(fixture_db, "SELECT issue_type || ':' || record_key, detail FROM dq.issues"))
    assert rows["duplicate_serial:SN-1"] == "Số serial/IMEI xuất hiện ở 2 biên bản bàn giao"
    assert rows["duplicate_handover_student:ID:002222222222"].startswith("Một học sinh nhận 2 thiết bị")
    assert rows["duplicate_student_in_round:2022-H1|ID:004444444444"].endswith("(2 trường)")
    assert rows["possible_duplicate_donation:DN6, DN7"] == "Có thể ghi trùng một khoản ủng hộ: DN6, DN7"
    assert rows["donation_overdrawn:DN2"] == "Khoản ủng hộ 4 thiết bị nhưng có 5 lượt bàn giao"
    assert "handover_unknown_donation:H6" in rows and "conflicting_record:DN1" in rows
    shown = " ".join(rows.values())
    assert "Vũ Thị Phương" not in shown and "Đỗ Văn Giang" not in shown  # details carry no names


def test_data_docs_are_built_beside_the_warehouse(fixture_db: Path) -> None:
    docs = fixture_db.with_name(fixture_db.stem + "_data_docs")
    assert (docs / "index.html").is_file()
    assert (docs / "expectations" / "handovers" / "rows.html").is_file()
    assert "handovers.rows" in (docs / "index.html").read_text(encoding="utf-8")


def test_clean_province_has_no_issues(tmp_path: Path) -> None:
    db = tmp_path / "clean.duckdb"
    refresh(CLEAN, db, date(2023, 1, 15))  # the real refresh, in-process (its CLI: tests/test_refresh_cli.py)
    assert query(db, "SELECT count(*) FROM dq.issues") == [(0,)]
    assert query(db, "SELECT count(*) FROM dq.expectation_results WHERE NOT success") == [(0,)]
    # the expectations ran (a clean province passes them, it does not skip them): one result per rule
    assert query(db, "SELECT count(*), count(DISTINCT suite), sum(unexpected_count) "
                     "FROM dq.expectation_results") == [(24, 13, 0)]
    # The identical copy of the survey file counts once: 3 students, 2 supported.
    assert query(db, "SELECT students_identified, students_supported, dq_issue_count, rejected_row_count "
                     "FROM marts.program_kpis") == [(3, 2, 0, 0)]


def test_fuzzy_duplicate_person_is_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`Nguyen An` born 05/01 is probably `Nguyễn Văn An` born 01/05: flagged, but §5's counts stay zero. The pair's
    key is the keyed hash of its two student keys under the install secret (issue 21 point 5; moved here from
    tests/test_privacy.py, which refreshed the same folder again for it, under the same other secret)."""
    import shutil

    from tests.test_privacy import OTHER_SECRET
    from warehouse.secret import keyed_hash

    source = tmp_path / "src"
    shutil.copytree(CLEAN, source)
    (source / "survey_2022-H2.csv").write_text(
        "survey_round,full_name,date_of_birth,school_code,grade,household_status,has_device,has_internet\n"
        "2022-H2,Nguyen An,2010-01-05,TH01,5,ngheo,false,false\n", encoding="utf-8")
    db = tmp_path / "fuzzy.duckdb"
    monkeypatch.setenv("SVMT_SECRET", OTHER_SECRET)  # a secret other than the install's: the key must follow it
    printed = refresh(source, db, date(2023, 1, 15)).render() + "\n"  # what the CLI prints (test_refresh_cli.py)
    # the CLI counts as program_kpis does (§5's types), and tells the fuzzy ones apart
    assert "data-quality issues: 0\n" in printed
    assert "possible fuzzy duplicates: 1 (not counted above)" in printed
    rows = query(db, "SELECT issue_type, detail, source_file, source_line FROM dq.issues")
    assert rows == [("possible_duplicate_person_fuzzy",
                     "Có thể là một học sinh (độ giống tên 100 %, ngày và tháng sinh đảo nhau, huyện 643)",
                     "survey_2022-H2.csv", 2)]
    assert query(db, "SELECT dq_issue_count FROM marts.program_kpis") == [(0,)]
    keys = query(db, "SELECT student_key FROM intermediate.int_survey_rows WHERE name_fold LIKE 'nguyen%an' "
                     "ORDER BY student_key")
    assert len(keys) == 2
    pair = f"{keys[0][0]}|{keys[1][0]}"
    assert query(db, "SELECT issue_type, record_key FROM dq.issues") == \
        [("possible_duplicate_person_fuzzy", keyed_hash(pair, "person"))]
