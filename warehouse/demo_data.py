"""Synthetic but realistic source folder for demos, tests and benchmarks (SPEC §3 `demo-data`).

Why synthetic: the real lists name poor children. The folder imitates what the Đắk Lắk data
officers receive (plan 001 in shared/seeds): a school list, the need survey per district and half-year
round, donations per year, handover records per year and the operators' coverage-gap points, in the
canonical format of `ingest/contract.py` (UTF-8, canonical headers and codes, ISO dates, true/false).

The story it tells: students persist across rounds (the same child is resurveyed, grades advance in
September, some families buy a device themselves); devices go mostly to tier 1 first, from donations
received before the handover; supply covers a good part of the need but the remote districts lag.
It also carries the problems the data-quality page exists for, at low realistic rates (see
`_plant_survey`, `_plant_handovers`, `_donation_files`): duplicates, conflicting records, rows that
must be rejected.

Everything is drawn from one `numpy.random.Generator` in a fixed order and built with numpy / polars
arrays (no per-row Python loops), so one seed gives byte-identical files and the same code
grows to national scale: `scale="national"` runs it over the 63 provinces and their districts
(profiles drawn around PROVINCE_PROFILE), five rounds from 2021-H1 with the published 2021 mix of
poor / near-poor / other, ~45.000 schools, ~3.100.000 survey rows, ~500.000 handovers, 100.000
donations and 2.000 coverage points, split into files per province as the provinces send them
(~20 s and ~4.5 GB of memory on a 2-core machine). `fraction` scales the row counts for benchmarks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl

from ingest.contract import CONTRACT
from warehouse.reference import communes_csv_path, districts_csv_path

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


def _weights(codes: tuple[str, ...], table: dict[str, float]) -> np.ndarray:
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
# How minority children's names are written, by region (province code ≤): 0 Ê Đê / J'rai (as in Đắk
# Lắk), 1 northern (H'Mông, Thái, Tày, Dao, Mường), 2 central (Cơ Tu, Bru - Vân Kiều, Raglai), 3 Khmer.
NAME_STYLE_BY_CODE = ((40, 1), (60, 2), (70, 0), (99, 3))
HMONG_FAMILY = ("Giàng", "Vàng", "Sùng", "Thào", "Lý", "Hầu", "Mùa", "Tráng", "Lầu", "Chảo", "Sình", "Vừ")
HMONG_GIVEN_M = ("Páo", "Chứ", "Sử", "Dế", "Lử", "Tủa", "Chúa", "Pó", "Sính", "Dình", "Chu", "Sáng", "Của")
HMONG_GIVEN_F = ("Mỷ", "Dợ", "Sua", "Mai", "Di", "Pà", "Chi", "Say", "Dính", "Ly", "Xúa", "Mang", "Sâu")
NORTH_FAMILY = ("Lò", "Lường", "Cầm", "Quàng", "Tòng", "Nông", "Ma", "Lục", "Triệu", "Bàn", "Hà", "Hoàng",
                "Đinh", "Bùi", "Lèo", "Mè", "Vi", "Sầm")
CENTRAL_FAMILY = ("Alăng", "Bling", "Zơrâm", "Pơloong", "Hồ", "Pinăng", "Katơr", "Chamaléa", "Đinh", "Hồ",
                  "Coor", "Arâl")
KHMER_FAMILY = ("Thạch", "Sơn", "Danh", "Kim", "Lâm", "Lý", "Châu", "Kiên", "Tăng", "Dương")
KHMER_GIVEN_M = ("Sa Rươl", "Sóc", "Sô Phanh", "Đa Ra", "Chanh Thu", "Phal", "Sóc Kha", "Rinh", "Sà Rinh",
                 "Pho", "Sa Vuôl", "Bô Na", "Vi Sal", "Kim Sang")
KHMER_GIVEN_F = ("Sa Rây", "Ra Ny", "Sô Phi", "Chanh Đa", "Sa Phia", "Chăn Thu", "Sô Ny", "Kim Thoa",
                 "Pô Thi", "Sa Vân", "Mây Ly", "Sóc Thi", "Đa Ly", "Ngọc Hân")
NORTH_HAMLETS = ("Nà Khương", "Phìn Hồ", "Hua Pan", "Tà Lùng", "Nậm Cang", "Pá Khoang", "Khau Vai", "Sủng Là",
                 "Mường Mô", "Huổi Lếch", "Pắc Ta", "Nà Sài", "Cốc Pục", "Phiêng Luông", "Tả Phìn", "Lũng Pù",
                 "Nậm Pồ", "Sín Chải", "Séo Lủng", "Phìn Ngan", "Hát Lìu", "Nà Hẩu")
CENTRAL_HAMLETS = ("A Ró", "Cha Lỳ", "A Dớt", "Tà Rị", "A Tép", "Ra Ró", "Xà Ơi", "Pa Lin", "Ka Lang", "Tà Lu",
                   "Ploong", "Bhơ Hôồng", "Ma Nới", "Tà Noong")
KHMER_HAMLETS = ("Sóc Ruộng", "Trà Tim", "Ba Se", "Tà Pạ", "Kinh Ngang", "Ô Chum", "Phnôm Pi", "Sóc Xoài",
                 "Bưng Sen", "Trà Sết", "Tà Ân", "Prey Chóp", "Sro Lôn")


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

# --- names -----------------------------------------------------------------------------------------

FAMILY = {"Nguyễn": 32, "Trần": 10, "Lê": 9, "Phạm": 6, "Hoàng": 5, "Huỳnh": 3, "Phan": 4.5, "Vũ": 3.5,
          "Võ": 4, "Đặng": 2.5, "Bùi": 2.5, "Đỗ": 2, "Hồ": 2, "Ngô": 2, "Dương": 1.5, "Đinh": 1.5, "Trương": 1.5,
          "Lý": .5, "Mai": 1, "Đoàn": 1, "Hà": 1, "Lương": 1, "Nông": 1, "Triệu": .5, "Lò": .5, "Cao": .5}
MIDDLE_M = {"Văn": 40, "Đức": 8, "Minh": 10, "Quốc": 6, "Hữu": 6, "Công": 5, "Thành": 5, "Gia": 6, "Anh": 4,
            "Hoàng": 4, "Trọng": 3, "Xuân": 3}
MIDDLE_F = {"Thị": 45, "Ngọc": 10, "Thu": 6, "Thanh": 6, "Bảo": 5, "Khánh": 5, "Phương": 4, "Mai": 3,
            "Hoài": 3, "Kim": 4, "Mỹ": 4, "Diệu": 3}
GIVEN_M = ("An", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Hải", "Hiếu", "Hoàng", "Huy", "Hùng", "Khang", "Khoa",
           "Kiên", "Long", "Minh", "Nam", "Nghĩa", "Phát", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng",
           "Thành", "Tiến", "Trung", "Tuấn", "Việt", "Vinh", "Bảo", "Đăng", "Khôi", "Nhân", "Lộc", "Toàn")
GIVEN_F = ("Anh", "Chi", "Dung", "Giang", "Hà", "Hân", "Hằng", "Hiền", "Hoa", "Hương", "Huyền", "Lan", "Linh",
           "Mai", "My", "Ngân", "Ngọc", "Nhi", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Thư", "Trang",
           "Trâm", "Uyên", "Vân", "Vy", "Yến", "Tâm", "Hạnh", "Loan", "Diễm")
# Ê Đê / J'rai / M'nông names: "H'" (girls) or "Y " (boys) + given name + family name.
ETHNIC_FAMILY = ("Niê", "Mlô", "Êban", "Ksơr", "Byă", "Adrơng", "Buôn Yă", "Hwing", "Knul", "Kbuôr", "Ayŭn",
                 "Mđrang", "Bdap", "Êñuôl", "Niê Kdăm", "Siu", "Rcom", "Nay", "Kpă", "Bon", "Liêng")
ETHNIC_GIVEN_M = ("Bích", "Kông", "Ngông", "Jút", "Thắng", "Sơn", "Dăm", "Bhiêm", "Nam", "Phin", "Tuân", "Lâm",
                  "Blin", "Khoa", "Krăm", "Tlô", "Djuê", "Mao", "Hùng", "Jôn", "Thoan", "Wơn", "Đam", "Ku")
ETHNIC_GIVEN_F = ("Nhi", "Hen", "Linh", "Yến", "Rin", "Ben", "Ly", "Duin", "Mai", "Loan", "Xuân", "Trinh",
                  "Liên", "Blin", "Ngơn", "Nguyên", "Hnga", "Yôn", "Bơ", "Juê", "Jin", "Ngel", "Drin")
# People schools are named after (and the names every Vietnamese town gives its schools).
SCHOOL_PEOPLE = (
    "Nguyễn Du", "Lê Quý Đôn", "Trần Phú", "Lê Lợi", "Quang Trung", "Nguyễn Trãi", "Chu Văn An", "Lý Thường Kiệt",
    "Hoàng Văn Thụ", "Võ Thị Sáu", "Kim Đồng", "Lê Văn Tám", "Nguyễn Bỉnh Khiêm", "Phan Bội Châu", "Phan Chu Trinh",
    "Trần Quốc Toản", "Nguyễn Viết Xuân", "Hai Bà Trưng", "Ngô Quyền", "Đinh Tiên Hoàng", "Lê Hồng Phong",
    "Nguyễn Thị Minh Khai", "Trần Hưng Đạo", "Võ Văn Tần", "Hùng Vương", "Lạc Long Quân", "Nơ Trang Lơng",
    "Y Jút", "Ama Khê", "Lê Đình Chinh", "Tô Hiệu", "Bế Văn Đàn", "Nguyễn Văn Trỗi", "Cù Chính Lan",
    "Phan Đình Phùng", "Nguyễn Công Trứ", "Mạc Đĩnh Chi", "Lương Thế Vinh", "Trưng Vương", "Hoàng Hoa Thám",
    "Nguyễn Đình Chiểu", "Tôn Đức Thắng", "Phạm Hồng Thái", "Ngô Gia Tự", "Đoàn Thị Điểm", "Y Ngông",
    "Lý Tự Trọng", "Nguyễn Huệ", "Lê Lai", "Trần Quang Khải", "Yết Kiêu", "Phạm Ngũ Lão", "Lê Thánh Tông",
    "Nguyễn Khuyến", "Tô Vĩnh Diện", "Phan Đăng Lưu", "Huỳnh Thúc Kháng", "Trần Cao Vân", "Hồ Tùng Mậu",
    "Nguyễn Chí Thanh", "Trần Văn Ơn", "Nguyễn Văn Cừ", "Hà Huy Tập", "Lê Thị Hồng Gấm", "Nguyễn Trường Tộ",
    "Bùi Thị Xuân", "Ngô Mây", "Hoàng Diệu", "Phan Huy Chú", "Tuệ Tĩnh", "Hàn Thuyên", "Võ Nguyên Giáp",
    "Nguyễn Tri Phương", "Lê Văn Hưu", "Nguyễn Đức Cảnh")
HAMLET_WORDS = ("Ea Kmar", "Tơng Jú", "Ea Bông", "Cuôr Kduê", "Ea Sar", "Ky", "Trí A", "Jun", "Ako Dhông",
                "Kô Sir", "Ea Nao", "Dhung", "Cư Dluê", "Ea Drăng", "Hra", "Krông", "Ea Mdróh", "Tul", "Đrang Phok",
                "M'Liêng", "Dơng Bắk", "Ea Hning", "Kuôp", "Ea Tlá", "Đắk Mẽ", "Jang Lành", "Cư Bông", "Ea Pal")
HAMLET_KINH = ("Tân Lập", "Hòa Bình", "Tân Sơn", "Thống Nhất", "Quyết Thắng", "Tân Thành", "Hợp Thành",
               "Đoàn Kết", "Tân Tiến", "Thanh Bình", "Ea Tân", "Cao Thành", "Phú Lộc", "Bình Minh")
COMPANY_TRADES = ("Thương mại Dịch vụ", "Xây dựng", "Cà phê", "Nông sản", "Vận tải", "Đầu tư", "Công nghệ",
                  "Dược phẩm", "Điện máy", "Vật liệu xây dựng", "Chế biến Nông sản", "Xăng dầu")
COMPANY_NAMES = ("Hoàng Long", "Minh Phát", "Tây Nguyên Xanh", "Đại Thành", "Phú Quý", "Thành Công", "Hưng Thịnh",
                 "An Phát", "Nam Việt", "Ban Mê", "Việt Đức", "Hòa Bình", "Thiên Phú", "Trường Sơn", "Kim Long",
                 "Cao Nguyên", "Hoàng Gia", "Đông Á", "Phước An", "Thắng Lợi", "Tín Nghĩa", "Sao Mai")
COMPANY_FORMS = ("Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Doanh nghiệp tư nhân")

# Organisations by donor type ({p}: the province's short name). Weight = how often they give.
ORGS: dict[str, tuple[tuple[str, float], ...]] = {
    "doanh_nghiep_vien_thong": (
        ("Tập đoàn Viettel", 6), ("Viettel {p}", 5), ("VNPT {p}", 5), ("Tập đoàn Bưu chính Viễn thông Việt Nam", 2),
        ("Tổng công ty Viễn thông MobiFone", 2), ("MobiFone {p}", 2), ("Vietnamobile", .5)),
    "doanh_nghiep": (
        ("Ngân hàng TMCP Ngoại thương Việt Nam - CN {p}", 3),
        ("Ngân hàng TMCP Đầu tư và Phát triển Việt Nam - CN {p}", 3),
        ("Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam - CN {p}", 3),
        ("Ngân hàng TMCP Công Thương Việt Nam - CN {p}", 2), ("Ngân hàng TMCP Sài Gòn Thương Tín - CN {p}", 1.5),
        ("Ngân hàng TMCP Quân đội - CN {p}", 1.5), ("Công ty Điện lực {p}", 2), ("Công ty Xổ số kiến thiết {p}", 2),
        ("Công ty Cổ phần Thế giới Di động", 1.5), ("Công ty Cổ phần FPT", 1.5), ("Tập đoàn Vingroup", 1),
        ("Tổng công ty Cà phê Việt Nam", 1.5), ("Công ty Cổ phần Tập đoàn Trung Nguyên", 1.5)),
    "co_quan_nha_nuoc": (
        ("Sở Giáo dục và Đào tạo tỉnh {p}", 3), ("Sở Thông tin và Truyền thông tỉnh {p}", 2), ("Công an tỉnh {p}", 2),
        ("Bộ Chỉ huy Quân sự tỉnh {p}", 2), ("Kho bạc Nhà nước {p}", 1), ("Cục Thuế tỉnh {p}", 1.5),
        ("Bảo hiểm xã hội tỉnh {p}", 1), ("Báo {p}", 1), ("Đài Phát thanh và Truyền hình {p}", 1),
        ("Văn phòng UBND tỉnh {p}", 1), ("Sở Y tế tỉnh {p}", 1)),
    "to_chuc": (
        ("Ủy ban MTTQ Việt Nam tỉnh {p}", 4), ("Tỉnh Đoàn {p}", 3), ("Hội Chữ thập đỏ tỉnh {p}", 2),
        ("Hội Liên hiệp Phụ nữ tỉnh {p}", 2), ("Hội Khuyến học tỉnh {p}", 2), ("Liên đoàn Lao động tỉnh {p}", 1.5),
        ("Hội Doanh nhân trẻ tỉnh {p}", 1.5), ("Quỹ Bảo trợ trẻ em Việt Nam", 1),
        ("Tổ chức Tầm nhìn Thế giới (World Vision) tại Việt Nam", 1), ("Hội Cựu chiến binh tỉnh {p}", 1),
        ("Hội đồng hương {p} tại TP. Hồ Chí Minh", 1), ("Báo Tuổi Trẻ", 1)),
    "ngan_sach_quy": (
        ("Ngân sách tỉnh {p}", 3), ("Quỹ Vì người nghèo tỉnh {p}", 3), ("Quỹ Khuyến học tỉnh {p}", 2),
        ("Quỹ Bảo trợ trẻ em tỉnh {p}", 1.5), ("Quỹ Phòng, chống dịch COVID-19 tỉnh {p}", 2),
        ("Quỹ Dịch vụ viễn thông công ích Việt Nam", 1)),
}
# Per-district donors, earmarked for their own district.
DISTRICT_DONORS = (("co_quan_nha_nuoc", "UBND {d}"), ("to_chuc", "Ủy ban MTTQ Việt Nam {d}"),
                   ("ngan_sach_quy", "Ngân sách {d}"))

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


# ==================================================================================================
# entry point
# ==================================================================================================

OWN_FILES = re.compile(r"^(schools(_\d{2})?|coverage(_\d{2})?|survey_\d{4}-H[12]_\d+"
                       r"|donations_(\d{2}_)?\d{4}(_dieu_chinh)?|handovers_(\d{2}_)?\d{4})\.csv$")


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

    districts = _districts(sc)
    communes = _communes(districts, sc)
    schools = _schools(districts, communes, sc, rng)
    kids = _children(districts, schools, sc, rng)
    rows = _listing(kids, schools, districts, sc, rng)
    donations, units = _donations(districts, kids, sc, rng)
    alloc = _allocate(kids, rows, units, districts, schools, sc, rng)
    rows = _apply_outcomes(rows, kids, alloc, sc, rng)
    people = pl.concat([kids, alloc.ghosts], how="diagonal")
    survey = _plant_survey(_survey_frame(rows, kids, schools, sc), schools, alloc.hand["c"], sc, rng)
    coverage = _coverage(districts, communes, sc, rng)

    files: list[tuple[str, str, pl.DataFrame]] = []
    if sc.national:  # one list per province and round (year) as the Sở GDĐT send them
        files += [("schools", f"schools_{prov}.csv", part) for (prov,), part in sorted(
            _schools_frame(schools).partition_by("province_code", as_dict=True, maintain_order=True).items())]
        files += [("survey", f"survey_{rnd}_{prov}.csv", part.drop("_province")) for (rnd, prov), part in sorted(
            survey.partition_by(["survey_round", "_province"], as_dict=True, maintain_order=True).items())]
    else:  # the province: one list per district and round
        files.append(("schools", "schools.csv", _schools_frame(schools)))
        files += [("survey", f"survey_{rnd}_{dist}.csv", part) for (rnd, dist), part in sorted(
            survey.partition_by(["survey_round", "_district"], as_dict=True, maintain_order=True).items())]
    files += [("donations", name, part) for name, part in _donation_files(donations, sc, rng)]
    files += [("handovers", name, part)
              for name, part in _handover_files(alloc.hand, people, schools, districts, sc, rng)]
    cov = _coverage_frame(coverage, rng)
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


# ==================================================================================================
# helpers
# ==================================================================================================

def _pick_in_groups(item_group: np.ndarray, cand_group: np.ndarray, cand_weight: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """For each item, the index of a candidate of the same group, drawn by weight (vectorised).

    Candidates are laid on one axis as group + cumulative share within the group; a uniform draw
    added to the item's group then lands on a candidate of that group. Every group used by an item
    must have a candidate.
    """
    order = np.argsort(cand_group, kind="stable")
    g, w = cand_group[order], cand_weight[order].astype(float)
    n_groups = int(max(g.max(initial=0), item_group.max(initial=0))) + 1
    totals = np.bincount(g, weights=w, minlength=n_groups)
    if (totals[np.unique(item_group)] <= 0).any():
        raise ValueError("a group without candidates")
    before = np.cumsum(w) - w
    group_start = np.zeros(n_groups)
    first = np.r_[True, g[1:] != g[:-1]]
    group_start[g[first]] = before[first]
    key = g + (before - group_start[g]) / totals[g]
    pos = np.searchsorted(key, item_group + rng.random(item_group.size), side="right") - 1
    return order[pos]


def _choice(rng: np.random.Generator, options: tuple[str, ...] | np.ndarray, n: int,
            p: np.ndarray | None = None) -> np.ndarray:
    """n draws from `options` (as a numpy string array)."""
    opts = np.asarray(options)
    return opts[rng.choice(opts.size, size=n, p=p)]


def _names(rng: np.random.Generator, male: np.ndarray, ethnic: np.ndarray) -> np.ndarray:
    """Vietnamese full names; Ê Đê-style ("H'Nhi Niê", "Y Bích Mlô") where `ethnic`."""
    n = male.size
    fam = _choice(rng, tuple(FAMILY), n, np.array(list(FAMILY.values())) / sum(FAMILY.values()))
    mid = np.where(male, _choice(rng, tuple(MIDDLE_M), n, np.array(list(MIDDLE_M.values())) / sum(MIDDLE_M.values())),
                   _choice(rng, tuple(MIDDLE_F), n, np.array(list(MIDDLE_F.values())) / sum(MIDDLE_F.values())))
    gm, gf = np.array(GIVEN_M), np.array(GIVEN_F)
    im, jf = rng.integers(0, gm.size, n), rng.integers(0, gf.size, n)
    im = np.where(gm[im] == mid, (im + 1) % gm.size, im)  # no "Trần Phương Phương"
    jf = np.where(gf[jf] == mid, (jf + 1) % gf.size, jf)
    given = np.where(male, gm[im], gf[jf])
    kinh = np.strings.add(np.strings.add(np.strings.add(np.strings.add(fam, " "), mid), " "), given)
    e_given = np.where(male, np.strings.add("Y ", _choice(rng, ETHNIC_GIVEN_M, n)),
                       np.strings.add("H'", _choice(rng, ETHNIC_GIVEN_F, n)))
    e_name = np.strings.add(np.strings.add(e_given, " "), _choice(rng, ETHNIC_FAMILY, n))
    return np.where(ethnic, e_name, kinh)


def _regional_names(rng: np.random.Generator, male: np.ndarray, ethnic: np.ndarray, style: np.ndarray,
                    names: np.ndarray) -> np.ndarray:
    """Minority children's names of the northern mountains (H'Mông "Giàng A Páo"; Thái, Tày, Dao, Mường
    "Lò Văn Hùng"), the central hills ("Alăng Thị Hoa") and the Mekong Khmer ("Thạch Sa Rươl"), in place
    of the Ê Đê-style ones `_names` gave them (style 0 keeps those)."""
    at = np.flatnonzero(ethnic & (style > 0))
    male, style, n = male[at], style[at], at.size
    gm, gf = np.array(GIVEN_M), np.array(GIVEN_F)
    given = np.where(male, gm[rng.integers(0, gm.size, n)], gf[rng.integers(0, gf.size, n)])
    van_thi = np.where(male, "Văn ", "Thị ")
    hmong = np.strings.add(np.strings.add(np.strings.add(_choice(rng, HMONG_FAMILY, n), " "),
                                          np.where(male, "A ", "Thị ")),
                           np.where(male, _choice(rng, HMONG_GIVEN_M, n), _choice(rng, HMONG_GIVEN_F, n)))
    north = np.strings.add(np.strings.add(np.strings.add(_choice(rng, NORTH_FAMILY, n), " "), van_thi), given)
    central = np.strings.add(np.strings.add(np.strings.add(_choice(rng, CENTRAL_FAMILY, n), " "), van_thi), given)
    khmer = np.strings.add(np.strings.add(np.strings.add(_choice(rng, KHMER_FAMILY, n), " "),
                                          np.where(male, "", "Thị ")),
                           np.where(male, _choice(rng, KHMER_GIVEN_M, n), _choice(rng, KHMER_GIVEN_F, n)))
    north = np.where(rng.random(n) < .35, hmong, north)
    names = names.astype(f"<U{max(names.itemsize // 4, 40)}")
    names[at] = np.select([style == 1, style == 2], [north, central], khmer)
    return names


def _id_serials(rng: np.random.Generator, prov: np.ndarray, csd: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """Serials below ID_SERIALS such that the 12-digit IDs (prov, century/sex, year, serial) are distinct.

    At national scale there are more children than serials, so distinctness is per ID, not per serial:
    draw, then redraw the later of any colliding pair until none is left (a few rounds)."""
    head = ((prov.astype(np.int64) * 10 + csd) * 100 + birth_year % 100) * ID_SERIALS
    serial = rng.integers(0, ID_SERIALS, prov.size)
    for _ in range(50):
        key = head + serial
        order = np.argsort(key, kind="stable")
        clash = order[1:][key[order][1:] == key[order][:-1]]
        if not clash.size:
            return serial
        serial[clash] = rng.integers(0, ID_SERIALS, clash.size)
    raise RuntimeError("could not draw distinct student IDs")


def _unique_ints(rng: np.random.Generator, n: int, high: int) -> np.ndarray:
    """n distinct integers in [0, high), in random order."""
    return rng.choice(high, size=n, replace=False)


def _base36(values: np.ndarray, width: int) -> np.ndarray:
    """Upper-case base-36 strings of fixed width (serial numbers)."""
    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"))  # no I/O, as on labels
    base = alphabet.size
    digits = np.stack([(values // base ** k) % base for k in range(width - 1, -1, -1)], axis=1)
    return np.ascontiguousarray(alphabet[digits]).view(f"<U{width}").ravel()


def _imei(values: np.ndarray) -> np.ndarray:
    """15-digit IMEIs ("35" + 12 digits + Luhn check digit)."""
    body = np.char.zfill(values.astype(str), 12)
    digits = np.stack([np.full(values.size, 3), np.full(values.size, 5)]
                      + [(values // 10 ** k) % 10 for k in range(11, -1, -1)], axis=1)
    doubled = digits.copy()
    doubled[:, 1::2] *= 2  # Luhn: double every second digit from the left of the 14-digit body
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    check = (10 - doubled.sum(axis=1) % 10) % 10
    return np.strings.add(np.strings.add("35", body), check.astype(str))


def _random_dates(rng: np.random.Generator, start: np.ndarray | np.datetime64, span_days: np.ndarray | int,
                  n: int) -> np.ndarray:
    """start + U[0, span) days."""
    return start + np.floor(rng.random(n) * span_days).astype("timedelta64[D]")


def _short(name: str) -> str:
    """District / province name without its unit prefix ("Huyện Krông Bông" → "Krông Bông")."""
    for prefix in ("Thành phố ", "Thị xã ", "Huyện ", "Quận ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _lower_prefix(name: str) -> str:
    """"Huyện Krông Bông" → "huyện Krông Bông", as written inside a longer name."""
    return name[:1].lower() + name[1:]


# ==================================================================================================
# reference: districts, communes
# ==================================================================================================

def _districts(sc: Scale) -> pl.DataFrame:
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
        pl.col("district_name").map_elements(_short, return_dtype=pl.String).alias("short"),
        pl.col("district_name").map_elements(_lower_prefix, return_dtype=pl.String).alias("lower"),
        pl.col("province_name").map_elements(_short, return_dtype=pl.String).alias("pshort"),
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


def _communes(districts: pl.DataFrame, sc: Scale) -> pl.DataFrame:
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


# ==================================================================================================
# schools
# ==================================================================================================

def _schools(districts: pl.DataFrame, communes: pl.DataFrame, sc: Scale, rng: np.random.Generator) -> pl.DataFrame:
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


def _schools_frame(schools: pl.DataFrame) -> pl.DataFrame:
    """The school list as delivered, plus one kindergarten the Sở's list carried by mistake (rejected)."""
    bad = schools.filter(pl.col("school_type") == "tieu_hoc").head(1).with_columns(
        pl.concat_str(pl.col("school_code").str.slice(0, 5), pl.lit("900")).alias("school_code"),
        pl.lit("Trường Mầm non Hoa Sen").alias("school_name"), pl.lit("mam_non").alias("school_type"))
    return pl.concat([schools, bad]).sort("school_code")


