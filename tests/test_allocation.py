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
    from datetime import date

    from warehouse.demo import generate
    from warehouse.refresh import refresh

    generate(source, seed=3)  # in-process: the CLI's --allocation-stock is tested above
    refresh(source, db, date(2023, 6, 30), allocation_stock=500)
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


def _downloads(monkeypatch: pytest.MonkeyPatch) -> list:
    """The media file managers AppTest makes for its runs: a download button's file comes from them, exactly as
    a click in the browser gets it (the page's own deferred callable, run by Streamlit)."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    managers: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, storage, *args, **kwargs) -> None:
            super().__init__(storage, *args, **kwargs)
            self.storage = storage  # AppTest's in-memory file storage, read back below
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)
    return managers


def _download(managers: list, at, key: str) -> bytes:
    """The bytes the download button `key` gives on a click (its deferred file, executed and read back)."""
    [button] = [b.proto for b in at.get("download_button") if b.proto.id.endswith(f"-{key}")]
    manager = managers[-1]
    url = manager.execute_deferred(button.deferred_file_id)
    return manager.storage.get_file(url.rsplit("/", 1)[-1]).content


def test_allocation_xlsx_follows_the_report_template(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    """The page's real XLSX download (district proposal and by school), at the computed stock and after the
    what-if slider moves: title with the number of devices, province and as-of date, and the marts' figures."""
    import io

    import openpyxl

    monkeypatch.setenv("SVMT_DB", str(fixture_db))
    managers = _downloads(monkeypatch)
    at = app_as("phan_tich").run()
    at.switch_page("pages/phan_bo.py").run()
    assert not at.exception
    for n, proposed, by_school in ((1, [1, 0, 0, 0], [0, 1, 0, 0]), (3, [1, 1, 0, 1], [0, 1, 1, 1])):
        if n != 1:
            at.slider(key="alloc_n").set_value(n).run()
        sheet = openpyxl.load_workbook(io.BytesIO(_download(managers, at, "xlsx_de_xuat_phan_bo_dia_ban"))).active
        assert sheet["A1"].value == f'ĐỀ XUẤT PHÂN BỔ {n} THIẾT BỊ — Chương trình "Sóng và máy tính cho em"'
        assert sheet["A2"].value.startswith("Tỉnh Đắk Lắk · Số liệu cập nhật đến 01/02/2023 · ngày báo cáo 15/01/2023")
        assert sheet.freeze_panes == "A5"
        header = [c.value for c in sheet[4]]
        assert header == ["Mã huyện", "Địa bàn", "Diện ưu tiên", "Cấp học", "Còn chờ hỗ trợ", "Thiết bị đề xuất",
                          "Vẫn còn chờ sau phân bổ"]
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
        assert [r[0] for r in rows] == ["643", "643", "643", "644"]  # G1, B, H (643) · F (644)
        assert [r[5] for r in rows] == proposed and all(isinstance(r[5], int) for r in rows)
        assert [r[6] for r in rows] == [1 - p for p in proposed] and [r[4] for r in rows] == [1, 1, 1, 1]
        school = openpyxl.load_workbook(io.BytesIO(_download(managers, at, "xlsx_de_xuat_phan_bo_truong"))).active
        assert school["A1"].value == sheet["A1"].value
        assert [c.value for c in school[4]] == ["Mã huyện", "Mã trường", "Tên trường", "Diện ưu tiên",
                                                "Còn chờ hỗ trợ", "Thiết bị đề xuất"]
        rows = [[c.value for c in row] for row in school.iter_rows(min_row=5)]
        # H (TH01, tier 2) · G1 (THCS01, tier 1) · B (THCS01, tier 2) · F (LC01, tier 1); queue G1, F, B, H
        tier1, tier2 = "Diện 1: hộ nghèo", "Diện 2: hộ cận nghèo"
        assert [(r[1], r[3], r[4]) for r in rows] == [("TH01", tier2, 1), ("THCS01", tier1, 1), ("THCS01", tier2, 1),
                                                      ("LC01", tier1, 1)]
        assert [r[5] for r in rows] == by_school and rows[1][2] == "Trường THCS Nguyễn Du"
