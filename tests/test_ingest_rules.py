"""SPEC §4.1 value rules, cell by cell, through the real validator SQL in DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.read import LINE
from ingest.validate import INVISIBLE, WS, create_tables, load_kind, sql_normalise


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_tables(con)
    districts = pl.DataFrame({"district_code": ["643", "652", "999x"],
                              "district_name": ["Thành phố Buôn Ma Thuột", "Huyện Krông Bông", "Thành phố Hoà Bình"],
                              "province_code": ["66", "66", "17"], "province_name": ["Đắk Lắk", "Đắk Lắk", "Hoà Bình"]})
    load_kind(con, "districts", _frame(districts))
    return con


def _frame(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.lit("f.csv").alias("source_file"), pl.lit(1).alias("file_rank"),
                           pl.int_range(2, df.height + 2, dtype=pl.Int64).alias(LINE))


def _schools(con: duckdb.DuckDBPyConnection, **columns: list[str | None]) -> None:
    n = len(next(iter(columns.values())))
    base = {"school_code": [f"S{i}" for i in range(n)], "school_name": ["Trường"] * n, "school_type": ["thcs"] * n,
            "has_internet": ["có"] * n}
    load_kind(con, "schools", _frame(pl.DataFrame(base | columns)))


def test_district_named_instead_of_coded(con: duckdb.DuckDBPyConnection) -> None:
    names = ["TP. Buôn Ma Thuột", "H. Krông Bông", "Huyện Krông Bông", "Krong Bong", "Hoà Bình", "Huyện Ma"]
    _schools(con, district_name=names)
    assert con.execute("SELECT district_code FROM raw.schools ORDER BY source_line").fetchall() == [
        ("643",), ("652",), ("652",), ("652",), ("999x",)]
    assert con.execute("SELECT source_line, column_name, value, reason_code FROM dq.rejected_rows").fetchall() == [
        (7, "district_name", "Huyện Ma", "unknown_reference")]


@pytest.mark.parametrize(("written", "expected"), [
    ("1.234.567", 1234567), ("1,234,567", 1234567), ("1 234 567", 1234567), ("  42 ", 42), ("0", 0)])
def test_amount_separators(con: duckdb.DuckDBPyConnection, written: str, expected: int) -> None:
    frame = pl.DataFrame({"donation_id": ["D1"], "donor_name": ["A"], "donor_type": ["Cá nhân"], "form": ["Tiền mặt"],
                          "received_on": ["2022-01-02"], "amount_vnd": [written]})
    assert load_kind(con, "donations", _frame(frame)) == (1, 0)
    assert con.execute("SELECT amount_vnd, status, donor_type, form FROM raw.donations").fetchall() == [
        (expected, "da_nhan", "ca_nhan", "tien_mat")]


@pytest.mark.parametrize("written", ["1.5", "12,34", "1.2345", "abc", "-5", "99999999999999999999999"])
def test_bad_amounts_are_rejected(con: duckdb.DuckDBPyConnection, written: str) -> None:
    frame = pl.DataFrame({"donation_id": ["D1"], "donor_name": ["A"], "donor_type": ["ca_nhan"], "form": ["tien_mat"],
                          "received_on": ["2022-01-02"], "amount_vnd": [written]})
    assert load_kind(con, "donations", _frame(frame)) == (0, 1)
    reason = "out_of_range" if written == "-5" else "unparsable"
    assert con.execute("SELECT column_name, value, reason_code FROM dq.rejected_rows").fetchall() == [
        ("amount_vnd", written, reason)]


def test_rounds_dates_booleans_and_ids(con: duckdb.DuckDBPyConnection) -> None:
    _schools(con, district_code=["643"])
    frame = pl.DataFrame({
        "survey_round": ["2022-H1", "H2/2022", "Đợt 1/2023", "đợt 2/2021"],
        "student_id": ["0012-3456 7890", None, " ab-12 ", ""],
        "full_name": ["Nguyễn  Văn   An", "Lê Thị B", "C", "D"],
        "date_of_birth": ["2010-05-01", "1/5/2010", "01-05-2010", "2010-05-01 00:00:00"],
        "school_code": ["S0"] * 4, "household_status": ["Hộ nghèo", "HỘ CẬN NGHÈO", "Khó khăn do COVID-19", "khac"],
        "has_device": ["không", "KHONG", "0", "false"], "has_internet": ["có", "x", "Yes", "1"],
    })
    assert load_kind(con, "survey", _frame(frame)) == (4, 0)
    assert con.execute("""SELECT survey_round, student_id, full_name, date_of_birth, household_status, has_device,
                                 has_internet, covid_orphan FROM raw.survey ORDER BY source_line""").fetchall() == [
        ("2022-H1", "001234567890", "Nguyễn Văn An", date(2010, 5, 1), "ngheo", False, True, False),
        ("2022-H2", None, "Lê Thị B", date(2010, 5, 1), "can_ngheo", False, True, False),
        ("2023-H1", "ab12", "C", date(2010, 5, 1), "kho_khan_covid", False, True, False),
        ("2021-H2", None, "D", date(2010, 5, 1), "khac", False, True, False),
    ]


def test_fast_paths_agree_with_the_general_rules() -> None:
    """The validator's shortcuts (exact label spellings, already-normal text) give what the general rules give."""
    from ingest.contract import BOOL_FALSE, BOOL_TRUE, CONTRACT, enum_map, fold_key
    from ingest.validate import ALREADY_NORMAL, WELL_SPACED, exact_spellings, sql_fold_key

    con = duckdb.connect()
    labels = {text: None for text in (*BOOL_TRUE, *BOOL_FALSE)}
    for kind in CONTRACT.values():
        for col in kind.columns:
            if col.enum is not None:
                labels |= {text: None for code, written in col.enum.labels.items() for text in (code, *written)}
                assert set(enum_map(col.enum)) >= {fold_key(t) for t in col.enum.labels}
    spellings = list(exact_spellings(labels))
    folded = con.execute(f"SELECT {sql_fold_key('s')} FROM unnest(?) AS t(s)", [spellings]).fetchall()
    assert [f for (f,) in folded] == [fold_key(s) for s in spellings]

    texts = ["abc", "a b", " a", "a ", "a  b", "a\tb", "Hà Nội", "Ha\u0300 No\u0323i", "x\u200by", "\u00a0a",
             "", " ", "2021-H1", "1.234.567", "a\u202eb", "A-1_b", "~!", "a\nb", " Khó khăn do COVID-19 ",
             "  không", "có  ", "\u2003x", "x\u3000", " \u0301a", "Đợt 1/2022 "]
    rows = con.execute(f"SELECT {sql_normalise('s')}, {FULL_NORMALISE}, regexp_matches(s, '{ALREADY_NORMAL}'), "
                       f"regexp_matches(s, '{WELL_SPACED}') FROM unnest(?) AS t(s)", [texts]).fetchall()
    assert [r[0] for r in rows] == [r[1] for r in rows]
    assert sum(r[2] for r in rows) >= 5  # the shortcut is taken for the plain ones
    assert rows[18][0] == "Khó khăn do COVID-19" and rows[18][3] and not rows[5][3]  # padded Vietnamese; a tab


