"""Run every suite against a warehouse file; write dq.expectation_results, dq.issues and the Data Docs.

GX's SQL route to DuckDB is broken upstream (STACK-NOTES), so each frame is selected from DuckDB
as a narrow pandas frame and validated by GX's pandas engine with result_format COMPLETE;
`row_id` is the index column that brings the offending rows back. dq.issues is built only from
what GX reported unexpected: the rules live in the expectations, not in a second copy here.
"""

from __future__ import annotations

import json
import logging
import os
import re
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from expectations.suites import Frame, all_frames, shared_tables

ISSUE_COLUMNS = ["issue_type", "entity", "record_key", "detail", "source_file", "source_line"]
RESULT_COLUMNS = ["run_at", "suite", "expectation_type", "columns", "success", "element_count",
                  "unexpected_count", "observed_value"]


def _skip_batch_fingerprints() -> None:
    """Stop GX hashing every frame below 1 GB into an MD5 "pandas_data_fingerprint" batch marker.

    The marker only labels the batch (nothing here reads it), yet hashing is a sixth of GX's time at
    national scale. GX skips it for frames at or above HASH_THRESHOLD; a threshold of 0 skips it always.
    """
    from great_expectations.execution_engine import pandas_execution_engine

    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0


def _context(docs_dir: Path | None):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    _skip_batch_fingerprints()
    context = gx.get_context(mode="ephemeral")
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no "Calculating Metrics" on stderr
    if docs_dir is not None:
        context.add_data_docs_site(site_name="svmt", site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}})
    return gx, context


