"""Issue 22 point 1: each business rule of the marts is written once — an int_ column or a macro of
dbt_project/macros/rules.sql — and the marts, the reporting views and the app take it from there.

A text scan, cheap and exact: it fails as soon as a copy of a rule's expression appears anywhere else.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCANNED = [*sorted((REPO / "dbt_project" / "models").rglob("*.sql")), *sorted((REPO / "app").rglob("*.py")),
           REPO / "dbt_project" / "macros" / "rules.sql"]

# rule → (its expression, the one file allowed to hold it)
RULES = {
    "device received (arrived and passed inspection)": (r"da_nhan'\s+and\s+(not\s+)?(coalesce\()?inspection_passed",
                                                        "dbt_project/models/intermediate/int_donations.sql"),
    "device equivalents": (r"(?<![\w.])floor\s*\(", "dbt_project/macros/rules.sql"),  # SQL's floor, not math.floor
    "coverage percentage": (r"identified\W*\s*-\s*(\{\{\s*)?[\w\[\]\"'.(]*remaining", "dbt_project/macros/rules.sql"),
    # the macro's `then 'self_resolved'`, or an inline copy such as `not supported and latest_has_device`
    "student status": (r"then\s+'self_resolved'|not\s+\w*supported\s+and\s+(not\s+)?\w*has_device",
                       "dbt_project/macros/rules.sql"),
    "student counts": (r"filter\s*\(\s*where\s+is_(identified|supported|self_resolved|remaining)\b",
                       "dbt_project/macros/rules.sql"),
}


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_is_written_once(rule: str) -> None:
    pattern, home = RULES[rule]
    holders = sorted({str(path.relative_to(REPO)) for path in SCANNED
                      if re.search(pattern, path.read_text(encoding="utf-8"), re.IGNORECASE)})
    assert holders == [home]


def test_column_tests_are_folded_into_one_node_per_model() -> None:
    """A model's not_null / unique / accepted_values live in its one `columns_hold` test (a dbt node each costs
    the refresh ~40 ms): a column-level copy added to a .yml fails here until dbt_project/consolidate_tests.py
    folds it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("consolidate_tests", REPO / "dbt_project" / "consolidate_tests.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    ymls = sorted((REPO / "dbt_project" / "models").rglob("*.yml"))
    assert len(ymls) >= 7
    assert [str(p.relative_to(REPO)) for p in ymls if tool.pending(p)] == []
