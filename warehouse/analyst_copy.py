"""A copy of the warehouse for analysts' ad-hoc SQL, without children's personal data.

    .venv/bin/python -m warehouse analyst-copy --db warehouse/svmt.duckdb --out analyst.duckdb

The warehouse itself holds every name, ID and birth date (schemas raw, staging, intermediate,
dq.rejected_rows); an analyst needs the figures. The copy holds the marts and the `reporting` schema (when
the warehouse has one), as tables, dq.expectation_results, and dq.issues with each record key that names a
child (a student key `ID:…`/`NB:…`, or a finding about survey rows) replaced by its keyed hash (the install
secret's HMAC, the same pseudonym a national roll-up gets). A column named like a personal one is left out
even there. The file is written aside, mode 0600, then moved into place.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import duckdb

from warehouse.secret import keyed_hasher

SCHEMAS = ("marts", "reporting")
PERSONAL_COLUMNS = frozenset({"full_name", "student_id", "date_of_birth", "student_key", "name_fold",
                              "student_key_hash"})
STUDENT_KEY = r"(^|\|)(ID|NB):"  # a record key that holds a student key (SPEC §5), whole or after the round


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[str]]]:
    """(schema, table, columns kept) of every table and view of the copied schemas in the source `src`."""
    rows = con.execute("SELECT table_schema, table_name, list(column_name ORDER BY ordinal_position) "
                       "FROM information_schema.columns WHERE table_catalog = 'src' "
                       "AND table_schema IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL ORDER BY ALL",
                       [list(SCHEMAS)]).fetchall()
    return [(schema, table, [c for c in columns if c.lower() not in PERSONAL_COLUMNS])
            for schema, table, columns in rows]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_analyst_copy(db: Path, out: Path) -> list[str]:
    """Write the copy of `db` to `out` (replacing it); returns the tables copied, schema-qualified."""
    if not db.is_file():
        raise FileNotFoundError(f"{db}: không có kho dữ liệu / no warehouse file")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    old_mask = os.umask(0o077)  # the copy (and DuckDB's WAL) readable by its owner only, from its first byte
    copied = []
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("ATTACH ? AS src (READ_ONLY)", [str(db.resolve())])
            for schema, table, columns in _tables(con):
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
                con.execute(f"CREATE TABLE {_quote(schema)}.{_quote(table)} AS SELECT "
                            f"{', '.join(_quote(c) for c in columns)} FROM src.{_quote(schema)}.{_quote(table)}")
                copied.append(f"{schema}.{table}")
            copied += _copy_dq(con)
            con.execute("DETACH src")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, out)
    finally:
        os.umask(old_mask)
        tmp.unlink(missing_ok=True)
        with contextlib.suppress(FileNotFoundError):
            Path(f"{tmp}.wal").unlink()
    return copied


def _copy_dq(con: duckdb.DuckDBPyConnection) -> list[str]:
    """dq.expectation_results as it is; dq.issues with the record keys that name a child keyed."""
    present = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                         "WHERE table_catalog = 'src' AND table_schema = 'dq'").fetchall()}
    copied = []
    con.execute("CREATE SCHEMA IF NOT EXISTS dq")
    if "expectation_results" in present:
        con.execute("CREATE TABLE dq.expectation_results AS SELECT * FROM src.dq.expectation_results")
        copied.append("dq.expectation_results")
    if "issues" in present:
        con.create_function("person_key", keyed_hasher("person"), [str], str, side_effects=False)
        con.execute(f"""CREATE TABLE dq.issues AS
            SELECT issue_type, entity,
                   CASE WHEN entity = 'survey' OR regexp_matches(record_key, '{STUDENT_KEY}')
                        THEN person_key(record_key) ELSE record_key END AS record_key,
                   detail, source_file, source_line
            FROM src.dq.issues""")
        copied.append("dq.issues")
    return copied
