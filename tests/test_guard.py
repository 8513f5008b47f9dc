"""Guarded refresh (issue 21, point 7): a build that would wipe figures is held (exit 3) unless accepted.

The base is the fixture province without its districts file, so the built-in district list (705 units) stands in
— the situation of the observed bug, where one upload of a one-row districts file replaced that list. Counts by
hand from tests/fixtures/province, with only district 643 left:
- schools: THPT01 (652, line 4) and LC01 (644, line 5) now rejected → 2 schools rows;
- survey rows at THPT01 or LC01 that were loaded: survey_2022-H1.csv lines 4, 5, 8, 10 and survey_2022-H2_a.csv
  line 3 → 5 survey rows (line 12 is blank; H2_b is at TH01);
- handovers loaded at LC01/THPT01: H2, H3, H5 → 3 (H9, H10 were already rejected for other reasons);
- coverage loaded in 652/644: P1, P2, P3, P4 → 4 (P5, P6 were already rejected).
- students identified 9 → 6 (C at THPT01, D at LC01, I at THPT01 lose every row; F keeps her TH01 row).
The survey kind of the base has 14 rows loaded and 5 rejected (26,3 %): 3 more rejected rows make 8/22 = 36,4 %
(+10,05 points, held), 2 more make 7/21 = 33,3 % (+7,0 points, published).

The warehouses of this module: one base, then copies of it; each scenario builds once.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import AS_OF, FIXTURE, query, run_cli
from warehouse.guard import check
from warehouse.refresh import audit_log_path, refresh

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

ONE_DISTRICT = "district_code,district_name,province_code,province_name\n643,Thành phố Buôn Ma Thuột,66,Tỉnh Đắk Lắk\n"
SURVEY_HEADER = (FIXTURE / "survey_2022-H1.csv").read_text(encoding="utf-8").splitlines()[0]
KPIS = ("students_identified, students_supported, students_self_resolved, students_remaining, pct_covered, "
        "rejected_row_count, dq_issue_count")


def _bad_survey(folder: Path, rows: int) -> Path:
    """`rows` survey rows of new students, each rejected (grade 15: out of range)."""
    lines = [f"2023-H1,0099000000{n:02d},Học Sinh {n},2010-01-01,nam,TH01,15,ngheo,,false,false,2023-01-05"
             for n in range(rows)]
    path = folder / "survey_2023-H1_bad.csv"
    path.write_text("\n".join([SURVEY_HEADER, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(source, db): the fixture province without districts.csv, refreshed once (the first refresh)."""
    root = tmp_path_factory.mktemp("guard")
    source = root / "source"
    shutil.copytree(FIXTURE, source)
    (source / "districts.csv").unlink()
    db = root / "base.duckdb"
    refresh(source, db, date.fromisoformat(AS_OF))  # in-process: the CLI's exit codes are tested below
    assert query(db, "SELECT students_identified, rejected_row_count FROM marts.program_kpis") == [(9, 13)]
    return source, db


def _copy(base: tuple[Path, Path], root: Path) -> tuple[Path, Path]:
    source, db = root / "source", root / "wh.duckdb"
    shutil.copytree(base[0], source)
    shutil.copy(base[1], db)
    return source, db


