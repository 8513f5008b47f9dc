"""Page Rà soát (issue 24) on a copy of the fixture warehouse: data officers decide, the figures follow.

The fixture has 11 findings (tests/test_review.py); 6 of them in district 643 (conflicting H1, H6 and H7 outside
the need list, H6 naming DN99, DN6/DN7, the duplicate person).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import open_page
from tests.test_app_pages import _shown
from warehouse import review


@pytest.fixture()
def review_db(fixture_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "review.duckdb"
    shutil.copy(fixture_db, db)
    monkeypatch.setenv("SVMT_DB", str(db))
    return db


def _submit(at) -> None:
    next(b for b in at.button if b.label == "Ghi quyết định").click().run()


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_officer_decides_two_findings_and_the_counts_follow(review_db: Path) -> None:
    at = open_page("ra_soat", "can_bo_du_lieu")
    assert _metric(at, "Cần xử lý") == "11"
    assert _metric(at, "Bỏ qua") == "0"
    keys = at.multiselect(key="review_chosen").options
    assert len(keys) == 11
    # by school, the school of the record a finding points at (its group's member loaded last): LC01 holds the
    # duplicate in round (survey_2022-H1.csv line 8) and the student handed devices twice (H9); the SN-1 serial
    # points at H5 (THPT01)
    at.multiselect(key="review_schools").set_value(["LC01"]).run()
    assert len(at.multiselect(key="review_chosen").options) == 2
    at.multiselect(key="review_schools").set_value([]).run()
    # by district and status: 643 has 6 open findings, the province-wide ones (no district) their own row
    by_district = next(d.value for d in at.dataframe if "Lâu nhất (ngày)" in d.value.columns)
    assert dict(zip(by_district["Huyện"], by_district["Chưa xem"], strict=True))["Thành phố Buôn Ma Thuột"] == 6
    assert by_district["Chưa xem"].sum() == 11
    # the review's tables write their whole numbers themselves (ui.table: 1.234.567 whatever the browser's language)
    for heading in ("Lâu nhất (ngày)", "Số ngày"):
        table = next(d for d in at.dataframe if heading in d.value.columns)
        assert list(_shown(table)[heading]) == [str(n) for n in table.value[heading]], heading
    frame = review.findings(review_db)
    twins = frame.loc[frame["issue_type"] == "possible_duplicate_person", "finding_key"].iloc[0]
    serial = frame.loc[frame["issue_type"] == "duplicate_serial", "finding_key"].iloc[0]

    # dismissing without a note is refused and writes nothing
    at.multiselect(key="review_chosen").set_value([twins]).run()
    at.radio(key="review_decision_choice").set_value("dismissed").run()
    _submit(at)
    assert not at.exception and any("ghi chú" in e.value for e in at.error)
    assert len(review.decisions(review_db)) == 0

    at.multiselect(key="review_chosen").set_value([twins, serial]).run()
    # the records of both findings side by side, as written: the two survey rows of Đỗ Văn Giang, H2 and H5 (SN-1)
    shown = next(d.value for d in at.dataframe if "Bản ghi (như tệp gửi lên)" in d.value.columns)
    assert sorted(zip(shown["Tệp nguồn"], shown["Dòng"], strict=True)) == [
        ("handovers.csv", 3), ("handovers.csv", 6), ("survey_2022-H1.csv", 9), ("survey_2022-H2_a.csv", 4)]
    assert sum("Đỗ Văn Giang" in text for text in shown["Bản ghi (như tệp gửi lên)"]) == 2
    at.radio(key="review_decision_choice").set_value("dismissed").run()
    at.text_area(key="review_note").input("Hai chị em sinh đôi").run()
    _submit(at)
    assert not at.exception, [e.message for e in at.exception]
    assert any("Đã ghi 2 quyết định" in s.value for s in at.success)
    assert _metric(at, "Cần xử lý") == "9" and _metric(at, "Bỏ qua") == "2"
    logged = review.decisions(review_db)
    assert list(logged["user"]) == ["can_bo_du_lieu"] * 2 and set(logged["finding_key"]) == {twins, serial}

    quality = open_page("chat_luong_du_lieu", "can_bo_du_lieu")
    assert _metric(quality, "Cần xử lý") == "9"
    overview = open_page("overview", "lanh_dao")
    assert any("9 vấn đề cần xử lý" in c.value for c in overview.caption)
    # the press pack's data-quality line counts the same
    from warehouse.reports import month_figures
    from warehouse.reports.wording import quality_line

    pack = month_figures(review_db, "2022-10")
    assert pack["quality"]["open_findings"] == 9 and pack["quality"]["dq_issue_count"] == 11
    assert "9 vấn đề chưa xử lý" in quality_line(pack)


def test_district_officer_sees_and_sends_only_their_district(review_db: Path) -> None:
    at = open_page("ra_soat", "can_bo_du_lieu", districts=["643"])
    assert _metric(at, "Cần xử lý") == "6"
    assert len(at.multiselect(key="review_chosen").options) == 6
    assert at.selectbox(key="review_worklist").value == "643"
    assert len(at.selectbox(key="review_worklist").options) == 1
    assert "Tải danh sách (XLSX)" in [b.proto.label for b in at.get("download_button")]
    # the workbook the button serves, made by the same function from the same findings
    frame = review.findings(review_db)
    rows = review.worklist(frame, "643", {"possible_duplicate_person": "Có thể một học sinh hai mã"})
    book = openpyxl.load_workbook(io.BytesIO(review.worklist_xlsx(rows, "Danh sách cần sửa — 643", "x")))
    sheet = book.active
    table = list(sheet.iter_rows(min_row=4, values_only=True))
    assert sheet["A1"].value == "Danh sách cần sửa — 643"
    assert list(table[0]) == ["Mã phát hiện", "Trạng thái", "Loại vấn đề", "Mô tả", "Tệp", "Dòng", "Phát hiện lần đầu",
                              "Số ngày", "Ghi chú"]
    assert len(table) - 1 == 6 and {r[1] for r in table[1:]} == {"Chưa xem"}
    assert "Có thể một học sinh hai mã" in {r[2] for r in table[1:]}
    assert [(r[4], r[5]) for r in table[1:]] == [("donations.csv", 8), ("handovers.csv", 7), ("handovers.csv", 7),
                                                 ("handovers.csv", 8), ("handovers_2.csv", 2),
                                                 ("survey_2022-H2_a.csv", 4)]


@pytest.mark.parametrize("role", ["lanh_dao", "phan_tich"])
def test_other_roles_are_refused(review_db: Path, role: str) -> None:
    """Not in their menu, and the page itself refuses them when run directly."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP, app_as

    at = app_as(role).run()
    with pytest.raises(ValueError, match="ra_soat"):
        at.switch_page("pages/ra_soat.py")
    direct = AppTest.from_file(str(Path(APP).parent / "pages" / "ra_soat.py"), default_timeout=60)
    direct.session_state["roles"] = [role]
    direct.run()
    assert not direct.exception and direct.error[0].value.endswith("không được xem trang này.")
    assert not direct.multiselect and not direct.dataframe and not direct.metric
