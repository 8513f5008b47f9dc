"""Workbook bombs (issue 21, point 8): refused by measuring while inflating, parsed only in a bounded child.

The bombs (tests/bombs.py) are a 1 MB file whose sheet inflates to 336 MB, once with honest declared sizes
and once declaring 2.000 bytes, and a 1,5 KB "sparse" sheet whose two cells, A1 and XFD1048576, make
calamine ask for 512 GB at once (an abort of the whole process when parsed in-process).
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import fastexcel
import polars as pl
import pytest

from ingest import workbook
from ingest.contract import CONTRACT, fold_key, header_map
from ingest.preview import Upload, preview
from ingest.read import LINE, InputError, read_file
from ingest.zipcheck import MAX_MEMBERS, WorkbookRefused, check_workbook
from tests.bombs import BOMB_MB, PARTS, ROW, SHEET, bomb, book, lie, sheet, sparse
from tests.conftest import AS_OF, FIXTURE, REPO
from tests.messy import write_shape
from warehouse import upload

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it


def _refusal(data: bytes) -> WorkbookRefused:
    with pytest.raises(WorkbookRefused) as refused:
        check_workbook(io.BytesIO(data))
    return refused.value


# --- the streaming check --------------------------------------------------------------------------------

def test_bombs_are_refused_by_measured_size_whatever_they_declare() -> None:
    honest, lying = bomb(), lie(bomb(), SHEET, 2000)
    assert len(honest) < 1 << 20
    assert zipfile.ZipFile(io.BytesIO(honest)).getinfo(SHEET).file_size > BOMB_MB << 20
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo(SHEET).file_size == 2000  # what the old check summed
    for data in (honest, lying):
        refused = _refusal(data)
        assert refused.code == "size" and "zip bomb" in str(refused), refused
    # Python's own reader stops at the declared size and raises: the check above never relied on it
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(lying)).read(SHEET)


def test_forged_sizes_encryption_nesting_and_member_count_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    small = book(sheet(ROW * 50))
    real = zipfile.ZipFile(io.BytesIO(small)).getinfo(SHEET).file_size
    forged = _refusal(lie(small, SHEET, 100))
    assert forged.code == "xlsx"
    assert f"declares 100 bytes but inflates to {real:,}" in str(forged)
    assert "encrypted" in str(_refusal(lie(small, SHEET, real, flags=0x1)))
    assert "nested archive ('xl/embeddings/inner.zip')" in str(_refusal(book(sheet(""), {
        "xl/embeddings/inner.zip": b"x"})))
    assert "nested archive ('xl/media/image1.png')" in str(_refusal(book(sheet(""), {
        "xl/media/image1.png": small})))  # a zip by its content, whatever its name
    many = _refusal(book(sheet(""), {f"xl/x{i}.xml": b"<x/>" for i in range(MAX_MEMBERS)}))
    assert f"has {MAX_MEMBERS + len(PARTS) + 1:,} parts" in str(many)
    assert _refusal(b"PK not really a zip").code == "type"
    assert check_workbook(io.BytesIO(small)) == [*PARTS, SHEET]
    # the absolute limit is a setting: 0,001 MB refuses even this 3 KB sheet
    monkeypatch.setenv("SVMT_XLSX_MAX_INFLATED_MB", "0.001")
    assert _refusal(small).code == "size"


# --- refresh ---------------------------------------------------------------------------------------------

PEAK = """import resource, subprocess, sys
result = subprocess.run(sys.argv[2:])
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(result.returncode)
"""


@pytest.mark.parametrize(("make", "reason"), [
    (bomb, "zip bomb"), (lambda: lie(bomb(), SHEET, 2000), "zip bomb"), (sparse, "memory limit")],
    ids=["honest_sizes", "lying_sizes", "sparse_cells"])
def test_refresh_refuses_a_bomb_with_exit_2_within_1_gb(tmp_path: Path, fixture_db: Path, make, reason: str) -> None:
    source = tmp_path / "source"
    shutil.copytree(FIXTURE, source)
    (source / "survey_bomb.xlsx").write_bytes(make())
    db = tmp_path / "wh.duckdb"
    shutil.copy(fixture_db, db)
    before = db.read_bytes()
    peak = tmp_path / "peak_kb"
    result = subprocess.run([sys.executable, "-c", PEAK, str(peak), sys.executable, "-m", "warehouse", "refresh",
                             "--source", str(source), "--db", str(db), "--as-of", AS_OF],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 2, result.stderr
    assert "survey_bomb.xlsx" in result.stderr and reason in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before
    assert int(peak.read_text()) < 1 << 20  # KiB: the largest process of the refresh (its children included)


# --- the upload page ------------------------------------------------------------------------------------

def test_upload_preview_refuses_bombs_and_the_dashboard_process_stays_small(fixture_db: Path) -> None:
    honest, lying = bomb(), lie(bomb(), SHEET, 2000)
    for data in (honest, lying):
        with pytest.raises(upload.UploadRefused) as refused:
            upload.inspect_xlsx("survey_bomb.xlsx", data)
        assert refused.value.code == "size"
        assert str(refused.value).startswith("survey_bomb.xlsx: bảng tính giải nén vượt giới hạn")
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reports = preview([Upload("survey_bomb.xlsx", honest), Upload("survey_lie.xlsx", lying),
                       Upload("survey_sparse.xlsx", sparse())], fixture_db)
    assert [r.refused.split(": ", 1)[0] for r in reports] == ["survey_bomb.xlsx", "survey_lie.xlsx",
                                                              "survey_sparse.xlsx"]
    assert "zip bomb" in reports[0].refused and "zip bomb" in reports[1].refused
    assert "exceeds the 1024 MB memory limit" in reports[2].refused and "SIGABRT" in reports[2].refused
    # parsed in-process, the sparse sheet would have aborted this process; the bombs add nothing to its peak
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - grown < 64 << 10


# --- legitimate workbooks and the limits ----------------------------------------------------------------

def test_a_legitimate_workbook_reads_the_same_rows_as_in_process(tmp_path: Path) -> None:
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(FIXTURE / "survey_2022-H1.csv", one)
    write_shape(one, tmp_path / "xlsx", "xlsx")
    path = tmp_path / "xlsx" / "survey_2022-H1.xlsx"
    with workbook.readers():
        table = read_file(path, "survey")
    known = header_map(CONTRACT["survey"])
    batch = fastexcel.read_excel(path.read_bytes()).load_sheet(  # the reader before this change, in-process
        0, header_row=0, dtypes="string", eager=True, use_columns=lambda c: fold_key(c.name) in known)
    before = pl.from_arrow(batch)
    assert isinstance(before, pl.DataFrame)
    mapping = table.header_mapping
    expected = before.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64)).select(
        [pl.col(h).alias(c) for h, c in mapping.items()] + [pl.col(LINE)])
    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in mapping.values())
    assert table.frame.equals(expected.filter(~blank))
    # 15 data lines, line 12 blank (skipped, still counted); the last row has no name
    assert table.frame[LINE].to_list() == [*range(2, 12), *range(13, 17)]
    first, last = table.frame.row(0, named=True), table.frame.row(-1, named=True)
    assert (first["full_name"], first["student_id"], first["date_of_birth"]) == (
        "Nguyễn Văn An", " 001234567890 ", "2010-05-01 00:00:00")
    assert (last["full_name"], last["student_id"], last["grade"]) == ("", " 009999999994 ", "20")


def test_a_parse_over_the_memory_or_time_limit_is_refused_cleanly(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "survey_wide.xlsx"
    path.write_bytes(sparse(1200))  # 16.384 × 1.200 cells: ≈ 630 MB for calamine, within the default 1 GB
    with workbook.readers():
        frame = workbook.read_table(path, "survey")
    assert frame.columns == ["Họ và tên"] and frame.height == 1199 and frame["Họ và tên"].null_count() == 1199
    monkeypatch.setenv("SVMT_XLSX_MAX_MEMORY_MB", "600")
    with workbook.readers(), pytest.raises(InputError) as refused:
        read_file(path, "survey")
    assert str(refused.value).startswith("survey_wide.xlsx: bảng tính vượt giới hạn bộ nhớ 600 MB khi đọc / "
                                         "the workbook exceeds the 600 MB memory limit")
    monkeypatch.delenv("SVMT_XLSX_MAX_MEMORY_MB")
    monkeypatch.setenv("SVMT_XLSX_TIMEOUT_S", "0.01")  # less than a child takes to start
    with workbook.readers(), pytest.raises(InputError) as late:
        read_file(path, "survey")
    assert "the workbook exceeds the 0.01 s time limit" in str(late.value)
    assert not [p for p in os.listdir(tmp_path) if p != path.name]  # nothing left beside the workbook
