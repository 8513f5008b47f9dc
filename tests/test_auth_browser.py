"""Issue 21 (sessions), with real cookies in a real browser (Debian's chromium driven by Playwright).

A cookie replayed after sign-out, or signed with another key, gets the sign-in form; a reload keeps a live
session. The server runs on its own copy of the fixture warehouse, so its audit log is this module's own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from app.auth import COOKIE
from app.sessions import AuthStore
from tests.conftest import TEST_PASSWORD, settled_text
from tests.test_browser import _sign_in, streamlit_server
from warehouse.secret import install_secret

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

SIGNED_IN = "Học sinh cần hỗ trợ"  # the overview's first card


@pytest.fixture(scope="module")
def site(fixture_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(url, warehouse): a dashboard on a copy of the fixture warehouse."""
    db = tmp_path_factory.mktemp("auth-site") / "svmt.duckdb"
    shutil.copy(fixture_db, db)
    with streamlit_server({"SVMT_DB": str(db)}) as url:
        yield url, db


def _shows(page: Page, url: str) -> str:
    """Open the overview and say what it shows once the first script run is drawn: "form" or "overview"."""
    page.goto(f"{url}/")
    page.get_by_text(SIGNED_IN).or_(page.get_by_text("Mật khẩu")).first.wait_for(timeout=30_000)
    settled_text(page)
    body = page.inner_text("body")
    assert page.locator("[data-testid='stException']").count() == 0
    if "Mật khẩu" in body and SIGNED_IN not in body:
        return "form"
    assert SIGNED_IN in body
    return "overview"


def test_a_cookie_replayed_after_sign_out_gets_the_form(site: tuple[str, Path], chromium: Browser) -> None:
    url, db = site
    first = chromium.new_context(locale="vi-VN")
    page = first.new_page()
    page.goto(f"{url}/")
    page.wait_for_selector("input", timeout=30_000)
    _sign_in(page, "phan_tich", TEST_PASSWORD)
    settled_text(page)
    assert _shows(page, url) == "overview"  # a new page load: the cookie resumes the session
    page.reload()
    page.wait_for_selector(f"text={SIGNED_IN}", timeout=30_000)
    copied = [c for c in first.cookies() if c["name"] == COOKIE]
    assert len(copied) == 1 and copied[0]["value"].count(".") == 1
    stolen = chromium.new_context(locale="vi-VN")  # another machine holding the copied cookie: signed in …
    stolen.add_cookies(copied)
    assert _shows(stolen.new_page(), url) == "overview"
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_selector("text=Mật khẩu", timeout=30_000)
    replay = chromium.new_context(locale="vi-VN")  # … and refused once its owner signed out
    replay.add_cookies(copied)
    assert _shows(replay.new_page(), url) == "form"
    assert _shows(stolen.new_page(), url) == "form"
    for context in (first, stolen, replay):
        context.close()
    events = [json.loads(line) for line in db.with_name("svmt_refresh_log.jsonl").read_text().splitlines()]
    mine = [(e["event"], e["outcome"]) for e in events if e.get("user") == "phan_tich"]
    assert mine == [("sign_in", "ok"), ("sign_out", "ok"), ("sign_in_refused", "revoked"),
                    ("sign_in_refused", "revoked")]


def test_a_cookie_signed_with_another_key_gets_the_form(site: tuple[str, Path], chromium: Browser) -> None:
    url, _db = site
    sid = AuthStore().open_session("lanh_dao")  # a real live session (the server shares SVMT_AUTH_STATE)

    def cookie(key: bytes) -> dict:
        mac = hmac.new(key, f"svmt-session-cookie:{sid}".encode(), hashlib.sha256).hexdigest()
        return {"name": COOKIE, "value": f"{sid}.{mac}", "url": url}

    forged = chromium.new_context(locale="vi-VN")
    forged.add_cookies([cookie(b"demo-only-change-me-in-config-users-yaml")])  # the old tracked key
    assert _shows(forged.new_page(), url) == "form"
    genuine = chromium.new_context(locale="vi-VN")  # the same session signed with the install secret: accepted
    genuine.add_cookies([cookie(install_secret())])
    assert _shows(genuine.new_page(), url) == "overview"
    forged.close()
    genuine.close()
