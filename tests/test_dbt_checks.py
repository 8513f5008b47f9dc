"""The model checks dbt runs in every build catch what they promise (issue 22: a model's not_null, unique and
accepted_values checks are one `columns_hold` test, dbt_project/tests/generic/columns_hold.sql).

A copy of the fixture warehouse is broken on purpose and only the tests of the broken model are run by the real
dbt: the untouched copy passes, each break fails the build."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import AS_OF
from warehouse.refresh import DEVICE_UNIT_COST_VND, RefreshError, run_dbt

pytestmark = pytest.mark.slow  # dbt runs of its own


def _tests_of(db: Path, model: str) -> None:
    run_dbt(db, date.fromisoformat(AS_OF), DEVICE_UNIT_COST_VND, ["--select", model, "--resource-type", "test"])


@pytest.mark.parametrize(("model", "damage"), [
    ("monthly_progress", "INSERT INTO marts.monthly_progress (month) SELECT min(month) FROM marts.monthly_progress"),
    ("monthly_progress", "UPDATE marts.monthly_progress SET month = NULL WHERE month = (SELECT max(month) "
                         "FROM marts.monthly_progress)"),
    ("need_vs_supply", "UPDATE marts.need_vs_supply SET priority_tier = 5 WHERE priority_tier = 1"),
    # school_level: var('school_levels'), the derived levels (a school type such as lien_cap is not one)
    ("need_vs_supply", "UPDATE marts.need_vs_supply SET school_level = 'lien_cap' WHERE school_level = 'thcs'"),
    # accepted_values naming a contract enum column ({enum: donations.form}): the codes come from meta.contract_enums
    ("donations_by_donor_type", "UPDATE marts.donations_by_donor_type SET form = 'khong_co' WHERE form = 'thiet_bi'"),
    ("donations_by_donor_type", "DELETE FROM meta.contract_enums WHERE kind = 'donations' AND column_name = 'form' "
                                "AND code = 'thiet_bi'"),
])
def test_a_broken_rule_fails_the_build(fixture_db: Path, tmp_path: Path, model: str, damage: str) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(fixture_db, db)
    _tests_of(db, model)  # intact: passes
    con = duckdb.connect(str(db))
    try:
        assert con.execute(damage).fetchall()[0][0] >= 1  # the damage touched rows
    finally:
        con.close()
    with pytest.raises(RefreshError):
        _tests_of(db, model)
