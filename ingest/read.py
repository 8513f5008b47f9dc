"""Bytes → table: decode, detect the delimiter, map headers to canonical names, keep line numbers.

The reader does no validation: every cell comes out as text exactly as written (decoded), so the
validator can both type it and quote it back in `dq.rejected_rows`. Parsing itself is polars'
CSV reader (and fastexcel for XLSX, in a bounded child process: ingest/workbook.py); this module only
decides how to call them.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ingest.contract import CONTRACT, Kind, fold_key, header_map

LINE = "__line"  # the 1-based line (XLSX: row) of each record in its file
MAX_LINE_BYTES = 1 << 20  # no real row is a megabyte long: such a file is refused, not parsed (bounded memory)


class InputError(Exception):
    """Unusable input: `refresh` exits 2 with this message (file, line/column where known)."""

    def __init__(self, file: str, reason: str, line: int | None = None, column: str | None = None):
        self.file, self.reason, self.line, self.column = file, reason, line, column
        where = file + (f", dòng/line {line}" if line else "") + (f", cột/column {column}" if column else "")
        super().__init__(f"{where}: {reason}")


@dataclass
class RawTable:
    """One file read as text: canonical column names (only the known ones) plus LINE."""

    file: str
    kind: str
    frame: pl.DataFrame
    encoding: str
    delimiter: str
    header_mapping: dict[str, str]  # header as written -> canonical name


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Decode by BOM, else UTF-8, else Windows-1258 (Excel's 'CSV' on a Vietnamese Windows)."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise InputError(file, f"không giải mã được {enc} / cannot decode as {enc}: {exc.reason}") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        raise InputError(file, "tệp nhị phân, không phải bảng / binary file, not a table")
    try:
        return data.decode("cp1258"), "windows-1258"
    except UnicodeDecodeError as exc:
        raise InputError(file, "không xác định được bảng mã / unknown text encoding") from exc


def _first_line(text: str) -> str:
    """The first non-blank line; looks at a prefix first, so a large file is not split into all its lines."""
    head = text[:1 << 16].splitlines()
    if len(text) > 1 << 16:
        head = head[:-1]  # the prefix may end inside a line
    found = next((ln for ln in head if ln.strip()), None)
    return found if found is not None else next((ln for ln in text.splitlines() if ln.strip()), "")


def sniff_delimiter(text: str) -> str:
    """The delimiter is whichever of `,` `;` tab is most frequent in the header line."""
    first = _first_line(text)
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_HEADER_MAPS: dict[str, dict[str, str]] = {}  # folded header → canonical, per kind (the contract is constant)


def _known_headers(kind: Kind) -> dict[str, str]:
    """Folded header → canonical name for one kind, built once: the reader asks for it on every file."""
    return _HEADER_MAPS.get(kind.name) or _HEADER_MAPS.setdefault(kind.name, header_map(kind))


def map_headers(kind: Kind, headers: list[str], file: str) -> dict[str, str]:
    """Header as written -> canonical column; unknown headers are left out (ignored)."""
    known = _known_headers(kind)
    mapping: dict[str, str] = {}
    for header in headers:
        canonical = known.get(fold_key(header))
        if canonical is None:
            continue
        if canonical in mapping.values():
            raise InputError(file, f"cột '{canonical}' xuất hiện hai lần / column '{canonical}' given twice",
                             line=1, column=header)
        mapping[header] = canonical
    present = set(mapping.values())
    missing = [c for c in kind.required_headers if c not in present]
    missing += [" hoặc/or ".join(group) for group in kind.one_of if not present.intersection(group)]
    if missing:
        hints = "; ".join(
            f"{name}: {', '.join((name, *kind.column(name).aliases))}" for name in missing if " " not in name)
        raise InputError(file, f"thiếu cột bắt buộc / missing required column(s): {', '.join(missing)}"
                         + (f" (tên cột được chấp nhận / accepted headers — {hints})" if hints else ""), line=1)
    return mapping


def _check_line_lengths(data: bytes, file: str) -> None:
    """Refuse a file with an absurdly long line before parsing it (vectorised: newline positions only)."""
    if len(data) <= MAX_LINE_BYTES:
        return
    breaks = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    bounds = np.concatenate(([-1], breaks, [len(data)]))
    longest = int(np.diff(bounds).max())
    if longest > MAX_LINE_BYTES:
        line = int(np.argmax(np.diff(bounds))) + 1
        raise InputError(file, f"dòng dài {longest:,} byte, không phải bảng dữ liệu / a line of {longest:,} bytes: "
                         "not a data table", line=line)


def _read_csv(data: bytes, file: str) -> tuple[pl.DataFrame, str, str]:
    _check_line_lengths(data, file)
    text, encoding = decode(data, file)
    if not text or text.isspace():  # no stripped copy of the whole file
        raise InputError(file, "tệp rỗng / empty file")
    delimiter = sniff_delimiter(text)
    # UTF-8 input is handed to polars as it came (decoding above only proved it valid); others re-encoded.
    payload = data if encoding == "utf-8" else data[3:] if encoding == "utf-8-sig" else text.encode("utf-8")
    try:
        frame = pl.read_csv(io.BytesIO(payload), separator=delimiter, has_header=True,
                            infer_schema=False, truncate_ragged_lines=True, quote_char='"')
    except pl.exceptions.PolarsError as exc:
        raise InputError(file, f"không đọc được dạng bảng / cannot be read as a table: {exc}".splitlines()[0]) from exc
    if not frame.columns:
        return frame, encoding, delimiter
    # One line per record when no cell holds a newline: no quote at all, or as many lines as records + header
    # (polars keeps blank lines as empty records, so only a newline inside a quoted cell makes the counts differ).
    lines = payload.count(b"\n") + (not payload.endswith(b"\n"))
    if b'"' not in payload or lines == frame.height + 1:
        return frame.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64)), encoding, delimiter
    # Line of each record: header is line 1; a record spans 1 + (newlines inside its quoted cells).
    spans = pl.sum_horizontal(pl.col(c).str.count_matches("\n").fill_null(0) for c in frame.columns) + 1
    return frame.with_columns((spans.cum_sum() - spans + 2).cast(pl.Int64).alias(LINE)), encoding, delimiter


def _read_xlsx(path: Path, file: str, kind: Kind) -> pl.DataFrame:
    """First sheet, every cell as text (date cells come as `YYYY-MM-DD 00:00:00`, numbers without `.0`).

    Parsed in a child process with a memory and a time limit, after its inflated size was measured
    (ingest/workbook.py, ingest/zipcheck.py): a workbook bomb is refused, never parsed in this process.
    fastexcel is called directly there: polars' wrapper drops empty rows, which would shift row numbers.
    """
    from ingest.workbook import WorkbookRefused, read_table

    try:
        frame = read_table(path, kind.name)
    except WorkbookRefused as exc:
        raise InputError(file, str(exc)) from exc
    return frame.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64))


def _read_parquet(data: bytes, file: str) -> pl.DataFrame:
    """A Parquet export (e.g. the raw tables of a province warehouse): every column as text, so the export goes
    through the same rules as a CSV. Dates as `YYYY-MM-DD`, booleans `true`/`false`, whole floats as integers.
    Row n of the file is line n + 1, as if a header were line 1 (like a CSV or an XLSX sheet).
    """
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # polars raises several error classes for files that are not Parquet
        raise InputError(file, f"không đọc được tệp Parquet / cannot read the Parquet file: {exc}".splitlines()[0]) \
            from exc
    columns = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Datetime or dtype == pl.Date:
            columns.append(col.dt.strftime("%Y-%m-%d" if dtype == pl.Date else "%Y-%m-%d %H:%M:%S"))
        elif dtype.is_float():
            columns.append(pl.when(col == col.floor()).then(col.cast(pl.Int64).cast(pl.String))
                           .otherwise(col.cast(pl.String)))
        elif dtype.is_nested():
            raise InputError(file, f"cột lồng nhau không được hỗ trợ / nested column not supported: {dtype}",
                             column=name)
        else:
            columns.append(col.cast(pl.String))
    frame = frame.select(columns)
    return frame.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64))


def read_file(path: Path, kind: str) -> RawTable:
    """Read one source file of a known kind into text columns named canonically."""
    file = path.name
    spec = CONTRACT[kind]
    if path.suffix.lower() == ".xlsx":
        frame, encoding, delimiter = _read_xlsx(path, file, spec), "xlsx", ""
    elif path.suffix.lower() == ".parquet":
        frame, encoding, delimiter = _read_parquet(path.read_bytes(), file), "parquet", ""
    else:
        frame, encoding, delimiter = _read_csv(path.read_bytes(), file)
    headers = [c for c in frame.columns if c != LINE]
    mapping = map_headers(spec, headers, file)
    # Blank lines (every cell empty) are skipped; they still count in line numbers.
    blank = pl.all_horizontal(pl.col(h).is_null() | (pl.col(h).str.strip_chars() == "") for h in mapping)
    frame = frame.lazy().filter(~blank).select([pl.col(h).alias(c) for h, c in mapping.items()] + [pl.col(LINE)])
    frame = frame.collect()
    return RawTable(file, kind, frame, encoding, delimiter, mapping)
