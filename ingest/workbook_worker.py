"""The child process that parses workbooks, under a memory limit it sets on itself before anything else.

    python -m ingest.workbook_worker MEMORY_MB

Reads one JSON request per line on stdin and answers one JSON line on stdout:
- {"op": "table", "path": P, "kind": K} → the first sheet as text columns (only the columns whose header the
  contract knows for kind K) → {"ok": true, "rows": n, "bytes": N} followed by N bytes of Arrow IPC stream
  (a pipe, not a file: cheaper per workbook, and no children's data on disk);
- {"op": "headers", "path": P} → the first row as written (openpyxl, read-only: no macro runs, no link is
  followed) → {"ok": true, "headers": [...]};
- a refused or unreadable workbook → {"ok": false, "reason": "…"}.
Every workbook is checked by `ingest.zipcheck` (inflated size measured) before a parser sees it. A parse
that needs more memory than RLIMIT_AS allows either raises MemoryError (answered as such) or aborts the
process (calamine aborts on a failed allocation): the parent (ingest/workbook.py) tells both apart from
success and kills a child that outlives its time limit. Only fastexcel, pyarrow and openpyxl are imported
(no polars, no numpy): the child's own address space stays ~320 MB of the limit.
"""

from __future__ import annotations

import functools
import json
import resource
import sys

MEMORY_ERROR = "memory"  # the reason a child gives when an allocation failed with a Python exception


def _limit(memory_mb: float) -> None:
    size = int(memory_mb * 1024 * 1024)
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def _unreadable(exc: Exception) -> str:
    """The same message the reader gave before workbooks moved to a child (first line of the parser's error)."""
    return f"không đọc được tệp Excel / cannot read the workbook: {exc}".splitlines()[0]


@functools.cache
def _known(kind: str) -> frozenset[str]:
    """Folded headers the contract knows for `kind` (computed once per child: it reads many files)."""
    from ingest.contract import CONTRACT, header_map

    return frozenset(header_map(CONTRACT[kind]))


def _checked(path: str) -> None:
    from ingest.zipcheck import check_workbook

    with open(path, "rb") as handle:
        check_workbook(handle)


def table(path: str, kind: str) -> tuple[dict, bytes]:
    """First sheet, every cell as text (dates `YYYY-MM-DD 00:00:00`, numbers without `.0`).

    fastexcel is called directly: polars' wrapper drops empty rows, which would shift row numbers. Only the
    columns whose header the contract knows are converted (the others would be dropped by `map_headers`), and
    the sheet is loaded eagerly: the conversion to Arrow then runs inside fastexcel's parse.
    """
    import fastexcel
    import pyarrow as pa

    from ingest.contract import fold_key

    _checked(path)
    known = _known(kind)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        batch = fastexcel.read_excel(data).load_sheet(
            0, header_row=0, dtypes="string", eager=True, use_columns=lambda column: fold_key(column.name) in known)
        del data
    except MemoryError:
        raise
    except Exception as exc:  # fastexcel raises its own error classes for broken workbooks
        return {"ok": False, "reason": _unreadable(exc)}, b""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    payload = sink.getvalue()
    return {"ok": True, "rows": batch.num_rows, "bytes": payload.size}, payload


def headers(path: str) -> dict:
    """The header row as written: first row of the first sheet, blank cells left out, values stripped."""
    import openpyxl

    _checked(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_vba=False, keep_links=False)
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises many kinds of error for a broken workbook
        return {"ok": False, "reason": _unreadable(exc)}
    try:
        first = next(book.worksheets[0].iter_rows(min_row=1, max_row=1, values_only=True), ()) \
            if book.worksheets else ()
    finally:
        book.close()
    return {"ok": True, "headers": [str(v).strip() for v in first if v is not None and str(v).strip()]}


def answer(request: dict) -> tuple[dict, bytes]:
    """The answer line and the bytes that follow it (a table's Arrow IPC stream, else nothing)."""
    from ingest.zipcheck import WorkbookRefused

    try:
        if request["op"] == "table":
            return table(request["path"], request["kind"])
        return headers(request["path"]), b""
    except WorkbookRefused as exc:
        return {"ok": False, "reason": str(exc)}, b""
    except MemoryError:
        return {"ok": False, "reason": MEMORY_ERROR}, b""


def main(argv: list[str]) -> int:
    _limit(float(argv[0]))
    import fastexcel  # noqa: F401 — imported before the first request: started early, a child is ready by then
    import pyarrow  # noqa: F401

    out = sys.stdout.buffer
    for line in sys.stdin:
        head, payload = answer(json.loads(line))
        out.write(json.dumps(head).encode() + b"\n")
        out.write(payload)
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
