"""Maps of the pages (issue 23 point 4): coverage points and schools without Internet (Phủ sóng), districts sized by
students waiting (Theo địa bàn).

Plotly's MapLibre map (`go.Scattermap`) on the `white-bg` style, with OpenStreetMap's raster tiles as a layer
below the traces: a browser that reaches the tile server shows the streets; one that does not (a ministry's closed
network, the tests here) draws the same points on the plain background, without an error. The figures are built
here from frames the pages already hold (role-scoped by app/data.py); the pages only place them.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from app import ui
from app.i18n import number, t

TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
ATTRIBUTION = "© OpenStreetMap contributors"
HEIGHT = 480
SCHOOL_COLOUR = "#2c3e50"  # schools without Internet: dark, larger, apart from the three status colours
CIRCLE_COLOUR = "#c0392b"
CIRCLE_MAX_PX = 46         # the district with the most students waiting; the others by area


def located(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that carry a point (both coordinates)."""
    if frame.empty or "latitude" not in frame:
        return frame.iloc[0:0]
    return frame[frame["latitude"].notna() & frame["longitude"].notna()]


def _zoom(lat: pd.Series, lon: pd.Series) -> float:
    """A zoom that fits every point, with a margin, in the map's some 380 × 800 pixels: MapLibre draws 512·2^zoom / 360
    pixels a degree (latitudes a little more in Vietnam), so 300 px of latitude and 700 px of longitude at most. A
    district ≈ 10, a province ≈ 7, the country ≈ 4."""
    lat_span = max(float(lat.max() - lat.min()), 0.03)
    lon_span = max(float(lon.max() - lon.min()), 0.03)
    return max(3.5, min(11.0, math.log2(300 * 360 / 512 / lat_span), math.log2(700 * 360 / 512 / lon_span)))


def _hover(labels: list[str]) -> str:
    """`<b>name</b><br>Label: value…` over customdata: labels are the page's words, values pre-formatted."""
    lines = ["<b>%{customdata[0]}</b>"] + [f"{label}: %{{customdata[{i + 1}]}}" for i, label in enumerate(labels)]
    return "<br>".join(lines) + "<extra></extra>"


def _customdata(frame: pd.DataFrame, title: str, values: list[str]) -> list[list[str]]:
    """Per row: its name (plain text for Plotly) and each value column already formatted (column-wise: a national
    map has thousands of schools)."""
    names = frame[title].astype(str).map(ui.plot_text)
    return [list(row) for row in zip(names, *(frame[v].astype(str) for v in values), strict=True)]


def _finish(fig: go.Figure, lat: pd.Series, lon: pd.Series, title: str) -> go.Figure:
    ui.plot_layout(fig, HEIGHT)
    fig.update_layout(
        title=title, margin={"l": 0, "r": 0, "t": 50, "b": 0},
        legend={"orientation": "h", "y": -0.02, "x": 0},
        map={"style": "white-bg",  # centred on the middle of the points' extent (not their mean: an outlier shows)
             "center": {"lat": float(lat.min() + lat.max()) / 2, "lon": float(lon.min() + lon.max()) / 2},
             "zoom": _zoom(lat, lon),
             "layers": [{"below": "traces", "sourcetype": "raster", "source": [TILES],
                         "sourceattribution": ATTRIBUTION}]})
    return fig


def coverage_map(points: pd.DataFrame, schools: pd.DataFrame) -> go.Figure | None:
    """Coverage points coloured by status (one trace per status, in the bar chart's order) and schools without
    Internet; None when no row carries coordinates."""
    points, schools = located(points), located(schools)
    if "has_internet" in schools:
        schools = schools[~schools["has_internet"].astype(bool)]
    if points.empty and schools.empty:
        return None
    fig = go.Figure()
    for status in ("da_phu_song", "dang_trien_khai", "chua_co_song"):
        part = points[points["status"] == status].assign(
            _status=ui.label(status), _students=lambda f: f["students"].map(number),
            _place=lambda f: f["commune_name"].fillna("–").map(ui.plot_text) + ", "
            + f["district_name"].fillna("–").map(ui.plot_text))
        if part.empty:
            continue
        fig.add_trace(go.Scattermap(
            lat=part["latitude"], lon=part["longitude"], mode="markers", name=ui.label(status),
            marker={"size": 11, "color": ui.STATUS_COLOURS[status], "opacity": 0.85},
            customdata=_customdata(part, "point_name", ["_place", "_status", "_students"]),
            hovertemplate=_hover([t("map_place"), t("col_status"), t("col_students")])))
    if not schools.empty:
        fig.add_trace(go.Scattermap(
            lat=schools["latitude"], lon=schools["longitude"], mode="markers", name=t("map_school_no_internet"),
            marker={"size": 15, "color": SCHOOL_COLOUR, "opacity": 0.9},
            customdata=_customdata(schools.assign(_what=t("map_no_internet")), "school_name", ["_what"]),
            hovertemplate=_hover([t("map_internet")])))
    every = pd.concat([points[["latitude", "longitude"]], schools[["latitude", "longitude"]]])
    return _finish(fig, every["latitude"], every["longitude"], t("map_coverage_title"))


def district_map(waiting: pd.DataFrame, centres: pd.DataFrame) -> go.Figure | None:
    """One circle per district at its centre, its area proportional to the students waiting (`waiting`:
    district_code, district_name, students_remaining); None when no district has a point."""
    at = located(centres[["district_code", "latitude", "longitude"]].merge(waiting, on="district_code"))
    if at.empty:
        return None
    top = max(int(at["students_remaining"].max()), 1)
    at = at.assign(_waiting=at["students_remaining"].map(number))
    fig = go.Figure(go.Scattermap(
        lat=at["latitude"], lon=at["longitude"], mode="markers", name=t("remaining_students"),
        marker={"size": at["students_remaining"].astype(int).tolist(), "sizemode": "area",
                "sizeref": 2.0 * top / CIRCLE_MAX_PX ** 2, "sizemin": 4, "color": CIRCLE_COLOUR, "opacity": 0.6},
        customdata=_customdata(at, "district_name", ["_waiting"]),
        hovertemplate=_hover([t("remaining_students")])))
    fig.update_layout(showlegend=False)
    return _finish(fig, at["latitude"], at["longitude"], t("map_districts_title"))
