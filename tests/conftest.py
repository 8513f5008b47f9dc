"""Shared fixtures: a real warehouse built by the real refresh from the hand-made fixture province."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "province"
AS_OF = "2023-01-15"
CHROMIUM = "/usr/bin/chromium"  # Debian's, driven by Playwright (.ci/run installs it; never `playwright install`)

# `make test` runs the files on parallel workers (pytest-xdist, --dist loadfile). dbt keeps its parsed project,
# run results and the build lock in its target path: each worker gets its own, so their builds never wait for
# each other or make the other parse the project again. Set before anything runs, so CLI children inherit it.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER:
    os.environ.setdefault("DBT_TARGET_PATH", str(REPO / "dbt_project" / "target" / _WORKER))
    os.environ.setdefault("DBT_LOG_PATH", str(REPO / "dbt_project" / "logs" / _WORKER))

@pytest.fixture(scope="session", autouse=True)
def _component_scan_once() -> None:
    """Streamlit's server scans every installed package's metadata for custom components once, at start-up; AppTest
    does it again for every new AppTest (a fifth of a page test's CPU). The installed packages do not change during
    a session: the scan runs once here too, and every AppTest registers the same (real) result."""
    import functools

    from streamlit.components.v2 import manifest_scanner

    if not hasattr(manifest_scanner.scan_component_manifests, "cache_info"):
        manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


# The longest files start first (by their measured seconds on the 2-core host; order only, nothing is skipped), so
# the parallel workers finish together instead of one running a long file alone at the end. The Makefile passes
# --no-loadscope-reorder: xdist would otherwise order the files by their number of tests.
LONG_FIRST = ("test_guide_browser_demo", "test_guide_browser", "test_upload", "test_reliability", "test_guard",
              "test_refresh_cli", "test_browser", "test_upload_browser", "test_auth_browser", "test_reader_fuzz",
              "test_briefing", "test_files_at_rest", "test_app_pages", "test_review", "test_allocation",
              "test_translations")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: file order kept otherwise


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m warehouse ...` as a real process, the way users and CI do."""
    return subprocess.run([sys.executable, "-m", "warehouse", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)


def altered_copy(source: Path, target: Path, *statements: str) -> Path:
    """A copy of a warehouse (usually fixture_db, which tests only read) with these SQL statements applied."""
    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()
    return target


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture province refreshed once per session (as of 2023-01-15) into a fresh DuckDB file, by the real
    refresh called in-process (the CLI around it is tested in tests/test_refresh_cli.py). Tests only read it; a
    test that changes a warehouse works on a copy (shutil.copy of this file)."""
    from warehouse.refresh import refresh

    db = tmp_path_factory.mktemp("wh") / "fixture.duckdb"
    refresh(FIXTURE, db, date.fromisoformat(AS_OF))
    return db


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """Debian's Chromium driven by Playwright, one per test module (never `playwright install`: .ci/run installs
    the browser with apt-get)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required (.ci/run installs it)"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()



# The text a person reads: Material icons are drawn from ligature names (`volunteer_activism`), which innerText would
# report as words, so icon elements are hidden while the text is read, and shown again in the same task (no frame is
# drawn in between). Reading a clone of the body instead laid out a second copy of the page at every read: four times
# the browser's CPU of this read, which settled_text repeats until the page is steady.
VISIBLE_TEXT = """() => {
    const icons = document.querySelectorAll('[data-testid="stIconMaterial"], .material-symbols-rounded');
    const shown = Array.from(icons, e => e.style.display); icons.forEach(e => { e.style.display = 'none'; });
    const text = document.body.innerText; icons.forEach((e, i) => { e.style.display = shown[i]; }); return text; }"""


def settled_text(page) -> str:
    """Wait until the page's script run has finished (Streamlit's `data-test-script-state` back to "notRunning",
    no running indicator) and what it shows has stopped changing (metrics and tables are drawn just after the script
    ends): three reads 0,1 s apart that agree, instead of a fixed pause. The visible text (VISIBLE_TEXT)."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(timeout=60_000)
    text, steady = page.evaluate(VISIBLE_TEXT), 0
    for _ in range(600):
        page.wait_for_timeout(100)
        running = page.locator("[data-testid='stStatusWidget']").count() > 0
        now = page.evaluate(VISIBLE_TEXT)
        steady = steady + 1 if (now == text and not running) else 0
        text = now
        if steady >= 2:
            break
    return text

APP = str(REPO / "app" / "main.py")
ROLES = ("lanh_dao", "phan_tich", "can_bo_du_lieu")
TEST_PASSWORD = "mat-khau-kiem-thu"  # every test user's password (users named after their role)
_HASH: list[str] = []  # TEST_PASSWORD's bcrypt hash, made once (cheap rounds: these users live in a temp file)


@pytest.fixture(scope="session", autouse=True)
def auth_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test (and every server or CLI it starts) uses a users file and sign-in state of its own.

    SVMT_USERS holds one user per role, named after the role, with TEST_PASSWORD; SVMT_AUTH_STATE is a fresh
    sessions / lock-out store. A test about demo users removes SVMT_USERS and sets SVMT_DEMO=1 itself.
    """
    from warehouse.users import hash_password, put_user

    root = tmp_path_factory.mktemp("auth")
    users = root / "users.yaml"
    _HASH.append(hash_password(TEST_PASSWORD, rounds=4))
    for role in ROLES:
        put_user(users, role, role, _HASH[0], full_name=f"Kiểm thử {role}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SVMT_USERS", str(users))
        mp.setenv("SVMT_AUTH_STATE", str(root / "auth_state.sqlite3"))
        mp.delenv("SVMT_DEMO", raising=False)
        yield root


def app_as(role: str = "phan_tich", districts: list[str] | None = None, name: str | None = None):
    """The real app in AppTest, signed in with a role through a real server-side session.

    With `districts`, the user (named `<role>.<codes>`) carries them in the users file, so the app sets
    st.session_state["districts"] from it exactly as after a sign-in with the form; `name` signs in a user of
    that name (added to the users file) instead of the one named after the role.
    """
    from streamlit.testing.v1 import AppTest

    from app.auth import SID
    from app.sessions import AuthStore
    from warehouse.users import put_user, target_file

    if name is None:
        name = f"{role}.{'-'.join(districts)}" if districts else role
    if districts or name != role:
        put_user(target_file(), name, role, _HASH[0], districts=districts, replace=True)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[SID] = AuthStore().open_session(name)
    return at


def open_page(page: str, role: str = "phan_tich", districts: list[str] | None = None, name: str | None = None,
              **params: str):
    """A page of the real app for a signed-in user (see app_as), with query parameters; no exception allowed."""
    at = app_as(role, districts=districts, name=name)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at
