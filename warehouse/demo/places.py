"""Where the program works: the districts and communes of the built-in reference with their profile,
the schools, and the operators' coverage-gap points.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ingest.contract import CONTRACT
from ingest.reference import communes_csv_path, district_centres_csv_path, districts_csv_path
from warehouse.demo.names import (
    CENTRAL_HAMLETS,
    HAMLET_KINH,
    HAMLET_WORDS,
    KHMER_HAMLETS,
    NAME_STYLE_BY_CODE,
    NORTH_HAMLETS,
    SCHOOL_PEOPLE,
    lower_prefix,
    short_name,
)
from warehouse.demo.randoms import pick, pick_in_groups
from warehouse.demo.settings import (
    COVERAGE_STATUS,
    DAK_LAK,
    DATA_END,
    NO_SCHOOLS,
    OPERATORS,
    PROVINCE_PROFILE,
    SCHOOL_TYPES,
    TECHNOLOGIES,
    TERTIARY,
    Scale,
    weights_of,
)

# reference: districts, communes

def make_districts(sc: Scale) -> pl.DataFrame:
    """The districts of the scale's provinces with their profile (population, remoteness, ethnic share)."""
    ref = pl.read_csv(districts_csv_path(), infer_schema=False)
    if sc.provinces:
        ref = ref.filter(pl.col("province_code").is_in(sc.provinces))
    if sc.national:
        prof = _national_profile(ref)
    else:
        prof = pl.DataFrame({"district_code": list(DAK_LAK), "pop": [v[0] for v in DAK_LAK.values()],
                             "rem": [v[1] for v in DAK_LAK.values()], "ethnic": [v[2] for v in DAK_LAK.values()]},
                            schema_overrides={"pop": pl.Float64})
    out = ref.join(prof, on="district_code", how="inner" if sc.national else "left",
                   maintain_order="left").sort("district_code")
    if out["pop"].null_count():
        raise NotImplementedError("demo profiles exist for Đắk Lắk only")
    capital = (pl.col("district_code") == pl.col("district_code").min().over("province_code") if sc.national
               else pl.col("pop") == pl.col("pop").max().over("province_code"))  # the provincial city
    style = pl.lit(0)
    for last, code in reversed(NAME_STYLE_BY_CODE):
        style = pl.when(pl.col("province_code").cast(pl.Int32) <= last).then(code).otherwise(style)
    return out.with_columns(
        pl.int_range(pl.len()).alias("d"),
        pl.col("district_name").map_elements(short_name, return_dtype=pl.String).alias("short"),
        pl.col("district_name").map_elements(lower_prefix, return_dtype=pl.String).alias("lower"),
        pl.col("province_name").map_elements(short_name, return_dtype=pl.String).alias("pshort"),
        (pl.col("province_code").rank("dense") - 1).cast(pl.Int64).alias("p"),
        capital.alias("capital"),
        style.alias("style"),
        # how far supply lags behind need: the remote districts wait longest
        (pl.col("rem") ** 2).alias("lag"),
    )


