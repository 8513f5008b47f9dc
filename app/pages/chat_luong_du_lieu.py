"""Chất lượng dữ liệu — issues by type with their rows, rejected rows, expectation results, freshness.

Names and IDs of children are masked in SQL (reporting.dq_issues / reporting.rejected_rows: `N. T. T. H.`,
`*********678`) for every role but data officers; app/data.py picks the relation by role and limits the rows to the
user's districts.
"""

from __future__ import annotations

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
    rejected = data.table("rejected_rows", "source_file, source_line")
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
            fig = px.bar(counts, x="size", y="issue_type", orientation="h", text="size",
                         labels={"size": t("count"), "issue_type": ""}, title=t("issues_title"))
            st.plotly_chart(ui.plot_layout(fig), width="stretch")
    with right:
        if not rejected.empty:
            counts = rejected.groupby(["kind", "reason_code"], as_index=False).size()
            fig = px.bar(counts, x="kind", y="size", color="reason_code",
                         labels={"size": t("count"), "kind": t("kind"), "reason_code": ""}, title=t("rejected_title"))
            st.plotly_chart(ui.plot_layout(fig), width="stretch")

    trend = data.findings_trend()
    if len(trend) > 0:
        trend["label"] = [day(m)[3:] for m in trend["month"]]
        fig = px.bar(trend, x="label", y="open", text="open", title=t("review_trend"),
                     labels={"label": t("month"), "open": t("review_open")})
        st.plotly_chart(ui.plot_layout(fig, height=300), width="stretch")

    st.subheader(t("issues_title"))
    types = sorted(issues["issue_type"].unique())
    chosen = st.multiselect(t("issue_type"), types, default=[], key="dq_types", placeholder=t("all"))
    shown = issues[issues["issue_type"].isin(chosen)] if chosen else issues
    st.dataframe(shown, hide_index=True, width="stretch")

    st.subheader(t("rejected_title"))
    st.dataframe(rejected.drop(columns=["reason_code"]), hide_index=True, width="stretch")
    ui.downloads(rejected, "dong_bi_loai")

    if data.scoped():  # the rest describes the whole province's files and checks
        return
    st.subheader(t("expectations_title"))
    st.dataframe(results, hide_index=True, width="stretch")
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
    st.dataframe(fresh, hide_index=True, width="stretch",
                 column_config={"kind": t("kind"), "files": t("files"), "rows": t("rows")})

    st.subheader(t("refresh_log_title"))
    log = data.table("meta.refresh_log", "seq DESC")
    st.dataframe(log[["seq", "started_at", "ended_at", "outcome", "as_of", "message", "files"]], hide_index=True,
                 width="stretch")


render()
