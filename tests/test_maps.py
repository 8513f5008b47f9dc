"""Issue 23 point 4, maps: coordinates in the input contract, their rules, the district centres, and the points the
maps of Phủ sóng and Theo địa bàn receive — on the fixture province (tests/fixtures/province, as of 2023-01-15).

Hand count of the fixture's points (tests/fixtures/province/schools.csv, coverage.csv):
  schools   TH01 643 has Internet 12.67/108.04 · THCS01 643 none · THPT01 652 NO Internet "12,7100"/"108,7500"
            (decimal commas) · LC01 644 NO Internet 48.8566/2.3522 (Paris: outside Vietnam → coordinates dropped,
            row kept, one dq.rejected_rows entry) · XX01 rejected already (district 999), its point plays no part.
  coverage  P1 652 covered 12.72/108.77 · P2 652 in progress 12.70/108.74 · P3 644 not started 12.86/108.26 ·
            P4 652 not started 12.69/108.79 · P5 rejected (covered without completed_on) · P6 rejected (999).
  Phủ sóng: covered 1 (P1), in progress 1 (P2), no signal 2 (P3, P4), schools without Internet 1 (THPT01; LC01 has
            no point left). A district officer of 652: 1, 1, 1 (P4), school 1 (THPT01); of 644: no signal 1 (P3).
  Theo địa bàn, students waiting (tests/test_marts_fixture.py::test_need_vs_supply): 643 B G1 H = 3, 644 F = 1,
            652 = 0; each at its centre of ingest/reference/district_centres.csv.
"""

from __future__ import annotations

import base64
import csv
import json
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
import yaml

from ingest.contract import CONTRACT, COORDINATES, VIETNAM_BOX, fold_key, header_map
from ingest.read import LINE
from ingest.reference import district_centres_csv_path, districts_csv_path
from ingest.validate import create_tables, load_kind
from tests.conftest import REPO, altered_copy, open_page, query

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

CENTRES = {"643": (12.666194, 108.038248), "644": (12.850047, 108.25418), "652": (12.716559, 108.760096)}
OUTSIDE = ("Tọa độ ngoài Việt Nam (vĩ độ 8,0–23,5, kinh độ 102,0–110,0): bỏ tọa độ, vẫn nạp dòng — coordinates "
           "outside Vietnam (latitude 8.0–23.5, longitude 102.0–110.0): coordinates dropped, row kept")


# --- the contract and its rules -------------------------------------------------------------------

