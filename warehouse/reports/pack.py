"""Writing the pack: both files built under temporary names and renamed only when both are complete, private to
the service user (the figures are not public yet). Never publishes (warehouse/reports/store.py).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.private import make_dirs, make_private
from warehouse.reports.excel import write_xlsx
from warehouse.reports.figures import BriefingError, parse_month
from warehouse.reports.pdf import write_pdf
from warehouse.reports.store import month_pack


@dataclass(frozen=True)
class Pack:
    """What one pack run wrote and said."""

    xlsx: Path
    pdf: Path
    figures: dict[str, Any]
    corrections: list[dict[str, Any]]


def write_pack(db: Path, month: str, out_dir: Path) -> Pack:
    """Write `briefing-YYYY-MM.xlsx` and `.pdf` into out_dir. Never publishes (see `publish`).

    Raises BriefingError for a malformed month, a month outside the data, or a missing/unusable warehouse.
    Files are built under temporary names and renamed only when both are complete; nothing is left behind on
    failure. The files (and a folder made here) are the service user's only: the figures are not public yet.
    """
    db, out_dir = Path(db), Path(out_dir)
    parse_month(month)
    if out_dir.exists() and not out_dir.is_dir():
        raise BriefingError(f"'{out_dir}' không phải thư mục / is not a folder")
    pack, corrections = month_pack(db, month)
    make_dirs(out_dir)
    stem = f"briefing-{pack['month']}"
    final = (out_dir / f"{stem}.xlsx", out_dir / f"{stem}.pdf")
    token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"  # unique per call: dashboard sessions share one process
    temps = tuple(p.with_name(f".{p.name}.tmp-{token}") for p in final)
    try:
        write_xlsx(pack, corrections, temps[0])
        write_pdf(pack, corrections, temps[1])
        for tmp, target in zip(temps, final, strict=True):
            make_private(tmp)
            os.replace(tmp, target)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    return Pack(final[0], final[1], pack, corrections)


def build_pack(db: Path, month: str, out_dir: Path) -> tuple[Path, Path]:
    """Write the pack (never publishes), return (xlsx, pdf)."""
    pack = write_pack(db, month, out_dir)
    return pack.xlsx, pack.pdf


def pack_bytes(db: Path, month: str) -> list[tuple[str, bytes]]:
    """The pack as (file name, bytes) for a download, built in a private temporary folder removed after."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="briefing-") as folder:
        pack = write_pack(db, month, Path(folder))
        return [(path.name, path.read_bytes()) for path in (pack.xlsx, pack.pdf)]
