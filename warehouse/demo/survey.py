"""The children on the need lists and the survey rows of each round: who is listed when, how their
household and device change between rounds, and the planted survey problems (duplicates, conflicting
records, rows that must be rejected) the data-quality page exists for.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from warehouse.demo.names import person_names, regional_names
from warehouse.demo.randoms import id_serials, pick, pick_in_groups, random_dates, unique_ints
from warehouse.demo.settings import (
    GENDERS,
    GRADE_WEIGHT,
    ID_SERIALS,
    OTHER_BIRTH_PROVINCES,
    PROVINCE_PROFILE,
    SCHOOL_TYPES,
    STATUSES,
    STAY,
    Scale,
    weights_of,
)


def make_children(districts: pl.DataFrame, schools: pl.DataFrame, sc: Scale, rng: np.random.Generator) -> pl.DataFrame:
    """The children on the need lists: who they are, where they study, their household."""
    n = int(round(sc.survey_rows / sc.rows_per_child))
    pop, rem, eth = (districts[c].to_numpy() for c in ("pop", "rem", "ethnic"))
    prov_of = districts["p"].to_numpy()
    need_w = pop * (.6 + 1.2 * rem)
    d = rng.choice(rem.size, size=n, p=need_w / need_w.sum())
    entry = rng.choice(len(sc.rounds), size=n, p=np.array(sc.entry_round))
    g_entry = rng.choice(12, size=n, p=GRADE_WEIGHT / GRADE_WEIGHT.sum()) + 1
    g21 = g_entry - np.array(sc.round_school_year)[entry]  # grade in 2021-22 (≤ 0: started school later)
    tertiary = np.zeros(n, bool)
    has_tertiary = schools.filter(pl.col("school_type") == "cao_dang_dai_hoc")
    if has_tertiary.height:  # students of the colleges in their province's city
        tert_d = np.zeros(prov_of.max() + 1, dtype=np.int64)
        tert_d[prov_of[has_tertiary["d"].to_numpy()[::-1]]] = has_tertiary["d"].to_numpy()[::-1]
        tertiary = rng.random(n) < .004
        d = np.where(tertiary, tert_d[prov_of[d]], d)
    birth_year = 2016 - g21 - (rng.random(n) < .05)  # grade 1 in 2021-22 ↔ born 2015; some started late
    birth_year = np.where(tertiary, rng.integers(2001, 2004, n), birth_year)
    jan1 = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    year_len = ((birth_year + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]") - jan1).astype(int)
    dob = random_dates(rng, jan1, year_len, n)
    male = rng.random(n) < .515
    ethnic = rng.random(n) < eth[d]
    names = person_names(rng, male, ethnic)
    home = np.strings.add("0", districts["province_code"].to_numpy().astype(str))[d]
    # personal ID (12 digits) for ~82%: province of birth registration, century/sex, birth year, serial
    has_id = rng.random(n) < .82
    prov = np.where(rng.random(n) < .975, home,
                    pick(rng, np.strings.add("0", np.array(sorted(PROVINCE_PROFILE))) if sc.national
                            else OTHER_BIRTH_PROVINCES, n))
    csd = np.where(birth_year >= 2000, 2, 0) + (~male)
    serial = id_serials(rng, prov, csd, birth_year) if sc.national else unique_ints(rng, n, ID_SERIALS)
    serial = np.char.zfill(serial.astype(str), 6)
    sid = np.strings.add(np.strings.add(np.strings.add(prov, csd.astype(str)),
                                        np.char.zfill((birth_year % 100).astype(str), 2)), serial)
    if sc.national:  # minority names as written in the child's region (Ê Đê-style ones stay)
        names = regional_names(rng, male, ethnic, districts["style"].to_numpy()[d], names)
    # household: remote districts have more poor households; the mix as the scale says
    p = weights_of(STATUSES, dict(zip(("ngheo", "can_ngheo", "kho_khan_covid", "khac"), sc.status_mix, strict=True)))
    poor_shift = (rem[d] - (rem * need_w).sum() / need_w.sum()) * .35
    u = rng.random(n)
    cuts = np.stack([p[0] + poor_shift, p[0] + p[1] + poor_shift * .5, np.full(n, 1 - p[3])], axis=1)
    status = np.array(STATUSES)[(u[:, None] >= cuts).sum(axis=1)]
    orphan = rng.random(n) < .011
    first_need = rng.random(n) < .93  # the rest are listed for a connection only
    p_off = .47 * (.35 + rem[d]) / (.35 + (rem * need_w).sum() / need_w.sum())
    internet = rng.random(n) >= np.where(first_need, p_off, .85)
    # the schools a child attends at each level, in the child's district
    cand = schools.filter(~pl.col("school_type").is_in(["cao_dang_dai_hoc"]))
    level_of = {"tieu_hoc": [0], "thcs": [1], "thpt": [2], "lien_cap": [0, 1], "gdnn_gdtx": [2]}
    c_s, c_g, c_w = [], [], []
    for typ, levels in level_of.items():
        part = cand.filter(pl.col("school_type") == typ)
        for lv in levels:
            c_s.append(part["s"].to_numpy())
            c_g.append(part["d"].to_numpy() * 3 + lv)
            c_w.append(part["size"].to_numpy())
    c_s, c_g, c_w = np.concatenate(c_s), np.concatenate(c_g), np.concatenate(c_w)
    by_level = [c_s[pick_in_groups(d * 3 + lv, c_g, c_w, rng)] for lv in range(3)]
    lien = schools["school_type"].to_numpy() == "lien_cap"
    by_level[1] = np.where(lien[by_level[0]], by_level[0], by_level[1])  # TH-THCS pupils stay on
    if has_tertiary.height:
        t_s = has_tertiary["s"].to_numpy()
        if sc.national:
            tert_school = t_s[pick_in_groups(prov_of[d], prov_of[has_tertiary["d"].to_numpy()],
                                              has_tertiary["size"].to_numpy(), rng)]
        else:
            tert_school = t_s[rng.choice(t_s.size, size=n,
                                         p=has_tertiary["size"].to_numpy() / has_tertiary["size"].sum())]
        by_level = [np.where(tertiary, tert_school, s) for s in by_level]
    return pl.DataFrame({
        "c": np.arange(n), "d": d, "entry": entry, "g21": g21, "tertiary": tertiary, "dob": dob, "male": male,
        "full_name": names, "has_id": has_id, "student_id": sid, "status": status, "orphan": orphan,
        "first_need": first_need, "internet": internet, "s0": by_level[0], "s1": by_level[1], "s2": by_level[2],
        "lag": districts["lag"].to_numpy()[d], "p": prov_of[d],
    })


def make_listing(kids: pl.DataFrame, schools: pl.DataFrame, districts: pl.DataFrame, sc: Scale,
             rng: np.random.Generator) -> pl.DataFrame:
    """One row per child and round listed: consecutive rounds from entry, until dropped or graduated."""
    n = kids.height
    n_rounds = len(sc.rounds)
    school_year = np.array(sc.round_school_year)
    entry = kids["entry"].to_numpy()
    g21 = kids["g21"].to_numpy()
    tertiary = kids["tertiary"].to_numpy()
    stay = rng.geometric(1 - STAY, n)
    # the last round still at school (grade ≤ 12): a grade 12 of 2021-22 leaves after 2022-H1
    last_ok = np.where(tertiary, n_rounds - 1, (g21[:, None] + school_year[None, :] <= 12).sum(axis=1) - 1)
    last = np.minimum(np.minimum(entry + stay - 1, n_rounds - 1), last_ok)
    count = last - entry + 1
    c = np.repeat(np.arange(n), count)
    r = entry[c] + np.arange(c.size) - np.repeat(np.cumsum(count) - count, count)
    grade = g21[c] + school_year[r]
    level = np.select([grade <= 5, grade <= 9], [0, 1], 2)
    s = np.choose(level, [kids[f"s{k}"].to_numpy()[c] for k in range(3)])
    d = kids["d"].to_numpy()[c]
    # each district runs its round in a window of a few weeks
    start = (np.array(sc.round_start, dtype="datetime64[D]")[None, :]
             + rng.integers(0, 36, (districts.height, n_rounds)).astype("timedelta64[D]"))
    surveyed = start[d, r] + rng.integers(0, 25, c.size).astype("timedelta64[D]")
    rows = pl.DataFrame({"c": c, "r": r, "s": s, "d": d, "grade": np.where(tertiary[c], 0, grade),
                         "surveyed": surveyed})
    # some schools do not report in some rounds (more of them in remote districts)
    rem = schools["rem"].to_numpy()
    silent = rng.random((schools.height, n_rounds)) < (.015 + .08 * rem)[:, None]
    rows = rows.filter(~pl.Series(silent[rows["s"].to_numpy(), rows["r"].to_numpy()]))
    return rows.with_columns(pl.int_range(pl.len()).over("c").alias("pos"), pl.len().over("c").alias("nrows"))



def survey_frame(rows: pl.DataFrame, kids: pl.DataFrame, schools: pl.DataFrame, sc: Scale) -> pl.DataFrame:
    """Survey rows as text in canonical form, with helper columns for planting and file splitting."""
    k = kids.select("c", "student_id", "has_id", "full_name", "dob", "male", "orphan")
    s = schools.select("s", "school_code", "district_code", "province_code")
    f = rows.join(k, on="c", how="left", maintain_order="left").join(
        s, on="s", how="left", maintain_order="left").sort(["c", "r"])
    return f.select(
        pl.col("r").replace_strict(list(range(len(sc.rounds))), list(sc.rounds), return_dtype=pl.String)
        .alias("survey_round"),
        pl.when(pl.col("has_id")).then(pl.col("student_id")).alias("student_id"),
        pl.col("full_name"), pl.col("dob").cast(pl.String).alias("date_of_birth"),
        pl.when(pl.col("male")).then(pl.lit(GENDERS[0])).otherwise(pl.lit(GENDERS[1])).alias("gender"),
        pl.col("school_code"),
        pl.when(pl.col("grade") > 0).then(pl.col("grade").cast(pl.String)).alias("grade"),
        pl.col("status_row").alias("household_status"),
        pl.col("orphan").cast(pl.String).alias("covid_orphan"),
        pl.col("has_device").cast(pl.String), pl.col("has_internet").cast(pl.String),
        pl.col("surveyed").cast(pl.String).alias("surveyed_on"),
        pl.col("district_code").alias("_district"), pl.col("province_code").alias("_province"),
        pl.col("c").alias("_c"), pl.col("r").alias("_r"),
        pl.col("s").alias("_s"), pl.col("has_id").alias("_has_id"), pl.col("surveyed").alias("_surveyed"),
    )


def plant_survey(f: pl.DataFrame, schools: pl.DataFrame, served: pl.Series, sc: Scale,
                  rng: np.random.Generator) -> pl.DataFrame:
    """Survey problems: a child in two schools in one round, a child with and without ID, a row
    entered twice (identical), ~0.5% rows that must be rejected, a few blanks in optional columns."""
    k = sc.planted
    f = f.with_columns(pl.int_range(pl.len()).alias("_i"), pl.lit(0).alias("_dup"), pl.len().over("_c").alias("_n"))
    ids = f.filter(pl.col("_has_id") & (pl.col("_n") >= 2))["_c"].unique(maintain_order=True).to_numpy()
    chosen = rng.choice(ids, size=12 * k, replace=False)
    two_school_c, no_id_c = chosen[:8 * k], chosen[8 * k:]  # twice the two-school ones: some draw their own
    # (1) listed in two schools in one round: a second school of the same type in the district
    tw = f.filter(pl.col("_c").is_in(two_school_c)).unique("_c", keep="first", maintain_order=True)
    st = schools.select("s", "d", "school_type", "school_code").with_columns(
        (pl.col("d") * 8 + pl.col("school_type").replace_strict(list(SCHOOL_TYPES), list(range(len(SCHOOL_TYPES)))))
        .alias("g"))
    tw = tw.join(st.select(pl.col("s").alias("_s"), "g"), on="_s", how="left", maintain_order="left")
    other = pick_in_groups(tw["g"].to_numpy(), st["g"].to_numpy(), np.ones(st.height), rng)
    tw = tw.with_columns(pl.Series("_s2", st["s"].to_numpy()[other]),
                         pl.Series("_code2", st["school_code"].to_numpy()[other]))
    second = tw.filter(pl.col("_s2") != pl.col("_s")).head(4 * k).with_columns(
        pl.col("_code2").alias("school_code"), pl.lit(1).alias("_dup")).drop("_s2", "_code2", "g")
    # (2) the same child with ID in one round and without in the latest (possible_duplicate_person)
    no_id_rows = f.filter(pl.col("_c").is_in(no_id_c)).group_by("_c", maintain_order=True).agg(pl.col("_i").last())
    f = f.with_columns(pl.when(pl.col("_i").is_in(no_id_rows["_i"].implode())).then(None)
                       .otherwise(pl.col("student_id")).alias("student_id"))
    guard = np.r_[chosen, served.to_numpy()]
    # (3) identical rows entered twice (no issue): chosen now, copied once the blanks are in
    twice_i = f.filter(~pl.col("_c").is_in(guard)).sample(2 * k, seed=int(rng.integers(1 << 31)))["_i"]
    guard = np.r_[guard, f.filter(pl.col("_i").is_in(twice_i.implode()))["_c"].to_numpy()]
    # (4) ~0.5% of rows that must be rejected, on children listed more than once and never served
    pool = f.filter((pl.col("_n") >= 2) & ~pl.col("_c").is_in(guard))
    bad = pool.sample(max(6 * k, int(f.height * .005)), seed=int(rng.integers(1 << 31))).sort("_i")
    kinds = pl.Series(np.arange(bad.height) % 6)
    year = pl.col("date_of_birth").str.slice(0, 4)
    day = pl.col("_surveyed").dt.day()
    us_date = pl.concat_str(pl.col("_surveyed").dt.month().cast(pl.String), pl.lit("/"), day.cast(pl.String),
                            pl.lit("/"), pl.col("_surveyed").dt.year().cast(pl.String))  # month first: Excel en-US
    bad = bad.with_columns(
        pl.when(kinds == 0).then(pl.concat_str(pl.lit("31/02/"), year)).otherwise(pl.col("date_of_birth"))
        .alias("date_of_birth"),
        pl.when(kinds == 1).then(pl.lit("15")).otherwise(pl.col("grade")).alias("grade"),
        pl.when(kinds == 2).then(pl.concat_str(pl.col("school_code"), pl.lit("0"))).otherwise(pl.col("school_code"))
        .alias("school_code"),
        pl.when(kinds == 3).then(pl.lit("mo_coi")).otherwise(pl.col("household_status")).alias("household_status"),
        pl.when(kinds == 4).then(None).otherwise(pl.col("full_name")).alias("full_name"),
        pl.when((kinds == 5) & (day > 12)).then(us_date)
        .when(kinds == 5).then(pl.concat_str(pl.lit("30/02/"), pl.col("_surveyed").dt.year().cast(pl.String)))
        .otherwise(pl.col("surveyed_on")).alias("surveyed_on"),
    )
    f = pl.concat([f.filter(~pl.col("_i").is_in(bad["_i"].implode())), bad, second])
    # optional columns left blank now and then, as real lists do (never on the planted rows)
    m = f.height
    plain = (pl.col("_dup") == 0) & ~pl.col("_i").is_in(bad["_i"].implode())
    f = f.with_columns(
        pl.when(plain & pl.Series(rng.random(m) < .012)).then(None).otherwise(pl.col("grade")).alias("grade"),
        pl.when(plain & pl.Series(rng.random(m) < .01)).then(None).otherwise(pl.col("surveyed_on"))
        .alias("surveyed_on"),
        pl.when(plain & pl.Series(rng.random(m) < .005)).then(None).otherwise(pl.col("gender")).alias("gender"),
    )
    # a few districts leave covid_orphan blank unless it applies (the default is false)
    districts = np.sort(f["_district"].unique(maintain_order=True).to_numpy())
    blank_d = rng.choice(districts, size=min(sc.blank_orphan_districts, districts.size), replace=False)
    f = f.with_columns(pl.when(pl.col("_district").is_in(blank_d) & (pl.col("covid_orphan") == "false"))
                       .then(None).otherwise(pl.col("covid_orphan")).alias("covid_orphan"))
    f = pl.concat([f, f.filter(pl.col("_i").is_in(twice_i.implode()) & (pl.col("_dup") == 0))
                   .with_columns(pl.lit(2).alias("_dup"))])
    # a district's list is ordered by school, grade, name
    return f.with_columns(pl.col("grade").cast(pl.Int32, strict=False).alias("_g")).rechunk().sort(
        ["_r", "_district", "school_code", "_g", "full_name", "_c", "_dup", "_i"], nulls_last=True,
        maintain_order=True)
