"""The review queue: every data-quality finding gets a decision, and the decisions survive refreshes.

Three pieces, each with one job:

- **The finding key.** A finding is one row of dq.issues: an issue type and the records it involves
  (`record_key`, built from the records' ids or keyed person hashes, never from row order or load order).
  Its key is a keyed hash of the two (`finding_key`), so the same finding has the same key in every later
  refresh, and the key says nothing about the child. Rotating the install secret changes every key (the
  decisions made before then no longer match: SECURITY.md).
- **The findings' history, in the warehouse.** Each refresh writes `dq.review_findings`: the findings of this
  build (first seen, last seen, and when one that had gone came back) and the findings of the warehouse it
  replaces that are gone now (with the day they went). `dq.review_history` keeps, per refresh, the count of findings
  by status, district and type: the trend of open findings month by month. Both carry the previous
  warehouse's rows forward; refresh never touches the decisions.
- **The decisions, outside the warehouse.** `<db stem>_review.sqlite3` beside the warehouse (mode 0600), one
  row per decision (who, when, what, note): the history. Writing several decisions is one transaction, so a
  batch is all or nothing; every batch is also a line of the audit log. A refresh reads it, never writes it.

A finding's status is decided when it is read, from its history and its latest decision:
dismissed stays dismissed; a finding that is gone is fixed (a confirmed one is closed as fixed automatically
when the source stops producing it); one marked fixed that a later refresh still produces is reopened, and
so is one that had gone and came back (until someone decides on it again); confirmed stays confirmed while
it is produced; anything else is open.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from warehouse.private import make_private
from warehouse.secret import keyed_hasher

if TYPE_CHECKING:  # pandas loads where a frame is made: `python -m warehouse users …` never pays for it
    import pandas as pd

STATUSES = ("open", "confirmed", "dismissed", "fixed", "reopened")
DECISIONS = ("confirmed", "dismissed", "fixed")
OPEN_STATUSES = ("open", "confirmed", "reopened")  # still to be dealt with: what the figures count
KEY_PURPOSE = "finding"

FINDING_COLUMNS = ["finding_key", "issue_type", "entity", "record_key", "detail", "source_file", "source_line",
                   "district_code", "school_code", "first_seen", "last_seen", "gone_since", "returned_at"]
DECISION_COLUMNS = ["seq", "finding_key", "decision", "note", "user", "decided_at"]


class ReviewError(ValueError):
    """A decision that cannot be taken (unknown finding, wrong decision, missing note): nothing is written."""


def store_path(db: Path) -> Path:
    """The decisions beside the warehouse: they survive every rebuild of it."""
    db = Path(db)
    return db.with_name(db.stem + "_review.sqlite3")


# --- the decisions store -----------------------------------------------------------------------------------

@contextlib.contextmanager
def _store(db: Path, create: bool) -> Iterator[sqlite3.Connection | None]:
    path = store_path(db)
    if not path.exists() and not create:
        yield None
        return
    con = sqlite3.connect(path, timeout=30)
    try:
        make_private(path)
        con.execute("""CREATE TABLE IF NOT EXISTS decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT,
                       finding_key TEXT NOT NULL, decision TEXT NOT NULL, note TEXT NOT NULL, user TEXT NOT NULL,
                       decided_at TEXT NOT NULL)""")
        yield con
    finally:
        con.close()


def decisions(db: Path) -> pd.DataFrame:
    """Every decision ever taken on this warehouse's findings, oldest first (the history)."""
    import pandas as pd

    with _store(db, create=False) as con:
        if con is None:
            return pd.DataFrame(columns=DECISION_COLUMNS)
        rows = con.execute(f"SELECT {', '.join(DECISION_COLUMNS)} FROM decisions ORDER BY seq").fetchall()
    frame = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    frame["decided_at"] = pd.to_datetime(frame["decided_at"])
    return frame


