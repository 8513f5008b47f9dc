"""After the one dbt build: write dq.issues, validate dbt's per-rule counts with GX, write the Data Docs.

The rules live in dbt (dbt_project/models/dq): dq.findings holds SPEC §5's findings, one row per
offending group, and dq.rule_counts one row per rule with the rows it looked at and the rows that broke
it. This step adds what SQL cannot do: the keyed hash of the record keys that name a person (the install
secret never enters SQL) and the fuzzy duplicate search (rapidfuzz). Great Expectations then validates
the compact frame of per-rule counts — one tiny frame per suite, one column per rule, each count of
unexpected rows expected to be 0 — so its cost follows the number of rules, not the number of rows;
dq.expectation_results keeps dbt's counts (rows looked at, rows unexpected) beside GX's verdict, and the
Data Docs show the same suites as before, without any personal value (counts only).
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from expectations.fuzzy import fuzzy_person_issues

ISSUE_COLUMNS = ["issue_type", "entity", "record_key", "detail", "source_file", "source_line"]
RESULT_COLUMNS = ["run_at", "suite", "expectation_type", "columns", "success", "element_count",
                  "unexpected_count", "observed_value"]
FINDINGS = "dq.findings"  # dbt_project/models/dq/dq_findings.sql
RULE_COUNTS = "dq.rule_counts"  # dbt_project/models/dq/dq_rule_counts.sql
# No unexpected values in the results: the Data Docs render them as GX returns them (here they are counts, but the
# HTML beside the warehouse must never be a place where a value of a row could land).
RESULT_FORMAT = {"result_format": "SUMMARY", "exclude_unexpected_values": True}


def _context(docs_dir: Path | None):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no "Calculating Metrics" on stderr
    if docs_dir is not None:
        context.add_data_docs_site(site_name="svmt", site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}})
    return gx, context


def rule_label(expectation_type: str, columns: str) -> str:
    """The column a rule's count has in its suite's frame (what the Data Docs show): `be_unique(student_key)`."""
    return f"{expectation_type.removeprefix('expect_column_').removeprefix('expect_')}({columns})"


def issues(con: duckdb.DuckDBPyConnection, person_key: Callable[[str], str]) -> tuple[pd.DataFrame, int]:
    """dq.issues' rows: dbt's findings with the person keys hashed, then the fuzzy duplicates. Returns (rows, how
    many of them are fuzzy): the fuzzy type is not one of SPEC §5's and is reported on its own."""
    findings = con.sql(f"SELECT {', '.join(ISSUE_COLUMNS)}, keyed FROM {FINDINGS}").df()
    findings["record_key"] = [person_key(key) if keyed else key
                              for key, keyed in zip(findings["record_key"], findings.pop("keyed"), strict=True)]
    fuzzy = fuzzy_person_issues(con, person_key)
    frame = pd.concat([findings, fuzzy], ignore_index=True) if len(fuzzy) else findings
    frame = frame.sort_values(["issue_type", "source_file", "source_line", "record_key"], ignore_index=True)
    return frame, len(fuzzy)


def validate_counts(con: duckdb.DuckDBPyConnection, docs_dir: Path | None = None) -> pd.DataFrame:
    """GX over dq.rule_counts, one suite per group of rules; returns dq.expectation_results' rows."""
    gx, context = _context(docs_dir)
    import great_expectations.expectations as gxe

    run_at = datetime.now().replace(microsecond=0)
    counts = con.sql(f"SELECT * FROM {RULE_COUNTS} ORDER BY suite, expectation_type, columns").df()
    # One asset and one batch definition serve every suite (each run passes its own frame): GX saves its whole
    # configuration as YAML at every asset or batch definition added, 25 ms each.
    batch = context.data_sources.add_pandas("warehouse").add_dataframe_asset("rule_counts") \
        .add_batch_definition_whole_dataframe("counts")
    results: list[dict] = []
    for suite_name, rows in counts.groupby("suite", sort=True):
        labels = [rule_label(t, c) for t, c in zip(rows["expectation_type"], rows["columns"], strict=True)]
        rows = rows.assign(label=labels)
        frame = pd.DataFrame([dict(zip(rows.label, rows.unexpected_count.astype("int64"), strict=True))])
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
        for label in rows.label:
            suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column=label, min_value=0, max_value=0))
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=suite_name, data=batch,
                                                                                suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(name=suite_name, validation_definitions=[definition],
                                                           result_format=RESULT_FORMAT))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outcome = checkpoint.run(batch_parameters={"dataframe": frame})
        by_label = rows.set_index("label")
        for validation in outcome.run_results.values():
            for result in validation.results:
                rule = by_label.loc[result.expectation_config.kwargs["column"]]
                results.append({
                    "run_at": run_at, "suite": suite_name, "expectation_type": rule.expectation_type,
                    "columns": rule["columns"], "success": bool(result.success),
                    "element_count": int(rule.element_count), "unexpected_count": int(rule.unexpected_count),
                    "observed_value": json.dumps((result.result or {}).get("observed_value"), default=str)})
    if docs_dir is not None:
        context.build_data_docs(site_names=["svmt"])
    return pd.DataFrame(results, columns=RESULT_COLUMNS)


def validate(con: duckdb.DuckDBPyConnection, docs_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(dq.issues rows, dq.expectation_results rows, how many issues are fuzzy duplicates)."""
    from warehouse.secret import keyed_hasher

    person_key = keyed_hasher("person")  # the install secret, read once per run (the worker reads it itself)
    # GX (Python) runs beside the fuzzy search, which spends its time in DuckDB and rapidfuzz outside the GIL; only
    # the pool's thread touches GX, and it reads the counts through a cursor of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        results = pool.submit(validate_counts, con.cursor(), docs_dir)
        issue_frame, fuzzy = issues(con, person_key)
        return issue_frame, results.result(), fuzzy


def write(con: duckdb.DuckDBPyConnection, issue_rows: pd.DataFrame, results: pd.DataFrame) -> None:
    """Replace dq.issues and dq.expectation_results in the warehouse being built."""
    con.execute("CREATE SCHEMA IF NOT EXISTS dq")
    con.execute("""CREATE OR REPLACE TABLE dq.issues (issue_type VARCHAR, entity VARCHAR, record_key VARCHAR,
                   detail VARCHAR, source_file VARCHAR, source_line BIGINT)""")
    con.execute("""CREATE OR REPLACE TABLE dq.expectation_results (run_at TIMESTAMP, suite VARCHAR,
                   expectation_type VARCHAR, columns VARCHAR, success BOOLEAN, element_count BIGINT,
                   unexpected_count BIGINT, observed_value VARCHAR)""")
    con.register("issues_frame", issue_rows)
    con.register("results_frame", results)
    con.execute(f"INSERT INTO dq.issues SELECT {', '.join(ISSUE_COLUMNS)} FROM issues_frame")
    con.execute(f"INSERT INTO dq.expectation_results SELECT {', '.join(RESULT_COLUMNS)} FROM results_frame")
    con.unregister("issues_frame")
    con.unregister("results_frame")


def run_expectations(db_file: Path, docs: Path) -> tuple[int, int]:
    """Write dq.issues (dbt's findings, person keys hashed, plus the fuzzy duplicates) and dq.expectation_results
    (GX over dbt's per-rule counts) into the built warehouse. Returns (SPEC §5 issues, fuzzy duplicates).

    `refresh` runs this in its worker process (expectations/worker.py); it works in-process as well."""
    con = duckdb.connect(str(db_file))
    try:
        issue_rows, results, fuzzy = validate(con, docs)
        write(con, issue_rows, results)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return len(issue_rows) - fuzzy, fuzzy
