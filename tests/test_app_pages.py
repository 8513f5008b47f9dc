"""Every dashboard page (AppTest) on the fixture warehouse.

Hand-computed figures, Vietnamese formats, the URL filters, the English switch, no personal data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import altered_copy, open_page
from tests.test_translations import _values

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


def test_the_school_level_filter_lists_the_warehouse_levels(monkeypatch: pytest.MonkeyPatch, fixture_db: Path,
                                                           tmp_path: Path) -> None:
    """Issue 22: the filter's school levels are reporting.school_levels (dbt's), in its order, not a list of the
    app's own: the fixture's six levels as before, and whatever a warehouse lists instead."""


    at = _page(monkeypatch, fixture_db, "overview")
    assert at.multiselect(key="f_levels").options == ["Tiểu học", "THCS", "THPT", "GDNN-GDTX", "Cao đẳng, đại học",
                                                      "Không rõ"]
    db = altered_copy(fixture_db, tmp_path / "levels.duckdb",
                      "CREATE OR REPLACE VIEW reporting.school_levels AS SELECT * FROM (VALUES ('thpt', 2), "
                      "('khong_ro', 3), ('tieu_hoc', 1)) AS levels(school_level, level_order)")
    at = _page(monkeypatch, db, "overview", l="thpt")
    assert at.multiselect(key="f_levels").options == ["Tiểu học", "THPT", "Không rõ"]
    assert at.multiselect(key="f_levels").value == ["thpt"]


def test_resources_page(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _page(monkeypatch, fixture_db, "nguon_luc")
    assert [m.value for m in at.metric] == ["21 triệu ₫", "20 triệu ₫", "4", "50"]
    roll = at.dataframe[0].value
    assert roll.iloc[0]["Đơn vị, cá nhân"] == "Công ty TNHH Alpha"
    assert roll.iloc[0]["Tiền mặt đã nhận (₫)"] == 15_000_000
    # What the browser shows, whatever its locale: the app's own text of each cell (Alpha 15.000.000 ₫, no devices)
    shown = _shown(at.dataframe[0])
    assert shown.iloc[0]["Tiền mặt đã nhận (₫)"] == "15.000.000 ₫" and shown.iloc[0]["Thiết bị đã nhận"] == "0"
    assert shown["Tiền mặt đã nhận (₫)"].str.fullmatch(r"\d{1,3}(\.\d{3})* ₫").all()
    # "Tiền và thiết bị nhận theo tháng" shows both, each on its own axis: cash 15 triệu ₫ (08/2022, Alpha) + 6 triệu ₫
    # (11/2022, DN6 + DN7) = the 21 triệu ₫ card; the 4 devices received all in 09/2022 = the 4 card.
    (spec,) = [s for s in map(json.loads, (c.proto.spec for c in at.get("plotly_chart")))
               if s["layout"]["title"]["text"] == "Tiền và thiết bị nhận theo tháng"]
    cash, devices = ({month[:7]: v for month, v in zip(trace["x"], _values(trace["y"]), strict=True) if v}
                     for trace in spec["data"])
    assert cash == {"2022-08": 15_000_000, "2022-11": 6_000_000} and devices == {"2022-09": 4}
    assert [trace["yaxis"] for trace in spec["data"]] == ["y", "y2"]
    assert spec["layout"]["yaxis"]["ticktext"] == ["0", "5 triệu ₫", "10 triệu ₫", "15 triệu ₫", "20 triệu ₫"]
    assert spec["layout"]["yaxis2"]["tickformat"] == ",~f" and "ticktext" not in spec["layout"]["yaxis2"]
    assert spec["data"][0]["customdata"][0] == "15.000.000 ₫"  # the hover: the amount in full, the Vietnamese way
    assert [a["text"] for a in spec["layout"]["annotations"]] == ["Tiền mặt nhận (₫)", "Thiết bị nhận (chiếc)"]


def test_coverage_page(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _page(monkeypatch, fixture_db, "phu_song")
    assert [m.value for m in at.metric] == ["1 / 4", "1", "28", "2"]
    overdue = at.dataframe[0].value
    assert list(overdue["Mã điểm"]) == ["P2"] and list(overdue["Hạn hoàn thành"]) == ["31/12/2022"]


def test_quality_page_masks_personal_data(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _page(monkeypatch, fixture_db, "chat_luong_du_lieu")
    assert [m.value for m in at.metric][:2] == ["11", "13"]
    issues, rejected, kept = at.dataframe[0].value, at.dataframe[1].value, at.dataframe[2].value
    # 13 rejected rows; LC01's coordinates dropped (outside Vietnam) with its row kept: listed apart, not counted
    assert len(issues) == 11 and len(rejected) == 13
    assert list(kept["Dòng"]) == [5] and list(kept["Tệp nguồn"]) == ["schools.csv"]
    assert "ID:*********222" in set(issues["Mã bản ghi"])  # D's duplicate handover, masked
    assert "2022-H1|ID:*********444" in set(issues["Mã bản ghi"])  # F listed twice in a round
    log = at.dataframe[-1].value  # the refresh audit log: the fixture's one successful refresh
    assert list(log["Kết quả"]) == ["Thành công"] and "survey_2022-H1.csv" in log["Các tệp"].iloc[0]
    text = _text(at)
    for personal in ("002222222222", "004444444444", "Lý Thị Ngoài"):
        assert personal not in text


def _shown(table) -> pd.DataFrame:
    """The text a table's cells show in the browser (ui.table writes whole numbers and money itself), beside the
    numbers `.value` keeps for sorting."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    return convert_arrow_bytes_to_pandas_df(table.proto.arrow_data.styler.display_values)


