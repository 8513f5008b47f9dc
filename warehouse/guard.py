"""Guarded publish: compare a freshly built warehouse with the one it would replace (issue 21, point 7).

A wrong file must not silently wipe the figures (a one-row districts file once replaced the whole
built-in district list and `refresh` published it). After a build, before the swap, `check` compares
the build with the current warehouse and returns the reasons to hold it back (SPEC §3, exit 3):

- students identified (marts.program_kpis) fall by 10 % or more;
- a kind's rejected share, rejected / (loaded + rejected) from raw.<kind> and dq.rejected_rows, rises
  by 10 points or more;
- a reference list (districts, schools) loses entries other files still use: rows the current warehouse
  loaded that the build rejects for an unknown reference (matched by file and line: a file edited in place
  so that its lines move can be miscounted; a new file's rows never count, they were not "still used").

Each reason names the file to look at and says the cause with Vietnamese-style numbers, in Vietnamese and
English. An empty list means publish. The first refresh (nothing to compare with) is never held.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import duckdb

from ingest.contract import COORDINATES, KINDS
from warehouse.formats import number

HEADLINE = ("students_identified", "students_supported", "students_self_resolved", "students_remaining",
            "pct_covered", "rejected_row_count", "dq_issue_count")
IDENTIFIED_DROP = Fraction(1, 10)  # −10 % or more holds
SHARE_RISE = Fraction(1, 10)  # +10 points or more holds
BUILTIN = ("danh mục huyện có sẵn", "the built-in district list")


@dataclass(frozen=True)
class HeldReason:
    """Why a build is held: `code` (identified_drop, rejected_share, reference_loss), the file, the cause."""

    code: str
    file: str
    vi: str
    en: str

    def text(self) -> str:
        return f"{self.file}: {self.vi} / {self.en}"


class Held(Exception):
    """The build would wipe figures: nothing is published (exit 3) unless the drop is accepted."""

    def __init__(self, reasons: list[HeldReason]):
        self.reasons = reasons
        super().__init__("\n".join(r.text() for r in reasons))


def vi_number(value: int | float) -> str:
    """1.234.567 (Vietnamese grouping) in both languages of a message, as the issue asks."""
    return number(int(value))


def vi_percent(ratio: Fraction | float) -> str:
    return f"{float(ratio) * 100:.1f}".replace(".", ",") + " %"


def headline(con: duckdb.DuckDBPyConnection, db: str) -> dict:
    rows = con.execute(f"SELECT {', '.join(HEADLINE)} FROM {db}.marts.program_kpis").fetchall()
    return dict(zip(HEADLINE, rows[0], strict=True)) if rows else {}


def read_headline(path: Path) -> dict | None:
    """The headline figures of one warehouse file (read-only, briefly); None when it has none."""
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            rows = con.execute(f"SELECT {', '.join(HEADLINE)} FROM marts.program_kpis").fetchall()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return dict(zip(HEADLINE, rows[0], strict=True)) if rows else None


def _counts(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, tuple[int, int]]:
    """(loaded, rejected) per kind; the built-in district rows are not loaded from any file."""
    kept = ", ".join(f"'{c}'" for c in COORDINATES)  # dropped coordinates: the row itself was loaded
    rejected = dict(con.execute(f"SELECT kind, count(*) FROM {db}.dq.rejected_rows WHERE column_name IS NULL "
                                f"OR column_name NOT IN ({kept}) GROUP BY kind").fetchall())
    out = {}
    for kind in KINDS:
        where = " WHERE NOT is_builtin" if kind == "districts" else ""
        loaded = con.execute(f"SELECT count(*) FROM {db}.raw.{kind}{where}").fetchall()[0][0]
        out[kind] = (int(loaded), int(rejected.get(kind, 0)))
    return out


def _files_of(con: duckdb.DuckDBPyConnection, db: str, kind: str) -> list[str]:
    return [r[0] for r in con.execute(f"SELECT source_file FROM {db}.meta.files WHERE kind = ? ORDER BY file_rank",
                                      [kind]).fetchall()]


def _new_rejections(con: duckdb.DuckDBPyConnection, kind: str | None = None) -> list[tuple[str, int]]:
    """Files by how many more rows the build rejects than the current warehouse did, most first."""
    where = "WHERE kind = ?" if kind else ""
    params = [kind, kind] if kind else []
    return [(f, int(n)) for f, n in con.execute(f"""
        WITH n AS (SELECT source_file, count(*) AS c FROM new.dq.rejected_rows {where} GROUP BY ALL),
             o AS (SELECT source_file, count(*) AS c FROM old.dq.rejected_rows {where} GROUP BY ALL)
        SELECT n.source_file, n.c - coalesce(o.c, 0) AS more FROM n LEFT JOIN o USING (source_file)
        WHERE n.c - coalesce(o.c, 0) > 0 ORDER BY more DESC, n.source_file""", params).fetchall()]


def _newly_unknown(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per kind: rows the current warehouse loaded that the build rejects for an unknown reference."""
    out = {}
    for kind in ("schools", "survey", "handovers", "donations", "coverage"):
        n = con.execute(f"""SELECT count(*) FROM new.dq.rejected_rows r WHERE r.kind = ? AND
                            r.reason_code = 'unknown_reference' AND EXISTS (SELECT 1 FROM old.raw.{kind} o
                            WHERE o.source_file = r.source_file AND o.source_line = r.source_line)""",
                        [kind]).fetchall()[0][0]
        if n:
            out[kind] = int(n)
    return out


