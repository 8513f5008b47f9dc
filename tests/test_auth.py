"""Issue 21 (sign-in, points 1–3): demo users only when asked, `users add`, server-side sessions, lock-out, audit.

The real app in AppTest and the real CLI in a subprocess; every test has its own users file, sign-in state and a
copy of the fixture warehouse (whose audit log it reads). Time is moved through the store's clock, never slept.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import bcrypt
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from app.auth import SID
from app.sessions import LOCK_S, SESSION_S, WINDOW_S, AuthStore
from tests.conftest import APP, REPO, TEST_PASSWORD, app_as
from warehouse import users

WRONG = "Sai tên đăng nhập hoặc mật khẩu"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fixture_db: Path) -> Path:
    """A copy of the fixture warehouse, an empty sign-in store, config/users.yaml redirected into tmp_path."""
    db = tmp_path / "wh" / "svmt.duckdb"
    db.parent.mkdir()
    shutil.copy(fixture_db, db)
    monkeypatch.setenv("SVMT_DB", str(db))
    monkeypatch.setenv("SVMT_AUTH_STATE", str(tmp_path / "auth_state.sqlite3"))
    monkeypatch.setattr(users, "OWN_FILE", tmp_path / "config" / "users.yaml")
    return tmp_path


def _log(tmp_path: Path) -> list[dict]:
    path = tmp_path / "wh" / "svmt_refresh_log.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _form() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def _submit(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception
    return at


def _signed_in(at: AppTest) -> bool:
    return bool(at.metric) and SID in at.session_state


def _lock_message(until: float) -> str:
    when = datetime.fromtimestamp(until).strftime("%H:%M %d/%m/%Y")
    return f"Tài khoản tạm khóa vì nhập sai mật khẩu 5 lần trong 15 phút; thử lại sau {when}."


# --- demo users only when asked ------------------------------------------------------------------------------

def test_demo_users_refused_without_demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SVMT_USERS")
    at = _form()
    assert at.warning[0].value.startswith("Chưa có người dùng nào được cấu hình.")
    assert "users add" in at.warning[0].value and not at.info  # how to add one; no password shown
    assert at.error == [] and not _signed_in(_submit(at, "lanhdao", "lanhdao-demo"))
    assert at.error[0].value == WRONG


def test_demo_users_in_demo_mode_only_without_a_users_file(monkeypatch: pytest.MonkeyPatch, isolated: Path) -> None:
    monkeypatch.delenv("SVMT_USERS")
    monkeypatch.setenv("SVMT_DEMO", "1")
    at = _form()
    assert "lanhdao / lanhdao-demo" in at.info[0].value and not at.warning
    _submit(at, "lanhdao", "lanhdao-demo")
    assert _signed_in(at) and at.session_state["roles"] == ["lanh_dao"] and at.metric[0].value == "9"
    demo_session = at.session_state[SID]
    # config/users.yaml appears (redirected to tmp_path here): demo users and their live sessions are refused
    users.put_user(users.OWN_FILE, "an", "phan_tich", users.hash_password(TEST_PASSWORD, rounds=4))
    assert not _signed_in(at.run()) and not at.info  # the open tab loses its demo session on its next run
    later = AppTest.from_file(APP, default_timeout=60)
    later.session_state[SID] = demo_session
    later.run()
    assert not _signed_in(later) and not later.info
    assert not _signed_in(_submit(later, "lanhdao", "lanhdao-demo")) and later.error[0].value == WRONG
    assert _signed_in(_submit(later, "an", TEST_PASSWORD))
    # SVMT_USERS set (the test users of conftest) with demo mode on: demo users refused as well
    monkeypatch.setenv("SVMT_USERS", str(isolated.parent / "nowhere.yaml"))
    assert not _signed_in(_submit(_form(), "canbo", "canbo-demo"))


def test_no_cookie_key_in_the_tracked_users_file() -> None:
    demo = yaml.safe_load((REPO / "config" / "users.demo.yaml").read_text(encoding="utf-8"))
    assert "cookie" not in demo
    assert "demo-only-change-me" not in (REPO / "config" / "users.demo.yaml").read_text(encoding="utf-8")


# --- users add ------------------------------------------------------------------------------------------------

def _users_add(target: Path, *args: str, password: str = "mot-mat-khau-dai\n") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "warehouse", "users", "add", *args], cwd=REPO, input=password,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "SVMT_USERS": str(target)})


@pytest.mark.slow  # ten CLI processes and bcrypt at 12 rounds: `make test-fast` leaves it out
def test_users_add_writes_a_bcrypt_hash_0600_and_the_user_signs_in(monkeypatch: pytest.MonkeyPatch,
                                                                  isolated: Path) -> None:
    target = isolated / "province" / "users.yaml"
    done = _users_add(target, "nguyen.van.a", "--role", "can_bo_du_lieu", "--district", "643", "644",
                      "--full-name", "Nguyễn Văn A")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    entry = yaml.safe_load(target.read_text(encoding="utf-8"))["credentials"]["usernames"]["nguyen.van.a"]
    assert entry["name"] == "Nguyễn Văn A" and entry["roles"] == ["can_bo_du_lieu"]
    assert entry["districts"] == ["643", "644"]
    assert entry["password"].startswith("$2b$12$") and bcrypt.checkpw(b"mot-mat-khau-dai", entry["password"].encode())
    assert "mot-mat-khau-dai" not in target.read_text(encoding="utf-8")
    assert _users_add(target, "tran.thi.b", "--role", "lanh_dao").returncode == 0  # existing users kept
    assert set(yaml.safe_load(target.read_text())["credentials"]["usernames"]) == {"nguyen.van.a", "tran.thi.b"}
    before = target.read_bytes()
    for args, password, reason in [
        (["nguyen.van.a", "--role", "lanh_dao"], "mot-mat-khau-dai\n", "đã có"),  # re-adding without --replace
        (["le.c", "--role", "phan_tich"], "ngan\n", "ít nhất 10 ký tự"),  # too short
        (["le.c", "--role", "phan_tich"], "", "không nhận được mật khẩu"),  # nothing on stdin
        (["Lê C", "--role", "phan_tich"], "mot-mat-khau-dai\n", "không hợp lệ"),  # a bad name
        (["le.c", "--role", "phan_tich", "--district", "643;DROP"], "mot-mat-khau-dai\n", "mã địa bàn"),
        (["le.c", "--role", "giam_doc"], "mot-mat-khau-dai\n", "invalid choice"),  # an unknown role
    ]:
        refused = _users_add(target, *args, password=password)
        assert refused.returncode == 2 and reason in refused.stderr and "Traceback" not in refused.stderr, args
    assert target.read_bytes() == before  # nothing written on bad input
    assert not [p.name for p in target.parent.iterdir() if p.name != "users.yaml"]  # no temporary left
    broken = isolated / "broken.yaml"
    broken.write_text("credentials:\n  usernames: [\n", encoding="utf-8")
    refused = _users_add(broken, "le.c", "--role", "phan_tich")
    assert refused.returncode == 2 and "dòng / line 3" in refused.stderr
    assert broken.read_text(encoding="utf-8") == "credentials:\n  usernames: [\n"
    replaced = _users_add(target, "tran.thi.b", "--role", "phan_tich", "--replace", password="mat-khau-moi-123\n")
    assert replaced.returncode == 0 and yaml.safe_load(target.read_text())["credentials"]["usernames"][
        "tran.thi.b"]["roles"] == ["phan_tich"]

    monkeypatch.setenv("SVMT_USERS", str(target))
    at = _submit(_form(), "nguyen.van.a", "mot-mat-khau-dai")
    assert _signed_in(at)
    assert at.session_state["roles"] == ["can_bo_du_lieu"] and at.session_state["districts"] == ["643", "644"]
    assert at.session_state["name"] == "Nguyễn Văn A"
    assert _signed_in(_submit(_form(), "tran.thi.b", "mat-khau-moi-123"))


def test_app_as_sets_districts_like_a_sign_in() -> None:
    scoped = app_as("phan_tich", districts=["643"]).run()
    assert not scoped.exception and scoped.session_state["districts"] == ["643"]
    assert scoped.session_state["roles"] == ["phan_tich"]
    province = app_as("lanh_dao").run()
    assert province.session_state["districts"] is None and province.metric[0].value == "9"


# --- sessions -------------------------------------------------------------------------------------------------

def test_sign_out_revokes_the_session_on_the_server(isolated: Path) -> None:
    at = _submit(_form(), "phan_tich", TEST_PASSWORD)
    assert _signed_in(at)
    sid = at.session_state[SID]
    at.button(key="sign_out").click().run()
    assert not at.metric and [ti.label for ti in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert AuthStore().check(sid).status == "revoked"
    replay = AppTest.from_file(APP, default_timeout=60)
    replay.session_state[SID] = sid
    replay.run()
    assert not _signed_in(replay)
    events = [(e["event"], e["user"], e["outcome"]) for e in _log(isolated)]
    assert events == [("sign_in", "phan_tich", "ok"), ("sign_out", "phan_tich", "ok"),
                      ("sign_in_refused", "phan_tich", "revoked")]
    assert all(e["files"] == [] and e["started_at"] for e in _log(isolated))
    assert TEST_PASSWORD not in (isolated / "wh" / "svmt_refresh_log.jsonl").read_text(encoding="utf-8")


def test_a_session_older_than_12_hours_is_refused(isolated: Path) -> None:
    old = AuthStore(clock=lambda: time.time() - SESSION_S - 1).open_session("phan_tich")
    fresh = AuthStore(clock=lambda: time.time() - SESSION_S + 60).open_session("phan_tich")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[SID] = old
    assert not _signed_in(at.run()) and at.text_input
    ok = AppTest.from_file(APP, default_timeout=60)
    ok.session_state[SID] = fresh
    assert _signed_in(ok.run())
    assert AuthStore(clock=lambda: time.time() + 61).check(fresh).status == "expired"  # a minute later
    assert [(e["event"], e["outcome"]) for e in _log(isolated)] == [("sign_in_refused", "expired")]


@pytest.mark.slow  # nine sign-in attempts in AppTest (> 3 s)
def test_five_wrong_passwords_lock_the_user_for_15_minutes_across_restarts(isolated: Path) -> None:
    at = _form()
    for _ in range(4):
        assert _submit(at, "phan_tich", "sai-mat-khau").error[0].value == WRONG
    _submit(at, "phan_tich", "sai-mat-khau")
    until = AuthStore().locked_until("phan_tich")
    assert until is not None and 0 < until - time.time() <= LOCK_S
    assert at.error[0].value == _lock_message(until)
    assert not _signed_in(_submit(at, "phan_tich", TEST_PASSWORD))  # the right password, 6th try: refused
    assert at.error[0].value == _lock_message(until)
    restarted = _submit(_form(), "phan_tich", TEST_PASSWORD)  # a fresh session, as after a restart of the app
    assert not _signed_in(restarted) and restarted.error[0].value == _lock_message(until)
    assert _signed_in(_submit(_form(), "lanh_dao", TEST_PASSWORD))  # only that user is locked
    assert stat.S_IMODE((isolated / "auth_state.sqlite3").stat().st_mode) == 0o600
    assert AuthStore(clock=lambda: until - 1).locked_until("phan_tich") == until
    assert AuthStore(clock=lambda: until).locked_until("phan_tich") is None  # 15 minutes on: allowed again
    events = [(e["event"], e["user"], e["outcome"]) for e in _log(isolated)]
    assert events == [("sign_in_refused", "phan_tich", "wrong_password")] * 5 + [
        ("lock_out", "phan_tich", "locked"), ("sign_in_refused", "phan_tich", "locked"),
        ("sign_in_refused", "phan_tich", "locked"), ("sign_in", "lanh_dao", "ok")]


def test_after_the_window_the_user_signs_in_again() -> None:
    """Five wrong passwords 31 minutes ago locked the user until 16 minutes ago: the app lets them in now."""
    past = AuthStore(clock=lambda: time.time() - WINDOW_S - LOCK_S - 60)
    assert [past.record_failure("phan_tich") for _ in range(4)] == [None] * 4
    assert past.record_failure("phan_tich") is not None
    assert _signed_in(_submit(_form(), "phan_tich", TEST_PASSWORD))


def test_failures_count_only_within_15_minutes() -> None:
    t0 = 1_700_000_000.0
    now = [t0]
    store = AuthStore(clock=lambda: now[0])
    for _ in range(4):
        assert store.record_failure("an") is None
    now[0] = t0 + WINDOW_S  # the first four are now 15 minutes old: they no longer count
    assert store.record_failure("an") is None and store.locked_until("an") is None
    for _ in range(3):
        assert store.record_failure("an") is None
    assert store.record_failure("an") == t0 + WINDOW_S + LOCK_S
    assert store.locked_until("an") == t0 + WINDOW_S + LOCK_S
    store.clear_failures("an")
    assert store.locked_until("an") is not None  # a lock is not lifted by clearing the count


def test_cookie_signature_uses_the_install_secret_only() -> None:
    import hashlib
    import hmac

    from app.auth import _sign, _verify
    from warehouse.secret import install_secret

    mac = hmac.new(install_secret(), b"svmt-session-cookie:abc", hashlib.sha256).hexdigest()
    assert _sign("abc") == f"abc.{mac}" and _verify(f"abc.{mac}") == "abc"
    for bad in (f"abd.{mac}", f"abc.{mac[:-1]}0" if mac[-1] != "0" else f"abc.{mac[:-1]}1", "abc", ".", "",
                f"abc.{mac}ä", "äöü.ß"):
        assert _verify(bad) is None, bad
