"""Rules → accepted + rejected: type every cell and find each row's first broken rule, in SQL.

The SQL is generated from `ingest.contract`, so the rules live in one place. It runs set-based in
DuckDB over all files of a kind at once: each column gets a normalised text `v_`, a typed value
`t_` and an error code `e_`; the first column (contract order) with an error rejects the row
(SPEC §4.1 and its clarifications: missing, unparsable, not in enumeration, out of range, unknown
reference — dependent rules sit on the dependent column).
"""

from __future__ import annotations

import unicodedata

import duckdb
import polars as pl

from ingest import rules
from ingest.contract import (
    BOOL_FALSE,
    BOOL_TRUE,
    CONTRACT,
    COORDINATE_REASONS,
    DISTRICT_PREFIXES,
    REASONS,
    SCHOOL_DISTRICT_NAME,
    Column,
    Kind,
    enum_map,
    fold_key,
)
from ingest.read import LINE

LOOKUP_TYPES = ("enum", "bool", "round", "date")  # column types typed once per distinct cell (load_kind)
REPEATING_TYPES = ("text",)  # typed once per distinct cell too when a sample shows its cells repeat (_repeats)
REPEAT_SAMPLE = 50_000  # rows of a column looked at to tell whether its cells repeat
RAW_TYPES = {"text": "VARCHAR", "id": "VARCHAR", "round": "VARCHAR", "enum": "VARCHAR", "int": "BIGINT",
             "decimal": "DOUBLE", "date": "DATE", "bool": "BOOLEAN"}
LINEAGE = (("source_file", "VARCHAR"), ("source_line", "BIGINT"), ("file_rank", "INTEGER"))
SCOPE = "__scope"  # input column: the uploader's district codes, comma-separated (NULL: the whole province)
SCOPED_BY_SCHOOL = ("survey", "handovers")  # their district is their school's
WS = r"[\s\x{00A0}\x{FEFF}]"


def _lit(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


# Invisible direction and zero-width controls: they can make one text display as another (hostile input).
INVISIBLE = r"[\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2066}-\x{2069}]"


# Text that is already normal: printable ASCII words separated by single spaces (ASCII is its own NFC and
# holds no invisible control). Most cells are like this; they skip the three regular expressions below.
ALREADY_NORMAL = r"^[!-~]+( [!-~]+)*$"


# Words (no whitespace, no invisible control) separated by single spaces, padded with plain spaces or not: most
# cells, Vietnamese or not, hand-typed or exported. Trimming the spaces and NFC are all such a cell needs (NFC adds
# no whitespace and no control).
_WORD = r"[^\s\x{00A0}\x{FEFF}\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2066}-\x{2069}]+"
WELL_SPACED = rf"^ *{_WORD}( {_WORD})* *$"


def sql_normalise(expr: str) -> str:
    """NFC, invisible controls removed, trim, collapse inner whitespace, empty → NULL (SPEC §4.1).

    The full rule is three regular expressions on the NFC text; cells that provably need less take a
    shorter path with the same result (tests/test_ingest_rules.py compares both on random text): normal
    ASCII as it is, well-spaced text trimmed and NFC-normalised.
    """
    cleaned = f"regexp_replace(nfc_normalize({expr}), '{INVISIBLE}', '', 'g')"
    full = f"nullif(regexp_replace(regexp_replace({cleaned}, '^{WS}+|{WS}+$', '', 'g'), '{WS}+', ' ', 'g'), '')"
    return (f"CASE WHEN regexp_matches({expr}, '{ALREADY_NORMAL}') THEN {expr} "
            f"WHEN regexp_matches({expr}, '{WELL_SPACED}') THEN nfc_normalize(trim({expr}, ' ')) ELSE {full} END")


def sql_fold_key(expr: str) -> str:
    """The SQL twin of contract.fold_key: no accents, đ→d, lower-case, letters and digits only."""
    return (f"regexp_replace(lower(strip_accents(replace(replace({expr}, 'đ', 'd'), 'Đ', 'D'))), "
            f"'[^0-9a-z]', '', 'g')")


def sql_fold_name(expr: str) -> str:
    """SPEC §5 fold() for names and labels: the dbt macro itself (ingest/rules.py renders it)."""
    return rules.sql("fold", expr)


def _case_map(expr: str, mapping: dict[str, object]) -> str:
    whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in mapping.items())
    return f"CASE {expr} {whens} END"


