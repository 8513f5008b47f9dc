"""Theo địa bàn — a map of students waiting by district; need vs. supply by district × priority tier × school level;
drill-down to schools."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from app import data, maps, ui
from app.i18n import number, percent, t


def render() -> None:
    if not ui.header("districts_page"):
        return
    f = ui.current()
    need = data.need(f)
    if need.empty:
        st.info(t("all"))
        return
    totals = data.student_totals(f)
    cols = st.columns(4)
    cols[0].metric(t("identified"), number(totals["identified"]))
    cols[1].metric(t("supported"), number(totals["supported"]))
    cols[2].metric(t("remaining"), number(totals["remaining"]))
    cols[3].metric(t("pct_covered"), percent(totals["pct_covered"]))

    waiting = need.groupby(["district_code", "district_name"], as_index=False)["students_remaining"].sum()
    fig = maps.district_map(waiting, data.table("district_centres", f=f))
    if fig is None:
        st.caption(t("map_no_centres"))
    else:
        st.plotly_chart(fig, width="stretch", key="district_map")
        st.caption(t("map_help"))

    left, right = st.columns(2)
    with left:
        by_tier = need.groupby(["district_name", "priority_tier"], as_index=False)["students_remaining"].sum()
        by_tier["tier"] = ui.labels(by_tier["priority_tier"])
        fig = px.bar(by_tier, x="students_remaining", y="district_name", color="tier", orientation="h",
                     color_discrete_map={ui.label(k): v for k, v in ui.TIER_COLOURS.items()},
                     category_orders={"tier": [ui.label(k) for k in ui.TIERS]},
                     labels={"students_remaining": t("remaining_students"), "district_name": "", "tier": ""},
                     title=t("need_by_tier_title"))
        st.plotly_chart(ui.plot_layout(fig, 460), width="stretch")
    with right:
        by_level = need.groupby("school_level", as_index=False)["students_remaining"].sum()
        by_level["level"] = ui.labels(by_level["school_level"])
        fig = px.bar(by_level, x="level", y="students_remaining", text="students_remaining",
                     labels={"students_remaining": t("remaining_students"), "level": t("school_level")},
                     title=t("remaining_by_level_title"))
        st.plotly_chart(ui.plot_layout(fig, 460), width="stretch")

    st.subheader(t("table_title"))
    shown = ui.table(need, column_config={"pct_covered": st.column_config.ProgressColumn(
        t("pct_covered"), min_value=0, max_value=1, format="percent")})
    ui.downloads(shown, "nhu_cau_theo_dia_ban")

    st.subheader(t("drill_school"))
    names = dict(zip(need["district_code"], need["district_name"], strict=False))
    chosen = st.selectbox(t("choose_district"), list(names), format_func=lambda c: names.get(c, c), key="drill")
    schools = data.need_by_school(f, chosen)
    ui.table(schools)

    st.subheader(t("completeness_title"))
    st.caption(t("completeness_help"))
    done = data.completeness(f)
    if not done.empty:
        fig = px.density_heatmap(done, x="survey_round", y="district_name", z="pct_reported", histfunc="avg",
                                 color_continuous_scale="RdYlGn", range_color=[0, 1], text_auto=".0%",
                                 labels={"survey_round": t("round"), "district_name": ""})
        fig.update_traces(hovertemplate=f"{t('round')}: %{{x}}<br>%{{y}}<br>{t('col_pct_reported')}: %{{z:.0%}}"
                                        "<extra></extra>")
        fig.update_layout(coloraxis_colorbar={"title": {"text": t("col_pct_reported")}, "tickformat": ".0%"})
        st.plotly_chart(ui.plot_layout(fig, 460), width="stretch")


render()
