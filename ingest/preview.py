"""What uploaded files would do to the warehouse, told before anyone accepts them.

A data officer sees, per file, what the next `refresh` will make of it: detected encoding, delimiter and
kind; which header became which canonical column; the rows that would load; the rows that would be
rejected (file, line, column, value, reason); the ids whose existing records the file would change
(conflicts); the duplicates it would create; the rows already present (no effect).

No rule is restated here. The file is read by `ingest.read.read_file` and validated by
`ingest.validate.load_kind` — the very functions `refresh` calls — on an in-memory DuckDB seeded with the
current warehouse's reference tables (districts, schools), so "would load" and "would be rejected" are
exactly what the refresh will do. The current warehouse is attached read-only and only while the rows the
comparison needs are copied (a reader must never hold the file: STACK-NOTES, Locks); conflicts and
duplicates are then found on the copies, by the definitions of SPEC §5 (conflicting_record,
duplicate_student_in_round, possible_duplicate_person, duplicate_handover_student, duplicate_serial,
possible_duplicate_donation). The student key and the duplicate rules are the dbt macros `student_key`,
`duplicate_groups` and `donation_gift_key` (dbt_project/macros/rules.sql) that dbt's dq_findings uses,
rendered by ingest/rules.py: the same SQL, not a copy.
"""

from __future__ import annotations

import contextlib
import csv
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

from ingest import rules, workbook
from ingest.contract import CONTRACT, KINDS, SCHOOL_DISTRICT_NAME, fold_key, header_map, kind_of_file
from ingest.read import LINE, InputError, decode, map_headers, read_file, sniff_delimiter
from ingest.validate import SCOPE, create_tables, load_kind
from ingest.zipcheck import WorkbookRefused

UPLOAD_RANK = 1_000_000  # file_rank of uploaded rows: above any file of the source folder
FIRST_REJECTED = 50  # rows shown on the page; the download has them all


@dataclass
class Upload:
    """One file to preview: its (safe) name as sent, its bytes, and the kind if the person chose one."""

    name: str
    data: bytes
    kind: str | None = None
    scope: list[str] | None = None  # the uploader's districts (None: the province); other rows are rejected


@dataclass
class FileReport:
    """The validation report of one file. `refused` is set when the file cannot be accepted at all."""

    name: str
    size: int
    kind: str | None = None
    kind_from: str = ""  # "prefix", "headers" or "chosen"
    candidates: list[str] = field(default_factory=list)  # kinds the headers fit, when the kind is not told
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # header as written → canonical column
    ignored: list[str] = field(default_factory=list)  # headers that match no column of the kind
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    new_records: int = 0
    identical: int = 0
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)  # line, column, value, reason — all of them
    conflicts: pd.DataFrame = field(default_factory=pd.DataFrame)
    duplicates: pd.DataFrame = field(default_factory=pd.DataFrame)
    refused: str = ""
    missing: dict[str, list[str]] = field(default_factory=dict)  # missing column → accepted header names
    warnings: list[str] = field(default_factory=list)

    @property
    def needs_kind(self) -> bool:
        return not self.refused and self.kind is None

    @property
    def acceptable(self) -> bool:
        return not self.refused and self.kind is not None

    @property
    def conflict_count(self) -> int:
        return 0 if self.conflicts.empty else int(self.conflicts["id"].nunique())

    @property
    def duplicate_count(self) -> int:
        return 0 if self.duplicates.empty else int(self.duplicates[["issue_type", "key"]].drop_duplicates().shape[0])


# --- headers and kind -----------------------------------------------------------------------------------

