"""The data-quality step in a process of its own, started by `refresh` when dbt starts building.

Importing Great Expectations takes ≈ 3 s of one core (it imports scipy.stats, altair and sqlalchemy for
expectations and data sources it then does not use). In the refresh's own process that import would
wait for dbt (and in a thread it fights dbt for the GIL); in this process it runs beside dbt, which
leaves a core idle for much of its Python work. The worker then waits for one line on stdin — the JSON
`{"db": build file, "docs": Data Docs folder}` — and finishes that file exactly as
`expectations.run.run_expectations` does in-process, once dbt has closed it. It answers one line of
JSON on stdout (`{"issues": N, "fuzzy": M}`: SPEC §5's findings, fuzzy duplicates) or exits 1 with a
one-line reason on stderr. An empty stdin (the
refresh failed or stopped before the expectations) ends it at once, even in the middle of the import;
so does its parent's death.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

PR_SET_PDEATHSIG = 1
# Packages GX imports when it loads (for expectations and renderers this product never runs: KL divergence, Vega
# charts) which cost ≈ 1,2 s of the ≈ 3 s import: loaded lazily, i.e. only if something ever uses them.
LAZY_PACKAGES = ("scipy", "altair")


class _LazyFinder(importlib.abc.MetaPathFinder):
    """Finds the modules of LAZY_PACKAGES as usual but loads them on first attribute access
    (importlib.util.LazyLoader), so importing GX no longer executes them."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if name.partition(".")[0] not in LAZY_PACKAGES:
            return None
        sys.meta_path.remove(self)  # the real finders locate it
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def _die_with_parent(parent: int) -> None:
    """A refresh killed mid-way (SIGKILL) must not leave a worker writing to its build file."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _read_request() -> Callable[[], str]:
    """Read the request line in a thread from the start, so that a refresh which fails during dbt's build
    (and closes stdin) does not wait for, or kill, a worker still importing GX: on an empty stdin the
    worker exits 0 there and then. Returns a function that waits for the line."""
    line: list[str] = []

    def read() -> None:
        text = sys.stdin.readline()
        if not text.strip():
            os._exit(0)
        line.append(text)

    reader = threading.Thread(target=read, name="request", daemon=True)
    reader.start()

    def wait() -> str:
        reader.join()
        return line[0]

    return wait


def main() -> int:
    os.umask(0o077)  # issue 21: Data Docs and the build file's writes are the service user's only
    _die_with_parent(int(os.environ.get("SVMT_REFRESH_PID", os.getppid())))
    request_line = _read_request()
    answer = sys.stdout
    sys.stdout = sys.stderr  # anything GX prints goes with the refresh's log, never into the answer
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    sys.meta_path.insert(0, _LazyFinder())
    import great_expectations  # noqa: F401  (the slow import, while dbt builds)
    import great_expectations.expectations  # noqa: F401  (GX's expectation classes)

    from expectations.run import run_expectations

    request = json.loads(request_line())
    try:
        issues, fuzzy = run_expectations(Path(request["db"]), Path(request["docs"]))
    except Exception as exc:  # reported by the refresh as its own failure (exit 1), never as a traceback
        print(f"{type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    answer.write(json.dumps({"issues": issues, "fuzzy": fuzzy}) + "\n")
    answer.flush()
    sys.stderr.flush()
    # Done: the build file is closed and checkpointed, the Data Docs written. Tearing down an interpreter that
    # holds GX takes ≈ 0,7 s, which the refresh would wait for: end the process here instead.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
