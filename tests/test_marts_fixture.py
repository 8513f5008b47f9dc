"""Every SPEC §6 table on the hand-made fixture province, asserted row by row.

The expected values are derived by hand from tests/fixtures/province (as of 2023-01-15):

Students (key → rows → state). Rejected rows play no part.
  A  ID:001234567890  H1 TH01 g5, H2 THCS01 g6, ngheo, no device, no internet; handover H1 (connectivity)
                      → supported; latest H2: 643, thcs, tier 1; connectivity covered.
  B  NB:tran thi binh|2009-02-03|643  H1 THCS01 g7 can_ngheo no device → remaining; 643 thcs tier 2.
  C  ID:001111111111  H1 THPT01 no device; H2 has device, no internet → self_resolved; 652 thpt (school
                      type, no grade) tier 3; needs connectivity.
  D  ID:002222222222  LC01 no grade, khac + covid_orphan → tier 3, khong_ro (lien_cap); handovers H2, H3
                      → supported (and duplicate_handover_student); 644.
  E  ID:003333333333  TH01 g4, khac, HAS a device → surveyed, not identified; 643 tieu_hoc tier 4;
                      no internet but handover H7 carries connectivity → not counted.
  F  ID:004444444444  H1 in TH01 (03-01) and LC01 (03-05) → duplicate_student_in_round; latest = LC01
                      row (later surveyed_on): 644, g3 tieu_hoc, tier 1, remaining.
  G1 ID:005555555555  H1 THCS01 g6 ngheo → remaining, 643 thcs tier 1.
  G2 NB:do van giang|2010-07-07|643  H2 TH01 no grade → tieu_hoc tier 1; handover H4 → supported.
                      G1/G2 share name, dob, district → possible_duplicate_person.
  H  ID:006666666666  H2 row delivered twice (identical after normalisation) → one row, no issue;
                      643 g3 tieu_hoc can_ngheo tier 2, remaining.
  I  ID:007777777777 (written "0077-7777 7777")  THPT01 g10 ngheo, no internet; handover H5 without
                      connectivity → supported, needs connectivity; 652 thpt tier 1.
  identified 9 (all but E) · supported 4 (A D G2 I) · self_resolved 1 (C) · remaining 4 (B F G1 H)
  need_connectivity 2 (C, I) · pct_covered 5/9.

Handovers after conflicts (H1's later file wins: handed 2022-09-16; H4 identical twice): H1…H7 = 7.
  outside need list: H6 (never surveyed), H7 (E not identified) = 2. H6 names DN99: unknown donation.
  DN2 (4 laptops) is named by H1 H2 H3 H4 H5 = 5 → overdrawn. Serial SN-1 on H2 and H5.
Donations after conflicts (DN1 later file: 15.000.000): cash received DN1 15M + DN6 3M + DN7 3M = 21M;
  pledged DN4 20M; devices received DN2 4 (DN3's 3 used tablets failed inspection); packages DN5 50;
  device_equivalents 4 + floor(21M / 5M) = 8. DN6/DN7 = same gift (donor name folds equal).
Coverage: P1 covered, P2 in progress (planned 2022-12-31 < as-of → overdue), P3 not started (planned
  2023-06-30, not overdue), P4 not started (no plan: never overdue, students empty = 0).
Issues: 1 dup in round + 1 possible person + 1 dup handover + 1 serial + 2 outside + 1 unknown donation
  + 1 overdrawn + 1 dup donation + 2 conflicts (DN1, H1) = 11. Rejected rows: 13 (dq.rejected_rows also lists
  LC01's coordinates, outside Vietnam: dropped, the row kept, not a rejected row; see tests/test_maps.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import query

KPI_COLUMNS = ["as_of", "students_identified", "students_supported", "students_self_resolved",
               "students_remaining", "pct_covered", "students_need_connectivity", "devices_received",
               "devices_failed_inspection", "cash_received_vnd", "cash_pledged_vnd", "data_packages_received",
               "device_equivalents", "devices_handed_over", "handovers_outside_need_list", "coverage_points_total",
               "coverage_points_covered", "coverage_points_overdue", "schools_total", "schools_without_internet",
               "dq_issue_count", "rejected_row_count"]


def test_program_kpis(fixture_db: Path) -> None:
    rows = query(fixture_db, f"SELECT {', '.join(KPI_COLUMNS)} FROM marts.program_kpis")
    assert len(rows) == 1
    got = dict(zip(KPI_COLUMNS, rows[0], strict=True))
    assert got.pop("pct_covered") == pytest.approx(5 / 9)
    assert got == {
        "as_of": date(2023, 1, 15), "students_identified": 9, "students_supported": 4,
        "students_self_resolved": 1, "students_remaining": 4, "students_need_connectivity": 2,
        "devices_received": 4, "devices_failed_inspection": 3, "cash_received_vnd": 21_000_000,
        "cash_pledged_vnd": 20_000_000, "data_packages_received": 50, "device_equivalents": 8,
        "devices_handed_over": 7, "handovers_outside_need_list": 2, "coverage_points_total": 4,
        "coverage_points_covered": 1, "coverage_points_overdue": 1, "schools_total": 4,
        "schools_without_internet": 2, "dq_issue_count": 11, "rejected_row_count": 13,
    }


def test_need_vs_supply(fixture_db: Path) -> None:
    rows = query(fixture_db, """
        SELECT district_code, district_name, priority_tier, school_level, students_surveyed, students_identified,
               students_supported, students_self_resolved, students_remaining, round(pct_covered, 6),
               students_need_connectivity
        FROM marts.need_vs_supply ORDER BY 1, 3, 4""")
    bmt, bh, kb = "Thành phố Buôn Ma Thuột", "Thị xã Buôn Hồ", "Huyện Krông Bông"
    assert rows == [
        ("643", bmt, 1, "thcs", 2, 2, 1, 0, 1, 0.5, 0),        # A supported, G1 remaining
        ("643", bmt, 1, "tieu_hoc", 1, 1, 1, 0, 0, 1.0, 0),    # G2 supported
        ("643", bmt, 2, "thcs", 1, 1, 0, 0, 1, 0.0, 0),        # B
        ("643", bmt, 2, "tieu_hoc", 1, 1, 0, 0, 1, 0.0, 0),    # H
        ("643", bmt, 4, "tieu_hoc", 1, 0, 0, 0, 0, 0.0, 0),    # E: surveyed, has a device
        ("644", bh, 1, "tieu_hoc", 1, 1, 0, 0, 1, 0.0, 0),     # F (latest record: LC01, grade 3)
        ("644", bh, 3, "khong_ro", 1, 1, 1, 0, 0, 1.0, 0),     # D (lien_cap, no grade)
        ("652", kb, 1, "thpt", 1, 1, 1, 0, 0, 1.0, 1),         # I
        ("652", kb, 3, "thpt", 1, 1, 0, 1, 0, 1.0, 1),         # C self-resolved
    ]


def test_monthly_progress(fixture_db: Path) -> None:
    rows = query(fixture_db, """
        SELECT month, devices_received, cash_received_vnd, devices_handed_over, students_supported_new,
               cum_devices_received, cum_cash_received_vnd, cum_devices_handed_over, cum_students_supported_new
        FROM marts.monthly_progress ORDER BY month""")
    assert rows == [
        (date(2022, 8, 1), 0, 15_000_000, 0, 0, 0, 15_000_000, 0, 0),   # DN1 (corrected amount)
        (date(2022, 9, 1), 4, 0, 1, 1, 4, 15_000_000, 1, 1),            # DN2; H1 → A
        (date(2022, 10, 1), 0, 0, 3, 2, 4, 15_000_000, 4, 3),           # H2 → D, H4 → G2, H6 outside
        (date(2022, 11, 1), 0, 6_000_000, 2, 1, 4, 21_000_000, 6, 4),   # DN6 DN7; H3 (D's 2nd), H5 → I
        (date(2022, 12, 1), 0, 0, 0, 0, 4, 21_000_000, 6, 4),           # empty month kept
        (date(2023, 1, 1), 0, 0, 0, 0, 4, 21_000_000, 6, 4),            # empty month kept
        (date(2023, 2, 1), 0, 0, 1, 0, 4, 21_000_000, 7, 4),            # H7 after as-of still counts
    ]


def test_coverage_by_district(fixture_db: Path) -> None:
    rows = query(fixture_db, """
        SELECT district_code, points_total, points_covered, points_in_progress, points_not_started, points_overdue,
               students_affected_uncovered, schools_total, schools_without_internet
        FROM marts.coverage_by_district ORDER BY district_code""")
    assert rows == [
        ("643", 0, 0, 0, 0, 0, 0, 2, 0),
        ("644", 1, 0, 0, 1, 0, 8, 1, 1),
        ("652", 3, 1, 1, 1, 1, 20, 1, 1),
    ]


def test_donations_by_donor_type(fixture_db: Path) -> None:
    rows = query(fixture_db, """
        SELECT donor_type, form, donations, cash_received_vnd, cash_pledged_vnd, devices_received,
               data_packages_received
        FROM marts.donations_by_donor_type ORDER BY 1, 2""")
    assert rows == [
        ("ca_nhan", "thiet_bi", 1, 0, 0, 0, 0),                      # DN3 failed inspection
        ("doanh_nghiep", "tien_mat", 3, 21_000_000, 0, 0, 0),        # DN1 15M, DN6, DN7
        ("doanh_nghiep_vien_thong", "goi_cuoc", 1, 0, 0, 0, 50),     # DN5
        ("doanh_nghiep_vien_thong", "thiet_bi", 1, 0, 0, 4, 0),      # DN2
        ("ngan_sach_quy", "tien_mat", 1, 0, 20_000_000, 0, 0),       # DN4 pledged
    ]


def test_reporting_completeness(fixture_db: Path) -> None:
    rows = query(fixture_db, """
        SELECT survey_round, district_code, schools_total, schools_reported, pct_reported
        FROM marts.reporting_completeness ORDER BY 1, 2""")
    assert rows == [
        ("2022-H1", "643", 2, 2, 1.0), ("2022-H1", "644", 1, 1, 1.0), ("2022-H1", "652", 1, 1, 1.0),
        ("2022-H2", "643", 2, 2, 1.0), ("2022-H2", "644", 1, 0, 0.0), ("2022-H2", "652", 1, 1, 1.0),
    ]


def test_dq_issues(fixture_db: Path) -> None:
    rows = query(fixture_db, "SELECT issue_type, source_file, source_line FROM dq.issues ORDER BY 1, 2, 3")
    assert rows == [
        ("conflicting_record", "donations_2.csv", 2),             # DN1: 12M then 15M
        ("conflicting_record", "handovers_2.csv", 2),             # H1: handed 15/09 then 16/09
        ("donation_overdrawn", "donations.csv", 3),               # DN2 itself: 5 handovers for 4 devices
        ("duplicate_handover_student", "handovers.csv", 4),       # D: H2 and H3
        ("duplicate_serial", "handovers.csv", 6),                 # SN-1: H2 and H5
        ("duplicate_student_in_round", "survey_2022-H1.csv", 8),  # F in TH01 and LC01
        ("handover_outside_need_list", "handovers.csv", 7),       # H6
        ("handover_outside_need_list", "handovers.csv", 8),       # H7
        ("handover_unknown_donation", "handovers.csv", 7),        # H6 → DN99
        ("possible_duplicate_donation", "donations.csv", 8),      # DN6 / DN7
        ("possible_duplicate_person", "survey_2022-H2_a.csv", 4),  # G1 / G2
    ]


def test_rejected_rows(fixture_db: Path) -> None:
    rows = query(fixture_db, """SELECT source_file, source_line, column_name, value, reason_code
                                FROM dq.rejected_rows ORDER BY 1, 2""")
    assert rows == [
        ("coverage.csv", 6, "completed_on", None, "missing"),
        ("coverage.csv", 7, "district_code", "999", "unknown_reference"),
        ("donations.csv", 9, "amount_vnd", None, "missing"),
        ("donations.csv", 10, "quantity", "0", "out_of_range"),
        ("donations.csv", 11, "received_on", None, "missing"),   # checked before amount_vnd
        ("handovers.csv", 9, "device_type", "radio", "not_in_enum"),
        ("handovers.csv", 10, "handed_on", None, "missing"),
        # LC01's point is in Paris: its coordinates are dropped, the row kept (not one of the 13 rejected rows)
        ("schools.csv", 5, "latitude", "48.8566", "out_of_range"),
        ("schools.csv", 6, "district_code", "999", "unknown_reference"),
        ("survey_2022-H1.csv", 11, "grade", "15", "out_of_range"),
        ("survey_2022-H1.csv", 13, "school_code", "NOPE", "unknown_reference"),  # line 12 is blank
        ("survey_2022-H1.csv", 14, "date_of_birth", "31/02/2010", "unparsable"),
        ("survey_2022-H1.csv", 15, "household_status", "giau", "not_in_enum"),
        ("survey_2022-H1.csv", 16, "full_name", None, "missing"),  # before its grade 20
    ]
