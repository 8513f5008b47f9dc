"""What every page shares: the filter bar (kept in the URL), the data stamp, colours, downloads.

Personal data is masked in SQL (dbt reporting views), not here.

The filter choice lives in the sidebar widgets of the router, so it follows the user from page to
page, and is mirrored in the query string (`?d=643,652&t=1,2&l=thcs&from=2022-09&to=2023-06`), so a
link reproduces the view.
"""

from __future__ import annotations

import io
import math
import numbers
import re
from dataclasses import dataclass
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from app import data, details
from app.i18n import LABELS, clock, day, lang, money_short, month, number, t
from app.plain import md
from warehouse import formats

TIERS = (1, 2, 3, 4)
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
    # --- issue 23 point 1 (h/words): every code a table, chart or option shows — issue types (SPEC §5), rejection
    # reasons (ingest/contract.py REASONS), file kinds, donation statuses, household statuses, refresh outcomes,
    # Great Expectations checks and the parts of a check suite
    "duplicate_student_in_round": {"vi": "Học sinh bị ghi hai lần trong một đợt",
                                   "en": "Student listed twice in a round"},
    "possible_duplicate_person": {"vi": "Có thể trùng người (hai mã học sinh)",
                                  "en": "Possibly one child under two ids"},
    "duplicate_handover_student": {"vi": "Học sinh nhận hơn một thiết bị", "en": "Student given more than one device"},
    "duplicate_serial": {"vi": "Số serial bị trùng", "en": "Serial number handed out twice"},
    "handover_outside_need_list": {"vi": "Bàn giao ngoài danh sách cần hỗ trợ", "en": "Handover outside the need list"},
    "handover_unknown_donation": {"vi": "Bàn giao ghi mã ủng hộ không tồn tại",
                                  "en": "Handover names an unknown donation"},
    "donation_overdrawn": {"vi": "Bàn giao vượt số thiết bị ủng hộ", "en": "More handovers than donated devices"},
    "possible_duplicate_donation": {"vi": "Có thể ghi trùng khoản ủng hộ", "en": "Donation possibly recorded twice"},
    "conflicting_record": {"vi": "Một mã có nhiều nội dung khác nhau", "en": "One id with different content"},
    "missing": {"vi": "Thiếu giá trị bắt buộc", "en": "Required value is missing"},
    "unparsable": {"vi": "Không đọc được giá trị", "en": "Value cannot be parsed"},
    "not_in_enum": {"vi": "Giá trị không thuộc danh mục", "en": "Value is not in the list"},
    "out_of_range": {"vi": "Giá trị ngoài phạm vi cho phép", "en": "Value is out of range"},
    "unknown_reference": {"vi": "Mã tham chiếu không tồn tại", "en": "Unknown reference"},
    "outside_scope": {"vi": "Ngoài địa bàn được phép của người tải lên", "en": "Outside the uploader's districts"},
    "districts": {"vi": "Danh mục huyện", "en": "Districts"}, "schools": {"vi": "Danh sách trường", "en": "Schools"},
    "survey": {"vi": "Khảo sát nhu cầu", "en": "Needs survey"},
    "donations": {"vi": "Tiếp nhận ủng hộ", "en": "Donations"},
    "handovers": {"vi": "Bàn giao thiết bị", "en": "Handovers"},
    "coverage": {"vi": "Điểm lõm sóng", "en": "Coverage gaps"},
    "da_nhan": {"vi": "Đã nhận", "en": "Received"}, "cam_ket": {"vi": "Cam kết", "en": "Pledged"},
    "ngheo": {"vi": "Hộ nghèo", "en": "Poor household"},
    "can_ngheo": {"vi": "Hộ cận nghèo", "en": "Near-poor household"},
    "kho_khan_covid": {"vi": "Khó khăn do COVID-19", "en": "COVID-19 hardship"},
    "ok": {"vi": "Thành công", "en": "Succeeded"}, "exit 1": {"vi": "Lỗi", "en": "Failed"},
    "exit 2": {"vi": "Lỗi dữ liệu đầu vào", "en": "Input error"},
    "exit 3": {"vi": "Bị giữ lại, chưa công bố", "en": "Held, not published"},
    "published despite hold": {"vi": "Công bố dù bị giữ lại", "en": "Published despite the hold"},
    "expect_column_values_to_not_be_null": {"vi": "Không để trống", "en": "Not empty"},
    "expect_column_values_to_be_unique": {"vi": "Không trùng lặp", "en": "Unique"},
    "expect_compound_columns_to_be_unique": {"vi": "Tổ hợp cột không trùng lặp", "en": "Combination unique"},
    "expect_column_values_to_be_in_set": {"vi": "Thuộc danh mục", "en": "In the list"},
    "expect_column_values_to_be_between": {"vi": "Trong phạm vi cho phép", "en": "Within range"},
    "expect_column_values_to_match_regex": {"vi": "Đúng định dạng", "en": "Right format"},
    "expect_column_pair_values_a_to_be_greater_than_b": {"vi": "Cột đầu không nhỏ hơn cột sau",
                                                         "en": "First column at least the second"},
    "suite_values": {"vi": "giá trị", "en": "values"}, "suite_rows": {"vi": "dòng", "en": "rows"},
    "suite_versions": {"vi": "phiên bản", "en": "versions"}, "suite_people": {"vi": "người", "en": "people"},
    "suite_received": {"vi": "đã nhận", "en": "received"}, "suite_devices": {"vi": "thiết bị", "en": "devices"},
    "suite_points": {"vi": "điểm", "en": "points"},
    # issue 24: the review queue's statuses and the fuzzy duplicate type
    "possible_duplicate_person_fuzzy": {"vi": "Có thể trùng người (tên gần giống)",
                                        "en": "Possibly one child (similar names)"},
    "open": {"vi": "Chưa xem", "en": "Open"}, "confirmed": {"vi": "Đã xác nhận", "en": "Confirmed"},
    "dismissed": {"vi": "Bỏ qua", "en": "Dismissed"}, "fixed": {"vi": "Đã sửa", "en": "Fixed"},
    "reopened": {"vi": "Mở lại", "en": "Reopened"},
}
# columns whose values are codes of CODE_LABELS (shown by their label wherever a table shows them)
CODED_COLUMNS = frozenset({"priority_tier", "school_level", "school_type", "donor_type", "form", "status", "operator",
                           "device_type", "condition", "household_status", "issue_type", "reason_code", "kind",
                           "entity", "outcome", "expectation_type"})


