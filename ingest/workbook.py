"""Workbooks are parsed in child processes with a memory and a time limit, never in the caller's process.

A workbook can be built to explode inside a parser: one that inflates to gigabytes (a zip bomb), or a
1,5 KB sheet whose two cells, A1 and XFD1048576, make calamine ask for 512 GB at once and abort the
whole process. `refresh` and the dashboard's upload preview therefore hand every `.xlsx` to a child
(`ingest/workbook_worker.py`) that limits its own address space (RLIMIT_AS, SVMT_XLSX_MAX_MEMORY_MB,
default 1024) and is killed when it outlives the wall-clock limit (SVMT_XLSX_TIMEOUT_S, default 25).
The table comes back through the child's stdout as an Arrow IPC stream (no children's data on disk; the
private 0700 temporary folder holds only the children's stderr).

Children are reused: at most WORKERS of them live at once (refresh reads two files at a time), started
on demand and stopped when the outermost `readers()` block ends (so the dashboard keeps no idle child
between previews). A child that broke a limit is discarded; the caller gets WorkbookRefused.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from ingest.zipcheck import WorkbookRefused

WORKERS = 2  # = ingest.load.READERS: files read at once
DEFAULT_MEMORY_MB = 1024
DEFAULT_TIMEOUT_S = 25.0
_ROOT = Path(__file__).resolve().parent.parent  # the folder that holds the `ingest` package


def _setting(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def memory_limit_mb() -> float:
    """SVMT_XLSX_MAX_MEMORY_MB: the address space a parsing child may use (default 1024)."""
    return _setting("SVMT_XLSX_MAX_MEMORY_MB", DEFAULT_MEMORY_MB)


def timeout_s() -> float:
    """SVMT_XLSX_TIMEOUT_S: the seconds one workbook may take in its child (default 25)."""
    return _setting("SVMT_XLSX_TIMEOUT_S", DEFAULT_TIMEOUT_S)


def _memory_breach(detail: str = "") -> WorkbookRefused:
    mb = f"{memory_limit_mb():.0f}"
    return WorkbookRefused(f"bảng tính vượt giới hạn bộ nhớ {mb} MB khi đọc / the workbook exceeds the {mb} MB "
                           f"memory limit while being read{detail}", "limit")


def _time_breach() -> WorkbookRefused:
    s = f"{timeout_s():g}"
    return WorkbookRefused(f"bảng tính vượt giới hạn thời gian {s} giây khi đọc / the workbook exceeds the {s} s "
                           "time limit while being read", "limit")


class _Worker:
    """One child: requests go in on stdin, one JSON line per answer comes out on stdout."""

    def __init__(self, folder: Path, number: int):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(_ROOT), os.environ.get("PYTHONPATH")))))
        self.memory_mb = memory_limit_mb()
        self.errors = open(folder / f"worker-{number}.err", "wb")  # noqa: SIM115 — lives as long as the child
        self.proc = subprocess.Popen([sys.executable, "-m", "ingest.workbook_worker", f"{self.memory_mb:g}"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, env=env,
                                     cwd=folder)

    def ask(self, request: dict) -> tuple[dict, bytes]:
        """The child's answer and the bytes after it; WorkbookRefused (the child is gone) when it broke a limit
        or died."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._died() from None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s())
        if not ready:
            self.stop()
            raise _time_breach()
        line = self.proc.stdout.readline()
        if not line:
            raise self._died()
        answer = json.loads(line)
        if not answer["ok"] and answer["reason"] == "memory":
            self.stop()
            raise _memory_breach()
        payload = self.proc.stdout.read(answer.get("bytes", 0))
        if len(payload) < answer.get("bytes", 0):
            raise self._died()
        return answer, payload

    def _died(self) -> WorkbookRefused:
        code = self.proc.wait()
        self.stop()
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(code)
        return _memory_breach(f" (tiến trình đọc dừng / the reader stopped: {name})")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.errors):
            with contextlib.suppress(OSError):
                stream.close()


class _Pool:
    """Up to WORKERS children shared by the threads of one process; a thread borrows one per workbook."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="svmt-xlsx-"))  # mode 0700: the children's stderr
        self.idle: list[_Worker] = []
        self.started = 0
        self.live = 0
        self.cond = threading.Condition()
        self.closed = False

    def ask(self, request: dict) -> tuple[dict, bytes]:
        worker = self._borrow()
        ok = False
        try:
            answer = worker.ask(request)
            ok = True
            return answer
        finally:
            with self.cond:
                if ok and worker.alive() and not self.closed:
                    self.idle.append(worker)
                else:
                    worker.stop()
                    self.live -= 1
                self.cond.notify()

    def _borrow(self) -> _Worker:
        with self.cond:
            while not self.idle and self.live >= WORKERS:
                self.cond.wait()
            if self.idle:
                worker = self.idle.pop()
                if worker.memory_mb == memory_limit_mb():
                    return worker
                worker.stop()  # started under another limit (the setting changed): replaced below
            else:
                self.live += 1
            number = self.started
            self.started += 1
        try:
            return _Worker(self.folder, number)
        except BaseException:
            with self.cond:
                self.live -= 1
                self.cond.notify()
            raise

    def prestart(self, count: int) -> None:
        """Start children now, up to `count` in all, so that their start-up overlaps the caller's other work."""
        while True:
            with self.cond:
                if self.closed or self.live >= min(count, WORKERS):
                    return
                self.live += 1
                number = self.started
                self.started += 1
            try:
                worker = _Worker(self.folder, number)
            except BaseException:
                with self.cond:
                    self.live -= 1
                raise
            with self.cond:
                self.idle.append(worker)
                self.cond.notify()

    def close(self) -> None:
        with self.cond:
            idle, self.idle, self.closed = self.idle, [], True
        for worker in idle:
            worker.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


_LOCK = threading.Lock()
_POOL: _Pool | None = None
_USERS = 0


def _pool() -> _Pool:
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = _Pool()
        return _POOL


@atexit.register
def _close() -> None:
    global _POOL
    with _LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.close()


@contextlib.contextmanager
def readers(prestart: int = 0) -> Iterator[None]:
    """A block whose workbooks share children; the children stop when the outermost block ends.

    `prestart`: workbooks the block will read; that many children (at most WORKERS) start at once, so their
    start-up (≈ 0,2 s of imports) runs while the caller reads its CSV files.
    """
    global _USERS
    with _LOCK:
        _USERS += 1
    try:
        if prestart:
            _pool().prestart(prestart)
        yield
    finally:
        with _LOCK:
            _USERS -= 1
            last = _USERS == 0
        if last:
            _close()


def read_table(path: Path, kind: str) -> pl.DataFrame:
    """The first sheet of the workbook at `path`, as text columns (the contract's known headers of `kind`)."""
    answer, payload = _pool().ask({"op": "table", "path": str(path.resolve()), "kind": kind})
    if not answer["ok"]:
        raise WorkbookRefused(answer["reason"])
    return pl.read_ipc_stream(payload)


def read_headers(path: Path) -> list[str]:
    """The first row of the workbook at `path` as written (blank cells left out)."""
    answer, _ = _pool().ask({"op": "headers", "path": str(path.resolve())})
    if not answer["ok"]:
        raise WorkbookRefused(answer["reason"])
    return list(answer["headers"])