def _reference_loss(con: duckdb.DuckDBPyConnection) -> list[HeldReason]:
    unknown = _newly_unknown(con)
    if not unknown:
        return []
    rows_vi = ", ".join(f"{vi_number(n)} dòng {k}" for k, n in unknown.items())
    rows_en = ", ".join(f"{vi_number(n)} {k} rows" for k, n in unknown.items())
    for ref, key, word_vi, word_en in (("districts", "district_code", "huyện", "district(s)"),
                                       ("schools", "school_code", "trường", "school(s)")):
        lost = con.execute(f"SELECT count(*) FROM (SELECT {key} FROM old.raw.{ref} EXCEPT "
                           f"SELECT {key} FROM new.raw.{ref})").fetchall()[0][0]
        if not lost:
            continue
        listed = con.execute(f"SELECT count(DISTINCT {key}) FROM new.raw.{ref}").fetchall()[0][0]
        before = con.execute(f"SELECT count(DISTINCT {key}) FROM old.raw.{ref}").fetchall()[0][0]
        files = _files_of(con, "new", ref)
        file = ", ".join(files) if files else (BUILTIN[0] if ref == "districts" else "")
        if not file:  # every file of the list was taken away
            file = ", ".join(f for f in _files_of(con, "old", ref)) + " (đã rút / withdrawn)"
        return [HeldReason("reference_loss", file,
                           f"liệt kê {vi_number(listed)} {word_vi} (trước đó {vi_number(before)}); {rows_vi} "
                           f"nay tham chiếu huyện hoặc trường không tồn tại",
                           f"lists {vi_number(listed)} {word_en} (before: {vi_number(before)}); {rows_en} "
                           f"now reference unknown districts or schools")]
    return []


def _changed_files(con: duckdb.DuckDBPyConnection, facts: list[dict]) -> list[str]:
    """Files added, changed or taken away since the current warehouse's last successful refresh."""
    rows = con.execute("SELECT files FROM old.meta.refresh_log WHERE outcome = 'ok' ORDER BY seq DESC "
                       "LIMIT 1").fetchall()
    before = {f["file"]: f.get("sha256") for f in json.loads(rows[0][0])} if rows and rows[0][0] else {}
    now = {f["file"]: f.get("sha256") for f in facts}
    return sorted(n for n in set(before) | set(now) if before.get(n) != now.get(n))


def _identified_drop(con: duckdb.DuckDBPyConnection, old: dict, new: dict, facts: list[dict],
                     root: str | None) -> list[HeldReason]:
    """Named after the root cause (a reference list), else the survey file (then any file) with the most new
    rejections, else the files changed since the last refresh."""
    was, now = int(old.get("students_identified") or 0), int(new.get("students_identified") or 0)
    if was <= 0 or Fraction(was - now, was) < IDENTIFIED_DROP:
        return []
    worst = _new_rejections(con, "survey") or _new_rejections(con)
    file = root or (worst[0][0] if worst else ", ".join(_changed_files(con, facts)) or "thư mục nguồn / source folder")
    drop = vi_percent(Fraction(was - now, was))
    return [HeldReason("identified_drop", file,
                       f"số học sinh cần hỗ trợ giảm từ {vi_number(was)} xuống {vi_number(now)} (−{drop})",
                       f"students identified fall from {vi_number(was)} to {vi_number(now)} (−{drop})")]


def _share_rise(con: duckdb.DuckDBPyConnection, root: str | None) -> list[HeldReason]:
    old, new = _counts(con, "old"), _counts(con, "new")
    reasons = []
    for kind in KINDS:
        (ol, orj), (nl, nrj) = old[kind], new[kind]
        was = Fraction(orj, ol + orj) if ol + orj else Fraction(0)
        now = Fraction(nrj, nl + nrj) if nl + nrj else Fraction(0)
        if now - was < SHARE_RISE:
            continue
        worst = _new_rejections(con, kind)
        file = root or (worst[0][0] if worst else ", ".join(_files_of(con, "new", kind)))
        reasons.append(HeldReason(
            "rejected_share", file,
            f"tỷ lệ dòng {kind} bị loại tăng từ {vi_percent(was)} lên {vi_percent(now)} "
            f"({vi_number(orj)} → {vi_number(nrj)} dòng)",
            f"the share of {kind} rows rejected rises from {vi_percent(was)} to {vi_percent(now)} "
            f"({vi_number(orj)} → {vi_number(nrj)} rows)"))
    return reasons


@dataclass
class Impact:
    """What a build would do: headline figures before (None: no warehouse yet) and after, and held reasons."""

    before: dict | None
    after: dict
    reasons: list[HeldReason]

    @property
    def held(self) -> bool:
        return bool(self.reasons)

    def to_json(self) -> dict:
        return {"before": self.before, "after": self.after, "reasons": [asdict(r) for r in self.reasons]}

    @classmethod
    def from_json(cls, value: dict) -> Impact:
        return cls(value.get("before"), value.get("after") or {},
                   [HeldReason(**r) for r in value.get("reasons", [])])


def check(current: Path, built: Path, facts: list[dict] | None = None) -> Impact:
    """Compare the build with the current warehouse. No current (or unreadable) warehouse: never held."""
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS new (READ_ONLY)", [str(built)])
        after = headline(con, "new")
        if not current.exists():
            return Impact(None, after, [])
        try:
            con.execute("ATTACH ? AS old (READ_ONLY)", [str(current)])
            before = headline(con, "old")
            lost = _reference_loss(con)
            root = lost[0].file if lost else None  # the drops that follow from a lost reference list are its own
            reasons = [*lost, *_identified_drop(con, before, after, facts or [], root), *_share_rise(con, root)]
        except duckdb.Error:  # a warehouse of an older version, or not one at all: nothing to compare with
            return Impact(None, after, [])
        return Impact(before, after, reasons)
    finally:
        con.close()
