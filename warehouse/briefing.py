"""The monthly press-briefing pack (SPEC §3 `briefing`): `briefing-YYYY-MM.xlsx` and `briefing-YYYY-MM.pdf`.

The pack speaks as of the month's last day (docs/briefing.md):
- this month's and running totals are the row of `marts.monthly_progress` for that month (a month inside the
  data range with no row there has zero activity and carries the running totals over);
- the need figures (identified, supported, self-resolved, remaining, % covered) follow SPEC §5 counting only
  survey rows dated on or before that day — a row without `surveyed_on` is dated by the first day of its round
  (H1 → 1 January, H2 → 1 July) — and handovers with `handed_on` on or before that day; dbt pre-aggregates
  them for every month (`marts.need_by_month`); for the latest month of the data they equal `marts.program_kpis`;
- donations count by `received_on` (received) and `pledged_on` (pledged); coverage points count as covered
  from their `completed_on`.
It reads only the `reporting` views (the marts and views made for the pack, without personal columns), never
`raw` or `intermediate` (issues 21 and 22).

Building a pack (to look at, to download) never publishes. Publishing the month's figures is a separate act,
`publish`, open only to the roles of `SVMT_PUBLISH_ROLES` (default `lanh_dao`): it records the headline figures
in `meta.published_briefings` of a separate DuckDB file beside the warehouse (`<db stem>_published.duckdb`,
which `refresh` never touches) and writes a `publish` entry to the audit log. When a later refresh changes a
figure already published, every pack built since says so ("đã điều chỉnh": old → new); the next publication
records the correction, so it is announced once.

Everything here is pure Python over a read-only warehouse connection (no Streamlit), so the dashboard page and
the CLI share `month_figures` and `build_pack`.
"""

from __future__ import annotations

import calendar
import os
import re
import textwrap
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
from babel.numbers import format_decimal

from warehouse.formats import LOCALE, clock, day, money, number, percent
from warehouse.private import make_dirs, make_private

PROGRAM = "Chương trình “Sóng và máy tính cho em”"
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
REQUIRED_TABLES = ("reporting.monthly_progress", "reporting.program_kpis", "reporting.need_by_month",
                   "reporting.progress_by_district_month",
                   "reporting.handover_events", "reporting.donation_events", "reporting.coverage_points",
                   "reporting.schools", "reporting.districts", "meta.refresh")

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

LABELS = {
    1: "Diện 1: hộ nghèo", 2: "Diện 2: hộ cận nghèo", 3: "Diện 3: khó khăn do COVID-19", 4: "Diện 4: khác",
    "tien_mat": "Tiền mặt", "thiet_bi": "Thiết bị", "goi_cuoc": "Gói cước",
    "co_quan_nha_nuoc": "Cơ quan nhà nước", "doanh_nghiep": "Doanh nghiệp",
    "doanh_nghiep_vien_thong": "Doanh nghiệp viễn thông", "to_chuc": "Tổ chức", "ca_nhan": "Cá nhân",
    "ngan_sach_quy": "Ngân sách, quỹ",
    "may_tinh_xach_tay": "Máy tính xách tay", "may_tinh_de_ban": "Máy tính để bàn",
    "may_tinh_bang": "Máy tính bảng", "dien_thoai_thong_minh": "Điện thoại thông minh",
}


class BriefingError(Exception):
    """A request the pack cannot serve (bad month, missing or unusable warehouse): CLI exit 2."""


class PublishRefused(BriefingError):
    """The role may not publish the month's figures (SVMT_PUBLISH_ROLES)."""


PUBLISH_ROLES_DEFAULT = ("lanh_dao",)


def publish_roles() -> frozenset[str]:
    """The role codes allowed to publish: `SVMT_PUBLISH_ROLES` (comma-separated), default leaders only."""
    raw = os.environ.get("SVMT_PUBLISH_ROLES", "")
    roles = {r.strip() for r in raw.split(",") if r.strip()}
    return frozenset(roles or PUBLISH_ROLES_DEFAULT)


def may_publish(role: str | None) -> bool:
    return role is not None and role in publish_roles()


# Vietnamese formats: warehouse/formats.py (number, money, percent, day, clock)


def month_label(month: str | date) -> str:
    """`2022-10` → `10/2022`."""
    first = parse_month(month) if isinstance(month, str) else month
    return f"{first.month:02d}/{first.year}"


def figure_text(key: str, value: float | int | None) -> str:
    kind = FIGURES[key][1]
    return percent(value) if kind == "pct" else money(value) if kind == "money" else number(value)