def test_contract_has_optional_coordinates_with_vietnamese_headers() -> None:
    for kind in ("schools", "coverage"):
        headers = header_map(CONTRACT[kind])
        for written, name in (("Vĩ độ", "latitude"), ("vĩ độ", "latitude"), ("lat", "latitude"),
                              ("vi_do", "latitude"), ("Kinh độ", "longitude"), ("kinh độ", "longitude"),
                              ("lon", "longitude"), ("kinh_do", "longitude")):
            assert headers[fold_key(written)] == name, (kind, written)
        for name in COORDINATES:
            column = CONTRACT[kind].column(name)
            assert (column.type, column.required, column.keeps_row) == ("decimal", False, True)
            assert (column.min, column.max) == VIETNAM_BOX[name]
    # dbt's copies of the contract's constants (program_kpis, tests/assert_coordinates_in_vietnam.sql)
    dbt_vars = yaml.safe_load((REPO / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    assert tuple(dbt_vars["kept_row_columns"]) == COORDINATES
    assert {k: tuple(v) for k, v in dbt_vars["vietnam_box"].items()} == VIETNAM_BOX
    assert "| latitude | decimal | no | Vĩ độ, lat, vi_do" in (REPO / "docs" / "input-format.md").read_text()


def _load_schools(rows: list[tuple[str, ...]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_tables(con)
    con.execute("INSERT INTO raw.districts VALUES ('643', 'Thành phố Buôn Ma Thuột', '66', 'Tỉnh Đắk Lắk', FALSE, "
                "'districts.csv', 2, 1)")
    frame = pl.DataFrame(rows, schema=["school_code", "school_name", "district_code", "school_type", "has_internet",
                                       "latitude", "longitude"], orient="row")
    frame = frame.with_columns(pl.lit("schools.csv").alias("source_file"), pl.lit(1).alias("file_rank"),
                               pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE))
    assert load_kind(con, "schools", frame) == (7, 1)  # S8 alone is a rejected row
    return con


def test_coordinate_rules_keep_the_row() -> None:
    """Written by hand: every way a pair can be broken; the row loads (coordinates blank) and one entry names the
    file, line, column and reason; a row rejected for another reason keeps only its own entry."""
    con = _load_schools([
        ("S1", "A", "643", "TH", "1", "12.6662", "108,0382"),  # line 2: dot and decimal comma
        ("S2", "B", "643", "TH", "0", None, None),             # line 3: no point, fine
        ("S3", "C", "643", "TH", "0", "48.85", "2.35"),        # line 4: Paris
        ("S4", "D", "643", "TH", "0", "12°40'", "108"),        # line 5: not a decimal
        ("S5", "E", "643", "TH", "0", "12.5", None),           # line 6: half a pair
        ("S6", "F", "643", "TH", "0", "23.6", "105"),          # line 7: north of the box (China)
        ("S7", "G", "643", "TH", "0", "-12.5", "108"),         # line 8: a sign slip
        ("S8", "H", "999", "TH", "0", "99", "99"),             # line 9: unknown district, rejected on that
    ])
    assert con.execute("SELECT school_code, latitude, longitude FROM raw.schools ORDER BY 1").fetchall() == [
        ("S1", 12.6662, 108.0382), ("S2", None, None), ("S3", None, None), ("S4", None, None), ("S5", None, None),
        ("S6", None, None), ("S7", None, None)]
    rows = con.execute("SELECT source_file, source_line, column_name, value, reason_code FROM dq.rejected_rows "
                       "ORDER BY source_line").fetchall()
    assert rows == [
        ("schools.csv", 4, "latitude", "48.85", "out_of_range"),
        ("schools.csv", 5, "latitude", "12°40'", "unparsable"),
        ("schools.csv", 6, "longitude", None, "missing"),
        ("schools.csv", 7, "latitude", "23.6", "out_of_range"),
        ("schools.csv", 8, "latitude", "-12.5", "out_of_range"),
        ("schools.csv", 9, "district_code", "999", "unknown_reference"),
    ]
    reasons = dict(con.execute("SELECT source_line, reason FROM dq.rejected_rows").fetchall())
    assert reasons[4] == OUTSIDE
    assert reasons[6].startswith("Thiếu vĩ độ hoặc kinh độ (cần cả hai): bỏ tọa độ, vẫn nạp dòng — ")


def test_fixture_point_outside_vietnam(fixture_db: Path) -> None:
    """LC01 (schools.csv line 5) is in Paris: its row is loaded, its coordinates dropped, one entry listed; the
    rejected-row count stays 13 (tests/test_marts_fixture.py): a dropped pair is not a rejected row."""
    assert query(fixture_db, "SELECT kind, source_file, source_line, column_name, value, reason, reason_code "
                             "FROM dq.rejected_rows WHERE column_name IN ('latitude', 'longitude')") == [
        ("schools", "schools.csv", 5, "latitude", "48.8566", OUTSIDE, "out_of_range")]
    assert query(fixture_db, "SELECT school_code, has_internet, latitude, longitude FROM reporting.schools "
                             "ORDER BY 1") == [
        ("LC01", False, None, None), ("TH01", True, 12.67, 108.04), ("THCS01", True, None, None),
        ("THPT01", False, 12.71, 108.75)]
    assert query(fixture_db, "SELECT count(*) FROM dq.rejected_rows") == [(14,)]  # 13 rejected rows + LC01's pair
    assert query(fixture_db, "SELECT source_line, column_name FROM reporting.rejected_rows WHERE row_kept") == [
        (5, "latitude")]
    assert query(fixture_db, "SELECT rejected_row_count, schools_total FROM marts.program_kpis") == [(13, 4)]
    assert query(fixture_db, "SELECT point_id, latitude, longitude FROM reporting.coverage_points ORDER BY 1") == [
        ("P1", 12.72, 108.77), ("P2", 12.70, 108.74), ("P3", 12.86, 108.26), ("P4", 12.69, 108.79)]


# --- district centres -----------------------------------------------------------------------------

def test_shipped_centres_cover_every_district_inside_vietnam() -> None:
    with districts_csv_path().open(encoding="utf-8") as fh:
        codes = [row["district_code"] for row in csv.DictReader(fh)]
    with district_centres_csv_path().open(encoding="utf-8") as fh:
        centres = list(csv.DictReader(fh))
    assert [row["district_code"] for row in centres] == codes  # 705, same order
    (lat_lo, lat_hi), (lon_lo, lon_hi) = VIETNAM_BOX["latitude"], VIETNAM_BOX["longitude"]
    assert all(lat_lo <= float(r["latitude"]) <= lat_hi and lon_lo <= float(r["longitude"]) <= lon_hi
               for r in centres)
    methods = [r["method"] for r in centres]
    assert (methods.count("district"), methods.count("communes")) == (694, 11)  # see ingest/reference/README.md
    dak_lak = {r["district_code"]: (float(r["latitude"]), float(r["longitude"])) for r in centres
               if 643 <= int(r["district_code"]) <= 657}
    assert len(dak_lak) == 15 and {k: dak_lak[k] for k in CENTRES} == CENTRES


def test_reporting_district_centres(fixture_db: Path) -> None:
    assert query(fixture_db, "SELECT district_code, latitude, longitude, centre_source FROM reporting.district_centres "
                             "ORDER BY 1") == [(code, *point, "reference") for code, point in CENTRES.items()]


CENTRE_FOLDER = {
    "districts.csv": "district_code,district_name,province_code,province_name\n"
                     "643,Thành phố Buôn Ma Thuột,66,Tỉnh Đắk Lắk\nX1,Huyện Một,66,Tỉnh Đắk Lắk\n"
                     "X2,Huyện Hai,66,Tỉnh Đắk Lắk\nY1,Huyện Ba,99,Tỉnh Thử\n",
    "schools.csv": "school_code,school_name,district_code,school_type,has_internet,vĩ độ,kinh độ\n"
                   "A,Trường A,X1,thcs,true,12.0,108.0\nB,Trường B,X1,thcs,false,12.2,108.4\n"
                   "C,Trường C,X2,thcs,true,,\nD,Trường D,Y1,thcs,true,,\n",
}


def test_centre_of_a_district_the_reference_does_not_know(tmp_path: Path) -> None:
    """A province's own districts file: 643 takes the shipped point; X1 the mean of its schools (12,0 + 12,2) / 2 =
    12,1 and (108,0 + 108,4) / 2 = 108,2; X2 (no point) its province's mean, (12,666194 + 12,1) / 2 = 12,383097 and
    (108,038248 + 108,2) / 2 = 108,119124; Y1, alone in its province without a point, none."""
    from warehouse.refresh import refresh

    source = tmp_path / "source"
    source.mkdir()
    for name, text in CENTRE_FOLDER.items():
        (source / name).write_text(text, encoding="utf-8")
    db = tmp_path / "centres.duckdb"
    refresh(source, db, __import__("datetime").date(2023, 1, 15))
    rows = query(db, "SELECT district_code, round(latitude, 6), round(longitude, 6), centre_source "
                     "FROM reporting.district_centres ORDER BY 1")
    assert rows == [("643", *CENTRES["643"], "reference"), ("X1", 12.1, 108.2, "data"),
                    ("X2", 12.383097, 108.119124, "province"), ("Y1", None, None, None)]


# --- the maps the pages draw ----------------------------------------------------------------------

def _values(value: object) -> list:
    """A Plotly array as JSON gives it: a list, or numpy bytes (`{"dtype", "bdata"}`)."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value) if isinstance(value, list | tuple) else [value]


def _map(at) -> dict:
    maps = [spec for spec in (json.loads(chart.proto.spec) for chart in at.get("plotly_chart"))
            if spec["data"] and spec["data"][0]["type"] == "scattermap"]
    assert len(maps) == 1, len(maps)
    layout = maps[0]["layout"]["map"]
    assert layout["style"] == "white-bg"  # drawn without a tile server …
    assert layout["layers"] == [{"below": "traces", "source": ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"],
                                 "sourceattribution": "© OpenStreetMap contributors", "sourcetype": "raster"}]
    return maps[0]


def _points(at) -> dict[str, list[tuple[float, float, str]]]:
    """Trace name → (latitude, longitude, name in the hover) of each point."""
    return {trace["name"]: [(round(la, 6), round(lo, 6), data[0]) for la, lo, data in
                            zip(_values(trace["lat"]), _values(trace["lon"]), trace["customdata"], strict=True)]
            for trace in _map(at)["data"]}


@pytest.fixture(autouse=True)
def _warehouse(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    monkeypatch.setenv("SVMT_DB", str(fixture_db))


def test_coverage_map_points_by_status() -> None:
    at = open_page("phu_song", "phan_tich")
    assert _points(at) == {
        "Đã phủ sóng": [(12.72, 108.77, "Thôn 1")],
        "Đang triển khai": [(12.70, 108.74, "Buôn Ea Kmar")],
        "Chưa có sóng": [(12.86, 108.26, "Thôn 5"), (12.69, 108.79, "Bản X")],
        "Trường chưa có Internet": [(12.71, 108.75, "Trường THPT Krông Bông")],
    }
    first = _map(at)["data"][0]
    assert first["customdata"] == [["Thôn 1", "Xã Ea Trang, Huyện Krông Bông", "Đã phủ sóng", "12"]]
    assert first["hovertemplate"] == ("<b>%{customdata[0]}</b><br>Nơi: %{customdata[1]}<br>Trạng thái: "
                                      "%{customdata[2]}<br>Số học sinh: %{customdata[3]}<extra></extra>")


def test_coverage_map_of_a_district_officer() -> None:
    at = open_page("phu_song", "lanh_dao", districts=["652"])
    assert {name: len(points) for name, points in _points(at).items()} == {
        "Đã phủ sóng": 1, "Đang triển khai": 1, "Chưa có sóng": 1, "Trường chưa có Internet": 1}
    assert _points(open_page("phu_song", "lanh_dao", districts=["644"])) == {
        "Chưa có sóng": [(12.86, 108.26, "Thôn 5")]}  # LC01 lost its point: no school marker


def test_district_map_sizes_are_students_waiting() -> None:
    at = open_page("dia_ban", "lanh_dao", lang="en")
    (trace,) = _map(at)["data"]
    assert trace["name"] == "Students waiting"
    assert _values(trace["marker"]["size"]) == [3, 1, 0]
    assert [(round(la, 6), round(lo, 6)) for la, lo in zip(_values(trace["lat"]), _values(trace["lon"]),
                                                            strict=True)] == list(CENTRES.values())
    assert trace["customdata"] == [["Thành phố Buôn Ma Thuột", "3"], ["Thị xã Buôn Hồ", "1"],
                                   ["Huyện Krông Bông", "0"]]
    assert trace["hovertemplate"] == "<b>%{customdata[0]}</b><br>Students waiting: %{customdata[1]}<extra></extra>"


def test_no_map_without_coordinates(fixture_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A province whose files carry no coordinates, and districts without a centre: a sentence, not an error."""
    db = altered_copy(fixture_db, tmp_path / "no_points.duckdb",
                      "UPDATE marts.coverage_points SET latitude = NULL, longitude = NULL",
                      "UPDATE intermediate.int_schools SET latitude = NULL, longitude = NULL",
                      "UPDATE intermediate.int_district_centres SET latitude = NULL, longitude = NULL")
    monkeypatch.setenv("SVMT_DB", str(db))
    for page, sentence in (("phu_song", "Chưa có tọa độ (vĩ độ, kinh độ) trong dữ liệu nên chưa vẽ được bản đồ."),
                           ("dia_ban", "Chưa có điểm trung tâm của các địa bàn nên chưa vẽ được bản đồ.")):
        at = open_page(page, "phan_tich")
        assert sentence in [c.value for c in at.caption], page
        assert not [c for c in at.get("plotly_chart") if '"scattermap"' in c.proto.spec], page
