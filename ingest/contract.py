"""The input contract (SPEC §4): kinds, columns, types, aliases, enumerations.

This module is the single source of truth. The reader maps headers with it, the validator
generates its SQL from it, the demo-data generator writes its headers from it and
`docs/input-format.md` is rendered from it (`python -m ingest.contract > docs/input-format.md`).
Change a rule here and every stage follows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

# Order matters: a kind may reference only kinds listed before it (districts → schools → …).
KINDS: tuple[str, ...] = ("districts", "schools", "survey", "donations", "handovers", "coverage")

# The birth date a pseudonymised Parquet row carries (ingest/pseudonym.py): a date no pupil has, by which the fuzzy
# name search (expectations/fuzzy.py) leaves those rows out: they have no name to compare.
PSEUDONYM_BIRTH_DATE = date(1900, 1, 1)

# Types: text | id (text, spaces and dashes dropped) | int | decimal (dot or comma) | date | bool | enum | round
TYPES = ("text", "id", "int", "decimal", "date", "bool", "enum", "round")


@dataclass(frozen=True)
class Enum:
    """An enumeration: canonical codes, each with the labels people actually write."""

    name: str
    labels: dict[str, tuple[str, ...]]  # code -> aliases (labels); the code itself always matches

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)


@dataclass(frozen=True)
class Column:
    """One canonical column of a kind.

    `required`: the value must be present (and the header too).
    `required_if`: (other column, codes) — the value is required when the other column's typed
    value is one of the codes; the header may then be absent from a file that never needs it.
    `ref`: the kind whose key this value must exist in (`districts` or `schools`).
    `keeps_row`: a broken value is dropped (NULL) and listed in dq.rejected_rows, but the row is kept (coordinates:
    a school must not be lost because its point is wrong).
    """

    name: str
    type: str
    required: bool = False
    enum: Enum | None = None
    aliases: tuple[str, ...] = ()
    default: object = None
    min: float | None = None
    max: float | None = None
    required_if: tuple[str, tuple[str, ...]] | None = None
    ref: str | None = None
    note: str = ""
    keeps_row: bool = False


@dataclass(frozen=True)
class Kind:
    name: str
    columns: tuple[Column, ...]
    key: str | None  # the id column (unique after conflict resolution), None for survey
    # Groups of columns of which at least one header must be present (schools: code or name).
    one_of: tuple[tuple[str, ...], ...] = field(default=())
    label_vi: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required_headers(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


# --- enumerations -----------------------------------------------------------------------

SCHOOL_TYPE = Enum("school_type", {
    "tieu_hoc": ("Tiểu học", "TH", "Trường tiểu học"),
    "thcs": ("Trung học cơ sở", "THCS"),
    "thpt": ("Trung học phổ thông", "THPT"),
    "lien_cap": ("Liên cấp", "Trường liên cấp", "TH-THCS", "THCS-THPT", "PTDTBT"),
    "gdnn_gdtx": ("GDNN-GDTX", "GDNN - GDTX", "Giáo dục nghề nghiệp - Giáo dục thường xuyên",
                  "Trung tâm GDNN-GDTX", "GDTX"),
    "cao_dang_dai_hoc": ("Cao đẳng, đại học", "Cao đẳng/Đại học", "Cao đẳng", "Đại học"),
})
GENDER = Enum("gender", {"nam": ("Nam", "M", "Male"), "nu": ("Nữ", "F", "Female")})
HOUSEHOLD_STATUS = Enum("household_status", {
    "ngheo": ("Hộ nghèo", "Nghèo", "Poor"),
    "can_ngheo": ("Hộ cận nghèo", "Cận nghèo", "Near-poor", "Near poor"),
    "kho_khan_covid": ("Khó khăn do COVID-19", "Khó khăn do COVID", "Khó khăn do dịch COVID-19",
                       "Hộ khó khăn do COVID-19", "Hardship COVID-19"),
    "khac": ("Khác", "Other"),
})
DONOR_TYPE = Enum("donor_type", {
    "co_quan_nha_nuoc": ("Cơ quan nhà nước", "Cơ quan, đơn vị nhà nước", "Cơ quan"),
    "doanh_nghiep": ("Doanh nghiệp", "Công ty"),
    "doanh_nghiep_vien_thong": ("Doanh nghiệp viễn thông", "Nhà mạng"),
    "to_chuc": ("Tổ chức", "Tổ chức xã hội", "Hội, tổ chức"),
    "ca_nhan": ("Cá nhân", "Cá nhân, nhà hảo tâm", "Nhà hảo tâm"),
    "ngan_sach_quy": ("Ngân sách, quỹ", "Ngân sách/Quỹ", "Ngân sách", "Quỹ"),
})
FORM = Enum("form", {
    "tien_mat": ("Tiền mặt", "Tiền", "Cash"),
    "thiet_bi": ("Thiết bị", "Máy tính", "Devices", "Device"),
    "goi_cuoc": ("Gói cước", "Gói cước viễn thông", "SIM", "Data package"),
})
DONATION_STATUS = Enum("donation_status", {
    "da_nhan": ("Đã nhận", "Đã tiếp nhận", "Received"),
    "cam_ket": ("Cam kết", "Đăng ký", "Pledged"),
})
DEVICE_TYPE = Enum("device_type", {
    "may_tinh_xach_tay": ("Máy tính xách tay", "Laptop", "Máy xách tay"),
    "may_tinh_de_ban": ("Máy tính để bàn", "Desktop", "Máy để bàn"),
    "may_tinh_bang": ("Máy tính bảng", "Tablet", "Máy tính bảng (tablet)"),
    "dien_thoai_thong_minh": ("Điện thoại thông minh", "Smartphone", "Điện thoại"),
})
CONDITION = Enum("condition", {
    "moi": ("Mới", "New"),
    "da_qua_su_dung": ("Đã qua sử dụng", "Cũ", "Used"),
})
OPERATOR = Enum("operator", {
    "viettel": ("Viettel",), "vnpt": ("VNPT", "VinaPhone"), "mobifone": ("MobiFone",),
    "vietnamobile": ("Vietnamobile",), "khac": ("Khác", "Other"),
})
TECHNOLOGY = Enum("technology", {
    "3g": ("3G",), "4g": ("4G", "LTE"), "5g": ("5G",), "cap_quang": ("Cáp quang", "Fiber", "FTTH"),
})
COVERAGE_STATUS = Enum("coverage_status", {
    "chua_co_song": ("Chưa có sóng", "Chưa phủ sóng", "No signal"),
    "dang_trien_khai": ("Đang triển khai", "In progress"),
    "da_phu_song": ("Đã phủ sóng", "Đã có sóng", "Hoàn thành", "Covered"),
})

BOOL_TRUE = ("1", "true", "yes", "y", "x", "có", "co")
BOOL_FALSE = ("0", "false", "no", "n", "không", "khong")

# District name prefixes ignored when a school names its district instead of coding it.
DISTRICT_PREFIXES = ("Thành phố", "Thị xã", "Huyện", "Quận", "TP.", "TX.", "H.", "TP", "TX")

# --- shared column definitions ----------------------------------------------------------

# Vietnam's bounding box (issue 23 point 4, maps): mainland and the islands near the shore (Phú Quốc, Côn Đảo,
# Cồn Cỏ, Bạch Long Vĩ); the offshore archipelagos are outside it (no school or coverage point there in the data).
VIETNAM_BOX = {"latitude": (8.0, 23.5), "longitude": (102.0, 110.0)}
COORDINATES = ("latitude", "longitude")  # optional, both or neither; a broken pair is dropped, the row kept
_COORDINATE_NOTE = ("số thập phân (dấu chấm hoặc phẩy); không bắt buộc, có cả hai hoặc không có cả hai; giá trị sai "
                    "(không phải số, ngoài Việt Nam, thiếu một trong hai): bỏ tọa độ, vẫn nạp dòng, ghi vào dòng bị "
                    "loại / decimal (dot or comma); optional, both or neither; a bad pair is dropped, the row kept "
                    "and the value listed in the rejected rows")
_LATITUDE = Column("latitude", "decimal", min=VIETNAM_BOX["latitude"][0], max=VIETNAM_BOX["latitude"][1],
                   aliases=("Vĩ độ", "lat", "vi_do", "Vĩ độ (lat)"), note=_COORDINATE_NOTE, keeps_row=True)
_LONGITUDE = Column("longitude", "decimal", min=VIETNAM_BOX["longitude"][0], max=VIETNAM_BOX["longitude"][1],
                    aliases=("Kinh độ", "lon", "lng", "long", "kinh_do", "Kinh độ (lon)"), note=_COORDINATE_NOTE,
                    keeps_row=True)

_DISTRICT_CODE_ALIASES = ("Mã huyện", "Mã quận huyện", "Mã quận/huyện", "Mã đơn vị hành chính cấp huyện")
_SCHOOL_CODE_ALIASES = ("Mã trường",)
_STUDENT_ID = Column("student_id", "id", aliases=(
    "Mã học sinh", "Mã định danh", "Mã định danh cá nhân", "Số CCCD", "Mã HS", "Mã định danh học sinh"),
    note="mã định danh (12 chữ số) hoặc mã do trường cấp; bỏ dấu cách và gạch ngang")
_FULL_NAME = Column("full_name", "text", required=True,
                    aliases=("Họ và tên", "Họ tên", "Tên học sinh", "Họ và tên học sinh"))
_DOB = Column("date_of_birth", "date", required=True, aliases=("Ngày sinh", "Ngày tháng năm sinh"))
_DEVICE_TYPE_ALIASES = ("Loại thiết bị",)

DISTRICTS = Kind("districts", (
    Column("district_code", "text", required=True, aliases=_DISTRICT_CODE_ALIASES),
    Column("district_name", "text", required=True,
           aliases=("Huyện", "Quận/Huyện", "Tên huyện", "Tên quận huyện", "Tên quận/huyện")),
    Column("province_code", "text", required=True, aliases=("Mã tỉnh",)),
    Column("province_name", "text", required=True, aliases=("Tỉnh", "Tên tỉnh", "Tỉnh/Thành phố")),
), key="district_code", label_vi="Danh mục huyện")

SCHOOLS = Kind("schools", (
    Column("school_code", "text", required=True, aliases=_SCHOOL_CODE_ALIASES),
    Column("school_name", "text", required=True, aliases=("Tên trường",)),
    Column("district_code", "text", aliases=_DISTRICT_CODE_ALIASES, ref="districts",
           note="hoặc district_name (tên huyện, khớp không phân biệt dấu, hoa thường, tiền tố)"),
    Column("school_type", "enum", required=True, enum=SCHOOL_TYPE,
           aliases=("Loại trường", "Loại hình trường", "Cấp học")),
    Column("has_internet", "bool", required=True,
           aliases=("Có kết nối Internet", "Có Internet", "Trường có Internet")),
    Column("in_coverage_gap", "bool", default=False,
           aliases=("Vùng lõm sóng", "Thuộc vùng lõm sóng", "Lõm sóng")),
    _LATITUDE,
    _LONGITUDE,
), key="school_code", one_of=(("district_code", "district_name"),), label_vi="Danh sách trường")
# Schools may name the district instead of coding it; read as an extra text column.
SCHOOL_DISTRICT_NAME = Column("district_name", "text",
                              aliases=("Huyện", "Quận/Huyện", "Tên huyện", "Tên quận huyện"))

SURVEY = Kind("survey", (
    Column("survey_round", "round", required=True, aliases=("Đợt khảo sát", "Đợt", "Kỳ khảo sát"),
           note="YYYY-H1 / YYYY-H2; cũng nhận H1/YYYY, Đợt 1/YYYY"),
    _STUDENT_ID,
    _FULL_NAME,
    _DOB,
    Column("gender", "enum", enum=GENDER, aliases=("Giới tính",)),
    Column("school_code", "text", required=True, aliases=_SCHOOL_CODE_ALIASES, ref="schools"),
    Column("grade", "int", min=1, max=12, aliases=("Lớp", "Khối")),
    Column("household_status", "enum", required=True, enum=HOUSEHOLD_STATUS,
           aliases=("Hoàn cảnh", "Diện hộ", "Hoàn cảnh gia đình", "Diện")),
    Column("covid_orphan", "bool", default=False,
           aliases=("Mồ côi do COVID-19", "Cha/mẹ mất do COVID-19", "Mồ côi do COVID")),
    Column("has_device", "bool", required=True,
           aliases=("Đã có thiết bị", "Có thiết bị", "Đã có thiết bị học trực tuyến")),
    Column("has_internet", "bool", required=True,
           aliases=("Có kết nối Internet", "Có Internet", "Gia đình có Internet")),
    Column("surveyed_on", "date", aliases=("Ngày khảo sát",)),
), key=None, label_vi="Khảo sát nhu cầu")

DONATIONS = Kind("donations", (
    Column("donation_id", "text", required=True, aliases=("Mã ủng hộ", "Mã khoản ủng hộ", "Số phiếu")),
    Column("donor_name", "text", required=True,
           aliases=("Tên đơn vị ủng hộ", "Nhà tài trợ", "Đơn vị ủng hộ", "Tên nhà tài trợ")),
    Column("donor_type", "enum", required=True, enum=DONOR_TYPE,
           aliases=("Loại nhà tài trợ", "Loại đơn vị ủng hộ")),
    Column("form", "enum", required=True, enum=FORM, aliases=("Hình thức ủng hộ", "Hình thức")),
    Column("status", "enum", enum=DONATION_STATUS, default="da_nhan", aliases=("Trạng thái",)),
    Column("received_on", "date", required_if=("status", ("da_nhan",)),
           aliases=("Ngày nhận", "Ngày tiếp nhận")),
    Column("pledged_on", "date", required_if=("status", ("cam_ket",)),
           aliases=("Ngày cam kết", "Ngày đăng ký")),
    Column("amount_vnd", "int", min=0, required_if=("form", ("tien_mat",)),
           aliases=("Số tiền (VNĐ)", "Số tiền", "Số tiền (đồng)", "Thành tiền")),
    Column("device_type", "enum", enum=DEVICE_TYPE, required_if=("form", ("thiet_bi",)),
           aliases=_DEVICE_TYPE_ALIASES),
    Column("quantity", "int", min=1, required_if=("form", ("thiet_bi", "goi_cuoc")),
           aliases=("Số lượng",)),
    Column("condition", "enum", enum=CONDITION, default="moi", aliases=("Tình trạng",)),
    Column("inspection_passed", "bool", default=True,
           aliases=("Đạt kiểm định", "Đạt kiểm tra chất lượng", "Kiểm định đạt")),
    Column("district_code", "text", ref="districts", aliases=_DISTRICT_CODE_ALIASES),
), key="donation_id", label_vi="Tiếp nhận ủng hộ")

HANDOVERS = Kind("handovers", (
    Column("handover_id", "text", required=True, aliases=("Mã bàn giao",)),
    Column("handed_on", "date", required=True, aliases=("Ngày bàn giao", "Ngày trao")),
    _STUDENT_ID,
    _FULL_NAME,
    _DOB,
    Column("school_code", "text", required=True, aliases=_SCHOOL_CODE_ALIASES, ref="schools"),
    Column("device_type", "enum", required=True, enum=DEVICE_TYPE, aliases=_DEVICE_TYPE_ALIASES),
    Column("serial_number", "text", aliases=("Số serial", "IMEI", "Số IMEI", "Serial")),
    Column("donation_id", "text", aliases=("Mã ủng hộ", "Mã khoản ủng hộ")),
    Column("includes_connectivity", "bool", default=False,
           aliases=("Kèm SIM", "Kèm gói cước", "Có kèm kết nối")),
    Column("record_no", "text", aliases=("Số biên bản",)),
), key="handover_id", label_vi="Bàn giao thiết bị")

COVERAGE = Kind("coverage", (
    Column("point_id", "text", required=True, aliases=("Mã điểm",)),
    Column("point_name", "text", required=True, aliases=("Tên thôn bản", "Điểm", "Tên điểm", "Thôn, bản")),
    Column("commune_name", "text", aliases=("Xã", "Tên xã", "Xã/Phường")),
    Column("district_code", "text", required=True, ref="districts", aliases=_DISTRICT_CODE_ALIASES),
    Column("operator", "enum", enum=OPERATOR, aliases=("Doanh nghiệp", "Nhà mạng")),
    Column("technology", "enum", enum=TECHNOLOGY, aliases=("Công nghệ",)),
    Column("status", "enum", required=True, enum=COVERAGE_STATUS, aliases=("Trạng thái",)),
    Column("planned_on", "date", aliases=("Ngày dự kiến", "Kế hoạch hoàn thành")),
    Column("completed_on", "date", required_if=("status", ("da_phu_song",)),
           aliases=("Ngày hoàn thành", "Ngày phủ sóng")),
    Column("households", "int", min=0, aliases=("Số hộ",)),
    Column("students", "int", min=0, aliases=("Số học sinh",)),
    _LATITUDE,
    _LONGITUDE,
), key="point_id", label_vi="Điểm lõm sóng")

CONTRACT: dict[str, Kind] = {k.name: k for k in (DISTRICTS, SCHOOLS, SURVEY, DONATIONS, HANDOVERS, COVERAGE)}

# Rejection reasons: code -> (Vietnamese, English). The validator emits the code; docs show both.
REASONS: dict[str, tuple[str, str]] = {
    "missing": ("Thiếu giá trị bắt buộc", "required value is missing"),
    "unparsable": ("Không đọc được giá trị", "value cannot be parsed"),
    "not_in_enum": ("Giá trị không thuộc danh mục", "value is not in the enumeration"),
    "out_of_range": ("Giá trị ngoài phạm vi cho phép", "value is out of range"),
    "unknown_reference": ("Mã tham chiếu không tồn tại", "unknown reference"),
    # a district officer's upload (issue 21, point 4): rows of other districts are rejected on the district /
    # school column, after the unknown-reference rule
    "outside_scope": ("Ngoài địa bàn được phép của người tải lên", "outside the uploader's districts"),
}
# A coordinate's entry in dq.rejected_rows (issue 23 point 4, maps): the same reason codes, said for a value that is
# dropped while its row is kept (column `latitude` / `longitude`: such an entry is not a rejected row).
COORDINATE_REASONS: dict[str, tuple[str, str]] = {
    "unparsable": ("Tọa độ không phải là số: bỏ tọa độ, vẫn nạp dòng",
                   "coordinate is not a number: coordinates dropped, row kept"),
    "out_of_range": ("Tọa độ ngoài Việt Nam (vĩ độ 8,0–23,5, kinh độ 102,0–110,0): bỏ tọa độ, vẫn nạp dòng",
                     "coordinates outside Vietnam (latitude 8.0–23.5, longitude 102.0–110.0): coordinates dropped, "
                     "row kept"),
    "missing": ("Thiếu vĩ độ hoặc kinh độ (cần cả hai): bỏ tọa độ, vẫn nạp dòng",
                "latitude or longitude missing (both are needed): coordinates dropped, row kept"),
}


# --- folding: the one way names, headers and labels are compared -------------------------

def fold(text: str) -> str:
    """NFC, strip diacritics (đ→d), lower-case, collapse whitespace: SPEC §5's fold()."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


