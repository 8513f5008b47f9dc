"""Issue 21 point 5: leaders and analysts read views without personal columns; masks are made in SQL.

The fixture children (names, IDs, birth dates) are read from the fixture CSVs themselves, so a child added there is
checked too.
"""

from __future__ import annotations

import csv
import re
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURE, app_as, query
from tests.test_scope import page_texts

PERSONAL_COLUMN = re.compile(r"full_name|student_id|date_of_birth|student_key|name_fold|birth|record_no|serial",
                             re.IGNORECASE)
PAGES = {"lanh_dao": ["overview", "dia_ban", "nguon_luc", "phu_song", "bao_cao_thang"],
         "phan_tich": ["overview", "dia_ban", "nguon_luc", "phu_song", "chat_luong_du_lieu", "bao_cao_thang",
                       "kham_pha", "phan_bo"]}


def _iso(text: str) -> str | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def fixture_children() -> tuple[set[str], set[str], set[str]]:
    """(full names, 12-digit IDs, ISO birth dates) of every child in the fixture's survey and handover files."""
    names, ids, births = set(), set(), set()
    for path in sorted(FIXTURE.glob("*.csv")):
        if not path.name.startswith(("survey", "handovers")):
            continue
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if (row.get("full_name") or "").strip():
                    names.add(" ".join(row["full_name"].split()))
                digits = re.sub(r"[\s-]", "", row.get("student_id") or "")
                if len(digits) == 12:
                    ids.add(digits)
                if (born := _iso((row.get("date_of_birth") or "").strip())) is not None:
                    births.add(born)
    return names, ids, births


def test_fixture_children_are_read() -> None:
    names, ids, births = fixture_children()
    assert {"Nguyễn Văn An", "Trần Thị Bình", "Lý Thị Ngoài"} <= names
    assert {"001234567890", "007777777777"} <= ids  # "0077-7777 7777" as written
    assert {"2010-05-01", "2009-02-03"} <= births  # "03/02/2009" as written


def test_reporting_schema_has_no_personal_column_or_value(fixture_db: Path) -> None:
    names, ids, births = fixture_children()
    relations = [r[0] for r in query(fixture_db, "SELECT table_name FROM information_schema.tables "
                                                 "WHERE table_schema = 'reporting' ORDER BY 1")]
    assert {"need_vs_supply", "program_kpis", "monthly_progress", "coverage_by_district", "dq_issues",
            "rejected_rows", "allocation_queue", "progress_by_district_month", "districts"} <= set(relations)
    con = duckdb.connect(str(fixture_db), read_only=True)
    try:
        for relation in relations:
            cur = con.execute(f"SELECT * FROM reporting.{relation}")
            columns = [d[0] for d in cur.description]
            assert not [c for c in columns if PERSONAL_COLUMN.search(c)], relation
            for row in cur.fetchall():
                for value in row:
                    text = str(value)
                    assert text not in names and text not in births, (relation, text)
                    assert not any(i in text for i in ids), (relation, text)
    finally:
        con.close()


def test_dq_views_mask_in_sql(fixture_db: Path) -> None:
    keys = {r[0] for r in query(fixture_db, "SELECT record_key FROM reporting.dq_issues")}
    assert {"ID:*********222", "2022-H1|ID:*********444"} <= keys  # D's two handovers; F twice in 2022-H1
    assert {"SN-1", "DN2", "H6"} <= keys  # ids of things, not of children, stay
    rejected = dict(query(fixture_db, "SELECT source_line, value FROM reporting.rejected_rows "
                                      "WHERE source_file = 'survey_2022-H1.csv'"))
    assert rejected[14] == "**/**/****" and rejected[11] == "15"  # 31/02/2010 masked; a grade is no personal value
    located = dict(query(fixture_db, "SELECT record_key, district_code FROM reporting.dq_issues "
                                     "WHERE issue_type IN ('duplicate_handover_student', 'duplicate_serial')"))
    assert located == {"ID:*********222": "644", "SN-1": "652"}  # LC01 → 644; SN-1 last on H5 at THPT01 → 652


