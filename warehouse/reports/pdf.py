"""The pack's one A4 page `briefing-YYYY-MM.pdf` (matplotlib with its bundled DejaVu Sans, which carries every
Vietnamese glyph): the headline figures and their change, the monthly trend, the districts furthest from the
target, the data-quality and correction notes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from warehouse.formats import clock, day, number, percent
from warehouse.reports.figures import FIGURES, HEADLINE, month_label
from warehouse.reports.wording import PROGRAM, change_text, correction_lines, figure_text, quality_line

A4 = (210 / 25.4, 297 / 25.4)


def write_pdf(pack: dict[str, Any], corrections: list[dict[str, Any]], path: Path) -> None:
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    with matplotlib.rc_context({"font.family": "DejaVu Sans", "pdf.fonttype": 42, "axes.titlesize": 10,
                                "axes.labelsize": 8, "xtick.labelsize": 7, "ytick.labelsize": 7}):
        fig = Figure(figsize=A4)
        ink, grey, accent = "#1f2d3d", "#5b6770", "#1f77b4"
        fig.text(0.06, 0.965, (f"{pack['province']} · " if pack["province"] else "") + PROGRAM,
                 fontsize=9, color=grey)
        fig.text(0.06, 0.94, f"BÁO CÁO KẾT QUẢ THÁNG {pack['month_label']}", fontsize=16, weight="bold",
                 color=ink)
        fig.text(0.06, 0.92, f"Phục vụ giao ban báo chí · số liệu tính đến hết ngày {day(pack['as_of'])} · "
                 f"kho dữ liệu làm mới lúc {clock(pack['refreshed_at'])}", fontsize=8.5, color=grey)
        prev = month_label(pack["previous_month"])
        y = 0.885
        for key in HEADLINE:
            text = FIGURES[key][0]
            now, before = pack["figures"][key], pack["previous"][key]
            fig.text(0.06, y, text, fontsize=11.5, color=ink, va="baseline")
            fig.text(0.64, y, figure_text(key, now), fontsize=13, weight="bold", color=ink, ha="right",
                     va="baseline")
            fig.text(0.67, y, f"so với {prev}: {change_text(key, now, before)}", fontsize=9, color=grey,
                     va="baseline")
            y -= 0.034
        t = pack["figures"]
        fig.text(0.06, y + 0.006, f"Cần hỗ trợ {number(t['students_identified'])} học sinh · đã hỗ trợ "
                 f"{number(t['students_supported'])} · tự trang bị {number(t['students_self_resolved'])} · "
                 f"còn chờ {number(t['students_remaining'])}", fontsize=8.5, color=grey, va="baseline")

        trend = pack["trend"][-12:]
        ax = fig.add_axes((0.09, 0.45, 0.82, 0.17))
        ax.set_title("Thiết bị trao tặng theo tháng (cột) và lũy kế (đường)", loc="left", color=ink)
        if trend:
            labels = [f"{r['month'].month:02d}/{r['month'].year % 100:02d}" for r in trend]
            xs = range(len(trend))
            colours = ["#9ecae1"] * (len(trend) - 1) + [accent]
            ax.bar(xs, [r["devices_handed_over"] for r in trend], color=colours)
            ax.set_xticks(list(xs), labels)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(int(v))))
            ax.set_ylabel("Trong tháng")
            ax2 = ax.twinx()
            ax2.plot(list(xs), [r["cum_devices_handed_over"] for r in trend], color="#d62728", marker="o",
                     markersize=3)
            ax2.set_ylim(bottom=0)
            ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(int(v))))
            ax2.set_ylabel("Lũy kế")
            ax2.tick_params(labelsize=7)
        else:
            ax.text(0.5, 0.5, "Chưa có thiết bị nào được trao", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        ax.spines["top"].set_visible(False)

        lag = pack["lagging"][:6]
        ax = fig.add_axes((0.33, 0.17, 0.58, 0.2))
        ax.set_title("Các địa bàn xa mục tiêu nhất (tỷ lệ đáp ứng nhu cầu, mục tiêu 100 %)", loc="left",
                     color=ink, x=-0.45)
        if lag:
            ys = list(range(len(lag)))[::-1]
            ax.barh(ys, [r["pct_covered"] * 100 for r in lag], color="#e6550d", height=0.6)
            ax.set_yticks(ys, [r["district_name"] for r in lag], fontsize=8)
            ax.set_xlim(0, 100)
            ax.axvline(100, color=grey, linestyle="--", linewidth=0.8)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v)} %"))
            for yy, r in zip(ys, lag, strict=True):
                x, inside = r["pct_covered"] * 100, r["pct_covered"] > 0.6
                ax.text(x - 1.5 if inside else x + 1.5, yy, f"{percent(r['pct_covered'])} · còn chờ "
                        f"{number(r['students_remaining'])} HS", va="center", ha="right" if inside else "left",
                        fontsize=7.5, color="white" if inside else ink)
        else:
            ax.text(0.5, 0.5, "Chưa có dữ liệu nhu cầu", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)

        notes = [(w, grey) for w in textwrap.wrap(quality_line(pack), 125)]
        lines = correction_lines(corrections)
        if lines:
            red = "#a93226"
            notes.append(("Số liệu đã công bố được điều chỉnh sau khi các đơn vị sửa dữ liệu:", red))
            shown = [w for line in lines[:3] for w in textwrap.wrap(line, 125, subsequent_indent="   ")]
            notes += [(w, red) for w in shown[:6]]
            if len(lines) > 3 or len(shown) > 6:
                notes.append(("… xem đầy đủ tại trang 'Điều chỉnh' của tệp Excel.", red))
        notes.append((f"Nguồn: kho dữ liệu chương trình; số liệu tính đến hết ngày {day(pack['as_of'])}. "
                      "Không chứa thông tin cá nhân của học sinh.", grey))
        y = 0.115
        for text, colour in notes:
            fig.text(0.06, y, text, fontsize=7.5, color=colour)
            y -= 0.0135
        metadata = {"Title": f"Báo cáo tháng {pack['month_label']}", "Subject": PROGRAM, "Creator": "warehouse"}
        with PdfPages(str(path), metadata=metadata) as pdf:
            pdf.savefig(fig)
