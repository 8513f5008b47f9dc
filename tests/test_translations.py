"""Issue 23 point 1: every word a user sees is Vietnamese (or English with `?lang=en`), never a programmer's name.

Every page of app/main.py PAGE_SPECS is opened for every role app/auth.py PAGE_ROLES lets see it, in both
languages, on the fixture province (tests/fixtures/province, as of 2023-01-15). Everything the page shows is
collected — titles, headers, markdown, captions, messages, metric labels / values / help, widget labels and
options, every table's column names and the cells of its text columns, and every chart's user-facing strings
(axis and legend titles, trace names, tick text, hover templates, category values, bar labels) — and no piece
may hold an untranslated identifier: a snake_case word such as `district_code`, `out_of_range`, `da_nhan`.

The one exclusion: file names with an extension (`survey_2022-H1.csv`, `fixture_data_docs/index.html`) are
data — the names the province gave its files in the source folder, shown so an officer can find the file —
and are cut out of a text before it is searched. Nothing else is excluded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.auth import PAGE_ROLES
from app.registry import PAGE_SPECS
from tests.conftest import open_page

IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
# a file or path ending in an extension the product reads or writes: data, not vocabulary (see the docstring)
FILE_NAME = re.compile(r"[\w./:~-]*\.(?:csv|xlsx|html|duckdb|json)\b", re.IGNORECASE)


def page_specs() -> list[tuple[str, str]]:
    """(page file stem, title label) of every page the router serves (app/registry.py)."""
    return [(Path(file).stem, title) for file, title, _icon, _address in PAGE_SPECS]


CASES = [(page, role, lang) for page, title in page_specs() for role in sorted(PAGE_ROLES[title])
         for lang in ("vi", "en")]

# the strings of a Plotly figure a user reads: layout titles and tick text, and per trace these attributes
TRACE_TEXT = ("name", "x", "y", "text", "hovertext", "hovertemplate", "texttemplate", "labels", "customdata",
              "legendgroup")


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def chart_texts(spec: dict) -> list[str]:
    """A figure's user-facing strings (its JSON keys and style template are Plotly's, not the page's words)."""
    parts: list[str] = []
    for trace in spec.get("data", []):
        parts += [s for attr in TRACE_TEXT for s in _strings(trace.get(attr))]
    layout = spec.get("layout", {})
    for key, value in layout.items():
        if key == "template":
            continue
        if key.startswith(("xaxis", "yaxis", "coloraxis", "legend", "title", "annotations")):
            node = value.get("colorbar", value) if isinstance(value, dict) and key.startswith("coloraxis") else value
            parts += [s for s in _strings(node) if not re.fullmatch(r"[a-z]+\d*", s)]  # Plotly's own enums (x, h)
    return parts


def page_texts(at: AppTest) -> list[str]:
    """Every text the page shows (see the module docstring)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in at.get(kind)]
    for m in at.metric:
        parts += [str(m.label), str(m.value), str(m.delta or ""), str(m.proto.help)]
    for widget in (*at.selectbox, *at.multiselect, *at.radio):
        parts += [str(widget.label), *(str(o) for o in widget.options)]
    for widget in (*at.button, *at.checkbox, *at.get("download_button"), *at.slider, *at.select_slider):
        parts.append(str(widget.label))
    for table in at.dataframe:
        frame = table.value
        parts += [str(c) for c in frame.columns]
        for column in frame.columns:  # the cells of its text columns
            parts += [v for v in frame[column].dropna().unique() if isinstance(v, str)]
        # headings given by column_config replace the column names on screen
        parts += [str(c.get("label", "")) for c in json.loads(table.proto.columns or "{}").values()
                  if isinstance(c, dict)]
    for chart in at.get("plotly_chart"):
        parts += chart_texts(json.loads(chart.proto.spec))
    return parts


def identifiers(texts: list[str]) -> set[str]:
    return {word for text in texts for word in IDENTIFIER.findall(FILE_NAME.sub(" ", text))}


def codes() -> set[str]:
    """Every code of the input contract and the warehouse that may never be shown bare, even a one-word one
    (`donations`, `moi`, `viettel`): kinds, enumeration codes, rejection reasons, and CODE_LABELS' own keys."""
    from app.ui import CODE_LABELS
    from ingest.contract import CONTRACT, KINDS, REASONS

    enums = {code for kind in CONTRACT.values() for column in kind.columns if column.enum for code in column.enum.codes}
    return {*KINDS, *REASONS, *enums, *CODE_LABELS}


