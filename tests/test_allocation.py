"""Issue 9: the allocation proposal keeps the program's rules (docs/allocation.md), checked on the fixture.

Remaining students of the fixture (see tests/test_marts_fixture.py): G1 (tier 1, need since 2022-H1, 643),
F (tier 1, 2022-H1, 644), B (tier 2, 2022-H1, 643), H (tier 2, 2022-H2, 643). Queue: G1, F, B, H.
Stock = max(0, device_equivalents 8 − handed over 7) = 1 → G1 only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import AS_OF, FIXTURE, app_as, query, run_cli

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

APP = str(Path(__file__).resolve().parent.parent / "app" / "main.py")


def test_stock_and_proposal(fixture_db: Path) -> None:
    assert query(fixture_db, """SELECT device_equivalents, devices_handed_over, stock, devices_in_hand,
                                       cash_not_yet_spent_vnd FROM marts.allocation_stock""") == [
        (8, 7, 1, 0, 6_000_000)]  # 3 handovers beyond the 4 donated devices were bought with 15M of the 21M
    assert query(fixture_db, "SELECT * FROM marts.allocation_proposal ORDER BY district_code, priority_tier, "
                             "school_level") == [
        ("643", "Thành phố Buôn Ma Thuột", 1, "thcs", 1, 1, 0),      # G1 proposed
        ("643", "Thành phố Buôn Ma Thuột", 2, "thcs", 1, 0, 1),      # B
        ("643", "Thành phố Buôn Ma Thuột", 2, "tieu_hoc", 1, 0, 1),  # H
        ("644", "Thị xã Buôn Hồ", 1, "tieu_hoc", 1, 0, 1),           # F
    ]


def test_what_if_stock_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "whatif.duckdb"
    result = run_cli("refresh", "--source", str(FIXTURE), "--db", str(db), "--as-of", AS_OF, "--allocation-stock", "3")
    assert result.returncode == 0, result.stderr
    assert query(db, "SELECT queue_position, priority_tier, first_need_round, is_proposed FROM marts.allocation_queue "
                     "ORDER BY 1") == [(1, 1, "2022-H1", True), (2, 1, "2022-H1", True), (3, 2, "2022-H1", True),
                                       (4, 2, "2022-H2", False)]
    assert query(db, "SELECT sum(devices_proposed) FROM marts.allocation_by_school") == [(3,)]
    _check_rules(db)


def _check_rules(db: Path) -> None:
    proposed, stock = query(db, "SELECT (SELECT count(*) FROM marts.allocation_queue WHERE is_proposed), stock "
                                "FROM marts.allocation_stock")[0]
    assert proposed <= stock
    # No tier t+1 student proposed while a tier-t student waits.
    assert query(db, """SELECT count(*) FROM marts.allocation_queue p JOIN marts.allocation_queue w
                        ON p.is_proposed AND NOT w.is_proposed AND w.priority_tier < p.priority_tier""") == [(0,)]
    # Nobody twice, nobody already supported.
    assert query(db, "SELECT count(*) - count(DISTINCT student_key) FROM intermediate.int_allocation_queue") == [(0,)]
    assert query(db, """SELECT count(*) FROM intermediate.int_allocation_queue q JOIN intermediate.int_students s
                        USING (student_key) WHERE s.is_supported OR NOT s.is_remaining""") == [(0,)]


def test_rules_hold_on_the_demo_province(tmp_path: Path) -> None:
    source, db = tmp_path / "demo", tmp_path / "demo.duckdb"
    assert run_cli("demo-data", "--out", str(source), "--seed", "3").returncode == 0
    assert run_cli("refresh", "--source", str(source), "--db", str(db), "--as-of", "2023-06-30",
                   "--allocation-stock", "500").returncode == 0
    _check_rules(db)
    assert query(db, "SELECT count(*) FROM marts.allocation_queue WHERE is_proposed") == [(500,)]


def test_allocation_page_what_if(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    monkeypatch.setenv("SVMT_DB", str(fixture_db))
    at = app_as("phan_tich").run()
    at.switch_page("pages/phan_bo.py").run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["1", "0", "6 triệu ₫", "4", "1"]
    at.slider(key="alloc_n").set_value(3).run()
    assert at.metric[-1].value == "3"
    table = at.dataframe[0].value
    assert list(table["Thiết bị đề xuất"]) == [1, 1, 0, 1]  # G1, B (643) · H waits · F (644)
    text = " ".join(e.value.to_csv() for e in at.dataframe)
    assert "Vũ Thị Phương" not in text and "004444444444" not in text


def test_allocation_xlsx_follows_the_report_template(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    import io

    import openpyxl

    from app import ui

    monkeypatch.setenv("SVMT_DB", str(fixture_db))
    at = app_as("phan_tich").run()
    at.switch_page("pages/phan_bo.py").run()
    frame = at.dataframe[0].value
    book = openpyxl.load_workbook(io.BytesIO(ui.xlsx_bytes(frame, "de_xuat", "ĐỀ XUẤT PHÂN BỔ 1 THIẾT BỊ")))
    sheet = book.active
    assert sheet["A1"].value == "ĐỀ XUẤT PHÂN BỔ 1 THIẾT BỊ"
    assert sheet["A2"].value.startswith("Tỉnh Đắk Lắk · Dữ liệu tính đến 15/01/2023")
    assert sheet.freeze_panes == "A5"
    header = [c.value for c in sheet[4]]
    assert header[:2] == ["Mã huyện", "Địa bàn"]
    proposed = [row[header.index("Thiết bị đề xuất")].value for row in sheet.iter_rows(min_row=5)]
    assert proposed == [1, 0, 0, 0] and all(isinstance(v, int) for v in proposed)
