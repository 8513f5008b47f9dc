"""Issue 8 (part): a corpus of nasty files. Each ends as loaded rows, rejected rows with reasons, or a clean
exit 2 naming the file — never a traceback, never a hang."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import AS_OF, REPO, query, run_cli
from warehouse.refresh import refresh

pytestmark = pytest.mark.slow  # its own refreshes, processes or a browser: `make test-fast` skips it

CLEAN = REPO / "tests" / "fixtures" / "clean"
HEADER = "survey_round,student_id,full_name,date_of_birth,school_code,grade,household_status,has_device,has_internet\n"

EXIT_2 = {
    "empty": b"",
    "binary": bytes(range(256)) * 40,
    "long_line": b"a" * (3 << 20),  # one 3 MB line, no newline
    "wrong_bom": b"\xff\xfe" + "Họ\n".encode(),  # declares UTF-16, is UTF-8 (odd length)
    "ten_thousand_columns": (",".join(f"c{i}" for i in range(10_000)) + "\n").encode(),
}
LOADED_OR_REJECTED = {
    "formula_and_sql": HEADER + "2022-H1,,=HYPERLINK(\"http://x\"),2010-01-01,TH01,5,ngheo,false,true\n"
                                "2022-H1,,'; DROP TABLE raw.survey; --,2010-01-02,TH01,5,ngheo,false,true\n",
    "bidi_and_huge": HEADER + "2022-H1,,Lê\u202e Văn\u200b A,2010-01-03,TH01,5,ngheo,false,true\n"
                              "2022-H1,,Lê Văn B,2010-01-04,TH01,99999999999999999999999,ngheo,false,true\n",
}


def _refresh_with(tmp_path: Path, name: str, data: bytes):
    source = tmp_path / "src"
    shutil.copytree(CLEAN, source)
    (source / f"survey_{name}.csv").write_bytes(data)
    db = tmp_path / "h.duckdb"
    return run_cli("refresh", "--source", str(source), "--db", str(db), "--as-of", AS_OF), db


@pytest.mark.parametrize("name", list(EXIT_2))
def test_unusable_files_exit_2(tmp_path: Path, name: str) -> None:
    result, db = _refresh_with(tmp_path, name, EXIT_2[name])
    assert result.returncode == 2, result.stderr
    assert f"survey_{name}.csv" in result.stderr and "Traceback" not in result.stderr
    assert not db.exists()


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One refresh of the clean province with every hostile-cells file beside it (each its own survey file)."""
    root = tmp_path_factory.mktemp("hostile")
    source = root / "src"
    shutil.copytree(CLEAN, source)
    for name, text in LOADED_OR_REJECTED.items():
        (source / f"survey_{name}.csv").write_bytes(text.encode("utf-8"))
    db = root / "h.duckdb"
    refresh(source, db, date.fromisoformat(AS_OF))  # in-process: the CLI's exit 2 is tested above
    return db


HOSTILE_FILES = tuple(f"survey_{name}.csv" for name in LOADED_OR_REJECTED)
NOT_HOSTILE = f"source_file NOT IN ({', '.join(repr(f) for f in HOSTILE_FILES)})"  # the clean province's own files


@pytest.mark.parametrize("name", list(LOADED_OR_REJECTED))
def test_hostile_cells_load_or_are_rejected(hostile_db: Path, name: str) -> None:
    db, file = hostile_db, f"survey_{name}.csv"
    names = {r[0] for r in query(db, "SELECT full_name FROM raw.survey WHERE source_file = ?", [file])}
    if name == "formula_and_sql":
        # Text stays text: the tables are intact and the cells are kept as written.
        assert {'=HYPERLINK("http://x")', "'; DROP TABLE raw.survey; --"} <= names
        assert query(db, f"SELECT count(*) FROM raw.survey WHERE {NOT_HOSTILE} OR source_file = ?", [file]) == \
            [(6 + 2,)]
    else:
        assert "Lê Văn A" in names  # invisible direction marks removed
        assert query(db, f"SELECT column_name, reason_code FROM dq.rejected_rows WHERE {NOT_HOSTILE} "
                         "OR source_file = ?", [file]) == [("grade", "unparsable")]