def change_text(key: str, now: float | int, before: float | int) -> str:
    """The change since the previous month: `+3`, `−1.500.000 ₫`, `+22,2 điểm %`, or `không đổi`."""
    kind = FIGURES[key][1]
    diff = now - before
    if (kind == "pct" and abs(diff) < 5e-4) or (kind != "pct" and diff == 0):
        return "không đổi"
    sign = "+" if diff > 0 else "−"
    if kind == "pct":
        return f"{sign}{format_decimal(abs(diff) * 100, format='#,##0.0', locale=LOCALE)} điểm %"
    return sign + (money(abs(diff)) if kind == "money" else number(abs(diff)))


def label(code: object) -> str:
    return LABELS.get(code, str(code)) if code is not None else "Không rõ"


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


def published_store(db: Path) -> Path:
    """The file that keeps the published figures beside the warehouse (refresh never touches it)."""
    db = Path(db)
    return db.with_name(f"{db.stem}_published.duckdb")


def _connect(db: Path) -> duckdb.DuckDBPyConnection:
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
    """Every month from the first to the last of `reporting.monthly_progress`, stretched over the survey dates
    (`reporting.need_by_month` has a row for each of those months as soon as there is a survey row)."""
    lo, hi = con.execute("""
        select min(m), max(m) from (
            select month::date as m from reporting.monthly_progress
            union all
            select month::date from reporting.need_by_month
        )""").fetchall()[0]
    if lo is None:
        return []
    months, current = [], lo
    while current <= hi:
        months.append(current)
        current = _add_months(current, 1)
    return months


def available_months(db: Path) -> list[str]:
    """The months a pack can be built for, as `YYYY-MM`, oldest first."""
    con = _connect(db)
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


