"""The demo-data generator and the built-in district reference it relies on.

The demo folder is what `make demo` shows to leaders, so it must be deterministic (one seed, one
set of bytes), in the canonical input format of `ingest/contract.py`, the right size, and it must
load through the real ingest with only its planted rows rejected.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.contract import CONTRACT, kind_of_file
from ingest.load import load_folder
from ingest.reference import district_centres_csv_path, districts_csv_path
from warehouse.demo import generate

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

DAK_LAK = {str(code) for code in range(643, 658)}
RANGES = {"schools": (100, 300), "survey": (50_000, 70_000), "donations": (800, 1_200),
          "handovers": (12_000, 18_000), "coverage": (80, 120)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate(out, scale="province", seed=1)


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def _kind_frame(folder: Path, kind: str) -> pl.DataFrame:
    return pl.concat([_read(p) for p in sorted(folder.glob("*.csv")) if kind_of_file(p.name) == kind])


def test_same_seed_gives_identical_bytes(demo: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    first, counts = demo
    again = generate(tmp_path / "again", seed=1)
    assert again == counts
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "again").iterdir())
    for name in names:
        assert (first / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_another_seed_gives_other_data(demo: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    first, _ = demo
    generate(tmp_path, seed=2)
    assert (first / "survey_2022-H1_643.csv").read_bytes() != (tmp_path / "survey_2022-H1_643.csv").read_bytes()


def test_row_counts_in_range(demo: tuple[Path, dict[str, int]]) -> None:
    folder, counts = demo
    assert set(counts) == set(RANGES)
    for kind, (low, high) in RANGES.items():
        assert low <= counts[kind] <= high, (kind, counts[kind])
        assert _kind_frame(folder, kind).height == counts[kind]


def test_files_and_headers_follow_the_contract(demo: tuple[Path, dict[str, int]]) -> None:
    folder, _ = demo
    names = sorted(p.name for p in folder.iterdir())
    assert not [n for n in names if kind_of_file(n) == "districts"], "the built-in reference is used instead"
    assert {"schools.csv", "coverage.csv", "donations_2021.csv", "donations_2022.csv", "donations_2023.csv",
            "donations_2023_dieu_chinh.csv", "handovers_2021.csv", "handovers_2022.csv",
            "handovers_2023.csv"} <= set(names)
    survey = [n for n in names if n.startswith("survey_")]
    assert len(survey) == 4 * 15
    assert {n.removesuffix(".csv").split("_")[2] for n in survey} == DAK_LAK
    assert {n.split("_")[1] for n in survey} == {"2021-H2", "2022-H1", "2022-H2", "2023-H1"}
    for name in names:
        raw = (folder / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw, name
        text = raw.decode("utf-8")
        assert text == unicodedata.normalize("NFC", text), name
        header = next(csv.reader([text.split("\n", 1)[0]]))
        assert header == [c.name for c in CONTRACT[kind_of_file(name)].columns], name


def test_every_code_is_used(demo: tuple[Path, dict[str, int]]) -> None:
    folder, _ = demo
    schools = _read(folder / "schools.csv")
    assert set(CONTRACT["schools"].column("school_type").enum.codes) <= set(schools["school_type"])
    assert set(schools["district_code"]) == DAK_LAK
    assert schools["school_code"].str.contains(r"^66(6[4-5]\d)\d{3}$").sum() == schools.height
    assert schools["has_internet"].is_in(["true", "false"]).all()
    donations = _kind_frame(folder, "donations")
    for col in ("donor_type", "form", "status", "device_type", "condition"):
        assert set(CONTRACT["donations"].column(col).enum.codes) <= set(donations[col].drop_nulls()), col
    survey = _kind_frame(folder, "survey")
    assert set(CONTRACT["survey"].column("household_status").enum.codes) <= set(survey["household_status"])
    coverage = _read(folder / "coverage.csv")
    assert {"viettel", "vnpt", "mobifone"} <= set(coverage["operator"].drop_nulls())
    assert set(CONTRACT["coverage"].column("status").enum.codes) == set(coverage["status"].drop_nulls()) - {"tam_dung"}


def test_shares_look_like_the_program(demo: tuple[Path, dict[str, int]]) -> None:
    folder, _ = demo
    survey = _kind_frame(folder, "survey")
    ids = survey["student_id"]
    assert .75 <= ids.str.starts_with("066").fill_null(False).mean() <= .85
    assert ids.drop_nulls().str.contains(r"^\d{12}$").all()
    shares = survey["household_status"].value_counts(normalize=True)
    share = dict(zip(shares["household_status"], shares["proportion"], strict=True))
    for code, target in {"ngheo": .26, "can_ngheo": .21, "kho_khan_covid": .45, "khac": .08}.items():
        assert abs(share[code] - target) < .04, (code, share[code])
    assert (survey["has_device"] == "false").mean() > .5
    assert .3 <= (survey["has_internet"] == "false").mean() <= .5
    handovers = _kind_frame(folder, "handovers")
    assert handovers["record_no"].str.contains(r"^BB-6[45]\d-\d{4}$").all()
    assert .2 <= (handovers["includes_connectivity"] == "true").mean() <= .4


def test_loads_through_ingest_with_only_planted_rejections(demo: tuple[Path, dict[str, int]]) -> None:
    folder, counts = demo
    con = duckdb.connect()
    report = load_folder(con, folder, progress=lambda _: None)
    rejected = sum(report.rejected.values())
    assert .002 <= rejected / sum(counts.values()) <= .01
    reasons = {(kind, col) for kind, col in con.execute(
        "SELECT DISTINCT kind, column_name FROM dq.rejected_rows").fetchall()}
    assert {("survey", "date_of_birth"), ("survey", "grade"), ("survey", "school_code"), ("survey", "full_name"),
            ("survey", "household_status"), ("donations", "quantity"), ("handovers", "school_code")} <= reasons
    # every handover names a received, device donation dated no later than the handover (planted typos aside)
    late = con.execute("""SELECT count(*) FROM raw.handovers h JOIN raw.donations d USING (donation_id)
                          WHERE d.form <> 'thiet_bi' OR d.status <> 'da_nhan' OR h.handed_on < d.received_on
                          """).fetchall()[0][0]
    assert late == 0
    unknown = con.execute("""SELECT count(DISTINCT handover_id) FROM raw.handovers WHERE donation_id NOT IN
                             (SELECT donation_id FROM raw.donations)""").fetchall()[0][0]
    assert 1 <= unknown <= 10


# --- national scale (at 1% of its row counts: the same code, the same files, fast) ------------------

NATIONAL_ROUNDS = ("2021-H1", "2021-H2", "2022-H1", "2022-H2", "2023-H1")
# the published 2021 figures: 2.215.863 students in need, 570.051 poor, 467.314 near-poor, the rest other
PUBLISHED_2021 = {"ngheo": 570_051 / 2_215_863, "can_ngheo": 467_314 / 2_215_863,
                  "other": 1_178_498 / 2_215_863}


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("national")
    return out, generate(out, scale="national", seed=1, fraction=0.01)


def _provinces() -> list[str]:
    return sorted(set(pl.read_csv(districts_csv_path(), infer_schema=False)["province_code"]))


def test_national_same_seed_gives_identical_bytes(national: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    first, counts = national
    assert generate(tmp_path, scale="national", seed=1, fraction=0.01) == counts
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_national_files_per_province(national: tuple[Path, dict[str, int]]) -> None:
    folder, _ = national
    provinces = _provinces()
    assert len(provinces) == 63
    names = sorted(p.name for p in folder.iterdir())
    assert {f"survey_{r}_{p}.csv" for r in NATIONAL_ROUNDS for p in provinces} == {
        n for n in names if n.startswith("survey_")}  # 315 files
    assert {f"schools_{p}.csv" for p in provinces} == {n for n in names if n.startswith("schools")}
    for kind in ("donations", "handovers"):  # at 1% a small city may have no handover yet
        per_province = {n.split("_")[1] for n in names if n.startswith(kind)}
        assert per_province <= set(provinces) and len(per_province) >= 60, kind
        assert all(re.fullmatch(rf"{kind}_\d\d_202[123](_dieu_chinh)?\.csv", n) for n in names if n.startswith(kind))
    assert all(kind_of_file(n) for n in names)
    # every file holds its own province's rows
    for name in names:
        frame = _read(folder / name)
        parts = name.removesuffix(".csv").split("_")
        prov = parts[2] if name.startswith("survey_") else parts[1]  # survey_2021-H1_66, handovers_66_2022
        assert frame.height, name
        kind = kind_of_file(name)
        if kind in ("schools", "survey", "handovers"):
            assert frame["school_code"].str.starts_with(prov).all(), name
        elif kind == "donations":
            assert frame["donation_id"].str.starts_with(f"UH-{prov}-").all(), name
        header = next(csv.reader([(folder / name).read_text(encoding="utf-8").split("\n", 1)[0]]))
        assert header == [c.name for c in CONTRACT[kind].columns], name


def test_national_every_province_and_district(national: tuple[Path, dict[str, int]]) -> None:
    folder, counts = national
    ref = pl.read_csv(districts_csv_path(), infer_schema=False)
    schools = _kind_frame(folder, "schools")
    assert set(schools["district_code"]) == set(ref["district_code"]) - {"498"}  # Hoàng Sa: nobody lives there
    assert schools["school_code"].str.slice(0, 2).n_unique() == 63
    survey = _kind_frame(folder, "survey")
    assert survey["school_code"].str.slice(0, 2).n_unique() == 63
    assert set(survey["survey_round"]) == set(NATIONAL_ROUNDS)
    # 1% of ~45.000 schools (at least 8 a district), 3.100.000 survey rows, 500.000 handovers,
    # 100.000 donations, 2.000 coverage points
    for kind, (low, high) in {"schools": (5_600, 6_000), "survey": (29_000, 33_000), "handovers": (4_300, 5_300),
                              "donations": (950, 1_100), "coverage": (20, 26)}.items():
        assert low <= counts[kind] <= high, (kind, counts[kind])


def test_national_proportions(national: tuple[Path, dict[str, int]]) -> None:
    folder, _ = national
    survey = _kind_frame(folder, "survey")
    y2021 = survey.filter(pl.col("survey_round").str.starts_with("2021"))["household_status"]
    share = {"ngheo": (y2021 == "ngheo").mean(), "can_ngheo": (y2021 == "can_ngheo").mean(),
             "other": y2021.is_in(["kho_khan_covid", "khac"]).mean()}
    for key, target in PUBLISHED_2021.items():
        assert abs(share[key] - target) < .015, (key, share[key], target)
    assert (survey["has_device"] == "false").mean() > .5
    ids = survey["student_id"].drop_nulls()
    assert ids.str.contains(r"^0\d{11}$").all()
    # one ID, one child (IDs are drawn distinct nationally): never two birth dates for one ID
    valid = survey.filter(pl.col("student_id").is_not_null() & pl.col("date_of_birth").str.contains(r"^\d{4}-"))
    assert valid.group_by("student_id").agg(pl.col("date_of_birth").n_unique())["date_of_birth"].max() == 1
    # minority names as written in their region
    names = survey.with_columns(pl.col("school_code").str.slice(0, 2).alias("p"))
    assert names.filter(pl.col("p") == "02")["full_name"].str.contains(r"^(Giàng|Vàng|Sùng|Thào) ").any()
    assert names.filter(pl.col("p") == "94")["full_name"].str.starts_with("Thạch ").any()


def test_national_loads_with_every_planted_problem(national: tuple[Path, dict[str, int]]) -> None:
    folder, counts = national
    con = duckdb.connect()
    report = load_folder(con, folder, progress=lambda _: None)
    assert .002 <= sum(report.rejected.values()) / sum(counts.values()) <= .01
    late = con.execute("""SELECT count(*) FROM raw.handovers h JOIN raw.donations d USING (donation_id)
                          WHERE d.form <> 'thiet_bi' OR d.status <> 'da_nhan' OR h.handed_on < d.received_on
                          """).fetchall()[0][0]
    assert late == 0
    # handovers name their own province's donations (the planted mistypes and the reserve aside)
    foreign = con.execute("""SELECT count(*) FROM raw.handovers h JOIN raw.donations d USING (donation_id)
                             WHERE substr(h.school_code, 1, 2) <> substr(d.donation_id, 4, 2)""").fetchall()[0][0]
    assert foreign <= 60
    # the corrections file of a province sorts after its other donation files, so its rows win
    names = sorted(p.name for p in folder.iterdir() if p.name.startswith("donations_"))
    for name in (n for n in names if n.endswith("_dieu_chinh.csv")):
        own = [n for n in names if n.startswith(name[:len("donations_66_")])]
        assert own[-1] == name, own


def _points_near_their_district(frame: pl.DataFrame) -> None:
    """Coordinates around the district's shipped centre (at most 0,15° away on each axis: POINT_MAX), a few rows
    (POINTS_MISSING, 3 %) without, never one half of a pair."""
    centres = pl.read_csv(district_centres_csv_path(), schema_overrides={"district_code": pl.String})
    at = frame.join(centres.rename({"latitude": "c_lat", "longitude": "c_lon"}), on="district_code", how="left")
    assert (at["latitude"].is_null() == at["longitude"].is_null()).all()
    located = at.filter(pl.col("latitude").is_not_null())
    assert .93 <= located.height / at.height < 1
    for axis, centre in (("latitude", "c_lat"), ("longitude", "c_lon")):
        assert (located[axis].cast(pl.Float64) - located[centre]).abs().max() <= .15 + 1e-5, axis  # 5 decimals
    assert located["latitude"].str.contains(r"^\d+\.\d{5}$").all()


def test_points_around_the_district_centre(demo: tuple[Path, dict[str, int]]) -> None:
    folder, _ = demo
    for kind in ("schools", "coverage"):
        _points_near_their_district(_kind_frame(folder, kind))


def test_national_points_around_the_district_centre(national: tuple[Path, dict[str, int]]) -> None:
    folder, _ = national
    for kind in ("schools", "coverage"):
        _points_near_their_district(_kind_frame(folder, kind))


def test_fraction_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, scale="national", fraction=0)
    with pytest.raises(ValueError):
        generate(tmp_path, scale="county")


def test_builtin_district_reference() -> None:
    ref = pl.read_csv(districts_csv_path(), infer_schema=False)
    assert ref.columns == [c.name for c in CONTRACT["districts"].columns]
    assert ref.height == 705 and ref["district_code"].n_unique() == 705
    assert ref["province_code"].n_unique() == 63
    assert ref.filter(pl.col("province_code") == "66")["district_code"].to_list() == sorted(DAK_LAK)
    assert ref.filter(pl.col("district_code") == "001")["district_name"].item() == "Quận Ba Đình"
    assert ref.filter(pl.col("district_code") == "859")["district_name"].item() == "Huyện Vũng Liêm"
    for col in ref.columns:
        values = ref[col].to_list()
        assert all(v == " ".join(unicodedata.normalize("NFC", v).split()) for v in values), col
