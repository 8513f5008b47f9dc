"""The rule macros rendered outside dbt give the same values dbt's models compute (ingest/rules.py)."""

import duckdb

from ingest.rules import sql


def test_fold_and_student_key_render_to_the_spec_values():
    con = duckdb.connect()
    row = con.execute(f"""
        SELECT {sql('fold', 'n')}, {sql('student_key', 'i', 'n', 'd', 'c')},
               {sql('student_key', "'hs-01'", 'n', 'd', 'c')}
        FROM (SELECT '  Nguyễn   Thị\tĐào ' AS n, NULL::VARCHAR AS i, DATE '2012-03-04' AS d, '644' AS c)""").fetchone()
    assert row == ("nguyen thi dao", "NB:nguyen thi dao|2012-03-04|644", "ID:HS-01")


def test_fixture_student_keys_equal_the_warehouse(fixture_db):
    """Every key dbt built for the fixture's survey rows is what the rendered macro gives on the same rows."""
    con = duckdb.connect(str(fixture_db), read_only=True)
    mismatches = con.execute(f"""
        SELECT count(*) FROM intermediate.int_survey_rows AS r
        WHERE r.student_key <> {sql('student_key', 'r.student_id', 'r.full_name', 'r.date_of_birth', 'r.district_code')}
           OR r.name_fold <> {sql('fold', 'r.full_name')}""").fetchone()[0]
    total = con.execute("SELECT count(*) FROM intermediate.int_survey_rows").fetchone()[0]
    assert (mismatches, total > 0) == (0, True)