def _known_keys(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {row[0] for row in con.execute("SELECT finding_key FROM dq.review_findings").fetchall()}
    except duckdb.CatalogException as exc:
        raise ReviewError(f"{db}: kho chưa có danh sách phát hiện (chạy refresh) / the warehouse has no findings "
                          "table yet (run refresh)") from exc
    finally:
        con.close()


def decide(db: Path, keys: list[str], decision: str, note: str, user: str,
           when: datetime | None = None) -> int:
    """Record one decision on each finding of `keys`, all or nothing, and log it. Returns how many.

    Raises ReviewError, writing nothing, for an unknown decision or finding key, a dismissal without a note
    (twins are the usual reason: the note says so for the next reader), or no user.
    """
    db = Path(db)
    note, user = (note or "").strip(), (user or "").strip()
    if decision not in DECISIONS:
        raise ReviewError(f"quyết định '{decision}' không hợp lệ (chọn {', '.join(DECISIONS)}) / "
                          f"unknown decision '{decision}' (one of {', '.join(DECISIONS)})")
    if decision == "dismissed" and not note:
        raise ReviewError("bỏ qua cần ghi chú lý do / dismissing needs a note saying why")
    if not user:
        raise ReviewError("cần tên người quyết định / the deciding user is required")
    keys = list(dict.fromkeys(k.strip() for k in keys if k and k.strip()))
    if not keys:
        raise ReviewError("chưa chọn phát hiện nào / no finding given")
    unknown = [k for k in keys if k not in _known_keys(db)]
    if unknown:
        raise ReviewError(f"không có phát hiện mã {', '.join(unknown[:5])} / no finding with key "
                          f"{', '.join(unknown[:5])}")
    when = (when or datetime.now()).replace(microsecond=0)
    with _store(db, create=True) as con:
        assert con is not None
        with con:  # one transaction: the whole batch or nothing
            con.executemany("INSERT INTO decisions (finding_key, decision, note, user, decided_at) "
                            "VALUES (?, ?, ?, ?, ?)", [(k, decision, note, user, when.isoformat()) for k in keys])
    from warehouse.refresh import log_event

    log_event(db, {"event": "review", "user": user, "started_at": when, "ended_at": when, "outcome": decision,
                   "message": f"{len(keys)} phát hiện / findings: {', '.join(keys)}" + (f" — {note}" if note else ""),
                   "files": []})
    return len(keys)


# --- at refresh: carry the findings' history forward -------------------------------------------------------

def _current(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """This build's findings with their keys and districts."""
    frame = con.execute("""SELECT issue_type, entity, record_key, detail, source_file, source_line, district_code,
                                  school_code FROM dq.issues_located""").df()
    hasher = keyed_hasher(KEY_PURPOSE)
    frame.insert(0, "finding_key", [hasher(f"{t}|{r}")[:16] for t, r in
                                    zip(frame["issue_type"], frame["record_key"], strict=True)])
    return frame.drop_duplicates("finding_key")


def _records(con: duckdb.DuckDBPyConnection) -> None:
    """dq.review_records: the records of each finding (dq.finding_records, made by dbt) under the finding's key.

    dq.finding_records carries the plain record key; the findings that name a person (`keyed` in dq.findings) are
    keyed in dq.issues with the refresh's person hash, so the same hash is applied here before the finding key.
    """
    import pandas as pd

    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'dq' UNION "
                                        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'dq'").fetchall()}
    if not {"finding_records", "findings"} <= tables:  # a warehouse built without them (tests' older builds)
        con.execute("CREATE OR REPLACE TABLE dq.review_records (finding_key VARCHAR, source_file VARCHAR, "
                    "source_line BIGINT, summary VARCHAR)")
        return
    rows = con.execute("""SELECT r.issue_type, r.record_key, bool_or(f.keyed) AS keyed, r.source_file,
                                 r.source_line::BIGINT AS source_line, any_value(r.summary) AS summary
                          FROM dq.finding_records AS r JOIN dq.findings AS f USING (issue_type, record_key)
                          GROUP BY r.issue_type, r.record_key, r.source_file, r.source_line""").df()
    person, finding = keyed_hasher("person"), keyed_hasher(KEY_PURPOSE)
    keys = [finding(f"{t}|{person(r) if k else r}")[:16]
            for t, r, k in zip(rows["issue_type"], rows["record_key"], rows["keyed"], strict=True)]
    con.register("records_frame", pd.DataFrame({"finding_key": pd.Series(keys, dtype="string"),
                                                "source_file": rows["source_file"].astype("string"),
                                                "source_line": rows["source_line"].astype("int64"),
                                                "summary": rows["summary"].astype("string")}))
    con.execute("""CREATE OR REPLACE TABLE dq.review_records AS
                   SELECT finding_key::VARCHAR AS finding_key, source_file::VARCHAR AS source_file,
                          source_line::BIGINT AS source_line, summary::VARCHAR AS summary
                   FROM records_frame ORDER BY finding_key, source_file, source_line""")
    con.unregister("records_frame")


def carry_forward(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """Write dq.review_findings and dq.review_history into the warehouse being built (`con`, read-write, holding
    dq.issues_located).

    `db` is the warehouse this build will replace (read-only here; absent, or of an older version without
    these tables: the history starts afresh) and names the decisions store the history's counts read. The
    build's meta.refresh.refreshed_at is the time of "first seen", "gone since" and the history's row.
    """
    now = con.execute("SELECT max(refreshed_at) FROM meta.refresh").fetchall()[0][0]
    empty = ", ".join(f"NULL::{t} AS {c}" for c, t in zip(FINDING_COLUMNS, _TYPES, strict=True))
    old_findings, old_history, attached = f"SELECT {empty} LIMIT 0", None, False
    if Path(db).exists():
        try:
            con.execute("ATTACH ? AS previous_wh (READ_ONLY)", [str(db)])
            attached = True
            tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                                "'previous_wh' AND schema_name = 'dq'").fetchall()}
            if "review_findings" in tables:
                present = {r[0] for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = 'previous_wh' AND schema_name = "
                    "'dq' AND table_name = 'review_findings'").fetchall()}
                columns = [c if c in present else f"NULL::VARCHAR AS {c}" for c in FINDING_COLUMNS]  # older builds
                old_findings = f"SELECT {', '.join(columns)} FROM previous_wh.dq.review_findings"
            if "review_history" in tables:
                old_history = "SELECT * FROM previous_wh.dq.review_history"
        except duckdb.Error:  # not a warehouse at all: start the history afresh
            pass
    try:
        con.register("current_frame", _current(con))
        con.execute("""CREATE OR REPLACE TEMP TABLE current_findings AS
                       SELECT finding_key::VARCHAR AS finding_key, issue_type::VARCHAR AS issue_type,
                              entity::VARCHAR AS entity, record_key::VARCHAR AS record_key, detail::VARCHAR AS detail,
                              source_file::VARCHAR AS source_file, source_line::BIGINT AS source_line,
                              district_code::VARCHAR AS district_code, school_code::VARCHAR AS school_code
                       FROM current_frame""")
        con.unregister("current_frame")
        con.execute(f"""
            CREATE OR REPLACE TABLE dq.review_findings AS
            WITH old AS ({old_findings}),
            present AS (
                SELECT c.finding_key, c.issue_type, c.entity, c.record_key, c.detail, c.source_file,
                       c.source_line::BIGINT AS source_line, c.district_code, c.school_code,
                       coalesce(o.first_seen, $now) AS first_seen, $now AS last_seen,
                       NULL::TIMESTAMP AS gone_since,
                       CASE WHEN o.gone_since IS NOT NULL THEN $now ELSE o.returned_at END AS returned_at
                FROM current_findings AS c LEFT JOIN old AS o USING (finding_key)),
            gone AS (
                SELECT o.finding_key, o.issue_type, o.entity, o.record_key, o.detail, o.source_file, o.source_line,
                       o.district_code, o.school_code, o.first_seen, o.last_seen,
                       coalesce(o.gone_since, $now) AS gone_since,
                       o.returned_at
                FROM old AS o WHERE o.finding_key NOT IN (SELECT finding_key FROM current_findings))
            SELECT * FROM present UNION ALL SELECT * FROM gone ORDER BY issue_type, finding_key""", {"now": now})
        con.execute("DROP TABLE current_findings")
        status = read_status(con, db, today=now)
        con.register("status_now", status[["district_code", "issue_type", "status"]].assign(refreshed_at=now))
        history = f"{old_history} UNION ALL " if old_history else ""
        con.execute(f"""
            CREATE OR REPLACE TABLE dq.review_history AS
            {history}SELECT refreshed_at::TIMESTAMP AS refreshed_at, district_code::VARCHAR AS district_code,
                   issue_type::VARCHAR AS issue_type, status::VARCHAR AS status, count(*)::BIGINT AS findings
            FROM status_now GROUP BY ALL""")
        con.unregister("status_now")
        _records(con)
    finally:
        if attached:
            con.execute("DETACH previous_wh")


