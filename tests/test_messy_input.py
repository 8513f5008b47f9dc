"""Issue 3: the same province in every real-world shape gives exactly the warehouse of its clean twin."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import AS_OF, FIXTURE, query, run_cli
from tests.messy import SHAPES, write_shape

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

MARTS = ["marts.program_kpis", "marts.need_vs_supply", "marts.monthly_progress", "marts.coverage_by_district",
         "marts.donations_by_donor_type", "marts.reporting_completeness"]


LIBREOFFICE = Path(__file__).resolve().parent / "fixtures" / "libreoffice"  # written by Calc: tests/libreoffice.py


@pytest.mark.parametrize("shape", SHAPES)
def test_messy_twin_gives_identical_marts(shape: str, tmp_path: Path, fixture_db: Path) -> None:
    source = tmp_path / shape
    write_shape(FIXTURE, source, shape)
    _assert_same_warehouse(source, tmp_path, fixture_db)


@pytest.mark.parametrize("shape", ["calc_xlsx", "calc_csv_windows_1258_semicolon", "calc_unicode_text_tab"])
def test_files_saved_by_libreoffice_give_identical_marts(shape: str, tmp_path: Path, fixture_db: Path) -> None:
    """The same province as LibreOffice Calc saves it (workbook, Windows-1258 `;` CSV, Unicode text)."""
    _assert_same_warehouse(LIBREOFFICE / shape, tmp_path, fixture_db)


def _assert_same_warehouse(source: Path, tmp_path: Path, fixture_db: Path) -> None:
    db = tmp_path / "messy.duckdb"
    result = run_cli("refresh", "--source", str(source), "--db", str(db), "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    for table in MARTS:
        sql = f"SELECT * FROM {table} ORDER BY ALL"
        assert query(db, sql) == query(fixture_db, sql), table
    same_file = "replace(source_file, '.xlsx', '.csv')"
    for sql in (f"SELECT issue_type, record_key, {same_file}, source_line FROM dq.issues ORDER BY ALL",
                f"SELECT kind, {same_file}, source_line, column_name, reason_code FROM dq.rejected_rows ORDER BY ALL"):
        assert query(db, sql) == query(fixture_db, sql)
