"""The month's figures of the press pack, read from the `reporting` views only (the marts and the views made for
the pack, without personal columns), never `raw` or `intermediate` (issue 22 point 2).

The pack speaks as of the month's last day (docs/briefing.md): this month's and running totals are the row of
`reporting.monthly_progress` (a district-scoped view: `reporting.progress_by_district_month` on the same
calendar); the need figures are `reporting.need_by_month`'s row for the month (SPEC §5 counted as of its last
day; for the latest month they equal `reporting.program_kpis`); the donation, handover and coverage tables are
the month's rows of `reporting.briefing_*_by_month` (dbt counts them on the calendar of `briefing_months`), so
no date rule is written here. `month_figures` is what the dashboard page and the pack share.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from warehouse.formats import number
from warehouse.review import open_count

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
REQUIRED_TABLES = ("reporting.monthly_progress", "reporting.program_kpis", "reporting.need_by_month",
                   "reporting.progress_by_district_month",
                   "reporting.briefing_months", "reporting.briefing_donations_by_month",
                   "reporting.briefing_handovers_by_month", "reporting.briefing_coverage_by_month",
                   "reporting.coverage_points", "reporting.schools", "reporting.districts", "meta.refresh")

# The figures a pack publishes (and later checks for corrections), with their Vietnamese label and kind.
FIGURES: dict[str, tuple[str, str]] = {
    "devices_handed_over": ("Thiết bị trao trong tháng", "int"),
    "cum_devices_handed_over": ("Lũy kế thiết bị đã trao", "int"),
    "students_supported_new": ("Học sinh được hỗ trợ mới trong tháng", "int"),
    "cum_students_supported_new": ("Lũy kế học sinh được hỗ trợ", "int"),
    "students_identified": ("Học sinh cần hỗ trợ thiết bị", "int"),
    "students_supported": ("Học sinh đã được hỗ trợ", "int"),
    "students_self_resolved": ("Học sinh tự trang bị", "int"),
    "students_remaining": ("Học sinh còn chờ hỗ trợ", "int"),
    "pct_covered": ("Tỷ lệ đáp ứng nhu cầu", "pct"),
    "cash_received_vnd": ("Tiền mặt nhận trong tháng", "money"),
    "cum_cash_received_vnd": ("Lũy kế tiền mặt đã nhận", "money"),
    "devices_received": ("Thiết bị nhận trong tháng", "int"),
    "cum_devices_received": ("Lũy kế thiết bị đã nhận", "int"),
}
# The headline figures of the one-page PDF, in reading order.
HEADLINE = ("devices_handed_over", "cum_devices_handed_over", "students_remaining", "pct_covered",
            "cash_received_vnd", "cum_cash_received_vnd")
MONTHLY_COLUMNS = ("devices_received", "cash_received_vnd", "devices_handed_over", "students_supported_new")


class BriefingError(Exception):
    """A request the pack cannot serve (bad month, missing or unusable warehouse): CLI exit 2."""


def month_label(month: str | date) -> str:
    """`2022-10` → `10/2022`."""
    first = parse_month(month) if isinstance(month, str) else month
    return f"{first.month:02d}/{first.year}"


# ---------------------------------------------------------------------------------------------------------------
# Months and the warehouse


def parse_month(text: str) -> date:
    """`YYYY-MM` → the month's first day; anything else is a BriefingError."""
    match = MONTH_RE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise BriefingError(f"tháng '{text}' không đúng dạng YYYY-MM (ví dụ 2022-10) / "
                            f"'{text}' is not a YYYY-MM month (e.g. 2022-10)")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_end(first: date) -> date:
    return date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])


def _add_months(first: date, n: int) -> date:
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def connect_warehouse(db: Path) -> duckdb.DuckDBPyConnection:
    db = Path(db)
    if not db.is_file():
        raise BriefingError(f"không tìm thấy kho dữ liệu '{db}' / warehouse '{db}' not found "
                            "(chạy / run: python -m warehouse refresh --source DIR --db FILE)")
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise BriefingError(f"không mở được kho dữ liệu '{db}' / cannot open warehouse '{db}': {exc}") from exc
    present = {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}
    missing = [name for name in REQUIRED_TABLES if name not in present]
    if missing:
        con.close()
        raise BriefingError(f"'{db}' không phải kho dữ liệu của chương trình (thiếu {', '.join(missing)}) / "
                            f"'{db}' is not a program warehouse (missing {', '.join(missing)})")
    return con