def _need_totals(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    keys = ("students_identified", "students_supported", "students_self_resolved", "students_remaining")
    rows = list(rows)
    totals = {k: int(sum(r[k] for r in rows)) for k in keys}
    totals["pct_covered"] = _pct(totals["students_identified"], totals["students_remaining"])
    return totals


def _headline(con: duckdb.DuckDBPyConnection, first: date, districts: Sequence[str] | None = None) -> dict[str, Any]:
    """The published figures of one month (FIGURES), as of its last day (in `districts`: see _monthly)."""
    figures = _monthly(con, first, districts)
    figures.update(_need_totals(_need(con, first, districts)))
    return {key: figures[key] for key in FIGURES}


DONATIONS_SQL = """
select
    donor_type, form,
    count(*) filter (where (status = 'da_nhan' and received_on <= $as_of)
                        or (status = 'cam_ket' and pledged_on <= $as_of)) as donations,
    coalesce(sum(amount_vnd) filter (where form = 'tien_mat' and status = 'da_nhan'
                                     and received_on between $start and $as_of), 0)::bigint as cash_month,
    coalesce(sum(amount_vnd) filter (where form = 'tien_mat' and status = 'da_nhan'
                                     and received_on <= $as_of), 0)::bigint as cash_received,
    coalesce(sum(amount_vnd) filter (where form = 'tien_mat' and status = 'cam_ket'
                                     and pledged_on <= $as_of), 0)::bigint as cash_pledged,
    coalesce(sum(quantity) filter (where form = 'thiet_bi' and status = 'da_nhan' and inspection_passed
                                   and received_on between $start and $as_of), 0)::bigint as devices_month,
    coalesce(sum(quantity) filter (where form = 'thiet_bi' and status = 'da_nhan' and inspection_passed
                                   and received_on <= $as_of), 0)::bigint as devices_received,
    coalesce(sum(quantity) filter (where form = 'thiet_bi' and status = 'cam_ket'
                                   and pledged_on <= $as_of), 0)::bigint as devices_pledged,
    coalesce(sum(quantity) filter (where form = 'thiet_bi' and status = 'da_nhan' and not inspection_passed
                                   and received_on <= $as_of), 0)::bigint as devices_failed_inspection,
    coalesce(sum(quantity) filter (where form = 'goi_cuoc' and status = 'da_nhan'
                                   and received_on between $start and $as_of), 0)::bigint as packages_month,
    coalesce(sum(quantity) filter (where form = 'goi_cuoc' and status = 'da_nhan'
                                   and received_on <= $as_of), 0)::bigint as packages_received
from reporting.donation_events
group by donor_type, form
having donations > 0
order by donor_type, form
"""

HANDOVERS_SQL = """
select h.district_code, any_value(d.district_name) as district_name, h.device_type,
       count(*) filter (where h.handed_on >= $start) as this_month,
       count(*) as cumulative
from reporting.handover_events as h
left join reporting.districts as d using (district_code)
where h.handed_on <= $as_of and ($all or list_contains($districts, h.district_code))
group by h.district_code, h.device_type
order by h.district_code, h.device_type
"""

COVERAGE_SQL = """
with points as (
    select *, status = 'da_phu_song' and coalesce(completed_on, date '0001-01-01') <= $as_of as covered
    from reporting.coverage_points
),
by_district as (
    select
        district_code,
        count(*) as points_total,
        count(*) filter (where covered) as points_covered,
        count(*) filter (where not covered) as points_uncovered,
        count(*) filter (where not covered and planned_on < $overdue_on) as points_overdue,
        coalesce(sum(coalesce(students, 0)) filter (where not covered), 0)::bigint as students_affected_uncovered
    from points
    group by district_code
),
schools as (
    select district_code, count(*) as schools_total,
           count(*) filter (where not has_internet) as schools_without_internet
    from reporting.schools
    group by district_code
)
select
    d.district_code, d.district_name,
    coalesce(p.points_total, 0) as points_total,
    coalesce(p.points_covered, 0) as points_covered,
    coalesce(p.points_uncovered, 0) as points_uncovered,
    coalesce(p.points_overdue, 0) as points_overdue,
    coalesce(p.students_affected_uncovered, 0) as students_affected_uncovered,
    coalesce(s.schools_total, 0) as schools_total,
    coalesce(s.schools_without_internet, 0) as schools_without_internet
from reporting.districts as d
left join by_district as p using (district_code)
left join schools as s using (district_code)
where $all or list_contains($districts, d.district_code)
order by d.district_code
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


def _figures(con: duckdb.DuckDBPyConnection, first: date, districts: Sequence[str] | None = None) -> dict[str, Any]:
    end = month_end(first)
    previous = _add_months(first, -1)
    refresh = _rows(con, "select as_of, refreshed_at from meta.refresh limit 1")
    data_as_of = refresh[0]["as_of"] if refresh else None
    refreshed_at = refresh[0]["refreshed_at"] if refresh else None
    need = _need(con, first, districts)
    figures = _monthly(con, first, districts)
    figures.update(_need_totals(need))
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
        "previous": _headline(con, previous, districts),
        "need": need,
        # donations are the province's resources: none for a district-limited view
        "donations": [] if districts is not None else _rows_named(con, DONATIONS_SQL, start=first, as_of=end),
        "handovers": _rows_named(con, HANDOVERS_SQL, start=first, as_of=end, **_scope(districts)),
        "coverage": _rows_named(con, COVERAGE_SQL, as_of=end, overdue_on=overdue_on, **_scope(districts)),
        "coverage_overdue_on": overdue_on,
        "lagging": lagging,
        "trend": trend,
        "quality": None if districts is not None else {
            "rejected_row_count": int(quality[0]["rejected_row_count"]) if quality else 0,
            "dq_issue_count": int(quality[0]["dq_issue_count"]) if quality else 0},
    }


def _check_month(con: duckdb.DuckDBPyConnection, month: str) -> date:
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
    con = _connect(db)
    try:
        _check_month(con, month)
        return _figures(con, first, None if districts is None else tuple(districts))
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------------------------
# Published figures and corrections

STORE_DDL = """
create schema if not exists meta;
create table if not exists meta.published_briefings (
    batch bigint not null,            -- one per pack (or announced correction); later batches win
    month varchar not null,           -- the month the figure belongs to (YYYY-MM)
    figure varchar not null,
    value double not null,
    kind varchar not null,            -- 'published' (the pack of that month) | 'correction' (announced later)
    pack_month varchar not null,      -- the pack that published or announced it
    published_at timestamp not null,
    warehouse_refreshed_at timestamp,
    warehouse_as_of date
);
"""


def _store_connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the published-figures store, waiting a little when another pack holds it."""
    deadline = time.monotonic() + 15
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def published(db: Path) -> dict[str, dict[str, float]]:
    """The figures as last published (or last announced as corrected), month → figure → value."""
    path = published_store(db)
    if not path.is_file():
        return {}
    con = _store_connect(path, read_only=True)
    try:
        rows = con.execute("""
            select month, figure, value from meta.published_briefings
            qualify row_number() over (partition by month, figure order by batch desc) = 1""").fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, float]] = {}
    for month, figure, value in rows:
        out.setdefault(month, {})[figure] = value
    return out


def _differs(key: str, old: float, new: float) -> bool:
    return abs(old - new) > 1e-9 if FIGURES[key][1] == "pct" else round(old) != round(new)