def read_headers(name: str, data: bytes, path: Path | None = None) -> list[str]:
    """The header row as written: the first non-blank line of a CSV (decoded and split as the reader does),
    the first row of an XLSX's first sheet (openpyxl read-only in a bounded child process, ingest/workbook.py:
    no macros run, no external links followed, a workbook bomb refused). `path`: the bytes already on disk."""
    if name.lower().endswith(".xlsx"):
        with contextlib.ExitStack() as stack:
            if path is None:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="svmt-headers-")))
                path = folder / "book.xlsx"
                path.write_bytes(data)
            try:
                return workbook.read_headers(path)
            except WorkbookRefused as exc:
                raise InputError(name, str(exc)) from exc
    text, _ = decode(data, name)
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    row = next(csv.reader([line], delimiter=sniff_delimiter(text)), [])
    return [unicodedata.normalize("NFC", h).strip() for h in row if h.strip()]


def kinds_fitting(headers: list[str], name: str) -> list[str]:
    """The kinds whose required headers are all present (the reader's own header matching decides)."""
    fitting = []
    for kind in KINDS:
        try:
            map_headers(CONTRACT[kind], headers, name)
        except InputError:
            continue
        fitting.append(kind)
    return fitting


def missing_columns(kind: str, headers: list[str]) -> dict[str, list[str]]:
    """Required columns of `kind` that no header names, each with every header name accepted for it."""
    spec = CONTRACT[kind]
    known = header_map(spec)
    present = {known.get(fold_key(h)) for h in headers}
    missing: dict[str, list[str]] = {}
    for name in spec.required_headers:
        if name not in present:
            missing[name] = [name, *spec.column(name).aliases]
    for group in spec.one_of:
        if not present.intersection(group):
            for name in group:
                col = SCHOOL_DISTRICT_NAME if name == "district_name" else spec.column(name)
                missing[name] = [name, *col.aliases]
    return missing


# --- SQL pieces -----------------------------------------------------------------------------------------

def _fold(expr: str) -> str:
    """SPEC §5 fold(): the dbt macro itself (ingest/rules.py renders it)."""
    return rules.sql("fold", expr)


def _student_key(alias: str, district: str) -> str:
    """SPEC §5 student key: the dbt macro student_key() itself."""
    return rules.sql("student_key", f"{alias}.student_id", f"{alias}.full_name", f"{alias}.date_of_birth", district)


def _columns(kind: str) -> list[str]:
    return [c.name for c in CONTRACT[kind].columns]


def _content(kind: str, alias: str) -> str:
    """Every canonical column as one struct: "identical" and "different content" of SPEC §5 compare these."""
    return "{" + ", ".join(f"'{c}': {alias}.{c}" for c in _columns(kind)) + "}"


# The rows of the warehouse that a comparison can need, given the new rows `n` (semi-joins keep the copy small).
RELEVANT = {
    "survey": "student_id IN (SELECT student_id FROM n) OR date_of_birth IN (SELECT date_of_birth FROM n)",
    "handovers": "handover_id IN (SELECT handover_id FROM n) OR serial_number IN (SELECT serial_number FROM n) "
                 "OR student_id IN (SELECT student_id FROM n) OR date_of_birth IN (SELECT date_of_birth FROM n)",
    "donations": "donation_id IN (SELECT donation_id FROM n) OR received_on IN (SELECT received_on FROM n)",
}


# --- the preview ----------------------------------------------------------------------------------------

def _detect(upload: Upload, report: FileReport, path: Path) -> None:
    """Kind from the name's prefix, else from the headers; several or none fitting → the page asks."""
    report.headers = read_headers(upload.name, upload.data, path)
    if upload.kind:
        report.kind, report.kind_from = upload.kind, "chosen"
        return
    by_name = kind_of_file(upload.name)
    if by_name:
        report.kind, report.kind_from = by_name, "prefix"
        return
    report.candidates = kinds_fitting(report.headers, upload.name)
    if len(report.candidates) == 1:
        report.kind, report.kind_from = report.candidates[0], "headers"


def _refuse(report: FileReport, exc: InputError) -> None:
    report.refused = str(exc)
    if report.kind and "missing required column" in exc.reason:
        report.missing = missing_columns(report.kind, report.headers)


