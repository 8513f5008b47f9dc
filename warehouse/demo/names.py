"""Vietnamese names of people, hamlets, schools' staff, companies and organisations, drawn with the
regional styles of the minorities (Ê Đê / J'rai, northern, central, Khmer), so the demo looks like the lists
the data officers receive without naming any real child.
"""

from __future__ import annotations

import numpy as np

from warehouse.demo.randoms import pick

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


def person_names(rng: np.random.Generator, male: np.ndarray, ethnic: np.ndarray) -> np.ndarray:
    """Vietnamese full names; Ê Đê-style ("H'Nhi Niê", "Y Bích Mlô") where `ethnic`."""
    n = male.size
    fam = pick(rng, tuple(FAMILY), n, np.array(list(FAMILY.values())) / sum(FAMILY.values()))
    mid = np.where(male, pick(rng, tuple(MIDDLE_M), n, np.array(list(MIDDLE_M.values())) / sum(MIDDLE_M.values())),
                   pick(rng, tuple(MIDDLE_F), n, np.array(list(MIDDLE_F.values())) / sum(MIDDLE_F.values())))
    gm, gf = np.array(GIVEN_M), np.array(GIVEN_F)
    im, jf = rng.integers(0, gm.size, n), rng.integers(0, gf.size, n)
    im = np.where(gm[im] == mid, (im + 1) % gm.size, im)  # no "Trần Phương Phương"
    jf = np.where(gf[jf] == mid, (jf + 1) % gf.size, jf)
    given = np.where(male, gm[im], gf[jf])
    kinh = np.strings.add(np.strings.add(np.strings.add(np.strings.add(fam, " "), mid), " "), given)
    e_given = np.where(male, np.strings.add("Y ", pick(rng, ETHNIC_GIVEN_M, n)),
                       np.strings.add("H'", pick(rng, ETHNIC_GIVEN_F, n)))
    e_name = np.strings.add(np.strings.add(e_given, " "), pick(rng, ETHNIC_FAMILY, n))
    return np.where(ethnic, e_name, kinh)


def regional_names(rng: np.random.Generator, male: np.ndarray, ethnic: np.ndarray, style: np.ndarray,
                    names: np.ndarray) -> np.ndarray:
    """Minority children's names of the northern mountains (H'Mông "Giàng A Páo"; Thái, Tày, Dao, Mường
    "Lò Văn Hùng"), the central hills ("Alăng Thị Hoa") and the Mekong Khmer ("Thạch Sa Rươl"), in place
    of the Ê Đê-style ones `person_names` gave them (style 0 keeps those)."""
    at = np.flatnonzero(ethnic & (style > 0))
    male, style, n = male[at], style[at], at.size
    gm, gf = np.array(GIVEN_M), np.array(GIVEN_F)
    given = np.where(male, gm[rng.integers(0, gm.size, n)], gf[rng.integers(0, gf.size, n)])
    van_thi = np.where(male, "Văn ", "Thị ")
    hmong = np.strings.add(np.strings.add(np.strings.add(pick(rng, HMONG_FAMILY, n), " "),
                                          np.where(male, "A ", "Thị ")),
                           np.where(male, pick(rng, HMONG_GIVEN_M, n), pick(rng, HMONG_GIVEN_F, n)))
    north = np.strings.add(np.strings.add(np.strings.add(pick(rng, NORTH_FAMILY, n), " "), van_thi), given)
    central = np.strings.add(np.strings.add(np.strings.add(pick(rng, CENTRAL_FAMILY, n), " "), van_thi), given)
    khmer = np.strings.add(np.strings.add(np.strings.add(pick(rng, KHMER_FAMILY, n), " "),
                                          np.where(male, "", "Thị ")),
                           np.where(male, pick(rng, KHMER_GIVEN_M, n), pick(rng, KHMER_GIVEN_F, n)))
    north = np.where(rng.random(n) < .35, hmong, north)
    names = names.astype(f"<U{max(names.itemsize // 4, 40)}")
    names[at] = np.select([style == 1, style == 2], [north, central], khmer)
    return names


def short_name(name: str) -> str:
    """District / province name without its unit prefix ("Huyện Krông Bông" → "Krông Bông")."""
    for prefix in ("Thành phố ", "Thị xã ", "Huyện ", "Quận ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def lower_prefix(name: str) -> str:
    """"Huyện Krông Bông" → "huyện Krông Bông", as written inside a longer name."""
    return name[:1].lower() + name[1:]