def _corrections(con: duckdb.DuckDBPyConnection, db: Path, current: dict[str, Any]) -> list[dict[str, Any]]:
    """Published figures that the warehouse now puts differently: month, figure, label, old, new."""
    out = []
    for month, figures in sorted(published(db).items()):
        now = current["figures"] if month == current["month"] else _headline(con, parse_month(month))
        for key, old in figures.items():
            if key in FIGURES and _differs(key, old, now[key]):
                kind = FIGURES[key][1]
                out.append({"month": month, "figure": key, "label": FIGURES[key][0],
                            "old": old if kind == "pct" else int(round(old)), "new": now[key]})
    return out


def _record(db: Path, pack: dict[str, Any], corrections: list[dict[str, Any]]) -> None:
    path = published_store(db)
    con = _store_connect(path, read_only=False)
    make_private(path)
    try:
        con.execute(STORE_DDL)
        batch = con.execute("select coalesce(max(batch), 0) from meta.published_briefings").fetchall()[0][0]
        now = datetime.now().replace(microsecond=0)
        rows = []
        for month in sorted({c["month"] for c in corrections} - {pack["month"]}):
            batch += 1
            rows += [(batch, month, c["figure"], float(c["new"]), "correction", pack["month"], now,
                      pack["refreshed_at"], pack["data_as_of"]) for c in corrections if c["month"] == month]
        batch += 1
        rows += [(batch, pack["month"], key, float(value), "published", pack["month"], now,
                  pack["refreshed_at"], pack["data_as_of"]) for key, value in pack["figures"].items()]
        con.executemany("insert into meta.published_briefings values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        con.close()
        make_private(path)


def correction_lines(corrections: list[dict[str, Any]]) -> list[str]:
    """One line per corrected month: `Tháng 10/2022 (đã điều chỉnh): Lũy kế thiết bị đã trao 4 → 5; …`."""
    lines = []
    for month in sorted({c["month"] for c in corrections}):
        parts = [f"{c['label']} {figure_text(c['figure'], c['old'])} → {figure_text(c['figure'], c['new'])}"
                 for c in corrections if c["month"] == month]
        lines.append(f"Tháng {month_label(month)} (đã điều chỉnh): " + "; ".join(parts))
    return lines


def quality_line(pack: dict[str, Any]) -> str:
    q = pack["quality"]
    return (f"Chất lượng dữ liệu (lần làm mới {clock(pack['refreshed_at'])}): {number(q['rejected_row_count'])} dòng "
            f"bị loại, {number(q['dq_issue_count'])} vấn đề chưa xử lý (trùng lặp, sai đối tượng…); số liệu có "
            "thể được điều chỉnh khi các đơn vị sửa dữ liệu.")


def _title(pack: dict[str, Any]) -> str:
    place = f"{pack['province']} — " if pack["province"] else ""
    return f"{place}{PROGRAM} — Báo cáo tháng {pack['month_label']}"


def _subtitle(pack: dict[str, Any]) -> str:
    return f"Số liệu tính đến hết ngày {day(pack['as_of'])} · kho dữ liệu làm mới lúc {clock(pack['refreshed_at'])}"


# ---------------------------------------------------------------------------------------------------------------
# Excel


HEADER_ROW = 4  # rows 0-2: title (province, program, month), the table's heading, the as-of line


class _Sheet:
    """A worksheet with a title, frozen headers, typed cells and widths that fit."""

    def __init__(self, book: Any, fmt: dict[str, Any], name: str, pack: dict[str, Any], heading: str,
                 headers: Sequence[str]) -> None:
        self.ws = book.add_worksheet(name)
        self.fmt = fmt
        self.widths = [len(h) * 0.75 + 2 for h in headers]  # headers wrap; aim at roughly two lines
        self.ws.write_string(0, 0, _title(pack), fmt["title"])
        self.ws.write_string(1, 0, heading, fmt["heading"])
        self.ws.write_string(2, 0, _subtitle(pack), fmt["subtitle"])
        for col, text in enumerate(headers):
            self.ws.write_string(HEADER_ROW, col, text, fmt["header"])
        self.ws.set_row(HEADER_ROW, 45)
        self.ws.freeze_panes(HEADER_ROW + 1, 0)
        self.row = HEADER_ROW + 1

    def put(self, row: int, col: int, value: Any, kind: str = "text", bold: bool = False) -> None:
        """Strings always go through write_string, so `=…`, `+…`, `-…`, `@…` are text, never formulas."""
        fmt = self.fmt[f"{kind}_bold" if bold else kind]
        if value is None:
            self.ws.write_blank(row, col, None, fmt)
            shown = ""
        elif isinstance(value, str):
            self.ws.write_string(row, col, value, fmt)
            shown = value
        else:
            self.ws.write_number(row, col, value, fmt)
            shown = percent(value) if kind.startswith("pct") else number(value) + (" ₫" if "money" in kind else "")
        while len(self.widths) <= col:
            self.widths.append(8)
        self.widths[col] = max(self.widths[col], len(shown) + 2)

    def line(self, values: Sequence[tuple[Any, str]], bold: bool = False) -> None:
        for col, (value, kind) in enumerate(values):
            self.put(self.row, col, value, kind, bold)
        self.row += 1

    def note(self, text: str) -> None:
        self.ws.write_string(self.row, 0, text, self.fmt["note"])
        self.row += 1

    def finish(self) -> None:
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, min(max(width, 8), 48))


