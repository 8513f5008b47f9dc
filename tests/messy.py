"""Write a canonical source folder again the way provincial offices really send it.

Each shape changes only how the data is written, never what it says, so its warehouse must equal
the canonical twin's: Vietnamese headers and labels, dd/mm/yyyy dates, `1.234.567` amounts,
`Đợt 1/2022` rounds, columns reversed with an unknown column, padded cells, and the encodings and
delimiters Excel and LibreOffice write (UTF-8 BOM + `;` + CRLF, UTF-16 LE + tab, UTF-16 BE + tab with
every cell quoted, Windows-1258 with combining tones, macOS NFD) or a real `.xlsx` (shared strings, date
cells formatted `dd/mm/yyyy`, as Excel saves it).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from datetime import date
from pathlib import Path

import xlsxwriter

from ingest.contract import CONTRACT, SCHOOL_DISTRICT_NAME, kind_of_file

ONE_SHAPE = ("excel_utf8_bom_semicolon", "unicode_text_utf16_tab", "utf16_be_tab_quoted", "windows_1258", "macos_nfd",
             "xlsx")
# "mixed": the folder in every shape at once, file by file in turn, as a province whose offices each send
# what their own software writes
SHAPES = (*ONE_SHAPE, "mixed")


def _header(kind: str, name: str) -> str:
    cols = list(CONTRACT[kind].columns) + ([SCHOOL_DISTRICT_NAME] if kind == "schools" else [])
    col = next((c for c in cols if c.name == name), None)
    return col.aliases[0] if col and col.aliases else name


def _value(kind: str, name: str, text: str) -> str:
    """The same value as a person would type it (labels, dd/mm/yyyy, thousands dots)."""
    if not text:
        return text
    col = next((c for c in CONTRACT[kind].columns if c.name == name), None)
    if col is None:
        return text
    if col.enum and text in col.enum.labels:
        return col.enum.labels[text][0]
    if col.type == "bool" and text in ("true", "false"):
        return "có" if text == "true" else "không"
    if col.type == "date":
        try:
            return date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            return text
    if col.type == "int" and text.isdigit():
        return f"{int(text):,}".replace(",", ".")
    if col.type == "round" and len(text) == 7 and text[4:6] == "-H":
        return f"Đợt {text[6]}/{text[:4]}"
    return text


def rows_of(path: Path) -> tuple[str, list[list[str]]]:
    """(kind, rows incl. header, as the person would type them; blank lines kept as [])."""
    kind = kind_of_file(path.name)
    assert kind is not None
    raw = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = raw[0]
    order = list(reversed(range(len(header))))  # columns in another order
    out = [[_header(kind, header[i]) for i in order] + ["Ghi chú"]]
    for row in raw[1:]:
        if not row:
            out.append([])
            continue
        cells = [_value(kind, header[i], row[i]) for i in order]
        out.append([f" {c} " if c and j % 2 == 0 else c for j, c in enumerate(cells)] + ["không có ghi chú"])
    return kind, out


TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below


def _to_cp1258(text: str) -> bytes:
    """Windows-1258: precomposed base vowels (â ê ô ơ ư ă đ) followed by a combining tone mark.

    Letters the code page lacks (e.g. Ê Đê `ŭ`) become `?`, as Excel writes them.
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in TONES)
        out.append(unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES)) + tones)
    return "".join(out).encode("cp1258", errors="replace")  # as Excel does: `?` for what 1258 lacks


def _csv_text(rows: list[list[str]], delimiter: str, newline: str, quoting: int = csv.QUOTE_MINIMAL) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    for row in rows:
        if row:
            writer.writerow(row)
        else:
            buf.write(newline)
    return buf.getvalue()


def write_shape(source: Path, target: Path, shape: str) -> None:
    """Write every file of `source` into `target` in one real-world shape (same names, same lines); "mixed"
    writes the n-th file in the n-th shape of ONE_SHAPE, round and round."""
    target.mkdir(parents=True, exist_ok=True)
    for index, path in enumerate(sorted(source.glob("*.csv"))):
        _write_file(path, target, ONE_SHAPE[index % len(ONE_SHAPE)] if shape == "mixed" else shape)


def _write_file(path: Path, target: Path, shape: str) -> None:
    _, rows = rows_of(path)
    if shape == "excel_utf8_bom_semicolon":
        (target / path.name).write_bytes(b"\xef\xbb\xbf" + _csv_text(rows, ";", "\r\n").encode("utf-8"))
    elif shape == "unicode_text_utf16_tab":
        (target / path.name).write_bytes(_csv_text(rows, "\t", "\r\n").encode("utf-16"))
    elif shape == "utf16_be_tab_quoted":  # big-endian BOM, every cell quoted (LibreOffice "quote all")
        text = _csv_text(rows, "\t", "\r\n", csv.QUOTE_ALL)
        (target / path.name).write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    elif shape == "windows_1258":
        (target / path.name).write_bytes(_to_cp1258(_csv_text(rows, ",", "\r\n")))
    elif shape == "macos_nfd":
        (target / path.name).write_text(unicodedata.normalize("NFD", _csv_text(rows, ",", "\n")),
                                        encoding="utf-8")
    elif shape == "xlsx":
        # xlsxwriter, like Excel and LibreOffice, keeps text in the shared-strings table (openpyxl writes it inline)
        book = xlsxwriter.Workbook(target / (path.stem + ".xlsx"))
        sheet, day = book.add_worksheet(), book.add_format({"num_format": "dd/mm/yyyy"})
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                value = _cell(text)
                if isinstance(value, date):
                    sheet.write_datetime(r, c, value, day)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
        book.close()
    else:
        raise ValueError(shape)


def _cell(text: str) -> object:
    """XLSX cells as Excel stores them: real dates and numbers where the text is one."""
    stripped = text.strip()
    try:
        day, month, year = (int(x) for x in stripped.split("/"))
        return date(year, month, day)
    except ValueError:
        pass
    if re.fullmatch(r"[1-9]\d*|[1-9]\d{0,2}(\.\d{3})+", stripped):  # 15, 2022 or 1.234.567 (thousands dots)
        return int(stripped.replace(".", ""))
    if re.fullmatch(r"\d+\.\d+", stripped):  # 12.6700 (a coordinate): a decimal number
        return float(stripped)
    return text