def exact_spellings(labels: dict[str, object]) -> dict[str, object]:
    """Label as commonly written (NFC, as is / lower / upper / capitalised) → its value through fold_key.

    A cell spelled exactly like this maps to the same value as its fold would, so it can skip the fold.
    `labels` maps each written label to nothing in particular: only its folded key decides.
    """
    out: dict[str, object] = {}
    for label, value in labels.items():
        for variant in (label, label.lower(), label.upper(), label.capitalize()):
            out.setdefault(unicodedata.normalize("NFC", variant), value)
    return out


def _label_map(v: str, folded: dict[str, object], written: list[str]) -> str:
    """Value of a label: exact spellings first (one hash lookup), the fold only for the rest."""
    exact = exact_spellings({w: folded[fold_key(w)] for w in written if fold_key(w) in folded})
    return f"coalesce({_case_map(v, exact)}, {_case_map(sql_fold_key(v), folded)})"


def _parse(col: Column, v: str) -> str:
    """Typed value of normalised text v (NULL when v is NULL or cannot be parsed)."""
    if col.type == "text":
        return v
    if col.type == "id":
        return f"nullif(regexp_replace({v}, '[\\s-]', '', 'g'), '')"
    if col.type == "int":
        pattern = r"^[+-]?(\d{1,3}([., ]\d{3})+|\d+)$"
        return (f"CASE WHEN regexp_matches({v}, '^[0-9]{{1,18}}$') THEN CAST({v} AS BIGINT) "
                f"WHEN regexp_matches({v}, '{pattern}') "
                f"THEN try_cast(regexp_replace({v}, '[., ]', '', 'g') AS BIGINT) END")
    if col.type == "decimal":  # 12.6662 or 12,6662 (a Vietnamese spreadsheet's decimal comma); no thousands mark
        return (f"CASE WHEN regexp_matches({v}, '^[+-]?\\d+([.,]\\d+)?$') "
                f"THEN try_cast(replace({v}, ',', '.') AS DOUBLE) END")
    if col.type == "date":
        fmts = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S")
        general = "CAST(coalesce(" + ", ".join(f"try_strptime({v}, '{f}')" for f in fmts) + ") AS DATE)"
        # ISO dates, and Excel's date cells as they arrive (`2014-06-25 00:00:00`): the first ten characters,
        # which is what the general rule's first or fourth format reads, without trying the others first
        return (f"CASE WHEN regexp_matches({v}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}( 00:00:00)?$') "
                f"THEN CAST(try_strptime(left({v}, 10), '%Y-%m-%d') AS DATE) ELSE {general} END")
    if col.type == "bool":
        mapping = {fold_key(x): True for x in BOOL_TRUE} | {fold_key(x): False for x in BOOL_FALSE}
        return _label_map(v, mapping, [*BOOL_TRUE, *BOOL_FALSE])
    if col.type == "enum":
        assert col.enum is not None
        written = [text for code, labels in col.enum.labels.items() for text in (code, *labels)]
        return _label_map(v, enum_map(col.enum), written)
    if col.type == "round":
        f = sql_fold_name(v)
        # `2021-H1` as written is already canonical (the general rule below gives it back unchanged)
        # `Đợt 1/2022`, `H1/2022` as commonly written match the general rule's pattern without folding
        common = r"^(Đợt|đợt|ĐỢT|Đợt thứ|đợt thứ|H|h|HK|hk) ?[12] ?(/|-|năm) ?\d{4}$"
        return (f"CASE WHEN regexp_matches({v}, '^\\d{{4}}-H[12]$') THEN {v} "
                f"WHEN regexp_matches({v}, '{common}') "
                f"THEN regexp_extract({v}, '(\\d{{4}})', 1) || '-H' || regexp_extract({v}, '^\\D*([12])', 1) "
                f"WHEN regexp_matches({f}, '^\\d{{4}} ?- ?h[12]$') "
                f"THEN regexp_extract({f}, '(\\d{{4}})', 1) || '-H' || regexp_extract({f}, 'h([12])', 1) "
                f"WHEN regexp_matches({f}, '^(h|dot|dot thu|hk) ?[12] ?(/|-|nam) ?\\d{{4}}$') "
                f"THEN regexp_extract({f}, '(\\d{{4}})', 1) || '-H' || regexp_extract({f}, '^\\D*([12])', 1) END")
    raise ValueError(col.type)


