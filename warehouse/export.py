"""A warehouse's accepted rows as Parquet files of the canonical columns: what a province sends up.

    .venv/bin/python -m warehouse export --db province.duckdb --out DIR [--name 66]

writes `DIR/<kind>_<name>.parquet` for every kind with rows (the districts only when they came from a
file, not the built-in reference), the canonical columns only, typed, in load order. A folder of such
files from every province is a source folder like any other: `refresh --source DIR` reads them through
the same rules (ingest/read.py), so the Ministry's national warehouse builds its marts without re-reading
63 provinces' CSVs. `name` defaults to the warehouse's province code when it holds one province.

No child's name, ID or birth date leaves the province: survey and handover rows carry, in their place, the
keyed hash of the SPEC §5 student key (install secret), its rank among the province's keys and, for the
survey, the keyed hash of name | birth date | district (ingest/pseudonym.py says how they are read back).

The school's district and the province come from the reporting views (reporting.schools,
reporting.districts), never from `intermediate.*`: the export is downstream of dbt like the app.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingest.contract import CONTRACT, KINDS
from ingest.pseudonym import HASH, PERSON, RANK
from ingest.pseudonym import KINDS as PSEUDONYMOUS
from ingest.rules import sql
from warehouse.secret import keyed_hasher

PERSONAL = ("student_id", "full_name", "date_of_birth")


def _keyed_rows(kind: str) -> str:
    """raw.<kind>'s rows with the student key of SPEC §5 (the name key uses the school's district, as
    int_survey_rows / int_handovers do) and, for the survey, the text of its person key."""
    key = sql("student_key", "r.student_id", "r.full_name", "r.date_of_birth", "s.district_code")
    person = (f"{sql('fold', 'r.full_name')} || '|' || CAST(r.date_of_birth AS VARCHAR) || '|' || s.district_code"
              if kind == "survey" else "NULL")
    return (f"SELECT r.*, {key} AS student_key, {person} AS person_text FROM src.raw.{kind} AS r "
            "LEFT JOIN src.reporting.schools AS s USING (school_code)")


def _student_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table `keys`: every student key of the survey and the handovers, its keyed hash and its rank."""
    rows = " UNION ".join(f"SELECT student_key FROM ({_keyed_rows(kind)})" for kind in PSEUDONYMOUS)
    con.execute(f"""CREATE TEMP TABLE keys AS
        SELECT student_key, keyed(student_key) AS {HASH}, row_number() OVER (ORDER BY student_key) AS {RANK}
        FROM ({rows}) WHERE student_key IS NOT NULL""")


def _select(kind: str) -> str:
    """What one kind's file holds: the canonical columns, personal ones replaced by keyed hashes."""
    columns = [c.name for c in CONTRACT[kind].columns]
    where = "WHERE NOT is_builtin" if kind == "districts" else ""
    if kind not in PSEUDONYMOUS:
        return f"SELECT {', '.join(columns)} FROM src.raw.{kind} {where} ORDER BY file_rank, source_line"
    kept = [f"rows.{c}" for c in columns if c not in PERSONAL] + [f"keys.{HASH}", f"keys.{RANK}"]
    if kind == "survey":
        kept.append(f"keyed(rows.person_text) AS {PERSON}")
    return (f"SELECT {', '.join(kept)} FROM ({_keyed_rows(kind)}) AS rows LEFT JOIN keys USING (student_key) "
            "ORDER BY rows.file_rank, rows.source_line")


def _name(con: duckdb.DuckDBPyConnection) -> str:
    """The warehouse's province code when it holds one province (reporting.districts), else "export"."""
    provinces = con.execute("SELECT DISTINCT province_code FROM src.reporting.districts "
                            "ORDER BY 1").fetchall()
    return provinces[0][0] if len(provinces) == 1 else "export"


def export_raw(db: Path, out: Path, name: str | None = None) -> list[Path]:
    """Write one Parquet file per kind from `db`'s raw tables; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    written = []
    try:
        con.execute("ATTACH ? AS src (READ_ONLY)", [str(db)])
        con.create_function("keyed", keyed_hasher("person"), [str], str, side_effects=False)
        label = name or _name(con)
        _student_keys(con)
        for kind in KINDS:
            where = "WHERE NOT is_builtin" if kind == "districts" else ""
            rows = con.execute(f"SELECT count(*) FROM src.raw.{kind} {where}").fetchall()[0][0]
            if not rows:
                continue
            path = out / f"{kind}_{label}.parquet"
            con.execute(f"COPY ({_select(kind)}) TO '{path.as_posix()}' (FORMAT parquet)")
            written.append(path)
    finally:
        con.close()
    return written
