"""The monthly press-briefing pack (`python -m warehouse briefing`) on the fixture province.

Figures as of a month's last day, derived by hand from tests/fixtures/province (student letters as in
tests/test_marts_fixture.py). Survey rows: H1 dated 01–08/03/2022, H2 dated 01–04/09/2022.
  31/08/2022  only the H1 rows count: A B C D F G1 I identified (E has a device; G2 and H appear in H2) = 7;
              no handover yet; C's latest row is still H1 (no device) → remaining 7, 0 %.
  30/09/2022  H2 rows count: G2, H join → identified 9; H1 handed 16/09 → A supported; C self-resolved
              (H2: has a device) → remaining 7, 2/9.
  31/10/2022  + H2 (D, 01/10), H4 (G2, 05/10); H6 (10/10) is outside the need list → supported 3
              (A D G2), self-resolved 1, remaining 5 (B F G1 H I), 4/9.
  30/11/2022  + H5 (I, 02/11), H3 (D again) → supported 4, remaining 4 (B F G1 H), 5/9 = marts.program_kpis.
Monthly and running totals: MONTHLY_BY_HAND below (the same as test_marts_fixture.py's monthly_progress).
October by district × tier: 643 tier 1 A G1 G2 (2 supported, G1 waits) · 643 tier 2 B H · 644 tier 1 F ·
  644 tier 3 D (supported) · 652 tier 1 I (handed over in November) · 652 tier 3 C (self-resolved).
October handovers: H1 643 laptop (September), H2 644 tablet, H4 643 smartphone, H6 643 tablet.
October donations: DN1 15M cash (08/2022), DN2 4 laptops (09), DN3 3 used tablets failed (09), DN4 20M
  pledged 01/10, DN5 50 packages 15/10; DN6 DN7 only in November.
October coverage: P1 covered 20/05/2022; P2 (planned 31/12/2022) not yet overdue on 31/10; P3, P4 open.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pypdf
import pytest

from tests.conftest import AS_OF, FIXTURE, query, run_cli
from warehouse import audit, reports
from warehouse.__main__ import main
from warehouse.refresh import DEVICE_UNIT_COST_VND, refresh, run_dbt
from warehouse.reports.excel import HEADER_ROW
from warehouse.reports.figures import HEADLINE, month_end, parse_month
from warehouse.reports.wording import change_text, figure_text

BMT, BH, KB = "Thành phố Buôn Ma Thuột", "Thị xã Buôn Hồ", "Huyện Krông Bông"
NEED_BY_HAND = {  # identified, supported, self_resolved, remaining
    "2022-08": (7, 0, 0, 7), "2022-09": (9, 1, 1, 7), "2022-10": (9, 3, 1, 5), "2022-11": (9, 4, 1, 4),
}
NEED_KEYS = ("students_identified", "students_supported", "students_self_resolved", "students_remaining")
MP_KEYS = ("devices_received", "cash_received_vnd", "devices_handed_over", "students_supported_new")


def _copy_db(src: Path, folder: Path) -> Path:
    """A private copy of the session warehouse, so the published-figures store of one test is its own."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "svmt.duckdb"
    shutil.copy(src, db)
    return db


# This month's and running totals by hand from the fixture files (the mart the pack copies is not the reference):
# devices received (inspection passed), cash received, devices handed over, students supported for the first time,
# then the running totals of the four.
MONTHLY_BY_HAND = {
    "2022-08": (0, 15_000_000, 0, 0, 0, 15_000_000, 0, 0),  # DN1 10/08, 15.000.000 once donations_2.csv corrects it
    "2022-09": (4, 0, 1, 1, 4, 15_000_000, 1, 1),  # DN2 4 laptops (DN3's tablets failed inspection); H1 16/09 → A
    "2022-10": (0, 0, 3, 2, 4, 15_000_000, 4, 3),  # H2 → D, H4 → G2, H6 (outside the need list); H9 rejected
    "2022-11": (0, 6_000_000, 2, 1, 4, 21_000_000, 6, 4),  # DN6 + DN7 3.000.000 each; H3 (D again), H5 → I
}
MONTHLY_KEYS = (*MP_KEYS, *(f"cum_{k}" for k in MP_KEYS))


