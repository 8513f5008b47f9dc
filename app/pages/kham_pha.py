"""Khám phá — analysts pick dimensions and measures, see a pivot and a chart, download exactly that."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from app import data, ui
from app.i18n import t

DIMENSIONS = {"district_name": "district", "priority_tier": "tier", "school_level": "school_level"}
MEASURES = {"students_surveyed": "surveyed", "students_identified": "identified", "students_supported": "supported",
            "students_self_resolved": "self_resolved_label", "students_remaining": "remaining",
            "students_need_connectivity": "need_connectivity_label"}
MEASURE_LABELS = {"self_resolved_label": {"vi": "Tự trang bị", "en": "Self-resolved"},
                  "need_connectivity_label": {"vi": "Cần kết nối", "en": "Need a connection"}}


def _label(key: str) -> str:
    from app.i18n import lang

    return MEASURE_LABELS[key][lang()] if key in MEASURE_LABELS else t(key)


def render() -> None:
    if not ui.header("explore_page"):
        return
    need = data.need(ui.current())
    dims = st.multiselect(t("dimensions"), list(DIMENSIONS), default=["district_name"],
                          format_func=lambda d: t(DIMENSIONS[d]), key="x_dims")
    measures = st.multiselect(t("measures"), list(MEASURES), default=["students_identified", "students_remaining"],
                              format_func=lambda m: _label(MEASURES[m]), key="x_measures")
    if not measures:
        return
    pivot = need.groupby(dims, as_index=False)[measures].sum() if dims else need[measures].sum().to_frame().T
    for dim in ("priority_tier", "school_level"):
        if dim in pivot:
            pivot[dim] = ui.labels(pivot[dim])
    pivot = pivot.rename(columns={**{d: t(v) for d, v in DIMENSIONS.items()},
                                  **{m: _label(v) for m, v in MEASURES.items()}})
    st.dataframe(pivot, hide_index=True, width="stretch")
    if dims:
        x = t(DIMENSIONS[dims[0]])
        long = pivot.melt(id_vars=[t(DIMENSIONS[d]) for d in dims], var_name="measure", value_name="value")
        fig = px.bar(long, x=x, y="value", color="measure", barmode="group",
                     labels={"value": t("count"), "measure": ""})
        st.plotly_chart(ui.plot_layout(fig), width="stretch")
    ui.downloads(pivot, "kham_pha")


render()
