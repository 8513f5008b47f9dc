"""Command line: `python -m warehouse refresh | demo-data | briefing | export` (SPEC §3).

Exit codes: 0 done (data-quality findings are findings, not failures); 2 unusable input, with a
message naming the file (line/column where known); 3 held (the build would wipe figures: the message
names the file and the cause; `--accept-drop` publishes it anyway); 1 any other failure. Never a traceback for
bad input; the previous warehouse is untouched on any failure.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_HELD = 0, 1, 2, 3


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' không phải ngày YYYY-MM-DD / is not a YYYY-MM-DD date") from exc


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' không phải số tự nhiên / is not a whole number ≥ 0")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description="Sóng và máy tính cho em — warehouse")
    sub = parser.add_subparsers(dest="command", required=True)
    ref = sub.add_parser("refresh", help="ingest a source folder, build the marts, run the checks")
    ref.add_argument("--source", required=True, type=Path, help="folder of CSV/XLSX (or Parquet) files")
    ref.add_argument("--db", required=True, type=Path, help="the DuckDB warehouse file to (re)write")
    ref.add_argument("--as-of", type=_date, default=None, help="reporting date YYYY-MM-DD (default: today)")
    ref.add_argument("--allocation-stock", type=_count, default=None,
                     help="what-if: propose allocations for N devices instead of the computed stock")
    # guarded refresh (issue 21, point 7): a build that would wipe figures is held (exit 3) unless accepted
    ref.add_argument("--accept-drop", action="store_true",
                     help="publish even when the build is held (figures drop); recorded in the audit log")
    ref.add_argument("--user", default="", help="who accepts the drop, for the audit log (default: the OS user)")
    demo = sub.add_parser("demo-data", help="write a synthetic source folder")
    demo.add_argument("--out", required=True, type=Path)
    demo.add_argument("--scale", choices=("province", "national"), default="province")
    demo.add_argument("--seed", type=int, default=1)
    brief = sub.add_parser("briefing", help="write the monthly press-briefing pack (xlsx + pdf)")
    brief.add_argument("--db", required=True, type=Path, help="the DuckDB warehouse file")
    brief.add_argument("--month", required=True, help="the month, YYYY-MM")
    brief.add_argument("--out", required=True, type=Path, help="folder for briefing-YYYY-MM.xlsx / .pdf")
    export = sub.add_parser("export", help="write the accepted rows as Parquet files for a national roll-up")
    export.add_argument("--db", required=True, type=Path, help="the DuckDB warehouse file (a province's)")
    export.add_argument("--out", required=True, type=Path, help="folder for <kind>_<name>.parquet")
    export.add_argument("--name", default=None, help="file-name suffix (default: the province code)")
    return parser


def _briefing(args: argparse.Namespace) -> int:
    from warehouse.briefing import BriefingError, correction_lines, write_pack

    try:
        pack = write_pack(args.db, args.month, args.out)
    except BriefingError as exc:
        print(f"Không tạo được báo cáo / cannot build the briefing: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # any other failure: exit 1, no partial files (write_pack cleans up)
        print(f"Tạo báo cáo thất bại / briefing failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Đã ghi / written: {pack.xlsx}")
    print(f"Đã ghi / written: {pack.pdf}")
    for line in correction_lines(pack.corrections):
        print(line)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo-data":
        from warehouse.demo_data import generate

        counts = generate(args.out, scale=args.scale, seed=args.seed)
        print(f"Đã tạo dữ liệu mẫu / demo data written to {args.out}: "
              + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        return EXIT_OK
    if args.command == "briefing":
        return _briefing(args)
    if args.command == "export":
        from warehouse.export import export_raw

        for path in export_raw(args.db, args.out, args.name):
            print(f"Đã ghi / written: {path}")
        return EXIT_OK

    from ingest.read import InputError
    from warehouse.guard import Held
    from warehouse.refresh import refresh

    try:
        summary = refresh(args.source, args.db, args.as_of, allocation_stock=args.allocation_stock,
                          accept_drop=args.accept_drop, user=args.user)
    except Held as exc:
        print("Giữ lại, không công bố / held, not published:", file=sys.stderr)
        for reason in exc.reasons:
            print(f"  {reason.text()}", file=sys.stderr)
        print("Kho dữ liệu cũ giữ nguyên; kiểm tra tệp, hoặc chạy lại với --accept-drop để vẫn công bố / the previous "
              "warehouse is unchanged; check the file, or run again with --accept-drop to publish anyway.",
              file=sys.stderr)
        return EXIT_HELD
    except InputError as exc:
        print(f"Lỗi dữ liệu đầu vào / unusable input: {exc}", file=sys.stderr)
        print("Kho dữ liệu cũ giữ nguyên / the previous warehouse is unchanged.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # any other failure: exit 1, old warehouse untouched
        print(f"Làm mới thất bại / refresh failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("Kho dữ liệu cũ giữ nguyên / the previous warehouse is unchanged.", file=sys.stderr)
        return EXIT_FAILED
    print(summary.render())
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