def _attach(con: duckdb.DuckDBPyConnection, db: Path | None) -> bool:
    """Attach the current warehouse read-only, if there is a usable one (else the comparison is with nothing)."""
    if db is None or not db.exists():
        return False
    for _attempt in range(3):
        try:
            con.execute("ATTACH ? AS wh (READ_ONLY)", [str(db)])
            break
        except duckdb.Error:
            continue
    else:
        return False
    tables = {r[0] for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                                        "WHERE database_name = 'wh'").fetchall()}
    if not {f"raw.{k}" for k in KINDS} <= tables:
        con.execute("DETACH wh")
        return False
    return True


def preview(uploads: list[Upload], db: Path | None,
            stored_name: Callable[[str, str], str] | None = None) -> list[FileReport]:
    """The validation report of each upload against the warehouse at `db` (None or missing: an empty one).

    `stored_name(kind, name)` is the name the file would get in the source folder: files load in name order and
    the version of an id loaded last wins, so it decides whether a conflicting row would replace the record.
    """
    reports = [FileReport(u.name, len(u.data)) for u in uploads]
    tables: dict[int, tuple[str, pl.DataFrame]] = {}
    workbooks = sum(u.name.lower().endswith(".xlsx") for u in uploads)
    with tempfile.TemporaryDirectory(prefix="svmt-preview-") as tmp, workbook.readers(prestart=workbooks):
        for i, (upload, report) in enumerate(zip(uploads, reports, strict=True)):
            path = Path(tmp) / str(i) / upload.name
            path.parent.mkdir()
            path.write_bytes(upload.data)
            try:
                _detect(upload, report, path)
                if report.kind is None:
                    continue
                table = read_file(path, report.kind)
            except InputError as exc:
                _refuse(report, exc)
                continue
            report.encoding, report.delimiter = table.encoding, table.delimiter
            report.mapping = {unicodedata.normalize("NFC", h).strip(): c for h, c in table.header_mapping.items()}
            report.ignored = [h for h in report.headers if h not in report.mapping]
            report.rows_read = table.frame.height
            scope = None if upload.scope is None else ",".join(upload.scope)
            tables[i] = (report.kind, table.frame.with_columns(pl.lit(scope, dtype=pl.String).alias(SCOPE)))
    if tables:
        _validate_and_compare(uploads, reports, tables, db, stored_name or (lambda _kind, name: name))
    return reports


def _validate_and_compare(uploads: list[Upload], reports: list[FileReport],
                          tables: dict[int, tuple[str, pl.DataFrame]], db: Path | None,
                          stored_name: Callable[[str, str], str]) -> None:
    con = duckdb.connect()
    try:
        attached = _attach(con, db)
        create_tables(con)
        if attached:
            for ref in ("districts", "schools"):
                con.execute(f"INSERT INTO raw.{ref} BY NAME SELECT * FROM wh.raw.{ref}")
        else:
            from ingest.load import load_folder

            with tempfile.TemporaryDirectory() as empty:  # an empty folder: the built-in district reference
                load_folder(con, Path(empty), lambda _m: None)
            for report in reports:
                report.warnings.append("no_warehouse")
        uploaded_kinds = {kind for kind, _ in tables.values()}
        if "districts" in uploaded_kinds:  # a districts file replaces the built-in reference, as in refresh
            con.execute("DELETE FROM raw.districts WHERE is_builtin")
        for kind in KINDS:
            frames = [frame.with_columns(pl.lit(f"#{i}").alias("source_file"),
                                         pl.lit(UPLOAD_RANK + i).alias("file_rank"))
                      for i, (k, frame) in tables.items() if k == kind]
            if frames:
                load_kind(con, kind, pl.concat(frames, how="diagonal"))
        for kind in uploaded_kinds:
            con.execute(f"CREATE TEMP TABLE n AS SELECT * FROM raw.{kind} WHERE file_rank >= {UPLOAD_RANK}")
            where = "FALSE"
            if attached:
                key = CONTRACT[kind].key
                where = RELEVANT.get(kind, f"{key} IN (SELECT {key} FROM n)")
            source = f"wh.raw.{kind}" if attached else f"raw.{kind}"
            con.execute(f"CREATE TEMP TABLE existing_{kind} AS SELECT * FROM {source} "
                        f"WHERE file_rank < {UPLOAD_RANK} AND ({where})")
            con.execute("DROP TABLE n")
        if attached:
            con.execute("DETACH wh")  # the warehouse is free again: the rest runs on copies
        con.execute("""CREATE TEMP TABLE school_district AS SELECT school_code, district_code FROM raw.schools
                        QUALIFY row_number() OVER (PARTITION BY school_code ORDER BY file_rank DESC,
                                                   source_line DESC) = 1""")
        for i, (kind, _frame) in tables.items():
            _count(con, reports[i], kind, i)
        for kind in uploaded_kinds:
            own = {i: reports[i] for i, (k, _) in tables.items() if k == kind}
            names = {i: stored_name(kind, uploads[i].name) for i in own}
            if kind == "survey":
                _survey(con, own)
            else:
                _keyed(con, kind, own, names, {f"#{j}": u.name for j, u in enumerate(uploads)})
            if kind == "handovers":
                _handover_duplicates(con, own)
            if kind == "donations":
                _donation_duplicates(con, own)
    finally:
        con.close()


