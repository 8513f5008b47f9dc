"""A warehouse's accepted rows as Parquet files of the canonical columns: what a province sends up.

    .venv/bin/python -m warehouse export --db province.duckdb --out DIR [--name 66]

writes `DIR/<kind>_<name>.parquet` for every kind with rows (the districts only when they came from a
file, not the built-in reference), the canonical columns only, typed, in load order. A folder of such
files from every province is a source folder like any other: `refresh --source DIR` reads them through
the same rules (ingest/read.py), so the Ministry's national warehouse builds its marts without re-reading
63 provinces' CSVs. `name` defaults to the warehouse's province code when it holds one province.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingest.contract import CONTRACT, KINDS


def _name(con: duckdb.DuckDBPyConnection) -> str:
    provinces = con.execute("SELECT DISTINCT province_code FROM intermediate.int_districts "
                            "ORDER BY 1").fetchall()
    return provinces[0][0] if len(provinces) == 1 else "export"


def export_raw(db: Path, out: Path, name: str | None = None) -> list[Path]:
    """Write one Parquet file per kind from `db`'s raw tables; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    written = []
    try:
        label = name or _name(con)
        for kind in KINDS:
            columns = ", ".join(c.name for c in CONTRACT[kind].columns)
            where = "WHERE NOT is_builtin" if kind == "districts" else ""
            rows = con.execute(f"SELECT count(*) FROM raw.{kind} {where}").fetchall()[0][0]
            if not rows:
                continue
            path = out / f"{kind}_{label}.parquet"
            con.execute(f"COPY (SELECT {columns} FROM raw.{kind} {where} ORDER BY file_rank, source_line) "
                        f"TO '{path.as_posix()}' (FORMAT parquet)")
            written.append(path)
    finally:
        con.close()
    return written
