"""Write the fixture province again with a real spreadsheet program: LibreOffice Calc, headless.

    apt-get install -y --no-install-recommends libreoffice-calc-nogui   # Debian's package
    .venv/bin/python -m tests.libreoffice                               # rewrites tests/fixtures/libreoffice/

The province is first typed the way offices type it (`tests.messy`: Vietnamese headers and labels,
padded cells, columns reversed, an unknown column, real date and number cells) into workbooks; Calc
then opens each workbook and saves it the way an office would send it. The output is checked in, so
the tests need no LibreOffice; this module only says how it was made.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import FIXTURE
from tests.messy import write_shape

OUT = Path(__file__).resolve().parent / "fixtures" / "libreoffice"

# shape → LibreOffice's --convert-to target. CSV filter options: field separator, text delimiter (both as
# character codes), character set (rtl_TextEncoding: 40 = Windows-1258 with combining tones, 65535 = UTF-16
# with BOM), first line.
TARGETS = {
    "calc_xlsx": "xlsx:Calc MS Excel 2007 XML",
    "calc_csv_windows_1258_semicolon": "csv:Text - txt - csv (StarCalc):59,34,40,1",
    "calc_unicode_text_tab": "csv:Text - txt - csv (StarCalc):9,34,65535,1",
}


def main() -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install -y --no-install-recommends libreoffice-calc-nogui")
    version = subprocess.run([soffice, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        books = Path(tmp) / "books"
        write_shape(FIXTURE, books, "xlsx")
        for shape, target in TARGETS.items():
            out = OUT / shape
            shutil.rmtree(out, ignore_errors=True)
            subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to",
                            target, "--outdir", str(out), *sorted(str(p) for p in books.glob("*.xlsx"))],
                           check=True, capture_output=True)
    (OUT / "README.md").write_text(
        "Written by LibreOffice Calc (`python -m tests.libreoffice`), not by hand or by Python's csv module:\n"
        f"{version}.\nThe fixture province typed as offices type it, saved by Calc as "
        + ", ".join(f"`{shape}` ({target})" for shape, target in TARGETS.items())
        + ".\nNot a source folder itself: each subfolder is one.\n", encoding="utf-8")


if __name__ == "__main__":
    main()
