"""Survey: one row per student per round; one child under one key; values in their ranges."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.suites import LINEAGE, Check, Frame, Issue
from ingest.contract import HOUSEHOLD_STATUS

# One row per (folded name, birth date, district, student key) with the lineage of its row loaded last and the
# fuzzy search's blocking keys (birth year, the smaller and the larger of day and month). Both the survey.people
# frame and the fuzzy duplicate search read it, so the 3-million-row grouping runs once per refresh.
PEOPLE = "gx_survey_people"
SHARED = {PEOPLE: """
    SELECT name_fold, date_of_birth, district_code, student_key, max_by(source_file, load_order) AS source_file,
           max_by(source_line, load_order) AS source_line, max(load_order) AS load_order,
           year(date_of_birth) AS birth_year, least(day(date_of_birth), month(date_of_birth)) AS day_month_low,
           greatest(day(date_of_birth), month(date_of_birth)) AS day_month_high
    FROM intermediate.int_survey_rows GROUP BY name_fold, date_of_birth, district_code, student_key"""}

FRAMES = [
    Frame("survey.rows", f"""
        SELECT row_number() OVER () AS row_id, survey_round, student_key, school_code, {LINEAGE}
        FROM intermediate.int_survey_rows""", (
        Check(lambda: gxe.ExpectColumnValuesToNotBeNull(column="student_key")),
        Check(lambda: gxe.ExpectCompoundColumnsToBeUnique(column_list=["survey_round", "student_key"]),
              Issue("duplicate_student_in_round", "survey", ("survey_round", "student_key"),
                    lambda g: f"{g.survey_round.iloc[0]}|{g.student_key.iloc[0]}",
                    lambda g: f"Học sinh có {len(g)} bản ghi khác nhau trong đợt {g.survey_round.iloc[0]} "
                              f"({g.school_code.nunique()} trường)")),
    )),
    # One row per (person, key): several keys for one folded name + birth date + district = one child twice.
    Frame("survey.people", f"""
        SELECT row_number() OVER () AS row_id, name_fold, CAST(date_of_birth AS VARCHAR) AS date_of_birth,
               district_code, student_key, source_file, source_line, load_order FROM {PEOPLE}""", (
        Check(lambda: gxe.ExpectCompoundColumnsToBeUnique(column_list=["name_fold", "date_of_birth", "district_code"]),
              Issue("possible_duplicate_person", "survey", ("name_fold", "date_of_birth", "district_code"),
                    lambda g: "|".join(str(g[c].iloc[0]) for c in ("name_fold", "date_of_birth", "district_code")),
                    lambda g: f"Cùng họ tên, ngày sinh và huyện {g.district_code.iloc[0]} nhưng {len(g)} mã học sinh "
                              "khác nhau", keyed=True)),
    )),
    Frame("survey.values", """
        SELECT row_number() OVER () AS row_id, survey_round, grade, household_status, full_name,
               source_file, source_line, 0 AS load_order FROM raw.survey""", (
        Check(lambda: gxe.ExpectColumnValuesToBeBetween(column="grade", min_value=1, max_value=12)),
        Check(lambda: gxe.ExpectColumnValuesToBeInSet(column="household_status",
                                                      value_set=list(HOUSEHOLD_STATUS.codes))),
        Check(lambda: gxe.ExpectColumnValuesToMatchRegex(column="survey_round", regex=r"^\d{4}-H[12]$")),
        Check(lambda: gxe.ExpectColumnValuesToNotBeNull(column="full_name")),
    )),
]
