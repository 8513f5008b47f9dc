"""Issue 8 (part): sign-in and roles. Leaders see aggregates only, analysts also explore (no names), data officers
see the data-quality page unmasked. A page a role may not see is refused, even by its address."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, TEST_PASSWORD, app_as


@pytest.fixture(autouse=True)
def _warehouse(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    monkeypatch.setenv("SVMT_DB", str(fixture_db))


def test_not_signed_in_sees_only_the_form() -> None:
    """A province's users file is configured (tests/conftest.py): the form shows no password at all."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert not at.metric and not at.dataframe
    assert [ti.label for ti in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert not at.info and not at.warning
    assert "demo" not in " ".join(m.value for m in at.markdown)


def test_sign_in_with_the_form_and_a_wrong_password() -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input("lanh_dao")
    at.text_input[1].input("sai-mat-khau")
    at.button[0].click().run()
    assert at.error[0].value == "Sai tên đăng nhập hoặc mật khẩu" and not at.metric
    at.text_input[0].input("lanh_dao")
    at.text_input[1].input(TEST_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["roles"] == ["lanh_dao"]
    assert at.metric[0].value == "9"


@pytest.mark.parametrize("page", ["kham_pha", "phan_bo", "chat_luong_du_lieu"])
def test_leader_navigation_lacks_analyst_pages(page: str) -> None:
    """The leader's navigation does not hold the page at all: AppTest cannot switch to it (the page's own refusal,
    for an address typed by hand, is the next test)."""
    at = app_as("lanh_dao").run()
    assert not at.exception and at.metric  # signed in: the overview shows its figures
    with pytest.raises(ValueError, match="Could not find a navigation page") as refused:
        at.switch_page(f"pages/{page}.py")
    known = str(refused.value).split("Known pages:")[1]
    assert "bao_cao_thang.py" in known and "dia_ban.py" in known  # the leader's own pages are listed
    assert f"{page}.py" not in known


@pytest.mark.parametrize("page", ["kham_pha", "phan_bo", "chat_luong_du_lieu"])
def test_page_script_refuses_a_leader_by_itself(page: str) -> None:
    """Defence in depth: run the page's own script as a leader — it refuses, whatever the navigation did."""
    at = AppTest.from_file(str(Path(APP).parent / "pages" / f"{page}.py"), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["roles"] = ["lanh_dao"]
    at.run()
    assert not at.exception
    assert at.error[0].value == "Vai trò Lãnh đạo không được xem trang này."
    assert not at.dataframe and not at.metric
    analyst = AppTest.from_file(str(Path(APP).parent / "pages" / f"{page}.py"), default_timeout=60)
    analyst.session_state["authentication_status"] = True
    analyst.session_state["roles"] = ["phan_tich"]
    analyst.run()
    assert not analyst.error and analyst.dataframe  # the same script serves an analyst


def test_data_officer_sees_unmasked_rows_analyst_does_not() -> None:
    officer = app_as("can_bo_du_lieu").run()
    officer.switch_page("pages/chat_luong_du_lieu.py").run()
    keys = set(officer.dataframe[0].value["Mã bản ghi"])
    assert "ID:002222222222" in keys
    rejected = officer.dataframe[1].value
    assert "31/02/2010" in set(rejected["Giá trị"])  # the date of birth as written
    analyst = app_as("phan_tich").run()
    analyst.switch_page("pages/chat_luong_du_lieu.py").run()
    assert "ID:*********222" in set(analyst.dataframe[0].value["Mã bản ghi"])
    assert "31/02/2010" not in set(analyst.dataframe[1].value["Giá trị"])
    # the Data Docs list GX's unexpected values (folded names, dates of birth): linked for data officers only
    assert any("_data_docs/index.html" in m.value for m in officer.markdown)
    assert not any("_data_docs" in m.value for m in analyst.markdown)
    assert "chỉ dành cho cán bộ dữ liệu" in " ".join(c.value for c in analyst.caption)


@pytest.mark.parametrize(("evil", "identified"), [
    ("643') OR 1=1 --", "9"), ("'; DROP TABLE marts.program_kpis; --", "9"), ("\u202e643", "9"),
    ("1,2 UNION SELECT 1", "5"),  # only the known code "1" survives: tier 1 has 5 identified students
])
def test_malicious_filter_values_in_the_url_are_ignored(evil: str, identified: str, fixture_db: Path) -> None:
    """URL filters are matched against the known codes (a whitelist) and passed as bound parameters."""
    from tests.conftest import query

    at = app_as("phan_tich")
    at.query_params["d"] = evil
    at.query_params["t"] = evil
    at.query_params["l"] = evil
    at.run()
    assert not at.exception
    assert at.metric[0].value == identified
    assert query(fixture_db, "SELECT students_identified FROM marts.program_kpis") == [(9,)]  # warehouse intact