_TYPES = ["VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "VARCHAR", "VARCHAR",
          "TIMESTAMP", "TIMESTAMP", "TIMESTAMP", "TIMESTAMP"]


# --- reading: status by the rules above --------------------------------------------------------------------

def with_status(findings: pd.DataFrame, history: pd.DataFrame, refreshed_at: datetime,
                today: datetime | None = None) -> pd.DataFrame:
    """The findings with their status, latest decision (who, when, note) and age in days.

    `refreshed_at` is when the warehouse holding `findings` was built: a "fixed" decision taken before it on a
    finding that build still produced did not fix it (reopened).
    """
    import pandas as pd

    today = today or datetime.now()
    con = duckdb.connect()
    try:
        con.register("f", findings)
        con.register("d", history if not history.empty else pd.DataFrame(
            {c: pd.Series(dtype="object" if c != "seq" else "int64") for c in DECISION_COLUMNS}))
        return con.execute("""
            WITH latest AS (
                SELECT finding_key, decision, note, "user" AS decided_by, CAST(decided_at AS TIMESTAMP) AS decided_at
                FROM d QUALIFY row_number() OVER (PARTITION BY finding_key ORDER BY seq DESC) = 1)
            SELECT f.*, l.decision, l.decided_by, l.decided_at, l.note,
                   CASE
                       WHEN l.decision = 'dismissed' THEN 'dismissed'
                       WHEN f.gone_since IS NOT NULL THEN 'fixed'
                       WHEN l.decision = 'fixed' AND l.decided_at <= $built THEN 'reopened'
                       WHEN l.decision = 'fixed' THEN 'fixed'
                       WHEN f.returned_at IS NOT NULL AND (l.decided_at IS NULL OR l.decided_at < f.returned_at)
                           THEN 'reopened'
                       WHEN l.decision = 'confirmed' THEN 'confirmed'
                       ELSE 'open'
                   END AS status,
                   date_diff('day', CAST(f.first_seen AS DATE),
                             CAST(coalesce(f.gone_since, $today) AS DATE)) AS days_open
            FROM f LEFT JOIN latest AS l USING (finding_key)
            ORDER BY f.issue_type, f.finding_key""", {"built": refreshed_at, "today": today}).df()
    finally:
        con.close()


