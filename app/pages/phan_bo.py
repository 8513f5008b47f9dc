"""Phân bổ — who should get the next devices, by the program's own priority rules (docs/allocation.md).

The what-if slider recomputes the proposal from marts.allocation_queue (queue positions, no personal
data) without a refresh.
"""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from app import data, ui
from app.i18n import money_short, number, t


def render() -> None:
    if not ui.header("allocation_page"):
        return
    stock = data.table("marts.allocation_stock").iloc[0]
    queue_size = int(data.query("SELECT count(*) AS n FROM marts.allocation_queue")["n"].iloc[0])
    cols = st.columns(4)
    made_of = t("stock_help", eq=number(stock["device_equivalents"]), handed=number(stock["devices_handed_over"]))
    cols[0].metric(t("stock"), number(stock["stock"]), help=made_of)
    cols[1].metric(t("devices_in_hand"), number(stock["devices_in_hand"]))
    cols[2].metric(t("cash_not_spent"), money_short(stock["cash_not_yet_spent_vnd"]))
    cols[3].metric(t("remaining"), number(queue_size))
    n = st.slider(t("what_if"), min_value=0, max_value=max(queue_size, int(stock["stock"]), 1),
                  value=min(int(stock["stock"]), max(queue_size, int(stock["stock"]), 1)), key="alloc_n")
    f = ui.current()
    where, params = f.sql()
    proposal = data.query(f"""
        SELECT q.district_code, any_value(d.district_name) AS district_name, q.priority_tier, q.school_level,
               count(*) AS students_remaining, count(*) FILTER (WHERE q.queue_position <= ?) AS devices_proposed,
               count(*) FILTER (WHERE q.queue_position > ?) AS students_still_waiting_after
        FROM marts.allocation_queue AS q LEFT JOIN marts.coverage_by_district AS d USING (district_code)
        WHERE {where.replace('district_code', 'q.district_code')}
        GROUP BY q.district_code, q.priority_tier, q.school_level ORDER BY 1, 3, 4""", (n, n, *params))
    st.metric(t("proposed_total"), number(int(proposal["devices_proposed"].sum())))
    by_district = proposal.groupby("district_name", as_index=False)[["devices_proposed",
                                                                    "students_still_waiting_after"]].sum()
    long = by_district.melt(id_vars="district_name", var_name="s", value_name="n")
    long["s"] = long["s"].map({"devices_proposed": t("proposed"), "students_still_waiting_after": t("still_waiting")})
    fig = px.bar(long, x="n", y="district_name", color="s", orientation="h",
                 labels={"n": t("count"), "district_name": "", "s": ""}, title=t("allocation_title"))
    st.plotly_chart(ui.plot_layout(fig, 460), width="stretch")
    shown = proposal.assign(priority_tier=ui.labels(proposal["priority_tier"]),
                            school_level=ui.labels(proposal["school_level"]))
    st.dataframe(shown, hide_index=True, width="stretch")
    ui.downloads(shown, "de_xuat_phan_bo_dia_ban", t("allocation_xlsx_title", n=number(n)))
    schools = data.query("""
        SELECT q.district_code, q.school_code, any_value(s.school_name) AS school_name, q.priority_tier,
               count(*) AS students_remaining, count(*) FILTER (WHERE q.queue_position <= ?) AS devices_proposed
        FROM marts.allocation_queue AS q
        LEFT JOIN (SELECT DISTINCT school_code, school_name FROM marts.need_by_school) AS s USING (school_code)
        GROUP BY q.district_code, q.school_code, q.priority_tier ORDER BY 1, 2, 4""", (n,))
    st.subheader(t("by_school"))
    st.dataframe(schools, hide_index=True, width="stretch")
    ui.downloads(schools, "de_xuat_phan_bo_truong", t("allocation_xlsx_title", n=number(n)))


render()