def _briefing_trend(at: AppTest) -> dict[str, list[tuple[str, int, float]]]:
    """Báo cáo tháng's chart: per series, (month, value, opacity) bar by bar; the title names the chosen month."""
    chart = at.get("plotly_chart")[0]
    assert chart.proto.id and "briefing_trend" in chart.proto.id
    spec = json.loads(chart.proto.spec)
    year, month = at.selectbox(key="briefing_month").value.split("-")
    assert spec["layout"]["title"]["text"] == f"Tháng {month}/{year} so với các tháng trước"
    return {trace["name"]: list(zip(trace["x"], _values(trace["y"]), trace["marker"]["opacity"], strict=True))
            for trace in spec["data"]}


@pytest.mark.slow  # the briefing page in AppTest, two months (> 3 s)
def test_briefing_page(monkeypatch: pytest.MonkeyPatch, fixture_db: Path, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "brief.duckdb"  # a private copy: a publication would be recorded beside it
    shutil.copy(fixture_db, db)
    at = _page(monkeypatch, db, "bao_cao_thang")
    # Latest month 02/2023: H7 handed over; cumulative 7; nobody newly supported; no cash; 4 waiting, 5/9.
    assert [m.value for m in at.metric] == ["1", "7", "0", "0 ₫", "4", "55,6 %"]
    trend = _briefing_trend(at)  # reporting.monthly_progress 08/2022–02/2023: H1 · H2 H3 H4 · H3 H5 · – · – · H7
    assert [(m, n) for m, n, _ in trend["Thiết bị trao trong tháng"]] == [
        ("08/2022", 0), ("09/2022", 1), ("10/2022", 3), ("11/2022", 2), ("12/2022", 0), ("01/2023", 0), ("02/2023", 1)]
    assert [n for _, n, _ in trend["Học sinh được hỗ trợ mới"]] == [0, 1, 2, 1, 0, 0, 0]
    assert [o for _, _, o in trend["Học sinh được hỗ trợ mới"]] == [0.4] * 6 + [1]
    at.selectbox(key="briefing_month").set_value("2022-11").run()
    assert [m.value for m in at.metric][:4] == ["2", "6", "1", "6 triệu ₫"]  # H3, H5 · I supported · DN6+DN7
    assert [m.delta for m in at.metric][:2] == ["-1", "+2"]
    # The chart (first on the page) follows the picker: 08/2022 (first progress month) to 11/2022, the chosen month
    # in full colour with the cards' own figures (2 handed over, 1 newly supported), earlier months faded.
    assert _briefing_trend(at) == {
        "Thiết bị trao trong tháng": [("08/2022", 0, 0.4), ("09/2022", 1, 0.4), ("10/2022", 3, 0.4), ("11/2022", 2, 1)],
        "Học sinh được hỗ trợ mới": [("08/2022", 0, 0.4), ("09/2022", 1, 0.4), ("10/2022", 2, 0.4),
                                     ("11/2022", 1, 1)]}
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


def _pivot(at: AppTest, key: str, *measures: str) -> dict:
    frame = at.dataframe[0].value
    return {row[key]: tuple(row[m] for m in measures) for _, row in frame.iterrows()}


def test_explore_page_keeps_the_choice(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    """Issue 23: Khám phá's choice of dimensions and measures survives another widget, a visit to another page and
    a language switch (Streamlit kept it as the option texts shown, so the English texts no longer matched the
    Vietnamese choice; a widget not drawn on the other page lost its state), and the pivot follows it.
    By tier (SPEC §5): 1 — A, F, G1, G2, I (F, G1 waiting); 2 — B, H (both waiting); 3 — C, D (0 waiting); 4 — E
    surveyed (has a device), none identified.
    In Krông Bông (652): I (tier 1) supported, C (tier 3) self-resolved."""
    at = _page(monkeypatch, fixture_db, "kham_pha")
    at.multiselect(key="x_dims").set_value(["priority_tier"]).run()
    at.multiselect(key="x_measures").set_value(["students_identified", "students_remaining"]).run()
    by_tier = {"Diện 1: hộ nghèo": (5, 2), "Diện 2: hộ cận nghèo": (2, 2), "Diện 3: khó khăn do COVID-19": (2, 0),
               "Diện 4: khác": (0, 0)}
    assert _pivot(at, "Diện ưu tiên", "Học sinh cần hỗ trợ", "Còn chờ hỗ trợ") == by_tier
    at.multiselect(key="f_districts").set_value(["652"]).run()  # another widget: the filter bar
    assert at.multiselect(key="x_dims").value == ["priority_tier"]
    krong_bong = {"Diện 1: hộ nghèo": (1, 0), "Diện 3: khó khăn do COVID-19": (1, 0)}
    assert _pivot(at, "Diện ưu tiên", "Học sinh cần hỗ trợ", "Còn chờ hỗ trợ") == krong_bong
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/kham_pha.py").run()
    assert at.multiselect(key="x_measures").value == ["students_identified", "students_remaining"]
    assert _pivot(at, "Diện ưu tiên", "Học sinh cần hỗ trợ", "Còn chờ hỗ trợ") == krong_bong
    at.radio(key="language_switch").set_value("en").run()
    at.run()  # the rerun after the switch dropped every multiselect's choice
    assert not at.exception
    assert (at.multiselect(key="x_dims").value, at.multiselect(key="f_districts").value) == (["priority_tier"],
                                                                                              ["652"])
    assert _pivot(at, "Priority tier", "Students in need", "Still waiting") == {"Tier 1: poor": (1, 0),
                                                                               "Tier 3: COVID-19 hardship": (1, 0)}


def test_header_names_the_product_and_the_province(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    """Issue 23 point 2: the product's name and the province above every page's title, in both languages; a district
    officer's header names the province of their districts (the fixture's three are all in Đắk Lắk)."""
    at = _page(monkeypatch, fixture_db, "phu_song")
    assert at.markdown[0].value == "**Sóng và máy tính cho em** · Tỉnh Đắk Lắk"
    assert at.title[0].value == "Phủ sóng"
    at = _page(monkeypatch, fixture_db, "dia_ban", lang="en")
    assert at.markdown[0].value == "**Signal and computers for the kids** · Tỉnh Đắk Lắk"
    monkeypatch.setenv("SVMT_DB", str(fixture_db))
    at = open_page("overview", "can_bo_du_lieu", districts=["652"])
    assert at.markdown[0].value == "**Sóng và máy tính cho em** · Tỉnh Đắk Lắk"


def test_quality_page_charts_rejects_and_findings_by_refresh(monkeypatch: pytest.MonkeyPatch, fixture_db: Path,
                                                             tmp_path: Path) -> None:
    """Issue 23 point 3 (rejects over time): rejected rows and findings at each successful refresh. The fixture's
    refresh (13 rejected rows: schools 1, survey 5, donations 3, handovers 2, coverage 2; 11 open findings) and a
    later one written into a copy's logs by hand: 6 + 3 = 9 rejected; findings 5 open + 2 dismissed = 7 (the 2
    fixed ones are gone, not found); a failed refresh in between is not a point."""
    import shutil
    from datetime import timedelta

    import duckdb

    db = tmp_path / "two.duckdb"
    shutil.copy(fixture_db, db)
    con = duckdb.connect(str(db))
    try:
        first = con.execute("SELECT max(ended_at) FROM meta.refresh_log").fetchall()[0][0]
        failed, later = first + timedelta(days=20), first + timedelta(days=31)
        con.execute("INSERT INTO meta.refresh_log (seq, started_at, ended_at, outcome, rows_rejected) VALUES "
                    "(2, ?, ?, 'error', NULL), (3, ?, ?, 'ok', '{\"survey\": 6, \"schools\": 3}')",
                    [failed, failed, later, later])
        seen = later - timedelta(seconds=5)
        con.execute("INSERT INTO dq.review_history VALUES (?, '643', 'duplicate_serial', 'open', 5), "
                    "(?, '652', 'duplicate_serial', 'dismissed', 2), (?, NULL, 'duplicate_serial', 'fixed', 2)",
                    [seen, seen, seen])
    finally:
        con.close()
    at = _page(monkeypatch, db, "chat_luong_du_lieu")
    (spec,) = [s for s in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
               if s["layout"]["title"]["text"] == "Dòng bị loại và vấn đề theo lần làm mới"]
    traces = {trace["name"]: _values(trace["y"]) for trace in spec["data"]}
    assert traces == {"Dòng bị loại": [13, 9], "Vấn đề": [11, 7]}
    assert len(spec["data"][0]["x"]) == 2 and spec["data"][0]["x"][1].endswith(later.strftime("%d/%m/%Y"))
