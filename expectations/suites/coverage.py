"""Coverage points: one row per point, a known status, a completion date once covered."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.suites import Check, Frame
from ingest.contract import COVERAGE_STATUS

FRAMES = [
    Frame("coverage.points", """
        SELECT row_number() OVER () AS row_id, point_id, status, completed_on IS NOT NULL AS has_completed_on,
               source_file, source_line, 0 AS load_order FROM intermediate.int_coverage""", (
        Check(lambda: gxe.ExpectColumnValuesToBeUnique(column="point_id")),
        Check(lambda: gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(COVERAGE_STATUS.codes))),
        Check(lambda: gxe.ExpectColumnValuesToBeInSet(column="has_completed_on", value_set=[True],
                                                      row_condition='status=="da_phu_song"',
                                                      condition_parser="pandas")),
    )),
]
