"""Donations: no device donation handed out beyond its quantity; no gift recorded twice."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.suites import Check, Frame, Issue
from ingest.contract import FORM

LOAD_ORDER = "file_rank::BIGINT * 10000000000 + source_line"

FRAMES = [
    Frame("donations.devices", f"""
        SELECT row_number() OVER () AS row_id, d.donation_id, d.quantity, coalesce(n.handovers, 0) AS handovers,
               d.source_file, d.source_line, {LOAD_ORDER} AS load_order
        FROM intermediate.int_donations AS d
        LEFT JOIN (SELECT donation_id, count(*) AS handovers FROM intermediate.int_handovers
                   WHERE donation_id IS NOT NULL GROUP BY donation_id) AS n USING (donation_id)
        WHERE d.form = 'thiet_bi'""", (
        Check(lambda: gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="quantity", column_B="handovers",
                                                                  or_equal=True),
              Issue("donation_overdrawn", "donations", ("donation_id",), lambda g: g.donation_id.iloc[0],
                    lambda g: f"Khoản ủng hộ {g.quantity.iloc[0]} thiết bị nhưng có {g.handovers.iloc[0]} "
                              "lượt bàn giao")),
    )),
    # Received gifts; an empty amount or quantity must match an empty one, so they are compared as text.
    Frame("donations.received", f"""
        SELECT row_number() OVER () AS row_id, donation_id, donor_fold,
               coalesce(CAST(received_on AS VARCHAR), '') AS received_on, form,
               coalesce(CAST(amount_vnd AS VARCHAR), '') AS amount_vnd,
               coalesce(CAST(quantity AS VARCHAR), '') AS quantity,
               source_file, source_line, {LOAD_ORDER} AS load_order
        FROM intermediate.int_donations WHERE status = 'da_nhan'""", (
        Check(lambda: gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["donor_fold", "received_on", "form", "amount_vnd", "quantity"]),
              Issue("possible_duplicate_donation", "donations",
                    ("donor_fold", "received_on", "form", "amount_vnd", "quantity"),
                    lambda g: ", ".join(sorted(g.donation_id)),
                    lambda g: f"Có thể ghi trùng một khoản ủng hộ: {', '.join(sorted(g.donation_id))}")),
    )),
    Frame("donations.values", f"""
        SELECT row_number() OVER () AS row_id, donation_id, form, amount_vnd, quantity,
               source_file, source_line, {LOAD_ORDER} AS load_order FROM intermediate.int_donations""", (
        Check(lambda: gxe.ExpectColumnValuesToBeUnique(column="donation_id")),
        Check(lambda: gxe.ExpectColumnValuesToBeInSet(column="form", value_set=list(FORM.codes))),
        Check(lambda: gxe.ExpectColumnValuesToBeBetween(column="amount_vnd", min_value=0)),
        Check(lambda: gxe.ExpectColumnValuesToBeBetween(column="quantity", min_value=1)),
    )),
]
