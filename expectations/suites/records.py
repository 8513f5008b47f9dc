"""Records: an id must not arrive with two different contents (SPEC §5 conflicting_record).

Each frame holds one row per distinct version of an id (every canonical column compared after
normalisation and defaults); the id must be unique among them. The lineage is the id's row loaded
last, the one that wins.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.suites import Check, Frame, Issue

ENTITIES = (("schools", "school_code"), ("donations", "donation_id"), ("handovers", "handover_id"),
            ("coverage", "point_id"))
LOAD_ORDER = "file_rank::BIGINT * 10000000000 + source_line"


def _frame(entity: str, key: str) -> Frame:
    sql = f"""
        WITH versions AS (SELECT DISTINCT * EXCLUDE (source_file, source_line, file_rank) FROM raw.{entity}),
        last AS (SELECT {key}, max_by(source_file, {LOAD_ORDER}) AS source_file,
                        max_by(source_line, {LOAD_ORDER}) AS source_line, max({LOAD_ORDER}) AS load_order
                 FROM raw.{entity} GROUP BY {key})
        SELECT row_number() OVER () AS row_id, versions.{key} AS record_key, last.source_file, last.source_line,
               last.load_order
        FROM versions JOIN last USING ({key})"""
    issue = Issue("conflicting_record", entity, ("record_key",), lambda g: g.record_key.iloc[0],
                  lambda g: f"Mã {g.record_key.iloc[0]} có {len(g)} nội dung khác nhau; bản nạp sau cùng được dùng")
    return Frame(f"{entity}.versions", sql, (Check(lambda: gxe.ExpectColumnValuesToBeUnique(column="record_key"),
                                                   issue),))


FRAMES = [_frame(entity, key) for entity, key in ENTITIES]