def _district_key(expr: str) -> str:
    """A district name reduced for matching: folded, prefix (Huyện, TP., H., …) removed, letters and digits only.

    A prefix counts only when a dot or a space follows it, so "Hoà Bình" keeps its "h".
    """
    prefixes = sorted({fold_key(p) for p in DISTRICT_PREFIXES} | {"thanh pho", "thi xa"}, key=lambda p: (-len(p), p))
    stripped = f"regexp_replace({sql_fold_name(expr)}, '^({'|'.join(prefixes)})[. ]+', '')"
    return f"regexp_replace({stripped}, '[^0-9a-z]', '', 'g')"


def _column_sql(kind: Kind, col: Column) -> tuple[str, str, str]:
    """(typed value, error code, value-as-written) expressions for one column of the input view."""
    v = f"v_{col.name}"
    parsed = _parse(col, v)
    typed = parsed if col.default is None else f"CASE WHEN {v} IS NULL THEN {_lit(col.default)} ELSE {parsed} END"
    needed = "TRUE" if col.required else "FALSE"
    if col.required_if:
        other, codes = col.required_if
        needed = f"(t_{other} IN ({', '.join(_lit(c) for c in codes)}))"
    bad_value = "not_in_enum" if col.type == "enum" else "unparsable"
    # A present value's typed value is its parsed value (defaults fill only empty cells), so t_ tells
    # whether it parsed: the parse runs once per cell.
    checks = [f"WHEN {v} IS NULL AND {needed} THEN 'missing'",
              f"WHEN {v} IS NOT NULL AND t_{col.name} IS NULL THEN '{bad_value}'"]
    if col.min is not None:
        checks.append(f"WHEN t_{col.name} < {col.min} THEN 'out_of_range'")
    if col.max is not None:
        checks.append(f"WHEN t_{col.name} > {col.max} THEN 'out_of_range'")
    if col.ref:
        key = CONTRACT[col.ref].key
        checks.append(f"WHEN t_{col.name} IS NOT NULL AND t_{col.name} NOT IN "
                      f"(SELECT {key} FROM raw.{col.ref}) THEN 'unknown_reference'")
    checks += _scope_check(kind.name, col.name)
    error = "CASE " + " ".join(checks) + " END"
    return typed, error, f"c_{col.name}"


