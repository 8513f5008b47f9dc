"""Great Expectations suites run by `refresh` after dbt: they find the duplicates and rule breaks of SPEC §5."""
