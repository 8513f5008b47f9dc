"""The pack's workbook `briefing-YYYY-MM.xlsx`: a summary sheet and one sheet per table (need, donations,
handovers, coverage, corrections), typed cells with Excel number formats, every text written as a string (so
`=…` is never a formula).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from warehouse.formats import day, number, percent
from warehouse.reports.figures import FIGURES, month_label, need_totals
from warehouse.reports.wording import correction_lines, label, quality_line, subtitle_line, title_line

HEADER_ROW = 4  # rows 0-2: title (province, program, month), the table's heading, the as-of line


class _Sheet:
    """A worksheet with a title, frozen headers, typed cells and widths that fit."""

    def __init__(self, book: Any, fmt: dict[str, Any], name: str, pack: dict[str, Any], heading: str,
                 headers: Sequence[str]) -> None:
        self.ws = book.add_worksheet(name)
        self.fmt = fmt
        self.widths = [len(h) * 0.75 + 2 for h in headers]  # headers wrap; aim at roughly two lines
        self.ws.write_string(0, 0, title_line(pack), fmt["title"])
        self.ws.write_string(1, 0, heading, fmt["heading"])
        self.ws.write_string(2, 0, subtitle_line(pack), fmt["subtitle"])
        for col, text in enumerate(headers):
            self.ws.write_string(HEADER_ROW, col, text, fmt["header"])
        self.ws.set_row(HEADER_ROW, 45)
        self.ws.freeze_panes(HEADER_ROW + 1, 0)
        self.row = HEADER_ROW + 1

    def put(self, row: int, col: int, value: Any, kind: str = "text", bold: bool = False) -> None:
        """Strings always go through write_string, so `=…`, `+…`, `-…`, `@…` are text, never formulas."""
        fmt = self.fmt[f"{kind}_bold" if bold else kind]
        if value is None:
            self.ws.write_blank(row, col, None, fmt)
            shown = ""
        elif isinstance(value, str):
            self.ws.write_string(row, col, value, fmt)
            shown = value
        else:
            self.ws.write_number(row, col, value, fmt)
            shown = percent(value) if kind.startswith("pct") else number(value) + (" ₫" if "money" in kind else "")
        while len(self.widths) <= col:
            self.widths.append(8)
        self.widths[col] = max(self.widths[col], len(shown) + 2)

    def line(self, values: Sequence[tuple[Any, str]], bold: bool = False) -> None:
        for col, (value, kind) in enumerate(values):
            self.put(self.row, col, value, kind, bold)
        self.row += 1

    def note(self, text: str) -> None:
        self.ws.write_string(self.row, 0, text, self.fmt["note"])
        self.row += 1

    def finish(self) -> None:
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, min(max(width, 8), 48))


def _formats(book: Any) -> dict[str, Any]:
    base = {"font_name": "Arial", "font_size": 10, "valign": "vcenter"}
    num = {"int": "#,##0", "money": '#,##0 "₫"', "pct": "0.0%", "int_change": "+#,##0;-#,##0;0",
           "money_change": '+#,##0 "₫";-#,##0 "₫";0 "₫"', "pct_change": "+0.0%;-0.0%;0.0%"}
    fmt = {
        "title": book.add_format({**base, "bold": True, "font_size": 13}),
        "heading": book.add_format({**base, "bold": True, "font_size": 11}),
        "subtitle": book.add_format({**base, "italic": True, "font_color": "#555555"}),
        "header": book.add_format({**base, "bold": True, "text_wrap": True, "bg_color": "#DDEBF7", "border": 1,
                                   "align": "center"}),
        "note": book.add_format({**base, "font_color": "#555555"}),
    }
    for bold in (False, True):
        suffix = "_bold" if bold else ""
        fmt["text" + suffix] = book.add_format({**base, "border": 1, "bold": bold})
        for kind, code in num.items():
            fmt[kind + suffix] = book.add_format({**base, "border": 1, "bold": bold, "num_format": code})
    return fmt


def _sum(rows: Sequence[dict[str, Any]], key: str) -> int:
    return int(sum(r[key] for r in rows))


def write_xlsx(pack: dict[str, Any], corrections: list[dict[str, Any]], path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    try:
        book.set_properties({"title": title_line(pack), "subject": "Báo cáo giao ban báo chí", "author": "",
                             "created": datetime(pack["as_of"].year, pack["as_of"].month, pack["as_of"].day)})
        fmt = _formats(book)
        month, prev = pack["month_label"], month_label(pack["previous_month"])

        s = _Sheet(book, fmt, "Tổng hợp", pack, "Các chỉ tiêu chính",
                   ["Chỉ tiêu", f"Tháng {month}", f"Tháng trước ({prev})", "Thay đổi so với tháng trước"])
        for key, (text, kind) in FIGURES.items():
            now, before = pack["figures"][key], pack["previous"][key]
            s.line([(text, "text"), (now, kind), (before, kind), (now - before, f"{kind}_change")])
        s.row += 1
        s.note(quality_line(pack))
        lines = correction_lines(corrections)
        s.note("Điều chỉnh số liệu đã công bố: " + ("xem trang 'Điều chỉnh'." if lines else "không có."))
        for text in lines:
            s.note(text)
        s.widths[0] = max(len(t) for t, _ in FIGURES.values()) + 2
        s.finish()

        s = _Sheet(book, fmt, "Nhu cầu", pack, "Biểu 1. Nhu cầu hỗ trợ thiết bị học trực tuyến",
                   ["Mã huyện", "Huyện, thị xã, thành phố", "Diện ưu tiên", "Học sinh cần hỗ trợ",
                    "Đã được hỗ trợ", "Tự trang bị", "Còn chờ hỗ trợ", "Tỷ lệ đáp ứng nhu cầu"])
        need = pack["need"]
        for r in need:
            s.line([(r["district_code"], "text"), (r["district_name"], "text"), (label(r["priority_tier"]), "text"),
                    (r["students_identified"], "int"), (r["students_supported"], "int"),
                    (r["students_self_resolved"], "int"), (r["students_remaining"], "int"),
                    (r["pct_covered"], "pct")])
        t = need_totals(need)
        s.line([(None, "text"), ("Tổng cộng", "text"), (None, "text"), (t["students_identified"], "int"),
                (t["students_supported"], "int"), (t["students_self_resolved"], "int"),
                (t["students_remaining"], "int"), (t["pct_covered"], "pct")], bold=True)
        s.finish()

        s = _Sheet(book, fmt, "Huy động", pack, "Biểu 2. Tiền và thiết bị huy động được",
                   ["Loại nhà tài trợ", "Hình thức ủng hộ", "Số lượt ủng hộ (lũy kế)",
                    "Tiền mặt nhận trong tháng", "Tiền mặt đã nhận (lũy kế)", "Tiền mặt cam kết",
                    "Thiết bị nhận trong tháng", "Thiết bị đã nhận (lũy kế)", "Thiết bị cam kết",
                    "Thiết bị không đạt kiểm định", "Gói cước nhận trong tháng", "Gói cước đã nhận (lũy kế)"])
        cols = [("donations", "int"), ("cash_month", "money"), ("cash_received", "money"), ("cash_pledged", "money"),
                ("devices_month", "int"), ("devices_received", "int"), ("devices_pledged", "int"),
                ("devices_failed_inspection", "int"), ("packages_month", "int"), ("packages_received", "int")]
        for r in pack["donations"]:
            s.line([(label(r["donor_type"]), "text"), (label(r["form"]), "text")]
                   + [(r[k], kind) for k, kind in cols])
        s.line([("Tổng cộng", "text"), (None, "text")] + [(_sum(pack["donations"], k), kind) for k, kind in cols],
               bold=True)
        s.finish()

        s = _Sheet(book, fmt, "Bàn giao", pack, "Biểu 3. Thiết bị đã trao tặng học sinh",
                   ["Mã huyện", "Huyện, thị xã, thành phố", "Loại thiết bị", f"Trong tháng {month}", "Lũy kế"])
        for r in pack["handovers"]:
            s.line([(r["district_code"], "text"), (r["district_name"] or r["district_code"], "text"),
                    (label(r["device_type"]), "text"), (r["this_month"], "int"), (r["cumulative"], "int")])
        s.line([(None, "text"), ("Tổng cộng", "text"), (None, "text"), (_sum(pack["handovers"], "this_month"), "int"),
                (_sum(pack["handovers"], "cumulative"), "int")], bold=True)
        s.finish()

        s = _Sheet(book, fmt, "Phủ sóng", pack, "Biểu 4. Phủ sóng điểm lõm sóng và kết nối trường học",
                   ["Mã huyện", "Huyện, thị xã, thành phố", "Số điểm lõm sóng", "Đã phủ sóng",
                    "Chưa phủ sóng", f"Trong đó quá hạn (đến {day(pack['coverage_overdue_on'])})",
                    "Tỷ lệ điểm đã phủ sóng", "Học sinh ở điểm chưa có sóng", "Số trường",
                    "Trường chưa có Internet"])
        cov = pack["coverage"]
        keys = ("points_total", "points_covered", "points_uncovered", "points_overdue")
        tail = ("students_affected_uncovered", "schools_total", "schools_without_internet")
        for r in cov:
            pct = r["points_covered"] / r["points_total"] if r["points_total"] else None
            s.line([(r["district_code"], "text"), (r["district_name"], "text")] + [(r[k], "int") for k in keys]
                   + [(pct, "pct")] + [(r[k], "int") for k in tail])
        total = _sum(cov, "points_total")
        s.line([(None, "text"), ("Tổng cộng", "text")] + [(_sum(cov, k), "int") for k in keys]
               + [(_sum(cov, "points_covered") / total if total else None, "pct")]
               + [(_sum(cov, k), "int") for k in tail], bold=True)
        s.finish()

        s = _Sheet(book, fmt, "Điều chỉnh", pack, "Số liệu đã công bố nay được điều chỉnh",
                   ["Tháng", "Chỉ tiêu", "Đã công bố", "Nay điều chỉnh"])
        for c in corrections:
            kind = FIGURES[c["figure"]][1]
            s.line([(month_label(c["month"]), "text"), (c["label"], "text"), (c["old"], kind), (c["new"], kind)])
        if not corrections:
            s.note("Không có số liệu đã công bố nào thay đổi.")
        s.finish()
    finally:
        book.close()
