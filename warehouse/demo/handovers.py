"""Which child gets which donated device when (tier 1 first, from devices received before the
handover), what that changes in later survey rounds, and the handover files with their planted problems
(duplicate serials, children outside the need list).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ingest.contract import CONTRACT
from warehouse.demo.names import person_names
from warehouse.demo.randoms import base36, imei, pick_in_groups, unique_ints
from warehouse.demo.settings import DATA_END, ID_SERIALS, SERIAL_PREFIX, Scale


@dataclass
class Allocation:
    """Who got which device when, plus the planted irregular handovers."""

    hand: pl.DataFrame  # c, unit, donation_id, device_type, received_on, handed_on, includes_connectivity, kind
    ghosts: pl.DataFrame  # children handed a device who are on no need list
    selfres: pl.Series  # children whose family got a device themselves


def allocate(kids: pl.DataFrame, rows: pl.DataFrame, units: pl.DataFrame, districts: pl.DataFrame,
              schools: pl.DataFrame, sc: Scale, rng: np.random.Generator) -> Allocation:
    """Match device units to children in need: tier 1 first, earmarked units to their district.

    A child's handover comes after the survey that listed them and after the unit arrived; units
    and children are paired in date order, so the first devices go to the first children served.
    Remote districts score worse (lag), so they are the ones still waiting at the end.
    """
    first = rows.filter(pl.col("pos") == 0).select("c", "r", "surveyed", "nrows")
    k = kids.join(first, on="c", how="inner", maintain_order="left")
    tier = (pl.when(pl.col("status") == "ngheo").then(1).when(pl.col("status") == "can_ngheo").then(2)
            .when((pl.col("status") == "kho_khan_covid") | pl.col("orphan")).then(3).otherwise(4))
    delay = pl.Series(7 + np.floor(rng.exponential(35, k.height))).cast(pl.Int64)
    k = k.with_columns(
        tier.alias("tier"),
        ((pl.col("nrows") >= 2) & pl.col("first_need") & pl.Series(rng.random(k.height) < .20)).alias("selfres"),
        (tier + 1.0 * pl.col("r") + 2.2 * pl.col("lag") + pl.Series(rng.normal(0, .9, k.height))).alias("score"),
        (pl.col("surveyed") + pl.duration(days=delay)).alias("planned"))
    cand = k.filter(pl.col("first_need") & ~pl.col("selfres")).sort(["score", "c"])
    cand = cand.join(districts.select("d", "district_code"), on="d", how="left", maintain_order="left")
    all_units = units
    units = units.with_columns(pl.Series("_u", rng.random(units.height)))
    reserve = units.filter(pl.col("district_code").is_null()).sort("_u").head(sc.planted * 8).sort("unit")
    units = units.filter(~pl.col("unit").is_in(reserve["unit"].implode()))
    # earmarked units: to the district's own children, best score first
    ue = units.filter(pl.col("district_code").is_not_null()).sort(["received_on", "unit"]).with_columns(
        pl.int_range(pl.len()).over("district_code").alias("rk"))
    per = ue.group_by("district_code", maintain_order=True).len("n_units")
    ce = cand.with_columns(pl.int_range(pl.len()).over("district_code").alias("rank_d")).join(
        per, on="district_code", how="left", maintain_order="left")
    ce = ce.filter(pl.col("rank_d") < pl.col("n_units").fill_null(0)).sort(["planned", "c"]).with_columns(
        pl.int_range(pl.len()).over("district_code").alias("rk"))
    unit_cols = ["unit", "donation_id", "device_type", "received_on"]
    pairs_e = ce.drop("n_units", "rank_d").join(ue.select("district_code", "rk", *unit_cols),
                                                on=["district_code", "rk"], how="inner", maintain_order="left")
    # general units: to the best-scored children left in the donation's province
    ug = units.filter(pl.col("district_code").is_null()).sort(["received_on", "unit"]).with_columns(
        pl.int_range(pl.len()).over("p").alias("rk"))
    per = ug.group_by("p", maintain_order=True).len("n_units")
    cg = cand.filter(~pl.col("c").is_in(pairs_e["c"].implode())).with_columns(
        pl.int_range(pl.len()).over("p").alias("rank_p")).join(per, on="p", how="left", maintain_order="left")
    cg = cg.filter(pl.col("rank_p") < pl.col("n_units").fill_null(0)).drop("rank_p", "n_units").sort(
        ["planned", "c"]).with_columns(pl.int_range(pl.len()).over("p").alias("rk"))
    pairs_g = cg.join(ug.select("p", "rk", *unit_cols), on=["p", "rk"], how="inner", maintain_order="left")
    pairs = pl.concat([pairs_e, pairs_g], how="diagonal").sort("unit")
    wait = pl.Series(3 + np.floor(rng.exponential(12, pairs.height))).cast(pl.Int64)
    pairs = pairs.with_columns(pl.max_horizontal("planned", pl.col("received_on") + pl.duration(days=wait))
                               .alias("handed_on"))
    pairs = pairs.filter(pl.col("handed_on") <= DATA_END)
    conn = rng.random(pairs.height) < np.where(pairs["internet"].to_numpy(), .12, .60)
    pairs = pairs.with_columns(pl.Series("includes_connectivity", conn), pl.lit("normal").alias("kind"))
    waiting = cand.filter(~pl.col("c").is_in(pairs["c"].implode()))
    hand, ghosts = _plant_handovers(pairs, waiting, reserve, all_units, kids, districts, schools, sc, rng)
    return Allocation(hand, ghosts, k.filter(pl.col("selfres"))["c"])


HAND_COLS = ["c", "unit", "donation_id", "device_type", "received_on", "handed_on", "includes_connectivity", "kind"]


def _plant_handovers(pairs: pl.DataFrame, waiting: pl.DataFrame, reserve: pl.DataFrame, units: pl.DataFrame,
                     kids: pl.DataFrame, districts: pl.DataFrame, schools: pl.DataFrame, sc: Scale,
                     rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Handovers that break the rules: a second device to one child, a device to a child never
    surveyed, a donation id mistyped, a donation handed out beyond its quantity."""
    k = sc.planted
    unit_cols = ["unit", "donation_id", "device_type", "received_on"]
    # second device to a child already served (duplicate_handover_student), from the reserve
    again = pairs.sample(k + 2, seed=int(rng.integers(1 << 31))).sort("c")
    n_again = again.height
    part_again = pl.concat([again.select("c", "handed_on"), reserve.head(n_again).select(unit_cols)],
                           how="horizontal")
    # mistyped donation id: the zero padding dropped, "UH-2022-0147" → "UH-2022-147"
    typo_units = reserve.slice(n_again, max(3, k // 2)).with_columns(
        pl.col("donation_id").str.replace(r"-0+", "-"))
    typo_kids = waiting.sample(typo_units.height, seed=int(rng.integers(1 << 31))).sort("c")
    part_typo = pl.concat([typo_kids.select("c", pl.col("planned").alias("handed_on")), typo_units.select(unit_cols)],
                          how="horizontal")
    # handed out beyond the donation's quantity (donation_overdrawn): donations fully used
    size = units.group_by("donation_id", maintain_order=True).len("quantity")
    used = pairs.group_by("donation_id", maintain_order=True).agg(
        pl.len().alias("n"), pl.col("handed_on").max(), pl.col("device_type").first(),
        pl.col("received_on").first()).join(size, on="donation_id", how="left", maintain_order="left")
    over = used.filter((pl.col("n") == pl.col("quantity")) & (pl.col("n") >= 2)
                       & (pl.col("handed_on") < DATA_END - 60)).sort("donation_id")
    over = over.sample(min(over.height, max(2, k // 3)), seed=int(rng.integers(1 << 31))).sort("donation_id")
    over_kids = waiting.filter(~pl.col("c").is_in(typo_kids["c"].implode())).sample(
        over.height, seed=int(rng.integers(1 << 31))).sort("c")
    part_over = pl.concat([over_kids.select("c", "planned"), over.select(
        "handed_on", pl.lit(-1, pl.Int64).alias("unit"), "donation_id", "device_type", "received_on")],
        how="horizontal").with_columns(pl.max_horizontal("handed_on", "planned").alias("handed_on"))
    # children on no need list (handover_outside_need_list), from the reserve
    ghost_units = reserve.slice(n_again + typo_units.height, k)
    ghosts = _ghost_children(ghost_units.height, kids, districts, schools, rng)
    part_ghost = pl.concat([ghosts.select("c"), ghost_units.select(
        pl.col("received_on").alias("handed_on"), *unit_cols)], how="horizontal")
    extra = pl.concat([p.select("c", "handed_on", *unit_cols).with_columns(pl.lit(kind).alias("kind"))
                       for p, kind in ((part_again, "again"), (part_typo, "typo"), (part_over, "over"),
                                       (part_ghost, "ghost"))])
    later = pl.Series(rng.integers(10, 90, extra.height)).cast(pl.Int64)
    extra = extra.with_columns(
        (pl.max_horizontal("handed_on", pl.col("received_on") + pl.duration(days=3)) + pl.duration(days=later))
        .clip(upper_bound=DATA_END).alias("handed_on"),
        pl.Series("includes_connectivity", rng.random(extra.height) < .3))
    out = pl.concat([pairs.select(HAND_COLS), extra.select(HAND_COLS)])
    return out, ghosts


def _ghost_children(n: int, kids: pl.DataFrame, districts: pl.DataFrame, schools: pl.DataFrame,
                    rng: np.random.Generator) -> pl.DataFrame:
    """Children who appear on a handover but on no need list."""
    d = rng.choice(districts.height, size=n)
    male = rng.random(n) < .5
    names = person_names(rng, male, rng.random(n) < .3)
    g21 = rng.integers(1, 10, n)
    birth = 2016 - g21
    dob = (birth - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(0, 365, n).astype(
        "timedelta64[D]")
    home = np.strings.add("0", districts["province_code"].to_numpy().astype(str))[d]
    sid = np.strings.add(np.strings.add(home, np.where(male, "2", "3")),
                         np.char.zfill((birth % 100).astype(str), 2))
    sid = np.strings.add(sid, np.char.zfill(rng.integers(ID_SERIALS, 1_000_000, n).astype(str), 6))
    cand = schools.filter(pl.col("school_type").is_in(["tieu_hoc", "thcs"]))
    s = cand["s"].to_numpy()[pick_in_groups(d, cand["d"].to_numpy(), np.ones(cand.height), rng)]
    return pl.DataFrame({"c": kids.height + 1_000_000 + np.arange(n), "d": d, "g21": g21,
                         "tertiary": np.zeros(n, bool), "dob": dob, "male": male, "full_name": names,
                         "has_id": rng.random(n) < .7, "student_id": sid, "s0": s, "s1": s, "s2": s})



def apply_outcomes(rows: pl.DataFrame, kids: pl.DataFrame, alloc: Allocation, sc: Scale,
                    rng: np.random.Generator) -> pl.DataFrame:
    """Device, internet and household state per listing, given handovers and families' own means.

    After a handover later listings say has_device = true (or the child is struck off the list);
    a self-resolver says so from some later listing on; some households get a connection anyway,
    and for some COVID hardship is over by the 2022-23 school year.
    """
    first_hand = alloc.hand.filter(pl.col("kind") != "ghost").group_by("c", maintain_order=True).agg(
        pl.col("handed_on").min().alias("h_on"), pl.col("includes_connectivity").any().alias("h_conn"))
    n = kids.height
    kk = kids.select("c", "first_need", "internet", "entry", "status").with_columns(
        pl.col("c").is_in(alloc.selfres.implode()).alias("selfres"),
        pl.Series("res_u", rng.random(n)), pl.Series("drop_after", rng.random(n) < .45),
        pl.Series("flip", rng.geometric(.18, n)), pl.Series("covid_over", rng.random(n) < .15),
    ).join(first_hand, on="c", how="left", maintain_order="left")
    r = rows.join(kk, on="c", how="left", maintain_order="left")
    served = pl.col("h_on").is_not_null() & (pl.col("surveyed") > pl.col("h_on"))
    res_pos = 1 + (pl.col("res_u") * (pl.col("nrows") - 1)).floor().cast(pl.Int64)
    has_device = ~pl.col("first_need") | served | (pl.col("selfres") & (pl.col("pos") >= res_pos))
    has_internet = (pl.col("internet") | (pl.col("r") >= pl.col("entry") + pl.col("flip"))
                    | (served & pl.col("h_conn").fill_null(False)))
    school_year_22 = sc.round_school_year.index(1)  # the first round of school year 2022-23
    status = pl.when((pl.col("status") == "kho_khan_covid") & pl.col("covid_over")
                     & (pl.col("r") >= school_year_22)) \
        .then(pl.lit("khac")).otherwise(pl.col("status"))
    r = r.with_columns(has_device.alias("has_device"), has_internet.alias("has_internet"),
                       status.alias("status_row"), served.alias("_served"))
    r = r.filter(~(pl.col("_served") & pl.col("drop_after")))
    return r.select("c", "r", "s", "d", "grade", "surveyed", "has_device", "has_internet", "status_row")



def handover_files(hand: pl.DataFrame, kids: pl.DataFrame, schools: pl.DataFrame, districts: pl.DataFrame,
                    sc: Scale, rng: np.random.Generator) -> list[tuple[str, pl.DataFrame]]:
    """Handover records per year of handover (nationally per province and year), with a reused serial,
    rows resent in the next year's file (identical: no issue) and ~0.5% rejected rows."""
    k = sc.planted
    h = hand.join(kids.select("c", "student_id", "has_id", "full_name", "dob", "g21", "tertiary", "s0", "s1", "s2"),
                  on="c", how="left", maintain_order="left")
    # the school at the time of the handover (grades advance in September)
    sy = pl.col("handed_on").dt.year() - 2021 - (pl.col("handed_on").dt.month() < 9).cast(pl.Int32)
    grade = (pl.col("g21") + sy).clip(1, 12)
    h = h.with_columns(pl.when(grade <= 5).then(pl.col("s0")).when(grade <= 9).then(pl.col("s1"))
                       .otherwise(pl.col("s2")).alias("s"))
    h = h.join(schools.select("s", "school_code", "district_code"), on="s", how="left", maintain_order="left")
    # serial numbers: IMEI for phones, maker-style serials otherwise; unique per unit
    n = h.height
    raw = unique_ints(rng, n, 34 ** 7)
    prefix = h["device_type"].replace_strict(SERIAL_PREFIX).to_numpy().astype(str)
    serial = np.where(h["device_type"].to_numpy() == "dien_thoai_thong_minh", imei(raw % 10 ** 12),
                      np.strings.add(prefix, base36(raw, 7)))
    h = h.with_columns(pl.Series("serial_number", serial, dtype=pl.String).set(pl.Series(rng.random(n) < .015), None))
    # (1) a serial written on two records (duplicate_serial): copied from the row above
    h = h.sort(["district_code", "handed_on", "school_code", "c", "unit"], maintain_order=True)
    copy_at = np.sort(rng.choice(np.arange(1, n), size=k, replace=False))
    src = np.arange(n)
    src[copy_at] = copy_at - 1
    h = h.with_columns(pl.col("serial_number").gather(pl.Series(src)))
    # ids and record numbers: per district in date order; one record per school and day
    h = h.with_columns(
        pl.concat_str(pl.lit("BG-"), pl.col("district_code"), pl.lit("-"),
                      (pl.int_range(pl.len()).over("district_code") + 1).cast(pl.String).str.zfill(5))
        .alias("handover_id"),
        pl.concat_str(pl.lit("BB-"), pl.col("district_code"), pl.lit("-"),
                      pl.concat_str(pl.col("handed_on").cast(pl.String), "school_code").rank("dense")
                      .over("district_code")
                      .cast(pl.String).str.zfill(4)).alias("record_no"),
        pl.when(pl.col("has_id")).then(pl.col("student_id")).alias("student_id"),
        pl.col("dob").alias("date_of_birth"),
    )
    text = h.select([pl.col(c.name).cast(pl.String) for c in CONTRACT["handovers"].columns]
                    + [pl.col("handed_on").dt.year().cast(pl.String).alias("_year"),
                       pl.col("district_code").replace_strict(districts["district_code"], districts["province_code"])
                       .alias("_prov")])
    # (2) ~0.5% rows that must be rejected: bad dates, missing names, unknown codes
    bad_n = max(6 * k, int(n * .005))
    bad = text.sample(bad_n, seed=int(rng.integers(1 << 31))).sort("handover_id")
    kinds = pl.Series(np.arange(bad_n) % 5)
    bad = bad.with_columns(
        pl.concat_str(pl.col("handover_id"), pl.lit("B")).alias("handover_id"),
        pl.when(kinds == 0).then(pl.concat_str(pl.col("handed_on").str.slice(0, 5), pl.lit("02-30")))
        .otherwise(pl.col("handed_on")).alias("handed_on"),
        pl.when(kinds == 1).then(None).otherwise(pl.col("full_name")).alias("full_name"),
        pl.when(kinds == 2).then(pl.concat_str(pl.col("school_code").str.slice(0, 5), pl.lit("999")))
        .otherwise(pl.col("school_code")).alias("school_code"),
        pl.when(kinds == 3).then(pl.lit("may_chieu")).otherwise(pl.col("device_type")).alias("device_type"),
        pl.when(kinds == 4).then(pl.concat_str(pl.col("date_of_birth").str.slice(0, 4), pl.lit("/15/03")))
        .otherwise(pl.col("date_of_birth")).alias("date_of_birth"),
        pl.lit(None, pl.String).alias("serial_number"),
    )
    # (3) December records resent in the next year's file, unchanged
    resend = text.filter(pl.col("handed_on").str.slice(5, 2) == "12").sample(
        3 * k, seed=int(rng.integers(1 << 31))).with_columns(
        (pl.col("_year").cast(pl.Int32) + 1).cast(pl.String).alias("_year"))
    allrows = pl.concat([text, bad, resend])
    if sc.national:
        return [(f"handovers_{p}_{y}.csv", part.sort(["handed_on", "handover_id"]))
                for (p, y), part in sorted(allrows.partition_by("_prov", "_year", as_dict=True).items())]
    return [(f"handovers_{y}.csv", part.sort(["handed_on", "handover_id"]))
            for (y,), part in sorted(allrows.partition_by("_year", as_dict=True).items())]
