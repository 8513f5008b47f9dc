"""Rà soát — the review queue (issue 24): every data-quality finding gets a decision.

Data officers only (a district officer sees their districts' findings: app/data.py scopes the rows). Charts first:
findings to deal with, by status and type, and their trend month by month; then the list, filtered, where one or
many rows are selected and decided with a note (warehouse/review.py records the batch atomically and in the audit
log); then each district's worklist as an XLSX to send back for correction at the source.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from app import data, ui
from app.details import details
from app.i18n import day, number, t
from app.plain import plain
from warehouse import review

SHOWN = ["finding_key", "status", "issue_type", "district_code", "detail", "source_file", "source_line", "first_seen",
         "days_open", "decided_by", "note"]


def _district_names() -> dict[str, str]:
    frame = data.districts()
    return dict(zip(frame["district_code"], frame["district_name"], strict=True))


def _readable(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The list as an officer reads it: labels, district names, dates dd/mm/yyyy, Vietnamese headers."""
    out = frame[SHOWN].copy()
    out["detail"] = details(frame)
    out["status"] = ui.labels(out["status"])
    out["issue_type"] = ui.labels(out["issue_type"])
    out["district_code"] = [names.get(c, c) if isinstance(c, str) else t("province_wide") for c in out["district_code"]]
    out["first_seen"] = [day(v) for v in out["first_seen"]]
    out["decided_by"] = out["decided_by"].fillna("")
    out["note"] = out["note"].fillna("")
    return out.rename(columns={
        "finding_key": t("col_finding"), "status": t("status"), "issue_type": t("issue_type"),
        "district_code": t("col_district"), "detail": t("col_detail"), "source_file": t("col_source_file"),
        "source_line": t("col_source_line"), "first_seen": t("col_first_seen"), "days_open": t("col_days_open"),
        "decided_by": t("col_decided_by"), "note": t("col_note")})


def _charts(frame: pd.DataFrame) -> None:
    to_do = frame[frame["status"].isin(review.OPEN_STATUSES)]
    cols = st.columns(len(review.STATUSES))
    cols[0].metric(t("review_open"), number(len(to_do)), help=t("review_open_help"))
    for col, status in zip(cols[1:], ("confirmed", "reopened", "dismissed", "fixed"), strict=True):
        col.metric(ui.label(status), number(int((frame["status"] == status).sum())))
    left, right = st.columns(2)
    with left:
        counts = frame.groupby(["issue_type", "status"], as_index=False).size()
        counts["issue_type"] = ui.labels(counts["issue_type"])
        counts["status"] = ui.labels(counts["status"])
        fig = px.bar(counts, x="size", y="issue_type", color="status", orientation="h", text="size",
                     labels={"size": t("count"), "issue_type": "", "status": t("status")},
                     title=t("review_by_status"))
        st.plotly_chart(ui.plot_layout(fig), width="stretch")
    with right:
        trend = data.findings_trend()
        if not trend.empty:
            trend["label"] = [day(m)[3:] for m in trend["month"]]
            fig = px.bar(trend, x="label", y="open", text="open", title=t("review_trend"),
                         labels={"label": t("month"), "open": t("review_open")})
            st.plotly_chart(ui.plot_layout(fig), width="stretch")


def _by_district(frame: pd.DataFrame, names: dict[str, str]) -> None:
    """Findings by district and status, with the oldest open one's age: where the work is."""
    counts = review.counts(frame)
    if counts.empty:
        return
    table = counts.pivot_table(index="district_code", columns="status", values="findings", aggfunc="sum",
                               fill_value=0, dropna=False).reindex(columns=list(review.STATUSES), fill_value=0)
    oldest = (frame[frame["status"].isin(review.OPEN_STATUSES)].groupby("district_code", dropna=False)["days_open"]
              .max())
    table[t("review_oldest")] = oldest.reindex(table.index).fillna(0).astype(int)
    table.index = [names.get(c, c) if isinstance(c, str) else t("province_wide") for c in table.index]
    table.columns = [ui.label(c) if c in review.STATUSES else c for c in table.columns]
    st.subheader(t("review_by_district"))
    ui.table(table.rename_axis(t("col_district")).reset_index())