def _national_profile(ref: pl.DataFrame) -> pl.DataFrame:
    """Population, remoteness and ethnic share of every inhabited district, drawn around its
    province's profile (PROVINCE_PROFILE; Đắk Lắk keeps its hand-made one). Drawn from a fixed
    generator, so the geography is the same for every seed."""
    rng = np.random.default_rng(20210913)  # the program's launch
    communes = pl.read_csv(communes_csv_path(), infer_schema=False).group_by("district_code").len("nc")
    ref = ref.filter(~pl.col("district_code").is_in(NO_SCHOOLS)).join(
        communes, on="district_code", how="left", maintain_order="left")
    n = ref.height
    name = ref["district_name"].to_numpy().astype(str)
    kind = np.select([np.strings.startswith(name, "Quận"), np.strings.startswith(name, "Thành phố"),
                      np.strings.startswith(name, "Thị xã")], [0, 1, 2], 3)
    base = np.array([PROVINCE_PROFILE[c] for c in ref["province_code"].to_list()])
    rem = np.clip(base[:, 0] * np.array([.1, .25, .55, 1.0])[kind] * rng.lognormal(0, .25, n), .02, .97)
    ethnic = np.clip(base[:, 1] * np.array([.3, .3, .6, 1.1])[kind] * rng.uniform(.6, 1.4, n), 0, .97)
    per_commune = np.array([14.0, 10.0, 8.0, 0.0])[kind] + np.where(kind == 3, 9 - 4 * rem, 0)
    pop = np.round(ref["nc"].fill_null(1).to_numpy() * per_commune * rng.lognormal(0, .15, n))
    prof = pl.DataFrame({"district_code": ref["district_code"], "pop": pop, "rem": rem, "ethnic": ethnic})
    dak_lak = pl.DataFrame({"district_code": list(DAK_LAK), "pop2": [float(v[0]) for v in DAK_LAK.values()],
                            "rem2": [v[1] for v in DAK_LAK.values()], "ethnic2": [v[2] for v in DAK_LAK.values()]})
    prof = prof.join(dak_lak, on="district_code", how="left", maintain_order="left")
    return prof.select("district_code", *[pl.coalesce(f"{c}2", c).alias(c) for c in ("pop", "rem", "ethnic")])


def make_communes(districts: pl.DataFrame, sc: Scale) -> pl.DataFrame:
    """Communes of the districts, with their name without prefix and an index within the district.

    Island districts without communes (Lý Sơn, Côn Đảo, Bạch Long Vĩ, Cồn Cỏ) get one named after them."""
    com = pl.read_csv(communes_csv_path(), infer_schema=False)
    if sc.national:
        bare = districts.filter(~pl.col("district_code").is_in(com["district_code"].implode()))
        com = pl.concat([com, bare.select(pl.concat_str(pl.col("district_code"), pl.lit("00")).alias("commune_code"),
                                          pl.concat_str(pl.lit("Xã "), pl.col("short")).alias("commune_name"),
                                          "district_code")])
    com = com.join(districts.select("district_code", "d"), on="district_code").sort("commune_code")
    short = pl.col("commune_name").str.replace(r"^(Xã|Phường|Thị trấn) ", "")
    return com.with_columns(short.alias("short"), pl.col("commune_name").str.starts_with("Xã ").alias("rural"),
                            pl.int_range(pl.len()).over("d").alias("ci"), pl.len().over("d").alias("nc"))



