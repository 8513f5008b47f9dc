"""Tổng quan — the headline figures against the 100 % target, the trend, the districts that lag."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from app import data, ui
from app.i18n import money_short, number, percent, t


def render() -> None:
    if not ui.header("overview"):
        return
    k = data.kpis()
    f = ui.current()
    students = data.student_totals(f)
    last = data.last_month()

    change = data.month_change() if not (f.districts or f.tiers or f.levels) else None

    def delta(key: str, fmt=number) -> str | None:
        """Change since the previous month's end (province-wide figures only)."""
        if change is None:
            return None
        diff = change["now"][key] - change["before"][key]
        return t("vs_previous", delta=("+" if diff >= 0 else "-") + fmt(abs(diff)))  # ASCII sign: arrow

    top = st.columns(4)
    top[0].metric(t("identified"), number(students["identified"]), delta=delta("students_identified"),
                  delta_color="off", help=t("need_connectivity", n=number(students["need_connectivity"])))
    top[1].metric(t("supported"), number(students["supported"]), delta=delta("students_supported"),
                  help=t("self_resolved", n=number(students["self_resolved"])))
    top[2].metric(t("remaining"), number(students["remaining"]), delta=delta("students_remaining"),
                  delta_color="inverse")
    top[3].metric(t("pct_covered"), percent(students["pct_covered"]),
                  delta=delta("pct_covered", percent) or t("gap_to_target", gap=percent(1 - students["pct_covered"])),
                  help=t("gap_to_target", gap=percent(1 - students["pct_covered"])) + " · " + t("target"))
    st.progress(min(max(float(students["pct_covered"]), 0.0), 1.0))

    # donations and cash are the province's resources: None (not shown) for a district-scoped user (app/data.py)
    second = st.columns(3)
    if k["devices_received"] is not None:
        second[0].metric(t("devices_received"), number(k["devices_received"]),
                         help=t("failed_inspection") + f": {number(k['devices_failed_inspection'])}")
    second[1].metric(t("devices_handed"), number(k["devices_handed_over"]),
                     delta=t("this_month", month=last["label"], n=number(last["devices_handed_over"])))
    if k["cash_received_vnd"] is not None:
        second[2].metric(t("cash"), money_short(k["cash_received_vnd"]),
                         delta=t("this_month", month=last["label"], n=money_short(last["cash_received_vnd"])))
    third = st.columns(3)
    if k["device_equivalents"] is not None:
        third[0].metric(t("device_equivalents"), number(k["device_equivalents"]))
    third[1].metric(t("coverage"), f"{number(k['coverage_points_covered'])} / {number(k['coverage_points_total'])}")
    third[2].metric(t("schools_no_internet"), number(k["schools_without_internet"]),
                    help=t("of_schools", total=number(k["schools_total"])))

    left, right = st.columns(2)
    with left:
        trend = data.monthly_progress(f)
        if not trend.empty:
            series = [s for s in ("cum_students_supported_new", "cum_devices_handed_over", "cum_devices_received")
                      if s in trend]  # a district-scoped trend has no receipts
            long = trend.melt(id_vars="month", value_vars=series, var_name="series", value_name="value")
            long["series"] = long["series"].map(t)
            fig = px.line(long, x="month", y="value", color="series", markers=True,
                          labels={"month": t("month"), "value": t("count"), "series": ""}, title=t("trend_title"))
            fig.update_xaxes(tickformat="%m/%Y")
            st.plotly_chart(ui.plot_layout(fig), width="stretch")
    with right:
        lagging = data.districts_by_gap(f)
        if not lagging.empty:
            lagging = lagging.sort_values("pct", ascending=False)
            lagging["pct100"] = lagging["pct"] * 100
            lagging["label"] = lagging["pct"].map(percent)
            fig = px.bar(lagging, x="pct100", y="district_name", orientation="h", text="label",
                         hover_data={"remaining": True, "pct100": False, "label": False},
                         labels={"pct100": t("pct_axis"), "district_name": "", "remaining": t("remaining_students")},
                         title=t("lagging_title"), range_x=[0, 105])
            fig.add_vline(x=100, line_dash="dash")
            st.plotly_chart(ui.plot_layout(fig), width="stretch")

    st.caption(t("dq_caveat", rejected=number(k["rejected_row_count"]), issues=number(data.open_findings())))


render()