def _filtered(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    st.subheader(t("review_filters"))
    a, b, c, e, d = st.columns(5)
    # kept_multiselect: the filters survive a language switch and a visit to another page
    statuses = ui.kept_multiselect(a, t("status"), list(review.STATUSES), default=list(review.OPEN_STATUSES),
                                   format_func=ui.labeller(), key="review_status")
    types = ui.kept_multiselect(b, t("issue_type"), sorted(frame["issue_type"].unique()), format_func=ui.labeller(),
                                key="review_types", placeholder=t("all"))
    codes = sorted(c for c in frame["district_code"].dropna().unique())
    districts = c.multiselect(t("col_district"), codes, format_func=lambda code: names.get(code, code),
                              key="review_districts", placeholder=t("all"))
    schools = e.multiselect(t("col_school_code"), sorted(frame["school_code"].dropna().unique()), key="review_schools",
                            placeholder=t("all"))
    min_age = d.number_input(t("review_min_age"), min_value=0, value=0, step=1, key="review_min_age")
    shown = frame[frame["status"].isin(statuses or review.STATUSES) & (frame["days_open"] >= min_age)]
    if types:
        shown = shown[shown["issue_type"].isin(types)]
    if districts:
        shown = shown[shown["district_code"].isin(districts)]
    if schools:
        shown = shown[shown["school_code"].isin(schools)]
    return shown.reset_index(drop=True)


def _records(chosen: list[str]) -> None:
    """The records each chosen finding involves, one row each, grouped by finding: compared side by side."""
    records = data.finding_records(chosen)
    if records.empty:
        return
    st.markdown(f"**{t('review_records')}**")
    ui.table(records.rename(columns={"finding_key": t("col_finding"), "source_file": t("col_source_file"),
                                     "source_line": t("col_source_line"), "summary": t("col_record")}),
             key="review_records_table")


def _decide(chosen: list[str]) -> None:
    if not chosen:
        return
    _records(chosen)
    st.markdown(f"**{t('review_decide', n=number(len(chosen)))}**")
    decision = st.radio(t("review_decision"), list(review.DECISIONS), format_func=ui.label, horizontal=True,
                        key="review_decision_choice")
    note = st.text_area(t("review_note"), max_chars=1000, key="review_note")
    if st.button(t("review_save"), type="primary", key="review_save"):
        try:
            n = review.decide(data.warehouse_path(), chosen, decision, note, st.session_state.get("username") or "")
        except review.ReviewError as exc:
            st.error(f"{t('review_failed')} {plain(exc)}")
            return
        st.session_state["review_saved"] = n  # said after the rerun that shows the new statuses
        for key in ("review_chosen", "review_note"):
            st.session_state.pop(key, None)
        st.rerun()


def _worklist(frame: pd.DataFrame, names: dict[str, str]) -> None:
    st.subheader(t("review_worklist"))
    st.caption(t("review_worklist_help"))
    to_do = frame[frame["status"].isin(review.OPEN_STATUSES) & frame["district_code"].notna()]
    codes = sorted(to_do["district_code"].unique())
    if not codes:
        return
    code = st.selectbox(t("col_district"), codes, format_func=lambda c: names.get(c, c), key="review_worklist")
    type_labels = {c: ui.CODE_LABELS.get(c, {}).get("vi", c) for c in to_do["issue_type"].unique()}
    rows = review.worklist(to_do, code, type_labels)
    title = f"Danh sách cần sửa — {names.get(code, code)}"
    stamp = f"{data.province()} · {day(data.refreshed_at())}"
    st.download_button(t("review_worklist_download"), review.worklist_xlsx(rows, title, stamp),
                       f"ra_soat_{code}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="review_worklist_xlsx")


def render() -> None:
    if not ui.header("review_page"):
        return
    frame = data.findings()
    if frame.empty:
        st.info(t("review_none"))
        return
    if "review_saved" in st.session_state:
        st.success(t("review_saved", n=number(st.session_state.pop("review_saved"))))
    names = _district_names()
    _charts(frame)
    _by_district(frame, names)
    shown = _filtered(frame, names)
    st.subheader(t("review_list"))
    ui.table(_readable(shown, names), key="review_table")  # numbers written 1.234.567 whatever the browser
    labels = {row.finding_key: f"{row.finding_key} · {ui.label(row.issue_type)} · "
                               f"{names.get(row.district_code, row.district_code or t('province_wide'))}"
              for row in shown.itertuples()}
    chosen = st.multiselect(t("review_pick"), list(labels), format_func=labels.get, key="review_chosen")
    _decide(chosen)
    _worklist(frame, names)


render()
