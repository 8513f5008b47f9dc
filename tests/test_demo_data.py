"""The demo-data generator and the built-in district reference it relies on.

The demo folder is what `make demo` shows to leaders, so it must be deterministic (one seed, one
set of bytes), in the canonical input format of `ingest/contract.py`, the right size, and it must
load through the real ingest with only its planted rows rejected.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.contract import CONTRACT, kind_of_file
from ingest.load import load_folder
from warehouse.demo_data import generate
from warehouse.reference import districts_csv_path

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


def test_national_scale_is_not_there_yet(tmp_path: Path) -> None:
    with pytest.raises(NotImplementedError):
        generate(tmp_path, scale="national")


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
