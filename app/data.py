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


REQUIRED_TABLES = {"marts.program_kpis", "marts.allocation_stock", "marts.coverage_points", "meta.refresh_log",
                   "dq.expectation_results", "dq.issues"}


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
    # A warehouse built by an older version lacks newer tables: ask for a refresh instead of failing a page.
    return "ok" if REQUIRED_TABLES <= set(tables["t"]) else "empty"


def kpis() -> pd.Series:
    return query("SELECT * FROM marts.program_kpis").iloc[0]


def refreshed_at() -> pd.Timestamp | None:
    frame = query("SELECT refreshed_at FROM meta.refresh")
    return None if frame.empty else frame["refreshed_at"].iloc[0]


def monthly_progress(f=None) -> pd.DataFrame:
    """marts.monthly_progress, limited to the chosen period."""
    frame = query("SELECT * FROM marts.monthly_progress ORDER BY month")
    if f is not None and f.month_from is not None and not frame.empty:
        months = pd.to_datetime(frame["month"]).dt.date
        frame = frame[(months >= f.month_from) & (months <= f.month_to)]
    return frame


def last_month() -> dict:
    """The latest month of marts.monthly_progress (its figures are the cards' "this month" deltas)."""
    frame = query("SELECT * FROM marts.monthly_progress ORDER BY month DESC LIMIT 1")
    if frame.empty:
        return {"label": "–", "devices_handed_over": 0, "cash_received_vnd": 0, "students_supported_new": 0}
    row = frame.iloc[0]
    return {"label": pd.Timestamp(row["month"]).strftime("%m/%Y"), **{k: row[k] for k in
            ("devices_handed_over", "cash_received_vnd", "students_supported_new")}}


def student_totals(f) -> dict:
    """Student figures of SPEC §5 for the chosen districts, tiers and school levels (need_vs_supply sums)."""
    where, params = f.sql()
    row = query(f"""SELECT coalesce(sum(students_identified), 0) AS identified,
                           coalesce(sum(students_supported), 0) AS supported,
                           coalesce(sum(students_self_resolved), 0) AS self_resolved,
                           coalesce(sum(students_remaining), 0) AS remaining,
                           coalesce(sum(students_need_connectivity), 0) AS need_connectivity
                    FROM marts.need_vs_supply WHERE {where}""", params).iloc[0].to_dict()
    row["pct_covered"] = 0.0 if row["identified"] == 0 else (row["identified"] - row["remaining"]) / row["identified"]
    return row


def districts_by_gap(f, limit: int = 10) -> pd.DataFrame:
    """Districts furthest from 100 % of need covered (over the chosen tiers and school levels)."""
    where, params = f.sql()
    return query(f"""
        SELECT district_code, any_value(district_name) AS district_name,
               sum(students_identified) AS identified, sum(students_remaining) AS remaining,
               (sum(students_identified) - sum(students_remaining)) / sum(students_identified) AS pct
        FROM marts.need_vs_supply WHERE {where} GROUP BY district_code
        HAVING sum(students_identified) > 0
        ORDER BY pct ASC, remaining DESC, district_code LIMIT ?""", (*params, limit))


def need(f) -> pd.DataFrame:
    where, params = f.sql()
    return query(f"SELECT * FROM marts.need_vs_supply WHERE {where} ORDER BY district_code, priority_tier, "
                 "school_level", params)


def need_by_school(f, district_code: str) -> pd.DataFrame:
    where, params = f.sql()
    return query(f"""SELECT school_code, any_value(school_name) AS school_name, sum(students_surveyed) AS surveyed,
                            sum(students_identified) AS identified, sum(students_supported) AS supported,
                            sum(students_remaining) AS remaining
                     FROM marts.need_by_school WHERE {where} AND district_code = ?
                     GROUP BY school_code ORDER BY remaining DESC, school_code""", (*params, district_code))


def completeness(f) -> pd.DataFrame:
    where, params = f.sql(tier=None, level=None)
    return query(f"SELECT * FROM marts.reporting_completeness WHERE {where} ORDER BY survey_round, district_code",
                 params)


def table(name: str, order: str = "1") -> pd.DataFrame:
    """A whole (small) mart or dq table; `name` comes from the code, never from the user."""
    allowed = {"marts.donations_by_donor_type", "marts.donated_devices", "marts.donor_honour_roll",
               "marts.coverage_by_district", "marts.coverage_points", "dq.issues", "dq.rejected_rows",
               "dq.expectation_results", "meta.files", "meta.refresh", "marts.need_vs_supply",
               "marts.monthly_progress", "marts.reporting_completeness", "marts.allocation_stock", "meta.refresh_log"}
    if name not in allowed:
        raise ValueError(name)
    return query(f"SELECT * FROM {name} ORDER BY {order}")


def districts() -> pd.DataFrame:
    """Every district in scope (code, name), for the filter bar."""
    return query("SELECT district_code, district_name FROM marts.coverage_by_district ORDER BY district_code")


def months() -> list:
    return list(query("SELECT month FROM marts.monthly_progress ORDER BY month")["month"])


@st.cache_data(show_spinner=False, max_entries=8)
def _month_change(ident: Identity) -> dict | None:
    from warehouse import briefing

    months = briefing.available_months(Path(ident.path))
    if not months:
        return None
    pack = briefing.month_figures(Path(ident.path), months[-1])
    return {"label": pack["month_label"], "previous": briefing.month_label(pack["previous_month"]),
            "now": pack["figures"], "before": pack["previous"]}


def month_change() -> dict | None:
    """The latest month's figures as of its last day and the previous month's (the briefing's own numbers)."""
    ident = identity()
    return None if ident is None else _month_change(ident)


def province() -> str:
    """The province name(s) of the districts in scope, for report titles."""
    names = query("SELECT DISTINCT d.province_name FROM raw.districts AS d JOIN marts.coverage_by_district AS c "
                  "USING (district_code) ORDER BY 1")["province_name"]
    return ", ".join(names)


@st.cache_data(show_spinner=False, max_entries=64)
def _briefing_month(ident: Identity, month: str) -> dict:
    from warehouse import briefing

    return briefing.month_figures(Path(ident.path), month)


@st.cache_data(show_spinner=False, max_entries=64)
def _briefing_corrections(ident: Identity, month: str, store_mtime: int) -> list[str]:
    from warehouse import briefing

    return briefing.pending_corrections(Path(ident.path), month, _briefing_month(ident, month))


@st.cache_data(show_spinner=False, max_entries=8)
def _briefing_months(ident: Identity) -> list[str]:
    from warehouse import briefing

    return briefing.available_months(Path(ident.path))


def briefing_months() -> list[str]:
    ident = identity()
    return [] if ident is None else _briefing_months(ident)


def briefing_month(month: str) -> dict:
    """The press pack's figures for a month (cached per warehouse file)."""
    return _briefing_month(identity(), month)


def briefing_corrections(month: str) -> list[str]:
    """Corrections to published figures (cached per warehouse file and per state of the published store)."""
    from warehouse import briefing

    store = briefing.published_store(warehouse_path())
    mtime = store.stat().st_mtime_ns if store.exists() else 0
    return _briefing_corrections(identity(), month, mtime)
