"""Command line: `python -m warehouse refresh | demo-data | briefing | export | users | audit` (SPEC §3).

Exit codes: 0 done (data-quality findings are findings, not failures); 2 unusable input, with a
message naming the file (line/column where known); 3 held (the build would wipe figures: the message
names the file and the cause; `--accept-drop` publishes it anyway); 1 any other failure. Never a traceback for
bad input; the previous warehouse is untouched on any failure.
"""

from __future__ import annotations

import argparse
import atexit
import os
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
    brief.add_argument("--publish", action="store_true",
                       help="also publish the month's figures (recorded, audit-logged); without it: build only")
    brief.add_argument("--user", default=None, help="who publishes (required with --publish)")
    brief.add_argument("--role", default="lanh_dao", help="the publisher's role (must be in SVMT_PUBLISH_ROLES)")
    export = sub.add_parser("export", help="write the accepted rows as Parquet files for a national roll-up")
    export.add_argument("--db", required=True, type=Path, help="the DuckDB warehouse file (a province's)")
    export.add_argument("--out", required=True, type=Path, help="folder for <kind>_<name>.parquet")
    export.add_argument("--name", default=None, help="file-name suffix (default: the province code)")
    from warehouse import users  # issue 21 (sign-in): `users add NAME --role ROLE [--district CODE …]`

    users.register(sub)
    from warehouse import review  # issue 24: `review list` / `review decide`

    review.register(sub)
    # issue 21 point 6: the audit log's hash chain
    audit = sub.add_parser("audit", help="check the audit log's hash chain")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="exit 0 when the log is intact, 1 naming the first bad line")
    verify.add_argument("--db", required=True, type=Path, help="the DuckDB warehouse file the log belongs to")
    # issue 21 point 5: a copy of the warehouse without children's personal data, for analysts' SQL
    copy = sub.add_parser("analyst-copy", help="write a copy without personal data (marts, reporting, dq)")
    copy.add_argument("--db", required=True, type=Path, help="the DuckDB warehouse file")
    copy.add_argument("--out", required=True, type=Path, help="the copy to (re)write, mode 0600")
    return parser


def _analyst_copy(args: argparse.Namespace) -> int:
    from warehouse.analyst_copy import write_analyst_copy

    try:
        tables = write_analyst_copy(args.db, args.out)
    except Exception as exc:  # a missing or unreadable warehouse: exit 1, a message, no traceback
        print(f"Không tạo được bản sao / analyst copy failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Đã ghi / written: {args.out} ({len(tables)} bảng / tables, không có dữ liệu cá nhân / "
          "no personal data)")
    return EXIT_OK


def _briefing(args: argparse.Namespace) -> int:
    from warehouse.reports import BriefingError, correction_lines, may_publish, publish, publish_roles, write_pack

    if args.publish and not (args.user or "").strip():
        print("Cần --user NAME để công bố / --publish needs --user NAME", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.publish and not may_publish(args.role):
        print(f"Vai trò '{args.role}' không được công bố / the role '{args.role}' may not publish "
              f"(SVMT_PUBLISH_ROLES: {', '.join(sorted(publish_roles()))})", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        pack = write_pack(args.db, args.month, args.out)
        published = publish(args.db, args.month, args.user, args.role) if args.publish else None
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
    if published is None:
        print("Chưa công bố: bộ báo cáo chỉ để xem / not published: the pack is for review only "
              "(--publish --user NAME to publish)")
    else:
        print(f"Đã công bố số liệu tháng {published.month} / published the figures of {published.month} "
              f"(by {published.user}, {published.role}; ghi vào nhật ký kiểm toán / audit-logged)")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    from warehouse.private import restrict_umask

    restrict_umask()  # issue 21 point 6: every file made from here on is the service user's only
    args = _parser().parse_args(argv)
    if args.command == "audit":
        from warehouse.audit import cli_verify

        return cli_verify(args.db.resolve())
    if args.command == "demo-data":
        from warehouse.demo import generate
        from warehouse.formats import number

        counts = generate(args.out, scale=args.scale, seed=args.seed)
        print(f"Đã tạo dữ liệu mẫu / demo data written to {args.out}: "
              + ", ".join(f"{k} {number(v)}" for k, v in counts.items()))
        return EXIT_OK
    if args.command == "briefing":
        return _briefing(args)
    if args.command == "review":
        from warehouse import review

        return review.run(args)
    if args.command == "users":
        from warehouse.users import run as users_run

        return users_run(args)
    if args.command == "analyst-copy":
        return _analyst_copy(args)
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


def _exit(code: int) -> None:
    """End the process once everything is written: exit handlers run (logging, the workbook readers' pool), but
    not the interpreter's teardown of every module dbt and GX loaded, which made a refresh wait ≈ 0,4 s more
    after its last line (issue 22 point 5)."""
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    _exit(main())