def bare_codes(texts: list[str]) -> set[str]:
    known = codes()
    return {text for text in texts if text.strip() in known}


@pytest.fixture(autouse=True)
def _warehouse(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    monkeypatch.setenv("SVMT_DB", str(fixture_db))


@pytest.mark.parametrize(("page", "role", "lang"), CASES)
def test_no_untranslated_identifier(page: str, role: str, lang: str) -> None:
    at = open_page(page, role, lang=lang)
    texts = page_texts(at)
    assert len(texts) > 10, texts  # the page really rendered (a refusal or an empty page shows a few words)
    assert not identifiers(texts), (page, role, lang, sorted(identifiers(texts)))
    assert not bare_codes(texts), (page, role, lang, sorted(bare_codes(texts)))
    headings = [str(c) for table in at.dataframe for c in table.value.columns]
    assert not [h for h in headings if re.fullmatch(r"[a-z][a-z0-9_]*", h)], headings  # `kind`, `detail`, `seq`


def test_the_cases_cover_every_page_and_role() -> None:
    """The matrix is not silently empty: 10 pages; 5 for all three roles, 3 for two, upload and review for one."""
    assert len({page for page, _role, _lang in CASES}) == 10
    assert len(CASES) == 2 * (5 * 3 + 3 * 2 + 2)


def test_the_excluded_file_names_are_only_file_names() -> None:
    """The exclusion cuts file names out, never a bare identifier next to them."""
    assert identifiers(["survey_2022-H1.csv"]) == set()
    assert identifiers(["/tmp/wh/fixture_data_docs/index.html — out_of_range"]) == {"out_of_range"}
    assert identifiers(["district_code"]) == {"district_code"}


def _axis(spec: dict, axis: str) -> dict:
    return spec["layout"].get(axis, {})


@pytest.mark.parametrize(("lang", "tick"), [("vi", "10 triệu ₫"), ("en", "10 million ₫")])
def test_money_axis_is_written_the_vietnamese_way(lang: str, tick: str) -> None:
    """Nguồn lực's cash-by-month chart: the money axis reads `… tỷ ₫` / `… triệu ₫` (en: billion / million),
    never Plotly's SI `5B` / `15k`. The fixture's cash is 21 triệu ₫ received and 20 triệu ₫ pledged (Nguồn lực's
    cards, tests/test_app_pages.py), so the ticks run 0, 5, 10, 15, 20 (, 25) triệu ₫."""
    at = open_page("nguon_luc", "phan_tich", lang=lang)
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    ticks = [text for spec in specs for axis in ("xaxis", "yaxis") for text in _axis(spec, axis).get("ticktext", [])]
    assert tick in ticks and "5 " + tick.split(" ", 1)[1] in ticks, ticks
    assert not any(re.search(r"\d[kMGB]\b", text) for text in ticks), ticks
    assert all(spec["layout"].get("separators") == (",." if lang == "vi" else ".,") for spec in specs)


def _values(array: object) -> list:
    """A trace's numbers as Plotly's JSON gives them (a list, or a typed array `{dtype, bdata}` in base64)."""
    if isinstance(array, dict):
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_quality_page_charts_findings_and_rejects_per_file() -> None:
    """Issue 23 point 3 (data-quality chart): the fixture's 11 findings and 13 rejected rows (the page's own cards,
    tests/test_app_pages.py) per source file, files in load order; the 5 rejected survey rows (grade out of range,
    household status not in the list, missing name, unknown school, unreadable birth date) are all in
    survey_2022-H1.csv."""
    at = open_page("chat_luong_du_lieu", "phan_tich")
    (spec,) = [s for s in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
               if s["layout"]["title"]["text"] == "Vấn đề và dòng bị loại theo tệp nguồn"]
    traces = {trace["name"]: dict(zip(trace["x"], _values(trace["y"]), strict=True)) for trace in spec["data"]}
    # 13 rejected rows, as the card; LC01's dropped coordinates (its row kept) are listed apart, not charted
    assert sum(traces["Vấn đề"].values()) == 11 and sum(traces["Dòng bị loại"].values()) == 13
    assert traces["Dòng bị loại"]["survey_2022-H1.csv"] == 5
    order = spec["layout"]["xaxis"]["categoryarray"]
    assert order == sorted(order) and set(order) == set(traces["Vấn đề"]) | set(traces["Dòng bị loại"])


def test_every_finding_detail_of_the_fixture_has_an_english_wording(fixture_db: Path) -> None:
    """Issue 23 point 1: a finding's detail is written once in Vietnamese (dbt dq_findings, expectations/fuzzy.py);
    every one the fixture raises (all nine SQL issue types, 11 findings) is read back by its LABELS wording and given
    in English with its ids and counts, and stays as written in Vietnamese. A wording changed in SQL but not in
    LABELS fails here instead of showing Vietnamese on an English page."""
    from app.details import detail
    from tests.conftest import query

    rows = query(fixture_db, "SELECT issue_type, detail FROM reporting.dq_issues ORDER BY ALL")
    assert len(rows) == 11 and len({issue for issue, _ in rows}) == 9
    english = {detail(issue, text, "en") for issue, text in rows}
    assert not english & {text for _, text in rows}, english
    assert all(detail(issue, text, "vi") == text for issue, text in rows)
    assert "Handover H6 names donation DN99, which does not exist" in english
    assert "A donation of 4 devices but 5 handovers" in english
    assert "The student has 2 different records in round 2022-H1 (2 schools)" in english
    # the fuzzy search's two wordings (expectations/fuzzy.py), and a text no wording knows stays as written
    assert detail("possible_duplicate_person_fuzzy", "Có thể là một học sinh (độ giống tên 93 %, ngày và tháng sinh "
                  "đảo nhau, huyện 643)", "en") == ("Possibly one student (names 93% alike, day and month of birth "
                                                    "swapped, district 643)")
    assert detail("possible_duplicate_person_fuzzy", "Có thể là một học sinh (độ giống tên 91 %, cùng ngày sinh, "
                  "huyện 652)", "en") == "Possibly one student (names 91% alike, same date of birth, district 652)"
    assert detail("duplicate_serial", "Một mô tả khác", "en") == "Một mô tả khác"


@pytest.mark.parametrize(("page", "role", "lang", "shown"), [
    ("chat_luong_du_lieu", "phan_tich", "en", "Handover H6 names donation DN99, which does not exist"),
    ("chat_luong_du_lieu", "phan_tich", "vi", "Bàn giao H6 ghi mã ủng hộ DN99 không tồn tại"),
    ("ra_soat", "can_bo_du_lieu", "en", "Handover H6 names donation DN99, which does not exist"),
    ("ra_soat", "can_bo_du_lieu", "vi", "Bàn giao H6 ghi mã ủng hộ DN99 không tồn tại")])
def test_finding_details_follow_the_language(page: str, role: str, lang: str, shown: str) -> None:
    """The data-quality table and the review list show H6's unknown donation DN99 (tests/fixtures/province) in the
    page's language, and no Vietnamese detail is left on the English page."""
    at = open_page(page, role, lang=lang)
    heading = {"vi": "Chi tiết", "en": "Detail"}[lang]
    tables = [table.value for table in at.dataframe if heading in table.value.columns]
    assert tables, [list(table.value.columns) for table in at.dataframe]
    cells = {cell for frame in tables for cell in frame[heading]}
    assert shown in cells
    if lang == "en":
        vietnamese = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉĩọỏốồổỗộớờởỡợụủũứừửữựỳỷỹ]")
        assert not [cell for cell in cells if vietnamese.search(cell)], cells
