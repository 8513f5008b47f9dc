"""The review queue on the fixture province (issue 24): decide, refresh with the same files, with a corrected
file and with the problem back; counts by status computed by hand from tests/fixtures/province.

The fixture has 11 findings (dq_issue_count 11, no fuzzy pair): among them one possible_duplicate_person
(survey_2022-H2_a.csv), one duplicate_serial (SN-1 on H2 and H5), one duplicate_handover_student (H2, H3, H9,
H10: one student), one handover_unknown_donation (H6 names DN99).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import AS_OF, FIXTURE, query, run_cli
from warehouse import audit, review
from warehouse.refresh import refresh

pytestmark = pytest.mark.slow  # three refreshes of its own (after the session's first): the scenario needs them


def _refresh(source: Path, db: Path) -> None:
    refresh(source, db, date.fromisoformat(AS_OF))


def _statuses(db: Path) -> Counter:
    return Counter(review.findings(db)["status"])


def _key(db: Path, issue_type: str) -> str:
    frame = review.findings(db)
    keys = frame.loc[frame["issue_type"] == issue_type, "finding_key"].tolist()
    assert len(keys) == 1, (issue_type, keys)
    return keys[0]


def _set_serial_of_h5(source: Path, serial: str) -> None:
    path = source / "handovers.csv"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[5].startswith("H5,")
    fields = lines[5].split(",")
    fields[7] = serial
    lines[5] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_decisions_survive_refreshes_fix_close_and_reopen(fixture_db: Path, tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(FIXTURE, source)
    db = tmp_path / "wh.duckdb"
    shutil.copy(fixture_db, db)  # the first refresh of the fixture folder as of AS_OF: the session's, copied
    assert _statuses(db) == {"open": 11}
    first = review.findings(db)
    assert first["finding_key"].is_unique and first["finding_key"].str.fullmatch(r"[0-9a-f]{16}").all()

    twins = _key(db, "possible_duplicate_person")
    serial = _key(db, "duplicate_serial")
    student = _key(db, "duplicate_handover_student")
    unknown = _key(db, "handover_unknown_donation")
    assert review.decide(db, [twins], "dismissed", "Hai chị em sinh đôi", "canbo") == 1
    assert review.decide(db, [serial, student], "confirmed", "Gửi huyện sửa", "canbo") == 2
    assert review.decide(db, [unknown], "fixed", "Đã sửa mã ủng hộ", "canbo") == 1
    # before the next refresh the decisions show as taken
    assert _statuses(db) == {"open": 7, "confirmed": 2, "dismissed": 1, "fixed": 1}

    # the same files again: same keys; dismissed and confirmed stay; "fixed" but still produced → reopened
    _refresh(source, db)
    again = review.findings(db)
    assert set(again["finding_key"]) == set(first["finding_key"])
    assert _statuses(db) == {"open": 7, "confirmed": 2, "dismissed": 1, "reopened": 1}

    # H5 gets its own serial at the source: the confirmed duplicate_serial is closed as fixed automatically
    _set_serial_of_h5(source, "SN-5")
    _refresh(source, db)
    assert _statuses(db) == {"open": 7, "confirmed": 1, "dismissed": 1, "reopened": 1, "fixed": 1}
    fixed = review.findings(db, status="fixed")
    assert fixed["finding_key"].tolist() == [serial] and fixed["gone_since"].notna().all()

    # the problem comes back: the same finding, reopened (its confirmation predates its return)
    _set_serial_of_h5(source, "SN-1")
    _refresh(source, db)
    assert _statuses(db) == {"open": 7, "confirmed": 1, "dismissed": 1, "reopened": 2}
    assert sorted(review.findings(db, status="reopened")["finding_key"]) == sorted([serial, unknown])

    # the trend: one row per refresh and status, open findings = open + confirmed + reopened
    history = query(db, """SELECT refreshed_at, status, sum(findings) FROM dq.review_history
                           GROUP BY ALL ORDER BY refreshed_at, status""")
    per_refresh: dict = {}
    for at, status, n in history:
        per_refresh.setdefault(at, {})[status] = int(n)
    assert list(per_refresh.values()) == [
        {"open": 11},
        {"confirmed": 2, "dismissed": 1, "open": 7, "reopened": 1},
        {"confirmed": 1, "dismissed": 1, "fixed": 1, "open": 7, "reopened": 1},
        {"confirmed": 1, "dismissed": 1, "open": 7, "reopened": 2},
    ]
    # the decisions' history: four decisions in three batches, each batch a line of the audit log
    assert len(review.decisions(db)) == 4
    logged = [e for e in audit.read(db) if e.get("event") == "review"]
    assert [(e["user"], e["outcome"]) for e in logged] == [("canbo", "dismissed"), ("canbo", "confirmed"),
                                                         ("canbo", "fixed")]
    assert review.store_path(db).stat().st_mode & 0o077 == 0


def test_cli_lists_as_csv_and_refuses_wrong_input_writing_nothing(fixture_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(fixture_db, db)
    listed = run_cli("review", "list", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert len(rows) == 11 and {r["status"] for r in rows} == {"open"}
    assert list(rows[0])[:2] == ["finding_key", "status"]
    in_643 = run_cli("review", "list", "--db", str(db), "--district", "643")
    # 643: conflicting H1, H6 outside the need list, H7 outside, H6 unknown donation, DN6/DN7, the duplicate person
    assert len(list(csv.DictReader(io.StringIO(in_643.stdout)))) == 6

    key = rows[0]["finding_key"]
    for args, says in ((["--finding", "0000000000000000", "--decision", "confirmed"], "0000000000000000"),
                       (["--finding", key, "--decision", "deleted"], "deleted"),
                       (["--finding", key, "--decision", "dismissed"], "note")):
        bad = run_cli("review", "decide", "--db", str(db), *args, "--user", "canbo")
        assert bad.returncode == 2 and says in bad.stderr and "Traceback" not in bad.stderr
    assert not review.store_path(db).exists()
    assert run_cli("review", "list", "--db", str(db), "--status", "closed").returncode == 2

    done = run_cli("review", "decide", "--db", str(db), "--finding", key, "--decision", "confirmed",
                   "--note", "Gửi huyện", "--user", "canbo")
    assert done.returncode == 0, done.stderr
    confirmed = run_cli("review", "list", "--db", str(db), "--status", "confirmed")
    assert [r["finding_key"] for r in csv.DictReader(io.StringIO(confirmed.stdout))] == [key]
