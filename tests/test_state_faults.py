"""The state file: corrupted, foreign, old and full files are one-line errors or upgrades."""

from __future__ import annotations

import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from diffinsight.errors import InputError, OutputError
from diffinsight.state import SCHEMA_VERSION, ReportRow, State


def _row(path: str) -> ReportRow:
    return ReportRow(
        path=path, repo="r", repo_name="r", branch="main", day="2025-05-01", base=None,
        head="h", category="c", language="en_US", title="T", permalink=None, summary="S",
        sha256="0" * 64, usage=None,
    )  # fmt: skip


def test_flipped_bytes_are_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with State(path) as st:
        st.record_unit("r", "main", "2025-05-01", None, "h", "s", [_row("a.md")])
    data = bytearray(path.read_bytes())
    for i in range(200, len(data), 97):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as exc:
        State(path).__enter__()
    msg = str(exc.value)
    assert msg.startswith(f"{path}: ") and "\n" not in msg and "move it away" in msg


def test_foreign_schema_is_refused_not_crashed(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY, body TEXT)")
    db.commit()
    db.close()
    with pytest.raises(InputError, match="table reports has no"):
        State(path).__enter__()


def test_old_state_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE units (repo TEXT NOT NULL, branch TEXT NOT NULL, day TEXT NOT NULL,"
        " base TEXT, head TEXT NOT NULL, settings TEXT NOT NULL, done_at TEXT NOT NULL,"
        " PRIMARY KEY (repo, branch, day));"
        "INSERT INTO units VALUES ('r', 'main', '2025-05-01', NULL, 'h', 's', 'now');"
    )
    db.commit()
    db.close()
    with State(path) as st:
        assert st.unit_engine("r", "main", "2025-05-01") == ("offline", None, None)
        assert st.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        st.record_unit("r", "main", "2025-05-02", None, "h", "s", [], llm_missed="llm-unreached: x")
        assert st.unit_engine("r", "main", "2025-05-02")[1] == "llm-unreached: x"


def test_disk_full_for_the_state_is_one_line_and_leaves_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with State(path) as st:
        st.record_unit("r", "main", "2025-05-01", None, "h", "s", [_row("a.md")])
    before = path.read_bytes()
    # A child process whose files cannot grow past their current size: SQLite's journal and
    # the database hit EFBIG exactly as on a full disk.
    code = (
        "import resource, sys\n"
        "from diffinsight.state import State, ReportRow\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({len(before)}, {resource.RLIM_INFINITY}))\n"
        "import signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"with State({str(path)!r}) as st:\n"
        "    rows = [ReportRow(path=f'p{i}.md', repo='r', repo_name='r', branch='main',"
        " day='2025-05-02', base=None, head='h', category='c', language='en_US', title='T' * 500,"
        " permalink=None, summary='S' * 5000, sha256='0' * 64, usage=None) for i in range(200)]\n"
        "    st.record_unit('r', 'main', '2025-05-02', None, 'h', 's', rows)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert OutputError.__name__ in last and str(path) in last and "run again" in last
    with State(path) as st:  # nothing half-written: the old content reads back
        assert [r.path for r in st.reports()] == ["a.md"]