def _scope_check(kind_name: str, column: str) -> list[str]:
    """A scoped upload keeps its districts' rows: the district (schools, donations, coverage) or the school's
    district (survey, handovers) must be one of the uploader's. A donation without a district is province-wide:
    outside a district officer's scope too."""
    within = "list_contains(string_split(scope, ','), {})"
    if column == "district_code" and kind_name not in SCOPED_BY_SCHOOL:
        return [f"WHEN scope IS NOT NULL AND (t_district_code IS NULL OR NOT {within.format('t_district_code')}) "
                "THEN 'outside_scope'"]
    if column == "school_code" and kind_name in SCOPED_BY_SCHOOL:
        school = "(SELECT district_code FROM scope_school s WHERE s.school_code = t_school_code)"
        return [f"WHEN scope IS NOT NULL AND NOT coalesce({within.format(school)}, FALSE) THEN 'outside_scope'"]
    return []


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Empty raw tables (one per kind) and dq.rejected_rows, so every table always exists."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS dq; CREATE SCHEMA IF NOT EXISTS meta;")
    for kind in CONTRACT.values():
        cols = [f"{c.name} {RAW_TYPES[c.type]}" for c in kind.columns]
        if kind.name == "districts":
            cols.append("is_builtin BOOLEAN")
        cols += [f"{n} {t}" for n, t in LINEAGE]
        con.execute(f"CREATE OR REPLACE TABLE raw.{kind.name} ({', '.join(cols)})")
    con.execute("""CREATE OR REPLACE TABLE dq.rejected_rows (kind VARCHAR, source_file VARCHAR, source_line BIGINT,
                   column_name VARCHAR, value VARCHAR, reason VARCHAR, reason_code VARCHAR)""")