def _count(con: duckdb.DuckDBPyConnection, report: FileReport, kind: str, i: int) -> None:
    report.rows_loaded = con.execute(f"SELECT count(*) FROM raw.{kind} WHERE file_rank = ?",
                                     [UPLOAD_RANK + i]).fetchall()[0][0]
    report.rejected = con.execute("""SELECT source_line AS line, column_name AS "column", value, reason
                                     FROM dq.rejected_rows WHERE source_file = ? ORDER BY source_line""",
                                  [f"#{i}"]).df()
    # a dropped coordinate (contract `keeps_row`) is listed for the uploader but its row loads: not a rejected row
    kept = [c.name for c in CONTRACT[kind].columns if c.keeps_row]
    report.rows_rejected = int((~report.rejected["column"].isin(kept)).sum())


def _keyed(con: duckdb.DuckDBPyConnection, kind: str, reports: dict[int, FileReport], names: dict[int, str],
           labels: dict[str, str]) -> None:
    """Kinds with an id: each new row against the version before it (an earlier row of the upload, else the
    warehouse's winning version). Same content: no effect. Other content: a conflict, column by column; the
    version loaded last wins, so a file stored before the existing one in name order does not win."""
    key = CONTRACT[kind].key
    diffs = ", ".join(f"{{'column': '{c}', 'old': CAST(struct_extract(n.prev_content, '{c}') AS VARCHAR), "
                      f"'new': CAST(struct_extract(n.content, '{c}') AS VARCHAR)}}" for c in _columns(kind))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE versions AS
        WITH old AS (SELECT * FROM existing_{kind}
                     QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY file_rank DESC, source_line DESC) = 1),
        allv AS (SELECT *, FALSE AS is_new FROM old
                 UNION ALL BY NAME SELECT *, TRUE AS is_new FROM raw.{kind} WHERE file_rank >= {UPLOAD_RANK})
        SELECT *, lag(source_file) OVER w AS prev_file, lag(source_line) OVER w AS prev_line,
               lag(is_new) OVER w AS prev_new, lag({_content(kind, 'allv')}) OVER w AS prev_content,
               {_content(kind, 'allv')} AS content
        FROM allv WINDOW w AS (PARTITION BY {key} ORDER BY is_new, file_rank, source_line)""")
    for i, report in reports.items():
        rank = UPLOAD_RANK + i
        counts = con.execute("""SELECT count(*) FILTER (WHERE prev_content IS NULL),
                                       count(*) FILTER (WHERE prev_content IS NOT NULL AND prev_content = content)
                                FROM versions WHERE file_rank = ?""", [rank]).fetchall()[0]
        report.new_records, report.identical = int(counts[0]), int(counts[1])
        frame = con.execute(f"""
            WITH c AS (SELECT n.{key} AS id, n.source_line AS line, n.prev_new, n.prev_file, n.prev_line,
                              unnest(list_filter([{diffs}],
                                                 lambda x: x.old IS DISTINCT FROM x.new)) AS d
                       FROM versions n WHERE n.file_rank = ? AND n.prev_content IS NOT NULL
                                         AND n.prev_content IS DISTINCT FROM n.content)
            SELECT id, line, d.column AS "column", d.old AS existing_value, d.new AS new_value,
                   prev_file AS existing_file,
                   prev_line AS existing_line, prev_new
            FROM c ORDER BY line, "column" """, [rank]).df()
        if not frame.empty:
            stored = unicodedata.normalize("NFC", names[i])
            frame["wins"] = [bool(new) or stored > unicodedata.normalize("NFC", str(f))
                             for new, f in zip(frame["prev_new"], frame["existing_file"], strict=True)]
            frame["existing_file"] = frame["existing_file"].map(lambda f: labels.get(f, f))
            frame = frame.drop(columns=["prev_new"])
        report.conflicts = frame


def _survey(con: duckdb.DuckDBPyConnection, reports: dict[int, FileReport]) -> None:
    """Survey rows have no id: a row identical to one already there counts once (no effect); otherwise it may
    create a duplicate in its round (same student key, other content) or a possible duplicate person (same
    folded name, birth date and district under another key)."""
    cols = ", ".join(_columns("survey"))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE s AS
        WITH rows AS (SELECT {cols}, source_file, source_line, file_rank, FALSE AS is_new FROM existing_survey
                      UNION ALL SELECT {cols}, source_file, source_line, file_rank, TRUE FROM raw.survey
                      WHERE file_rank >= {UPLOAD_RANK})
        SELECT r.*, sd.district_code, {_fold('r.full_name')} AS name_fold, {_student_key('r', 'sd.district_code')}
               AS student_key, {_content('survey', 'r')} AS content
        FROM rows r JOIN school_district sd USING (school_code)""")
    # New rows identical to an existing row, or to an earlier row of the upload, have no effect.
    con.execute("""CREATE OR REPLACE TEMP TABLE s_new AS
        SELECT *, EXISTS (SELECT 1 FROM s o WHERE NOT o.is_new AND o.content = s.content)
                  OR row_number() OVER (PARTITION BY content ORDER BY file_rank, source_line) > 1 AS same
        FROM s WHERE is_new""")
    con.execute("""CREATE OR REPLACE TEMP TABLE s_all AS
        SELECT * EXCLUDE (same) FROM s_new WHERE NOT same UNION ALL BY NAME SELECT * FROM s WHERE NOT is_new""")
    dup_round = _group_duplicates(con, "SELECT * FROM s_all", "duplicate_student_in_round", "survey_round, student_key",
                                  "survey_round || ' · ' || student_key", "content", adds="bool_or(is_new)")
    person = _group_duplicates(con, "SELECT * FROM s_all", "possible_duplicate_person",
                               "name_fold, date_of_birth, district_code",
                               "name_fold || '|' || strftime(date_of_birth, '%Y-%m-%d') || '|' || district_code",
                               "student_key")
    for i, report in reports.items():
        rank = UPLOAD_RANK + i
        counts = con.execute("SELECT count(*) FILTER (WHERE same), count(*) FILTER (WHERE NOT same) FROM s_new "
                             "WHERE file_rank = ?", [rank]).fetchall()[0]
        report.identical, report.new_records = int(counts[0]), int(counts[1])
        report.duplicates = _of_file(pd.concat([dup_round, person], ignore_index=True), rank)


