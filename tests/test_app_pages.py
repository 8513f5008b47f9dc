"""Every dashboard page (AppTest) on the fixture warehouse.

Hand-computed figures, Vietnamese formats, the URL filters, the English switch, no personal data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import open_page

APP = str(Path(__file__).resolve().parent.parent / "app" / "main.py")
LEADER_PAGES = ["overview", "dia_ban", "phu_song", "bao_cao_thang"]
PERSONAL = ("Nguyễn Văn An", "001234567890", "Phạm Thị Dung", "Lý Thị Ngoài", "2010-05-01", "01/05/2010")


def _page(monkeypatch: pytest.MonkeyPatch, db: Path, page: str, role: str = "phan_tich", **query: str) -> AppTest:
    monkeypatch.setenv("SVMT_DB", str(db))
    return open_page(page, role, **query)


def _text(at: AppTest) -> str:
    parts = [str(e.value) for e in (*at.metric, *at.caption, *at.markdown, *at.title, *at.subheader)]
    parts += [e.value.to_csv() for e in at.dataframe]
    return " ".join(parts)


def test_districts_page(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _page(monkeypatch, fixture_db, "dia_ban")
    assert [m.value for m in at.metric] == ["9", "4", "4", "55,6 %"]
    table = at.dataframe[0].value
    assert len(table) == 9 and table["Còn chờ hỗ trợ"].sum() == 4
    schools = at.dataframe[1].value  # drill-down: first district (643) by default
    assert dict(zip(schools["Mã trường"], schools["Còn chờ hỗ trợ"], strict=True)) == {"TH01": 1, "THCS01": 2}


def test_district_filter_from_the_url(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _page(monkeypatch, fixture_db, "overview", d="652")
    metrics = {m.label: m.value for m in at.metric}
    # Krông Bông (652): C self-resolved, I supported → identified 2, remaining 0, 100 %.
    assert metrics["Học sinh cần hỗ trợ"] == "2" and metrics["Còn chờ hỗ trợ"] == "0"
    assert metrics["Tỷ lệ đáp ứng nhu cầu"] == "100,0 %"
    assert at.query_params["d"] == "652"


def test_tier_filter_from_the_url(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _page(monkeypatch, fixture_db, "overview", t="1")
    metrics = {m.label: m.value for m in at.metric}
    # Tier 1: A, G1, G2, F, I → identified 5, supported 3 (A, G2, I), remaining 2 (G1, F).
    assert (metrics["Học sinh cần hỗ trợ"], metrics["Đã được hỗ trợ"], metrics["Còn chờ hỗ trợ"]) == ("5", "3", "2")


def test_resources_page(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _page(monkeypatch, fixture_db, "nguon_luc")
    assert [m.value for m in at.metric] == ["21 triệu ₫", "20 triệu ₫", "4", "50"]
    roll = at.dataframe[0].value
    assert roll.iloc[0]["Đơn vị, cá nhân"] == "Công ty TNHH Alpha"
    assert roll.iloc[0]["Tiền mặt đã nhận (₫)"] == 15_000_000


def test_coverage_page(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _page(monkeypatch, fixture_db, "phu_song")
    assert [m.value for m in at.metric] == ["1 / 4", "1", "28", "2"]
    overdue = at.dataframe[0].value
    assert list(overdue["Mã điểm"]) == ["P2"] and list(overdue["Hạn hoàn thành"]) == ["31/12/2022"]


def test_quality_page_masks_personal_data(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _page(monkeypatch, fixture_db, "chat_luong_du_lieu")
    assert [m.value for m in at.metric][:2] == ["11", "13"]
    issues, rejected = at.dataframe[0].value, at.dataframe[1].value
    # 13 rejected rows, and LC01's coordinates dropped (outside Vietnam) with its row kept: listed, not counted
    assert len(issues) == 11 and len(rejected) == 14
    assert "ID:*********222" in set(issues["Mã bản ghi"])  # D's duplicate handover, masked
    assert "2022-H1|ID:*********444" in set(issues["Mã bản ghi"])  # F listed twice in a round
    log = at.dataframe[-1].value  # the refresh audit log: the fixture's one successful refresh
    assert list(log["Kết quả"]) == ["Thành công"] and "survey_2022-H1.csv" in log["Các tệp"].iloc[0]
    text = _text(at)
    for personal in ("002222222222", "004444444444", "Lý Thị Ngoài"):
        assert personal not in text


def test_briefing_page(monkeypatch: pytest.MonkeyPatch, fixture_db: Path, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "brief.duckdb"  # a private copy: a publication would be recorded beside it
    shutil.copy(fixture_db, db)
    at = _page(monkeypatch, db, "bao_cao_thang")
    # Latest month 02/2023: H7 handed over; cumulative 7; nobody newly supported; no cash; 4 waiting, 5/9.
    assert [m.value for m in at.metric] == ["1", "7", "0", "0 ₫", "4", "55,6 %"]
    at.selectbox(key="briefing_month").set_value("2022-11").run()
    assert [m.value for m in at.metric][:4] == ["2", "6", "1", "6 triệu ₫"]  # H3, H5 · I supported · DN6+DN7
    assert [m.delta for m in at.metric][:2] == ["-1", "+2"]
    at.button(key="build_pack").click().run()
    assert not at.exception
    assert len(at.get("download_button")) == 2
    assert not (tmp_path / "brief_published.duckdb").exists()  # building the pack never publishes
    assert "publish" not in [b.key for b in at.button]  # an analyst may not publish: no button at all


def test_explore_page_pivot(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _page(monkeypatch, fixture_db, "kham_pha")
    pivot = at.dataframe[0].value
    assert dict(zip(pivot["Địa bàn"], pivot["Còn chờ hỗ trợ"], strict=True)) == {
        "Thành phố Buôn Ma Thuột": 3, "Thị xã Buôn Hồ": 1, "Huyện Krông Bông": 0}  # B G1 H · F
    assert len(at.get("download_button")) == 2


@pytest.mark.parametrize("page", LEADER_PAGES)
def test_no_personal_data_on_leader_pages(monkeypatch: pytest.MonkeyPatch, fixture_db: Path, page: str) -> None:
    text = _text(_page(monkeypatch, fixture_db, page))
    for personal in PERSONAL:
        assert personal not in text


@pytest.mark.parametrize("page", ["dia_ban", "nguon_luc", "phu_song", "chat_luong_du_lieu", "kham_pha"])
def test_english_switch_changes_labels(monkeypatch: pytest.MonkeyPatch, fixture_db: Path, page: str) -> None:
    at = _page(monkeypatch, fixture_db, page, lang="en")
    titles = {"dia_ban": "By district", "nguon_luc": "Resources", "phu_song": "Coverage",
              "chat_luong_du_lieu": "Data quality", "kham_pha": "Explore"}
    assert at.title[0].value == titles[page]
    assert "Figures include data up to 01/02/2023 · reporting date 15/01/2023" in at.caption[0].value


def test_safe_cell() -> None:
    from app import ui

    assert ui.safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert ui.safe_cell("Công ty A") == "Công ty A"


@pytest.mark.slow  # a refresh of its own
def test_open_app_picks_up_a_new_warehouse(monkeypatch: pytest.MonkeyPatch, fixture_db: Path, tmp_path: Path) -> None:
    """A refresh swaps the file under an open app: the next interaction shows the new figures, no lock error."""
    import shutil

    from tests.conftest import REPO, run_cli

    db = tmp_path / "live.duckdb"
    shutil.copy(fixture_db, db)
    at = _page(monkeypatch, db, "overview")
    assert at.metric[0].value == "9"
    result = run_cli("refresh", "--source", str(REPO / "tests" / "fixtures" / "clean"), "--db", str(db),
                     "--as-of", "2023-01-15", "--accept-drop", "--user", "test")  # 9 → 3 identified: held otherwise
    assert result.returncode == 0, result.stderr
    at.run()
    assert not at.exception
    assert at.metric[0].value == "3"  # the clean province: An, Bình, Cường
