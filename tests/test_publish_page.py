"""Publishing on the Báo cáo tháng page (issue 21 point 9) and user-provided text shown as plain text (AppTest).

Building the pack never publishes; the "publish" action is a leader's, needs its confirmation box ticked, and
is recorded in the published store and the audit log. Names that come from data or users and reach Markdown or
Plotly show as typed: `**bold**`, `<b>` and `[link](http://x)` are not interpreted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import mistune
import pytest

from tests.conftest import open_page, query
from warehouse import audit, reports

EVIL = "**bold** <b>x</b> [link](http://x)"


def _page(monkeypatch: pytest.MonkeyPatch, db: Path, role: str, page: str = "bao_cao_thang", username: str = ""):
    monkeypatch.setenv("SVMT_DB", str(db))
    return open_page(page, role, name=username or None)


def _copy(fixture_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "svmt.duckdb"
    shutil.copy(fixture_db, db)
    return db


@pytest.mark.slow  # the briefing page in AppTest, then a publication (> 3 s)
def test_a_leader_publishes_only_after_confirming(monkeypatch: pytest.MonkeyPatch, fixture_db: Path,
                                                  tmp_path: Path) -> None:
    db = _copy(fixture_db, tmp_path)
    store = reports.published_store(db)
    at = _page(monkeypatch, db, "lanh_dao", username="lanhdao")
    at.selectbox(key="briefing_month").set_value("2022-10").run()
    at.button(key="build_pack").click().run()
    assert len(at.get("download_button")) == 2 and not store.exists()
    assert at.button(key="publish").disabled  # nothing to click before the confirmation (AppTest refuses too)
    assert not at.checkbox(key="publish_confirm_2022-10").value
    at.checkbox(key="publish_confirm_2022-10").check().run()
    at.button(key="publish").click().run()
    assert not at.exception
    assert query(store, "select count(*) from meta.published_briefings where month = '2022-10'") == [
        (len(reports.FIGURES),)]
    (entry,) = audit.read(db)
    assert (entry["event"], entry["user"], entry["role"], entry["month"]) == ("publish", "lanhdao", "lanh_dao",
                                                                             "2022-10")
    assert "10/2022" in at.success[0].value and "lanhdao" in at.success[0].value


@pytest.mark.parametrize("role", ["phan_tich", "can_bo_du_lieu"])
def test_other_roles_see_no_publish_action(monkeypatch: pytest.MonkeyPatch, fixture_db: Path, tmp_path: Path,
                                           role: str) -> None:
    at = _page(monkeypatch, _copy(fixture_db, tmp_path), role)
    assert "build_pack" in [b.key for b in at.button]
    assert "publish" not in [b.key for b in at.button] and not at.checkbox


@pytest.mark.slow  # two runs of the briefing page in AppTest (> 3 s)
def test_publish_roles_are_configurable(monkeypatch: pytest.MonkeyPatch, fixture_db: Path, tmp_path: Path) -> None:
    monkeypatch.setenv("SVMT_PUBLISH_ROLES", "phan_tich")
    assert "publish" in [b.key for b in _page(monkeypatch, _copy(fixture_db, tmp_path), "phan_tich").button]
    assert "publish" not in [b.key for b in _page(monkeypatch, _copy(fixture_db, tmp_path), "lanh_dao").button]


def _rendered(markdown_source: str) -> str:
    """What a CommonMark renderer makes of the text a Streamlit element was given."""
    return mistune.html(markdown_source)


def test_a_user_name_with_markdown_is_shown_as_typed(monkeypatch: pytest.MonkeyPatch, fixture_db: Path,
                                                     tmp_path: Path) -> None:
    db = _copy(fixture_db, tmp_path)
    at = _page(monkeypatch, db, "lanh_dao", username=EVIL)
    at.checkbox(key="publish_confirm_2023-02").check().run()
    at.button(key="publish").click().run()
    html = _rendered(at.success[0].value)
    assert "<strong>" not in html and "<a " not in html and "<b>" not in html
    assert "**bold**" in html and "&lt;b&gt;x&lt;/b&gt;" in html and "[link](http://x)" in html
    assert [e["user"] for e in audit.read(db)] == [EVIL]  # the log keeps the name exactly


def test_plain_escapes_every_markdown_construct() -> None:
    from app.plain import plain

    for text in (EVIL, "# heading", "- item", "1. item", "> quote", "`code`", "_em_", "~~strike~~", "a | b",
                 ":red[text]", "![img](http://x/i.png)", "<script>alert(1)</script>", "line\\break"):
        html = _rendered(plain(text))
        inner = html.strip().removeprefix("<p>").removesuffix("</p>")
        assert inner == text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
            '"', "&quot;"), text


def test_a_district_name_with_markup_is_plain_in_charts(monkeypatch: pytest.MonkeyPatch, fixture_db: Path,
                                                        tmp_path: Path) -> None:
    db = _copy(fixture_db, tmp_path)
    con = duckdb.connect(str(db))
    con.execute("update marts.need_vs_supply set district_name = ? where district_code = '643'", [EVIL])
    con.close()
    at = _page(monkeypatch, db, "phan_tich", page="overview")
    names = [y for chart in at.get("plotly_chart") for trace in json.loads(chart.proto.spec)["data"]
             if isinstance(trace.get("y"), list) for y in trace["y"] if isinstance(y, str)]
    assert "**bold** &lt;b&gt;x&lt;/b&gt; [link](http://x)" in names  # Plotly shows the entities as `<b>`
    assert not [n for n in names if "<b>" in n]
