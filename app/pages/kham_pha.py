"""Khám phá — analysts pick dimensions and measures, see a pivot and a chart, download exactly that.

Dimensions and measures are named by their column headings (LABELS `col_<name>`, through ui.column_label), the
same words the other pages' tables use.
"""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from app import data, ui
from app.i18n import t

DIMENSIONS = ("district_name", "priority_tier", "school_level")
MEASURES = ("students_surveyed", "students_identified", "students_supported", "students_self_resolved",
            "students_remaining", "students_need_connectivity")


def render() -> None:
    if not ui.header("explore_page"):
        return
    need = data.need(ui.current())
    # kept_multiselect: the choice survives a language switch and a visit to another page (issue 23)
    dims = ui.kept_multiselect(st, t("dimensions"), list(DIMENSIONS), default=["district_name"],
                               format_func=ui.labeller(ui.column_label), key="x_dims")
    measures = ui.kept_multiselect(st, t("measures"), list(MEASURES), default=["students_identified",
                                                                                 "students_remaining"],
                                   format_func=ui.labeller(ui.column_label), key="x_measures")
    if not measures:
        return
    pivot = need.groupby(dims, as_index=False)[measures].sum() if dims else need[measures].sum().to_frame().T
    if dims:  # the chart first, then its table (leaders look, they don't read)
        keys = [ui.column_label(d) for d in dims]
        long = ui.readable(pivot).melt(id_vars=keys, var_name="measure", value_name="value")
        fig = px.bar(long, x=keys[0], y="value", color="measure", barmode="group",
                     labels={"value": t("count"), "measure": ""})
        st.plotly_chart(ui.plot_layout(fig), width="stretch")
    ui.downloads(ui.table(pivot), "kham_pha")


render()