def _columns(kwargs: dict) -> str:
    if "column_list" in kwargs:
        return ", ".join(kwargs["column_list"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    return kwargs.get("column", "")


# COMPLETE, for every offending row_id; without the values themselves. The Data Docs render the results as
# GX returns them, and the values are student keys (full IDs), names and birth dates: the HTML beside the
# warehouse must hold none. dq.issues fetches the offending rows back by row_id (`_issues`) instead.
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"],
                 "exclude_unexpected_values": True}
SAMPLE_ROWS = 10_000  # rows looked at to tell enumeration-like text from mostly distinct text
FRAME_TABLE = "gx_frame"  # a frame that raises dq.issues is materialised here once; GX gets only the checked columns


def _checked_columns(spec: Frame, columns: list[str]) -> list[str]:
    """row_id and the columns the frame's expectations read (their arguments and row conditions)."""
    used = {"row_id"}
    for check in spec.checks:
        expectation = check.expectation()
        for name in ("column", "column_A", "column_B"):
            used.add(getattr(expectation, name, None))
        used.update(getattr(expectation, "column_list", None) or ())
        condition = getattr(expectation, "row_condition", None) or ""
        used.update(c for c in columns if re.search(rf"\b{re.escape(c)}\b", str(condition)))
    return [c for c in columns if c in used]


def _regex_columns(spec: Frame) -> set[str]:
    """Columns a regex expectation reads: GX casts them to str first, which turns a categorical back into one
    Python string per cell (survey rounds at national size: 0,73 s) while Arrow strings cast for free (0,15 s)."""
    out = set()
    for check in spec.checks:
        expectation = check.expectation()
        if "Regex" in type(expectation).__name__:
            out.add(getattr(expectation, "column", None))
    return out


def _narrow_frame(con: duckdb.DuckDBPyConnection, spec: Frame, source: str) -> pd.DataFrame:
    """The frame GX validates: row_id and the checked columns of `source`, through Arrow.

    Text arrives as Arrow-backed strings, not one Python object per cell. Text with few distinct values
    (enumerations, rounds) arrives as categoricals unless a regex reads it (`_regex_columns`): GX copies the
    frame for every row filter it applies, and copying small integer codes is much cheaper than copying text
    (survey.values at national size: 2,7 s → 1,9 s). Mostly distinct text (student keys, names) stays as
    strings: dictionary-encoding 3 million distinct keys costs more than it saves. A sample of the first rows
    tells which is which.
    """
    columns = [c for (c, *_rest) in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    # con.sql, not con.execute: DuckDB 2.0 copies a DB-API result once more on its way to Arrow. One chunk per
    # column: pyarrow hashes one long array faster than 26 short ones (GX's duplicate checks hash every key).
    table = con.sql(f"SELECT {', '.join(_checked_columns(spec, columns))} FROM {source}").to_arrow_table()
    table = table.combine_chunks()
    matched = _regex_columns(spec)
    for index, column in enumerate(table.columns):
        sample = column.slice(0, SAMPLE_ROWS)
        if (pa.types.is_string(column.type) and table.column_names[index] not in matched
                and pc.count_distinct(sample).as_py() * 100 <= len(sample)):
            table = table.set_column(index, table.column_names[index], column.dictionary_encode())
    return table.to_pandas(types_mapper=_arrow_strings)


def _arrow_strings(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    """Mostly distinct text stays in Arrow memory in pandas too (pd.ArrowDtype): GX's duplicate checks hash
    it a third faster than pandas' own string columns (3 million student keys: 0,98 → 0,65 s)."""
    return pd.ArrowDtype(arrow_type) if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) else None


def _issues(con: duckdb.DuckDBPyConnection, issue, unexpected: list[dict],
            person_key: Callable[[str], str]) -> list[dict]:
    """One dq.issues row per offending group, pointing at the group's member loaded last.

    The offending rows, with every column the issue needs (lineage included), come back from the
    materialised frame by row_id: only they cross into pandas with their lineage.
    """
    # Without unexpected values GX lists the row_ids under one entry ({"row_id": [...]}); with them, one entry
    # per row ({"row_id": n, column: value})
    ids = sorted({int(i) for row in unexpected
                  for i in (row["row_id"] if isinstance(row["row_id"], list) else [row["row_id"]])})
    rows = con.execute(f"SELECT * FROM {FRAME_TABLE} WHERE row_id IN (SELECT unnest(?::BIGINT[])) ORDER BY row_id",
                       [ids]).df()
    out = []
    for _, group in rows.groupby(list(issue.group_by), dropna=False, sort=False):
        last = group.loc[group["load_order"].idxmax()]
        key = str(issue.record_key(group))
        out.append({"issue_type": issue.issue_type, "entity": issue.entity,
                    "record_key": person_key(key) if issue.keyed else key,
                    "detail": issue.detail(group), "source_file": last["source_file"],
                    "source_line": int(last["source_line"])})
    return out


def validate(con: duckdb.DuckDBPyConnection, docs_dir: Path | None = None,
             frames: list[Frame] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate every frame; return (issues, expectation results) as frames."""
    from warehouse.secret import keyed_hasher

    person_key = keyed_hasher("person")  # the install secret, read once per run (the worker reads it itself)
    gx, context = _context(docs_dir)
    run_at = datetime.now().replace(microsecond=0)
    datasource = context.data_sources.add_pandas("warehouse")
    issues: list[dict] = []
    results: list[dict] = []
    shared = shared_tables()
    for name, sql in shared.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
    for spec in frames or all_frames():
        # A frame whose checks raise dq.issues is materialised, so its offending rows can be fetched back
        # with their lineage; the others are read once, straight into the frame.
        lineage = any(check.issue is not None for check in spec.checks)
        if lineage:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {FRAME_TABLE} AS {spec.sql}")
        frame = _narrow_frame(con, spec, FRAME_TABLE if lineage else f"({spec.sql})")
        asset = datasource.add_dataframe_asset(spec.suite)
        batch = asset.add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=spec.suite))
        checks = {}
        for check in spec.checks:
            expectation = suite.add_expectation(check.expectation())
            checks[expectation.id] = check
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=spec.suite, data=batch,
                                                                                suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=spec.suite, validation_definitions=[definition],
            result_format=RESULT_FORMAT))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outcome = checkpoint.run(batch_parameters={"dataframe": frame})
        for validation in outcome.run_results.values():
            for result in validation.results:
                config = result.expectation_config
                detail = result.result or {}
                results.append({
                    "run_at": run_at, "suite": spec.suite, "expectation_type": config.type,
                    "columns": _columns(config.kwargs), "success": bool(result.success),
                    "element_count": detail.get("element_count", len(frame)),
                    "unexpected_count": detail.get("unexpected_count", 0),
                    "observed_value": json.dumps(detail.get("observed_value"), default=str)})
                check = checks.get(config.id)
                if check is not None and check.issue is not None and not result.success:
                    issues.extend(_issues(con, check.issue, detail.get("unexpected_index_list") or [],
                                          person_key))
        if lineage:
            con.execute(f"DROP TABLE {FRAME_TABLE}")
    from expectations.fuzzy import fuzzy_person_issues

    # The Data Docs (GX rendering HTML, Python) are built while the fuzzy search runs in DuckDB and rapidfuzz,
    # which leave the GIL to it; only this thread touches the GX context, only the caller's thread `con`.
    with ThreadPoolExecutor(max_workers=1) as pool:
        docs = pool.submit(context.build_data_docs, site_names=["svmt"]) if docs_dir is not None else None
        fuzzy = fuzzy_person_issues(con, person_key)
        if docs is not None:
            docs.result()
    issue_frame = pd.concat([pd.DataFrame(issues, columns=ISSUE_COLUMNS), fuzzy], ignore_index=True)
    for name in shared:
        con.execute(f"DROP TABLE {name}")
    issue_frame = issue_frame.sort_values(["issue_type", "source_file", "source_line", "record_key"], ignore_index=True)
    return issue_frame, pd.DataFrame(results, columns=RESULT_COLUMNS)


def write(con: duckdb.DuckDBPyConnection, issues: pd.DataFrame, results: pd.DataFrame) -> None:
    """Replace dq.issues and dq.expectation_results in the warehouse being built."""
    con.execute("CREATE SCHEMA IF NOT EXISTS dq")
    con.execute("""CREATE OR REPLACE TABLE dq.issues (issue_type VARCHAR, entity VARCHAR, record_key VARCHAR,
                   detail VARCHAR, source_file VARCHAR, source_line BIGINT)""")
    con.execute("""CREATE OR REPLACE TABLE dq.expectation_results (run_at TIMESTAMP, suite VARCHAR,
                   expectation_type VARCHAR, columns VARCHAR, success BOOLEAN, element_count BIGINT,
                   unexpected_count BIGINT, observed_value VARCHAR)""")
    con.register("issues_frame", issues)
    con.register("results_frame", results)
    con.execute(f"INSERT INTO dq.issues SELECT {', '.join(ISSUE_COLUMNS)} FROM issues_frame")
    con.execute(f"INSERT INTO dq.expectation_results SELECT {', '.join(RESULT_COLUMNS)} FROM results_frame")
    con.unregister("issues_frame")
    con.unregister("results_frame")
