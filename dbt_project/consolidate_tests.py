"""Fold a model's column tests (not_null, unique, accepted_values) into its one `columns_hold` test.

Maintenance tool, run after editing a models/*.yml with column-level tests:
    .venv/bin/python dbt_project/consolidate_tests.py
Idempotent. Each dbt test is a node that costs ~40 ms per refresh (tests/generic/columns_hold.sql says why);
relationships and the masking tests stay per column. tests/test_rules_once.py fails while a fold is pending.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

FOLDED = ("not_null", "unique", "accepted_values")
MODELS = Path(__file__).resolve().parent / "models"


def _flow(items: list) -> CommentedSeq:
    """A list written on one line, `[a, b]`, as the hand-written files do."""
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _fold_model(model: CommentedMap) -> bool:
    rules: dict = {"not_null": [], "unique": [], "accepted_values": {}}
    changed = False
    for column in model.get("columns") or []:
        kept = []
        for test in column.get("data_tests") or []:
            name = test if isinstance(test, str) else next(iter(test))
            if name not in FOLDED:
                kept.append(test)
                continue
            changed = True
            if name == "accepted_values":
                rules["accepted_values"][column["name"]] = list(test[name]["arguments"]["values"])
            else:
                rules[name].append(column["name"])
        if "data_tests" in column:
            if kept:
                column["data_tests"] = kept
            else:
                del column["data_tests"]
    if not changed:
        return False
    model["columns"] = [c for c in model["columns"] if set(c) != {"name"}]
    if not model["columns"]:
        del model["columns"]
    tests = model.setdefault("data_tests", [])
    hold = next((t["columns_hold"] for t in tests if isinstance(t, dict) and "columns_hold" in t), None)
    if hold is None:
        hold = CommentedMap(arguments=CommentedMap())
        tests.insert(0, CommentedMap(columns_hold=hold))
    arguments = hold["arguments"]
    for key in ("not_null", "unique"):
        if rules[key]:
            arguments[key] = _flow([*arguments.get(key, []), *rules[key]])
    if rules["accepted_values"]:
        accepted = CommentedMap(arguments.get("accepted_values", {}))
        for column, values in rules["accepted_values"].items():
            accepted[column] = _flow(values)
        arguments["accepted_values"] = accepted
    return True


def pending(path: Path) -> bool:
    """Whether a .yml still has a column test that belongs in columns_hold."""
    yaml = YAML()
    data = yaml.load(path.read_text(encoding="utf-8"))
    return any(_fold_model(model) for model in (data or {}).get("models") or [])


def main() -> int:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    for path in sorted(MODELS.rglob("*.yml")):
        data = yaml.load(path.read_text(encoding="utf-8"))
        if any([_fold_model(model) for model in (data or {}).get("models") or []]):
            with path.open("w", encoding="utf-8") as handle:
                yaml.dump(data, handle)
            print(f"folded: {path.relative_to(MODELS.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