# ==================================================================================================
# children and their listings
# ==================================================================================================

def _children(districts: pl.DataFrame, schools: pl.DataFrame, sc: Scale, rng: np.random.Generator) -> pl.DataFrame:
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
    dob = _random_dates(rng, jan1, year_len, n)
    male = rng.random(n) < .515
    ethnic = rng.random(n) < eth[d]
    names = _names(rng, male, ethnic)
    home = np.strings.add("0", districts["province_code"].to_numpy().astype(str))[d]
    # personal ID (12 digits) for ~82%: province of birth registration, century/sex, birth year, serial
    has_id = rng.random(n) < .82
    prov = np.where(rng.random(n) < .975, home,
                    _choice(rng, np.strings.add("0", np.array(sorted(PROVINCE_PROFILE))) if sc.national
                            else OTHER_BIRTH_PROVINCES, n))
    csd = np.where(birth_year >= 2000, 2, 0) + (~male)
    serial = _id_serials(rng, prov, csd, birth_year) if sc.national else _unique_ints(rng, n, ID_SERIALS)
    serial = np.char.zfill(serial.astype(str), 6)
    sid = np.strings.add(np.strings.add(np.strings.add(prov, csd.astype(str)),
                                        np.char.zfill((birth_year % 100).astype(str), 2)), serial)
    if sc.national:  # minority names as written in the child's region (Ê Đê-style ones stay)
        names = _regional_names(rng, male, ethnic, districts["style"].to_numpy()[d], names)
    # household: remote districts have more poor households; the mix as the scale says
    p = _weights(STATUSES, dict(zip(("ngheo", "can_ngheo", "kho_khan_covid", "khac"), sc.status_mix, strict=True)))
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
    by_level = [c_s[_pick_in_groups(d * 3 + lv, c_g, c_w, rng)] for lv in range(3)]
    lien = schools["school_type"].to_numpy() == "lien_cap"
    by_level[1] = np.where(lien[by_level[0]], by_level[0], by_level[1])  # TH-THCS pupils stay on
    if has_tertiary.height:
        t_s = has_tertiary["s"].to_numpy()
        if sc.national:
            tert_school = t_s[_pick_in_groups(prov_of[d], prov_of[has_tertiary["d"].to_numpy()],
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


def _listing(kids: pl.DataFrame, schools: pl.DataFrame, districts: pl.DataFrame, sc: Scale,
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


# ==================================================================================================
# donations and device units
# ==================================================================================================

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
        _choice(rng, COMPANY_FORMS, k, np.array([.5, .3, .12, .08])), " "), _choice(rng, COMPANY_TRADES, k)), " "),
        _choice(rng, COMPANY_NAMES, k))
    company = pl.DataFrame({"donor_name": company, "prov": np.repeat(np.arange(n_prov), 90)}).unique().sort(
        "prov", "donor_name")
    k = 260 * n_prov
    male = rng.random(k) < .6
    people = _names(rng, male, rng.random(k) < .05)
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


