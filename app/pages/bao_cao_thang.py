"""Báo cáo tháng — the press-briefing view: the month's figures, Vietnamese-style, with the change since last month."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import data, ui
from app.i18n import money_short, number, percent, t


def _delta(now: float, before: float | None, fmt) -> str | None:
    if before is None:
        return None
    diff = now - before
    return ("+" if diff >= 0 else "−") + fmt(abs(diff))


def render() -> None:
    if not ui.header("briefing_page"):
        return
    months = data.monthly_progress()
    if months.empty:
        return
    labels = [pd.Timestamp(m).strftime("%m/%Y") for m in months["month"]]
    chosen = st.selectbox(t("month_pick"), list(range(len(labels))), index=len(labels) - 1,
                          format_func=lambda i: labels[i], key="briefing_month")
    row = months.iloc[chosen]
    prev = months.iloc[chosen - 1] if chosen > 0 else None
    cols = st.columns(4)
    for col, key, field, fmt in (
        (cols[0], "handed_this_month", "devices_handed_over", number),
        (cols[1], "handed_cumulative", "cum_devices_handed_over", number),
        (cols[2], "supported_this_month", "students_supported_new", number),
        (cols[3], "cash_this_month", "cash_received_vnd", money_short),
    ):
        col.metric(t(key), fmt(row[field]),
                   delta=_delta(row[field], None if prev is None else prev[field], fmt))
    k = data.kpis()
    st.caption(f"{t('pct_covered')}: {percent(k['pct_covered'])} · {t('remaining')}: {number(k['students_remaining'])}")
    st.caption(t("dq_caveat", rejected=number(k["rejected_row_count"]), issues=number(k["dq_issue_count"])))
    try:
        from warehouse import briefing
    except ImportError:
        return
    month = pd.Timestamp(row["month"]).strftime("%Y-%m")
    if st.button(t("download_xlsx") + " / PDF", key="build_pack"):
        import tempfile
        from pathlib import Path

        out = Path(tempfile.mkdtemp(prefix="briefing-"))
        xlsx, pdf = briefing.build_pack(data.warehouse_path(), month, out)
        left, right = st.columns(2)
        left.download_button("Excel", xlsx.read_bytes(), xlsx.name, key="dl_xlsx")
        right.download_button("PDF", pdf.read_bytes(), pdf.name, key="dl_pdf")


render()
