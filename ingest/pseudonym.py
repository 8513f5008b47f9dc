"""Pseudonymous Parquet exports: survey and handover rows that carry keyed hashes instead of a child's details.

A province's export for the national roll-up (`python -m warehouse export`) holds no student_id, full_name
or date_of_birth. Each survey and handover row carries instead:

- `student_key_hash`: the keyed hash (install secret, warehouse.secret) of the row's SPEC §5 student key —
  the same child in two rounds, or in the survey and a handover, gets the same hash; two provinces' children
  do not collide (an `NB:` key holds the school's district);
- `student_key_rank`: the position of that key in the province's sorted list of keys, so that the
  allocation queue's last tie-break (student key, within one district) orders the children as the province
  did and the national marts equal the provinces';
- survey only, `person_hash`: the keyed hash of fold(name) | birth date | district, so the national
  warehouse still finds §5's possible_duplicate_person (the same person under two keys).

Here they become the raw columns the models read: student_id = rank (10 digits) + hash, so the student key
is `ID:<rank><HASH>`; full_name = the person hash (survey) or PSEUDONYM_NAME (handovers); date_of_birth =
PSEUDONYM_BIRTH_DATE, a date no pupil has, by which the fuzzy name search leaves these rows out (there is
no name to compare).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.contract import CONTRACT, PSEUDONYM_BIRTH_DATE
from ingest.read import LINE, InputError, RawTable, _read_parquet, map_headers

KINDS = ("survey", "handovers")
HASH, RANK, PERSON = "student_key_hash", "student_key_rank", "person_hash"
PSEUDONYM_NAME = "(ẩn danh / pseudonymous)"
RANK_DIGITS = 10


def is_pseudonymous(path: Path, kind: str) -> bool:
    """A Parquet file of survey or handover rows that carries `student_key_hash` (read from its schema only)."""
    if kind not in KINDS or path.suffix.lower() != ".parquet":
        return False
    try:
        return HASH in pl.read_parquet_schema(path)
    except Exception:  # not Parquet after all: the ordinary reader says so, naming the file
        return False


def read_pseudonymous(path: Path, kind: str) -> RawTable:
    """The file as the ordinary reader would give it, its hashes standing in for the personal columns."""
    file = path.name
    frame = _read_parquet(path.read_bytes(), file)
    needed = [HASH, RANK] + ([PERSON] if kind == "survey" else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(file, f"thiếu cột bắt buộc / missing required column(s): {', '.join(missing)}", line=1)
    name = pl.col(PERSON) if kind == "survey" else pl.lit(PSEUDONYM_NAME)
    frame = frame.with_columns(
        (pl.col(RANK).str.zfill(RANK_DIGITS) + pl.col(HASH)).alias("student_id"), name.alias("full_name"),
        pl.lit(PSEUDONYM_BIRTH_DATE.isoformat()).alias("date_of_birth")).drop(needed)
    mapping = map_headers(CONTRACT[kind], [c for c in frame.columns if c != LINE], file)
    frame = frame.select([pl.col(h).alias(c) for h, c in mapping.items()] + [pl.col(LINE)])
    return RawTable(file, kind, frame, "parquet", "", mapping)