def load_kind(con: duckdb.DuckDBPyConnection, kind_name: str, frame: pl.DataFrame) -> tuple[int, int]:
    """Validate all rows of one kind and append them to raw.<kind> / dq.rejected_rows.

    `frame` holds text columns named canonically (absent columns allowed) plus source_file,
    file_rank and LINE. Returns (rows loaded, rows rejected).
    """
    kind = CONTRACT[kind_name]
    columns = list(kind.columns)
    extra = [SCHOOL_DISTRICT_NAME] if kind_name == "schools" else []
    for col in columns + extra:
        if col.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(col.name))
    if SCOPE not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(SCOPE))
    con.register("input_rows", frame)
    if kind_name in SCOPED_BY_SCHOOL:  # each school's district as the school loaded last has it
        con.execute("""CREATE OR REPLACE TEMP TABLE scope_school AS SELECT school_code, district_code FROM raw.schools
                       QUALIFY row_number() OVER (PARTITION BY school_code ORDER BY file_rank DESC,
                                                  source_line DESC) = 1""")

    # Three set-based passes: cells (c_ as written, v_ normalised) → typed values (t_, from v_ only) →
    # errors (e_, from v_ and the typed values, e.g. a rule on another column or a range).
    # Enumerations, booleans and rounds have a handful of spellings per file: their v_ and t_ are worked out
    # once per distinct cell (`lookups`) and joined back, instead of once per row; so are text columns whose
    # cells repeat (names, school codes: 25 thousand distinct names in 3 million survey rows nationally).
    layer = ["input_rows.source_file", "input_rows.file_rank", f'input_rows."{LINE}" AS source_line',
             f'input_rows."{SCOPE}" AS scope']
    typed_cols, error_cols, errors, lookups, joins = [], [], [], [], []
    for col in columns + extra:
        quoted = f'input_rows."{col.name}"'
        layer.append(f"{quoted} AS c_{col.name}")
        if col not in columns:  # read only by another column's rule (a school's district name)
            layer.append(f"{sql_normalise(quoted)} AS v_{col.name}")
            continue
        typed, error, written = _column_sql(kind, col)
        if kind_name == "schools" and col.name == "district_code":
            typed, error, written = _school_district_sql()
        lookup = col.type in LOOKUP_TYPES or (col.type in REPEATING_TYPES and _repeats(frame, col.name))
        if lookup and not (kind_name == "schools" and col.name == "district_code"):  # that one reads another column
            lookups.append(f'lk_{col.name} AS (SELECT raw, v_{col.name}, {typed} AS t_{col.name} FROM ('
                           f'SELECT raw, {sql_normalise("raw")} AS v_{col.name} FROM ('
                           f'SELECT DISTINCT "{col.name}" AS raw FROM input_rows)))')
            joins.append(f"LEFT JOIN lk_{col.name} ON {quoted} IS NOT DISTINCT FROM lk_{col.name}.raw")
            layer += [f"lk_{col.name}.v_{col.name}", f"lk_{col.name}.t_{col.name}"]
        else:
            layer.append(f"{sql_normalise(quoted)} AS v_{col.name}")
            typed_cols.append(f"{typed} AS t_{col.name}")
        error_cols.append(f"{error} AS e_{col.name}")
        if not col.keeps_row:
            errors.append((col.name, f"e_{col.name}", written))
    typed_sql = f"SELECT *, {', '.join(typed_cols)} FROM cells" if typed_cols else "SELECT * FROM cells"
    sql = (f"WITH {''.join(lookup + ', ' for lookup in lookups)}"
           f"cells AS (SELECT {', '.join(layer)} FROM input_rows {' '.join(joins)}), "
           f"typed AS ({typed_sql}), "
           f"judged AS (SELECT *, {', '.join(error_cols)} FROM typed)")
    first_col = "CASE " + " ".join(f"WHEN {e} IS NOT NULL THEN '{name}'" for name, e, _ in errors) + " END"
    err_case = "CASE bad_column " + " ".join(f"WHEN '{n}' THEN {e}" for n, e, _ in errors) + " END"
    val_case = "CASE bad_column " + " ".join(f"WHEN '{n}' THEN {w}" for n, _, w in errors) + " END"
    col_case = "bad_column"
    if kind_name == "schools":  # a district given by name is quoted back under its own header
        col_case = "CASE WHEN bad_column = 'district_code' AND c_district_code IS NULL " \
                   "AND v_district_name IS NOT NULL THEN 'district_name' ELSE bad_column END"
        val_case = val_case.replace("WHEN 'district_code' THEN c_district_code",
                                    "WHEN 'district_code' THEN coalesce(c_district_code, c_district_name)")
    # Only what the two inserts need is kept: lineage, typed values and, for a rejected row, its first
    # broken rule (the cells as written and the per-column errors are not materialised).
    typed_names = ", ".join(f"t_{c.name}" for c in columns)
    kept = [c.name for c in columns if c.keeps_row]
    soft_column, soft_value, soft_reason = _kept_row_sql(kept)
    # a value that keeps its row (coordinates) is stored only when its whole group is sound
    stored = ", ".join(f"CASE WHEN soft_column IS NULL THEN t_{c.name} END" if c.keeps_row else f"t_{c.name}"
                       for c in columns)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE checked AS {sql},
        flagged AS (SELECT *, {first_col} AS bad_column, {soft_column} AS soft_column FROM judged)
        SELECT source_file, file_rank, source_line, {typed_names}, bad_column, {col_case} AS column_name,
               {val_case} AS value, {err_case} AS reason_code,
               soft_column, {soft_value} AS soft_value, {soft_reason} AS soft_reason
        FROM flagged""")

    names = ", ".join(c.name for c in columns)
    builtin = ", FALSE" if kind_name == "districts" else ""
    con.execute(f"INSERT INTO raw.{kind_name} ({names}{', is_builtin' if builtin else ''}, source_file, source_line, "
                f"file_rank) SELECT {stored}{builtin}, source_file, source_line, file_rank "
                f"FROM checked WHERE bad_column IS NULL ORDER BY file_rank, source_line")
    reason_text = "CASE reason_code " + " ".join(
        f"WHEN {_lit(k)} THEN {_lit(vi + ' — ' + en)}" for k, (vi, en) in REASONS.items()) + " END"
    con.execute(f"""INSERT INTO dq.rejected_rows
        SELECT '{kind_name}', source_file, source_line, column_name, value, {reason_text}, reason_code
        FROM checked WHERE bad_column IS NOT NULL ORDER BY file_rank, source_line""")
    if kept:  # a kept row's dropped coordinates: listed, not counted as a rejected row
        kept_text = "CASE soft_reason " + " ".join(
            f"WHEN {_lit(k)} THEN {_lit(vi + ' — ' + en)}" for k, (vi, en) in COORDINATE_REASONS.items()) + " END"
        con.execute(f"""INSERT INTO dq.rejected_rows
            SELECT '{kind_name}', source_file, source_line, soft_column, soft_value, {kept_text}, soft_reason
            FROM checked WHERE bad_column IS NULL AND soft_column IS NOT NULL ORDER BY file_rank, source_line""")
    counts = con.execute("SELECT count(*) FILTER (WHERE bad_column IS NULL), count(*) FILTER (WHERE bad_column IS "
                         "NOT NULL) FROM checked").fetchall()[0]
    con.execute("DROP TABLE checked")
    con.execute("DROP TABLE IF EXISTS scope_school")
    con.unregister("input_rows")
    return int(counts[0]), int(counts[1])


def _repeats(frame: pl.DataFrame, column: str) -> bool:
    """Whether a column's cells repeat enough (at most one distinct cell in four, in its first rows) that working
    each distinct cell out once and joining it back beats working out every row (normalising a Vietnamese name
    costs ~1 µs; a join ~0,2 µs a row). Only a question of speed: both ways give the same values."""
    sample = frame.get_column(column).head(REPEAT_SAMPLE)
    return sample.len() > 0 and sample.n_unique() * 4 <= sample.len()


def _kept_row_sql(kept: list[str]) -> tuple[str, str, str]:
    """(column, value as written, reason code) of the first broken value among the columns that keep their row
    (coordinates, ingest/contract.py `keeps_row`), NULL when they are sound. They go together: a value that does
    not parse or is outside its range (Vietnam's box) breaks the group, and so does a group given only in part
    (`missing`, on the first absent column)."""
    if not kept:
        return "NULL", "NULL", "NULL"
    any_given = " OR ".join(f"v_{c} IS NOT NULL" for c in kept)
    broken = [(f"e_{c} IS NOT NULL", c, f"e_{c}") for c in kept]
    broken += [(f"v_{c} IS NULL AND ({any_given})", c, "'missing'") for c in kept]
    column = "CASE " + " ".join(f"WHEN {cond} THEN '{c}'" for cond, c, _ in broken) + " END"
    reason = "CASE " + " ".join(f"WHEN {cond} THEN {r}" for cond, _, r in broken) + " END"
    value = "CASE soft_column " + " ".join(f"WHEN '{c}' THEN c_{c}" for c in kept) + " END"
    return column, value, reason


def _school_district_sql() -> tuple[str, str, str]:
    """A school's district: its code, or its name matched to raw.districts (SPEC §4.2).

    A name matches when it equals a district's name ignoring accents, case and the prefixes
    Huyện / Thị xã / Thành phố / Quận / TP. / TX. / H.; when several districts match, the one whose
    full folded name matches wins; still ambiguous or unmatched → unknown reference. Districts are told apart
    by code, not by row: the same district sent in two files (a districts file uploaded again beside the one
    loaded before) is one district, not an ambiguous name (issue 22: the preview and the refresh disagreed).
    """
    exact = f"{sql_fold_key('d.district_name')} = {sql_fold_key('v_district_name')}"
    by_name = f"""(SELECT CASE WHEN count(DISTINCT d.district_code) = 1 THEN min(d.district_code)
                          WHEN count(DISTINCT d.district_code) FILTER (WHERE {exact}) = 1
                          THEN min(d.district_code) FILTER (WHERE {exact})
                     END
                   FROM raw.districts d
                   WHERE {_district_key('d.district_name')} = {_district_key('v_district_name')})"""
    typed = f"CASE WHEN v_district_code IS NOT NULL THEN v_district_code ELSE {by_name} END"
    error = ("CASE WHEN v_district_code IS NULL AND v_district_name IS NULL THEN 'missing' "
             "WHEN t_district_code IS NULL THEN 'unknown_reference' "
             "WHEN t_district_code NOT IN (SELECT district_code FROM raw.districts) THEN 'unknown_reference' "
             + " ".join(_scope_check("schools", "district_code")) + " END")
    return typed, error, "c_district_code"