def label(code: object, language: str | None = None) -> str:
    """Human label of a canonical code (tiers as `tier1`…), in the current language."""
    key = f"tier{int(code)}" if isinstance(code, numbers.Real) and not isinstance(code, bool) else str(code)
    return CODE_LABELS.get(key, {}).get(language or lang(), str(code))


def labels(codes: pd.Series) -> pd.Series:
    """`label` of every code of a column, the language read once (reading it per cell from the query string
    was most of a page's time on a national-size table)."""
    language = lang()
    return codes.map(lambda code: label(code, language))


def column_label(name: object, language: str | None = None) -> str:
    """The heading of a column (LABELS `col_<name>`), in the current language; a name without one stays as is
    (headings made by a page, already translated)."""
    key = f"col_{name}"
    return LABELS[key][language or lang()] if key in LABELS else str(name)


def column_list(names: object, language: str | None = None) -> object:
    """`a, b` (a list of column names, as GX and the rejects name them) as their headings."""
    if not isinstance(names, str):
        return names
    return ", ".join(column_label(n.strip(), language) for n in names.split(","))


def suite_label(suite: object, language: str | None = None) -> object:
    """A check suite `survey.values` as `Khảo sát nhu cầu · giá trị`."""
    if not isinstance(suite, str):
        return suite
    kind, _, part = suite.partition(".")
    return " · ".join(label(x, language) for x in (kind, f"suite_{part}" if part else "") if x)


def _moment(value: object, language: str) -> object:
    """A date as dd/mm/yyyy, a time stamp as HH:mm dd/mm/yyyy (missing stays missing)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return ""
    stamp = pd.Timestamp(value)
    if stamp.hour == stamp.minute == stamp.second == 0:
        return formats.day(stamp, language)
    return formats.clock(stamp, language)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a user reads it — what every table and every CSV / XLSX download shows: coded columns by their
    labels (CODE_LABELS), dates dd/mm/yyyy, column lists and suites in words, findings' details in the language,
    headings from LABELS `col_<name>`.
    Columns a page already renamed pass through, so applying it twice changes nothing."""
    language = lang()
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if column in CODED_COLUMNS or column == "reason_code":
            out[column] = values.map(lambda code: label(code, language) if isinstance(code, str | numbers.Real)
                                     and not pd.isna(code) else code)
        elif column in ("column_name", "columns", "column"):
            out[column] = values.map(lambda names: column_list(names, language))
        elif column == "suite":
            out[column] = values.map(lambda suite: suite_label(suite, language))
        elif column == "detail" and "issue_type" in frame.columns:  # a finding's description (app/details.py)
            out[column] = details.details(frame, language)
        elif pd.api.types.is_datetime64_any_dtype(values) or any(isinstance(v, date) for v in values.head(20)):
            out[column] = values.map(lambda v: _moment(v, language))
    return out.rename(columns=lambda c: column_label(c, language))


