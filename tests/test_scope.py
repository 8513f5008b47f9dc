"""Issue 21 point 4: a user limited to some districts sees only those, on every page, in the queries themselves.

The fixture province (tests/fixtures/province, as of 2023-01-15) has three districts: 643 Thành phố Buôn Ma Thuột,
644 Thị xã Buôn Hồ, 652 Huyện Krông Bông. The user below is limited to 644, which holds one school (LC01, no
internet) and two surveyed students, both identified, placed there by their latest record:
  - Phạm Thị Dung (ID …222, LC01, khac + COVID orphan → tier 3, no grade at a lien_cap school → khong_ro):
    handovers H2 (10/2022) and H3 (11/2022) → supported;
  - Vũ Thị Phương (ID …444, listed at TH01 and LC01 in 2022-H1, the later surveyed_on is LC01 → 644, ngheo →
    tier 1, grade 3 → tieu_hoc): no handover → remaining.
So marts.need_vs_supply for 644 sums to identified 2, supported 1, self-resolved 0, remaining 1 (50 % covered);
marts.coverage_by_district row 644: 1 point (not started, not overdue, 8 students), 1 school, 1 without internet;
devices handed over in 644: H2 + H3 = 2 (H9 was rejected: device type "radio").
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import app_as, open_page, query

OWN = "644"
OTHERS = {"643": "Thành phố Buôn Ma Thuột", "652": "Huyện Krông Bông"}
ANALYST_PAGES = ["overview", "dia_ban", "nguon_luc", "phu_song", "chat_luong_du_lieu", "bao_cao_thang", "kham_pha",
                 "phan_bo"]


@pytest.fixture(autouse=True)
def _warehouse(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    monkeypatch.setenv("SVMT_DB", str(fixture_db))


def scoped_page(page: str, role: str = "phan_tich", districts: list[str] | None = None, **params: str) -> AppTest:
    return open_page(page, role, districts=[OWN] if districts is None else districts, **params)  # as a sign-in


# what page_texts reads of each element type a page may hold; any other type makes the scan fail, not skip it
SCANNED = {"metric", "caption", "markdown", "title", "subheader", "header", "info", "warning", "error", "success",
           "text", "code", "json", "table", "dataframe", "plotly_chart", "multiselect", "selectbox", "radio",
           "select_slider", "slider", "text_input", "button", "download_button", "checkbox", "toggle", "tab",
           "expander", "date_input", "number_input", "form_submit_button", "progress"}
LAYOUT = {"root", "main", "sidebar", "event", "flex_container", "column", "vertical", "horizontal", "form"}


def chart_texts(spec: str) -> list[str]:
    """Every string and number a plotly chart carries, read from its decoded JSON: the spec escapes non-ASCII
    text (`Nguy\\u1ec5n`), so a search of the raw text would miss every Vietnamese name, and plotly writes number
    arrays as base64 `bdata`, decoded here."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict) and "bdata" in node and "dtype" in node:
            found.extend(map(str, np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"]).tolist()))
        elif isinstance(node, dict):
            for key, value in node.items():
                found.append(str(key))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif node is not None:
            found.append(str(node))

    walk(json.loads(spec))
    return found


def _element_types(node: object) -> set[str]:
    kinds = {str(getattr(node, "type", ""))}
    for child in getattr(node, "children", {}).values():
        kinds |= _element_types(child)
    return kinds


def page_texts(at: AppTest) -> list[str]:
    """Every piece of text a page shows: metrics, captions, markdown, titles, messages, widget labels and options,
    tables (headers and every cell) and the charts' decoded data. A page holding an element type this does not
    read fails the scan (SCANNED), so a new kind of element cannot slip past it."""
    unread = _element_types(at._tree) - SCANNED - LAYOUT
    assert not unread, f"page_texts does not read {sorted(unread)}: teach it before trusting the scan"
    parts: list[str] = []
    for m in at.metric:
        parts += [str(m.label), str(m.value), str(m.delta or ""), str(m.proto.help)]
    for kind in ("caption", "markdown", "title", "subheader", "header", "info", "warning", "error", "success",
                 "text", "code", "json"):
        parts += [str(e.value) for e in at.get(kind)]
    for kind in ("multiselect", "selectbox", "radio", "select_slider"):
        for widget in at.get(kind):
            parts += [str(widget.label), *(str(o) for o in widget.options)]
    for kind in ("slider", "text_input", "button", "download_button", "checkbox", "toggle", "tab", "expander",
                 "date_input", "number_input", "form_submit_button"):
        parts += [str(getattr(e, "label", "")) for e in at.get(kind)]
    parts += [f"{e.proto.text} {e.proto.value}" for e in at.get("progress")]
    for frame in (*at.dataframe, *at.table):
        value = frame.value
        parts += [" ".join(map(str, value.columns)), value.to_csv(index=False)]
        parts += [str(cell) for column in value.columns for cell in value[column].tolist()]
    for chart in at.get("plotly_chart"):
        parts += chart_texts(chart.proto.spec)
    return parts


def test_headline_figures_are_the_districts_sums(fixture_db: Path) -> None:
    at = scoped_page("overview")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Học sinh cần hỗ trợ"] == "2" and metrics["Đã được hỗ trợ"] == "1"
    assert metrics["Còn chờ hỗ trợ"] == "1" and metrics["Tỷ lệ đáp ứng nhu cầu"] == "50,0 %"
    assert metrics["Thiết bị đã trao"] == "2"  # H2 + H3
    assert metrics["Điểm lõm sóng đã phủ"] == "0 / 1"
    assert metrics["Trường chưa có Internet"] == "1"
    # the same numbers straight from the marts, summed over 644 (what the literals above were derived from)
    own = query(fixture_db, "SELECT sum(students_identified), sum(students_supported), sum(students_remaining) "
                            "FROM marts.need_vs_supply WHERE district_code = ?", [OWN])
    assert own == [(2, 1, 1)]
    # province-wide resources (cash, devices received, device equivalents) are not shown to a district user
    assert not {"Thiết bị đã nhận", "Tiền mặt đã nhận", "Quy đổi ra thiết bị"} & set(metrics)


@pytest.mark.slow  # every page of the app per role in AppTest (> 3 s each)
@pytest.mark.parametrize("role", ["phan_tich", "lanh_dao", "can_bo_du_lieu"])
def test_no_other_district_on_any_page(role: str) -> None:
    from app import auth

    pages = [p for p in ANALYST_PAGES if auth.PAGE_ROLES[_TITLES[p]] >= {role}]
    for page in pages:
        at = scoped_page(page, role)
        text = "\n".join(page_texts(at))
        for code, name in OTHERS.items():
            assert name not in text, (page, name)
            assert not re.search(rf"(?<![\d.]){code}(?![\d.])", text), (page, code)  # not part of a number
        assert "Thị xã Buôn Hồ" in text or page in ("nguon_luc", "chat_luong_du_lieu", "bao_cao_thang"), page


_TITLES = {"overview": "overview", "dia_ban": "districts_page", "nguon_luc": "resources_page",
           "phu_song": "coverage_page", "chat_luong_du_lieu": "quality_page", "bao_cao_thang": "briefing_page",
           "kham_pha": "explore_page", "phan_bo": "allocation_page"}


def test_filter_offers_only_own_districts_and_ignores_others_in_the_url() -> None:
    at = scoped_page("overview", d="643,652")
    assert at.multiselect(key="f_districts").options == ["Thị xã Buôn Hồ"]
    assert at.multiselect(key="f_districts").value == []
    assert at.metric[0].value == "2"  # 644 only, not 643 + 652 (7) nor the province (9)
    at = scoped_page("dia_ban", d="643,644")
    assert at.multiselect(key="f_districts").value == [OWN]
    assert set(at.dataframe[0].value["Mã huyện"]) == {OWN}


def test_two_districts_and_the_filter_bar_intersect() -> None:
    at = scoped_page("dia_ban", districts=["644", "652"])
    assert at.metric[0].value == "4"  # 644: 2 + 652: Cường, Ích = 2
    at.multiselect(key="f_districts").set_value(["652"]).run()
    assert at.metric[0].value == "2"


def test_briefing_preview_is_the_districts_own() -> None:
    at = scoped_page("bao_cao_thang")
    metrics = {m.label: m.value for m in at.metric}
    # latest month 02/2023: no handover in 644 that month; H2 + H3 before; Phương still waiting (1 of 2)
    assert metrics == {"Thiết bị trao trong tháng": "0", "Lũy kế thiết bị đã trao": "2",
                       "Học sinh được hỗ trợ mới": "0", "Còn chờ hỗ trợ": "1", "Tỷ lệ đáp ứng nhu cầu": "50,0 %"}
    assert not at.get("download_button") and not [b for b in at.button if b.key == "build_pack"]


def test_briefing_month_figures_districts_parameter(fixture_db: Path) -> None:
    from warehouse import reports

    pack = reports.month_figures(fixture_db, "2022-11", districts=[OWN])
    assert pack["figures"]["devices_handed_over"] == 1 and pack["figures"]["cum_devices_handed_over"] == 2  # H3; H2
    assert pack["figures"]["cash_received_vnd"] is None and pack["donations"] == [] and pack["quality"] is None
    assert {r["district_code"] for r in pack["need"] + pack["coverage"] + pack["handovers"]} == {OWN}
    province = reports.month_figures(fixture_db, "2022-11")
    assert province["figures"]["cum_devices_handed_over"] == 6 and province["figures"]["students_identified"] == 9


def test_data_officer_limited_to_districts_sees_only_their_findings() -> None:
    at = scoped_page("chat_luong_du_lieu", "can_bo_du_lieu")
    issues = at.dataframe[0].value
    # D's two handovers (LC01) and F listed twice (latest at LC01), unmasked for a data officer
    assert set(issues["Mã bản ghi"]) == {"ID:002222222222", "2022-H1|ID:004444444444"}
    assert set(issues["Mã huyện"]) == {OWN}
    assert at.dataframe[1].value.empty  # no rejected row names 644


def test_province_user_still_sees_everything() -> None:
    at = app_as("phan_tich").run()
    assert not at.exception
    assert at.metric[0].value == "9"
    assert at.multiselect(key="f_districts").options == ["Thành phố Buôn Ma Thuột", "Thị xã Buôn Hồ",
                                                         "Huyện Krông Bông"]
    assert {m.label for m in at.metric} >= {"Thiết bị đã nhận", "Tiền mặt đã nhận"}
    at.switch_page("pages/dia_ban.py").run()
    assert set(at.dataframe[0].value["Mã huyện"]) == {"643", "644", "652"}


def test_charts_of_a_scoped_user_carry_only_their_district() -> None:
    at = scoped_page("dia_ban")
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        names = {str(y) for trace in spec["data"] for y in (trace.get("y") or [])}
        assert not names & set(OTHERS.values())


def test_the_scan_reads_chart_text_that_the_raw_spec_escapes() -> None:
    """The province's district names are on the districts page's charts only as escaped JSON (`Bu\\u00f4n`): the
    scan above finds them there, decoded, while a search of the raw spec would not (and so would pass blind)."""
    at = open_page("dia_ban")  # a province analyst: every district is on the charts
    specs = [chart.proto.spec for chart in at.get("plotly_chart")]
    decoded = [text for spec in specs for text in chart_texts(spec)]
    assert {"Thành phố Buôn Ma Thuột", "Huyện Krông Bông", "Thị xã Buôn Hồ"} <= set(decoded)
    assert not any("Buôn" in spec for spec in specs)
    assert "Huyện Krông Bông" in "\n".join(page_texts(at))