def make_schools(districts: pl.DataFrame, communes: pl.DataFrame, sc: Scale, rng: np.random.Generator) -> pl.DataFrame:
    """Schools per district: mostly primary / lower secondary, each district complete up to grade 12."""
    pop = districts["pop"].to_numpy()
    rem = districts["rem"].to_numpy()
    capital = districts["capital"].to_numpy()
    total = np.maximum(8, np.round(sc.schools * pop / pop.sum())).astype(int)
    n = {
        "thpt": np.maximum(1, np.round(total * .10)).astype(int),
        "lien_cap": np.round(total * (.01 + .10 * rem)).astype(int),
        "gdnn_gdtx": ((rng.random(rem.size) < .40) | capital).astype(int),
        "cao_dang_dai_hoc": np.where(capital, 2, 0),
    }
    rest = total - sum(n.values())
    n["thcs"] = np.maximum(2, np.round(rest * .42)).astype(int)
    n["tieu_hoc"] = np.maximum(3, rest - n["thcs"])
    types = np.array(SCHOOL_TYPES)
    counts = np.stack([n[t] for t in SCHOOL_TYPES], axis=1)  # district x type
    d = np.repeat(np.arange(rem.size), counts.sum(axis=1))
    t = types[np.concatenate([np.repeat(np.arange(types.size), row) for row in counts])]
    frame = pl.DataFrame({"d": d, "school_type": t, "_u": rng.random(d.size)}).sort(["d", "_u"])
    tertiary = pl.DataFrame([(code, *(t.replace("{p}", short) for t in TERTIARY.get(
        code, ("Trường Cao đẳng Sư phạm {p}", "Trường Cao đẳng Y tế {p}")))) for code, short in
        districts.select("province_code", "pshort").unique(maintain_order=True).iter_rows()],
        schema=["province_code", "_tert0", "_tert1"], orient="row")
    frame = frame.join(districts.select("d", "district_code", "province_code", "province_name", "district_name",
                                        "short", "lower", "rem", "capital"), on="d", how="left", maintain_order="left")
    frame = frame.join(tertiary, on="province_code", how="left", maintain_order="left")
    # spread schools over the district's communes; a school may be named after its commune
    frame = frame.with_columns(pl.int_range(pl.len()).over("d").alias("_k"),
                               pl.Series("_off", rng.integers(0, 10_000, frame.height)))
    n_communes = communes.select("d", "nc").unique("d", keep="first", maintain_order=True)
    frame = frame.join(n_communes, on="d", how="left", maintain_order="left").with_columns(
        ((pl.col("_k") * 7 + pl.col("_off").first().over("d")) % pl.col("nc")).alias("ci"))
    frame = frame.join(communes.select("d", "ci", "short", "rural").rename({"short": "commune"}),
                       on=["d", "ci"], how="left", maintain_order="left").sort(["d", "_u"])
    want = ((pl.col("school_type") == "lien_cap") | (
        pl.col("school_type").is_in(["tieu_hoc", "thcs"]) & pl.col("rural")
        & (pl.Series(rng.random(frame.height)) < .45))) & ~pl.col("commune").str.contains(r"^\d+$")
    frame = frame.with_columns(want.alias("_want"))
    frame = frame.with_columns((pl.col("_want") & (pl.int_range(pl.len()).over(["d", "school_type", "commune",
                                                                                  "_want"]) == 0)).alias("_by_commune"))
    people = np.array(SCHOOL_PEOPLE)[rng.permutation(len(SCHOOL_PEOPLE))]
    frame = frame.with_columns(
        pl.int_range(pl.len()).over(["d", "school_type", "_by_commune"]).alias("_pr"),
        pl.Series("_poff", rng.integers(0, len(people), frame.height)))
    frame = frame.with_columns(((pl.col("_pr") + pl.col("_poff").first().over(["d", "school_type"])) % len(people))
                               .alias("_pi"))
    person = pl.col("_pi").replace_strict(list(range(len(people))), list(people), return_dtype=pl.String)
    place = pl.when(pl.col("_by_commune")).then(pl.col("commune")).otherwise(person)
    lower_district = pl.col("lower")
    rank_in_type = pl.int_range(pl.len()).over(["d", "school_type"])
    name = (pl.when(pl.col("school_type") == "tieu_hoc").then(pl.concat_str(pl.lit("Trường Tiểu học "), place))
            .when(pl.col("school_type") == "thcs").then(pl.concat_str(pl.lit("Trường THCS "), place))
            .when((pl.col("school_type") == "thpt") & (rank_in_type == 0))
            .then(pl.concat_str(pl.lit("Trường THPT "), pl.col("short")))
            .when(pl.col("school_type") == "thpt").then(pl.concat_str(pl.lit("Trường THPT "), person))
            .when((pl.col("school_type") == "lien_cap") & pl.col("_by_commune") & pl.col("rural")
                  & (pl.col("rem") >= .5))
            .then(pl.concat_str(pl.lit("Trường PTDTBT TH-THCS "), place))
            .when(pl.col("school_type") == "lien_cap").then(pl.concat_str(pl.lit("Trường TH-THCS "), place))
            .when(pl.col("school_type") == "gdnn_gdtx")
            .then(pl.concat_str(pl.lit("Trung tâm GDNN-GDTX "), lower_district))
            .otherwise(pl.when(rank_in_type == 0).then(pl.col("_tert0")).otherwise(pl.col("_tert1"))))
    frame = frame.with_columns(name.alias("school_name"),
                               pl.concat_str("province_code", "district_code",
                                             (pl.int_range(pl.len()).over("d") + 1).cast(pl.String).str.zfill(3))
                               .alias("school_code"))
    # signal gaps and missing internet concentrate in the remote districts (~10% / ~15% overall)
    r = frame["rem"].to_numpy()
    p_gap = r ** 1.5
    p_gap = np.clip(p_gap * .10 * r.size / p_gap.sum(), 0, .6)
    gap = rng.random(r.size) < p_gap
    p_off = .02 + .10 * r + .45 * gap
    p_off = np.clip(p_off * .15 * r.size / p_off.sum(), 0, .9)
    # relative size of a school's need list; boarding schools for minorities and centres are small
    size = rng.lognormal(0, .5, r.size) * np.select(
        [frame["school_type"].to_numpy() == k for k in ("lien_cap", "gdnn_gdtx", "cao_dang_dai_hoc")],
        [.35, .15, .3], 1.0)
    return frame.with_columns(pl.Series("in_coverage_gap", gap), pl.Series("has_internet", rng.random(r.size) >= p_off),
                              pl.Series("size", size), pl.int_range(pl.len()).alias("s")
                              ).select("s", "school_code", "school_name", "d", "district_code", "school_type",
                                       "has_internet", "in_coverage_gap", "size", "rem", "province_code")