def test_name_keys_and_values_masked(fixture_db: Path, tmp_path: Path) -> None:
    """Keys made of a name (NB:) and rejected names/IDs, added to a copy: initials, no birth date, 3 digits."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(fixture_db, db)
    con = duckdb.connect(str(db))
    try:
        con.execute("INSERT INTO dq.issues VALUES ('duplicate_student_in_round', 'survey', "
                    "'2022-H1|NB:nguyen thi thu ha|2010-05-01|643', 'x', 'survey_2022-H1.csv', 3), "
                    "('duplicate_handover_student', 'handovers', 'ID:AB12', 'x', 'handovers.csv', 2)")
        con.execute("INSERT INTO dq.rejected_rows VALUES "
                    "('survey', 'survey_x.csv', 2, 'full_name', 'Nguyễn Thị Thu Hà', 'r', 'missing'), "
                    "('survey', 'survey_x.csv', 3, 'student_id', '001234567890', 'r', 'unparsable')")
        keys = {r[0] for r in con.execute("SELECT record_key FROM reporting.dq_issues").fetchall()}
        values = dict(con.execute("SELECT source_line, value FROM reporting.rejected_rows "
                                  "WHERE source_file = 'survey_x.csv'").fetchall())
        officer = {r[0] for r in con.execute("SELECT record_key FROM dq.issues_located").fetchall()}
    finally:
        con.close()
    assert "2022-H1|NB:N. T. T. H.|****|643" in keys
    assert "ID:****" in keys  # a short school-issued code shows no digit at all
    assert values == {2: "N. T. T. H.", 3: "*********890"}
    assert "2022-H1|NB:nguyen thi thu ha|2010-05-01|643" in officer


@pytest.mark.parametrize("role", ["lanh_dao", "phan_tich"])
def test_no_personal_value_on_any_page(monkeypatch: pytest.MonkeyPatch, fixture_db: Path, role: str) -> None:
    monkeypatch.setenv("SVMT_DB", str(fixture_db))
    names, ids, births = fixture_children()
    for page in PAGES[role]:
        at = app_as(role).run()
        if page != "overview":
            at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.message for e in at.exception])
        text = "\n".join(page_texts(at))
        assert at.metric or at.dataframe, page
        for secret in (*names, *ids, *births):
            assert secret not in text, (role, page, secret)


def test_data_officer_reads_unmasked_rows(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    monkeypatch.setenv("SVMT_DB", str(fixture_db))
    at = app_as("can_bo_du_lieu").run()
    at.switch_page("pages/chat_luong_du_lieu.py").run()
    assert not at.exception
    assert {"ID:002222222222", "2022-H1|ID:004444444444"} <= set(at.dataframe[0].value["Mã bản ghi"])
    assert "31/02/2010" in set(at.dataframe[1].value["Giá trị"])
    analyst = app_as("phan_tich").run()
    analyst.switch_page("pages/chat_luong_du_lieu.py").run()
    assert "ID:*********222" in set(analyst.dataframe[0].value["Mã bản ghi"])
    assert "**/**/****" in set(analyst.dataframe[1].value["Giá trị"])


def test_figures_unchanged_through_the_views(fixture_db: Path) -> None:
    """reporting.* are the marts as they are: same rows (the figures the app showed before stay identical)."""
    con = duckdb.connect(str(fixture_db), read_only=True)
    try:
        for name in ("program_kpis", "need_vs_supply", "monthly_progress", "coverage_by_district", "need_by_month"):
            marts = con.execute(f"SELECT * FROM marts.{name} ORDER BY ALL").fetchall()
            assert marts and con.execute(f"SELECT * FROM reporting.{name} ORDER BY ALL").fetchall() == marts
    finally:
        con.close()


def test_data_layer_refuses_raw_and_unmasked_relations(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    """app/data.py decides what a role reads: raw / intermediate / marts never, dq.issues only for data officers."""
    import streamlit as st

    from app import data

    monkeypatch.setenv("SVMT_DB", str(fixture_db))
    st.session_state["roles"] = ["phan_tich"]
    try:
        for sql in ("SELECT * FROM raw.survey", "SELECT * FROM intermediate.int_handovers",
                    "SELECT * FROM marts.need_vs_supply", "SELECT * FROM dq.issues",
                    "SELECT * FROM dq.rejected_rows_located"):
            with pytest.raises(PermissionError):
                data.query(sql)
        assert data.relation("dq_issues") == "reporting.dq_issues"
        assert len(data.query("SELECT * FROM reporting.dq_issues")) == 11
        st.session_state["roles"] = ["can_bo_du_lieu"]
        assert data.relation("dq_issues") == "dq.issues_located"
        assert len(data.query("SELECT * FROM dq.issues_located")) == 11
        with pytest.raises(PermissionError):
            data.query("SELECT * FROM raw.survey")
    finally:
        del st.session_state["roles"]
