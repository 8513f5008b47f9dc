"""Workbook bombs (issue 21, point 8): refused by measuring while inflating, parsed only in a bounded child.

The bombs are built here with zlib streaming (zipfile's writer compresses chunk by chunk), so the test
itself never holds more than a few megabytes of them: a 1 MB file whose sheet inflates to 336 MB, once with
honest declared sizes and once declaring 2.000 bytes; and a 1,5 KB "sparse" sheet whose two cells, A1 and
XFD1048576, make calamine ask for 512 GB at once (an abort of the whole process when parsed in-process).
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import struct
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
from tests.conftest import AS_OF, FIXTURE, REPO
from tests.messy import write_shape
from warehouse import upload

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS_NS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": f'<?xml version="1.0"?><Relationships {RELS_NS}><Relationship Id="rId1" '
    f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0"?><workbook {NS} xmlns:r="{DOC}"><sheets><sheet name="S" sheetId="1" '
    'r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships {RELS_NS}><Relationship Id="rId1" '
    f'Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c></row>'
ROW = '<row><c t="inlineStr"><is><t>Nguyễn Văn An</t></is></c></row>'
SHEET = "xl/worksheets/sheet1.xml"
BOMB_MB = 320  # past the default 256 MB limit


def _book(sheet_chunks, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal real workbook whose first sheet is written chunk by chunk (zlib streaming)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open(SHEET, "w") as sheet:
            for chunk in sheet_chunks:
                sheet.write(chunk)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _sheet(body: str) -> list[bytes]:
    return [f'<?xml version="1.0"?><worksheet {NS}><sheetData>{HEADER}{body}</sheetData></worksheet>'.encode()]


def bomb(megabytes: int = BOMB_MB) -> bytes:
    """Rows of one repeated cell: `megabytes` MB of XML in ~0,3 MB."""
    rows = (ROW * ((1 << 20) // len(ROW))).encode()
    return _book([f'<?xml version="1.0"?><worksheet {NS}><sheetData>{HEADER}'.encode(),
                  *(rows for _ in range(megabytes)), b"</sheetData></worksheet>"])


def sparse(last_row: int = 1048576) -> bytes:
    """Two cells, A1 and XFD<last_row>: calamine allocates the whole rectangle between them."""
    return _book(_sheet(f'<row r="{last_row}"><c r="XFD{last_row}" t="inlineStr"><is><t>x</t></is></c></row>'))


def lie(data: bytes, member: str, declared: int, flags: int = 0) -> bytes:
    """The archive with `member`'s uncompressed size declared as `declared` in its local header and its central
    directory entry, and general-purpose `flags` bits set there: what a forger can write."""
    out = bytearray(data)
    name = member.encode()
    local = zipfile.ZipFile(io.BytesIO(data)).getinfo(member).header_offset
    central = next(i for i in _all(out, b"PK\x01\x02") if out[i + 46:i + 46 + len(name)] == name)
    for at, flags_at, size_at in ((local, 6, 22), (central, 8, 24)):
        struct.pack_into("<H", out, at + flags_at, struct.unpack_from("<H", out, at + flags_at)[0] | flags)
        struct.pack_into("<L", out, at + size_at, declared)
    return bytes(out)


def _all(data: bytearray, needle: bytes) -> list[int]:
    found, at = [], data.find(needle)
    while at >= 0:
        found.append(at)
        at = data.find(needle, at + 1)
    return found


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
    small = _book(_sheet(ROW * 50))
    real = zipfile.ZipFile(io.BytesIO(small)).getinfo(SHEET).file_size
    forged = _refusal(lie(small, SHEET, 100))
    assert forged.code == "xlsx"
    assert f"declares 100 bytes but inflates to {real:,}" in str(forged)
    assert "encrypted" in str(_refusal(lie(small, SHEET, real, flags=0x1)))
    assert "nested archive ('xl/embeddings/inner.zip')" in str(_refusal(_book(_sheet(""), {
        "xl/embeddings/inner.zip": b"x"})))
    assert "nested archive ('xl/media/image1.png')" in str(_refusal(_book(_sheet(""), {
        "xl/media/image1.png": small})))  # a zip by its content, whatever its name
    many = _refusal(_book(_sheet(""), {f"xl/x{i}.xml": b"<x/>" for i in range(MAX_MEMBERS)}))
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