def _formats(book: Any) -> dict[str, Any]:
    base = {"font_name": "Arial", "font_size": 10, "valign": "vcenter"}
    num = {"int": "#,##0", "money": '#,##0 "₫"', "pct": "0.0%", "int_change": "+#,##0;-#,##0;0",
           "money_change": '+#,##0 "₫";-#,##0 "₫";0 "₫"', "pct_change": "+0.0%;-0.0%;0.0%"}
    fmt = {
        "title": book.add_format({**base, "bold": True, "font_size": 13}),
        "heading": book.add_format({**base, "bold": True, "font_size": 11}),
        "subtitle": book.add_format({**base, "italic": True, "font_color": "#555555"}),
        "header": book.add_format({**base, "bold": True, "text_wrap": True, "bg_color": "#DDEBF7", "border": 1,
                                   "align": "center"}),
        "note": book.add_format({**base, "font_color": "#555555"}),
    }
    for bold in (False, True):
        suffix = "_bold" if bold else ""
        fmt["text" + suffix] = book.add_format({**base, "border": 1, "bold": bold})
        for kind, code in num.items():
            fmt[kind + suffix] = book.add_format({**base, "border": 1, "bold": bold, "num_format": code})
    return fmt


def _sum(rows: Sequence[dict[str, Any]], key: str) -> int:
    return int(sum(r[key] for r in rows))


