"""What may enter the source folder, and where that folder is: the name, type and size checks of an upload and
the workbook inspection, so the same rules hold whatever path a file takes (the page, a trial, a store)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
from pathlib import Path

from ingest.zipcheck import WorkbookRefused, check_workbook, megabytes_setting

REPO = Path(__file__).resolve().parents[2]
EXTENSIONS = (".csv", ".xlsx")
DEFAULT_MAX_MB = 200
MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r'[<>:"|?*]')


class UploadRefused(Exception):
    """A file that must not enter the source folder; `code` says which rule, the message says it to people."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


# --- settings -------------------------------------------------------------------------------------------

def _repo_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else REPO / path


def source_dir() -> Path:
    """The folder `refresh` rebuilds from: SVMT_SOURCE, default `data/source/` (relative to the repository)."""
    return _repo_path(os.environ.get("SVMT_SOURCE", "data/source"))


def withdrawn_dir(source: Path | None = None) -> Path:
    """Where withdrawn files go: SVMT_WITHDRAWN, default `withdrawn/` beside the source folder (`data/withdrawn/`)."""
    if os.environ.get("SVMT_WITHDRAWN"):
        return _repo_path(os.environ["SVMT_WITHDRAWN"])
    return (source or source_dir()).parent / "withdrawn"


def max_upload_bytes() -> int:
    """The size limit: SVMT_MAX_UPLOAD_MB (default 200) megabytes. Enforced here, whatever the web server allows."""
    return megabytes_setting("SVMT_MAX_UPLOAD_MB", DEFAULT_MAX_MB)


# --- checks ---------------------------------------------------------------------------------------------

def safe_name(name: str) -> str:
    """A file name that stays in the folder it is put in and shows as what it is.

    Refused: path separators or a name that is `.`/`..` (path traversal), a leading dot (hidden files and
    `refresh` ignores them), nothing left after cleaning. Removed: control characters and invisible format
    characters (direction overrides that make `x.exe` display as `exe.x`, zero-width spaces). Replaced by `_`:
    characters Windows forbids in names. Unicode NFC, whitespace collapsed, stem cut to 120 characters.
    """
    text = unicodedata.normalize("NFC", name or "")
    if "/" in text or "\\" in text or "\x00" in text or text.strip() in (".", ".."):
        raise UploadRefused("name", f"tên tệp không hợp lệ (chứa đường dẫn) / invalid file name (contains a path): "
                                    f"{ascii(name)}")
    cleaned = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    cleaned = " ".join(_UNSAFE.sub("_", cleaned).split())
    stem, dot, ext = cleaned.rpartition(".")
    if not dot:
        stem, ext = cleaned, ""
    stem = stem[:MAX_NAME_CHARS].rstrip()
    cleaned = f"{stem}.{ext}" if dot else stem
    if not stem or cleaned.startswith((".", "~$")):
        raise UploadRefused("name", f"tên tệp không hợp lệ / invalid file name: {ascii(name)}")
    return cleaned


def check_upload(name: str, size: int, limit: int | None = None) -> str:
    """The safe name of an upload that may be inspected; UploadRefused for a bad name, type or size."""
    cleaned = safe_name(name)
    if Path(cleaned).suffix.lower() not in EXTENSIONS:
        raise UploadRefused("type", f"{cleaned}: chỉ nhận tệp .csv hoặc .xlsx / only .csv or .xlsx files are accepted")
    limit = max_upload_bytes() if limit is None else limit
    if size > limit:
        have, most = f"{size / 1048576:,.1f}", f"{limit / 1048576:,.0f}"
        raise UploadRefused("size", f"{cleaned}: tệp {have} MB vượt giới hạn {most} MB / the file is {have} MB, "
                                    f"over the {most} MB limit")
    if size == 0:
        raise UploadRefused("empty", f"{cleaned}: tệp rỗng / empty file")
    return cleaned


def inspect_xlsx(name: str, data: bytes) -> list[str]:
    """Check a workbook before anything parses it; the warnings to show (macros, external links).

    Its size is measured by inflating every member chunk by chunk (ingest.zipcheck: never the sizes the zip
    declares, memory bounded by one chunk); a workbook that is not a zip, inflates past the limit, lies
    about its sizes, or holds encrypted parts, nested archives or too many parts is refused. Nothing here
    runs or follows anything: the parsers (fastexcel, and openpyxl read-only with keep_vba=False,
    keep_links=False) then run in a bounded child process and read cell values only. Macros and links to
    other workbooks are reported as ignored.
    """
    try:
        members = check_workbook(io.BytesIO(data))
    except WorkbookRefused as exc:
        raise UploadRefused(exc.code, f"{name}: {exc}") from exc
    names = [m.lower() for m in members]
    warnings = []
    if any("vbaproject" in n for n in names):
        warnings.append("macro")
    if any("externallink" in n for n in names):
        warnings.append("external_link")
    return warnings


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