# The general normalisation (SPEC §4.1), which sql_normalise's shortcuts must reproduce exactly.
FULL_NORMALISE = f"nullif(regexp_replace(regexp_replace(regexp_replace(nfc_normalize(s), '{INVISIBLE}', '', 'g'), " \
                 f"'^{WS}+|{WS}+$', '', 'g'), '{WS}+', ' ', 'g'), '')"
TRICKY = [" ", "  ", "a", "Z", "1", "/", "ộ", "e\u0301", "\u0301", "\u00a0", "\u200b", "\ufeff", "\t", "\r\n", "Đ",
          "\u202e", "\u2003", "\u3000", "-", "."]


@pytest.fixture(scope="module")
def normalise_both() -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """One in-memory connection and the query for every example (a connection each made 300 of them, ~40 s)."""
    con = duckdb.connect()
    yield con, f"SELECT {sql_normalise('s')}, {FULL_NORMALISE} FROM unnest(?) AS t(s)"
    con.close()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(TRICKY), max_size=8).map("".join), min_size=1, max_size=50))
def test_normalise_shortcuts_equal_the_general_rule(normalise_both: tuple[duckdb.DuckDBPyConnection, str],
                                                    texts: list[str]) -> None:
    """Any mix of spaces, other whitespace, invisible controls, combining marks and letters normalises the same
    through sql_normalise's shortcuts as through the general rule."""
    con, sql = normalise_both
    rows = con.execute(sql, [texts]).fetchall()
    assert [r[0] for r in rows] == [r[1] for r in rows]


@pytest.mark.parametrize(("payload", "lines"), [
    # quoted cells without newlines, a blank line, no final newline: one line per record
    (b'a,b\n"1","x"\n\n"2","y"', [2, 3, 4]),
    # a quoted cell spanning two lines: the records after it are one line further down
    (b'a,b\r\n"1","x\r\nstill x"\r\n"2","y"\r\n\r\n3,z\r\n', [2, 4, 5, 6]),
    (b'a,b\n1,"x\ny\nz"\n2,w\n', [2, 5]),
])
def test_line_of_each_record(payload: bytes, lines: list[int]) -> None:
    """The line a person sees in the file, blank lines and newlines inside quoted cells counted."""
    from ingest.read import _read_csv

    frame, _encoding, _delimiter = _read_csv(payload, "x.csv")
    assert frame[LINE].to_list() == lines


@pytest.mark.parametrize(("column", "written", "expected"), [
    *(("survey_round", w, e) for w, e in [
        ("Đợt 1/2022", "2022-H1"), ("ĐỢT 1 năm 2023", "2023-H1"), ("Đợt thứ 2/2022", "2022-H2"),
        ("HK1/2022", "2022-H1"), ("h2-2021", "2021-H2"),  # spellings the common-form shortcut reads without folding
        ("Dot thu 1/2022", "2022-H1"), ("ĐỢT THỨ 2 - 2021", "2021-H2"), ("2022 - h2", "2022-H2"),  # folded rule only
        ("Đợt 3/2022", None), ("H1/22", None), ("Đợt 1/20222", None)]),
    *(("date_of_birth", w, e) for w, e in [
        ("2014-06-25", date(2014, 6, 25)), ("2014-06-25 00:00:00", date(2014, 6, 25)),  # ISO / Excel-cell shortcut
        ("2014-02-30", None), ("2014-02-30 00:00:00", None),
        ("25/06/2014", date(2014, 6, 25)), ("1/5/2010", date(2010, 5, 1)), ("01-05-2010", date(2010, 5, 1)),
        ("2010-05-01 13:45:00", date(2010, 5, 1)), ("2014-6-5", date(2014, 6, 5)), ("20140625", None)]),
])
def test_spellings(column: str, written: str, expected: object) -> None:
    """Rounds and dates as offices write them, through the shortcuts and through the general rules."""
    from ingest.contract import CONTRACT
    from ingest.validate import _parse

    parsed = _parse(CONTRACT["survey"].column(column), "v")
    assert duckdb.connect().execute(f"SELECT {parsed} FROM (SELECT ?::VARCHAR AS v)",
                                    [written]).fetchone()[0] == expected
