"""Read-only access to the warehouse for the pages.

Each query opens the DuckDB file read-only, fetches and closes at once: the refresh pipeline
replaces the file with `os.replace`, so no connection may be held between reruns. Results are
cached per file identity (inode, size, mtime), so a new warehouse shows on the next interaction
without a restart and an open page never mixes two warehouses.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from app import scope
from ingest.rules import sql as rule
from warehouse import formats

REPO = Path(__file__).resolve().parent.parent


# What leaders and analysts read (issue 21 point 5): reporting.* views without any personal column, built by dbt
# (dbt_project/models/reporting). Only the data-officer role reads the unmasked findings (dq.*_located).
REPORTING = {
    "program_kpis": None, "need_vs_supply": "district_code", "need_by_school": "district_code",
    "need_by_month": "district_code", "monthly_progress": None, "coverage_by_district": "district_code",
    "coverage_points": "district_code", "donations_by_donor_type": None, "donated_devices": None,
    "donor_honour_roll": None, "reporting_completeness": "district_code", "allocation_queue": "district_code",
    "allocation_stock": None, "allocation_proposal": "district_code", "allocation_by_school": "district_code",
    "progress_by_district_month": "district_code", "districts": "district_code", "dq_issues": "district_code",
    "rejected_rows": "district_code", "data_span": "district_code",
    # issue 23 point 4 (maps): schools' and districts' points
    "schools": "district_code", "district_centres": "district_code",
    # issue 22 (one list): the school levels int_students derives, for the filter bar
    "school_levels": None,
}
PERSONAL = {"dq_issues": "dq.issues_located", "rejected_rows": "dq.rejected_rows_located"}
# Meta tables (no personal data, not about districts): (name → district column), read as they are.
META = {"meta.refresh": None, "meta.files": None, "meta.refresh_log": None, "dq.expectation_results": None}
# Figures of the whole province that a district-scoped user may still see (a date, not a figure).
SCOPE_FREE = {"meta.refresh"}

# Never read by the app (issue 22: the app reads marts' views only), and the unmasked findings by data officers only.
NEVER = re.compile(r"\b(raw|staging|intermediate|marts)\s*\.", re.IGNORECASE)
OFFICERS_ONLY = re.compile(r"\bdq\s*\.\s*(issues|rejected_rows|finding_records|review_records|findings\b)",
                           re.IGNORECASE)

REQUIRED_TABLES = {"reporting.program_kpis", "reporting.allocation_stock", "reporting.coverage_points",
                   "reporting.dq_issues", "reporting.progress_by_district_month", "meta.refresh_log",
                   "dq.expectation_results", "dq.issues_located", "dq.review_findings", "dq.review_history",
                   "reporting.data_span", "reporting.school_levels"}


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
    """Run a parameterised read-only query against the current warehouse (cached per file identity).

    Refused (PermissionError) when it names raw, staging, intermediate or marts tables, or, for a role other than
    data officer, the unmasked findings: what a role reads is decided here, not by the page."""
    from app import auth

    if NEVER.search(sql) or (OFFICERS_ONLY.search(sql) and not auth.sees_personal_data()):
        raise PermissionError(sql)
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


def relation(name: str) -> str:
    """The relation a logical table is read from, decided by the signed-in role (never by the page)."""
    from app import auth

    if name in META:
        return name
    if name not in REPORTING:
        raise ValueError(name)
    if name in PERSONAL and auth.sees_personal_data():
        return PERSONAL[name]
    return f"reporting.{name}"


def scoped() -> bool:
    """True for a user limited to some districts: province-wide figures are not shown to them."""
    return scope.districts() is not None


def _where(f=None, district: str = "district_code", tier: str | None = "priority_tier",
           level: str | None = "school_level") -> tuple[str, tuple]:
    """The filter bar's WHERE clause intersected with the user's districts (app/scope.py), parameterised."""
    if f is None:
        where, params = "TRUE", ()
    else:
        where, params = replace(f, districts=()).sql(district, tier, level)
    codes = scope.limit(f.districts if f is not None else ())
    if codes is not None:
        where, params = f"{where} AND list_contains(?, {district})", (*params, list(codes))
    return where, params


def table(name: str, order: str = "1", f=None) -> pd.DataFrame:
    """A whole (small) table for the role, limited to the user's districts (and the filter bar's, given `f`);
    a province-wide table is empty for a district-scoped user. `name` comes from the code, never from the user."""
    source = relation(name)
    district = REPORTING.get(name) if name in REPORTING else META[name]
    if district is not None:
        where, params = _where(f, district, None, None)
    elif scoped() and name not in SCOPE_FREE:
        where, params = "FALSE", ()
    else:
        where, params = "TRUE", ()
    return query(f"SELECT * FROM {source} WHERE {where} ORDER BY {order}", params)


# Headline figures a district-scoped user gets from sums over their districts; the other program_kpis columns
# (donations, cash, stock: resources of the whole province) are None for them and not shown.
SCOPED_KPIS = """
SELECT (SELECT as_of FROM reporting.program_kpis) AS as_of,
       n.*, {pct} AS pct_covered, c.*,
       (SELECT coalesce(sum(devices_handed_over), 0) FROM reporting.progress_by_district_month
         WHERE list_contains($d, district_code)) AS devices_handed_over,
       (SELECT count(*) FROM reporting.dq_issues WHERE list_contains($d, district_code)) AS dq_issue_count,
       (SELECT count(*) FROM reporting.rejected_rows WHERE list_contains($d, district_code)) AS rejected_row_count
