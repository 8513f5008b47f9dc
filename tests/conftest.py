"""Shared fixtures: a real warehouse built by the real CLI from the hand-made fixture province."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "province"
AS_OF = "2023-01-15"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m warehouse ...` as a real process, the way users and CI do."""
    return subprocess.run([sys.executable, "-m", "warehouse", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture province refreshed once (as of 2023-01-15) into a fresh DuckDB file."""
    db = tmp_path_factory.mktemp("wh") / "fixture.duckdb"
    result = run_cli("refresh", "--source", str(FIXTURE), "--db", str(db), "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    return db


APP = str(REPO / "app" / "main.py")


def app_as(role: str = "phan_tich"):
    """The real app in AppTest, signed in with a role (as streamlit-authenticator leaves the session)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in {"authentication_status": True, "username": role, "name": role, "roles": [role]}.items():
        at.session_state[key] = value
    return at
