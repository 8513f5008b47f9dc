"""The reader never crashes: every input ends as loaded rows, rejected rows with a reason, or a clean InputError."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.contract import CONTRACT
from ingest.load import load_folder
from ingest.read import InputError

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

SCHOOLS = "school_code,school_name,district_code,school_type,has_internet\nTH01,Trường A,643,tieu_hoc,true\n"
DISTRICTS = "district_code,district_name,province_code,province_name\n643,Thành phố Buôn Ma Thuột,66,Đắk Lắk\n"
SURVEY_COLUMNS = [c.name for c in CONTRACT["survey"].columns] + ["ghi_chu"]
cells = st.one_of(st.text(max_size=12), st.sampled_from(["", "true", "có", "2022-H1", "H1/2022", "TH01", "ngheo",
                                                          "31/12/2010", "1.234", "x", "=1+1", "0"]))


def _load(folder: Path) -> tuple[int, int]:
    con = duckdb.connect()
    report = load_folder(con, folder, lambda _m: None)
    loaded = con.execute("SELECT count(*) FROM raw.survey").fetchall()[0][0]
    rejected = con.execute("SELECT count(*) FROM dq.rejected_rows WHERE kind = 'survey' AND reason_code IS NOT NULL "
                           "AND column_name IS NOT NULL").fetchall()[0][0]
    assert loaded == report.loaded["survey"] and rejected == report.rejected["survey"]
    return loaded, rejected


def _folder(tmp_path: Path, survey: bytes) -> Path:
    folder = tmp_path
    (folder / "districts.csv").write_text(DISTRICTS, encoding="utf-8")
    (folder / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    (folder / "survey.csv").write_bytes(survey)
    return folder


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_random_bytes(tmp_path_factory, data: bytes) -> None:
    folder = _folder(tmp_path_factory.mktemp("b"), data)
    try:
        _load(folder)
    except InputError as exc:
        assert exc.file == "survey.csv" and exc.reason


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(SURVEY_COLUMNS), rows=st.lists(st.lists(cells, min_size=13, max_size=13), max_size=6))
def test_random_cells_and_header_orders(tmp_path_factory, order: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(order)
    writer.writerows(rows)
    folder = _folder(tmp_path_factory.mktemp("c"), buf.getvalue().encode("utf-8"))
    # a well-formed file with every contract column: no cell, however bad, may stop the load (no InputError)
    loaded, rejected = _load(folder)
    known = [i for i, name in enumerate(order) if name != "ghi_chu"]  # an unknown column is not read
    non_blank = sum(1 for r in rows if any(r[i].strip() for i in known))
    assert loaded + rejected == non_blank


def test_first_refused_file_in_load_order_is_reported(tmp_path: Path) -> None:
    """The readers run ahead of validation (a later kind's file may be read first); the error is still the first
    refused file in load order, and with that file fixed the later one is reported."""
    survey_header = ",".join(c for c in SURVEY_COLUMNS if c != "household_status")  # a required column missing
    folder = _folder(tmp_path, (survey_header + "\n").encode("utf-8"))
    (folder / "donations.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    for _ in range(3):  # the order of the readers' work varies from run to run; the reported file must not
        with pytest.raises(InputError) as refused:
            _load(folder)
        assert refused.value.file == "survey.csv" and "household_status" in refused.value.reason
    (folder / "survey.csv").write_text(",".join(SURVEY_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        _load(folder)
    assert refused.value.file == "donations.csv" and "binary" in refused.value.reason
