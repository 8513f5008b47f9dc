"""What every page shares: the filter bar (kept in the URL), the data stamp, colours, downloads.

Personal data is masked in SQL (dbt reporting views), not here.

The filter choice lives in the sidebar widgets of the router, so it follows the user from page to
page, and is mirrored in the query string (`?d=643,652&t=1,2&l=thcs&from=2022-09&to=2023-06`), so a
link reproduces the view.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from app import data
from app.i18n import clock, day, lang, month, t

TIERS = (1, 2, 3, 4)
LEVELS = ("tieu_hoc", "thcs", "thpt", "gdnn_gdtx", "cao_dang_dai_hoc", "khong_ro")
TIER_COLOURS = {1: "#c0392b", 2: "#e67e22", 3: "#2980b9", 4: "#7f8c8d"}
STATUS_COLOURS = {"da_phu_song": "#27ae60", "dang_trien_khai": "#f39c12", "chua_co_song": "#c0392b"}
CODE_LABELS: dict[str, dict[str, str]] = {
    "tieu_hoc": {"vi": "Tiểu học", "en": "Primary"}, "thcs": {"vi": "THCS", "en": "Lower secondary"},
    "thpt": {"vi": "THPT", "en": "Upper secondary"}, "gdnn_gdtx": {"vi": "GDNN-GDTX", "en": "Vocational/continuing"},
    "cao_dang_dai_hoc": {"vi": "Cao đẳng, đại học", "en": "College/university"},
    "khong_ro": {"vi": "Không rõ", "en": "Unknown"}, "lien_cap": {"vi": "Liên cấp", "en": "Multi-level"},
    "tier1": {"vi": "Diện 1: hộ nghèo", "en": "Tier 1: poor"},
    "tier2": {"vi": "Diện 2: hộ cận nghèo", "en": "Tier 2: near-poor"},
    "tier3": {"vi": "Diện 3: khó khăn do COVID-19", "en": "Tier 3: COVID-19 hardship"},
    "tier4": {"vi": "Diện 4: khác", "en": "Tier 4: other"},
    "da_phu_song": {"vi": "Đã phủ sóng", "en": "Covered"},
    "dang_trien_khai": {"vi": "Đang triển khai", "en": "In progress"},
    "chua_co_song": {"vi": "Chưa có sóng", "en": "No signal"},
    "tien_mat": {"vi": "Tiền mặt", "en": "Cash"}, "thiet_bi": {"vi": "Thiết bị", "en": "Devices"},
    "goi_cuoc": {"vi": "Gói cước", "en": "Data packages"},
    "co_quan_nha_nuoc": {"vi": "Cơ quan nhà nước", "en": "State agencies"},
    "doanh_nghiep": {"vi": "Doanh nghiệp", "en": "Businesses"},
    "doanh_nghiep_vien_thong": {"vi": "Doanh nghiệp viễn thông", "en": "Telecom operators"},
    "to_chuc": {"vi": "Tổ chức", "en": "Organisations"}, "ca_nhan": {"vi": "Cá nhân", "en": "Individuals"},
    "ngan_sach_quy": {"vi": "Ngân sách, quỹ", "en": "Budget, funds"},
    "may_tinh_xach_tay": {"vi": "Máy tính xách tay", "en": "Laptop"},
    "may_tinh_de_ban": {"vi": "Máy tính để bàn", "en": "Desktop"},
    "may_tinh_bang": {"vi": "Máy tính bảng", "en": "Tablet"},
    "dien_thoai_thong_minh": {"vi": "Điện thoại thông minh", "en": "Smartphone"},
    "moi": {"vi": "Mới", "en": "New"}, "da_qua_su_dung": {"vi": "Đã qua sử dụng", "en": "Used"},
    "viettel": {"vi": "Viettel", "en": "Viettel"}, "vnpt": {"vi": "VNPT", "en": "VNPT"},
    "mobifone": {"vi": "MobiFone", "en": "MobiFone"}, "vietnamobile": {"vi": "Vietnamobile", "en": "Vietnamobile"},
    "khac": {"vi": "Khác", "en": "Other"},
    # issue 24: finding types, statuses and decisions of the review queue
    "duplicate_student_in_round": {"vi": "Trùng học sinh trong một đợt", "en": "Student twice in a round"},
    "possible_duplicate_person": {"vi": "Có thể một học sinh hai mã", "en": "Possibly one child, two keys"},
    "possible_duplicate_person_fuzzy": {"vi": "Có thể trùng (tên gần giống)",
                                        "en": "Possible duplicate (similar name)"},
    "duplicate_handover_student": {"vi": "Một học sinh nhận hai lần", "en": "Student supported twice"},
    "duplicate_serial": {"vi": "Trùng số serial", "en": "Serial number twice"},
    "handover_outside_need_list": {"vi": "Bàn giao ngoài danh sách", "en": "Handover outside the need list"},
    "handover_unknown_donation": {"vi": "Bàn giao ghi mã ủng hộ lạ", "en": "Handover names an unknown donation"},
    "donation_overdrawn": {"vi": "Trao quá số thiết bị ủng hộ", "en": "More handovers than devices donated"},
    "possible_duplicate_donation": {"vi": "Có thể ghi trùng khoản ủng hộ", "en": "Possible duplicate donation"},
    "conflicting_record": {"vi": "Một mã, nhiều nội dung", "en": "One id, different contents"},
    "open": {"vi": "Chưa xem", "en": "Open"}, "confirmed": {"vi": "Đã xác nhận", "en": "Confirmed"},
    "dismissed": {"vi": "Bỏ qua", "en": "Dismissed"}, "fixed": {"vi": "Đã sửa", "en": "Fixed"},
    "reopened": {"vi": "Mở lại", "en": "Reopened"},
}


def label(code: object, language: str | None = None) -> str:
    """Human label of a canonical code (tiers as `tier1`…), in the current language."""
    key = f"tier{code}" if isinstance(code, int | float) and not isinstance(code, bool) else str(code)
    return CODE_LABELS.get(key, {}).get(language or lang(), str(code))


def labels(codes: pd.Series) -> pd.Series:
    """`label` of every code of a column, the language read once (reading it per cell from the query string
    was most of a page's time on a national-size table)."""
    language = lang()
    return codes.map(lambda code: label(code, language))


@dataclass(frozen=True)
class Filters:
    districts: tuple[str, ...]
    tiers: tuple[int, ...]
    levels: tuple[str, ...]
    month_from: date | None
    month_to: date | None

    def sql(self, district: str = "district_code", tier: str | None = "priority_tier",
            level: str | None = "school_level") -> tuple[str, tuple]:
        """A WHERE clause (parameterised, never string-built from user values) for the chosen filters."""
        clauses, params = ["TRUE"], []
        if self.districts:
            clauses.append(f"list_contains(?, {district})")
            params.append(list(self.districts))
        if self.tiers and tier:
            clauses.append(f"list_contains(?, {tier})")
            params.append(list(self.tiers))
        if self.levels and level:
            clauses.append(f"list_contains(?, {level})")
            params.append(list(self.levels))
        return " AND ".join(clauses), tuple(params)


def _param_list(name: str, allowed: list) -> list:
    raw = st.query_params.get(name, "")
    wanted = [x for x in raw.split(",") if x]
    return [a for a in allowed if str(a) in wanted]


def filter_bar() -> None:
    """The sidebar filter bar; defaults come from the URL, choices go back to it."""
    if data.status() != "ok":
        return
    districts = data.districts()
    names = dict(zip(districts["district_code"], districts["district_name"], strict=True))
    months = [m.date() if hasattr(m, "date") else m for m in data.months()]
    st.sidebar.markdown(f"**{t('filters')}**")
    if "f_districts" not in st.session_state:
        st.session_state.f_districts = _param_list("d", list(names))
        st.session_state.f_tiers = _param_list("t", list(TIERS))
        st.session_state.f_levels = _param_list("l", list(LEVELS))
        wanted = (st.query_params.get("from", ""), st.query_params.get("to", ""))
        keys = [m.strftime("%Y-%m") for m in months]
        if months:
            lo = keys.index(wanted[0]) if wanted[0] in keys else 0
            hi = keys.index(wanted[1]) if wanted[1] in keys else len(months) - 1
            st.session_state.f_period = (months[lo], months[max(lo, hi)])
    st.sidebar.multiselect(t("district"), list(names), format_func=lambda c: names.get(c, c), key="f_districts",
                           placeholder=t("all"))
    st.sidebar.multiselect(t("tier"), list(TIERS), format_func=label, key="f_tiers", placeholder=t("all"))
    st.sidebar.multiselect(t("school_level"), list(LEVELS), format_func=label, key="f_levels", placeholder=t("all"))
    if len(months) > 1:
        st.sidebar.select_slider(t("period"), options=months, key="f_period", format_func=month)
    _write_query_params()


def _write_query_params() -> None:
    f = current()
    wanted = {"d": ",".join(f.districts), "t": ",".join(map(str, f.tiers)), "l": ",".join(f.levels),
              "from": f.month_from.strftime("%Y-%m") if f.month_from else "",
              "to": f.month_to.strftime("%Y-%m") if f.month_to else ""}
    for key, value in wanted.items():
        if value and st.query_params.get(key) != value:
            st.query_params[key] = value
        elif not value and key in st.query_params:
            del st.query_params[key]


def current() -> Filters:
    period = st.session_state.get("f_period")
    if not (isinstance(period, tuple | list) and len(period) == 2):
        period = (None, None)  # no range chosen (or a single month from an old URL): no period filter
    return Filters(tuple(st.session_state.get("f_districts", ())), tuple(st.session_state.get("f_tiers", ())),
                   tuple(st.session_state.get("f_levels", ())), period[0], period[1])


def header(title_key: str) -> bool:
    """Page title and the data stamp; False (after a message) for a role that may not see the page or when
    there is no warehouse yet."""
    from app import auth

    if not auth.require(title_key):
        return False
    if data.status() != "ok":
        st.title(t("app_title"))
        st.warning(t("no_warehouse_title"))
        st.markdown(t("no_warehouse_body", path=str(data.warehouse_path())))
        st.code(".venv/bin/python -m warehouse refresh --source DIR --db warehouse/svmt.duckdb", language="bash")
        st.markdown(t("no_warehouse_demo"))
        return False
    st.title(t(title_key))
    st.caption(stamp())
    return True


def stamp() -> str:
    """What the figures include, in words a leader reads correctly: the latest day in the data, the reporting date
    (only overdue figures use it) and when the warehouse was refreshed."""
    return t("data_stamp", latest=day(data.latest_data_day()), as_of=day(data.kpis()["as_of"]),
             time=clock(data.refreshed_at()))


def safe_cell(value: object) -> object:
    """Exports never carry a formula: text starting with = + - @ tab or CR is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def downloads(frame: pd.DataFrame, name: str, title: str | None = None) -> None:
    """CSV and XLSX of exactly the frame shown, with formula-looking cells neutralised.

    With a title, the XLSX follows the press pack's report template: a title row, the province and the
    as-of date, then the table with a frozen header, numbers as numbers and fitted column widths.
    The files are made when a button is clicked, not at every rerun: a national table of 100.000 school
    rows took seconds to neutralise and write on each slider move. The labels are resolved now (the
    callables run outside the script, without the session's language).
    """
    stamp = _stamp() if title else None
    left, right = st.columns(2)
    left.download_button(t("download_csv"), lambda: frame.map(safe_cell).to_csv(index=False).encode("utf-8-sig"),
                         f"{name}.csv", "text/csv", key=f"csv_{name}")
    right.download_button(t("download_xlsx"), lambda: xlsx_bytes(frame.map(safe_cell), name, title, stamp),
                          f"{name}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"xlsx_{name}")


def _stamp() -> str:
    return f"{data.province()} · {stamp()}"


def xlsx_bytes(frame: pd.DataFrame, name: str, title: str | None = None, stamp: str | None = None) -> bytes:
    buffer = io.BytesIO()
    top = 3 if title else 0
    sheet_name = name[:31]
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet_name, startrow=top)
        sheet = writer.sheets[sheet_name]
        book = writer.book
        if title:
            sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
            sheet.write_string(1, 0, stamp or _stamp())
        sheet.freeze_panes(top + 1, 0)
        numbers = book.add_format({"num_format": "#,##0"})
        for i, column in enumerate(frame.columns):
            width = min(max(len(str(column)), *(len(str(v)) for v in frame[column].head(200)), 8) + 2, 50)
            is_number = pd.api.types.is_numeric_dtype(frame[column])
            sheet.set_column(i, i, width, numbers if is_number else None)
    return buffer.getvalue()


def plot_text(value: object) -> object:
    """Plotly reads `<b>`, `<a href>` and `&…;` in category names and text: as entities they show as typed."""
    if not isinstance(value, str):
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain_traces(fig) -> None:
    for trace in fig.data:
        for attr in ("x", "y", "text", "hovertext"):
            values = getattr(trace, attr, None)
            if values is not None and not isinstance(values, str | dict) and any(isinstance(v, str) for v in values):
                trace.update({attr: [plot_text(v) for v in values]})
        if isinstance(getattr(trace, "name", None), str):
            trace.name = plot_text(trace.name)


def plot_layout(fig, height: int = 380):
    """Same margins, legend and Vietnamese separators everywhere; fits a 1366×768 screen. Names that come from
    the data (districts, schools, donors) are made plain text for Plotly (`plot_text`)."""
    _plain_traces(fig)
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2}, separators=",." if lang() == "vi" else ".,")
    return fig
