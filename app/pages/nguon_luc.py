"""Nguồn lực — donations by donor type and form, received vs. pledged, over time; devices; honour roll."""

from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from app import data, ui
from app.i18n import money, money_short, number, t


def receipts_chart(trend) -> go.Figure:
    """Cash and devices received per month, one panel each on the same months: a money axis (`1,2 tỷ ₫`) above,
    a count of devices below, since one axis cannot carry both đồng and units."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=(t("cash_panel"), t("devices_panel")))
    cash = trend["cash_received_vnd"]
    fig.add_trace(go.Bar(x=trend["month"], y=cash, name=t("cash"), customdata=[money(v) for v in cash],
                         hovertemplate="%{x}<br>" + t("cash") + ": %{customdata}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=trend["month"], y=trend["devices_received"], name=t("devices_received"),
                         hovertemplate="%{x}<br>" + t("devices_received") + ": %{y}<extra></extra>"), row=2, col=1)
    fig.update_layout(title=t("cash_trend_title"), showlegend=False)
    fig.update_xaxes(tickformat="%m/%Y")
    fig.update_xaxes(title=t("month"), row=2, col=1)
    ui.money_axis(fig, "y", cash.max())
    if trend["devices_received"].max() <= 10:  # a few devices: whole ticks, never `0,5` of a device
        fig.update_yaxes(dtick=1, rangemode="tozero", row=2, col=1)
    return ui.plot_layout(fig, height=460)


def render() -> None:
    if not ui.header("resources_page"):
        return
    if data.scoped():  # donations are the province's resources: not shown as a district's figures
        st.info(t("province_only"))
        return
    k = data.kpis()
    cols = st.columns(4)
    cols[0].metric(t("cash"), money_short(k["cash_received_vnd"]))
    cols[1].metric(t("pledged"), money_short(k["cash_pledged_vnd"]))
    cols[2].metric(t("devices_received"), number(k["devices_received"]),
                   help=t("devices_handed") + f": {number(k['devices_handed_over'])}")
    cols[3].metric(t("data_packages"), number(k["data_packages_received"]))

    left, right = st.columns(2)
    with left:
        by_type = data.table("donations_by_donor_type")
        cash = by_type.groupby("donor_type", as_index=False)[["cash_received_vnd", "cash_pledged_vnd"]].sum()
        cash["donor"] = ui.labels(cash["donor_type"])
        long = cash.melt(id_vars="donor", value_vars=["cash_received_vnd", "cash_pledged_vnd"], var_name="s",
                         value_name="vnd")
        long["s"] = long["s"].map({"cash_received_vnd": t("received"), "cash_pledged_vnd": t("pledged")})
        fig = px.bar(long, x="vnd", y="donor", color="s", orientation="h", barmode="group",
                     labels={"vnd": t("money_vnd"), "donor": "", "s": ""}, title=t("donations_title"))
        ui.money_axis(fig, "x", long["vnd"].max())
        st.plotly_chart(ui.plot_layout(fig), width="stretch")
    with right:
        trend = data.monthly_progress(ui.current())
        if not trend.empty:
            st.plotly_chart(receipts_chart(trend), width="stretch", key="receipts_by_month")

    devices = data.table("donated_devices")
    if not devices.empty:
        devices["type"] = ui.labels(devices["device_type"])
        devices["condition_label"] = ui.labels(devices["condition"])
        long = devices.melt(id_vars=["type", "condition_label"],
                            value_vars=["devices_received", "devices_failed_inspection"], var_name="s", value_name="n")
        long["s"] = long["s"].map({"devices_received": t("received"), "devices_failed_inspection":
                                   t("failed_inspection")})
        long["series"] = long["s"] + " · " + long["condition_label"]
        fig = px.bar(long, x="type", y="n", color="series", labels={"type": "", "n": t("count"), "series": ""},
                     title=t("devices_title"))
        st.plotly_chart(ui.plot_layout(fig), width="stretch")

    st.subheader(t("honour_roll"))
    roll = data.table("donor_honour_roll", "cash_received_vnd DESC, devices_received DESC, donor_name")
    ui.table(roll[["donor_name", "donor_type", "cash_received_vnd", "devices_received", "data_packages_received"]])


render()
