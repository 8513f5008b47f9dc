"""Handovers: one support per student, one device per serial, to the need list, from a real donation."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.suites import LINEAGE, Check, Frame, Issue


def _single(issue_type: str, detail) -> Issue:
    return Issue(issue_type, "handovers", ("handover_id",), lambda g: g.handover_id.iloc[0], detail)


FRAMES = [
    Frame("handovers.rows", f"""
        SELECT row_number() OVER () AS row_id, h.handover_id, h.student_key, h.serial_number, h.donation_id,
               h.student_key IN (SELECT student_key FROM intermediate.int_students WHERE is_identified)
                   AS on_need_list,
               CASE WHEN h.donation_id IS NOT NULL
                    THEN h.donation_id IN (SELECT donation_id FROM intermediate.int_donations) END AS donation_found,
               {LINEAGE}
        FROM intermediate.int_handovers AS h""", (
        Check(lambda: gxe.ExpectColumnValuesToBeUnique(column="handover_id")),
        Check(lambda: gxe.ExpectColumnValuesToBeUnique(column="student_key"),
              Issue("duplicate_handover_student", "handovers", ("student_key",), lambda g: g.student_key.iloc[0],
                    lambda g: f"Một học sinh nhận {len(g)} thiết bị (quy định: 01 lần / 01 học sinh)")),
        Check(lambda: gxe.ExpectColumnValuesToBeUnique(column="serial_number"),
              Issue("duplicate_serial", "handovers", ("serial_number",), lambda g: g.serial_number.iloc[0],
                    lambda g: f"Số serial/IMEI xuất hiện ở {len(g)} biên bản bàn giao")),
        Check(lambda: gxe.ExpectColumnValuesToBeInSet(column="on_need_list", value_set=[True]),
              _single("handover_outside_need_list",
                      lambda g: f"Bàn giao {g.handover_id.iloc[0]} cho học sinh không có trong danh sách cần hỗ trợ")),
        Check(lambda: gxe.ExpectColumnValuesToBeInSet(column="donation_found", value_set=[True]),
              _single("handover_unknown_donation",
                      lambda g: f"Bàn giao {g.handover_id.iloc[0]} ghi mã ủng hộ {g.donation_id.iloc[0]} "
                                "không tồn tại")),
    )),
]
