"""The state file: corrupted, foreign, old and full files are one-line errors or upgrades."""

from __future__ import annotations

import os
import resource
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from diffinsight.errors import InputError, OutputError
from diffinsight.publish.files import remove_stale_temps
from diffinsight.state import SCHEMA_VERSION, ReportRow, State
from gitutil import commit_files, init_repo


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


# --- The daily job on a read-only or full file system, and on a broken state file -------------
#
# Real faults, not simulated ones: each run happens in its own mount namespace (``unshare -m``)
# where the output folder is bind-mounted read-only, or replaced by a tiny tmpfs that fills up.
# Nothing outside the child sees those mounts. Where namespaces are not available the tests
# are skipped (the RLIMIT_FSIZE test above covers a full disk anywhere).

DOCS_WATCH = (
    "output_dir: site\nlanguages: [en_US]\nrepositories:\n  - path: docs\n    branch: main\n"
)
SRC = Path(__file__).resolve().parents[1] / "src"
#: One April day, then three May days (their reports go to another folder).
DAYS = [
    ("2025-04-30", {"articles/a.md": "# A\n\nOne.\n"}),
    ("2025-05-01", {"articles/a.md": "# A\n\nTwo.\n"}),
    ("2025-05-02", {"articles/b.md": "# B\n\nNew.\n"}),
    ("2025-05-03", {"articles/b.md": "# B\n\nNewer.\n"}),
]
FIRST = ("--backfill", "2025-04-30")
ALL = ("--backfill", "2025-04-30..2025-05-03")


