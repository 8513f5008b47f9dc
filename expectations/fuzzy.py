"""Possible duplicates that exact keys miss: the same child spelled two ways or with day and month swapped.

Candidates are blocked in DuckDB (same district, same birth year, same {day, month} — which also
catches a transposed date), then scored with rapidfuzz's token-set ratio on folded names, so
"Nguyễn Thu Hà" matches "Nguyễn Thị Thu Hà". Pairs that are already an exact
`possible_duplicate_person` (same folded name and date) are left to that type: this one never
changes the counts of SPEC §5's types.
"""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd
from rapidfuzz import fuzz, process

from expectations.suites.survey import PEOPLE

ISSUE_TYPE = "possible_duplicate_person_fuzzy"
THRESHOLD = 90.0

CANDIDATES = f"""
WITH people AS (SELECT student_key, name_fold, date_of_birth, district_code, source_file, source_line, load_order
                FROM {PEOPLE})
SELECT a.student_key AS key_a, b.student_key AS key_b, a.name_fold AS name_a, b.name_fold AS name_b,
       a.date_of_birth = b.date_of_birth AS same_date, a.district_code,
       CASE WHEN a.load_order >= b.load_order THEN a.source_file ELSE b.source_file END AS source_file,
       CASE WHEN a.load_order >= b.load_order THEN a.source_line ELSE b.source_line END AS source_line
FROM people AS a
JOIN people AS b
  ON a.district_code = b.district_code
 AND year(a.date_of_birth) = year(b.date_of_birth)
 AND least(day(a.date_of_birth), month(a.date_of_birth)) = least(day(b.date_of_birth), month(b.date_of_birth))
 AND greatest(day(a.date_of_birth), month(a.date_of_birth)) = greatest(day(b.date_of_birth), month(b.date_of_birth))
 AND a.student_key < b.student_key
WHERE NOT (a.name_fold = b.name_fold AND a.date_of_birth = b.date_of_birth)
"""


def fuzzy_person_issues(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One dq.issues row per pair of student keys that are probably one child, with the similarity score.

    Reads the people table the validation run has built (`expectations.suites.shared_tables`).
    """
    pairs = con.execute(CANDIDATES).df()
    columns = ["issue_type", "entity", "record_key", "detail", "source_file", "source_line"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    pairs["score"] = process.cpdist(pairs["name_a"].tolist(), pairs["name_b"].tolist(), scorer=fuzz.token_set_ratio)
    hits = pairs[pairs["score"] >= THRESHOLD]
    return pd.DataFrame({
        "issue_type": ISSUE_TYPE,
        "entity": "survey",
        "record_key": [hashlib.md5(f"{a}|{b}".encode()).hexdigest() for a, b in zip(hits.key_a, hits.key_b,
                                                                                       strict=True)],
        "detail": [f"Có thể là một học sinh (độ giống tên {score:.0f} %, "
                   f"{'cùng ngày sinh' if same else 'ngày và tháng sinh đảo nhau'}, huyện {district})"
                   for score, same, district in zip(hits.score, hits.same_date, hits.district_code, strict=True)],
        "source_file": hits["source_file"].to_numpy(),
        "source_line": hits["source_line"].astype("int64").to_numpy(),
    }, columns=columns)
