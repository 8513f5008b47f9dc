"""The warehouse: the DuckDB file, the refresh pipeline and the command line (SPEC §3)."""