def _of_file(groups: pd.DataFrame, rank: int) -> pd.DataFrame:
    """The duplicate groups a file takes part in: issue type, key, its lines, what was already there."""
    if groups.empty:
        return pd.DataFrame(columns=["issue_type", "key", "lines", "existing"])
    mine = groups[groups["ranks"].map(lambda ranks: rank in list(ranks))].copy()
    mine["lines"] = mine["new_lines"].map(lambda lines: ", ".join(str(x) for x in lines))
    mine["existing"] = mine["existing"].fillna("")
    return mine[["issue_type", "key", "lines", "existing"]].reset_index(drop=True)


def _group_duplicates(con: duckdb.DuckDBPyConnection, rows: str, issue: str, group_by: str, key: str, member: str,
                      where: str = "TRUE", adds: str | None = None) -> pd.DataFrame:
    """The groups of SPEC §5's duplicate rule `issue` that the upload adds to: the dbt macro duplicate_groups (the
    rule dq_findings applies to the whole warehouse) over `rows`, keeping the groups whose distinct `member`s
    the upload makes more than one (`adds`: by default, it brings a member the warehouse did not have)."""
    extra = (f", any_value({key}) AS key, list(source_line ORDER BY source_line) FILTER (WHERE is_new) AS new_lines,"
             " list(DISTINCT file_rank) FILTER (WHERE is_new) AS ranks,"
             " string_agg(DISTINCT source_file || ':' || source_line, ', ') FILTER (WHERE NOT is_new) AS existing")
    adds = adds or f"count(DISTINCT {member}) > count(DISTINCT {member}) FILTER (WHERE NOT is_new)"
    groups = rules.sql("duplicate_groups", f"({rows}) AS r", group_by, member, where=where, extra=extra, having=adds)
    return con.execute(f"SELECT '{issue}' AS issue_type, CAST(key AS VARCHAR) AS key, new_lines, ranks, existing "
                       f"FROM ({groups})").df()