def read_status(con: duckdb.DuckDBPyConnection, db: Path, columns: str = "*",
                today: datetime | None = None) -> pd.DataFrame:
    """`columns` of dq.review_findings in the warehouse open as `con`, with their status now (with_status): the one
    place a finding's status is read (the CLI's `findings`, the press pack's `open_count`, the build's history in
    `carry_forward`, the app's app/data.py `_findings`).

    `db` names the decisions store (the warehouse `con` will replace while building, else `con`'s own file); the
    build time is meta.refresh's. Raises ReviewError for a warehouse built before the review queue.
    """
    try:
        frame = con.execute(f"SELECT {columns} FROM dq.review_findings").df()
        built = con.execute("SELECT max(refreshed_at) FROM meta.refresh").fetchall()[0][0]
    except duckdb.CatalogException as exc:
        raise ReviewError(f"{db}: kho chưa có danh sách phát hiện (chạy refresh) / the warehouse has no findings "
                          "table yet (run refresh)") from exc
    return with_status(frame, decisions(db), built, today)


def findings(db: Path, status: str | None = None, districts: list[str] | None = None,
             today: datetime | None = None) -> pd.DataFrame:
    """The findings of the warehouse `db` with their status now; optionally one status, some districts."""
    db = Path(db)
    if status is not None and status not in STATUSES:
        raise ReviewError(f"trạng thái '{status}' không hợp lệ (chọn {', '.join(STATUSES)}) / unknown status "
                          f"'{status}' (one of {', '.join(STATUSES)})")
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = read_status(con, db, today=today)
    finally:
        con.close()
    if status is not None:
        out = out[out["status"] == status]
    if districts is not None:
        out = out[out["district_code"].isin(districts)]
    return out.reset_index(drop=True)


def open_count(con: duckdb.DuckDBPyConnection, db: Path) -> int:
    """Findings still to deal with (open, confirmed, reopened) in the warehouse open as `con` (whose decisions store
    is `db`'s): the count the press pack's data-quality line gives. 0 for a warehouse built before the queue."""
    try:
        return int(read_status(con, db)["status"].isin(OPEN_STATUSES).sum())
    except ReviewError:
        return 0


def counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Findings by district, type and status, with the oldest age: the review's headline table."""
    import pandas as pd

    if frame.empty:
        return pd.DataFrame(columns=["district_code", "issue_type", "status", "findings", "max_days_open"])
    return (frame.groupby(["district_code", "issue_type", "status"], dropna=False, as_index=False)
            .agg(findings=("finding_key", "count"), max_days_open=("days_open", "max")))


# --- the command line: `review list` and `review decide` ----------------------------------------------------

LIST_COLUMNS = ["finding_key", "status", "issue_type", "entity", "district_code", "school_code", "source_file",
                "source_line", "detail", "first_seen", "days_open", "decided_by", "decided_at", "note"]


