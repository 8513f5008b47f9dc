"""Phân bổ — who should get the next devices, by the program's own priority rules (docs/allocation.md).

The figures are the allocation marts' (stock, proposal by district and by school, through app/data.py's
reporting views); the what-if slider only moves the queue position the stock reaches (no refresh).
"""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from app import data, ui
from app.i18n import money_short, number, t


def render() -> None:
    if not ui.header("allocation_page"):
        return
    stocks = data.table("allocation_stock")  # the province's stock: empty for a district-scoped user
    stock = int(stocks["stock"].iloc[0]) if not stocks.empty else 0
    queue_size = data.allocation_queue_size()
    cols = st.columns(4)
    if not stocks.empty:
        row = stocks.iloc[0]
        made_of = t("stock_help", eq=number(row["device_equivalents"]), handed=number(row["devices_handed_over"]))
        cols[0].metric(t("stock"), number(stock), help=made_of)
        cols[1].metric(t("devices_in_hand"), number(row["devices_in_hand"]))
        cols[2].metric(t("cash_not_spent"), money_short(row["cash_not_yet_spent_vnd"]))
    cols[3].metric(t("remaining"), number(queue_size))
    top, default = data.allocation_span(stock)
    n = st.slider(t("what_if"), min_value=0, max_value=top, value=default, key="alloc_n")
    f = ui.current()
    proposal = data.allocation_by_district(f, n)
    st.metric(t("proposed_total"), number(int(proposal["devices_proposed"].sum())))
    by_district = proposal.groupby("district_name", as_index=False)[["devices_proposed",
                                                                    "students_still_waiting_after"]].sum()
    long = by_district.melt(id_vars="district_name", var_name="s", value_name="n")
    long["s"] = long["s"].map({"devices_proposed": t("proposed"), "students_still_waiting_after": t("still_waiting")})
    fig = px.bar(long, x="n", y="district_name", color="s", orientation="h",
                 labels={"n": t("count"), "district_name": "", "s": ""}, title=t("allocation_title"))
    st.plotly_chart(ui.plot_layout(fig, 460), width="stretch")
    shown = ui.table(proposal)
    ui.downloads(shown, "de_xuat_phan_bo_dia_ban", t("allocation_xlsx_title", n=number(n)))
    schools = data.allocation_by_school(f, n)
    st.subheader(t("by_school"))
    ui.table(schools)
    ui.downloads(schools, "de_xuat_phan_bo_truong", t("allocation_xlsx_title", n=number(n)))


render()
