"""Donors and their donations (cash, devices, data packages), split into the yearly donation files
with the planted donation problems (duplicates, later corrections, overdrawn donations).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ingest.contract import CONTRACT
from warehouse.demo.names import COMPANY_FORMS, COMPANY_NAMES, COMPANY_TRADES, DISTRICT_DONORS, ORGS, person_names
from warehouse.demo.randoms import pick, pick_in_groups, random_dates
from warehouse.demo.settings import (
    CONDITIONS,
    DATA_END,
    DEVICE_MIX,
    DEVICE_TYPES,
    DONATION_MONTH_WEIGHT,
    DONATION_MONTHS,
    DONATION_STATUS,
    DONOR_TYPE_SHARE,
    DONOR_TYPES,
    FORM_MIX,
    FORMS,
    Scale,
    weights_of,
)


def _donor_pool(districts: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Who gives, in each province: named organisations, district bodies (earmarked), companies and
    individuals. Column `prov` is the province (index `p`) the donor gives in."""
    provinces = districts.select("p", "province_code", "province_name", "pshort").unique("p", maintain_order=True)
    names, types, weights, earmark, prov = [], [], [], [], []
    for dtype, orgs in ORGS.items():
        for name, w in orgs:
            for p, code, pname, short in provinces.iter_rows():
                if code == "79" and "Hồ Chí Minh" in name:
                    continue  # no "Hội đồng hương Hồ Chí Minh tại TP. Hồ Chí Minh"
                text = name
                if pname.startswith("Thành phố"):
                    text = text.replace("tỉnh {p}", "thành phố {p}").replace("Tỉnh Đoàn", "Thành Đoàn")
                names.append(text.replace("{p}", short))
                types.append(dtype)
                weights.append(w)
                earmark.append(None)
                prov.append(p)
    for dtype, template in DISTRICT_DONORS:
        for code, dname, p in districts.select("district_code", "lower", "p").iter_rows():
            names.append(template.replace("{d}", dname))
            types.append(dtype)
            weights.append(1.2)
            earmark.append(code)
            prov.append(p)
    n_prov = provinces.height
    k = 90 * n_prov
    company = np.strings.add(np.strings.add(np.strings.add(np.strings.add(
        pick(rng, COMPANY_FORMS, k, np.array([.5, .3, .12, .08])), " "), pick(rng, COMPANY_TRADES, k)), " "),
        pick(rng, COMPANY_NAMES, k))
    company = pl.DataFrame({"donor_name": company, "prov": np.repeat(np.arange(n_prov), 90)}).unique().sort(
        "prov", "donor_name")
    k = 260 * n_prov
    male = rng.random(k) < .6
    people = person_names(rng, male, rng.random(k) < .05)
    people = np.strings.add(np.where(male, "Ông ", "Bà "), people)
    people = pl.DataFrame({"donor_name": np.r_[people, np.full(n_prov, "Nhà hảo tâm giấu tên")],
                           "prov": np.r_[np.repeat(np.arange(n_prov), 260), np.arange(n_prov)]}).unique().sort(
        "prov", "donor_name")
    pool = pl.DataFrame({"donor_name": names, "donor_type": types, "w": weights, "earmark": earmark, "prov": prov},
                        schema_overrides={"earmark": pl.String, "w": pl.Float64, "prov": pl.Int64})
    extra = pl.DataFrame({
        "donor_name": pl.concat([company["donor_name"], people["donor_name"]]),
        "donor_type": np.r_[np.full(company.height, "doanh_nghiep"), np.full(people.height, "ca_nhan")],
        "w": np.r_[rng.lognormal(0, .6, company.height), rng.lognormal(0, .4, people.height)],
        "prov": pl.concat([company["prov"], people["prov"]]).cast(pl.Int64)},
        schema_overrides={"w": pl.Float64}).with_columns(pl.lit(None, pl.String).alias("earmark"))
    pool = pl.concat([pool, extra.select(pool.columns)]).unique(["donor_name", "prov"], keep="first",
                                                                maintain_order=True)
    return pool.with_columns(pl.int_range(pl.len()).alias("k"))