def _donations(districts: pl.DataFrame, kids: pl.DataFrame, sc: Scale,
               rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The true donations (before any data-entry trouble) and the device units they brought.

    Nationally each gift is made in one province, drawn in proportion to its children in need, so
    that supply roughly follows need; the donor is one of that province's (or a national one)."""
    pool = _donor_pool(districts, rng)
    n = sc.donations
    n_types = len(DONOR_TYPES)
    t_idx = rng.choice(n_types, size=n, p=_weights(DONOR_TYPES, DONOR_TYPE_SHARE))
    prov_of = districts["p"].to_numpy()
    if sc.national:
        need = np.bincount(kids["p"].to_numpy(), minlength=prov_of.max() + 1).astype(float)
        p_idx = rng.choice(need.size, size=n, p=need / need.sum())
    else:
        p_idx = np.zeros(n, dtype=np.int64)
    pool_t = pool["donor_type"].replace_strict(list(DONOR_TYPES), list(range(n_types))).to_numpy()
    donor = _pick_in_groups(p_idx * n_types + t_idx, pool["prov"].to_numpy() * n_types + pool_t,
                            pool["w"].to_numpy(), rng)
    dtype = np.array(DONOR_TYPES)[t_idx]
    mix = np.array([_weights(FORMS, FORM_MIX[t]) for t in DONOR_TYPES])[t_idx]
    form = np.array(FORMS)[(rng.random(n)[:, None] >= np.cumsum(mix, axis=1)[:, :-1]).sum(axis=1)]
    individual = dtype == "ca_nhan"
    month = rng.choice(DONATION_MONTHS.size, size=n, p=DONATION_MONTH_WEIGHT / DONATION_MONTH_WEIGHT.sum())
    first = DONATION_MONTHS[month].astype("datetime64[D]")
    month_len = ((DONATION_MONTHS[month] + 1).astype("datetime64[D]") - first).astype(int)
    when = np.minimum(_random_dates(rng, first, month_len, n), DATA_END - 5)
    pledged = rng.random(n) < np.where(individual, .02, .09)
    pledged_on = np.where(pledged | (rng.random(n) < .15), when - rng.integers(5, 60, n).astype("timedelta64[D]"),
                          np.datetime64("NaT"))
    pledged_on = np.where(pledged, when, pledged_on)  # a pledge not yet received: dated by the pledge
    # cash: whole millions (individuals: half-millions), 1–500 million VND
    scale_m = np.select([individual, dtype == "ngan_sach_quy", dtype == "doanh_nghiep"], [4, 120, 60], 40)
    amount = np.clip(rng.lognormal(np.log(scale_m), .8), 1, 500)
    amount = np.where(individual, np.round(amount * 2) / 2, np.round(amount)) * 1_000_000
    device = _choice(rng, DEVICE_TYPES, n, _weights(DEVICE_TYPES, DEVICE_MIX))
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
    marked = (_pick_in_groups(p_idx, prov_of, rem, rng) if sc.national  # a district of the donation's province
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


def _donation_files(donations: pl.DataFrame, sc: Scale, rng: np.random.Generator) -> list[tuple[str, pl.DataFrame]]:
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


# ==================================================================================================
# handovers
# ==================================================================================================

@dataclass
class Allocation:
    """Who got which device when, plus the planted irregular handovers."""

    hand: pl.DataFrame  # c, unit, donation_id, device_type, received_on, handed_on, includes_connectivity, kind
    ghosts: pl.DataFrame  # children handed a device who are on no need list
    selfres: pl.Series  # children whose family got a device themselves


def _allocate(kids: pl.DataFrame, rows: pl.DataFrame, units: pl.DataFrame, districts: pl.DataFrame,
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
    names = _names(rng, male, rng.random(n) < .3)
    g21 = rng.integers(1, 10, n)
    birth = 2016 - g21
    dob = (birth - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(0, 365, n).astype(
        "timedelta64[D]")
    home = np.strings.add("0", districts["province_code"].to_numpy().astype(str))[d]
    sid = np.strings.add(np.strings.add(home, np.where(male, "2", "3")),
                         np.char.zfill((birth % 100).astype(str), 2))
    sid = np.strings.add(sid, np.char.zfill(rng.integers(ID_SERIALS, 1_000_000, n).astype(str), 6))
    cand = schools.filter(pl.col("school_type").is_in(["tieu_hoc", "thcs"]))
    s = cand["s"].to_numpy()[_pick_in_groups(d, cand["d"].to_numpy(), np.ones(cand.height), rng)]
    return pl.DataFrame({"c": kids.height + 1_000_000 + np.arange(n), "d": d, "g21": g21,
                         "tertiary": np.zeros(n, bool), "dob": dob, "male": male, "full_name": names,
                         "has_id": rng.random(n) < .7, "student_id": sid, "s0": s, "s1": s, "s2": s})


# ==================================================================================================
# outcomes back onto the survey rows
# ==================================================================================================

def _apply_outcomes(rows: pl.DataFrame, kids: pl.DataFrame, alloc: Allocation, sc: Scale,
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


# ==================================================================================================
# survey frame and its planted problems
# ==================================================================================================

def _survey_frame(rows: pl.DataFrame, kids: pl.DataFrame, schools: pl.DataFrame, sc: Scale) -> pl.DataFrame:
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


def _plant_survey(f: pl.DataFrame, schools: pl.DataFrame, served: pl.Series, sc: Scale,
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
    other = _pick_in_groups(tw["g"].to_numpy(), st["g"].to_numpy(), np.ones(st.height), rng)
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


# ==================================================================================================
# handover files
# ==================================================================================================

def _handover_files(hand: pl.DataFrame, kids: pl.DataFrame, schools: pl.DataFrame, districts: pl.DataFrame,
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
    raw = _unique_ints(rng, n, 34 ** 7)
    prefix = h["device_type"].replace_strict(SERIAL_PREFIX).to_numpy().astype(str)
    serial = np.where(h["device_type"].to_numpy() == "dien_thoai_thong_minh", _imei(raw % 10 ** 12),
                      np.strings.add(prefix, _base36(raw, 7)))
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


# ==================================================================================================
# coverage
# ==================================================================================================

def _coverage(districts: pl.DataFrame, communes: pl.DataFrame, sc: Scale, rng: np.random.Generator) -> pl.DataFrame:
    """Villages without mobile internet at the start, in the highland districts."""
    n = sc.coverage_points
    rem = districts["rem"].to_numpy()
    rural = communes.filter(pl.col("rural"))
    w = np.where(rem >= .45, rem ** 2, .01)
    w = np.where(np.isin(np.arange(rem.size), rural["d"].to_numpy()), w, 0)  # not in a town without villages
    d = np.sort(rng.choice(rem.size, size=n, p=w / w.sum()))
    ci = _pick_in_groups(d, rural["d"].to_numpy(), np.ones(rural.height), rng)
    ethnic = rng.random(n) < .6
    hamlet = np.where(ethnic, np.strings.add(np.where(districts["district_code"].to_numpy()[d] == "656", "Bon ",
                                                      "Buôn "), _choice(rng, HAMLET_WORDS, n)),
                      np.where(rng.random(n) < .6, np.strings.add("Thôn ", rng.integers(1, 16, n).astype(str)),
                               np.strings.add("Thôn ", _choice(rng, HAMLET_KINH, n))))
    if sc.national:  # villages of the north ("Bản"), the central hills ("Thôn") and the Mekong ("Ấp")
        style = districts["style"].to_numpy()[d]
        hamlet = np.select([ethnic & (style == 1), ethnic & (style == 2), style == 3], [
            np.strings.add("Bản ", _choice(rng, NORTH_HAMLETS, n)),
            np.strings.add("Thôn ", _choice(rng, CENTRAL_HAMLETS, n)),
            np.where(ethnic, np.strings.add("Ấp ", _choice(rng, KHMER_HAMLETS, n)),
                     np.strings.add("Ấp ", rng.integers(1, 12, n).astype(str)))], hamlet)
    status = _choice(rng, COVERAGE_STATUS, n, _weights(COVERAGE_STATUS, {"chua_co_song": 23, "dang_trien_khai": 27,
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
        "operator": _choice(rng, OPERATORS, n, _weights(OPERATORS, {"viettel": 52, "vnpt": 30, "mobifone": 18,
                                                                    "vietnamobile": 0, "khac": 0})),
        "technology": _choice(rng, TECHNOLOGIES, n, _weights(TECHNOLOGIES, {"3g": 5, "4g": 80, "5g": 0,
                                                                            "cap_quang": 15})),
        "status": status, "planned_on": np.where(rng.random(n) < .05, np.datetime64("NaT"), planned),
        "completed_on": np.where(status == "da_phu_song", completed, np.datetime64("NaT")),
        "households": households,
        "students": np.round(households * rng.uniform(.25, .7, n)).astype(int),
    })


def _coverage_frame(cov: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Coverage points as the operators report them, with two rows that must be rejected."""
    cov = cov.with_columns(pl.concat_str(pl.lit("LS-"), pl.col("district_code"), pl.lit("-"),
                                         (pl.int_range(pl.len()).over("district_code") + 1).cast(pl.String)
                                         .str.zfill(2)).alias("point_id"))
    n = cov.height
    no_op = (cov["status"].to_numpy() == "chua_co_song") & (rng.random(n) < .3)
    text = cov.with_columns(pl.when(pl.lit(no_op)).then(None).otherwise(pl.col("operator")).alias("operator"),
                            pl.when(pl.lit(no_op)).then(None).otherwise(pl.col("technology")).alias("technology"),
                            ).select([pl.col(c.name).cast(pl.String) for c in CONTRACT["coverage"].columns])
    bad = text.tail(2).with_columns(pl.concat_str(pl.col("point_id"), pl.lit("b")).alias("point_id"))
    bad = bad.with_columns(pl.Series("operator", ["gtel", bad["operator"][1]]),
                           pl.Series("status", [bad["status"][0], "tam_dung"]))
    return pl.concat([text, bad])
