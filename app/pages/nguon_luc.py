"""Nguồn lực — donations by donor type and form, received vs. pledged, over time; devices; honour roll."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from app import data, ui
from app.i18n import money_short, number, t


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
            fig = px.bar(trend, x="month", y="cash_received_vnd", labels={"month": t("month"),
                                                                           "cash_received_vnd": t("money_vnd")},
                         title=t("cash_trend_title"))
            fig.update_xaxes(tickformat="%m/%Y")
            ui.money_axis(fig, "y", trend["cash_received_vnd"].max())
            st.plotly_chart(ui.plot_layout(fig), width="stretch")

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
    ui.table(roll[["donor_name", "donor_type", "cash_received_vnd", "devices_received", "data_packages_received"]],
             column_config={"cash_received_vnd": st.column_config.NumberColumn(t("col_cash_received_vnd"),
                                                                               format="localized")})


render()
