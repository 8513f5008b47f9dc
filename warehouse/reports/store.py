"""Publishing the month's figures and the published-figures store (issue 21).

Building a pack never publishes. `publish`, open only to the roles of `SVMT_PUBLISH_ROLES` (default
`lanh_dao`), records the figures in `meta.published_briefings` of a separate DuckDB file beside the warehouse
(`<db stem>_published.duckdb`, which `refresh` never touches) and writes a `publish` entry to the audit log.
When a later refresh changes a figure already published, every pack built since says so ("đã điều chỉnh":
old → new); the next publication records the correction, so it is announced once.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.private import make_private
from warehouse.reports.figures import (
    FIGURES,
    BriefingError,
    check_month,
    compute_figures,
    connect_warehouse,
    headline_figures,
    month_figures,
    parse_month,
)
from warehouse.reports.wording import correction_lines


class PublishRefused(BriefingError):
    """The role may not publish the month's figures (SVMT_PUBLISH_ROLES)."""


PUBLISH_ROLES_DEFAULT = ("lanh_dao",)


def publish_roles() -> frozenset[str]:
    """The role codes allowed to publish: `SVMT_PUBLISH_ROLES` (comma-separated), default leaders only."""
    raw = os.environ.get("SVMT_PUBLISH_ROLES", "")
    roles = {r.strip() for r in raw.split(",") if r.strip()}
    return frozenset(roles or PUBLISH_ROLES_DEFAULT)


def may_publish(role: str | None) -> bool:
    return role is not None and role in publish_roles()


def published_store(db: Path) -> Path:
    """The file that keeps the published figures beside the warehouse (refresh never touches it)."""
    db = Path(db)
    return db.with_name(f"{db.stem}_published.duckdb")


STORE_DDL = """
create schema if not exists meta;
create table if not exists meta.published_briefings (
    batch bigint not null,            -- one per pack (or announced correction); later batches win
    month varchar not null,           -- the month the figure belongs to (YYYY-MM)
    figure varchar not null,
    value double not null,
    kind varchar not null,            -- 'published' (the pack of that month) | 'correction' (announced later)
    pack_month varchar not null,      -- the pack that published or announced it
    published_at timestamp not null,
    warehouse_refreshed_at timestamp,
    warehouse_as_of date
);
"""


def _store_connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the published-figures store, waiting a little when another pack holds it."""
    deadline = time.monotonic() + 15
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def published(db: Path) -> dict[str, dict[str, float]]:
    """The figures as last published (or last announced as corrected), month → figure → value."""
    path = published_store(db)
    if not path.is_file():
        return {}
    con = _store_connect(path, read_only=True)
    try:
        rows = con.execute("""
            select month, figure, value from meta.published_briefings
            qualify row_number() over (partition by month, figure order by batch desc) = 1""").fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, float]] = {}
    for month, figure, value in rows:
        out.setdefault(month, {})[figure] = value
    return out


def _differs(key: str, old: float, new: float) -> bool:
    return abs(old - new) > 1e-9 if FIGURES[key][1] == "pct" else round(old) != round(new)


def _corrections(con: duckdb.DuckDBPyConnection, db: Path, current: dict[str, Any]) -> list[dict[str, Any]]:
    """Published figures that the warehouse now puts differently: month, figure, label, old, new."""
    out = []
    for month, figures in sorted(published(db).items()):
        now = current["figures"] if month == current["month"] else headline_figures(con, parse_month(month))
        for key, old in figures.items():
            if key in FIGURES and _differs(key, old, now[key]):
                kind = FIGURES[key][1]
                out.append({"month": month, "figure": key, "label": FIGURES[key][0],
                            "old": old if kind == "pct" else int(round(old)), "new": now[key]})
    return out


def _record(db: Path, pack: dict[str, Any], corrections: list[dict[str, Any]]) -> None:
    path = published_store(db)
    con = _store_connect(path, read_only=False)
    make_private(path)
    try:
        con.execute(STORE_DDL)
        batch = con.execute("select coalesce(max(batch), 0) from meta.published_briefings").fetchall()[0][0]
        now = datetime.now().replace(microsecond=0)
        rows = []
        for month in sorted({c["month"] for c in corrections} - {pack["month"]}):
            batch += 1
            rows += [(batch, month, c["figure"], float(c["new"]), "correction", pack["month"], now,
                      pack["refreshed_at"], pack["data_as_of"]) for c in corrections if c["month"] == month]
        batch += 1
        rows += [(batch, pack["month"], key, float(value), "published", pack["month"], now,
                  pack["refreshed_at"], pack["data_as_of"]) for key, value in pack["figures"].items()]
        con.executemany("insert into meta.published_briefings values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        con.close()
        make_private(path)


def month_pack(db: Path, month: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The month's figures and the corrections a pack for it announces (published figures now different)."""
    first = parse_month(month)
    con = connect_warehouse(db)
    try:
        check_month(con, month)
        pack = compute_figures(con, first, db=db)
        return pack, _corrections(con, db, pack)
    finally:
        con.close()


@dataclass(frozen=True)
class Publication:
    """What one publication recorded."""

    month: str
    user: str
    role: str
    figures: dict[str, Any]
    corrections: list[dict[str, Any]]


def publish(db: Path, month: str, user: str, role: str) -> Publication:
    """Publish the month's figures: record them (and any corrections of earlier months) in the published store
    and write a `publish` entry to the audit log. PublishRefused for a role outside `publish_roles()`.

    The role is checked here, not only by the page hiding its button, so no other caller can publish for it.
    """
    from warehouse.refresh import log_event

    db = Path(db)
    if not may_publish(role):
        raise PublishRefused(f"vai trò '{role}' không được công bố số liệu (được phép: "
                             f"{', '.join(sorted(publish_roles()))}) / the role '{role}' may not publish figures "
                             f"(allowed: {', '.join(sorted(publish_roles()))}; SVMT_PUBLISH_ROLES)")
    if not str(user or "").strip():
        raise BriefingError("cần tên người công bố / who publishes must be named (--user)")
    pack, corrections = month_pack(db, month)
    _record(db, pack, corrections)
    now = datetime.now().replace(microsecond=0)
    log_event(db, {"event": "publish", "started_at": now, "ended_at": now, "outcome": "publish",
                   "message": f"{user}: công bố số liệu tháng {pack['month_label']} / published {pack['month']}",
                   "user": user, "role": role, "month": pack["month"], "figures": pack["figures"],
                   "corrections": corrections, "warehouse_refreshed_at": pack["refreshed_at"]})
    return Publication(pack["month"], user, role, pack["figures"], corrections)


def pending_corrections(db: Path, month: str, pack: dict[str, Any] | None = None) -> list[str]:
    """What the next pack for `month` will announce: published figures the warehouse now puts differently.

    `pack` is `month_figures(db, month)` when the caller has it already (the dashboard does): computing the
    month's need as of its last day over every survey row takes seconds at national size.
    """
    pack = pack if pack is not None else month_figures(db, month)
    con = connect_warehouse(db)
    try:
        return correction_lines(_corrections(con, db, pack))
    finally:
        con.close()
