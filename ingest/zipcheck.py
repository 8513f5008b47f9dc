"""Is this workbook safe to hand to a parser? Measured by inflating it, never by what the zip declares.

An `.xlsx` is a zip archive. Its central directory declares each member's sizes, and a zip bomb lies
there: a 4 MB file declaring 20 MB may inflate to gigabytes. So every member is inflated here, chunk by
chunk, from its local header onwards until its deflate stream really ends, counting the bytes that
come out, and the count stops the moment the workbook's total passes the limit: memory stays at one
chunk, time at the limit's worth of inflating (≈ 1 s for 256 MB). A member whose real size differs
from the declared one is refused too (Excel never writes that; only a forged file does), and so are
archives of more members than any workbook has, nested archives, encrypted members and compression
methods Excel does not use.

The limit (SVMT_XLSX_MAX_INFLATED_MB, default 256) is ~14× the largest workbook of the national demo
(a province's survey round, 38.120 rows: a 2,0 MB file of 17,7 MB XML, ratio 8,8; BENCHMARKS.md section
"Bounded workbooks"). A workbook may also not inflate to more than 100× its own size once past 16 MB.

This module imports nothing heavy: the bounded child process (ingest/workbook_worker.py) runs it first.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from typing import BinaryIO

DEFAULT_MAX_INFLATED_MB = 256
MAX_RATIO = 100  # … nor more than 100× its own size (real workbooks: 5–20×), once past RATIO_FLOOR
RATIO_FLOOR = 16 << 20  # small workbooks may compress very well; below this the ratio does not matter
MAX_MEMBERS = 1000  # a workbook has tens of parts; thousands are a crafted archive
CHUNK = 1 << 16  # compressed bytes read at a time
OUT_CHUNK = 1 << 20  # most bytes one inflate step may produce (bounds memory whatever the ratio)
NESTED_SUFFIXES = (".zip", ".xlsx", ".xlsm", ".xlsb", ".docx", ".pptx", ".jar", ".gz", ".7z", ".rar")
NESTED_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")
_LOCAL = struct.Struct("<4s5H3L2H")  # local file header: signature … name length, extra length


class WorkbookRefused(Exception):
    """The workbook is not parsed; the message (Vietnamese / English) says why, `code` which rule: "type" (not
    a workbook), "size" (inflates past the limit), "limit" (its parse broke the memory or time limit) or
    "xlsx" (forged sizes, encrypted parts, nested archives, too many parts, damaged)."""

    def __init__(self, message: str, code: str = "xlsx"):
        self.code = code
        super().__init__(message)


def megabytes_setting(name: str, default: float) -> int:
    """A size limit in bytes from the environment variable `name` (megabytes; default when unset or not a
    number, never below 0)."""
    try:
        megabytes = float(os.environ.get(name, default))
    except ValueError:
        megabytes = default
    return int(max(megabytes, 0) * 1024 * 1024)


def max_inflated_bytes() -> int:
    """SVMT_XLSX_MAX_INFLATED_MB (default 256) megabytes of inflated content per workbook."""
    return megabytes_setting("SVMT_XLSX_MAX_INFLATED_MB", DEFAULT_MAX_INFLATED_MB)


def _mb(size: int) -> str:
    return f"{size / 1048576:.0f}"


class _Over(Exception):
    """The inflated bytes passed the budget (turned into the refusal by `check_workbook`)."""


def _too_big(budget: int, limit: int) -> WorkbookRefused:
    return WorkbookRefused(f"bảng tính giải nén vượt giới hạn {_mb(budget)} MB (tệp nén kiểu zip bomb; giới hạn: "
                           f"{MAX_RATIO} lần kích thước tệp, tối đa {_mb(limit)} MB) / the workbook inflates to more "
                           f"than the {_mb(budget)} MB limit (a zip bomb; limit: {MAX_RATIO}× the file's size, at "
                           f"most {_mb(limit)} MB)", "size")


def _member_size(handle: BinaryIO, info: zipfile.ZipInfo, end: int, budget: int) -> int:
    """The real inflated size of one member, read from its local header; _Over past `budget` bytes."""
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL.size)
    if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
        raise WorkbookRefused(f"phần '{info.filename}' hỏng / member '{info.filename}' is damaged")
    *_, name_len, extra_len = _LOCAL.unpack(header)
    handle.seek(info.header_offset + _LOCAL.size + name_len + extra_len)
    first = b""
    if info.compress_type == zipfile.ZIP_STORED:
        size = min(info.compress_size, max(end - handle.tell(), 0))
        first = handle.read(min(size, 8))
    else:
        inflate, size = zlib.decompressobj(-zlib.MAX_WBITS), 0
        while not inflate.eof:
            chunk = handle.read(min(CHUNK, max(end - handle.tell(), 0)))
            if not chunk:
                raise WorkbookRefused(f"phần '{info.filename}' bị cắt cụt / member '{info.filename}' is truncated")
            while chunk and not inflate.eof:
                out = inflate.decompress(chunk, OUT_CHUNK)
                first = first or out[:8]
                size += len(out)
                if size > budget:
                    raise _Over
                chunk = inflate.unconsumed_tail
    if size > budget:
        raise _Over
    if size != info.file_size:
        raise WorkbookRefused(f"phần '{info.filename}' khai báo {info.file_size:,} byte nhưng giải nén ra {size:,} "
                              f"(tệp bị giả mạo) / member '{info.filename}' declares {info.file_size:,} bytes but "
                              f"inflates to {size:,} (a forged file)")
    if first.startswith(NESTED_MAGIC):
        raise _nested(info.filename)
    return size


def _nested(name: str) -> WorkbookRefused:
    return WorkbookRefused(f"bảng tính chứa tệp nén lồng bên trong ('{name}') / the workbook holds a nested "
                           f"archive ('{name}')")


def check_workbook(handle: BinaryIO, limit: int | None = None) -> list[str]:
    """The member names of a workbook that passed every check; WorkbookRefused otherwise.

    `handle` is a seekable binary file (an open file or a BytesIO); nothing larger than one chunk is held.
    """
    limit = max_inflated_bytes() if limit is None else limit
    try:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        members = zipfile.ZipFile(handle).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise WorkbookRefused("không phải tệp Excel .xlsx / not an .xlsx workbook", "type") from exc
    if len(members) > MAX_MEMBERS:
        raise WorkbookRefused(f"bảng tính có {len(members):,} phần, quá nhiều / the workbook has {len(members):,} "
                              f"parts, too many (most {MAX_MEMBERS:,})")
    budget, total = min(limit, max(RATIO_FLOOR, MAX_RATIO * end)), 0
    for info in members:
        if info.flag_bits & 0x1:
            raise WorkbookRefused("bảng tính có phần được mã hoá / the workbook has encrypted parts")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WorkbookRefused(f"phương thức nén {info.compress_type} không được hỗ trợ / compression method "
                                  f"{info.compress_type} is not supported")
        if info.filename.lower().endswith(NESTED_SUFFIXES):
            raise _nested(info.filename)
        try:
            total += _member_size(handle, info, end, budget - total)
        except _Over:
            raise _too_big(budget, limit) from None
        except zlib.error as exc:
            raise WorkbookRefused(f"phần '{info.filename}' hỏng / member '{info.filename}' is damaged: {exc}") from exc
    return [m.filename for m in members]
