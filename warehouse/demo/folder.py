"""The entry point: `generate` draws every part in a fixed order and writes the source folder (CSV files
named as the provinces send them, canonical columns in contract order).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl

from ingest.contract import CONTRACT
from warehouse.demo.donations import donation_files, make_donations
from warehouse.demo.handovers import allocate, apply_outcomes, handover_files
from warehouse.demo.places import (
    coverage_frame,
    make_communes,
    make_coverage,
    make_districts,
    make_schools,
    schools_frame,
    with_points,
)
from warehouse.demo.settings import scale_of
from warehouse.demo.survey import make_children, make_listing, plant_survey, survey_frame

OWN_FILES = re.compile(r"^(schools(_\d{2})?|coverage(_\d{2})?|survey_\d{4}-H[12]_\d+"
                       r"|donations_(\d{2}_)?\d{4}(_dieu_chinh)?|handovers_(\d{2}_)?\d{4})\.csv$")


def generate(out_dir: Path, scale: str = "province", seed: int = 1, fraction: float = 1.0) -> dict[str, int]:
    """Write the demo source folder into `out_dir`; returns the rows written per kind.

    `scale` "province" is Đắk Lắk (one file per district and round); "national" is every province
    (one survey file per province and round, the other kinds per province and year, as the provinces
    send them). `fraction` scales the row counts down (benchmarks, tests); the districts stay.

    Files this generator writes that are already in `out_dir` are replaced (and stale ones of its
    own naming removed, since `refresh` treats the folder as the whole current state); any other
    file is left alone. No districts file is written: the built-in reference is the point.
    """
    sc = scale_of(scale, fraction)
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.iterdir():
        if old.is_file() and OWN_FILES.match(old.name):
            old.unlink()

    districts = make_districts(sc)
    communes = make_communes(districts, sc)
    schools = make_schools(districts, communes, sc, rng)
    kids = make_children(districts, schools, sc, rng)
    rows = make_listing(kids, schools, districts, sc, rng)
    donations, units = make_donations(districts, kids, sc, rng)
    alloc = allocate(kids, rows, units, districts, schools, sc, rng)
    rows = apply_outcomes(rows, kids, alloc, sc, rng)
    people = pl.concat([kids, alloc.ghosts], how="diagonal")
    survey = plant_survey(survey_frame(rows, kids, schools, sc), schools, alloc.hand["c"], sc, rng)
    coverage = make_coverage(districts, communes, sc, rng)

    files: list[tuple[str, str, pl.DataFrame]] = []
    school_list = with_points(schools_frame(schools), seed, 1)
    if sc.national:  # one list per province and round (year) as the Sở GDĐT send them
        files += [("schools", f"schools_{prov}.csv", part) for (prov,), part in sorted(
            school_list.partition_by("province_code", as_dict=True, maintain_order=True).items())]
        files += [("survey", f"survey_{rnd}_{prov}.csv", part.drop("_province")) for (rnd, prov), part in sorted(
            survey.partition_by(["survey_round", "_province"], as_dict=True, maintain_order=True).items())]
    else:  # the province: one list per district and round
        files.append(("schools", "schools.csv", school_list))
        files += [("survey", f"survey_{rnd}_{dist}.csv", part) for (rnd, dist), part in sorted(
            survey.partition_by(["survey_round", "_district"], as_dict=True, maintain_order=True).items())]
    files += [("donations", name, part) for name, part in donation_files(donations, sc, rng)]
    files += [("handovers", name, part)
              for name, part in handover_files(alloc.hand, people, schools, districts, sc, rng)]
    cov = with_points(coverage_frame(coverage, rng), seed, 2)
    if sc.national:
        cov = cov.with_columns(pl.col("district_code").replace_strict(
            districts["district_code"], districts["province_code"]).alias("_province"))
        files += [("coverage", f"coverage_{prov}.csv", part) for (prov,), part in sorted(
            cov.partition_by("_province", as_dict=True, maintain_order=True).items())]
    else:
        files.append(("coverage", "coverage.csv", cov))
    counts = dict.fromkeys(("schools", "survey", "donations", "handovers", "coverage"), 0)
    for kind, name, frame in files:
        counts[kind] += _write(frame, kind, out_dir / name)
    return counts


def _write(frame: pl.DataFrame, kind: str, path: Path) -> int:
    """Canonical columns in contract order, every value as text, empty for missing, LF endings."""
    cols = [c.name for c in CONTRACT[kind].columns]
    out = frame.select([pl.col(c).cast(pl.String) if c in frame.columns else pl.lit(None, pl.String).alias(c)
                        for c in cols])
    out.write_csv(path, null_value="", line_terminator="\n")
    return out.height
