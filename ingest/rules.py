"""The SQL of the business rules, taken from the dbt macros so that Python and dbt share one text.

The student key, the name fold and the other rules the marts use are dbt macros in
`dbt_project/macros/rules.sql` (plain Jinja: no dbt-only tags there). The reader, the validator
and the upload preview need the same SQL outside dbt; instead of a copy they render the macro
with Jinja (dbt's own template engine), so a change to the macro changes every user at once.
Only macros that need nothing of dbt's context (no `ref`, `source`, `var`) can be rendered here.

    >>> sql("fold", "full_name")          # the SQL expression dbt writes for {{ fold('full_name') }}
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

RULES = Path(__file__).resolve().parent.parent / "dbt_project" / "macros" / "rules.sql"


@functools.cache
def _macros() -> dict[str, jinja2.runtime.Macro]:
    """Every macro of the rules file, by name."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.do"])
    module = env.from_string(RULES.read_text(encoding="utf-8")).module
    return {name: value for name in dir(module)
            if isinstance(value := getattr(module, name), jinja2.runtime.Macro)}


def sql(macro: str, *args: object, **kwargs: object) -> str:
    """The SQL that `{{ macro(*args, **kwargs) }}` renders to in dbt (arguments are SQL expressions as text)."""
    try:
        render = _macros()[macro]
    except KeyError:
        raise KeyError(f"no macro {macro!r} in {RULES}") from None
    return str(render(*args, **kwargs)).strip()
