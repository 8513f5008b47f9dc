"""Chất lượng dữ liệu — issues by type with their rows, rejected rows, expectation results, freshness.

Names and IDs of children are masked in SQL (reporting.dq_issues / reporting.rejected_rows: `N. T. T. H.`,
`*********678`) for every role but data officers; app/data.py picks the relation by role and limits the rows to the
user's districts.
"""

from __future__ import annotations

import json

import pandas as pd
import plotly.express as px
import streamlit as st

from app import auth, data, ui
from app.i18n import clock, day, number, t
from app.plain import plain


def render() -> None:
    if not ui.header("quality_page"):
        return
    k = data.kpis()
    issues = data.table("dq_issues", "issue_type, source_file, source_line")
    entries = data.table("rejected_rows", "source_file, source_line")
    # a coordinate outside Vietnam or unreadable is dropped while its row is loaded (docs/input-format.md): listed
    # on its own, never among the rejected rows the card counts
    kept = entries[entries["row_kept"]].drop(columns=["row_kept"])
    rejected = entries[~entries["row_kept"]].drop(columns=["row_kept"])
    results = data.table("dq.expectation_results", "success, suite")
    cols = st.columns(4)
    cols[0].metric(t("issues_title"), number(k["dq_issue_count"]))
    cols[1].metric(t("rejected_title"), number(k["rejected_row_count"]))
    # issue 24: what is still to deal with after the review decisions (dismissed and fixed findings drop out)
    cols[3].metric(t("review_open"), number(data.open_findings()), help=t("review_open_help"))
    if not results.empty:  # province-wide checks: empty for a district-scoped user (app/data.py)
        cols[2].metric(t("expectations_title"), f"{number(int(results['success'].sum()))} / {number(len(results))}")

    left, right = st.columns(2)
    with left:
        if not issues.empty:
            counts = issues.groupby("issue_type", as_index=False).size().sort_values("size")
            counts["issue_type"] = ui.labels(counts["issue_type"])
            fig = px.bar(counts, x="size", y="issue_type", orientation="h", text="size",
                         labels={"size": t("count"), "issue_type": ""}, title=t("issues_title"))
            st.plotly_chart(ui.plot_layout(fig), width="stretch")
    with right:
        if not rejected.empty:
            counts = rejected.groupby(["kind", "reason_code"], as_index=False).size()
            counts = counts.assign(kind=ui.labels(counts["kind"]), reason_code=ui.labels(counts["reason_code"]))
            fig = px.bar(counts, x="kind", y="size", color="reason_code",
                         labels={"size": t("count"), "kind": t("kind"), "reason_code": ""}, title=t("rejected_title"))
            st.plotly_chart(ui.plot_layout(fig), width="stretch")

    trend = data.findings_trend()
    if len(trend) > 0:
        trend["label"] = [day(m)[3:] for m in trend["month"]]
        fig = px.bar(trend, x="label", y="open", text="open", title=t("review_trend"),
                     labels={"label": t("month"), "open": t("review_open")})
        st.plotly_chart(ui.plot_layout(fig, height=300), width="stretch")
    _by_refresh()
    _by_file(issues, rejected)

    st.subheader(t("issues_title"))
    types = sorted(issues["issue_type"].unique())
    chosen = ui.kept_multiselect(st, t("issue_type"), types, key="dq_types", placeholder=t("all"),
                                 format_func=ui.labeller())
    ui.table(issues[issues["issue_type"].isin(chosen)] if chosen else issues)

    st.subheader(t("rejected_title"))
    shown = ui.table(rejected.drop(columns=["reason"]))  # reason_code, read in the user's language
    ui.downloads(shown, "dong_bi_loai")
    if not kept.empty:
        st.subheader(t("coordinates_dropped_title"))
        st.caption(t("coordinates_dropped_help"))
        ui.table(kept.drop(columns=["reason"]))

    if data.scoped():  # the rest describes the whole province's files and checks
        return
    st.subheader(t("expectations_title"))
    ui.table(results)
    docs = data.warehouse_path().with_name(data.warehouse_path().stem + "_data_docs") / "index.html"
    if docs.exists() and auth.sees_personal_data():  # GX lists unexpected values there: names, dates of birth
        st.markdown(f"[{t('data_docs')}]({docs.as_uri()}) — {plain(docs)}")  # the path as plain text
    elif docs.exists():
        st.caption(t("data_docs_officers_only"))

    st.subheader(t("freshness_title"))
    refresh = data.table("meta.refresh").iloc[0]
    st.caption(t("as_of", date=day(refresh["as_of"]), time=clock(refresh["refreshed_at"])))
    files = data.table("meta.files", "kind, file_rank")
    fresh = files.groupby("kind", as_index=False).agg(files=("source_file", "count"), rows=("rows_read", "sum"),
                                                      last_file=("source_file", "last"))
    ui.table(fresh)

    st.subheader(t("refresh_log_title"))
    log = data.table("meta.refresh_log", "seq DESC")
    log = log.assign(file_names=log["files"].map(_file_names))
    ui.table(log[["seq", "started_at", "ended_at", "outcome", "as_of", "message", "file_names"]])


def _file_names(files: object) -> object:
    """The refresh log's file list (JSON: name, size, hash) as the names a user recognises."""
    try:
        return ", ".join(str(f.get("file", "")) for f in json.loads(files))
    except (TypeError, ValueError, AttributeError):
        return files


def _by_refresh() -> None:
    """Rejected rows and findings at each refresh (province-wide users): whether the files get cleaner over time."""
    history = data.rejects_by_refresh()
    if len(history) < 2:  # one refresh is no history
        return
    history["label"] = [clock(at) for at in history["refreshed_at"]]  # 14:05 03/12/2026
    long = history.melt(id_vars=["label"], value_vars=["rejected", "findings"], var_name="s", value_name="n")
    long["s"] = long["s"].map({"rejected": t("rejected_rows_series"), "findings": t("issues_series")})
    fig = px.line(long, x="label", y="n", color="s", markers=True, title=t("rejects_over_time_title"),
                  labels={"label": t("refreshed_at_axis"), "n": t("count"), "s": ""})
    st.plotly_chart(ui.plot_layout(fig, height=300), width="stretch")


def _by_file(issues: pd.DataFrame, rejected: pd.DataFrame) -> None:
    """Findings and rejects per source file, in the order the files were loaded (file names carry the round or
    month they report): where the trouble came in, and whether later files are cleaner."""
    files = data.table("meta.files", "file_rank")
    if files.empty or (issues.empty and rejected.empty):
        return
    order = list(dict.fromkeys(files["source_file"]))
    counts = pd.concat([issues.assign(s=t("issues_series")), rejected.assign(s=t("rejected_rows_series"))])
    counts = counts[counts["source_file"].isin(order)].groupby(["source_file", "s"], as_index=False).size()
    fig = px.bar(counts, x="source_file", y="size", color="s", text="size",
                 category_orders={"source_file": [f for f in order if f in set(counts["source_file"])]},
                 labels={"source_file": t("col_source_file"), "size": t("count"), "s": ""},
                 title=t("issues_by_file_title"))
    st.plotly_chart(ui.plot_layout(fig), width="stretch")


render()
