"""Every page for every role in both languages, in a real browser, on the fixture and on the demo province
(issue 23 point 8): no exception, no untranslated identifier, figures written the Vietnamese way.

The Vietnamese screenshots are the user guide's pictures (docs/huong-dan-su-dung.md): they land in
tests/artifacts/guide/ and `make guide-images` copies them into docs/images/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from app.auth import PAGE_ROLES
from app.i18n import LABELS, LANGUAGE_NAMES
from app.registry import PAGE_SPECS
from tests.conftest import REPO, TEST_PASSWORD, settled_text
from tests.test_browser import streamlit_server

pytestmark = pytest.mark.slow  # a browser, a server and the demo province's refresh

GUIDE = REPO / "tests" / "artifacts" / "guide"
ROLES = ("lanh_dao", "phan_tich", "can_bo_du_lieu")
# A code identifier a user must never read: a lower-case word with an underscore (district_code, da_nhan, …).
# File names from the source folder (survey_2022-H1.csv, handovers_2.csv) are data as the districts sent them, and
# a path shown to a data officer (…/svmt_data_docs/index.html) is a path: words inside either are not code.
IDENTIFIER = re.compile(r"(?<![\w./-])[a-z]+(?:_[a-z0-9]+)+(?![\w.-]*(?:\.(?:csv|xlsx|xls|parquet|txt|html)\b|/))\b")
VI_THOUSANDS = re.compile(r"\b\d{1,3}(?:\.\d{3})+\b")  # 1.234 / 61.919
EN_STYLE = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+(?:\.\d)?[kMB]\b")  # 1,234 / 15k / 5B


def _pages(role: str) -> list[tuple[str, str]]:
    return [(address, title) for _file, title, _icon, address in PAGE_SPECS if role in PAGE_ROLES[title]]


def _sign_in(page: Page, url: str, user: str) -> None:
    page.goto(f"{url}/")
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("text=Học sinh cần hỗ trợ", timeout=30_000)  # the overview: signed in, cookie set


def _open(page: Page, url: str, address: str) -> None:
    """Click a page in the sidebar menu, as a user does (the app stays loaded: no new page load, session or sign-in
    check). Loading each address directly is tests/test_browser.py's job."""
    page.locator(f'[data-testid="stSidebarNav"] a[href="{url}/{address}"]').first.click()


def _read(page: Page, title: str, lang: str) -> str:
    """Wait for the opened page's own title, then until it has settled (conftest.settled_text). Its visible text."""
    page.get_by_role("heading", name=LABELS[title][lang], exact=True).first.wait_for(timeout=30_000)
    text = settled_text(page)
    assert f"lang={lang}" in page.url or (lang == "vi" and "lang=" not in page.url), (page.url, lang)
    return text


def _switch_language(page: Page, lang: str) -> None:
    """The sidebar's language switch, clicked as a user does; the menu then names the pages in that language."""
    page.locator('[data-testid="stSidebar"]').get_by_text(LANGUAGE_NAMES[lang], exact=True).click()
    page.locator('[data-testid="stSidebarNav"]').get_by_text(LABELS["overview"][lang], exact=True).wait_for(
        timeout=30_000)


def _role_visits(browser, url: str, role: str, seen: dict, untranslated: dict, shots: str | None) -> Iterator[None]:
    """One role's walk: sign in, every page it may open in Vietnamese, the language switch, every page in English.
    Pauses (yield) right after each menu click, so the other roles' pages load while this one's does."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    _sign_in(page, url, role)
    for lang in ("vi", "en"):
        if lang != "vi":
            _switch_language(page, lang)
        for address, title in _pages(role):
            _open(page, url, address)
            yield
            body = _read(page, title, lang)
            where = (role, lang, address or "/")
            assert page.locator("[data-testid='stException']").count() == 0, where
            # the test users are named after their roles (tests/conftest.py): their names are data, not code
            found = set(IDENTIFIER.findall(body)) - set(ROLES)
            if found:
                untranslated[where] = sorted(found)
            seen[where] = body
            if shots and lang == "vi":
                GUIDE.mkdir(parents=True, exist_ok=True)
                shot = GUIDE / f"{shots}-{role}-{address or 'tong-quan'}.jpg"
                page.screenshot(path=str(shot), type="jpeg", quality=70)
    page.close()


def _visit_all(browser, url: str, shots: str | None) -> dict[tuple[str, str, str], str]:
    """Every page each role may open, in both languages (menu clicks, the language switch in between), the three
    roles side by side in pages of their own (a user's page waits on the server and the browser, not on the test);
    fails listing every untranslated identifier seen."""
    seen, untranslated = {}, {}
    walks = [_role_visits(browser, url, role, seen, untranslated, shots) for role in ROLES]
    while walks:
        walks = [walk for walk in walks if next(walk, StopIteration) is not StopIteration]
    assert not untranslated, untranslated
    return seen


def test_fixture_every_page_every_role_both_languages(chromium, fixture_db: Path) -> None:
    with streamlit_server({"SVMT_DB": str(fixture_db)}) as url:
        seen = _visit_all(chromium, url, shots="fixture")
    assert len(seen) == 2 * sum(len(_pages(r)) for r in ROLES)
    # the overview's headline figures, by hand from the fixture: 5 of 9 identified students covered
    assert "55,6 %" in seen[("lanh_dao", "vi", "/")] and "55.6%" in seen[("lanh_dao", "en", "/")]
    assert "Rà soát" in seen[("can_bo_du_lieu", "vi", "ra-soat")] and "Review" in seen[("can_bo_du_lieu", "en",
                                                                                          "ra-soat")]
