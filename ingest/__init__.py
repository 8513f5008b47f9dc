"""Ingest: source files → normalised, validated rows in schema raw (SPEC §4)."""