def register(sub: argparse._SubParsersAction) -> None:
    """`review list --db FILE [--status S] [--district CODE]` · `review decide --db FILE --finding KEY …`."""
    review = sub.add_parser("review", help="the data-quality findings and the decisions on them")
    review_sub = review.add_subparsers(dest="review_command", required=True)
    show = review_sub.add_parser("list", help="the findings with their status, as CSV on stdout")
    show.add_argument("--db", required=True, type=Path, help="the DuckDB warehouse file")
    show.add_argument("--status", default=None, help=f"only this status ({', '.join(STATUSES)})")
    show.add_argument("--district", action="extend", nargs="+", default=None, metavar="CODE",
                      help="only these district codes")
    take = review_sub.add_parser("decide", help="record a decision on a finding (audit-logged)")
    take.add_argument("--db", required=True, type=Path, help="the DuckDB warehouse file")
    take.add_argument("--finding", required=True, action="extend", nargs="+", metavar="KEY",
                      help="the finding_key (as `review list` prints it); several for one decision on each")
    take.add_argument("--decision", required=True, help=f"one of {', '.join(DECISIONS)}")
    take.add_argument("--note", default="", help="why (required to dismiss)")
    take.add_argument("--user", required=True, help="who decides, for the history and the audit log")


def run(args: argparse.Namespace) -> int:
    """The `review` command: 0 done; 2 (a message, nothing written) for a wrong key, decision, status or file."""
    try:
        if not Path(args.db).exists():
            raise ReviewError(f"{args.db}: không có kho dữ liệu / no such warehouse file")
        if args.review_command == "list":
            frame = findings(args.db, args.status, args.district)
            frame[LIST_COLUMNS].to_csv(sys.stdout, index=False, date_format="%Y-%m-%d %H:%M:%S")
            return 0
        count = decide(args.db, args.finding, args.decision, args.note, args.user)
    except ReviewError as exc:
        print(f"Không thực hiện được / not done: {exc}", file=sys.stderr)
        return 2
    print(f"Đã ghi {count} quyết định / recorded {count} decision(s): {args.decision}")
    return 0


# --- the worklist a district gets back (Vietnamese: it is sent to the district's staff as it is) --------------

WORKLIST_HEADERS = {"finding_key": "Mã phát hiện", "status": "Trạng thái", "issue_type": "Loại vấn đề",
                    "detail": "Mô tả", "source_file": "Tệp", "source_line": "Dòng", "first_seen": "Phát hiện lần đầu",
                    "days_open": "Số ngày", "note": "Ghi chú"}
STATUS_VI = {"open": "Chưa xem", "confirmed": "Đã xác nhận", "dismissed": "Bỏ qua", "fixed": "Đã sửa",
             "reopened": "Mở lại"}


def worklist(frame: pd.DataFrame, district_code: str, type_labels: dict[str, str]) -> pd.DataFrame:
    """One district's findings still to deal with: the records to fix (file, line) and why, in Vietnamese."""
    rows = frame[(frame["district_code"] == district_code) & frame["status"].isin(OPEN_STATUSES)]
    out = rows[list(WORKLIST_HEADERS)].copy()
    out["status"] = out["status"].map(STATUS_VI)
    out["issue_type"] = out["issue_type"].map(lambda code: type_labels.get(code, code))
    out["first_seen"] = [f"{v:%d/%m/%Y}" for v in out["first_seen"]]
    out["note"] = out["note"].fillna("")
    out = out.sort_values(["source_file", "source_line"])
    return out.rename(columns=WORKLIST_HEADERS).reset_index(drop=True)


def worklist_xlsx(rows: pd.DataFrame, title: str, stamp: str) -> bytes:
    """The worklist as a workbook: title, province and date, then the rows (formula-looking text neutralised)."""
    import io

    import pandas as pd

    safe = rows.map(lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        safe.to_excel(writer, index=False, sheet_name="ra_soat", startrow=3)
        sheet = writer.sheets["ra_soat"]
        sheet.write_string(0, 0, title, writer.book.add_format({"bold": True, "font_size": 14}))
        sheet.write_string(1, 0, stamp)
        sheet.freeze_panes(4, 0)
        for i, column in enumerate(safe.columns):
            width = min(max(len(str(column)), *(len(str(v)) for v in safe[column].head(200)), 8) + 2, 60)
            sheet.set_column(i, i, width)
    return buffer.getvalue()
