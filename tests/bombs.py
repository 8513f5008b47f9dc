"""Workbook bombs, built with zlib streaming (zipfile's writer compresses chunk by chunk), so whoever builds
them never holds more than a few megabytes: `bomb()` a 1 MB file whose sheet inflates to 336 MB; `lie()`
the same archive declaring other sizes; `sparse()` a 1,5 KB sheet whose two cells, A1 and XFD1048576,
make calamine ask for 512 GB at once. Used by tests/test_workbook_bomb.py and bench/workbook_bomb.py.
"""

from __future__ import annotations

import io
import struct
import zipfile

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS_NS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": f'<?xml version="1.0"?><Relationships {RELS_NS}><Relationship Id="rId1" '
    f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0"?><workbook {NS} xmlns:r="{DOC}"><sheets><sheet name="S" sheetId="1" '
    'r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships {RELS_NS}><Relationship Id="rId1" '
    f'Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c></row>'
ROW = '<row><c t="inlineStr"><is><t>Nguyễn Văn An</t></is></c></row>'
SHEET = "xl/worksheets/sheet1.xml"
BOMB_MB = 320  # past the default 256 MB limit


def book(sheet_chunks, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal real workbook whose first sheet is written chunk by chunk (zlib streaming)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open(SHEET, "w") as part:
            for chunk in sheet_chunks:
                part.write(chunk)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def sheet(body: str) -> list[bytes]:
    return [f'<?xml version="1.0"?><worksheet {NS}><sheetData>{HEADER}{body}</sheetData></worksheet>'.encode()]


def bomb(megabytes: int = BOMB_MB) -> bytes:
    """Rows of one repeated cell: ~`megabytes` MB of XML (1,05 MB per step) in ~1 MB."""
    rows = (ROW * ((1 << 20) // len(ROW))).encode()
    return book([f'<?xml version="1.0"?><worksheet {NS}><sheetData>{HEADER}'.encode(),
                  *(rows for _ in range(megabytes)), b"</sheetData></worksheet>"])


def sparse(last_row: int = 1048576) -> bytes:
    """Two cells, A1 and XFD<last_row>: calamine allocates the whole rectangle between them."""
    return book(sheet(f'<row r="{last_row}"><c r="XFD{last_row}" t="inlineStr"><is><t>x</t></is></c></row>'))


def lie(data: bytes, member: str, declared: int, flags: int = 0) -> bytes:
    """The archive with `member`'s uncompressed size declared as `declared` in its local header and its central
    directory entry, and general-purpose `flags` bits set there: what a forger can write."""
    out = bytearray(data)
    name = member.encode()
    local = zipfile.ZipFile(io.BytesIO(data)).getinfo(member).header_offset
    central = next(i for i in _all(out, b"PK\x01\x02") if out[i + 46:i + 46 + len(name)] == name)
    for at, flags_at, size_at in ((local, 6, 22), (central, 8, 24)):
        struct.pack_into("<H", out, at + flags_at, struct.unpack_from("<H", out, at + flags_at)[0] | flags)
        struct.pack_into("<L", out, at + size_at, declared)
    return bytes(out)


def _all(data: bytearray, needle: bytes) -> list[int]:
    found, at = [], data.find(needle)
    while at >= 0:
        found.append(at)
        at = data.find(needle, at + 1)
    return found
