"""User-provided text (file names, headers, cell values, reasons quoting them) shown as what it is.

Streamlit renders Markdown (and its own `:color[…]`, `$math$` directives) in st.markdown, st.subheader,
st.success, st.error, captions and labels. A file named `**x**_<img src=x>.csv` must show those characters,
not bold text or an image. `md` escapes every ASCII punctuation character with a backslash (CommonMark lets
any of them be escaped), so the text keeps its exact characters; st.text, st.code and st.dataframe need nothing.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def md(value: object) -> str:
    """`value` as Markdown source that displays exactly its characters (one line: newlines become spaces)."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(value).split()))


def plain(value: object) -> str:
    """Like `md`, but keeps the text's line breaks (as Markdown hard breaks), for multi-line messages."""
    return "  \n".join(_PUNCTUATION.sub(r"\\\1", line) for line in str(value).split("\n"))