def _expected(month: str) -> dict[str, float]:
    """What the pack must say for `month`, all derived by hand: the monthly totals and the need figures."""
    out: dict[str, float] = dict(zip(MONTHLY_KEYS, MONTHLY_BY_HAND[month], strict=True))
    identified, supported, self_resolved, remaining = NEED_BY_HAND[month]
    out.update(students_identified=identified, students_supported=supported,
               students_self_resolved=self_resolved, students_remaining=remaining,
               pct_covered=(identified - remaining) / identified)
    return out


def _mart_month(db: Path, month: str) -> dict[str, int]:
    rows = query(db, f"select {', '.join(MONTHLY_KEYS)} from marts.monthly_progress "
                     "where strftime(month, '%Y-%m') = ?", [month])
    assert len(rows) == 1
    return dict(zip(MONTHLY_KEYS, rows[0], strict=True))


def _sheet_rows(ws, first: int = HEADER_ROW + 2) -> list[tuple]:
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=first) if any(c.value is not None for c in row)]


def _pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(str(path))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


@pytest.fixture(scope="module")
def october(fixture_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The October 2022 pack, written by the real CLI from a private copy of the fixture warehouse."""
    db = _copy_db(fixture_db, tmp_path_factory.mktemp("brief_oct"))
    out = db.parent / "out"
    result = run_cli("briefing", "--db", str(db), "--month", "2022-10", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "briefing-2022-10.xlsx" in result.stdout and "briefing-2022-10.pdf" in result.stdout
    assert "not published" in result.stdout
    return db, out


def test_cli_writes_exactly_the_two_files(october: tuple[Path, Path]) -> None:
    db, out = october
    assert sorted(p.name for p in out.iterdir()) == ["briefing-2022-10.pdf", "briefing-2022-10.xlsx"]
    assert reports.published_store(db) == db.with_name("svmt_published.duckdb")
    assert not reports.published_store(db).exists()  # building is not publishing


@pytest.mark.parametrize("month", sorted(NEED_BY_HAND))
def test_month_figures_by_hand(fixture_db: Path, month: str) -> None:
    got = reports.month_figures(fixture_db, month)
    want = _expected(month)
    assert got["figures"].pop("pct_covered") == pytest.approx(want.pop("pct_covered"))
    assert got["figures"] == want
    assert got["as_of"] == month_end(date.fromisoformat(month + "-01"))


def test_every_month_matches_monthly_progress_and_latest_matches_kpis(fixture_db: Path) -> None:
    months = reports.available_months(fixture_db)
    # the data range: monthly_progress (08/2022–02/2023) stretched over the survey dates (03/2022)
    assert months[0] == "2022-03" and months[-1] == "2023-02" and len(months) == 12
    mart = {m.strftime("%Y-%m") for (m,) in query(fixture_db, "select month from marts.monthly_progress")}
    for month in months:
        figures = reports.month_figures(fixture_db, month)["figures"]
        if month in mart:
            assert {k: figures[k] for k in _mart_month(fixture_db, month)} == _mart_month(fixture_db, month)
        else:  # before the first activity: nothing handed over, nothing received yet
            assert figures["cum_devices_handed_over"] == figures["cum_cash_received_vnd"] == 0
    latest = reports.month_figures(fixture_db, months[-1])
    cols = [*NEED_KEYS, "pct_covered"]
    kpis = dict(zip(cols, query(fixture_db, f"select {', '.join(cols)} from marts.program_kpis")[0], strict=True))
    assert {k: latest["figures"][k] for k in cols} == pytest.approx(kpis)
    coverage = query(fixture_db, """select district_code, points_total, points_covered, points_overdue,
                                           students_affected_uncovered, schools_total, schools_without_internet
                                    from marts.coverage_by_district order by 1""")
    assert [(r["district_code"], r["points_total"], r["points_covered"], r["points_overdue"],
             r["students_affected_uncovered"], r["schools_total"], r["schools_without_internet"])
            for r in latest["coverage"]] == coverage


def test_summary_sheet_cell_by_cell(october: tuple[Path, Path]) -> None:
    db, out = october
    book = openpyxl.load_workbook(out / "briefing-2022-10.xlsx")
    assert book.sheetnames == ["Tổng hợp", "Nhu cầu", "Huy động", "Bàn giao", "Phủ sóng", "Điều chỉnh"]
    now, before = _expected("2022-10"), _expected("2022-09")
    ws = book["Tổng hợp"]
    for sheet in book.worksheets:  # title row: province, month, as-of date; frozen header row
        assert "Tỉnh Đắk Lắk" in sheet["A1"].value and "10/2022" in sheet["A1"].value
        assert "31/10/2022" in sheet["A3"].value
        assert sheet.freeze_panes == f"A{HEADER_ROW + 2}"
    assert [c.value for c in ws[HEADER_ROW + 1]] == [
        "Chỉ tiêu", "Tháng 10/2022", "Tháng trước (09/2022)", "Thay đổi so với tháng trước"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=HEADER_ROW + 2, max_row=HEADER_ROW + 14)}
    assert len(rows) == len(reports.FIGURES)
    for key, (text, kind) in reports.FIGURES.items():
        cells = rows[text]
        assert all(c.data_type == "n" for c in cells[1:]), text  # real numbers, not text
        assert (cells[1].value, cells[2].value, cells[3].value) == pytest.approx(
            (now[key], before[key], now[key] - before[key])), text
        fmt = cells[1].number_format
        assert fmt == {"int": "#,##0", "money": '#,##0 "₫"', "pct": "0.0%"}[kind]
    texts = [r[0] for r in _sheet_rows(ws, HEADER_ROW + 15)]
    assert any("13 dòng bị loại, 11 vấn đề chưa xử lý" in t for t in texts)
    assert ws.column_dimensions["A"].width >= max(len(t) for t, _ in reports.FIGURES.values())


def test_template_sheets_cell_by_cell(october: tuple[Path, Path]) -> None:
    db, out = october
    book = openpyxl.load_workbook(out / "briefing-2022-10.xlsx")
    mp = _expected("2022-10")
    t1, t2, t3 = "Diện 1: hộ nghèo", "Diện 2: hộ cận nghèo", "Diện 3: khó khăn do COVID-19"
    need = _sheet_rows(book["Nhu cầu"])
    assert need[:-1] == [
        ("643", BMT, t1, 3, 2, 0, 1, pytest.approx(2 / 3)), ("643", BMT, t2, 2, 0, 0, 2, 0),
        ("644", BH, t1, 1, 0, 0, 1, 0), ("644", BH, t3, 1, 1, 0, 0, 1),
        ("652", KB, t1, 1, 0, 0, 1, 0), ("652", KB, t3, 1, 0, 1, 0, 1),
    ]
    assert need[-1] == (None, "Tổng cộng", None, 9, 3, 1, 5, pytest.approx(4 / 9))

    money = _sheet_rows(book["Huy động"])
    assert money == [  # donations, cash month / received / pledged, devices month / received / pledged / failed,
        ("Cá nhân", "Thiết bị", 1, 0, 0, 0, 0, 0, 0, 3, 0, 0),  # packages month / received
        ("Doanh nghiệp", "Tiền mặt", 1, 0, 15_000_000, 0, 0, 0, 0, 0, 0, 0),
        ("Doanh nghiệp viễn thông", "Gói cước", 1, 0, 0, 0, 0, 0, 0, 0, 50, 50),
        ("Doanh nghiệp viễn thông", "Thiết bị", 1, 0, 0, 0, 0, 4, 0, 0, 0, 0),
        ("Ngân sách, quỹ", "Tiền mặt", 1, 0, 0, 20_000_000, 0, 0, 0, 0, 0, 0),
        ("Tổng cộng", None, 5, mp["cash_received_vnd"], mp["cum_cash_received_vnd"], 20_000_000,
         mp["devices_received"], mp["cum_devices_received"], 0, 3, 50, 50),
    ]
    assert book["Huy động"].cell(HEADER_ROW + 2, 5).number_format == '#,##0 "₫"'

    handed = _sheet_rows(book["Bàn giao"])
    assert handed == [
        ("643", BMT, "Điện thoại thông minh", 1, 1), ("643", BMT, "Máy tính bảng", 1, 1),
        ("643", BMT, "Máy tính xách tay", 0, 1), ("644", BH, "Máy tính bảng", 1, 1),
        (None, "Tổng cộng", None, mp["devices_handed_over"], mp["cum_devices_handed_over"]),
    ]

    coverage = _sheet_rows(book["Phủ sóng"])
    assert coverage == [  # total, covered, uncovered, overdue, % covered, students uncovered, schools, no internet
        ("643", BMT, 0, 0, 0, 0, None, 0, 2, 0),
        ("644", BH, 1, 0, 1, 0, 0, 8, 1, 1),
        ("652", KB, 3, 1, 2, 0, pytest.approx(1 / 3), 20, 1, 1),
        (None, "Tổng cộng", 4, 1, 3, 0, 0.25, 28, 4, 2),
    ]
    assert _sheet_rows(book["Điều chỉnh"]) == [("Không có số liệu đã công bố nào thay đổi.", None, None, None)]


def test_pdf_one_a4_page_same_numbers(october: tuple[Path, Path]) -> None:
    db, out = october
    pdf = out / "briefing-2022-10.pdf"
    box = pypdf.PdfReader(str(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = _pdf_text(pdf)
    now, before = _expected("2022-10"), _expected("2022-09")
    assert "Tỉnh Đắk Lắk" in text and "BÁO CÁO KẾT QUẢ THÁNG 10/2022" in text
    assert "số liệu tính đến hết ngày 31/10/2022" in text
    for key in HEADLINE:
        line = (f"{reports.FIGURES[key][0]} {figure_text(key, now[key])} so với 09/2022: "
                f"{change_text(key, now[key], before[key])}")
        assert line in text
    # the same figures, spelled out
    for line in ("Thiết bị trao trong tháng 3 so với 09/2022: +2", "Lũy kế thiết bị đã trao 4 so với 09/2022: +3",
                 "Học sinh còn chờ hỗ trợ 5 so với 09/2022: −2",
                 "Tỷ lệ đáp ứng nhu cầu 44,4 % so với 09/2022: +22,2 điểm %",
                 "Lũy kế tiền mặt đã nhận 15.000.000 ₫ so với 09/2022: không đổi"):
        assert line in text
    assert "13 dòng bị loại, 11 vấn đề chưa xử lý" in text  # data-quality caveat
    assert "Thiết bị trao tặng theo tháng" in text and "Các địa bàn xa mục tiêu nhất" in text  # the two charts
    assert "40,0 % · còn chờ 3 HS" in text  # Buôn Ma Thuột: 2 of 5 covered, the furthest from target


def test_no_personal_data_in_the_pack(october: tuple[Path, Path]) -> None:
    _, out = october
    secrets: set[str] = set()
    for name in ("survey_2022-H1.csv", "survey_2022-H2_a.csv", "handovers.csv", "donations.csv"):
        with (FIXTURE / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for col in ("full_name", "student_id", "serial_number", "record_no"):
                    if row.get(col):
                        secrets.add(row[col].strip())
                if row.get("donor_type") == "ca_nhan" and row.get("donor_name"):
                    secrets.add(row["donor_name"])
    book = openpyxl.load_workbook(out / "briefing-2022-10.xlsx")
    cells = " | ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
    text = _pdf_text(out / "briefing-2022-10.pdf")
    assert secrets and not [s for s in secrets if s in cells or s in text]


def test_text_that_looks_like_a_formula_stays_text(fixture_db: Path, tmp_path: Path) -> None:
    db = _copy_db(fixture_db, tmp_path)
    evil = {"643": '=HYPERLINK("http://x","y")', "644": "+1+1", "652": "@SUM(1)"}
    con = duckdb.connect(str(db))
    for code, name in evil.items():
        con.execute("update intermediate.int_districts set district_name = ? where district_code = ?", [name, code])
    con.close()
    xlsx, _ = reports.build_pack(db, "2022-10", tmp_path / "out")
    book = openpyxl.load_workbook(xlsx)
    found = [c for ws in book for row in ws.iter_rows() for c in row if c.value in evil.values()]
    assert found and all(c.data_type == "s" for c in found)
    with zipfile.ZipFile(xlsx) as zf:
        assert not any("<f>" in zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/"))


# SPEC §5's need figures read literally over the survey rows and handovers dated by a day: the independent
# check of the pre-aggregated marts.need_by_month the pack reads.
NEED_AS_OF_SQL = """
with dated as (
    select * from intermediate.int_survey_rows
    where coalesce(surveyed_on, make_date(cast(left(survey_round, 4) as integer),
                                          case when right(survey_round, 2) = 'H2' then 7 else 1 end, 1)) <= $as_of
),
latest as (
    select * from dated
    qualify row_number() over (partition by student_key order by survey_round desc, surveyed_on desc nulls last,
                                                                  file_rank desc, source_line desc) = 1
),
need as (select student_key, bool_or(not has_device) as is_identified from dated group by student_key),
support as (select distinct student_key from intermediate.int_handovers where handed_on <= $as_of),
states as (
    select latest.district_code,
           case when latest.household_status = 'ngheo' then 1 when latest.household_status = 'can_ngheo' then 2
                when latest.household_status = 'kho_khan_covid' or latest.covid_orphan then 3 else 4 end as tier,
           need.is_identified, need.is_identified and support.student_key is not null as is_supported,
           latest.has_device
    from latest join need using (student_key) left join support using (student_key)
)
select district_code, tier, count(*) filter (where is_identified), count(*) filter (where is_supported),
       count(*) filter (where is_identified and not is_supported and has_device),
       count(*) filter (where is_identified and not is_supported and not has_device)
from states group by all having count(*) filter (where is_identified) > 0 order by 1, 2
"""


def _need_rows(db: Path, month: str) -> tuple[list[tuple], list[tuple]]:
    """(the pack's district × tier need rows, the same rows counted literally from the survey rows)."""
    pack = [(r["district_code"], r["priority_tier"], *(r[k] for k in NEED_KEYS))
            for r in reports.month_figures(db, month)["need"]]
    con = duckdb.connect(str(db), read_only=True)
    try:
        literal = con.execute(NEED_AS_OF_SQL, {"as_of": month_end(parse_month(month))}).fetchall()
    finally:
        con.close()
    return pack, literal


def test_every_month_of_need_by_month_is_the_rule_read_literally(fixture_db: Path) -> None:
    months = reports.available_months(fixture_db)
    for month in months:
        pack, literal = _need_rows(fixture_db, month)
        assert pack == literal, month
    # not vacuous: the parts move between months as derived by hand (NEED_BY_HAND)
    assert [sum(r[2] for r in _need_rows(fixture_db, m)[0]) for m in sorted(NEED_BY_HAND)] == [7, 9, 9, 9]
    assert [sum(r[5] for r in _need_rows(fixture_db, m)[0]) for m in sorted(NEED_BY_HAND)] == [7, 7, 5, 4]


@pytest.mark.slow  # a refresh of its own
def test_undated_survey_rows_count_from_their_rounds_first_day(fixture_db: Path, tmp_path: Path) -> None:
    db = _copy_db(fixture_db, tmp_path)
    con = duckdb.connect(str(db))
    con.execute("update intermediate.int_survey_rows set surveyed_on = null")
    con.close()
    # real dbt: need_by_month and what is built on it (the briefing calendar and its tables)
    run_dbt(db, date.fromisoformat(AS_OF), DEVICE_UNIT_COST_VND, ["--select", "need_by_month+"])
    # H2 rows now date from 01/07/2022: by 31/08 G2 and H are identified and C has self-resolved
    figures = reports.month_figures(db, "2022-08")["figures"]
    assert tuple(figures[k] for k in NEED_KEYS) == (9, 0, 1, 8)
    # H1 rows date from 01/01/2022, which opens the data range there
    assert reports.available_months(db)[0] == "2022-01"
    assert tuple(reports.month_figures(db, "2022-06")["figures"][k] for k in NEED_KEYS) == (7, 0, 0, 7)
    for month in reports.available_months(db):
        pack, literal = _need_rows(db, month)
        assert pack == literal, month


@pytest.mark.parametrize("month", ["2022-13", "2022/10", "22-10", "oct", "2021-12", "2023-03"])
def test_bad_month_exits_2_and_writes_nothing(fixture_db: Path, tmp_path: Path, month: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = _copy_db(fixture_db, tmp_path)
    out = tmp_path / "out"
    assert main(["briefing", "--db", str(db), "--month", month, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert month in err and "Traceback" not in err
    assert ("ngoài dữ liệu" in err) == (month in ("2021-12", "2023-03"))
    assert not out.exists() and not reports.published_store(db).exists()


def test_missing_warehouse_exits_2(tmp_path: Path) -> None:
    result = run_cli("briefing", "--db", str(tmp_path / "nope.duckdb"), "--month", "2022-10",
                     "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "nope.duckdb" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "nope.duckdb").exists()


def test_failure_midway_leaves_no_partial_files(fixture_db: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    db = _copy_db(fixture_db, tmp_path)
    out = tmp_path / "out"

    def boom(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("warehouse.reports.pack.write_pdf", boom)
    with pytest.raises(RuntimeError):
        reports.build_pack(db, "2022-10", out)
    assert list(out.iterdir()) == [] and not reports.published_store(db).exists()


@pytest.mark.slow  # a refresh of its own
def test_published_figures_survive_refresh_and_corrections_are_announced(
        fixture_db: Path, tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(FIXTURE, source)
    db = _copy_db(fixture_db, tmp_path / "wh")
    reports.publish(db, "2022-10", "lanhdao", "lanh_dao")
    store = reports.published_store(db)
    published = query(store, "select month, figure, value, kind from meta.published_briefings order by figure")
    assert len(published) == len(reports.FIGURES)
    assert ("2022-10", "cum_devices_handed_over", 4.0, "published") in published

    # a late delivery: a handover dated 20/10/2022 to B (Trần Thị Bình, surveyed without an ID)
    (source / "handovers_3.csv").write_text(
        "handover_id,handed_on,full_name,date_of_birth,school_code,device_type\n"
        "H8,2022-10-20,Trần Thị Bình,2009-02-03,THCS01,may_tinh_bang\n", encoding="utf-8")
    before = store.read_bytes()
    refresh(source, db, date.fromisoformat(AS_OF))  # the real refresh, in-process (its CLI: test_refresh_cli.py)
    assert store.read_bytes() == before  # refresh never touches the published figures

    pack = reports.write_pack(db, "2022-11", tmp_path / "out2")
    # building announces the corrections but records nothing: a second build announces them again
    assert store.read_bytes() == before
    assert reports.write_pack(db, "2022-11", tmp_path / "out2b").corrections == pack.corrections
    got = {(c["month"], c["figure"]): (c["old"], c["new"]) for c in pack.corrections}
    assert got == {
        ("2022-10", "devices_handed_over"): (3, 4), ("2022-10", "cum_devices_handed_over"): (4, 5),
        ("2022-10", "students_supported_new"): (2, 3), ("2022-10", "cum_students_supported_new"): (3, 4),
        ("2022-10", "students_supported"): (3, 4), ("2022-10", "students_remaining"): (5, 4),
        ("2022-10", "pct_covered"): (pytest.approx(4 / 9), pytest.approx(5 / 9)),
    }
    text = _pdf_text(pack.pdf)
    assert "Tháng 10/2022 (đã điều chỉnh):" in text and "Lũy kế thiết bị đã trao 4 → 5" in text
    assert "Học sinh còn chờ hỗ trợ 5 → 4" in text
    # the change since last month is measured against the corrected October (B supported: 4 → 3 waiting)
    assert "Học sinh còn chờ hỗ trợ 3 so với 10/2022: −1" in text
    book = openpyxl.load_workbook(pack.xlsx)
    rows = _sheet_rows(book["Điều chỉnh"])
    assert ("10/2022", "Lũy kế thiết bị đã trao", 4, 5) in rows and len(rows) == 7
    summary = {r[0]: r for r in _sheet_rows(book["Tổng hợp"])}
    assert summary["Lũy kế thiết bị đã trao"][1:] == (7, 5, 2)  # November 7, October corrected to 5

    # publishing November records the correction beside the original publication; nothing is rewritten
    published_nov = reports.publish(db, "2022-11", "lanhdao", "lanh_dao")
    assert published_nov.corrections == pack.corrections
    history = query(store, """select kind, pack_month, value from meta.published_briefings
                              where month = '2022-10' and figure = 'cum_devices_handed_over' order by batch""")
    assert history == [("published", "2022-10", 4.0), ("correction", "2022-11", 5.0)]
    # announced once: the packs built after that publication have nothing new to correct
    assert reports.write_pack(db, "2022-11", tmp_path / "out3").corrections == []
    assert reports.write_pack(db, "2022-10", tmp_path / "out4").corrections == []


# Publishing is an act (issue 21 point 9): building never publishes; publishing is for SVMT_PUBLISH_ROLES only.


def test_building_twice_records_nothing(fixture_db: Path, tmp_path: Path) -> None:
    db = _copy_db(fixture_db, tmp_path / "wh")
    reports.write_pack(db, "2022-10", tmp_path / "out1")
    reports.pack_bytes(db, "2022-10")
    assert not reports.published_store(db).exists()
    assert [e for e in audit.read(db) if e.get("event") == "publish"] == []


def test_publish_by_a_leader_records_and_audits(fixture_db: Path, tmp_path: Path) -> None:
    db = _copy_db(fixture_db, tmp_path / "wh")
    done = reports.publish(db, "2022-10", "lanhdao", "lanh_dao")
    want = _expected("2022-10")
    assert done.figures["cum_devices_handed_over"] == want["cum_devices_handed_over"] == 4
    store = reports.published_store(db)
    rows = dict(query(store, "select figure, value from meta.published_briefings where month = '2022-10'"))
    assert rows["students_remaining"] == 5.0 and len(rows) == len(reports.FIGURES)
    assert store.stat().st_mode & 0o077 == 0
    (entry,) = [e for e in audit.read(db) if e.get("event") == "publish"]
    assert (entry["user"], entry["role"], entry["month"]) == ("lanhdao", "lanh_dao", "2022-10")
    assert entry["figures"]["students_remaining"] == 5 and entry["figures"]["cum_devices_handed_over"] == 4
    assert audit.verify(db).ok


def test_publish_by_an_analyst_is_refused(fixture_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _copy_db(fixture_db, tmp_path / "wh")
    with pytest.raises(reports.PublishRefused, match="phan_tich"):
        reports.publish(db, "2022-10", "phantich", "phan_tich")
    assert not reports.published_store(db).exists() and audit.read(db) == []
    # the allowed roles are configurable
    monkeypatch.setenv("SVMT_PUBLISH_ROLES", "phan_tich, can_bo_du_lieu")
    with pytest.raises(reports.PublishRefused):
        reports.publish(db, "2022-10", "lanhdao", "lanh_dao")
    assert reports.publish(db, "2022-10", "phantich", "phan_tich").month == "2022-10"
    assert reports.published(db)["2022-10"]["cum_devices_handed_over"] == 4.0


def test_cli_publish_needs_a_user_and_an_allowed_role(fixture_db: Path, tmp_path: Path) -> None:
    db = _copy_db(fixture_db, tmp_path / "wh")
    out = tmp_path / "out"
    base = ("briefing", "--db", str(db), "--month", "2022-10", "--out", str(out))
    no_user = run_cli(*base, "--publish")
    assert no_user.returncode == 2 and "--user" in no_user.stderr
    refused = run_cli(*base, "--publish", "--user", "an", "--role", "phan_tich")
    assert refused.returncode == 2 and "may not publish" in refused.stderr
    assert not reports.published_store(db).exists() and not out.exists()
    done = run_cli(*base, "--publish", "--user", "lanhdao")
    assert done.returncode == 0, done.stderr
    assert "published the figures of 2022-10" in done.stdout and "lanhdao" in done.stdout
    assert [e["user"] for e in audit.read(db) if e.get("event") == "publish"] == ["lanhdao"]
    assert run_cli("audit", "verify", "--db", str(db)).returncode == 0
