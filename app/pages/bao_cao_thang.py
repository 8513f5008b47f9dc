"""Báo cáo tháng — the press-briefing view: the month's figures exactly as the briefing pack has them.

The figures come from `warehouse.reports.month_figures` (as of the month's last day), the same function
that writes the Excel and PDF, so the page, the pack and the marts cannot disagree. Corrections to
figures already published are shown ("đã điều chỉnh": old → new). Building the pack to download never
publishes; publishing the month's figures is a separate, confirmed action shown only to the roles allowed
to publish (SVMT_PUBLISH_ROLES), and `reports.publish` refuses any other role itself.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.express as px
import streamlit as st

from app import auth, data, ui
from app.i18n import money_short, number, percent, t
from app.plain import plain
from warehouse import reports

CARDS = (("handed_this_month", "devices_handed_over", number),
         ("handed_cumulative", "cum_devices_handed_over", number),
         ("supported_this_month", "students_supported_new", number),
         ("cash_this_month", "cash_received_vnd", money_short),
         ("remaining", "students_remaining", number),
         ("pct_covered", "pct_covered", percent))


def _delta(now: float, before: float, fmt) -> str:
    diff = now - before
    return ("+" if diff >= 0 else "-") + fmt(abs(diff))  # an ASCII sign gives Streamlit the arrow's direction


TREND = ("devices_handed_over", "students_supported_new")  # the chart's series: the first and third cards
SPAN = 12  # months shown: the chosen one and up to eleven before it, as the PDF's trend


def trend_frame(pack: dict) -> pd.DataFrame:
    """The chosen month and the months before it (the pack's own `trend`, so the chart and the cards agree), long
    form: month label, series, value, and whether it is the chosen month. A month without progress rows (a survey
    month before the first handover) shows the cards' own figures."""
    rows = [r for r in pack["trend"] if r["month"] < pack["period_start"]][-(SPAN - 1):]
    rows.append({key: pack["figures"][key] for key in TREND} | {"month": pack["period_start"]})
    frame = pd.DataFrame(rows)
    frame["label"] = frame["month"].map(reports.month_label)
    long = frame.melt(id_vars=["label"], value_vars=list(TREND), var_name="series", value_name="value")
    long["series"] = long["series"].map({"devices_handed_over": t("handed_this_month"),
                                         "students_supported_new": t("supported_this_month")})
    long["chosen"] = long["label"] == pack["month_label"]
    return long


def trend_chart(pack: dict):
    """Bars per month, the chosen month in full colour and the earlier ones faded: leaders see at a glance whether
    the month did better than the ones before."""
    long = trend_frame(pack)
    fig = px.bar(long, x="label", y="value", color="series", barmode="group",
                 labels={"label": t("month"), "value": t("count"), "series": ""},
                 title=t("briefing_trend_title", month=pack["month_label"]))
    for trace in fig.data:
        chosen = long.loc[long["series"] == trace.name, "chosen"]
        trace.marker.opacity = [1.0 if c else 0.4 for c in chosen]
    fig.update_xaxes(type="category")
    if long["value"].max() <= 10:  # a district's few handovers: whole ticks, never `0,5` of a device
        fig.update_yaxes(dtick=1, rangemode="tozero")
    return ui.plot_layout(fig)


def render() -> None:
    if not ui.header("briefing_page"):
        return
    db = data.warehouse_path()
    months = data.briefing_months()
    if not months:
        return
    month = st.selectbox(t("month_pick"), months, index=len(months) - 1, format_func=reports.month_label,
                         key="briefing_month")
    pack = data.briefing_month(month)
    st.plotly_chart(trend_chart(pack), width="stretch", key="briefing_trend")
    now, before = pack["figures"], pack["previous"]
    shown = [card for card in CARDS if now[card[1]] is not None]  # a district preview has no receipts
    for i, (key, field, fmt) in enumerate(shown):
        if i % 3 == 0:
            cols = st.columns(3)
        cols[i % 3].metric(t(key), fmt(now[field]), delta=_delta(now[field], before[field], fmt),
                           delta_color="inverse" if field == "students_remaining" else "normal")
    for line in data.briefing_corrections(month):
        st.warning(plain(line))
    k = data.kpis()
    st.caption(t("dq_caveat", rejected=number(k["rejected_row_count"]), issues=number(data.open_findings())))
    if data.scoped():  # the pack holds the whole province's figures: not for a district-scoped user
        return
    if st.button(t("build_pack"), key="build_pack"):
        st.session_state["briefing_files"] = (month, reports.pack_bytes(db, month))
    built = st.session_state.get("briefing_files")
    if built and built[0] == month:
        (xlsx_name, xlsx), (pdf_name, pdf) = built[1]
        left, right = st.columns(2)
        left.download_button("Excel", xlsx, xlsx_name, key="dl_xlsx")
        right.download_button("PDF", pdf, pdf_name, key="dl_pdf", mime="application/pdf")
    _publish(db, month, pack["month_label"])


def _publish(db: Path, month: str, label: str) -> None:
    """The separate act of publishing, for the roles allowed to: a confirmation box, then the button."""
    role = auth.role()
    if not reports.may_publish(role):
        return
    st.subheader(t("publish_title"))
    confirmed = st.checkbox(t("publish_confirm", month=label), key=f"publish_confirm_{month}")
    if st.button(t("publish_button", month=label), key="publish", disabled=not confirmed) and confirmed:
        try:
            done = reports.publish(db, month, str(st.session_state.get("username") or ""), role)
        except reports.BriefingError as exc:
            st.error(plain(exc))
        else:
            st.session_state.pop(f"publish_confirm_{month}", None)
            st.success(t("published_done", month=label, user=plain(done.user)))


render()
