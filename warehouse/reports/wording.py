"""The words of the pack: labels of codes, a figure and its change as text, the correction and data-quality
lines, titles. Every number goes through warehouse/formats.py (1.234.567, 44,4 %, 31/10/2022).
"""

from __future__ import annotations

from typing import Any

from warehouse.formats import clock, day, money, number, percent, points
from warehouse.reports.figures import FIGURES, month_label

PROGRAM = "Chương trình “Sóng và máy tính cho em”"

LABELS = {
    1: "Diện 1: hộ nghèo", 2: "Diện 2: hộ cận nghèo", 3: "Diện 3: khó khăn do COVID-19", 4: "Diện 4: khác",
    "tien_mat": "Tiền mặt", "thiet_bi": "Thiết bị", "goi_cuoc": "Gói cước",
    "co_quan_nha_nuoc": "Cơ quan nhà nước", "doanh_nghiep": "Doanh nghiệp",
    "doanh_nghiep_vien_thong": "Doanh nghiệp viễn thông", "to_chuc": "Tổ chức", "ca_nhan": "Cá nhân",
    "ngan_sach_quy": "Ngân sách, quỹ",
    "may_tinh_xach_tay": "Máy tính xách tay", "may_tinh_de_ban": "Máy tính để bàn",
    "may_tinh_bang": "Máy tính bảng", "dien_thoai_thong_minh": "Điện thoại thông minh",
}


def figure_text(key: str, value: float | int | None) -> str:
    kind = FIGURES[key][1]
    return percent(value) if kind == "pct" else money(value) if kind == "money" else number(value)


def change_text(key: str, now: float | int, before: float | int) -> str:
    """The change since the previous month: `+3`, `−1.500.000 ₫`, `+22,2 điểm %`, or `không đổi`."""
    kind = FIGURES[key][1]
    diff = now - before
    if (kind == "pct" and abs(diff) < 5e-4) or (kind != "pct" and diff == 0):
        return "không đổi"
    sign = "+" if diff > 0 else "−"
    if kind == "pct":
        return sign + points(diff)
    return sign + (money(abs(diff)) if kind == "money" else number(abs(diff)))


def label(code: object) -> str:
    return LABELS.get(code, str(code)) if code is not None else "Không rõ"


def correction_lines(corrections: list[dict[str, Any]]) -> list[str]:
    """One line per corrected month: `Tháng 10/2022 (đã điều chỉnh): Lũy kế thiết bị đã trao 4 → 5; …`."""
    lines = []
    for month in sorted({c["month"] for c in corrections}):
        parts = [f"{c['label']} {figure_text(c['figure'], c['old'])} → {figure_text(c['figure'], c['new'])}"
                 for c in corrections if c["month"] == month]
        lines.append(f"Tháng {month_label(month)} (đã điều chỉnh): " + "; ".join(parts))
    return lines


def _open(quality: dict[str, Any]) -> int:
    """Findings still to deal with after the review decisions; all findings when the queue is unknown."""
    value = quality.get("open_findings")
    return quality["dq_issue_count"] if value is None else value


def quality_line(pack: dict[str, Any]) -> str:
    q = pack["quality"]
    return (f"Chất lượng dữ liệu (lần làm mới {clock(pack['refreshed_at'])}): {number(q['rejected_row_count'])} dòng "
            f"bị loại, {number(_open(q))} vấn đề chưa xử lý (trùng lặp, sai đối tượng…); số liệu có "
            "thể được điều chỉnh khi các đơn vị sửa dữ liệu.")


def title_line(pack: dict[str, Any]) -> str:
    place = f"{pack['province']} — " if pack["province"] else ""
    return f"{place}{PROGRAM} — Báo cáo tháng {pack['month_label']}"


def subtitle_line(pack: dict[str, Any]) -> str:
    return f"Số liệu tính đến hết ngày {day(pack['as_of'])} · kho dữ liệu làm mới lúc {clock(pack['refreshed_at'])}"
