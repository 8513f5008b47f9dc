"""The messy survey file of the upload tests, and what it must do to the fixture province (derived by hand).

`survey_2023-H1_messy.csv` is written the way a district office's Excel saves it on a Vietnamese Windows
(tests/messy.py, shape `windows_1258`): Windows-1258 with combining tone marks, CRLF, Vietnamese headers in
reverse order plus an unknown `Ghi chú` column, labels instead of codes, dd/mm/yyyy dates, `Đợt 1/2023`.

Lines (the header is line 1), against the fixture province of tests/test_marts_fixture.py as of 2023-01-15:
   2  N1 008800000001 Hồ Thị Mai, TH01 (643) grade 4, ngheo, no device, internet  → new, identified, remaining
   3  N1 again in 2023-H1, surveyed a day later (other content, same key)          → duplicate_student_in_round
   4  N2 008800000002 Nông Văn Khải, THCS01 (643) grade 8, can_ngheo, no device, NO internet
                                                       → identified, remaining, needs a connection
   5  N3 (no id) Lò Thị Lan, THPT01 (652) grade 11, khac + covid orphan, no device → identified, remaining (tier 3)
   6  G1 005555555555 Đỗ Văn Giang, 2023-H1, now HAS a device                      → self_resolved (was remaining)
   7  H's 2022-H2 row exactly as already loaded                                    → already present, no effect
   8  school TH99                                                                  → rejected: unknown_reference
   9  date of birth 2012-02-30                                                     → rejected: unparsable
  10  grade 13                                                                     → rejected: out_of_range
  11  household status "giau"                                                      → rejected: not_in_enum

Report: 10 rows read, 6 would load, 4 would be rejected, 1 duplicate created (N1), 1 row already present.
Overview after the refresh (before → after):
  identified 9 → 12 (+N1 N2 N3) · supported 4 → 4 · self_resolved 1 → 2 (+G1)
  remaining 4 → 6 (+N1 N2 N3 − G1) · pct_covered 5/9 = 55,6 % → 6/12 = 50,0 %
  need_connectivity 2 → 3 (+N2) · rejected rows 13 → 17 · issues 11 → 12 (+N1's duplicate in round).
"""

from __future__ import annotations

from pathlib import Path

from tests.messy import write_shape

HEADER = ("survey_round,student_id,full_name,date_of_birth,gender,school_code,grade,household_status,covid_orphan,"
          "has_device,has_internet,surveyed_on")
ROWS = [
    "2023-H1,008800000001,Hồ Thị Mai,2012-04-04,nu,TH01,4,ngheo,,false,true,2023-01-05",
    "2023-H1,008800000001,Hồ Thị Mai,2012-04-04,nu,TH01,4,ngheo,,false,true,2023-01-06",
    "2023-H1,008800000002,Nông Văn Khải,2009-09-09,nam,THCS01,8,can_ngheo,,false,false,2023-01-05",
    "2023-H1,,Lò Thị Lan,2008-08-08,nu,THPT01,11,khac,true,false,true,2023-01-05",
    "2023-H1,005555555555,Đỗ Văn Giang,2010-07-07,nam,THCS01,7,ngheo,,true,true,2023-01-07",
    "2022-H2,006666666666,Bùi Thị Hoa,2013-01-01,nu,TH01,3,can_ngheo,false,false,true,2022-09-04",
    "2023-H1,008800000003,Lỗi Trường,2010-01-01,nam,TH99,5,ngheo,,false,false,2023-01-05",
    "2023-H1,008800000004,Lỗi Ngày Sinh,2012-02-30,nam,TH01,5,ngheo,,false,false,2023-01-05",
    "2023-H1,008800000005,Lỗi Lớp,2010-01-01,nam,TH01,13,ngheo,,false,false,2023-01-05",
    "2023-H1,008800000006,Lỗi Hoàn Cảnh,2010-01-01,nam,TH01,5,giau,,false,false,2023-01-05",
]
NAME = "survey_2023-H1_messy.csv"
REJECTED = [(8, "school_code", "TH99", "unknown_reference"), (9, "date_of_birth", "2012-02-30", "unparsable"),
            (10, "grade", "13", "out_of_range"), (11, "household_status", "giau", "not_in_enum")]
BEFORE = {"identified": "9", "supported": "4", "remaining": "4", "pct": "55,6 %"}
AFTER = {"identified": "12", "supported": "4", "remaining": "6", "pct": "50,0 %"}


def write_messy_survey(folder: Path) -> Path:
    """Write the messy survey file into `folder` (through a canonical twin in `folder/canonical`)."""
    canonical = folder / "canonical"
    canonical.mkdir(parents=True, exist_ok=True)
    (canonical / NAME).write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    write_shape(canonical, folder, "windows_1258")
    return folder / NAME