FROM (SELECT coalesce(sum(students_identified), 0) AS students_identified,
             coalesce(sum(students_supported), 0) AS students_supported,
             coalesce(sum(students_self_resolved), 0) AS students_self_resolved,
             coalesce(sum(students_remaining), 0) AS students_remaining,
             coalesce(sum(students_need_connectivity), 0) AS students_need_connectivity
      FROM reporting.need_vs_supply WHERE list_contains($d, district_code)) AS n,
     (SELECT coalesce(sum(points_total), 0) AS coverage_points_total,
             coalesce(sum(points_covered), 0) AS coverage_points_covered,
             coalesce(sum(points_overdue), 0) AS coverage_points_overdue,
             coalesce(sum(schools_total), 0) AS schools_total,
             coalesce(sum(schools_without_internet), 0) AS schools_without_internet
      FROM reporting.coverage_by_district WHERE list_contains($d, district_code)) AS c
""".replace("{pct}", rule("pct_covered", "n.students_identified", "n.students_remaining"))


def kpis() -> pd.Series:
    """marts.program_kpis for the province; for a district-scoped user, the same names summed over their districts
    (province-wide resources as None)."""
    province = query("SELECT * FROM reporting.program_kpis").iloc[0]
    codes = scope.districts()
    if codes is None:
        return province
    own = query(SCOPED_KPIS.replace("$d", "?"), (list(codes),) * SCOPED_KPIS.count("$d")).iloc[0]
    row = pd.Series({name: None for name in province.index}, dtype=object)
    row.update(own)
    return row


def refreshed_at() -> pd.Timestamp | None:
    frame = query("SELECT refreshed_at FROM meta.refresh")
    return None if frame.empty else frame["refreshed_at"].iloc[0]


def _progress() -> pd.DataFrame:
    """reporting.monthly_progress, or for a district-scoped user its handover columns over their districts (with
    running totals), on the same calendar; receipts (province-wide) are left out."""
    codes = scope.districts()
    if codes is None:
        return query("SELECT * FROM reporting.monthly_progress ORDER BY month")
    return query("""
        WITH own AS (SELECT month, sum(devices_handed_over) AS h, sum(students_supported_new) AS s
                     FROM reporting.progress_by_district_month WHERE list_contains(?, district_code) GROUP BY month),
             filled AS (SELECT m.month, coalesce(own.h, 0)::BIGINT AS devices_handed_over,
                               coalesce(own.s, 0)::BIGINT AS students_supported_new
                        FROM reporting.monthly_progress AS m LEFT JOIN own USING (month))
        SELECT *, (sum(devices_handed_over) OVER w)::BIGINT AS cum_devices_handed_over,
                  (sum(students_supported_new) OVER w)::BIGINT AS cum_students_supported_new
        FROM filled WINDOW w AS (ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        ORDER BY month""", (list(codes),))


def monthly_progress(f=None) -> pd.DataFrame:
    """Monthly progress (see _progress), limited to the chosen period."""
    frame = _progress()
    if f is not None and f.month_from is not None and not frame.empty:
        months = pd.to_datetime(frame["month"]).dt.date
        frame = frame[(months >= f.month_from) & (months <= f.month_to)]
    return frame


def last_month() -> dict:
    """The latest month of monthly progress (its figures are the cards' "this month" deltas); a figure the user's
    scope cannot give (cash, for a district) is None."""
    frame = _progress()
    keys = ("devices_handed_over", "cash_received_vnd", "students_supported_new")
    if frame.empty:
        return {"label": "–", **{k: 0 if k in frame else None for k in keys}}
    row = frame.iloc[-1]
    return {"label": formats.month(pd.Timestamp(row["month"])), **{k: row.get(k) for k in keys}}


# SPEC §5 pct_covered of summed need_vs_supply rows: the macro the marts use (dbt_project/macros/rules.sql).
PCT_OF_SUMS = rule("pct_covered", "coalesce(sum(students_identified), 0)", "coalesce(sum(students_remaining), 0)")


def student_totals(f) -> dict:
    """Student figures of SPEC §5 for the chosen districts, tiers and school levels (need_vs_supply sums)."""
    where, params = _where(f)
    row = query(f"""SELECT coalesce(sum(students_identified), 0) AS identified,
                           coalesce(sum(students_supported), 0) AS supported,
                           coalesce(sum(students_self_resolved), 0) AS self_resolved,
                           coalesce(sum(students_remaining), 0) AS remaining,
                           coalesce(sum(students_need_connectivity), 0) AS need_connectivity,
                           {PCT_OF_SUMS} AS pct_covered
                    FROM reporting.need_vs_supply WHERE {where}""", params).iloc[0].to_dict()
    return row


def districts_by_gap(f, limit: int = 10) -> pd.DataFrame:
    """Districts furthest from 100 % of need covered (over the chosen tiers and school levels)."""
    where, params = _where(f)
    return query(f"""
        SELECT district_code, any_value(district_name) AS district_name,
               sum(students_identified) AS identified, sum(students_remaining) AS remaining,
               {PCT_OF_SUMS} AS pct
        FROM reporting.need_vs_supply WHERE {where} GROUP BY district_code
        HAVING sum(students_identified) > 0
        ORDER BY pct ASC, remaining DESC, district_code LIMIT ?""", (*params, limit))


def need(f) -> pd.DataFrame:
    where, params = _where(f)
    return query(f"SELECT * FROM reporting.need_vs_supply WHERE {where} ORDER BY district_code, priority_tier, "
                 "school_level", params)


def need_by_school(f, district_code: str) -> pd.DataFrame:
    where, params = _where(f)
    return query(f"""SELECT school_code, any_value(school_name) AS school_name, sum(students_surveyed) AS surveyed,
                            sum(students_identified) AS identified, sum(students_supported) AS supported,
                            sum(students_remaining) AS remaining
                     FROM reporting.need_by_school WHERE {where} AND district_code = ?
                     GROUP BY school_code ORDER BY remaining DESC, school_code""", (*params, district_code))


def completeness(f) -> pd.DataFrame:
    where, params = _where(f, tier=None, level=None)
    return query(f"SELECT * FROM reporting.reporting_completeness WHERE {where} ORDER BY survey_round, district_code",
                 params)


def allocation_queue_size(f=None) -> int:
    """Students waiting in the allocation queue, in the user's districts (and the filter bar's, given `f`)."""
    where, params = _where(f)
    return int(query(f"SELECT count(*) AS n FROM reporting.allocation_queue WHERE {where}", params)["n"].iloc[0])


def allocation_span(stock: int) -> tuple[int, int]:
    """The what-if slider's maximum and default. Queue positions are the province's: for a district-scoped user
    the maximum is the last position of their own students and the default the last of theirs the computed
    stock reaches (the same proposal for their districts), so no province-wide figure shows."""
    where, params = _where()
    row = query(f"""SELECT coalesce(max(queue_position), 0) AS top,
                           coalesce(max(queue_position) FILTER (WHERE is_proposed), 0) AS proposed, count(*) AS n
                    FROM reporting.allocation_queue WHERE {where}""", params).iloc[0]
    if scoped():
        return max(int(row["top"]), 1), int(row["proposed"])
    top = max(int(row["n"]), stock, 1)
    return top, min(stock, top)


# The what-if ("we receive n devices"): the allocation marts give the proposal at the computed stock; for another
# n only the queue position the stock reaches changes, so a mart row's proposal is its number of places in the
# queue (reporting.allocation_queue, the marts' own order) at or before n. Rows, names and remaining counts are
# the marts'.
REACHED = """reached AS (SELECT {keys}, count(*) AS n FROM reporting.allocation_queue
                      WHERE queue_position <= ? GROUP BY {keys})"""


def allocation_by_district(f, n: int) -> pd.DataFrame:
    """reporting.allocation_proposal (district × tier × level) for a stock of `n`, in the user's districts."""
    where, params = _where(f, "p.district_code", "p.priority_tier", "p.school_level")
    keys = "district_code, priority_tier, school_level"
    return query(f"""
        WITH {REACHED.format(keys=keys)}
        SELECT p.district_code, p.district_name, p.priority_tier, p.school_level, p.students_remaining,
               coalesce(r.n, 0) AS devices_proposed,
               p.students_remaining - coalesce(r.n, 0) AS students_still_waiting_after
        FROM reporting.allocation_proposal AS p LEFT JOIN reached AS r USING ({keys})
        WHERE {where} ORDER BY 1, 3, 4""", (n, *params))


def allocation_by_school(f, n: int) -> pd.DataFrame:
    """reporting.allocation_by_school (school × tier, summed over the mart's school levels the filter bar keeps)
    for a stock of `n`, in the user's districts."""
    where, params = _where(f, "p.district_code", "p.priority_tier", "p.school_level")
    keys = "district_code, school_code, priority_tier, school_level"
    return query(f"""
        WITH {REACHED.format(keys=keys)}
        SELECT p.district_code, p.school_code, any_value(p.school_name) AS school_name, p.priority_tier,
               sum(p.students_remaining)::BIGINT AS students_remaining,
               coalesce(sum(r.n), 0)::BIGINT AS devices_proposed
        FROM reporting.allocation_by_school AS p LEFT JOIN reached AS r USING ({keys})
        WHERE {where} GROUP BY p.district_code, p.school_code, p.priority_tier ORDER BY 1, 2, 4""", (n, *params))


def districts() -> pd.DataFrame:
    """Every district the user may see (code, name), for the filter bar."""
    where, params = _where()
    return query(f"SELECT district_code, district_name FROM reporting.coverage_by_district WHERE {where} "
                 "ORDER BY district_code", params)


def school_levels() -> list[str]:
    """The school levels for the filter bar, in their order: the warehouse's (reporting.school_levels, as dbt derives
    them), so the app holds no second list that could miss a level the model adds."""
    return list(query("SELECT school_level FROM reporting.school_levels ORDER BY level_order")["school_level"])


def months() -> list:
    return list(query("SELECT month FROM reporting.monthly_progress ORDER BY month")["month"])


def province() -> str:
    """The province name(s) of the districts in scope, for report titles."""
    where, params = _where(district="c.district_code", tier=None, level=None)
    names = query("SELECT DISTINCT d.province_name FROM reporting.districts AS d "
                  f"JOIN reporting.coverage_by_district AS c USING (district_code) WHERE {where} ORDER BY 1",
                  params)["province_name"]
    return ", ".join(names)


@st.cache_data(show_spinner=False, max_entries=64)
def _briefing_month(ident: Identity, month: str, districts: tuple[str, ...] | None = None) -> dict:
    from warehouse import reports

    return reports.month_figures(Path(ident.path), month, districts=districts)


def month_change() -> dict | None:
    """The latest month's figures as of its last day and the previous month's (the briefing's own numbers), in the
    user's districts."""
    months = briefing_months()
    if not months:
        return None
    from warehouse import reports

    pack = briefing_month(months[-1])
    return {"label": pack["month_label"], "previous": reports.month_label(pack["previous_month"]),
            "now": pack["figures"], "before": pack["previous"]}


@st.cache_data(show_spinner=False, max_entries=64)
def _briefing_corrections(ident: Identity, month: str, store_mtime: int) -> list[str]:
    from warehouse import reports

    return reports.pending_corrections(Path(ident.path), month, _briefing_month(ident, month))


@st.cache_data(show_spinner=False, max_entries=8)
def _briefing_months(ident: Identity) -> list[str]:
    from warehouse import reports

    return reports.available_months(Path(ident.path))


def briefing_months() -> list[str]:
    ident = identity()
    return [] if ident is None else _briefing_months(ident)


def briefing_month(month: str) -> dict:
    """The press pack's figures for a month (cached per warehouse file), in the user's districts."""
    return _briefing_month(identity(), month, scope.districts())


def briefing_corrections(month: str) -> list[str]:
    """Corrections to published (province-wide) figures (cached per warehouse file and per state of the published
    store); none for a district-scoped user, whose figures are not the published ones."""
    from warehouse import reports

    if scoped():
        return []
    store = reports.published_store(warehouse_path())
    mtime = store.stat().st_mtime_ns if store.exists() else 0
    return _briefing_corrections(identity(), month, mtime)


# --- the review queue (issue 24): findings with the status their decisions give them ---------------------------

# No record_key (it holds student IDs) and nothing personal: these columns are read for every role; the page that
# decides (Rà soát) is the data officers'.
FINDING_FIELDS = ("finding_key, issue_type, entity, detail, source_file, source_line, district_code, school_code, "
                  "first_seen, last_seen, gone_since, returned_at")


def _store_stamp(ident: Identity) -> tuple[int, int]:
    """The decisions store's identity: a decision taken shows at the next rerun, like a new warehouse."""
    from warehouse.review import store_path

    try:
        stat = store_path(Path(ident.path)).stat()
    except FileNotFoundError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


@st.cache_data(show_spinner=False, max_entries=16)
def _findings(ident: Identity, stamp: tuple[int, int], day_of: str) -> pd.DataFrame:
    """The findings with their status (warehouse/review.py read_status, the one reader of a status).

    `stamp` (the decisions store's identity) and `day_of` (today, ISO) are only cache keys: a new decision, or a
    new day (the age in days and a status read "now"), makes a fresh read; neither is passed on.
    """
    from warehouse.review import read_status

    con = duckdb.connect(ident.path, read_only=True)
    try:
        return read_status(con, Path(ident.path), FINDING_FIELDS)
    finally:
        con.close()


def findings() -> pd.DataFrame:
    """Every finding of the warehouse (open or not) with status, latest decision and age, in the user's districts."""
    from datetime import date

    ident = identity()
    if ident is None:
        raise FileNotFoundError(warehouse_path())
    frame = _findings(ident, _store_stamp(ident), date.today().isoformat())
    codes = scope.districts()
    return frame if codes is None else frame[frame["district_code"].isin(codes)].reset_index(drop=True)


def open_findings() -> int:
    """Findings still to deal with (open, confirmed, reopened): what the pages and the briefing count."""
    from warehouse.review import OPEN_STATUSES

    return int(findings()["status"].isin(OPEN_STATUSES).sum())


def findings_trend() -> pd.DataFrame:
    """Open findings month by month (the last refresh of each month), in the user's districts."""
    from warehouse.review import OPEN_STATUSES

    codes = scope.districts()
    where = "" if codes is None else "AND list_contains(?, district_code)"
    return query(f"""
        WITH last AS (SELECT date_trunc('month', refreshed_at) AS month, max(refreshed_at) AS at
                      FROM dq.review_history GROUP BY 1)
        SELECT last.month::DATE AS month, coalesce(sum(h.findings) FILTER (
                   WHERE h.status IN ({', '.join("'" + s + "'" for s in OPEN_STATUSES)}) {where}), 0)::BIGINT AS open
        FROM last LEFT JOIN dq.review_history AS h ON h.refreshed_at = last.at
        GROUP BY 1 ORDER BY 1""", () if codes is None else (list(codes),))
def rejects_by_refresh() -> pd.DataFrame:
    """Rejected rows and data-quality findings (any status but fixed: what that refresh found) at each successful
    refresh, province-wide (the refresh log counts the whole province: empty for a district-scoped user)."""
    if scoped():
        return pd.DataFrame(columns=["refreshed_at", "rejected", "findings"])
    return query("""
        WITH refreshes AS (
            SELECT ended_at AS refreshed_at,
                   coalesce(list_sum(CAST(json_extract(rows_rejected, '$.*') AS BIGINT[])), 0)::BIGINT AS rejected
            FROM meta.refresh_log WHERE outcome = 'ok'),
        found AS (
            SELECT refreshed_at, sum(findings) FILTER (WHERE status <> 'fixed')::BIGINT AS findings
            FROM dq.review_history GROUP BY 1)
        SELECT r.refreshed_at, r.rejected, coalesce(f.findings, 0)::BIGINT AS findings
        FROM refreshes AS r
        ASOF LEFT JOIN found AS f ON r.refreshed_at >= f.refreshed_at
        ORDER BY 1""", ())


def latest_data_day():
    """The latest day an event is dated in the data the user may see (issue 23, honest dates): what "the figures are
    updated to" means, unlike the reporting date (--as-of), which only moves overdue figures."""
    where, params = _where()
    value = query(f"SELECT max(latest_on) AS latest FROM reporting.data_span WHERE {where}", params)["latest"].iloc[0]
    return None if pd.isna(value) else value


def finding_records(keys: list[str]) -> pd.DataFrame:
    """The records the chosen findings involve, side by side (file, line, the row as written): data officers only,
    refused to any other role by `query` (names and birth dates, unmasked)."""
    return query("SELECT finding_key, source_file, source_line, summary FROM dq.review_records "
                 "WHERE list_contains(?, finding_key) ORDER BY finding_key, source_file, source_line", (list(keys),))