def write_xlsx(pack: dict[str, Any], corrections: list[dict[str, Any]], path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    try:
        book.set_properties({"title": _title(pack), "subject": "Báo cáo giao ban báo chí", "author": "",
                             "created": datetime(pack["as_of"].year, pack["as_of"].month, pack["as_of"].day)})
        fmt = _formats(book)
        month, prev = pack["month_label"], month_label(pack["previous_month"])

        s = _Sheet(book, fmt, "Tổng hợp", pack, "Các chỉ tiêu chính",
                   ["Chỉ tiêu", f"Tháng {month}", f"Tháng trước ({prev})", "Thay đổi so với tháng trước"])
        for key, (text, kind) in FIGURES.items():
            now, before = pack["figures"][key], pack["previous"][key]
            s.line([(text, "text"), (now, kind), (before, kind), (now - before, f"{kind}_change")])
        s.row += 1
        s.note(quality_line(pack))
        lines = correction_lines(corrections)
        s.note("Điều chỉnh số liệu đã công bố: " + ("xem trang 'Điều chỉnh'." if lines else "không có."))
        for text in lines:
            s.note(text)
        s.widths[0] = max(len(t) for t, _ in FIGURES.values()) + 2
        s.finish()

        s = _Sheet(book, fmt, "Nhu cầu", pack, "Biểu 1. Nhu cầu hỗ trợ thiết bị học trực tuyến",
                   ["Mã huyện", "Huyện, thị xã, thành phố", "Diện ưu tiên", "Học sinh cần hỗ trợ",
                    "Đã được hỗ trợ", "Tự trang bị", "Còn chờ hỗ trợ", "Tỷ lệ đáp ứng nhu cầu"])
        need = pack["need"]
        for r in need:
            s.line([(r["district_code"], "text"), (r["district_name"], "text"), (label(r["priority_tier"]), "text"),
                    (r["students_identified"], "int"), (r["students_supported"], "int"),
                    (r["students_self_resolved"], "int"), (r["students_remaining"], "int"),
                    (r["pct_covered"], "pct")])
        t = _need_totals(need)
        s.line([(None, "text"), ("Tổng cộng", "text"), (None, "text"), (t["students_identified"], "int"),
                (t["students_supported"], "int"), (t["students_self_resolved"], "int"),
                (t["students_remaining"], "int"), (t["pct_covered"], "pct")], bold=True)
        s.finish()

        s = _Sheet(book, fmt, "Huy động", pack, "Biểu 2. Tiền và thiết bị huy động được",
                   ["Loại nhà tài trợ", "Hình thức ủng hộ", "Số lượt ủng hộ (lũy kế)",
                    "Tiền mặt nhận trong tháng", "Tiền mặt đã nhận (lũy kế)", "Tiền mặt cam kết",
                    "Thiết bị nhận trong tháng", "Thiết bị đã nhận (lũy kế)", "Thiết bị cam kết",
                    "Thiết bị không đạt kiểm định", "Gói cước nhận trong tháng", "Gói cước đã nhận (lũy kế)"])
        cols = [("donations", "int"), ("cash_month", "money"), ("cash_received", "money"), ("cash_pledged", "money"),
                ("devices_month", "int"), ("devices_received", "int"), ("devices_pledged", "int"),
                ("devices_failed_inspection", "int"), ("packages_month", "int"), ("packages_received", "int")]
        for r in pack["donations"]:
            s.line([(label(r["donor_type"]), "text"), (label(r["form"]), "text")]
                   + [(r[k], kind) for k, kind in cols])
        s.line([("Tổng cộng", "text"), (None, "text")] + [(_sum(pack["donations"], k), kind) for k, kind in cols],
               bold=True)
        s.finish()

        s = _Sheet(book, fmt, "Bàn giao", pack, "Biểu 3. Thiết bị đã trao tặng học sinh",
                   ["Mã huyện", "Huyện, thị xã, thành phố", "Loại thiết bị", f"Trong tháng {month}", "Lũy kế"])
        for r in pack["handovers"]:
            s.line([(r["district_code"], "text"), (r["district_name"] or r["district_code"], "text"),
                    (label(r["device_type"]), "text"), (r["this_month"], "int"), (r["cumulative"], "int")])
        s.line([(None, "text"), ("Tổng cộng", "text"), (None, "text"), (_sum(pack["handovers"], "this_month"), "int"),
                (_sum(pack["handovers"], "cumulative"), "int")], bold=True)
        s.finish()

        s = _Sheet(book, fmt, "Phủ sóng", pack, "Biểu 4. Phủ sóng điểm lõm sóng và kết nối trường học",
                   ["Mã huyện", "Huyện, thị xã, thành phố", "Số điểm lõm sóng", "Đã phủ sóng",
                    "Chưa phủ sóng", f"Trong đó quá hạn (đến {day(pack['coverage_overdue_on'])})",
                    "Tỷ lệ điểm đã phủ sóng", "Học sinh ở điểm chưa có sóng", "Số trường",
                    "Trường chưa có Internet"])
        cov = pack["coverage"]
        keys = ("points_total", "points_covered", "points_uncovered", "points_overdue")
        tail = ("students_affected_uncovered", "schools_total", "schools_without_internet")
        for r in cov:
            pct = r["points_covered"] / r["points_total"] if r["points_total"] else None
            s.line([(r["district_code"], "text"), (r["district_name"], "text")] + [(r[k], "int") for k in keys]
                   + [(pct, "pct")] + [(r[k], "int") for k in tail])
        total = _sum(cov, "points_total")
        s.line([(None, "text"), ("Tổng cộng", "text")] + [(_sum(cov, k), "int") for k in keys]
               + [(_sum(cov, "points_covered") / total if total else None, "pct")]
               + [(_sum(cov, k), "int") for k in tail], bold=True)
        s.finish()

        s = _Sheet(book, fmt, "Điều chỉnh", pack, "Số liệu đã công bố nay được điều chỉnh",
                   ["Tháng", "Chỉ tiêu", "Đã công bố", "Nay điều chỉnh"])
        for c in corrections:
            kind = FIGURES[c["figure"]][1]
            s.line([(month_label(c["month"]), "text"), (c["label"], "text"), (c["old"], kind), (c["new"], kind)])
        if not corrections:
            s.note("Không có số liệu đã công bố nào thay đổi.")
        s.finish()
    finally:
        book.close()


# ---------------------------------------------------------------------------------------------------------------
# PDF (one A4 page, matplotlib with its bundled DejaVu Sans, which carries every Vietnamese glyph)

A4 = (210 / 25.4, 297 / 25.4)


def write_pdf(pack: dict[str, Any], corrections: list[dict[str, Any]], path: Path) -> None:
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    with matplotlib.rc_context({"font.family": "DejaVu Sans", "pdf.fonttype": 42, "axes.titlesize": 10,
                                "axes.labelsize": 8, "xtick.labelsize": 7, "ytick.labelsize": 7}):
        fig = Figure(figsize=A4)
        ink, grey, accent = "#1f2d3d", "#5b6770", "#1f77b4"
        fig.text(0.06, 0.965, (f"{pack['province']} · " if pack["province"] else "") + PROGRAM,
                 fontsize=9, color=grey)
        fig.text(0.06, 0.94, f"BÁO CÁO KẾT QUẢ THÁNG {pack['month_label']}", fontsize=16, weight="bold",
                 color=ink)
        fig.text(0.06, 0.92, f"Phục vụ giao ban báo chí · số liệu tính đến hết ngày {day(pack['as_of'])} · "
                 f"kho dữ liệu làm mới lúc {clock(pack['refreshed_at'])}", fontsize=8.5, color=grey)
        prev = month_label(pack["previous_month"])
        y = 0.885
        for key in HEADLINE:
            text = FIGURES[key][0]
            now, before = pack["figures"][key], pack["previous"][key]
            fig.text(0.06, y, text, fontsize=11.5, color=ink, va="baseline")
            fig.text(0.64, y, figure_text(key, now), fontsize=13, weight="bold", color=ink, ha="right",
                     va="baseline")
            fig.text(0.67, y, f"so với {prev}: {change_text(key, now, before)}", fontsize=9, color=grey,
                     va="baseline")
            y -= 0.034
        t = pack["figures"]
        fig.text(0.06, y + 0.006, f"Cần hỗ trợ {number(t['students_identified'])} học sinh · đã hỗ trợ "
                 f"{number(t['students_supported'])} · tự trang bị {number(t['students_self_resolved'])} · "
                 f"còn chờ {number(t['students_remaining'])}", fontsize=8.5, color=grey, va="baseline")

        trend = pack["trend"][-12:]
        ax = fig.add_axes((0.09, 0.45, 0.82, 0.17))
        ax.set_title("Thiết bị trao tặng theo tháng (cột) và lũy kế (đường)", loc="left", color=ink)
        if trend:
            labels = [f"{r['month'].month:02d}/{r['month'].year % 100:02d}" for r in trend]
            xs = range(len(trend))
            colours = ["#9ecae1"] * (len(trend) - 1) + [accent]
            ax.bar(xs, [r["devices_handed_over"] for r in trend], color=colours)
            ax.set_xticks(list(xs), labels)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(int(v))))
            ax.set_ylabel("Trong tháng")
            ax2 = ax.twinx()
            ax2.plot(list(xs), [r["cum_devices_handed_over"] for r in trend], color="#d62728", marker="o",
                     markersize=3)
            ax2.set_ylim(bottom=0)
            ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(int(v))))
            ax2.set_ylabel("Lũy kế")
            ax2.tick_params(labelsize=7)
        else:
            ax.text(0.5, 0.5, "Chưa có thiết bị nào được trao", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        ax.spines["top"].set_visible(False)

        lag = pack["lagging"][:6]
        ax = fig.add_axes((0.33, 0.17, 0.58, 0.2))
        ax.set_title("Các địa bàn xa mục tiêu nhất (tỷ lệ đáp ứng nhu cầu, mục tiêu 100 %)", loc="left",
                     color=ink, x=-0.45)
        if lag:
            ys = list(range(len(lag)))[::-1]
            ax.barh(ys, [r["pct_covered"] * 100 for r in lag], color="#e6550d", height=0.6)
            ax.set_yticks(ys, [r["district_name"] for r in lag], fontsize=8)
            ax.set_xlim(0, 100)
            ax.axvline(100, color=grey, linestyle="--", linewidth=0.8)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v)} %"))
            for yy, r in zip(ys, lag, strict=True):
                x, inside = r["pct_covered"] * 100, r["pct_covered"] > 0.6
                ax.text(x - 1.5 if inside else x + 1.5, yy, f"{percent(r['pct_covered'])} · còn chờ "
                        f"{number(r['students_remaining'])} HS", va="center", ha="right" if inside else "left",
                        fontsize=7.5, color="white" if inside else ink)
        else:
            ax.text(0.5, 0.5, "Chưa có dữ liệu nhu cầu", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)

        notes = [(w, grey) for w in textwrap.wrap(quality_line(pack), 125)]
        lines = correction_lines(corrections)
        if lines:
            red = "#a93226"
            notes.append(("Số liệu đã công bố được điều chỉnh sau khi các đơn vị sửa dữ liệu:", red))
            shown = [w for line in lines[:3] for w in textwrap.wrap(line, 125, subsequent_indent="   ")]
            notes += [(w, red) for w in shown[:6]]
            if len(lines) > 3 or len(shown) > 6:
                notes.append(("… xem đầy đủ tại trang 'Điều chỉnh' của tệp Excel.", red))
        notes.append((f"Nguồn: kho dữ liệu chương trình; số liệu tính đến hết ngày {day(pack['as_of'])}. "
                      "Không chứa thông tin cá nhân của học sinh.", grey))
        y = 0.115
        for text, colour in notes:
            fig.text(0.06, y, text, fontsize=7.5, color=colour)
            y -= 0.0135
        metadata = {"Title": f"Báo cáo tháng {pack['month_label']}", "Subject": PROGRAM, "Creator": "warehouse"}
        with PdfPages(str(path), metadata=metadata) as pdf:
            pdf.savefig(fig)