def _winners(kind: str) -> str:
    """Existing winning versions and the upload's last version of each id, flagged is_new."""
    key = CONTRACT[kind].key
    return f"""SELECT * FROM (
                 SELECT *, FALSE AS is_new FROM existing_{kind}
                 UNION ALL BY NAME SELECT *, TRUE AS is_new FROM raw.{kind} WHERE file_rank >= {UPLOAD_RANK})
               QUALIFY row_number() OVER (PARTITION BY {key}, is_new ORDER BY file_rank DESC, source_line DESC) = 1"""


def _handover_duplicates(con: duckdb.DuckDBPyConnection, reports: dict[int, FileReport]) -> None:
    rows = (f"SELECT h.*, {_student_key('h', 'sd.district_code')} AS student_key FROM ({_winners('handovers')}) h "
            "JOIN school_district sd USING (school_code)")
    groups = pd.concat([
        _group_duplicates(con, rows, "duplicate_handover_student", "student_key", "student_key", "handover_id",
                          "student_key IS NOT NULL"),
        _group_duplicates(con, rows, "duplicate_serial", "serial_number", "serial_number", "handover_id",
                          "serial_number IS NOT NULL"),
    ], ignore_index=True)
    for i, report in reports.items():
        report.duplicates = _of_file(groups, UPLOAD_RANK + i)


def _donation_duplicates(con: duckdb.DuckDBPyConnection, reports: dict[int, FileReport]) -> None:
    rows = f"SELECT d.*, {_fold('d.donor_name')} AS donor_fold FROM ({_winners('donations')}) d"
    gift = rules.sql("donation_gift_key")
    groups = _group_duplicates(con, rows, "possible_duplicate_donation", gift, f"concat_ws(' · ', {gift})",
                               "donation_id", "status = 'da_nhan'")
    for i, report in reports.items():
        report.duplicates = _of_file(groups, UPLOAD_RANK + i)


__all__ = ["FIRST_REJECTED", "LINE", "FileReport", "Upload", "kinds_fitting", "missing_columns", "preview",
           "read_headers"]
