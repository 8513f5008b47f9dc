"""What the demo generates and at which scale: the contract's codes, the time line of survey rounds and
donation months, the province (Đắk Lắk) and the nation's profiles, and the `Scale` presets. Every other module
of the generator reads its constants here, so a change of scale or time line is made in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ingest.contract import CONTRACT

# --- contract-derived codes (the only place they are spelled is ingest/contract.py) --------------

SCHOOL_TYPES = CONTRACT["schools"].column("school_type").enum.codes
STATUSES = CONTRACT["survey"].column("household_status").enum.codes  # ngheo, can_ngheo, kho_khan_covid, khac
DONOR_TYPES = CONTRACT["donations"].column("donor_type").enum.codes
FORMS = CONTRACT["donations"].column("form").enum.codes  # tien_mat, thiet_bi, goi_cuoc
DEVICE_TYPES = CONTRACT["donations"].column("device_type").enum.codes
DONATION_STATUS = CONTRACT["donations"].column("status").enum.codes  # da_nhan, cam_ket
CONDITIONS = CONTRACT["donations"].column("condition").enum.codes  # moi, da_qua_su_dung
OPERATORS = CONTRACT["coverage"].column("operator").enum.codes
TECHNOLOGIES = CONTRACT["coverage"].column("technology").enum.codes
COVERAGE_STATUS = CONTRACT["coverage"].column("status").enum.codes  # chua_co_song, dang_trien_khai, da_phu_song
GENDERS = CONTRACT["survey"].column("gender").enum.codes  # nam, nu


def weights_of(codes: tuple[str, ...], table: dict[str, float]) -> np.ndarray:
    """Probabilities in contract order; fails loudly when the contract gains or loses a code."""
    if set(table) != set(codes):
        raise ValueError(f"demo weights {sorted(table)} do not match contract codes {sorted(codes)}")
    w = np.array([table[c] for c in codes], dtype=float)
    return w / w.sum()


# --- time line -------------------------------------------------------------------------------------

# The province's need survey: four half-year rounds from the program's launch (September 2021).
ROUNDS = ("2021-H2", "2022-H1", "2022-H2", "2023-H1")
ROUND_START = ("2021-09-13", "2022-02-14", "2022-09-12", "2023-02-13")
ROUND_SCHOOL_YEAR = (0, 0, 1, 1)  # school years from 2021-22; grades advance in September
# The national roll-up starts one round earlier: the first count of spring 2021 (the published 2021
# figures: 56 provinces, 2.215.863 students in need, of whom 570.051 poor, 467.314 near-poor and
# 1.178.498 other), then the same four rounds.
NATIONAL_ROUNDS = ("2021-H1", *ROUNDS)
NATIONAL_ROUND_START = ("2021-04-12", *ROUND_START)
NATIONAL_ROUND_SCHOOL_YEAR = (-1, *ROUND_SCHOOL_YEAR)  # 2021-H1 is in school year 2020-21
DATA_END = np.datetime64("2023-06-30")  # nothing is dated later (the Makefile's AS_OF)
DONATION_MONTHS = np.arange(np.datetime64("2021-09"), np.datetime64("2023-07"))  # 22 months
# Mobilisation peaks at the launch (autumn 2021) and again at the 2022 school-year start.
DONATION_MONTH_WEIGHT = np.array([3, 4, 3.5, 2.5, 1.5, 1.2, 1, 1, 1, 1, 1, 1.3,
                                  1.6, 1.3, 1, .9, .7, .6, .6, .5, .5, .4])

# --- the demo province: Đắk Lắk (plan 001) ---------------------------------------------------------

# district code -> (population in thousands, remoteness 0..1, share of Ê Đê / M'nông / J'rai names).
# Remoteness drives poverty, internet, coverage gaps and how far supply lags.
DAK_LAK = {
    "643": (380, .05, .08), "644": (100, .25, .15), "645": (130, .60, .30), "646": (75, .95, .35),
    "647": (70, .85, .45), "648": (180, .50, .45), "649": (65, .50, .30), "650": (125, .50, .20),
    "651": (150, .45, .15), "652": (75, .90, .35), "653": (95, .90, .40), "654": (205, .35, .20),
    "655": (90, .40, .35), "656": (65, .90, .55), "657": (105, .30, .30),
}
TERTIARY = {"66": ("Trường Đại học Tây Nguyên", "Trường Cao đẳng Sư phạm Đắk Lắk"),
            "01": ("Trường Đại học Sư phạm Hà Nội", "Trường Đại học Bách khoa Hà Nội"),
            "79": ("Trường Đại học Sư phạm TP. Hồ Chí Minh", "Trường Đại học Bách khoa - ĐHQG TP. Hồ Chí Minh"),
            "48": ("Trường Đại học Bách khoa - Đại học Đà Nẵng", "Trường Cao đẳng Sư phạm Đà Nẵng"),
            "46": ("Trường Đại học Sư phạm - Đại học Huế", "Trường Cao đẳng Y tế Huế"),
            "92": ("Trường Đại học Cần Thơ", "Trường Cao đẳng Y tế Cần Thơ")}

# --- the nation (scale "national") -------------------------------------------------------------------

# province code -> (remoteness of its rural districts 0..1, share of ethnic-minority children in need).
# A rough picture from the 2019 census and the program reports: the northern mountains and the Central
# Highlands are remote and largely ethnic-minority, the deltas and the big cities are not. District
# profiles are drawn around these (towns and urban districts much less remote), see `_national_profile`.
PROVINCE_PROFILE = {
    "01": (.12, .01), "02": (.90, .88), "04": (.88, .94), "06": (.78, .88), "08": (.60, .54), "10": (.82, .66),
    "11": (.92, .84), "12": (.93, .85), "14": (.85, .83), "15": (.70, .56), "17": (.62, .74), "19": (.35, .27),
    "20": (.70, .84), "22": (.30, .12), "24": (.35, .13), "25": (.38, .16), "26": (.18, .03), "27": (.08, .01),
    "30": (.15, .01), "31": (.12, .01), "33": (.15, .01), "34": (.18, .01), "35": (.18, .01), "36": (.20, .01),
    "37": (.22, .03), "38": (.45, .17), "40": (.50, .15), "42": (.32, .01), "44": (.38, .03), "45": (.42, .11),
    "46": (.30, .05), "48": (.05, .01), "49": (.45, .09), "51": (.42, .13), "52": (.32, .03), "54": (.35, .06),
    "56": (.28, .06), "58": (.45, .24), "60": (.32, .06), "62": (.82, .54), "64": (.72, .46), "66": (.55, .30),
    "67": (.72, .32), "68": (.52, .24), "70": (.45, .18), "72": (.25, .02), "74": (.08, .01), "75": (.20, .06),
    "77": (.15, .02), "79": (.03, .01), "80": (.30, .01), "82": (.32, .01), "83": (.38, .01), "84": (.48, .32),
    "86": (.32, .02), "87": (.38, .01), "89": (.42, .06), "91": (.45, .13), "92": (.15, .02), "93": (.42, .02),
    "94": (.52, .36), "95": (.48, .08), "96": (.52, .03),
}
NO_SCHOOLS = ("498",)  # Huyện Hoàng Sa: nobody lives there


@dataclass(frozen=True)
class Scale:
    """How much to generate. Every count is a target; the generator lands within a few percent."""

    provinces: tuple[str, ...]  # empty: every province of the reference
    schools: int
    survey_rows: int
    handovers: int
    donations: int
    coverage_points: int
    planted: int  # how many times each planted problem occurs (at least)
    # national: profiles synthesised for every district, files split per province (see `generate`)
    national: bool = False
    rounds: tuple[str, ...] = ROUNDS
    round_start: tuple[str, ...] = ROUND_START
    round_school_year: tuple[int, ...] = ROUND_SCHOOL_YEAR
    entry_round: tuple[float, ...] = (.50, .22, .17, .11)  # the round in which a child is first listed
    rows_per_child: float = 1.96  # measured: listings per child after graduation, non-reporting, drop-outs
    # household status of a child when first listed (ngheo, can_ngheo, kho_khan_covid, khac)
    status_mix: tuple[float, float, float, float] = (28, 21.5, 46, 4.5)  # ~26/21/45/8 in the rows
    blank_orphan_districts: int = 3  # districts that leave covid_orphan blank unless it applies


SCALES = {
    "province": Scale(("66",), schools=230, survey_rows=60_000, handovers=15_000, donations=1_000,
                      coverage_points=100, planted=6),
    # 63 provinces, 704 inhabited district-level units (Hoàng Sa has no schools), 5 rounds
    "national": Scale((), schools=45_000, survey_rows=3_100_000, handovers=485_000, donations=100_000,
                      coverage_points=2_000, planted=60, national=True, rounds=NATIONAL_ROUNDS,
                      round_start=NATIONAL_ROUND_START, round_school_year=NATIONAL_ROUND_SCHOOL_YEAR,
                      entry_round=(.46, .17, .15, .13, .09), rows_per_child=2.42,
                      status_mix=(26, 21.1, 46.7, 6.2), blank_orphan_districts=30),
}

DONOR_TYPE_SHARE = {"ca_nhan": 30, "doanh_nghiep": 30, "to_chuc": 11, "co_quan_nha_nuoc": 11,
                    "doanh_nghiep_vien_thong": 9, "ngan_sach_quy": 9}
# Form mix by donor type: operators give SIMs and data, funds give cash.
FORM_MIX = {t: {"tien_mat": cash, "thiet_bi": dev, "goi_cuoc": sim} for t, (cash, dev, sim) in {
    "ca_nhan": (.70, .30, 0), "doanh_nghiep": (.50, .48, .02), "to_chuc": (.55, .45, 0),
    "co_quan_nha_nuoc": (.55, .45, 0), "doanh_nghiep_vien_thong": (.05, .40, .55), "ngan_sach_quy": (.85, .15, 0),
}.items()}
SERIAL_PREFIX = {"may_tinh_xach_tay": "5CG", "may_tinh_de_ban": "CZC", "may_tinh_bang": "R52",
                 "dien_thoai_thong_minh": "35"}  # laptops/desktops/tablets: maker-style; phones: IMEI
DEVICE_MIX = {"may_tinh_xach_tay": 30, "may_tinh_de_ban": 8, "may_tinh_bang": 37, "dien_thoai_thong_minh": 25}
GRADE_WEIGHT = np.array([1, 1, 1, 1, 1, .95, .95, .9, .9, .55, .5, .45])  # grades 1..12
STAY = .82  # chance a listed child is listed again in the next round
ID_SERIALS = 900_000  # real children's ID serials are below this; the never-surveyed ones above
OTHER_BIRTH_PROVINCES = np.array(["038", "040", "042", "004", "020", "034", "051", "052"])  # migrants' IDs


def scale_of(scale: str, fraction: float = 1.0) -> Scale:
    """The named scale with its row counts multiplied by `fraction` (the benchmark's 1/8 … 1)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {sorted(SCALES)}")
    sc = SCALES[scale]
    if fraction == 1:
        return sc
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], not {fraction}")
    return replace(sc, schools=round(sc.schools * fraction), survey_rows=round(sc.survey_rows * fraction),
                   handovers=round(sc.handovers * fraction), donations=round(sc.donations * fraction),
                   coverage_points=max(20, round(sc.coverage_points * fraction)),
                   planted=max(6, round(sc.planted * fraction)))
