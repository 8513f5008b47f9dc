"""Read-only access to the warehouse for the pages.

Each query opens the DuckDB file read-only, fetches and closes at once: the refresh pipeline
replaces the file with `os.replace`, so no connection may be held between reruns. Results are
cached per file identity (inode, size, mtime), so a new warehouse shows on the next interaction
without a restart and an open page never mixes two warehouses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

REPO = Path(__file__).resolve().parent.parent


def warehouse_path() -> Path:
    path = Path(os.environ.get("SVMT_DB", "warehouse/svmt.duckdb"))
    return path if path.is_absolute() else REPO / path


@dataclass(frozen=True)
class Identity:
    """What makes two looks at the warehouse the same warehouse."""

    path: str
    inode: int
    size: int
    mtime_ns: int


def identity() -> Identity | None:
    path = warehouse_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return Identity(str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)


@st.cache_data(show_spinner=False, max_entries=64)
def _query(ident: Identity, sql: str, params: tuple = ()) -> pd.DataFrame:
    con = duckdb.connect(ident.path, read_only=True)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run a parameterised read-only query against the current warehouse (cached per file identity)."""
    ident = identity()
    if ident is None:
        raise FileNotFoundError(warehouse_path())
    return _query(ident, sql, params)


def status() -> str:
    """`missing` (no file), `empty` (no marts yet, or unreadable) or `ok`."""
    if identity() is None:
        return "missing"
    try:
        tables = query("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables")
    except duckdb.Error:
        return "empty"
    return "ok" if "marts.program_kpis" in set(tables["t"]) else "empty"


def kpis() -> pd.Series:
    return query("SELECT * FROM marts.program_kpis").iloc[0]


def refreshed_at() -> pd.Timestamp | None:
    frame = query("SELECT refreshed_at FROM meta.refresh")
    return None if frame.empty else frame["refreshed_at"].iloc[0]


def monthly_progress() -> pd.DataFrame:
    return query("SELECT * FROM marts.monthly_progress ORDER BY month")


def districts_by_gap(limit: int = 10) -> pd.DataFrame:
    """Districts furthest from 100 % of need covered (aggregated over tiers and school levels)."""
    return query("""
        SELECT district_code, any_value(district_name) AS district_name,
               sum(students_identified) AS identified, sum(students_remaining) AS remaining,
               CASE WHEN sum(students_identified) = 0 THEN 0.0
                    ELSE (sum(students_identified) - sum(students_remaining)) / sum(students_identified) END AS pct
        FROM marts.need_vs_supply GROUP BY district_code
        HAVING sum(students_identified) > 0
        ORDER BY pct ASC, remaining DESC, district_code LIMIT ?""", (limit,))
