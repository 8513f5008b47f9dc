"""Built-in reference data shipped with the warehouse (SPEC §4.2: used when a source folder has
no `districts` file). Kept as a checked-in CSV so `refresh` never depends on a package's API."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def districts_csv_path() -> Path:
    """The 705 district-level units of the 63 provinces (2021–2023), canonical `districts` headers."""
    return _HERE / "districts.csv"


def communes_csv_path() -> Path:
    """Commune-level units (xã, phường, thị trấn) with their district: names for the demo generator."""
    return _HERE / "communes.csv"


def district_centres_csv_path() -> Path:
    """A point per district of districts.csv (latitude, longitude): where Theo địa bàn's map draws it."""
    return _HERE / "district_centres.csv"
