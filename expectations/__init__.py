"""The data-quality step of `refresh` after the one dbt build: dq.issues (dbt's findings, person keys hashed, fuzzy
duplicates) and Great Expectations over dbt's per-rule counts (dq.expectation_results, Data Docs)."""
