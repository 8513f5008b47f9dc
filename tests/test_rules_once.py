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


def _enum_code_sets() -> dict[str, set[str]]:
    """Every enumeration's codes (ingest/contract.py) and the rejection reasons, by name."""
    from ingest.contract import CONTRACT, REASONS

    sets = {col.enum.name: set(col.enum.codes) for kind in CONTRACT.values() for col in kind.columns if col.enum}
    return {**sets, "reason_code": set(REASONS)}


def _copied_enums(codes: set[str]) -> list[str]:
    """`name [codes]` for each enumeration whose codes are all in `codes`: a copy of the contract's list. A list of
    some codes is a rule about them (int_students: the types that are a school level)."""
    return [f"{name} {sorted(codes & enum)}" for name, enum in _enum_code_sets().items()
            if len(enum) >= 2 and enum <= codes]


def _enum_lists(text: str) -> list[str]:
    """The quoted lists in `text` (`('a', 'b')`, `['a', 'b']`) that copy an enumeration's codes."""
    lists = []
    for found in re.finditer(r"[(\[]\s*'[^']*'(?:\s*,\s*'[^']*')+\s*,?\s*[)\]]", text):
        lists += _copied_enums(set(re.findall(r"'([^']*)'", found.group())))
    return lists


def _yml_enum_lists(text: str) -> list[str]:
    """The lists of a dbt .yml, flow (`[a, b]`) or block (`- a` lines), that copy an enumeration's codes: e.g. a
    `columns_hold` accepted_values list where `{enum: kind.column}` should name the contract's column."""
    from ruamel.yaml import YAML

    def lists(node: object) -> list[list]:
        if isinstance(node, dict):
            return [found for value in node.values() for found in lists(value)]
        if isinstance(node, list):
            return [node, *(found for item in node for found in lists(item))]
        return []

    return [copy for found in lists(YAML(typ="safe").load(text))
            for copy in _copied_enums({str(item) for item in found if isinstance(item, str | int)})]


def test_enum_codes_are_listed_only_in_the_contract() -> None:
    """ingest/contract.py is the one list of enum codes: dbt's raw-contract test reads them from meta.contract_enums
    (written by ingest), so a quoted list of all the codes of an enumeration anywhere in dbt_project/ or app/
    is a copy that can fall out of step (e.g. `school_type not in ('tieu_hoc', 'thcs', …)`); so is a list in a
    model's .yml (`columns_hold`'s accepted_values name a contract enum column instead: `{enum: donations.form}`)."""
    dbt = REPO / "dbt_project"
    scanned = [*(p for folder in ("models", "tests", "macros") for p in sorted((dbt / folder).rglob("*.sql"))),
               *sorted((REPO / "app").rglob("*.py"))]
    copies = [f"{path.relative_to(REPO)}: {found}" for path in scanned
              for found in _enum_lists(path.read_text(encoding="utf-8"))]
    ymls = [*sorted((dbt / "models").rglob("*.yml")), *sorted((dbt / "tests").rglob("*.yml"))]
    assert len(ymls) >= 7
    copies += [f"{path.relative_to(REPO)}: {found}" for path in ymls
               for found in _yml_enum_lists(path.read_text(encoding="utf-8"))]
    assert copies == []


def test_the_enum_scan_finds_the_copy_it_was_written_for() -> None:
    """The scan above is not blind: the copy issue 22 found (the raw-contract test's own list) would be caught."""
    old = """where status not in ('chua_co_song', 'dang_trien_khai', 'da_phu_song')
             and reason_code not in ('missing', 'unparsable', 'not_in_enum', 'out_of_range', 'unknown_reference',
                                     'outside_scope')"""
    assert _enum_lists(old) == ["coverage_status ['chua_co_song', 'da_phu_song', 'dang_trien_khai']",
                                "reason_code ['missing', 'not_in_enum', 'out_of_range', 'outside_scope', "
                                "'unknown_reference', 'unparsable']"]


def test_the_yml_enum_scan_finds_the_copy_it_was_written_for() -> None:
    """The .yml scan is not blind: donations_by_donor_type's old accepted_values (a copy of two contract enums, flow
    and block style) would be caught, and the derived school levels (no contract enum: no lien_cap) would not."""
    old = """
models:
  - name: donations_by_donor_type
    data_tests:
      - columns_hold:
          arguments:
            accepted_values:
              donor_type: [co_quan_nha_nuoc, doanh_nghiep, doanh_nghiep_vien_thong, to_chuc, ca_nhan, ngan_sach_quy]
              form:
                - tien_mat
                - thiet_bi
                - goi_cuoc
              school_level: [tieu_hoc, thcs, thpt, gdnn_gdtx, cao_dang_dai_hoc, khong_ro]
              priority_tier: [1, 2, 3, 4]
"""
    assert _yml_enum_lists(old) == ["donor_type ['ca_nhan', 'co_quan_nha_nuoc', 'doanh_nghiep', "
                                    "'doanh_nghiep_vien_thong', 'ngan_sach_quy', 'to_chuc']",
                                    "form ['goi_cuoc', 'thiet_bi', 'tien_mat']"]


def _imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, at the top or inside a function (`import a.b`, `from a.b import c`)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _imports_of(folder: str, packages: tuple[str, ...]) -> list[str]:
    """`file: module` for each import under `folder` of one of `packages` (or a module inside one)."""
    return [f"{path.relative_to(REPO)}: {module}" for path in sorted((REPO / folder).rglob("*.py"))
            for module in sorted(_imported_modules(path)) if module.split(".")[0] in packages]


def test_ingest_never_imports_what_runs_after_it() -> None:
    """Issue 22 (one-way flow): ingest is upstream of everything; it reports counts as events
    (ingest.load.LoadEvent) and the warehouse words and formats them, so no ingest module imports the
    warehouse, the app, the expectations or the reports."""
    assert _imports_of("ingest", ("warehouse", "app", "expectations", "reports")) == []


def test_the_app_takes_from_ingest_only_the_contract_the_rules_and_the_upload_preview() -> None:
    """The app reads the warehouse's reporting views: from ingest it takes the one list of codes (contract), the
    rule macros (rules) and the upload page's check (preview) — never the loader's internals — and nothing of dbt
    or of the expectations."""
    assert _imports_of("app", ("dbt", "expectations")) == []
    allowed = {"ingest.contract", "ingest.rules", "ingest.preview"}
    assert [line for line in _imports_of("app", ("ingest",)) if line.split(": ")[1] not in allowed] == []


def test_the_import_scan_finds_the_backward_import_it_was_written_for(tmp_path: Path) -> None:
    """The scan is not blind: ingest/load.py's old `from warehouse.formats import number` (and a lazy import
    inside a function) would be found."""
    old = tmp_path / "load.py"
    old.write_text("from warehouse.formats import number\n\ndef f():\n    import app.ui\n", encoding="utf-8")
    assert _imported_modules(old) == {"warehouse.formats", "app.ui"}
