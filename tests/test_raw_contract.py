"""Issue 22 point 1, enums checked once: dbt's raw-contract test takes its codes from meta.contract_enums, which
ingest writes from ingest/contract.py at every load, so the contract is the one list (tests/test_rules_once.py
fails if a copy of a list comes back)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest.contract import CONTRACT, REASONS
from tests.conftest import AS_OF, altered_copy
from warehouse.refresh import DEVICE_UNIT_COST_VND, RefreshError, run_dbt


def test_ingest_writes_every_contract_code(fixture_db: Path) -> None:
    con = duckdb.connect(str(fixture_db), read_only=True)
    try:
        rows = set(con.execute("SELECT kind, column_name, code FROM meta.contract_enums").fetchall())
    finally:
        con.close()
    assert ("schools", "school_type", "lien_cap") in rows and ("donations", "status", "cam_ket") in rows
    assert rows == {(k.name, c.name, code) for k in CONTRACT.values() for c in k.columns if c.enum
                    for code in c.enum.codes} | {("rejected_rows", "reason_code", code) for code in REASONS}


@pytest.mark.slow  # two dbt runs of one test on a copy
def test_the_raw_contract_test_checks_raw_against_the_written_codes(fixture_db: Path, tmp_path: Path,
                                                                    capfd: pytest.CaptureFixture[str]) -> None:
    db = altered_copy(fixture_db, tmp_path / "copy.duckdb",
                      "UPDATE raw.schools SET school_type = 'khong_co' WHERE school_code = (SELECT min(school_code) "
                      "FROM raw.schools)")
    select = ["--select", "assert_raw_contract"]
    with pytest.raises(RefreshError):
        run_dbt(db, date.fromisoformat(AS_OF), DEVICE_UNIT_COST_VND, select)
    assert "assert_raw_contract" in capfd.readouterr().err
    # the code is accepted once the table (not the SQL) lists it: the test has no list of its own
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO meta.contract_enums VALUES ('schools', 'school_type', 'khong_co')")
    con.close()
    ran = run_dbt(db, date.fromisoformat(AS_OF), DEVICE_UNIT_COST_VND, select)
    assert [name for name, kind, _seconds in ran if kind == "test"] == ["assert_raw_contract"]