def schools_frame(schools: pl.DataFrame) -> pl.DataFrame:
    """The school list as delivered, plus one kindergarten the Sở's list carried by mistake (rejected)."""
    bad = schools.filter(pl.col("school_type") == "tieu_hoc").head(1).with_columns(
        pl.concat_str(pl.col("school_code").str.slice(0, 5), pl.lit("900")).alias("school_code"),
        pl.lit("Trường Mầm non Hoa Sen").alias("school_name"), pl.lit("mam_non").alias("school_type"))
    return pl.concat([schools, bad]).sort("school_code")



def make_coverage(districts: pl.DataFrame, communes: pl.DataFrame, sc: Scale, rng: np.random.Generator) -> pl.DataFrame:
    """Villages without mobile internet at the start, in the highland districts."""
    n = sc.coverage_points
    rem = districts["rem"].to_numpy()
    rural = communes.filter(pl.col("rural"))
    w = np.where(rem >= .45, rem ** 2, .01)
    w = np.where(np.isin(np.arange(rem.size), rural["d"].to_numpy()), w, 0)  # not in a town without villages
    d = np.sort(rng.choice(rem.size, size=n, p=w / w.sum()))
    ci = pick_in_groups(d, rural["d"].to_numpy(), np.ones(rural.height), rng)
    ethnic = rng.random(n) < .6
    hamlet = np.where(ethnic, np.strings.add(np.where(districts["district_code"].to_numpy()[d] == "656", "Bon ",
                                                      "Buôn "), pick(rng, HAMLET_WORDS, n)),
                      np.where(rng.random(n) < .6, np.strings.add("Thôn ", rng.integers(1, 16, n).astype(str)),
                               np.strings.add("Thôn ", pick(rng, HAMLET_KINH, n))))
    if sc.national:  # villages of the north ("Bản"), the central hills ("Thôn") and the Mekong ("Ấp")
        style = districts["style"].to_numpy()[d]
        hamlet = np.select([ethnic & (style == 1), ethnic & (style == 2), style == 3], [
            np.strings.add("Bản ", pick(rng, NORTH_HAMLETS, n)),
            np.strings.add("Thôn ", pick(rng, CENTRAL_HAMLETS, n)),
            np.where(ethnic, np.strings.add("Ấp ", pick(rng, KHMER_HAMLETS, n)),
                     np.strings.add("Ấp ", rng.integers(1, 12, n).astype(str)))], hamlet)
    status = pick(rng, COVERAGE_STATUS, n, weights_of(COVERAGE_STATUS, {"chua_co_song": 23, "dang_trien_khai": 27,
                                                                         "da_phu_song": 50}))
    quarter_ends = np.array(["2021-12-31", "2022-03-31", "2022-06-30", "2022-09-30", "2022-12-31", "2023-03-31",
                             "2023-06-30", "2023-09-30", "2023-12-31"], dtype="datetime64[D]")
    q = np.where(status == "da_phu_song", rng.integers(0, 6, n), rng.integers(2, 9, n))
    planned = quarter_ends[q]
    completed = np.clip(planned + rng.integers(-75, 45, n).astype("timedelta64[D]"),
                        np.datetime64("2021-10-15"), DATA_END - 10)
    households = np.round(rng.lognormal(np.log(70), .6, n)).astype(int).clip(12, 320)
    return pl.DataFrame({
        "d": d, "district_code": districts["district_code"].to_numpy()[d],
        "commune_name": rural["commune_name"].to_numpy()[ci], "point_name": hamlet,
        "operator": pick(rng, OPERATORS, n, weights_of(OPERATORS, {"viettel": 52, "vnpt": 30, "mobifone": 18,
                                                                    "vietnamobile": 0, "khac": 0})),
        "technology": pick(rng, TECHNOLOGIES, n, weights_of(TECHNOLOGIES, {"3g": 5, "4g": 80, "5g": 0,
                                                                            "cap_quang": 15})),
        "status": status, "planned_on": np.where(rng.random(n) < .05, np.datetime64("NaT"), planned),
        "completed_on": np.where(status == "da_phu_song", completed, np.datetime64("NaT")),
        "households": households,
        "students": np.round(households * rng.uniform(.25, .7, n)).astype(int),
    })


