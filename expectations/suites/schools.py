"""Schools: one row per code, a known type."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.suites import Check, Frame
from ingest.contract import SCHOOL_TYPE

FRAMES = [
    Frame("schools.rows", """
        SELECT row_number() OVER () AS row_id, school_code, school_type, district_code,
               source_file, source_line, 0 AS load_order FROM intermediate.int_schools""", (
        Check(lambda: gxe.ExpectColumnValuesToBeUnique(column="school_code")),
        Check(lambda: gxe.ExpectColumnValuesToBeInSet(column="school_type", value_set=list(SCHOOL_TYPE.codes))),
        Check(lambda: gxe.ExpectColumnValuesToNotBeNull(column="district_code")),
    )),
]