def make_donations(districts: pl.DataFrame, kids: pl.DataFrame, sc: Scale,
               rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The true donations (before any data-entry trouble) and the device units they brought.

    Nationally each gift is made in one province, drawn in proportion to its children in need, so
    that supply roughly follows need; the donor is one of that province's (or a national one)."""
    pool = _donor_pool(districts, rng)
    n = sc.donations
    n_types = len(DONOR_TYPES)
    t_idx = rng.choice(n_types, size=n, p=weights_of(DONOR_TYPES, DONOR_TYPE_SHARE))
    prov_of = districts["p"].to_numpy()
    if sc.national:
        need = np.bincount(kids["p"].to_numpy(), minlength=prov_of.max() + 1).astype(float)
        p_idx = rng.choice(need.size, size=n, p=need / need.sum())
    else:
        p_idx = np.zeros(n, dtype=np.int64)
    pool_t = pool["donor_type"].replace_strict(list(DONOR_TYPES), list(range(n_types))).to_numpy()
    donor = pick_in_groups(p_idx * n_types + t_idx, pool["prov"].to_numpy() * n_types + pool_t,
                            pool["w"].to_numpy(), rng)
    dtype = np.array(DONOR_TYPES)[t_idx]
    mix = np.array([weights_of(FORMS, FORM_MIX[t]) for t in DONOR_TYPES])[t_idx]
    form = np.array(FORMS)[(rng.random(n)[:, None] >= np.cumsum(mix, axis=1)[:, :-1]).sum(axis=1)]
    individual = dtype == "ca_nhan"
    month = rng.choice(DONATION_MONTHS.size, size=n, p=DONATION_MONTH_WEIGHT / DONATION_MONTH_WEIGHT.sum())
    first = DONATION_MONTHS[month].astype("datetime64[D]")
    month_len = ((DONATION_MONTHS[month] + 1).astype("datetime64[D]") - first).astype(int)
    when = np.minimum(random_dates(rng, first, month_len, n), DATA_END - 5)
    pledged = rng.random(n) < np.where(individual, .02, .09)
    pledged_on = np.where(pledged | (rng.random(n) < .15), when - rng.integers(5, 60, n).astype("timedelta64[D]"),
                          np.datetime64("NaT"))
    pledged_on = np.where(pledged, when, pledged_on)  # a pledge not yet received: dated by the pledge
    # cash: whole millions (individuals: half-millions), 1–500 million VND
    scale_m = np.select([individual, dtype == "ngan_sach_quy", dtype == "doanh_nghiep"], [4, 120, 60], 40)
    amount = np.clip(rng.lognormal(np.log(scale_m), .8), 1, 500)
    amount = np.where(individual, np.round(amount * 2) / 2, np.round(amount)) * 1_000_000
    device = pick(rng, DEVICE_TYPES, n, weights_of(DEVICE_TYPES, DEVICE_MIX))
    device = np.where(individual & (device == "may_tinh_de_ban"), "may_tinh_xach_tay", device)
    used = rng.random(n) < np.where(individual, .40, .04)  # ~10% of device gifts; a few fail inspection
    failed = used & (rng.random(n) < .12)
    qty_raw = np.where(individual, np.clip(np.round(rng.lognormal(.3, .6, n)), 1, 5),
                       rng.lognormal(np.log(np.select([dtype == "doanh_nghiep_vien_thong"], [80], 25)), .8))
    is_dev = form == "thiet_bi"
    counted = is_dev & ~pledged & ~failed & ~individual
    target = sc.handovers * 1.04 - qty_raw[is_dev & ~pledged & ~failed & individual].sum()
    qty = qty_raw.copy()
    for _ in range(3):  # rescale the organisations' gifts to the devices the handovers need
        qty = np.where(counted, np.clip(np.round(qty * target / qty[counted].sum()), 1, 200), qty)
    qty = np.where(is_dev, np.clip(np.round(qty), 1, 200), np.round(rng.lognormal(np.log(300), .6, n) / 10) * 10)
    qty = np.maximum(qty, 1)
    rem = districts["rem"].to_numpy()
    marked = (pick_in_groups(p_idx, prov_of, rem, rng) if sc.national  # a district of the donation's province
              else rng.choice(rem.size, size=n, p=rem / rem.sum()))
    random_mark = districts["district_code"].to_numpy()[marked]
    earmark = pool["earmark"].gather(donor).fill_null(
        pl.Series(random_mark, dtype=pl.String).set(pl.Series(rng.random(n) >= .08), None))
    frame = pl.DataFrame({
        "donor_name": pool["donor_name"].gather(donor), "donor_type": dtype, "form": form,
        "status": np.where(pledged, DONATION_STATUS[1], DONATION_STATUS[0]),
        "received_on": np.where(pledged, np.datetime64("NaT"), when), "pledged_on": pledged_on,
        "amount_vnd": pl.Series(amount, dtype=pl.Int64).set(pl.Series(form != "tien_mat"), None),
        "device_type": pl.Series(device).set(pl.Series(~is_dev), None),
        "quantity": pl.Series(qty, dtype=pl.Int64).set(pl.Series(form == "tien_mat"), None),
        "condition": pl.Series(np.where(used, CONDITIONS[1], CONDITIONS[0])).set(pl.Series(~is_dev), None),
        "inspection_passed": pl.Series(~failed).set(pl.Series(~is_dev), None),
        "district_code": earmark, "_when": when, "_k": np.arange(n), "p": p_idx,
        "_prov": _province_codes(districts)[p_idx],
    })
    frame = frame.with_columns(pl.col("_when").dt.year().cast(pl.String).alias("_year")).sort(
        ["_when", "donor_name", "_k"])
    # ids per year ("UH-2022-0147"); nationally per province and year ("UH-66-2022-0147")
    frame = frame.with_columns(
        pl.concat_str(_id_prefix(sc), pl.col("_year"), pl.lit("-"),
                      (pl.int_range(pl.len()).over("_prov", "_year") + 1).cast(pl.String).str.zfill(4))
        .alias("donation_id"))
    # device units: one per device received and passed, in order of arrival
    ok = frame.filter((pl.col("form") == "thiet_bi") & (pl.col("status") == "da_nhan") & pl.col("inspection_passed"))
    reps = ok["quantity"].to_numpy()
    units = ok.select("donation_id", "device_type", "received_on", "district_code", "p").gather(
        np.repeat(np.arange(ok.height), reps)).with_columns(pl.int_range(pl.len()).alias("unit"))
    return frame, units


def _province_codes(districts: pl.DataFrame) -> np.ndarray:
    """Province code by province index `p`."""
    codes = districts.select("p", "province_code").unique("p").sort("p")
    return codes["province_code"].to_numpy().astype(str)


def _id_prefix(sc: Scale) -> pl.Expr:
    """Donation ids start "UH-", nationally "UH-<province code>-" (the `_prov` column)."""
    return pl.concat_str(pl.lit("UH-"), pl.col("_prov"), pl.lit("-")) if sc.national else pl.lit("UH-")


def donation_files(donations: pl.DataFrame, sc: Scale, rng: np.random.Generator) -> list[tuple[str, pl.DataFrame]]:
    """Donations per year, with a gift entered twice, a corrections file and a few rejected rows.

    `donations_2023_dieu_chinh.csv` sorts after `donations_2023.csv`, so its corrections win
    (conflicting_record); it also repeats two unchanged rows (identical: no issue).
    """
    k = sc.planted
    frame = donations
    # a gift recorded twice under two ids (possible_duplicate_donation)
    received = frame.filter(pl.col("status") == "da_nhan")
    dup_idx = rng.choice(received.height, size=max(3, k // 2), replace=False)
    dups = received[np.sort(dup_idx)]
    dup_ids = received["donation_id"].gather(np.sort(dup_idx)).implode()
    dups = dups.with_columns(pl.concat_str(_id_prefix(sc), pl.col("_year").cast(pl.String), pl.lit("-"),
                                           (pl.int_range(pl.len()).over("_prov", "_year") + 8001).cast(pl.String))
                             .alias("donation_id"))
    # corrections: a typo in the amount (an extra zero) fixed later; a pledge that arrived
    cash = frame.filter((pl.col("form") == "tien_mat") & (pl.col("status") == "da_nhan")
                        & ~pl.col("donation_id").is_in(dup_ids))
    fix_idx = np.sort(rng.choice(cash.height, size=max(3, k // 2), replace=False))
    fixed_ids = cash["donation_id"].gather(fix_idx)
    pledges = frame.filter((pl.col("status") == "cam_ket") & (pl.col("form") == "tien_mat")
                           & (pl.col("pledged_on") < np.datetime64("2023-01-01")))
    arrived = pledges.head(2)
    typo = frame.with_columns(pl.when(pl.col("donation_id").is_in(fixed_ids.implode()))
                              .then(pl.col("amount_vnd") * 10).otherwise(pl.col("amount_vnd")).alias("amount_vnd"))
    corrected = pl.concat([
        frame.filter(pl.col("donation_id").is_in(fixed_ids.implode())),
        arrived.with_columns(pl.lit("da_nhan").alias("status"),
                             (pl.col("pledged_on") + pl.duration(days=75)).alias("received_on")),
        frame.filter((pl.col("status") == "da_nhan") & ~pl.col("donation_id").is_in(fixed_ids.implode()))
        .gather([5, 40]),  # resent unchanged
    ])
    # rows that must be rejected: quantity 0, an in-kind form not in the list, 29 Feb 2022, unknown type
    base = frame.filter(pl.col("form") == "goi_cuoc").head(4).with_columns(pl.col(pl.Date).cast(pl.String),
                                                                           pl.col(pl.Int64).cast(pl.String))
    bad = pl.concat([
        base[0].with_columns(pl.lit("0").alias("quantity")),
        base[1].with_columns(pl.lit("hien_vat").alias("form")),
        base[2].with_columns(pl.lit("2022-02-29").alias("received_on"), pl.lit("2022").alias("_year")),
        base[3].with_columns(pl.lit("ca_nhan_nuoc_ngoai").alias("donor_type")),
    ]).with_columns(pl.concat_str(_id_prefix(sc), pl.col("_year").cast(pl.String), pl.lit("-"),
                                  (pl.int_range(pl.len()) + 8101).cast(pl.String)).alias("donation_id"))
    textual = [c.name for c in CONTRACT["donations"].columns]

    def as_text(f: pl.DataFrame) -> pl.DataFrame:
        return f.select([pl.col(c).cast(pl.String) for c in textual] + [pl.col("_prov", "_year").cast(pl.String)])

    year_rows = pl.concat([as_text(typo), as_text(dups), as_text(bad)])
    if not sc.national:
        files = [(f"donations_{y}.csv", part.sort("donation_id"))
                 for (_, y), part in sorted(year_rows.partition_by("_prov", "_year", as_dict=True).items())]
        files.append(("donations_2023_dieu_chinh.csv", as_text(corrected)))
        return files
    # nationally each province sends its own, and its own corrections (sorted after its 2023 file)
    files = [(f"donations_{p}_{y}.csv", part.sort("donation_id"))
             for (p, y), part in sorted(year_rows.partition_by("_prov", "_year", as_dict=True).items())]
    files += [(f"donations_{p}_2023_dieu_chinh.csv", part)
              for (p,), part in sorted(as_text(corrected).partition_by("_prov", as_dict=True,
                                                                       maintain_order=True).items())]
    return sorted(files, key=lambda named: named[0])