def fold_key(text: str) -> str:
    """fold() then drop everything but letters and digits: how headers and labels match."""
    return re.sub(r"[^0-9a-z]", "", fold(text))


def header_map(kind: Kind) -> dict[str, str]:
    """Folded header text -> canonical column name, for every canonical name and alias."""
    cols = list(kind.columns)
    if kind.name == "schools":
        cols.append(SCHOOL_DISTRICT_NAME)
    mapping: dict[str, str] = {}
    for col in cols:
        for text in (col.name, *col.aliases):
            mapping.setdefault(fold_key(text), col.name)
    return mapping


def enum_map(enum: Enum) -> dict[str, str]:
    """Folded label -> code, for every code and label of an enumeration."""
    mapping: dict[str, str] = {}
    for code, labels in enum.labels.items():
        for text in (code, *labels):
            mapping.setdefault(fold_key(text), code)
    return mapping


def kind_of_file(name: str) -> str | None:
    """The kind told by a file name's prefix (case-insensitive), or None."""
    lowered = name.lower()
    for kind in KINDS:
        if lowered.startswith(kind):
            return kind
    return None


def render_markdown() -> str:
    """The input-format document, generated from this contract (docs/input-format.md)."""
    out = ["# Định dạng tệp đầu vào / Input file format", "",
           "Generated from `ingest/contract.py` by `python -m ingest.contract`. Do not edit by hand.", "",
           "A source folder holds CSV or XLSX files whose kind is told by the file-name prefix "
           f"({', '.join(f'`{k}`' for k in KINDS)}). The reading rules are `ingest/read.py` and "
           "`ingest/validate.py`; what the figures mean, [definitions.md](definitions.md).", "",
           "Parquet files (`.parquet`) of the canonical columns are read too, e.g. the raw tables a province "
           "warehouse exports, so a national roll-up does not re-read every province's CSVs. Every column is "
           "read as text and goes through the same rules (dates as `YYYY-MM-DD`, booleans `true`/`false`); "
           "other columns (such as `source_file`, `source_line`) are ignored; rejected rows name the row as "
           "line = row number + 1, as if the file had a header line. A province's export "
           "(`python -m warehouse export`) carries no child's ID, name or birth date: its survey and handover "
           "files hold `student_key_hash`, `student_key_rank` (and, survey, `person_hash`) instead, read back "
           "as keyed students (`ingest/pseudonym.py`).", ""]
    for kind in CONTRACT.values():
        out += [f"## `{kind.name}` — {kind.label_vi}", "",
                "| column | type | required | accepted headers | values / notes |", "|---|---|---|---|---|"]
        for col in kind.columns:
            req = "yes" if col.required else (
                f"when {col.required_if[0]} = {'/'.join(col.required_if[1])}" if col.required_if else "no")
            if kind.name == "schools" and col.name == "district_code":
                req = "yes, or district_name"
            values = []
            if col.enum:
                values.append("; ".join(f"`{c}` ({', '.join(lbl)})" for c, lbl in col.enum.labels.items()))
            if col.min is not None or col.max is not None:
                lo, hi = ("" if v is None else v for v in (col.min, col.max))
                values.append(f"range {lo}…{hi}")
            if col.default is not None:
                values.append(f"default {col.default}")
            if col.ref:
                values.append(f"must exist in {col.ref}")
            if col.note:
                values.append(col.note)
            out.append(f"| {col.name} | {col.type} | {req} | {', '.join(col.aliases)} | {' · '.join(values)} |")
        out.append("")
    out += ["## Rejection reasons", "", "| code | Tiếng Việt | English |", "|---|---|---|"]
    out += [f"| `{code}` | {vi} | {en} |" for code, (vi, en) in REASONS.items()]
    out += ["", "Coordinates (`latitude`, `longitude` of schools and coverage points) do not reject their row: a "
            "broken pair is dropped, the row kept, and one entry (column `latitude` or `longitude`) is written to the "
            "rejected rows with these reasons; such entries are not counted as rejected rows:", "",
            "| code | Tiếng Việt | English |", "|---|---|---|"]
    out += [f"| `{code}` | {vi} | {en} |" for code, (vi, en) in COORDINATE_REASONS.items()]
    out += ["", f"Booleans — true: {', '.join(BOOL_TRUE)}; false: {', '.join(BOOL_FALSE)}.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render_markdown())
