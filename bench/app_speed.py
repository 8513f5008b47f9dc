"""Benchmark: each dashboard page's first render and a filter change, through Streamlit's AppTest.

    .venv/bin/python -m bench.app_speed --db warehouse/svmt.duckdb

First render = a fresh AppTest session (signed in, on the overview) opening the page from the menu with
Streamlit's caches emptied (the first visit after a refresh), on an already started "server" (the component
scan a server does once at start-up is shared); filter change = the same session re-run after choosing one
district in the filter bar. Median of 5. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from app.auth import SID
from app.sessions import AuthStore
from warehouse.users import hash_password, put_user

APP = str(Path(__file__).resolve().parent.parent / "app" / "main.py")
PAGES = ["overview", "dia_ban", "nguon_luc", "phu_song", "chat_luong_du_lieu", "bao_cao_thang", "kham_pha", "phan_bo"]


_COMPONENTS: list = []  # the one component registry of the "server" (see measure)


def measure(page: str) -> tuple[float, float]:
    """(first render, filter change) of one page in a fresh session of an already running server."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[SID] = AuthStore().open_session("bench")  # signed in as the role that sees every page
    # A server scans the installed packages for components once, at start-up; AppTest does it per instance
    # (≈ 0,3 s). Sharing one registry keeps that server start-up out of a session's first render.
    if _COMPONENTS:
        at._bidi_component_manager = _COMPONENTS[0]
    if page != "overview":
        at.run()  # the session starts on the overview; the leader then opens the page from the menu
        at.switch_page(f"pages/{page}.py")
    st.cache_data.clear()  # empty caches: the first visit after a refresh
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if not _COMPONENTS and at._bidi_component_manager is not None:
        _COMPONENTS.append(at._bidi_component_manager)
    assert not at.exception, [e.message for e in at.exception]
    options = at.sidebar.multiselect(key="f_districts").options
    t0 = time.perf_counter()
    at.sidebar.multiselect(key="f_districts").select(options[0]).run()
    change = time.perf_counter() - t0
    assert not at.exception
    return first, change


def _bench_user() -> None:
    """A data officer "bench" with a real server-side session, in a users file and state of its own (never the
    province's: SVMT_USERS and SVMT_AUTH_STATE point into a temporary folder for this process)."""
    folder = Path(tempfile.mkdtemp(prefix="svmt-bench-"))
    os.environ["SVMT_USERS"] = str(folder / "users.yaml")
    os.environ["SVMT_AUTH_STATE"] = str(folder / "auth_state.sqlite3")
    put_user(folder / "users.yaml", "bench", "can_bo_du_lieu", hash_password(secrets.token_urlsafe(16), rounds=4))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="warehouse/svmt.duckdb")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ["SVMT_DB"] = str(Path(args.db).resolve())
    _bench_user()
    measure("overview")  # warm imports once
    print(f"Warehouse: {args.db}\n\n| page | first render (s, median) | filter change (s, median) |\n|---|---|---|")
    for page in PAGES:
        runs = [measure(page) for _ in range(args.runs)]
        print(f"| {page} | {statistics.median(r[0] for r in runs):.2f} | {statistics.median(r[1] for r in runs):.2f} |")


if __name__ == "__main__":
    main()
