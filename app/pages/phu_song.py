"""Phủ sóng — a map of coverage gaps and schools without Internet, gaps by status per district and operator, overdue
points, children without signal."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from app import data, maps, ui
from app.i18n import day, number, t


def render() -> None:
    if not ui.header("coverage_page"):
        return
    k = data.kpis()
    f = ui.current()
    by_district = data.table("coverage_by_district", f=f)  # the user's districts ∩ the filter bar's
    points = data.table("coverage_points", f=f)
    cols = st.columns(4)
    cols[0].metric(t("coverage"), f"{number(int(by_district['points_covered'].sum()))} / "
                                  f"{number(int(by_district['points_total'].sum()))}")
    cols[1].metric(t("overdue_points", date=day(k["as_of"])), number(int(by_district["points_overdue"].sum())))
    cols[2].metric(t("students_uncovered"), number(int(by_district["students_affected_uncovered"].sum())))
    cols[3].metric(t("schools_no_internet"), number(int(by_district["schools_without_internet"].sum())),
                   help=t("of_schools", total=number(int(by_district["schools_total"].sum()))))

    fig = maps.coverage_map(points, data.table("schools", f=f))
    if fig is None:
        st.caption(t("map_no_points"))
    else:
        st.plotly_chart(fig, width="stretch", key="coverage_map")
        st.caption(t("map_help"))

    left, right = st.columns(2)
    statuses = ["da_phu_song", "dang_trien_khai", "chua_co_song"]
    colours = {ui.label(s): c for s, c in ui.STATUS_COLOURS.items()}
    with left:
        measures = ["points_covered", "points_in_progress", "points_not_started"]
        long = by_district.melt(id_vars="district_name", value_vars=measures, var_name="s", value_name="n")
        long["s"] = long["s"].map(dict(zip(measures, [ui.label(s) for s in statuses], strict=True)))
        long = long[long["n"] > 0]
        fig = px.bar(long, x="n", y="district_name", color="s", orientation="h", color_discrete_map=colours,
                     labels={"n": t("count"), "district_name": "", "s": ""}, title=t("points_by_status_title"))
        st.plotly_chart(ui.plot_layout(fig), width="stretch")
    with right:
        if not points.empty:
            ops = points.groupby(["operator", "status"], as_index=False).size()
            ops["operator"] = ui.labels(ops["operator"])
            ops["status"] = ui.labels(ops["status"])
            fig = px.bar(ops, x="operator", y="size", color="status", color_discrete_map=colours,
                         labels={"operator": "", "size": t("count"), "status": ""},
                         title=t("points_by_operator_title"))
            st.plotly_chart(ui.plot_layout(fig), width="stretch")

    overdue = points[points["is_overdue"]].sort_values(["planned_on", "point_id"])
    st.subheader(t("overdue_points", date=day(k["as_of"])))
    ui.table(overdue[["point_id", "point_name", "commune_name", "district_name", "operator", "status", "planned_on",
                      "students"]])


render()