def coverage_frame(cov: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Coverage points as the operators report them, with two rows that must be rejected."""
    cov = cov.with_columns(pl.concat_str(pl.lit("LS-"), pl.col("district_code"), pl.lit("-"),
                                         (pl.int_range(pl.len()).over("district_code") + 1).cast(pl.String)
                                         .str.zfill(2)).alias("point_id"))
    n = cov.height
    no_op = (cov["status"].to_numpy() == "chua_co_song") & (rng.random(n) < .3)
    text = cov.with_columns(pl.when(pl.lit(no_op)).then(None).otherwise(pl.col("operator")).alias("operator"),
                            pl.when(pl.lit(no_op)).then(None).otherwise(pl.col("technology")).alias("technology"),
                            ).select([pl.col(c.name).cast(pl.String) for c in CONTRACT["coverage"].columns
                                      if c.name in cov.columns])
    bad = text.tail(2).with_columns(pl.concat_str(pl.col("point_id"), pl.lit("b")).alias("point_id"))
    bad = bad.with_columns(pl.Series("operator", ["gtel", bad["operator"][1]]),
                           pl.Series("status", [bad["status"][0], "tam_dung"]))
    return pl.concat([text, bad])


# points on the map (issue 23 point 4)

POINT_SPREAD = .05      # degrees (≈ 5,5 km) around the district's centre: a district is some 20–60 km across
POINT_MAX = .15         # no point further than this from the centre (stays inside the district, mostly)
POINTS_MISSING = .03    # rows sent without coordinates: a few schools and villages were never located


def with_points(frame: pl.DataFrame, seed: int, stream: int) -> pl.DataFrame:
    """`frame` with `latitude` / `longitude` as text (five decimals), drawn around its district's centre
    (ingest/reference/district_centres.csv); a few rows without. The draws come from a generator of their own
    (seed, stream), so every other column of every file stays what the seed drew before the maps existed."""
    rng = np.random.default_rng([seed, 23, stream])
    centres = pl.read_csv(district_centres_csv_path(), schema_overrides={"district_code": pl.String})
    at = frame.select("district_code").join(centres, on="district_code", how="left", maintain_order="left")
    n = frame.height
    offsets = np.clip(rng.normal(0, POINT_SPREAD, (2, n)), -POINT_MAX, POINT_MAX)
    missing = rng.random(n) < POINTS_MISSING
    points = {}
    for i, axis in enumerate(("latitude", "longitude")):
        value = at[axis].to_numpy().astype(float) + offsets[i]
        text = np.char.mod("%.5f", np.nan_to_num(value))
        points[axis] = pl.Series(axis, np.where(missing | np.isnan(value), None, text), dtype=pl.String)
    return frame.with_columns(points["latitude"], points["longitude"])