def _months_of(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Every month a pack can be built for (`reporting.briefing_months`: monthly_progress's range stretched over the
    survey dates), oldest first."""
    return [m for (m,) in con.execute("select month from reporting.briefing_months order by month").fetchall()]


def available_months(db: Path) -> list[str]:
    """The months a pack can be built for, as `YYYY-MM`, oldest first."""
    con = connect_warehouse(db)
    try:
        return [m.strftime("%Y-%m") for m in _months_of(con)]
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# Monthly handovers of some districts (issue 21 point 4): reporting.progress_by_district_month on the calendar of
# reporting.monthly_progress, with running totals. Receipts (cash, devices) belong to the whole province: not here.
DISTRICT_PROGRESS_SQL = """
with own as (
    select month, sum(devices_handed_over) as h, sum(students_supported_new) as s
    from reporting.progress_by_district_month where list_contains($districts, district_code) group by month
),
filled as (
    select m.month, coalesce(own.h, 0)::bigint as devices_handed_over,
           coalesce(own.s, 0)::bigint as students_supported_new
    from reporting.monthly_progress as m left join own using (month)
)
select *, (sum(devices_handed_over) over w)::bigint as cum_devices_handed_over,
          (sum(students_supported_new) over w)::bigint as cum_students_supported_new
from filled
where month <= $month
window w as (order by month rows between unbounded preceding and current row)
order by month
"""


def _progress_rows(con: duckdb.DuckDBPyConnection, first: date,
                   districts: Sequence[str] | None) -> list[dict[str, Any]]:
    """Monthly progress rows up to `first`: reporting.monthly_progress, or the handovers of `districts` only."""
    if districts is None:
        return _rows(con, "select * from reporting.monthly_progress where month <= ? order by month", [first])
    return _rows_named(con, DISTRICT_PROGRESS_SQL, districts=list(districts), month=first)


def _monthly(con: duckdb.DuckDBPyConnection, first: date, districts: Sequence[str] | None = None) -> dict[str, Any]:
    """This month's and running totals exactly as `reporting.monthly_progress` has them (zeros and carried totals
    for a month without a row); for some districts, the receipt figures are None (they are the province's)."""
    rows = _progress_rows(con, first, districts)[-1:]
    out = {}
    row = rows[0] if rows else None
    for col in MONTHLY_COLUMNS:
        if districts is not None and col not in ("devices_handed_over", "students_supported_new"):
            out[col] = out[f"cum_{col}"] = None
            continue
        same = row is not None and row["month"] == first
        out[col] = int(row[col]) if same else 0
        out[f"cum_{col}"] = int(row[f"cum_{col}"]) if row is not None else 0
    return out


# The need figures as of a month's last day (SPEC §5, counted as docs/briefing.md says), pre-aggregated by dbt.
NEED_SQL = """
select
    n.district_code,
    d.district_name,
    n.priority_tier,
    n.students_identified,
    n.students_supported,
    n.students_self_resolved,
    n.students_remaining
from reporting.need_by_month as n
left join reporting.districts as d using (district_code)
where n.month = $month and n.students_identified > 0
  and ($all or list_contains($districts, n.district_code))
order by n.district_code, n.priority_tier
"""


def _pct(identified: int, remaining: int) -> float:
    return 0.0 if identified == 0 else (identified - remaining) / identified


def _scope(districts: Sequence[str] | None) -> dict[str, Any]:
    """The named parameters of a district limit: all districts (None) or the listed ones."""
    return {"all": districts is None, "districts": list(districts or [])}


def _need(con: duckdb.DuckDBPyConnection, first: date, districts: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """District × priority tier need as of the last day of the month that starts on `first` (in `districts`)."""
    rows = _rows_named(con, NEED_SQL, month=first, **_scope(districts))
    for row in rows:
        row["district_name"] = row["district_name"] or row["district_code"]
        row["pct_covered"] = _pct(row["students_identified"], row["students_remaining"])
    return rows


def _rows_named(con: duckdb.DuckDBPyConnection, sql: str, **params: Any) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def need_totals(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    keys = ("students_identified", "students_supported", "students_self_resolved", "students_remaining")
    rows = list(rows)
    totals = {k: int(sum(r[k] for r in rows)) for k in keys}
    totals["pct_covered"] = _pct(totals["students_identified"], totals["students_remaining"])
    return totals


def headline_figures(con: duckdb.DuckDBPyConnection, first: date,
                     districts: Sequence[str] | None = None) -> dict[str, Any]:
    """The published figures of one month (FIGURES), as of its last day (in `districts`: see _monthly)."""
    figures = _monthly(con, first, districts)
    figures.update(need_totals(_need(con, first, districts)))
    return {key: figures[key] for key in FIGURES}


# The pack's tables as of the month's last day, computed by dbt on the briefing calendar (marts.briefing_*).
DONATIONS_SQL = """
select donor_type, form, donations, cash_month, cash_received, cash_pledged, devices_month, devices_received,
       devices_pledged, devices_failed_inspection, packages_month, packages_received
from reporting.briefing_donations_by_month
where month = $month
order by donor_type, form
"""

HANDOVERS_SQL = """
select h.district_code, d.district_name, h.device_type, h.this_month, h.cumulative
from reporting.briefing_handovers_by_month as h
left join reporting.districts as d using (district_code)
where h.month = $month and ($all or list_contains($districts, h.district_code))
order by h.district_code, h.device_type
"""

COVERAGE_SQL = """
select
    c.district_code, d.district_name, c.points_total, c.points_covered, c.points_uncovered, c.points_overdue,
    c.students_affected_uncovered, c.schools_total, c.schools_without_internet
from reporting.briefing_coverage_by_month as c
left join reporting.districts as d using (district_code)
where c.month = $month and ($all or list_contains($districts, c.district_code))
order by c.district_code
"""


def _province(con: duckdb.DuckDBPyConnection) -> str:
    names = [r[0] for r in con.execute("""
        select distinct province_name from reporting.districts
        where district_code in (select district_code from reporting.schools
                                union select district_code from reporting.coverage_points)
          and province_name is not null
        order by 1""").fetchall()]
    if not names:
        names = [r[0] for r in con.execute(
            "select distinct province_name from reporting.districts where province_name is not null "
            "order by 1").fetchall()]
    if len(names) <= 2:
        return ", ".join(names)
    return f"{number(len(names))} tỉnh, thành phố"


def compute_figures(con: duckdb.DuckDBPyConnection, first: date,
                    districts: Sequence[str] | None = None, db: Path | None = None) -> dict[str, Any]:
    end = month_end(first)
    previous = _add_months(first, -1)
    refresh = _rows(con, "select as_of, refreshed_at from meta.refresh limit 1")
    data_as_of = refresh[0]["as_of"] if refresh else None
    refreshed_at = refresh[0]["refreshed_at"] if refresh else None
    need = _need(con, first, districts)
    figures = _monthly(con, first, districts)
    figures.update(need_totals(need))
    quality = [] if districts is not None else _rows(
        con, "select rejected_row_count, dq_issue_count from reporting.program_kpis limit 1")
    by_district: dict[str, dict[str, Any]] = {}
    for row in need:
        agg = by_district.setdefault(row["district_code"], {
            "district_code": row["district_code"], "district_name": row["district_name"],
            "students_identified": 0, "students_remaining": 0})
        agg["students_identified"] += row["students_identified"]
        agg["students_remaining"] += row["students_remaining"]
    for agg in by_district.values():
        agg["pct_covered"] = _pct(agg["students_identified"], agg["students_remaining"])
    lagging = sorted(by_district.values(), key=lambda r: (r["pct_covered"], -r["students_remaining"],
                                                           r["district_code"]))
    trend = [{k: row[k] for k in ("month", "devices_handed_over", "cum_devices_handed_over", "students_supported_new")}
             for row in _progress_rows(con, first, districts)]
    overdue_on = min(end, data_as_of) if data_as_of else end
    return {
        "month": first.strftime("%Y-%m"),
        "month_label": month_label(first),
        "period_start": first,
        "as_of": end,
        "previous_month": previous.strftime("%Y-%m"),
        "data_as_of": data_as_of,
        "refreshed_at": refreshed_at,
        "province": _province(con),
        "figures": {key: figures[key] for key in FIGURES},
        "previous": headline_figures(con, previous, districts),
        "need": need,
        # donations are the province's resources: none for a district-limited view
        "donations": [] if districts is not None else _rows_named(con, DONATIONS_SQL, month=first),
        "handovers": _rows_named(con, HANDOVERS_SQL, month=first, **_scope(districts)),
        "coverage": _rows_named(con, COVERAGE_SQL, month=first, **_scope(districts)),
        "coverage_overdue_on": overdue_on,
        "lagging": lagging,
        "trend": trend,
        "quality": None if districts is not None else {
            "rejected_row_count": int(quality[0]["rejected_row_count"]) if quality else 0,
            "dq_issue_count": int(quality[0]["dq_issue_count"]) if quality else 0,
            # issue 24: what is still to deal with after the review decisions (dismissed and fixed drop out)
            "open_findings": open_count(con, db) if db is not None else None},
    }


def check_month(con: duckdb.DuckDBPyConnection, month: str) -> date:
    first = parse_month(month)
    months = _months_of(con)
    if first not in months:
        span = (f"từ {month_label(months[0])} đến {month_label(months[-1])} / from {months[0]:%Y-%m} to "
                f"{months[-1]:%Y-%m}") if months else "kho chưa có dữ liệu / the warehouse is empty"
        raise BriefingError(f"tháng {month} nằm ngoài dữ liệu ({span}) / month {month} is outside the data")
    return first


def month_figures(db: Path, month: str, districts: Sequence[str] | None = None) -> dict[str, Any]:
    """The figures of the pack for `month` (YYYY-MM) as plain data, for the dashboard page and the tests.

    Keys: month, month_label, period_start, as_of (the month's last day), previous_month, data_as_of,
    refreshed_at, province, figures and previous (FIGURES keys → value), need (district × priority tier),
    donations (donor type × form), handovers (district × device type), coverage (district), lagging
    (districts by % covered, lowest first), trend (monthly_progress rows up to the month), quality.

    With `districts` (a district-scoped user's preview, issue 21 point 4) every figure is limited to them; the
    province's own figures (receipts, donations, data-quality counts) are None / empty, never the province's.
    """
    first = parse_month(month)
    con = connect_warehouse(db)
    try:
        check_month(con, month)
        return compute_figures(con, first, None if districts is None else tuple(districts), db)
    finally:
        con.close()