def _can_confine() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run(
        [unshare, "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


confined = pytest.mark.skipif(not _can_confine(), reason="needs mount namespaces (unshare -m)")


def _make_work(root: Path) -> Path:
    repo = init_repo(root / "docs")
    for i, (day, files) in enumerate(DAYS):
        commit_files(repo, files, f"change {i}", f"{day}T01:00:00+00:00")
    (root / "watch.yml").write_text(DOCS_WATCH, encoding="utf-8")
    (root / "site").mkdir()
    return root


@pytest.fixture
def daily(tmp_path: Path) -> Path:
    return _make_work(tmp_path)


def _run(
    work: Path, *args: str, mounts: str = "", after: str = ""
) -> subprocess.CompletedProcess[str]:
    """``diffinsight run`` in ``work``; ``mounts`` (shell, in a private mount namespace) first.

    ``after`` (Python) runs in the same namespace once the run ended, its output kept in
    ``work/after.txt``: what the faulty file system held before the namespace went away.
    """
    cmd = [sys.executable, "-m", "diffinsight", "run", "--config", "watch.yml", *args]
    if mounts:
        then = ""
        if after:
            check = shlex.join([sys.executable, "-c", after])
            then = f"; rc=$?; {check} > {shlex.quote(str(work / 'after.txt'))}; exit $rc"
        cmd = ["unshare", "-m", "sh", "-c", f"{mounts} && {shlex.join(cmd)}{then}"]
    env = {**os.environ, "PYTHONPATH": str(SRC), "NO_COLOR": "1", "COLUMNS": "300"}
    for var in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(var, None)
    return subprocess.run(
        cmd, cwd=work, capture_output=True, text=True, env=env, check=False, timeout=120
    )


def _read_only(folder: Path) -> str:
    f = shlex.quote(str(folder))
    return f"mount --bind {f} {f} && mount -o remount,ro,bind {f} {f}"


def _full(folder: Path, size: str = "4k") -> str:
    return f"mount -t tmpfs -o size={size} tmpfs {shlex.quote(str(folder))}"


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _published(folder: Path) -> dict[str, bytes]:
    return {k: v for k, v in _tree(folder).items() if not k.startswith(".diffinsight/")}


def _errors(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if "error: " in ln or "ERROR: " in ln]
    assert errors, proc.stderr
    return errors


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """What a run without faults publishes: every rerun after a fix must publish the same."""
    work = _make_work(tmp_path_factory.mktemp("clean"))
    ok = _run(work, *ALL)
    assert ok.returncode == 0, ok.stderr
    return _published(work / "site")


@confined
def test_read_only_output_folder_is_one_line_and_the_rerun_completes(
    daily: Path, clean: dict[str, bytes]
) -> None:
    site = daily / "site"
    proc = _run(daily, *ALL, mounts=_read_only(site))
    assert proc.returncode == OutputError.exit_code
    (line,) = _errors(proc)
    assert line.startswith(f"error: {site}/.diffinsight: cannot open the state (Read-only")
    assert "make it writable" in line and "run again" in line
    assert list(site.iterdir()) == []
    again = _run(daily, *ALL)  # the fix: the same folder, writable
    assert again.returncode == 0, again.stderr
    assert _published(site) == clean


@confined
def test_read_only_report_folder_leaves_files_and_state_as_they_were(
    daily: Path, clean: dict[str, bytes]
) -> None:
    site = daily / "site"
    assert _run(daily, *FIRST).returncode == 0
    before = _tree(site)
    proc = _run(daily, *ALL, mounts=_read_only(site / "docs"))
    assert proc.returncode == OutputError.exit_code
    logged, summary = _errors(proc)
    assert "report-20250501-docs.md: cannot write (Read-only file system)" in logged
    assert "choose another output folder" in logged and "docs; their state is unchanged" in summary
    assert _tree(site) == before  # byte for byte, the state included
    again = _run(daily, *ALL)
    assert again.returncode == 0, again.stderr
    assert _published(site) == clean


#: Run where the faulty file system is still mounted: what the failed run left there. Every
#: report the state records must be whole, and no staged file may remain.
_LEFT = """
import hashlib, pathlib, sqlite3
site = pathlib.Path("site")
print("entries", sorted(p.name for p in site.iterdir()))
state = site / ".diffinsight/state.sqlite"
if state.exists():
    for path, sha in sqlite3.connect(state).execute("SELECT path, sha256 FROM reports"):
        whole = hashlib.sha256((site / path).read_bytes()).hexdigest() == sha
        print("whole" if whole else "BROKEN", path)
print("temp", len(list(site.rglob("*.tmp"))))
"""


@confined
def test_disk_full_for_a_new_state_leaves_nothing_behind(
    daily: Path, clean: dict[str, bytes]
) -> None:
    site = daily / "site"
    proc = _run(daily, *ALL, mounts=_full(site), after=_LEFT)
    assert proc.returncode == OutputError.exit_code
    (line,) = _errors(proc)
    assert line == (
        f"error: {site}/.diffinsight/state.sqlite: the disk is full; free space there and run again"
    )
    # No empty state file, not even its folder.
    assert (daily / "after.txt").read_text().splitlines() == ["entries []", "temp 0"]
    again = _run(daily, *ALL)
    assert again.returncode == 0, again.stderr
    assert _published(site) == clean


@confined
def test_disk_full_for_reports_mid_run_and_the_rerun_completes(
    daily: Path, clean: dict[str, bytes]
) -> None:
    site = daily / "site"
    assert _run(daily, *FIRST).returncode == 0
    april = _tree(site / "docs")
    (site / "docs" / "202505").mkdir()
    # Room for two small reports, not three: the disk fills up in the middle of the run.
    proc = _run(daily, *ALL, mounts=_full(site / "docs" / "202505", "8k"), after=_LEFT)
    assert proc.returncode == OutputError.exit_code
    logged, summary = _errors(proc)
    assert "report-20250503-docs.md: cannot write (No space left on device)" in logged
    assert "free space there and run again" in logged and "docs" in summary
    left = (daily / "after.txt").read_text().splitlines()
    assert "temp 0" in left and not [ln for ln in left if ln.startswith("BROKEN")]
    assert [ln for ln in left if ln.startswith("whole")] == [
        f"whole docs/{m}/en_US/report-{d}-docs.md"
        for m, d in [("202504", "20250430"), ("202505", "20250501"), ("202505", "20250502")]
    ]
    assert _tree(site / "docs") == april  # outside the full folder, nothing changed
    again = _run(daily, *ALL)  # the fix: room again (the namespace, and its tmpfs, are gone)
    assert again.returncode == 0, again.stderr
    assert _published(site) == clean


def test_file_size_limit_for_reports_leaves_no_temp_files(daily: Path) -> None:
    """The same fault without namespaces: a file size limit stops a report mid-write."""
    site = daily / "site"
    assert _run(daily, *FIRST).returncode == 0
    before = _tree(site)
    code = (
        "import resource, signal, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (200, resource.RLIM_INFINITY))\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "from diffinsight.cli import app\n"
        "sys.argv = ['diffinsight', 'run', '--config', 'watch.yml', *sys.argv[1:]]\n"
        "app()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "NO_COLOR": "1", "COLUMNS": "300"}
    proc = subprocess.run(
        [sys.executable, "-c", code, *ALL],
        cwd=daily,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == OutputError.exit_code, proc.stderr
    logged, _summary = _errors(proc)
    assert "cannot write (File too large); free space there and run again" in logged
    assert _tree(site) == before and not list(site.rglob("*.tmp"))


@pytest.mark.parametrize("damage", ["flipped-bytes", "foreign-schema", "newer-version"])
def test_broken_state_file_is_one_line_and_moving_it_away_fixes_it(
    daily: Path, tmp_path: Path, clean: dict[str, bytes], damage: str
) -> None:
    site = daily / "site"
    assert _run(daily, *FIRST).returncode == 0
    state = site / ".diffinsight" / "state.sqlite"
    if damage == "flipped-bytes":
        data = bytearray(state.read_bytes())
        for i in range(100, len(data), 61):
            data[i] ^= 0x5A
        state.write_bytes(bytes(data))
    elif damage == "foreign-schema":
        state.unlink()
        db = sqlite3.connect(state)
        db.execute("CREATE TABLE units (id INTEGER PRIMARY KEY, body TEXT)")
        db.commit()
        db.close()
    else:
        db = sqlite3.connect(state)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        db.commit()
        db.close()
    before = _tree(site)
    proc = _run(daily, *ALL)
    assert proc.returncode == InputError.exit_code
    (line,) = _errors(proc)
    assert line.startswith(f"error: {state}: ") and "point 'state' elsewhere" in line
    assert _tree(site) == before  # no report, no index, the broken file as it was
    state.rename(tmp_path / "broken.sqlite")  # the fix the line names
    again = _run(daily, *ALL)
    assert again.returncode == 0, again.stderr
    assert _published(site) == clean


def test_stale_temp_cleanup_spares_newer_foreign_hidden_and_linked_files(tmp_path: Path) -> None:
    """Only our own staged files, older than the run holding the lock, are removed."""
    out = tmp_path / "site"
    (out / "docs").mkdir(parents=True)
    (out / ".git").mkdir()
    started = time.time()

    def put(path: Path, age: float) -> Path:
        path.write_text("x")
        os.utime(path, (started - age, started - age))
        return path

    stale = put(out / "docs" / ".report-20250501-docs.md.ab_d1234.tmp", 100)
    newer = put(out / "docs" / ".report-20250502-docs.md.efgh5678.tmp", -5)  # another writer's
    foreign = put(out / "docs" / "notes.tmp", 100)
    not_staged = put(out / "docs" / ".report.md.tmp", 100)
    hidden = put(out / ".git" / ".index.md.abcd1234.tmp", 100)
    target = put(tmp_path / "elsewhere.txt", 100)
    link = out / "docs" / ".link.md.zzzz9999.tmp"
    link.symlink_to(target)
    os.utime(link, (started - 100, started - 100), follow_symlinks=False)
    assert remove_stale_temps(out, started) == [stale]
    assert not stale.exists()
    for kept in (newer, foreign, not_staged, hidden, target):
        assert kept.read_text() == "x"
    assert link.is_symlink()