def test_one_row_districts_file_is_held_then_accepted(base: tuple[Path, Path], tmp_path: Path) -> None:
    source, db = _copy(base, tmp_path)
    (source / "districts_643.csv").write_text(ONE_DISTRICT, encoding="utf-8")
    before = db.read_bytes()
    held = run_cli("refresh", "--source", str(source), "--db", str(db), "--as-of", AS_OF)
    assert held.returncode == 3, held.stderr
    assert db.read_bytes() == before  # nothing published
    assert not list(tmp_path.glob("wh.duckdb.tmp-*"))  # the build is gone
    assert ("districts_643.csv: liệt kê 1 huyện (trước đó 705); 2 dòng schools, 5 dòng survey, 3 dòng handovers, "
            "4 dòng coverage nay tham chiếu huyện hoặc trường không tồn tại") in held.stderr
    assert "5 survey rows" in held.stderr and "now reference unknown districts or schools" in held.stderr
    assert ("districts_643.csv: số học sinh cần hỗ trợ giảm từ 9 xuống 6 (−33,3 %) / students identified fall from "
            "9 to 6 (−33,3 %)") in held.stderr
    assert "Traceback" not in held.stderr
    log = [json.loads(line) for line in audit_log_path(db.resolve()).read_text(encoding="utf-8").splitlines()]
    assert log[-1]["outcome"] == "exit 3" and "districts_643.csv" in log[-1]["message"]

    accepted = run_cli("refresh", "--source", str(source), "--db", str(db), "--as-of", AS_OF,
                       "--accept-drop", "--user", "chi_lan")
    assert accepted.returncode == 0, accepted.stderr
    assert "published despite a hold" in accepted.stdout
    assert query(db, "SELECT students_identified FROM marts.program_kpis") == [(6,)]
    log = [json.loads(line) for line in audit_log_path(db.resolve()).read_text(encoding="utf-8").splitlines()]
    drop = [e for e in log if e.get("event") == "accept_drop"]
    assert len(drop) == 1 and drop[0]["user"] == "chi_lan" and drop[0]["outcome"] == "published despite hold"
    assert drop[0]["message"].startswith("districts_643.csv: liệt kê 1 huyện")
    assert query(db, "SELECT count(*) FROM meta.refresh_log WHERE outcome = 'exit 3'") == [(1,)]


def test_the_first_refresh_is_never_held(base: tuple[Path, Path], tmp_path: Path) -> None:
    """No warehouse to compare with: nothing to hold (the CLI's build is compared with a missing file)."""
    impact = check(tmp_path / "none.duckdb", base[1])
    assert (impact.before, impact.reasons, impact.after["students_identified"]) == (None, [], 9)


def test_rejected_share_rise_of_10_points_is_held_below_is_not_and_trial_equals_refresh(
        base: tuple[Path, Path], tmp_path: Path) -> None:
    source, db = _copy(base, tmp_path)
    before = db.read_bytes()
    bad = _bad_survey(source, 3)
    three = refresh(source, db, date.fromisoformat(AS_OF), trial=True)
    assert [(r.code, r.file) for r in three.impact.reasons] == [("rejected_share", "survey_2023-H1_bad.csv")]
    assert three.impact.reasons[0].vi == "tỷ lệ dòng survey bị loại tăng từ 26,3 % lên 36,4 % (5 → 8 dòng)"
    assert not three.published and db.read_bytes() == before

    _bad_survey(source, 2)
    two = refresh(source, db, date.fromisoformat(AS_OF), trial=True)
    assert two.impact.reasons == [] and db.read_bytes() == before
    base_kpis = dict(zip(KPIS.split(", "), query(db, f"SELECT {KPIS} FROM marts.program_kpis")[0], strict=True))
    assert two.impact.before == base_kpis
    assert two.impact.after["rejected_row_count"] == 15 and two.impact.after["students_identified"] == 9

    assert refresh(source, db, date.fromisoformat(AS_OF)).published  # the real refresh, in-process
    published = dict(zip(KPIS.split(", "), query(db, f"SELECT {KPIS} FROM marts.program_kpis")[0], strict=True))
    assert published == two.impact.after
    assert bad.exists()


def test_a_schools_file_losing_a_school_still_used_is_held(base: tuple[Path, Path], tmp_path: Path) -> None:
    """LC01 taken out of schools.csv (its line left blank): its loaded survey rows (H1 lines 5 and 8) and
    handovers (H2, H3) now name an unknown school; D (only at LC01) is no longer identified: 9 → 8 (−11,1 %)."""
    source, db = _copy(base, tmp_path)
    schools = source / "schools.csv"
    schools.write_text("".join("\n" if line.startswith("LC01") else line  # a blank line: the others keep their numbers
                               for line in schools.read_text(encoding="utf-8").splitlines(keepends=True)),
                       encoding="utf-8")
    before = db.read_bytes()
    summary = refresh(source, db, date.fromisoformat(AS_OF), trial=True)
    reasons = [(r.code, r.file, r.en) for r in summary.impact.reasons]
    assert reasons[0] == ("reference_loss", "schools.csv", "lists 3 school(s) (before: 4); 2 survey rows, 2 handovers "
                                                           "rows now reference unknown districts or schools")
    assert reasons[1] == ("identified_drop", "schools.csv", "students identified fall from 9 to 8 (−11,1 %)")
    assert db.read_bytes() == before
