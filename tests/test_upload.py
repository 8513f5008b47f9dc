"""Upload from the browser: the checks, the validation report, store / withdraw / audit, the background refresh.

The report's counts are derived by hand in tests/upload_data.py (the messy survey file) and below (donations,
handovers) from the fixture province of tests/test_marts_fixture.py. The refresh cycle runs real processes on
a temporary copy of the fixture folder and its own warehouse.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from ingest.preview import Upload, preview
from tests.conftest import APP, AS_OF, FIXTURE, app_as, query
from tests.upload_data import NAME, REJECTED, write_messy_survey
from warehouse import upload
from warehouse.refresh import exclusive, refresh

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

WHEN = datetime(2023, 11, 5, 14, 22, 33)


# --- refusals ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../../etc/passwd.csv", "..\\..\\survey.csv", "/etc/survey.csv", "data/survey.csv",
                                  "..", "survey\x00.csv"])
def test_traversal_names_are_refused(name: str) -> None:
    with pytest.raises(upload.UploadRefused) as refused:
        upload.check_upload(name, 10)
    assert refused.value.code == "name"


@pytest.mark.parametrize("name", ["survey.xlsm", "survey.exe", "survey.csv.exe", "survey", "survey.txt",
                                  "survey.csv\u202eexe.xlsx\u202c.sh"])
def test_wrong_types_are_refused(name: str) -> None:
    with pytest.raises(upload.UploadRefused) as refused:
        upload.check_upload(name, 10)
    assert refused.value.code == "type"


def test_hidden_names_are_refused_and_control_characters_removed() -> None:
    for name in (".survey.csv", "~$survey.xlsx", "\u200b.survey.csv"):
        with pytest.raises(upload.UploadRefused):
            upload.check_upload(name, 10)
    assert upload.check_upload("survey\x07 đợt\t1\u202e.csv", 10) == "survey đợt1.csv"
    assert upload.check_upload("survey<1>:2?.CSV", 10) == "survey_1__2_.CSV"
    assert upload.check_upload("Khảo sát " + "x" * 300 + ".csv", 10) == ("Khảo sát " + "x" * 111 + ".csv")


def test_size_limit_is_configurable_and_enforced(monkeypatch: pytest.MonkeyPatch) -> None:
    assert upload.max_upload_bytes() == 200 * 1024 * 1024  # the default
    monkeypatch.setenv("SVMT_MAX_UPLOAD_MB", "1")
    assert upload.check_upload("survey.csv", 1024 * 1024) == "survey.csv"
    with pytest.raises(upload.UploadRefused) as refused:
        upload.check_upload("survey.csv", 1024 * 1024 + 1)
    assert refused.value.code == "size" and "1 MB" in str(refused.value)
    with pytest.raises(upload.UploadRefused) as empty:
        upload.check_upload("survey.csv", 0)
    assert empty.value.code == "empty"


def _xlsx(rows: list[list[object]], extra: dict[str, bytes] | None = None) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if extra:
        with zipfile.ZipFile(buffer, "a") as archive:
            for name, content in extra.items():
                archive.writestr(name, content)
    return buffer.getvalue()


def test_xlsx_macros_and_links_are_reported_never_followed_and_bombs_refused(fixture_db: Path) -> None:
    rows = [["Mã ủng hộ", "Nhà tài trợ", "Loại nhà tài trợ", "Hình thức", "Ngày nhận", "Số tiền"],
            ["DN8", "Công ty Beta", "Doanh nghiệp", "Tiền mặt", date(2022, 11, 5), 3_000_000]]
    data = _xlsx(rows, {"xl/vbaProject.bin": b"\x00macro", "xl/externalLinks/externalLink1.xml": b"<x/>"})
    assert upload.inspect_xlsx("donations_beta.xlsx", data) == ["macro", "external_link"]
    report = preview([Upload("donations_beta.xlsx", data)], fixture_db)[0]
    assert (report.kind, report.encoding, report.rows_loaded, report.rows_rejected, report.new_records) == (
        "donations", "xlsx", 1, 0, 1)
    with pytest.raises(upload.UploadRefused):
        upload.inspect_xlsx("donations_x.xlsx", b"PK not really a zip")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    with pytest.raises(upload.UploadRefused) as refused:
        upload.inspect_xlsx("donations_bomb.xlsx", bomb.getvalue())
    assert refused.value.code == "size"


# --- the validation report -------------------------------------------------------------------------------

def test_report_of_the_messy_survey_file(tmp_path: Path, fixture_db: Path) -> None:
    path = write_messy_survey(tmp_path)
    report = preview([Upload(NAME, path.read_bytes())], fixture_db)[0]
    detected = (report.kind, report.kind_from, report.encoding, report.delimiter)
    assert detected == ("survey", "prefix", "windows-1258", ",")
    assert report.mapping["Họ và tên"] == "full_name" and report.mapping["Đợt khảo sát"] == "survey_round"
    assert len(report.mapping) == 12 and report.ignored == ["Ghi chú"]
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (10, 6, 4)
    assert (report.new_records, report.identical, report.conflict_count, report.duplicate_count) == (5, 1, 0, 1)
    rejected = [(r.line, r.column, r.value.strip(), r.reason) for r in report.rejected.itertuples()]
    assert [(line, col, value) for line, col, value, _ in rejected] == [r[:3] for r in REJECTED]
    assert rejected[0][3] == "Mã tham chiếu không tồn tại — unknown reference"
    assert report.duplicates.to_dict("records") == [
        {"issue_type": "duplicate_student_in_round", "key": "2023-H1 · ID:008800000001", "lines": "2, 3",
         "existing": ""}]


# Counted by hand in the fixture files (rejections as in tests/test_marts_fixture.py::test_rejected_rows):
# file → (data rows, rejected, loaded).
ALREADY_LOADED = {
    "survey_2022-H1.csv": (14, 5, 9),   # 15 lines after the header, one blank; grade 15, NOPE, 31/02, giau, no name
    "survey_2022-H2_a.csv": (4, 0, 4),
    "coverage.csv": (6, 2, 4),          # P5 covered without completed_on, P6 in district 999
    "schools.csv": (5, 1, 4),           # XX01 in district 999 (LC01's point outside Vietnam: listed, row loaded)
    "districts.csv": (3, 0, 3),
}


def test_report_of_files_already_loaded_is_all_no_effect(fixture_db: Path) -> None:
    """Every fixture file sent again: its accepted rows are all already present (survey) or unchanged ids,
    except the ids the fixture itself corrects (DN1, H1: the other file's version is the winner)."""
    # one batch, districts.csv with schools.csv: THPT01's district name "H. Krông Bông" resolves although the
    # district is then there twice (the warehouse's row and the upload's), as in the refresh (test below)
    files = sorted(FIXTURE.glob("*.csv"))
    reports = {r.name: r for r in preview([Upload(p.name, p.read_bytes()) for p in files], fixture_db)}
    for name, (read, rejected, loaded) in ALREADY_LOADED.items():
        r = reports[name]
        assert (r.rows_read, r.rows_rejected, r.rows_loaded) == (read, rejected, loaded), name
        assert (r.identical, r.new_records, r.conflict_count, r.duplicate_count) == (loaded, 0, 0, 0), name
    assert (reports["donations.csv"].identical, reports["donations.csv"].conflict_count) == (6, 1)


def test_preview_and_refresh_of_districts_with_schools_agree(tmp_path: Path, fixture_db: Path) -> None:
    """districts.csv and schools.csv sent again in one batch: the preview and the refresh of the stored files reject
    the same single row of schools.csv (XX01 in district 999, line 6), and THPT01's district given by name
    ("H. Krông Bông") resolves in both, though each district is now in two files (issue 22: the name lookup
    counted rows, so the second copy made every name ambiguous: 2 rejected, and THPT01's 3 survey rows with it)."""
    files = [FIXTURE / "districts.csv", FIXTURE / "schools.csv"]
    reports = preview([Upload(p.name, p.read_bytes()) for p in files], fixture_db)
    assert [(r.name, r.rows_read, r.rows_rejected, r.rows_loaded) for r in reports] == [
        ("districts.csv", 3, 0, 3), ("schools.csv", 5, 1, 4)]
    # and LC01's point outside Vietnam, listed for the uploader while its row loads (not a rejected row)
    assert reports[1].rejected[["line", "column", "value"]].values.tolist() == [[5, "latitude", "48.8566"],
                                                                                [6, "district_code", "999"]]

    source, db = tmp_path / "source", tmp_path / "svmt.duckdb"
    shutil.copytree(FIXTURE, source)
    stored = upload.store_all([upload.Incoming(p.read_bytes(), p.name, p.stem) for p in files], source, db, "tinh",
                              stamp=WHEN)
    result = refresh(source, db, date.fromisoformat(AS_OF))
    schools = stored[1].path.name
    assert query(db, "SELECT source_line, column_name, value FROM dq.rejected_rows WHERE source_file = ? ORDER BY 1",
                 [schools]) == [(5, "latitude", "48.8566"), (6, "district_code", "999")]  # as the preview
    assert query(db, "SELECT count(*) FROM dq.rejected_rows WHERE source_file = ?", [stored[0].path.name]) == [(0,)]
    # the refresh as a whole: the fixture's rejections (schools 1, survey 5) with the copy's one school row added
    assert (result.report.rejected["schools"], result.report.rejected["survey"]) == (2, 5)
    assert query(db, "SELECT district_code FROM reporting.schools WHERE school_code = 'THPT01'") == [("652",)]


DONATIONS = """donation_id,donor_name,donor_type,form,status,received_on,amount_vnd,device_type,quantity
DN2,Tập đoàn Viettel,doanh_nghiep_vien_thong,thiet_bi,,2022-09-01,,may_tinh_xach_tay,6
DN3,Ông Nguyễn Văn Tâm,ca_nhan,thiet_bi,da_nhan,2022-09-20,,may_tinh_bang,3
DN9,CÔNG TY TNHH ALPHA,doanh_nghiep,tien_mat,da_nhan,2022-08-10,15.000.000,,
DN10,Cong ty Beta,doanh_nghiep,tien_mat,,2022-11-05,-5,,
"""


def test_donation_conflicts_and_duplicates(fixture_db: Path) -> None:
    """DN2 is in the warehouse with quantity 4 → a conflict (6); DN3 unchanged… except the columns this file
    leaves out take their defaults (condition moi, inspection passed) → also a conflict, column by column.
    DN9 is DN1's gift again (Alpha, 10/08/2022, cash, 15.000.000 once DN1's correction won) → possible
    duplicate donation. DN10's amount is negative → rejected."""
    later = preview([Upload("donations_fix.csv", DONATIONS.encode())], fixture_db,
                    lambda kind, name: upload.stored_name(kind, name, WHEN))[0]
    assert (later.rows_read, later.rows_loaded, later.rows_rejected, later.new_records) == (4, 3, 1, 1)
    assert later.conflict_count == 2
    changes = {(r.id, r.column): (r.existing_value, r.new_value, r.existing_file, r.wins)
               for r in later.conflicts.itertuples()}
    assert changes == {
        ("DN2", "quantity"): ("4", "6", "donations.csv", True),
        ("DN3", "condition"): ("da_qua_su_dung", "moi", "donations.csv", True),
        ("DN3", "inspection_passed"): ("false", "true", "donations.csv", True),
    }
    assert later.duplicates.to_dict("records") == [{
        "issue_type": "possible_duplicate_donation", "key": "cong ty tnhh alpha · 2022-08-10 · tien_mat · 15000000 · ",
        "lines": "4", "existing": "donations_2.csv:2"}]
    assert later.rejected[["line", "column"]].values.tolist() == [[5, "amount_vnd"]]
    # Stored under a name that sorts before donations.csv, the file would lose: the existing versions stay.
    earlier = preview([Upload("donations_fix.csv", DONATIONS.encode())], fixture_db,
                      lambda kind, name: f"donations-{name}")[0]
    assert not earlier.conflicts["wins"].any()


HANDOVERS = """handover_id,handed_on,student_id,full_name,date_of_birth,school_code,device_type,serial_number
H8,2022-12-01,001234567890,Nguyễn Văn An,2010-05-01,THCS01,may_tinh_bang,SN-A
H9,2022-12-02,,Trần Thị Bình,2009-02-03,THCS01,may_tinh_bang,SN-NEW
H9,2022-12-03,,Trần Thị Bình,2009-02-03,THCS01,may_tinh_bang,SN-NEW
"""


def test_handover_duplicates_and_conflicts_inside_the_file(fixture_db: Path) -> None:
    """H8 gives A (who has H1) a second device with H1's serial SN-A → duplicate_handover_student and
    duplicate_serial. H9 twice in the file with another date → a conflict inside the upload (the later line
    wins). B's name key is the same as dbt's (NB:tran thi binh|2009-02-03|643): no duplicate for B."""
    report = preview([Upload("handovers_dec.csv", HANDOVERS.encode())], fixture_db)[0]
    assert (report.rows_loaded, report.new_records, report.conflict_count) == (3, 2, 1)
    assert report.conflicts[["id", "line", "column", "existing_value", "new_value", "existing_file",
                             "existing_line", "wins"]].values.tolist() == [
        ["H9", 4, "handed_on", "2022-12-02", "2022-12-03", "handovers_dec.csv", 3, True]]
    assert sorted(map(tuple, report.duplicates[["issue_type", "key", "lines"]].values.tolist())) == [
        ("duplicate_handover_student", "ID:001234567890", "2"), ("duplicate_serial", "SN-A", "2")]


def test_student_key_is_the_dbt_key(fixture_db: Path) -> None:
    """B has no id: a second 2022-H1 row for B (another survey date) is a duplicate in round under the key
    dbt computed (intermediate.int_survey_rows)."""
    dbt_key = query(fixture_db, "SELECT DISTINCT student_key FROM intermediate.int_survey_rows "
                                "WHERE full_name = 'Trần Thị Bình'")[0][0]
    assert dbt_key == "NB:tran thi binh|2009-02-03|643"
    row = "2022-H1,,Trần  Thị BÌNH,03/02/2009,nu,THCS01,7,can_ngheo,,false,true,2022-03-09\n"
    header = (FIXTURE / "survey_2022-H1.csv").read_text(encoding="utf-8").splitlines()[0] + "\n"
    report = preview([Upload("survey_b.csv", (header + row).encode())], fixture_db)[0]
    assert report.duplicates[["issue_type", "key"]].values.tolist() == [
        ["duplicate_student_in_round", f"2022-H1 · {dbt_key}"]]


def test_kind_from_headers_or_asked(fixture_db: Path) -> None:
    khao_sat = (FIXTURE / "survey_2022-H2_a.csv").read_bytes()
    told, unknown = preview([Upload("khao_sat_dot2.csv", khao_sat), Upload("bang_1.csv", b"foo;bar\n1;2\n")],
                            fixture_db)
    assert (told.kind, told.kind_from, told.identical) == ("survey", "headers", 4)
    assert (unknown.kind, unknown.needs_kind, unknown.candidates, unknown.acceptable) == (None, True, [], False)
    chosen = preview([Upload("bang_1.csv", b"foo;bar\n1;2\n", kind="coverage")], fixture_db)[0]
    assert chosen.refused and not chosen.acceptable and chosen.delimiter == ""


def test_missing_column_is_refused_with_the_accepted_header_names(fixture_db: Path) -> None:
    data = "Mã ủng hộ,Nhà tài trợ,Ngày nhận\nDN8,Beta,2022-11-05\n".encode()
    report = preview([Upload("donations_thieu.csv", data)], fixture_db)[0]
    assert report.refused.startswith("donations_thieu.csv, dòng/line 1: thiếu cột bắt buộc")
    assert report.missing == {"donor_type": ["donor_type", "Loại nhà tài trợ", "Loại đơn vị ủng hộ"],
                              "form": ["form", "Hình thức ủng hộ", "Hình thức"]}
    schools = preview([Upload("schools_x.csv", b"school_code,school_name,school_type,has_internet\n")], fixture_db)[0]
    assert set(schools.missing) == {"district_code", "district_name"}


def test_without_a_warehouse_the_report_still_works(tmp_path: Path) -> None:
    data = (FIXTURE / "schools.csv").read_bytes()
    report = preview([Upload("schools.csv", data)], tmp_path / "none.duckdb")[0]
    # No warehouse: the built-in reference (705 units) holds 643, 644 and 652 (Krông Bông found by its name
    # "H. Krông Bông"); only the row naming district 999 is rejected, as in the fixture's own refresh.
    counts = (report.rows_loaded, report.rows_rejected, report.new_records, report.warnings)
    assert counts == (4, 1, 4, ["no_warehouse"])


# --- store, withdraw, audit ------------------------------------------------------------------------------

def test_store_keeps_the_bytes_never_overwrites_and_audits(tmp_path: Path) -> None:
    source, db = tmp_path / "source", tmp_path / "wh" / "svmt.duckdb"
    data = "survey_round;Họ và tên\r\n".encode("utf-16")
    first = upload.store(data, "Khảo sát đợt 1.csv", "survey", source, db, "canbo", WHEN)
    second = upload.store(data, "Khảo sát đợt 1.csv", "survey", source, db, "canbo", WHEN)
    assert first.path.name == "survey_20231105-142233_Khảo sát đợt 1.csv"
    assert second.path.name == "survey_20231105-142233_Khảo sát đợt 1_2.csv"
    assert first.path.read_bytes() == data == second.path.read_bytes()
    assert sorted(p.name for p in source.iterdir()) == [first.path.name, second.path.name]  # no leftovers
    entries = [json.loads(line) for line in (tmp_path / "wh" / "svmt_refresh_log.jsonl").read_text().splitlines()]
    assert [(e["event"], e["user"], e["files"][0]["file"], e["files"][0]["size"], e["files"][0]["sha256"])
            for e in entries] == [("upload", "canbo", p.name, len(data), upload.sha256(data)) for p in
                                  (first.path, second.path)]
    assert entries[0]["started_at"] == "2023-11-05 14:22:33"


def test_withdraw_moves_never_deletes_and_refuses_other_paths(tmp_path: Path) -> None:
    source, withdrawn, db = tmp_path / "source", tmp_path / "withdrawn", tmp_path / "svmt.duckdb"
    shutil.copytree(FIXTURE, source)
    (tmp_path / "outside.csv").write_text("x", encoding="utf-8")
    for name in ("../outside.csv", "nope.csv", ".."):
        with pytest.raises(upload.UploadRefused):
            upload.withdraw(name, source, withdrawn, db, "canbo", WHEN)
    data = (source / "donations_2.csv").read_bytes()
    target = upload.withdraw("donations_2.csv", source, withdrawn, db, "canbo", WHEN)
    assert target == withdrawn / "20231105-142233_donations_2.csv" and target.read_bytes() == data
    assert not (source / "donations_2.csv").exists() and (tmp_path / "outside.csv").exists()
    shutil.copy(target, source / "donations_2.csv")  # sent again, withdrawn again in the same second: kept both
    again = upload.withdraw("donations_2.csv", source, withdrawn, db, "canbo", WHEN)
    assert again.name == "20231105-142233-2_donations_2.csv" and target.exists()
    events = upload.recent_events(db)
    assert [(e["event"], e["files"][0]["file"], e["files"][0]["sha256"]) for e in events] == [
        ("withdraw", "donations_2.csv", upload.sha256(data))] * 2
    assert "donations_2.csv" not in [e.name for e in upload.list_source(source)]


# --- the background refresh (real processes) -------------------------------------------------------------

def _wait(db: Path, limit: float = 600) -> upload.JobStatus:
    """Poll the job until it is over (a generous bound, not a timing assertion)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        status = upload.job_status(db)
        if status.state in ("ok", "failed"):
            return status
        time.sleep(0.1)
    pytest.fail("the background refresh did not finish")


def _kpis(db: Path) -> tuple:
    return query(db, "SELECT students_identified, students_self_resolved, students_remaining, rejected_row_count, "
                     "dq_issue_count FROM marts.program_kpis")[0]


def _copy_with_log(built: Path, db: Path) -> None:
    """The session's warehouse `built` as `db`, as if refreshed there: the file, and its audit log's first line (that
    refresh; later lines may be other tests' sign-ins) appended to the log of `db`, chained there."""
    from warehouse import audit

    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(built, db)
    first = audit.read(built)[0]
    assert first["outcome"] == "ok" and "event" not in first
    audit.append(db, first)


def test_upload_refresh_withdraw_refresh(tmp_path: Path, fixture_db: Path) -> None:
    """Store the messy survey file, refresh in the background (figures of tests/upload_data.py), withdraw it
    while another refresh holds the lock (the job waits and says so): that refresh is held (identified −25 %);
    accepted, the fixture's figures are back."""
    source, db = tmp_path / "source", tmp_path / "wh" / "svmt.duckdb"
    shutil.copytree(FIXTURE, source)
    _copy_with_log(fixture_db, db)  # the first refresh of the fixture folder: the session's, with its audit log
    assert _kpis(db) == (9, 1, 4, 13, 11)
    messy = write_messy_survey(tmp_path / "sent")
    stored = upload.store(messy.read_bytes(), NAME, "survey", source, db, "canbo")
    assert re.fullmatch(r"survey_\d{8}-\d{6}_survey_2023-H1_messy\.csv", stored.path.name)
    job = upload.start_refresh(source, db, upload.current_as_of(db), "canbo", "upload")
    assert job["before"]["students_identified"] == 9 and job["as_of"] == AS_OF
    status = _wait(db)
    assert status.state == "ok", status.message
    assert _kpis(db) == (12, 2, 6, 17, 12)
    assert status.result["after"]["students_remaining"] == 6
    logged = query(db, "SELECT outcome, files->0->>'file', files->0->>'sha256' FROM meta.refresh_log "
                       "WHERE outcome = 'upload'")
    assert logged == [("upload", stored.path.name, stored.sha256)]
    assert query(db, "SELECT count(*) FROM meta.refresh_log WHERE outcome = 'ok'") == [(2,)]

    withdrawn = tmp_path / "withdrawn"
    moved = upload.withdraw(stored.path.name, source, withdrawn, db, "canbo")
    assert moved.read_bytes() == messy.read_bytes()
    with exclusive(db.resolve()):  # another refresh is running
        assert upload.refresh_running(db)
        upload.start_refresh(source, db, date(2023, 1, 15), "canbo", "withdraw")
        end = time.monotonic() + 300
        while upload.job_status(db).state != "waiting" and time.monotonic() < end:
            time.sleep(0.2)
        assert upload.job_status(db).state == "waiting"
        assert any(line.startswith("[lock]") for line in upload.job_status(db).lines)
    held = _wait(db)  # 12 → 9 students identified (−25 %): the guard holds it, the warehouse stays
    assert held.state == "failed" and held.result["rc"] == 3
    assert held.message.startswith("Giữ lại, không công bố / held, not published:")
    assert "students identified fall from 12 to 9 (−25,0 %)" in held.message
    assert _kpis(db) == (12, 2, 6, 17, 12)
    upload.start_refresh(source, db, date(2023, 1, 15), "canbo", "withdraw (accept-drop)", accept_drop=True)
    assert _wait(db).state == "ok"
    assert _kpis(db) == (9, 1, 4, 13, 11)
    assert query(db, "SELECT count(*) FROM meta.refresh_log WHERE outcome = 'withdraw'") == [(1,)]
    assert query(db, "SELECT count(*) FROM meta.refresh_log WHERE outcome = 'ok' AND message LIKE "
                     "'accept-drop (canbo): %students identified fall from 12 to 9%'") == [(1,)]
    log = [json.loads(line) for line in upload.audit_log_path(db.resolve()).read_text(encoding="utf-8").splitlines()]
    assert [(e["event"], e["user"]) for e in log if e.get("event") == "accept_drop"] == [("accept_drop", "canbo")]


def test_a_failed_refresh_says_why_and_keeps_the_warehouse(tmp_path: Path, fixture_db: Path) -> None:
    """A file that reached the folder by another path and lacks a column: exit 2, the reason names the file."""
    source, db = tmp_path / "source", tmp_path / "svmt.duckdb"
    shutil.copytree(FIXTURE, source)
    shutil.copy(fixture_db, db)
    before = db.read_bytes()
    (source / "coverage_x.csv").write_text("point_id,point_name\nP9,Thôn 9\n", encoding="utf-8")
    upload.start_refresh(source, db, date(2023, 1, 15), "canbo", "test")
    status = _wait(db)
    assert status.state == "failed"
    assert "coverage_x.csv" in status.message and "district_code" in status.message
    assert "Traceback" not in "\n".join(status.lines)
    assert db.read_bytes() == before


# --- the page (AppTest) ----------------------------------------------------------------------------------

@pytest.fixture()
def page_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fixture_db: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(FIXTURE, source)
    db = tmp_path / "svmt.duckdb"
    shutil.copy(fixture_db, db)
    monkeypatch.setenv("SVMT_DB", str(db))
    monkeypatch.setenv("SVMT_SOURCE", str(source))
    monkeypatch.setenv("SVMT_WITHDRAWN", str(tmp_path / "withdrawn"))
    return tmp_path


@pytest.mark.parametrize("role", ["lanh_dao", "phan_tich"])
def test_page_refuses_other_roles(role: str, page_env: Path) -> None:
    from streamlit.testing.v1 import AppTest

    at = app_as(role).run()
    # the page is not in this role's navigation (the data officer's has it: test_page_reports_and_refuses)
    with pytest.raises(ValueError, match=r"Could not find a navigation page for '.*pages/tai_len\.py'"):
        at.switch_page("pages/tai_len.py").run()
    assert not at.exception and not at.get("file_uploader")
    direct = AppTest.from_file(str(Path(APP).parent / "pages" / "tai_len.py"), default_timeout=60)
    direct.session_state["authentication_status"] = True
    direct.session_state["roles"] = [role]
    direct.run()
    assert not direct.exception and direct.error[0].value.endswith("không được xem trang này.")
    assert not direct.get("file_uploader") and not direct.dataframe


def _shown(markdown: str) -> str:
    """What the browser shows of Markdown source whose user text is escaped (app/plain.md)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_page_reports_and_refuses(monkeypatch: pytest.MonkeyPatch, page_env: Path) -> None:
    """Too big (limit 1 MB here), a path in the name, a wrong type, a missing column, an unknown kind.

    The uploader's own type filter (csv, xlsx) stops other extensions before this page runs (in the browser
    and in AppTest), so the wrong type here is a `.xlsx` that is not a workbook; other extensions are
    refused by `check_upload` (test_wrong_types_are_refused) for files arriving by other paths."""
    monkeypatch.setenv("SVMT_MAX_UPLOAD_MB", "1")
    big = b"survey_round\n" + b"2023-H1\n" * 150_000  # 1,2 MB
    at = app_as("can_bo_du_lieu").run()
    at.switch_page("pages/tai_len.py").run()
    assert not at.exception
    assert any("tối đa 1 MB mỗi tệp" in c.value for c in at.caption)
    at.file_uploader[0].set_value([
        ("survey_lon.csv", big, "text/csv"), ("../../survey_evil.csv", b"a\n1\n", "text/csv"),
        ("survey.xlsx", b"a\n1\n", "application/octet-stream"),
        ("donations_thieu.csv", "Mã ủng hộ\nDN8\n".encode(), "text/csv"),
        ("bang_1.csv", b"foo,bar\n1,2\n", "text/csv")]).run()
    assert not at.exception, [e.message for e in at.exception]
    errors = [_shown(e.value) for e in at.error]
    assert len(errors) == 4
    assert "survey_lon.csv: tệp 1.1 MB vượt giới hạn 1 MB" in errors[0]
    assert "invalid file name (contains a path)" in errors[1]
    assert "survey.xlsx: không phải tệp Excel .xlsx / not an .xlsx workbook" in errors[2]
    assert "missing required column(s): donor_name, donor_type, form" in errors[3]
    accepted = at.dataframe[0].value  # the accepted header names of the refused donations file
    assert list(accepted.iloc[:, 0]) == ["Đơn vị, cá nhân", "Loại nhà tài trợ", "Hình thức ủng hộ"]
    assert "Loại nhà tài trợ" in accepted.iloc[1, 1]
    assert at.warning[0].value.startswith("Không xác định được loại tệp")
    assert at.button(key="upload_accept").disabled  # nothing acceptable yet
    ask = next(s for s in at.selectbox if s.label == "Loại tệp")
    ask.set_value("survey").run()
    assert not at.exception and len(at.error) == 5  # the chosen kind does not fit its headers: refused too
    assert sorted(p.name for p in (page_env / "source").iterdir()) == sorted(p.name for p in FIXTURE.iterdir())


def test_page_report_counts_and_source_listing(page_env: Path) -> None:
    messy = write_messy_survey(page_env / "sent").read_bytes()
    at = app_as("can_bo_du_lieu").run()
    at.switch_page("pages/tai_len.py").run()
    at.file_uploader[0].set_value((NAME, messy, "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Dòng đọc được": "10", "Dòng sẽ nạp": "6", "Dòng sẽ bị loại": "4",
                       "Mã xung đột": "0", "Trùng lặp sẽ tạo": "1", "Dòng đã có sẵn": "1"}
    assert any("windows-1258" in m.value for m in at.markdown)
    frames = [d.value for d in at.dataframe]
    assert list(frames[1]["Dòng"]) == [8, 9, 10, 11]  # the rejected rows (frames[0] is the header mapping)
    assert at.button(key="upload_accept").label == "Chấp nhận 1 tệp và làm mới dữ liệu"
    assert at.button(key="upload_accept").disabled  # the impact is checked first
    assert not at.button(key="upload_trial_button").disabled
    assert "Hãy chạy thử và xem tác động trước khi chấp nhận." in [c.value for c in at.caption]
    listing = frames[-1]
    assert "survey_2022-H1.csv" in set(listing["Tệp"]) and "README.md" in set(listing["Tệp"])
    assert listing.set_index("Tệp").loc["survey_2022-H1.csv", "Dung lượng (byte)"] == "1.397"
    assert at.date_input(key="upload_as_of").value == date(2023, 1, 15)  # the warehouse's as-of by default
    assert not (page_env / "withdrawn").exists() and os.listdir(page_env / "source")


# --- all or nothing, trial builds, district scope, plain text (issue 21, points 4 and 7) -----------------

def test_accepting_several_files_is_all_or_nothing(tmp_path: Path) -> None:
    """The second file cannot get a name (every name it could take is already a folder): the first, already
    named, is taken away again; the folder gains nothing and nothing is audit-logged."""
    source, db = tmp_path / "source", tmp_path / "svmt.duckdb"
    shutil.copytree(FIXTURE, source)
    before = sorted(os.listdir(source))
    for n in range(1, 1000):
        (source / upload.stored_name("donations", "b.csv", WHEN, n)).mkdir()
    taken = sorted(os.listdir(source))
    items = [upload.Incoming(b"survey_round\n2023-H1\n", "a.csv", "survey"),
             upload.Incoming(DONATIONS.encode(), "b.csv", "donations")]
    with pytest.raises(upload.UploadRefused) as refused:
        upload.store_all(items, source, db, "canbo", WHEN)
    assert refused.value.code == "name"
    assert sorted(os.listdir(source)) == taken and len(taken) == len(before) + 999
    assert not upload.audit_log_path(db.resolve()).exists()
    stored = upload.store_all(items[:1], source, db, "canbo", WHEN)  # alone it goes in
    assert [s.path.name for s in stored] == ["survey_20231105-142233_a.csv"]


def test_scoped_officer_stores_with_scope_and_withdraws_only_own_files(tmp_path: Path) -> None:
    source, withdrawn, db = tmp_path / "source", tmp_path / "withdrawn", tmp_path / "svmt.duckdb"
    shutil.copytree(FIXTURE, source)
    with pytest.raises(upload.UploadRefused) as refused:
        upload.store(b"district_code\n643\n", "districts_x.csv", "districts", source, db, "huyen", WHEN, ["643"])
    assert refused.value.code == "scope"
    own = upload.store(DONATIONS.encode(), "d.csv", "donations", source, db, "huyen", WHEN, ["643"])
    assert json.loads((source / f".{own.path.name}.scope.json").read_text()) == {"districts": ["643"]}
    listing = {e.name: e.scope for e in upload.list_source(source)}
    assert listing[own.path.name] == ["643"] and listing["donations.csv"] is None
    assert f".{own.path.name}.scope.json" not in listing  # hidden: neither listed nor loaded as data
    with pytest.raises(upload.UploadRefused):  # a province file
        upload.withdraw("donations.csv", source, withdrawn, db, "huyen", WHEN, scope=["643"])
    with pytest.raises(upload.UploadRefused):  # another district's file
        upload.withdraw(own.path.name, source, withdrawn, db, "huyen2", WHEN, scope=["652"])
    target = upload.withdraw(own.path.name, source, withdrawn, db, "huyen", WHEN, scope=["643", "644"])
    assert target.exists() and (withdrawn / f".{target.name}.scope.json").exists()
    assert not (source / f".{own.path.name}.scope.json").exists()


def test_scoped_preview_rejects_other_districts_rows(fixture_db: Path) -> None:
    """survey_2022-H1.csv scoped to 643: lines 4, 10 (THPT01, 652) and 5, 8 (LC01, 644) are outside; the five
    rows already rejected keep their reasons (line 11's school TH01 is in 643, its grade 15 is what breaks);
    lines 2, 3, 6, 7, 9 load. coverage.csv scoped to 652: P3 (644) outside, P5 and P6 as before."""
    survey = (FIXTURE / "survey_2022-H1.csv").read_bytes()
    coverage = (FIXTURE / "coverage.csv").read_bytes()
    s, c = preview([Upload("survey_x.csv", survey, scope=["643"]), Upload("coverage_x.csv", coverage, scope=["652"])],
                   fixture_db)
    assert (s.rows_loaded, s.rows_rejected) == (5, 9)
    outside = s.rejected[s.rejected["reason"].str.contains("outside the uploader")]
    assert outside[["line", "column", "value"]].values.tolist() == [
        [4, "school_code", "THPT01"], [5, "school_code", "LC01"], [8, "school_code", "LC01"],
        [10, "school_code", "THPT01"]]
    assert outside["reason"].iloc[0] == ("Ngoài địa bàn được phép của người tải lên — outside the uploader's "
                                         "districts")
    assert (c.rows_loaded, c.rows_rejected) == (3, 3)
    assert c.rejected[["line", "column"]].values.tolist() == [[4, "district_code"], [6, "completed_on"],
                                                            [7, "district_code"]]
    assert "outside the uploader" in c.rejected["reason"].iloc[0] and "unknown" in c.rejected["reason"].iloc[2]


SURVEY_HEADER = (FIXTURE / "survey_2022-H1.csv").read_text(encoding="utf-8").splitlines()[0]
SCOPED_SURVEY = SURVEY_HEADER + "\n" + \
    "2023-H1,007100000001,Mai Văn Một,2012-01-01,nam,TH01,4,ngheo,,false,true,2023-01-05\n" + \
    "2023-H1,007100000002,Mai Văn Hai,2012-01-01,nam,THPT01,10,ngheo,,false,true,2023-01-05\n" + \
    "2023-H1,007100000003,Mai Văn Ba,2012-01-01,nam,LC01,6,ngheo,,false,true,2023-01-05\n"


def _wait_trial(path: Path, limit: float = 600) -> upload.JobStatus:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        status = upload.trial_status(path)
        if status.state in ("ok", "failed"):
            return status
        time.sleep(0.1)
    pytest.fail("the trial did not finish")


def test_trial_of_a_scoped_upload_then_the_refresh_gives_the_same_figures(tmp_path: Path, fixture_db: Path) -> None:
    """A 643 officer sends three new students: one at TH01 (643) loads, THPT01 (652) and LC01 (644) are rejected
    as outside their districts. Trial: identified 9 → 10, rejected rows 13 → 15, not held (survey share
    5/19 → 7/22, +5,5 points); the source folder untouched. The refresh then gives exactly the trial's figures."""
    source, db = tmp_path / "data" / "source", tmp_path / "svmt.duckdb"
    shutil.copytree(FIXTURE, source)
    shutil.copy(fixture_db, db)
    listing = sorted(os.listdir(source))
    items = [upload.Incoming(SCOPED_SURVEY.encode(), "survey_huyen.csv", "survey")]
    job = upload.start_trial(items, source, db, date(2023, 1, 15), "huyen", WHEN, ["643"])
    status = _wait_trial(job)
    assert status.state == "ok", status.message
    impact = status.result["impact"]
    assert impact["reasons"] == []
    assert impact["before"]["students_identified"] == 9 and impact["before"]["rejected_row_count"] == 13
    assert impact["after"]["students_identified"] == 10 and impact["after"]["rejected_row_count"] == 15
    assert sorted(os.listdir(source)) == listing
    assert not [p for p in (tmp_path / "data").iterdir() if p.name.startswith(".svmt-trial-")]  # removed

    stored = upload.store_all(items, source, db, "huyen", stamp=WHEN, scope=["643"])
    assert stored[0].path.name == "survey_20231105-142233_survey_huyen.csv"
    upload.start_refresh(source, db, date(2023, 1, 15), "huyen", "upload")
    assert _wait(db).state == "ok"
    assert dict(zip(upload.KPI_FIELDS, query(db, f"SELECT {', '.join(upload.KPI_FIELDS)} FROM marts.program_kpis")[0],
                    strict=True)) == impact["after"]
    assert query(db, "SELECT source_line, column_name, value, reason_code FROM dq.rejected_rows WHERE source_file = ? "
                     "ORDER BY source_line", [stored[0].path.name]) == [
        (3, "school_code", "THPT01", "outside_scope"), (4, "school_code", "LC01", "outside_scope")]


HOSTILE = "survey_**x**_[a](http:e)_<img src=x>.csv"


def _bad_rows(n: int) -> bytes:
    """n rows rejected for grade 15, names and an unknown header written in Markdown."""
    rows = [f"2023-H1,0099000000{i:02d},__Lỗi__ [b](c),2010-01-01,nam,TH01,15,ngheo,,false,false,2023-01-05,x"
            for i in range(n)]
    return (SURVEY_HEADER + ",**Ghi chú** [h](i)\n" + "\n".join(rows) + "\n").encode()


def test_page_plain_text_held_trial_confirmation_and_accept_drop(page_env: Path) -> None:
    """A hostile name and cell values stay plain text. Three rows rejected (grade 15) lift the survey kind's
    rejected share from 5/19 to 8/22 (+10,05 points): the trial is held, Accept needs the confirmation, then the
    refresh publishes with --accept-drop by the signed-in user."""
    at = app_as("can_bo_du_lieu").run()
    at.switch_page("pages/tai_len.py").run()
    at.file_uploader[0].set_value((HOSTILE, _bad_rows(3), "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    safe = upload.safe_name(HOSTILE)
    assert safe == "survey___x___[a](http_e)__img src=x_.csv"
    rendered = [e.value for kind in ("markdown", "subheader", "caption", "error", "success", "info", "warning")
                for e in getattr(at, kind)]
    assert r"survey\_\_\_x\_\_\_\[a\]\(http\_e\)\_\_img src\=x\_\.csv" in [s.value for s in at.subheader]
    assert not [v for v in rendered if "___x___" in v or "[a](" in v or "[h](" in v or "**Ghi" in v]
    assert any(r"\*\*Ghi chú\*\* \[h\]\(i\)" in c.value for c in at.caption)  # the ignored header, escaped
    assert at.button(key="upload_accept").disabled
    at.button(key="upload_trial_button").click().run()
    trial = Path(at.session_state["upload_trial"]["path"])
    assert _wait_trial(trial).state == "ok"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    impact = at.dataframe[-2].value  # before → after (the last one lists the source folder)
    assert impact.set_index("Chỉ số").loc["Dòng bị loại"].tolist() == ["13", "16"]
    assert impact.set_index("Chỉ số").loc["Học sinh cần hỗ trợ"].tolist() == ["9", "9"]
    assert at.warning[-1].value.startswith("Cảnh báo: lần làm mới này sẽ bị giữ lại")
    reasons = [c.value for c in at.code]
    assert any(re.fullmatch(rf"survey_\d{{8}}-\d{{6}}_{re.escape(safe)}: tỷ lệ dòng survey bị loại tăng từ 26,3 % "
                            r"lên 36,4 % \(5 → 8 dòng\)", v) for v in reasons), reasons
    assert at.button(key="upload_accept").disabled
    at.checkbox(key="upload_confirm").check().run()
    assert not at.button(key="upload_accept").disabled
    at.button(key="upload_accept").click().run()
    assert not at.exception, [e.message for e in at.exception]
    db = page_env / "svmt.duckdb"
    assert _wait(db).state == "ok"
    assert query(db, "SELECT rejected_row_count FROM marts.program_kpis") == [(16,)]
    log = [json.loads(line) for line in upload.audit_log_path(db.resolve()).read_text(encoding="utf-8").splitlines()]
    drop = [e for e in log if e.get("event") == "accept_drop"]
    assert [(e["user"], e["outcome"]) for e in drop] == [("can_bo_du_lieu", "published despite hold")]
    assert f"_{safe}: tỷ lệ dòng survey bị loại tăng từ 26,3 % lên 36,4 %" in drop[0]["message"]


def test_page_for_a_district_officer(page_env: Path) -> None:
    at = app_as("can_bo_du_lieu", districts=["643"])
    at.run()
    at.switch_page("pages/tai_len.py").run()
    assert any("giới hạn ở các huyện 643" in i.value for i in at.info)
    at.file_uploader[0].set_value(("districts_x.csv", (FIXTURE / "districts.csv").read_bytes(), "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Danh mục huyện chỉ do cấp tỉnh tải lên" in e.value for e in at.error)
    assert at.button(key="upload_trial_button").disabled
    assert at.selectbox(key="withdraw_pick").options == []  # every file of the folder is the province's