# ---------------------------------------------------------------------------------------------------------------
# The pack


@dataclass(frozen=True)
class Pack:
    """What one pack run wrote and said."""

    xlsx: Path
    pdf: Path
    figures: dict[str, Any]
    corrections: list[dict[str, Any]]


def _month_pack(db: Path, month: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The month's figures and the corrections a pack for it announces (published figures now different)."""
    first = parse_month(month)
    con = _connect(db)
    try:
        _check_month(con, month)
        pack = _figures(con, first)
        return pack, _corrections(con, db, pack)
    finally:
        con.close()


def write_pack(db: Path, month: str, out_dir: Path) -> Pack:
    """Write `briefing-YYYY-MM.xlsx` and `.pdf` into out_dir. Never publishes (see `publish`).

    Raises BriefingError for a malformed month, a month outside the data, or a missing/unusable warehouse.
    Files are built under temporary names and renamed only when both are complete; nothing is left behind on
    failure. The files (and a folder made here) are the service user's only: the figures are not public yet.
    """
    db, out_dir = Path(db), Path(out_dir)
    parse_month(month)
    if out_dir.exists() and not out_dir.is_dir():
        raise BriefingError(f"'{out_dir}' không phải thư mục / is not a folder")
    pack, corrections = _month_pack(db, month)
    make_dirs(out_dir)
    stem = f"briefing-{pack['month']}"
    final = (out_dir / f"{stem}.xlsx", out_dir / f"{stem}.pdf")
    token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"  # unique per call: dashboard sessions share one process
    temps = tuple(p.with_name(f".{p.name}.tmp-{token}") for p in final)
    try:
        write_xlsx(pack, corrections, temps[0])
        write_pdf(pack, corrections, temps[1])
        for tmp, target in zip(temps, final, strict=True):
            make_private(tmp)
            os.replace(tmp, target)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    return Pack(final[0], final[1], pack, corrections)


def build_pack(db: Path, month: str, out_dir: Path) -> tuple[Path, Path]:
    """Write the pack (never publishes), return (xlsx, pdf)."""
    pack = write_pack(db, month, out_dir)
    return pack.xlsx, pack.pdf


def pack_bytes(db: Path, month: str) -> list[tuple[str, bytes]]:
    """The pack as (file name, bytes) for a download, built in a private temporary folder removed after."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="briefing-") as folder:
        pack = write_pack(db, month, Path(folder))
        return [(path.name, path.read_bytes()) for path in (pack.xlsx, pack.pdf)]


@dataclass(frozen=True)
class Publication:
    """What one publication recorded."""

    month: str
    user: str
    role: str
    figures: dict[str, Any]
    corrections: list[dict[str, Any]]


def publish(db: Path, month: str, user: str, role: str) -> Publication:
    """Publish the month's figures: record them (and any corrections of earlier months) in the published store
    and write a `publish` entry to the audit log. PublishRefused for a role outside `publish_roles()`.

    The role is checked here, not only by the page hiding its button, so no other caller can publish for it.
    """
    from warehouse.refresh import log_event

    db = Path(db)
    if not may_publish(role):
        raise PublishRefused(f"vai trò '{role}' không được công bố số liệu (được phép: "
                             f"{', '.join(sorted(publish_roles()))}) / the role '{role}' may not publish figures "
                             f"(allowed: {', '.join(sorted(publish_roles()))}; SVMT_PUBLISH_ROLES)")
    if not str(user or "").strip():
        raise BriefingError("cần tên người công bố / who publishes must be named (--user)")
    pack, corrections = _month_pack(db, month)
    _record(db, pack, corrections)
    now = datetime.now().replace(microsecond=0)
    log_event(db, {"event": "publish", "started_at": now, "ended_at": now, "outcome": "publish",
                   "message": f"{user}: công bố số liệu tháng {pack['month_label']} / published {pack['month']}",
                   "user": user, "role": role, "month": pack["month"], "figures": pack["figures"],
                   "corrections": corrections, "warehouse_refreshed_at": pack["refreshed_at"]})
    return Publication(pack["month"], user, role, pack["figures"], corrections)


def pending_corrections(db: Path, month: str, pack: dict[str, Any] | None = None) -> list[str]:
    """What the next pack for `month` will announce: published figures the warehouse now puts differently.

    `pack` is `month_figures(db, month)` when the caller has it already (the dashboard does): computing the
    month's need as of its last day over every survey row takes seconds at national size.
    """
    pack = pack if pack is not None else month_figures(db, month)
    con = _connect(db)
    try:
        return correction_lines(_corrections(con, db, pack))
    finally:
        con.close()