# Above this many cells a table keeps the browser's own number format (Streamlit's `localized`): Streamlit renders a
# pandas Styler at some 16 µs a cell (0,8 s for 48.000 cells), on every rerun, and pandas refuses more than
# `styler.render.max_elements` cells. The district-level tables every page shows are far below it.
STYLED_CELLS = 20_000


def _money_cell(vnd: object, language: str) -> str:
    return f"{formats.whole(vnd, language)} ₫"


def cell_formats(frame: pd.DataFrame, shown: pd.DataFrame, language: str) -> dict:
    """How the whole-number cells of a table are written: `1.234.567`, and `1.234.567 ₫` for a money column (named
    `…_vnd`), keyed by the shown headings. Fractions (shares, the progress bars) keep their own formats."""
    out = {}
    for name, column in zip(frame.columns, shown.columns, strict=True):
        values = shown[column]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            continue
        if str(name).endswith("_vnd"):
            out[column] = partial(_money_cell, language=language)
        elif pd.api.types.is_integer_dtype(values):
            out[column] = partial(formats.whole, lang=language)
    return out


def table(frame: pd.DataFrame, column_config: dict | None = None, **kwargs) -> pd.DataFrame:
    """st.dataframe of `readable(frame)` (column_config keyed by the column names), returned for its download.

    Whole numbers and money read `1.234.567` / `1.234.567 ₫` whatever the browser's language: the cells are written
    here (a pandas Styler: Streamlit shows its text, while sorting and the returned frame keep the numbers), since
    Streamlit's own `localized` format follows the browser's locale (`1,234,567` in an English browser). A
    column_config format of the caller's wins over the written text."""
    shown = readable(frame)
    cells = cell_formats(frame, shown, lang())
    config = {column_label(name): value for name, value in (column_config or {}).items()}
    if cells and shown.size <= STYLED_CELLS and shown.columns.is_unique:
        body = shown.style.format(cells, na_rep="")
    else:
        body = shown
        config = {column: st.column_config.NumberColumn(format="localized") for column in cells} | config
    st.dataframe(body, hide_index=True, width="stretch", column_config=config, **kwargs)
    return shown


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


def labeller(of=None):
    """`label` (or `of`, e.g. column_label) bound to the language of this run: a widget's format_func must give the
    same texts whenever it is called (Streamlit and AppTest call it again outside the run, where the language
    cannot be read and would fall back to Vietnamese)."""
    return partial(of or label, language=lang())


def kept_multiselect(where, label: str, options: list, *, key: str, default: list | tuple = (), **kwargs) -> list:
    """`where.multiselect` whose choice survives a language switch and a visit to another page.

    Streamlit keeps a multiselect's choice as the option *texts* shown: after a language switch the texts the
    browser sends back (`Cấp học`) are no option any more (`School level`) and the choice is dropped at the next
    rerun; and a widget not drawn in a run (the user is on another page) loses its state. So the choice is also
    kept as codes under `_kept_<key>` (with the language it was made in) and given back to the widget when its
    state is missing or the language changed. The options are the caller's codes; give a format_func bound to the
    run's language (`labeller`)."""
    store, language = f"_kept_{key}", lang()
    saved = st.session_state.get(store)
    if key not in st.session_state or (saved is not None and saved[0] != language):
        chosen = saved[1] if saved is not None else list(default)
        st.session_state[key] = [option for option in chosen if option in options]
    value = where.multiselect(label, options, key=key, **kwargs)
    st.session_state[store] = (language, list(value))
    return value


