"""Files at rest are the service user's only: no group or world bits on anything the product writes.

The warehouse, its logs, Data Docs, uploads and packs carry children's records or figures before they are
published, so every entry point starts with `restrict_umask()` (the caller's umask is not trusted), and files
that may pre-exist (a lock file, a folder made by an older version, a file renamed into place) are narrowed
with `make_private` / `make_private_tree` after they are written.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

UMASK = 0o077


def restrict_umask() -> None:
    """Create every later file 0600 and folder 0700 in this process and its children."""
    os.umask(UMASK)


def make_private(path: Path) -> None:
    """Drop the group/world bits of one file or folder (symlinks are left alone: their target counts)."""
    with contextlib.suppress(FileNotFoundError):
        mode = os.lstat(path).st_mode
        if not os.path.islink(path) and mode & UMASK:
            os.chmod(path, mode & 0o700)


def make_dirs(folder: Path) -> None:
    """`mkdir -p` whose newly made folders are private (an existing one is left as its owner set it)."""
    missing = [f for f in (folder, *folder.parents) if not f.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for made in missing:
        make_private(made)


def make_private_tree(root: Path) -> None:
    """`make_private` on a folder and everything under it."""
    make_private(root)
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            make_private(Path(folder) / name)
