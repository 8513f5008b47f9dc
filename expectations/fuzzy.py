"""Possible duplicates that exact keys miss: the same child spelled two ways or with day and month swapped.

Candidates are blocked in DuckDB (same district, same birth year, same {day, month} — which also
catches a transposed date), then scored with rapidfuzz's token-set ratio on folded names, so
"Nguyễn Thu Hà" matches "Nguyễn Thị Thu Hà". Pairs that are already an exact
`possible_duplicate_person` (same folded name and date) are left to that type: this one never
changes the counts of SPEC §5's types. Rows of a pseudonymous roll-up (ingest/pseudonym.py: keyed hashes,
no names, one placeholder birth date) have no name to compare and are left out.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd
import pyarrow as pa
from rapidfuzz import fuzz, process

from ingest.contract import PSEUDONYM_BIRTH_DATE

PEOPLE = "intermediate.int_survey_people"  # dbt macro survey_people, built once (a table: its rowid names a row)

ISSUE_TYPE = "possible_duplicate_person_fuzzy"
THRESHOLD = 90.0

# Pairs of keys in one block, as row numbers of the people table and their two folded names only: the
# 400.000-odd candidate pairs of the national warehouse cross into Python as two lists of names.
CANDIDATES = f"""
SELECT a.rowid AS row_a, b.rowid AS row_b, a.name_fold AS name_a, b.name_fold AS name_b
FROM {PEOPLE} AS a
JOIN {PEOPLE} AS b
  ON a.district_code = b.district_code AND a.birth_year = b.birth_year
 AND a.day_month_low = b.day_month_low AND a.day_month_high = b.day_month_high
 AND a.student_key < b.student_key
WHERE NOT (a.name_fold = b.name_fold AND a.date_of_birth = b.date_of_birth)
  AND a.date_of_birth <> DATE '{PSEUDONYM_BIRTH_DATE.isoformat()}'
"""

# The pairs that scored high enough, with what their issue rows say; lineage of the key loaded last.
HITS = f"""
SELECT a.student_key AS key_a, b.student_key AS key_b, hits.score, a.date_of_birth = b.date_of_birth AS same_date,
       a.district_code,
       CASE WHEN a.load_order >= b.load_order THEN a.source_file ELSE b.source_file END AS source_file,
       CASE WHEN a.load_order >= b.load_order THEN a.source_line ELSE b.source_line END AS source_line
FROM hits
JOIN {PEOPLE} AS a ON a.rowid = hits.row_a
JOIN {PEOPLE} AS b ON b.rowid = hits.row_b
ORDER BY key_a, key_b
"""


def fuzzy_person_issues(con: duckdb.DuckDBPyConnection, person_key: Callable[[str], str]) -> pd.DataFrame:
    """One dq.issues row per pair of student keys that are probably one child, with the similarity score.

    Reads the people table the validation run has built (`expectations.run.issues`). The record key
    is `person_key` (the refresh's keyed hash) of the pair: the keys hold names and birth dates.
    """
    pairs = con.sql(CANDIDATES).to_arrow_table()
    columns = ["issue_type", "entity", "record_key", "detail", "source_file", "source_line"]
    if pairs.num_rows == 0:
        return pd.DataFrame(columns=columns)
    scores = process.cpdist(pairs.column("name_a").to_pylist(), pairs.column("name_b").to_pylist(),
                            scorer=fuzz.token_set_ratio, workers=-1)
    keep = scores >= THRESHOLD
    con.register("hits", pa.table({"row_a": pairs.column("row_a").filter(keep),
                                   "row_b": pairs.column("row_b").filter(keep), "score": scores[keep]}))
    hits = con.execute(HITS).df()
    con.unregister("hits")
    return pd.DataFrame({
        "issue_type": ISSUE_TYPE,
        "entity": "survey",
        "record_key": [person_key(f"{a}|{b}") for a, b in zip(hits.key_a, hits.key_b, strict=True)],
        "detail": [f"Có thể là một học sinh (độ giống tên {score:.0f} %, "
                   f"{'cùng ngày sinh' if same else 'ngày và tháng sinh đảo nhau'}, huyện {district})"
                   for score, same, district in zip(hits.score, hits.same_date, hits.district_code, strict=True)],
        "source_file": hits["source_file"].to_numpy(),
        "source_line": hits["source_line"].astype("int64").to_numpy(),
    }, columns=columns)