def filter_bar() -> None:
    """The sidebar filter bar; defaults come from the URL, choices go back to it."""
    if data.status() != "ok":
        return
    districts = data.districts()
    names = dict(zip(districts["district_code"], districts["district_name"], strict=True))
    months = [m.date() if hasattr(m, "date") else m for m in data.months()]
    st.sidebar.markdown(f"**{t('filters')}**")
    if months and "f_period" not in st.session_state:  # the first run of a session: the period in the URL
        wanted = (st.query_params.get("from", ""), st.query_params.get("to", ""))
        keys = [m.strftime("%Y-%m") for m in months]
        lo = keys.index(wanted[0]) if wanted[0] in keys else 0
        hi = keys.index(wanted[1]) if wanted[1] in keys else len(months) - 1
        st.session_state.f_period = (months[lo], months[max(lo, hi)])
    kept_multiselect(st.sidebar, t("district"), list(names), format_func=lambda c: names.get(c, c),
                     key="f_districts", default=_param_list("d", list(names)), placeholder=t("all"))
    kept_multiselect(st.sidebar, t("tier"), list(TIERS), format_func=labeller(), key="f_tiers",
                     default=_param_list("t", list(TIERS)), placeholder=t("all"))
    levels = data.school_levels()
    kept_multiselect(st.sidebar, t("school_level"), levels, format_func=labeller(), key="f_levels",
                     default=_param_list("l", levels), placeholder=t("all"))
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
    province = data.province()  # the province(s) of the districts in scope, as the districts file names them
    # the product and the province in the browser tab and above every page's title (issue 23 point 2)
    st.set_page_config(page_title=" · ".join(x for x in (t(title_key), t("app_title"), province) if x))
    st.markdown(f"**{t('app_title')}** · {md(province)}" if province else f"**{t('app_title')}**")
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
    frame = readable(frame)
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


def _numeric(values) -> bool:
    return values is not None and not isinstance(values, str | dict) and len(values) > 0 and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values if v is not None)


def _plain_traces(fig) -> None:
    for trace in fig.data:
        text = getattr(trace, "text", None)
        if trace.type == "bar" and _numeric(text):  # bar labels 3.953, not Plotly's 3953
            trace.update(text=[number(v) for v in text])
        template = getattr(trace, "hovertemplate", None)
        if isinstance(template, str):  # Plotly Express writes `label=value`; an empty label left a bare `=value`
            trace.hovertemplate = re.sub(r"(^|<br>)=", r"\1", template).replace("=%{", ": %{")
        for attr in ("x", "y", "text", "hovertext"):
            values = getattr(trace, attr, None)
            if values is not None and not isinstance(values, str | dict) and any(isinstance(v, str) for v in values):
                trace.update({attr: [plot_text(v) for v in values]})
        if isinstance(getattr(trace, "name", None), str):
            trace.name = plot_text(trace.name)


def _number_axes(fig) -> None:
    """Value axes in full numbers with the language's separators (`15.000`, never Plotly's SI `15k`, `5B`);
    axes given tick text (money_axis) or a format (dates) keep theirs. Every panel's axes of a figure with subplots
    (`yaxis2`, the trace's `yaxis="y2"`) are written the same way."""
    names = {f"{letter}axis{ref[1:]}" for trace in fig.data for letter in ("x", "y")
             for ref in [getattr(trace, f"{letter}axis", None) or letter]} | {"xaxis", "yaxis"}
    for name in sorted(names):
        axis, letter = fig.layout[name], name[0]
        if axis.tickformat and "%" in axis.tickformat and axis.hoverformat is None:  # dates: 12/2022, not Dec 2022
            axis.update(hoverformat=axis.tickformat)
        ref = letter + name[5:]
        if not any(_numeric(getattr(trace, letter, None)) for trace in fig.data
                   if (getattr(trace, f"{letter}axis", None) or letter) == ref):
            continue
        if axis.ticktext is None and axis.tickformat is None:
            axis.update(tickformat=",~f", exponentformat="none")
        if axis.hoverformat is None:
            axis.update(hoverformat=",~f")


def money_axis(fig, axis: str, top: float, steps: int = 5):
    """Tick labels of a money axis written like the headline cards (`1,2 tỷ ₫`, `459,5 triệu ₫`; en: billion /
    million): `steps` round ticks from 0 to `top`, their text from i18n.money_short."""
    if not top or top <= 0:
        return fig
    raw = top / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [step * i for i in range(int(top // step) + 2)]
    fig.update_layout({f"{axis}axis": {"tickmode": "array", "tickvals": ticks,
                                       "ticktext": [money_short(v) if v else "0" for v in ticks]}})
    return fig


def plot_layout(fig, height: int = 380):
    """Same margins, legend and Vietnamese separators everywhere; fits a 1366×768 screen. Names that come from
    the data (districts, schools, donors) are made plain text for Plotly (`plot_text`); value axes, hover and bar
    labels are written the language's way (`_number_axes`)."""
    _plain_traces(fig)
    _number_axes(fig)
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2}, separators=",." if lang() == "vi" else ".,")
    return fig
