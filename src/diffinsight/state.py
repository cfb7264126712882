"""Durable state of the daily job, in one SQLite file.

What it holds: the last processed commit of each repository and branch (``cursors``), which
day-ranges are done with which settings (``units``), and one row per written report
(``reports``: range, category, language, path, content hash, usage), and which notification
of which report each notify target has been sent (``deliveries``: ``sending`` before the
message leaves, ``delivered`` once the receiver accepted it). The file is locked for
the whole run (``flock`` on the database file itself, released by the kernel even when the
process is killed), so two runs at once on the same state are refused, never interleaved.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from diffinsight._sqlite import Migration, NewerSchema, migrate
from diffinsight.errors import InputError, OutputError

#: The layout, as an append-only list of migrations (``diffinsight._sqlite``): migration *n* takes a
#: file from ``PRAGMA user_version`` *n - 1* to *n*. A released step is never edited; a change of
#: layout is a new step at the end. Files of the unversioned release are version 0 with the tables
#: of step 1 already there, hence ``IF NOT EXISTS``.
MIGRATIONS: list[Migration] = [
    # 1: the unversioned release's layout.
    [
        """CREATE TABLE IF NOT EXISTS cursors (
            repo TEXT NOT NULL, branch TEXT NOT NULL, sha TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (repo, branch))""",
        """CREATE TABLE IF NOT EXISTS units (
            repo TEXT NOT NULL, branch TEXT NOT NULL, day TEXT NOT NULL,
            base TEXT, head TEXT NOT NULL, settings TEXT NOT NULL, done_at TEXT NOT NULL,
            PRIMARY KEY (repo, branch, day))""",
        """CREATE TABLE IF NOT EXISTS reports (
            path TEXT PRIMARY KEY,
            repo TEXT NOT NULL, repo_name TEXT NOT NULL, branch TEXT NOT NULL, day TEXT NOT NULL,
            base TEXT, head TEXT NOT NULL, category TEXT NOT NULL, language TEXT NOT NULL,
            title TEXT NOT NULL, permalink TEXT, summary TEXT NOT NULL,
            sha256 TEXT NOT NULL, usage TEXT, written_at TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS deliveries (
            target TEXT NOT NULL, recipient TEXT NOT NULL, report TEXT NOT NULL,
            message TEXT NOT NULL, sha256 TEXT NOT NULL, status TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (target, recipient, report))""",
        "CREATE TABLE IF NOT EXISTS notify_targets (target TEXT PRIMARY KEY, since TEXT NOT NULL)",
    ],
    # 2: units record which engine wrote them, and since when the model was missed.
    [
        "ALTER TABLE units ADD COLUMN engine TEXT NOT NULL DEFAULT 'offline'",
        "ALTER TABLE units ADD COLUMN llm_missed TEXT",
        "ALTER TABLE units ADD COLUMN missed_since TEXT",
    ],
]
#: ``PRAGMA user_version`` of the current layout.
SCHEMA_VERSION = len(MIGRATIONS)
#: Columns this code reads, per table: a file lacking one was written by something else.
_COLUMNS = {
    "cursors": {"repo", "branch", "sha", "updated_at"},
    "units": {"repo", "branch", "day", "base", "head", "settings", "done_at"},
    "reports": {"path", "repo", "day", "head", "category", "language", "sha256", "usage"},
}


#: errno values meaning "no room": a full disk, or a file size limit reached.
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _missing_folders(folder: Path) -> list[Path]:
    """The folders of ``folder``'s path that do not exist yet, innermost first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _undo_new(path: Path, existed: bool, folders: list[Path]) -> None:
    """Remove a state file (and the folders made for it) that a failed open had just created."""
    if not existed:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(f"{path}{suffix}").unlink()
    for folder in folders:
        with contextlib.suppress(OSError):  # not empty: something else lives there
            folder.rmdir()


def sha256_text(text: str) -> str:
    """Hex SHA-256 of ``text`` as UTF-8: the content hash stored per report."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReportRow:
    """One written report, as the state and the index know it."""

    path: str  #: relative to the output folder, with ``/``
    repo: str  #: state key of the repository
    repo_name: str  #: display name
    branch: str
    day: str
    base: str | None
    head: str
    category: str
    language: str
    title: str
    permalink: str | None
    summary: str
    sha256: str
    usage: dict[str, Any] | None = None

    def index_entry(self) -> dict[str, Any]:
        """The entry of ``index.json``."""
        return {
            "path": self.path,
            "date": self.day,
            "language": self.language,
            "category": self.category,
            "title": self.title,
            "permalink": self.permalink,
            "summary": self.summary,
            "repo": self.repo_name,
            "branch": self.branch,
            "base": self.base,
            "head": self.head,
        }


class State:
    """The state file, opened and locked for one run (use as a context manager)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> State:
        made = _missing_folders(self.path.parent)
        existed = self.path.exists()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            _undo_new(self.path, existed, made)
            # A read-only folder or file system, a full disk, a file where a folder must be.
            fix = "free space there" if exc.errno in _FULL else "make it writable"
            raise OutputError(
                f"{exc.filename or self.path}: cannot open the state ({exc.strerror});"
                f" {fix} or point 'state' elsewhere, and run again"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InputError(
                f"{self.path}: another diffinsight run is using this state; wait for it to finish"
            ) from None
        self._fd = fd
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._open_schema(self._db)
        except InputError:
            self.__exit__(None, None, None)
            raise
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            self.__exit__(None, None, None)
            # A state this run was about to create (a full disk): leave no empty file behind.
            _undo_new(self.path, existed, made)
            msg = str(exc)
            if "full" in msg:
                raise OutputError(
                    f"{self.path}: the disk is full; free space there and run again"
                ) from exc
            if "readonly" in msg or "unable to open" in msg:
                # SQLite could not write its journal next to the file: the folder is read-only.
                raise OutputError(
                    f"{self.path}: cannot update the state ({msg}); make its folder writable"
                    " or point 'state' elsewhere, and run again"
                ) from exc
            raise InputError(
                f"{self.path}: not a readable diffinsight state file ({msg}); move it away"
                " (a new one is made) or point 'state' elsewhere"
            ) from exc
        return self

    def _open_schema(self, db: sqlite3.Connection) -> None:
        """Create, check and upgrade the tables; :class:`InputError` for a foreign file."""
        check = db.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check: {check[0] if check else 'no answer'}")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise InputError(
                f"{self.path}: written by a newer diffinsight (state version {version});"
                " upgrade diffinsight or point 'state' elsewhere"
            )
        # Checked before anything is created: a foreign file is refused as it was found.
        tables = {
            str(r[0]) for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if tables and not tables & set(_COLUMNS):
            raise InputError(
                f"{self.path}: not a diffinsight state file (it holds tables"
                f" {', '.join(sorted(tables)[:3])}); point 'state' elsewhere"
            )
        for table, needed in _COLUMNS.items():
            have = {str(r[1]) for r in db.execute(f"PRAGMA table_info({table})")}
            missing = sorted(needed - have)
            if have and missing:
                raise InputError(
                    f"{self.path}: not a diffinsight state file (table {table} has no"
                    f" {missing[0]} column); point 'state' elsewhere"
                )
        units = {str(r[1]) for r in db.execute("PRAGMA table_info(units)")}
        if version == 0 and "engine" in units:
            # Made by the first versioned release, which created the tables before it wrote
            # their version: a kill in between left step 2's columns at version 0.
            db.execute("PRAGMA user_version = 2")
        try:
            migrate(db, MIGRATIONS)
        except NewerSchema as exc:  # another process upgraded it since the check above
            raise InputError(
                f"{self.path}: written by a newer diffinsight (state version {exc.version});"
                " upgrade diffinsight or point 'state' elsewhere"
            ) from exc

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("State used outside its 'with' block")
        return self._db

    def _tx(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Run statements in one immediate transaction: all of them or none."""
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    db.execute(sql, args)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            # "database or disk is full", "attempt to write a readonly database", ...
            fix = "free space there" if "full" in str(exc) else "make it writable"
            raise OutputError(
                f"{self.path}: cannot update the state ({exc}); {fix} and run again"
            ) from exc

    def cursor(self, repo: str, branch: str) -> str | None:
        """The last processed commit of ``repo`` ``branch``, or None before the first run."""
        row = self.db.execute(
            "SELECT sha FROM cursors WHERE repo = ? AND branch = ?", (repo, branch)
        ).fetchone()
        return str(row[0]) if row else None

    def set_cursor(self, repo: str, branch: str, sha: str) -> None:
        """Record ``sha`` as processed (call only once every report up to it is written)."""
        if self.cursor(repo, branch) == sha:
            return  # leave the file untouched: a run with nothing new changes nothing
        self._tx(
            [
                (
                    "INSERT INTO cursors (repo, branch, sha, updated_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (repo, branch)"
                    " DO UPDATE SET sha = excluded.sha, updated_at = excluded.updated_at",
                    (repo, branch, sha, _now()),
                )
            ]
        )

    def unit_reports(
        self, repo: str, branch: str, day: str, base: str | None, head: str, settings: str
    ) -> list[ReportRow] | None:
        """The reports of a finished day with this range and settings, or None if not done."""
        row = self.db.execute(
            "SELECT base, head, settings FROM units WHERE repo = ? AND branch = ? AND day = ?",
            (repo, branch, day),
        ).fetchone()
        if row is None or tuple(row) != (base, head, settings):
            return None
        return self._rows("WHERE repo = ? AND branch = ? AND day = ?", (repo, branch, day))

    def record_unit(
        self,
        repo: str,
        branch: str,
        day: str,
        base: str | None,
        head: str,
        settings: str,
        rows: list[ReportRow],
        *,
        engine: str = "offline",
        llm_missed: str | None = None,
    ) -> list[str]:
        """Record a finished day and its reports in one transaction; paths it no longer has.

        ``engine`` wrote the day; ``llm_missed`` says why the model was wanted but not reached
        (the day is then retried, see :meth:`unit_engine`).
        """
        old = {
            r.path
            for r in self._rows("WHERE repo = ? AND branch = ? AND day = ?", (repo, branch, day))
        }
        stale = sorted(old - {r.path for r in rows})
        now = _now()
        stmts: list[tuple[str, tuple[Any, ...]]] = [
            ("DELETE FROM reports WHERE path = ?", (p,)) for p in stale
        ]
        stmts.append(
            (
                "INSERT INTO units (repo, branch, day, base, head, settings, done_at, engine,"
                " llm_missed, missed_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (repo, branch, day)"
                " DO UPDATE SET base = excluded.base, head = excluded.head,"
                " settings = excluded.settings, done_at = excluded.done_at,"
                " engine = excluded.engine, llm_missed = excluded.llm_missed,"
                " missed_since = CASE WHEN excluded.llm_missed IS NULL THEN NULL"
                " ELSE COALESCE(units.missed_since, excluded.missed_since) END",
                (
                    repo,
                    branch,
                    day,
                    base,
                    head,
                    settings,
                    now,
                    engine,
                    llm_missed,
                    now if llm_missed else None,
                ),
            )
        )
        for r in rows:
            stmts.append(
                (
                    "INSERT OR REPLACE INTO reports (path, repo, repo_name, branch, day, base,"
                    " head, category, language, title, permalink, summary, sha256, usage,"
                    " written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        r.path,
                        r.repo,
                        r.repo_name,
                        r.branch,
                        r.day,
                        r.base,
                        r.head,
                        r.category,
                        r.language,
                        r.title,
                        r.permalink,
                        r.summary,
                        r.sha256,
                        json.dumps(r.usage) if r.usage is not None else None,
                        now,
                    ),
                )
            )
        self._tx(stmts)
        return stale

    def unit_engine(self, repo: str, branch: str, day: str) -> tuple[str, str | None, str | None]:
        """(engine, why the model was missed or None, since when) of a recorded day."""
        row = self.db.execute(
            "SELECT engine, llm_missed, missed_since FROM units"
            " WHERE repo = ? AND branch = ? AND day = ?",
            (repo, branch, day),
        ).fetchone()
        if row is None:
            return "offline", None, None
        return str(row[0]), row[1], row[2]

    def day_paths(self, repo: str, branch: str, day: str) -> list[str]:
        """Paths of the reports recorded for one day of one repository."""
        return [
            r.path
            for r in self._rows("WHERE repo = ? AND branch = ? AND day = ?", (repo, branch, day))
        ]

    def reports(self) -> list[ReportRow]:
        """Every recorded report, newest day first."""
        return self._rows("", ())

    def deliveries(self, target: str) -> dict[tuple[str, str], tuple[str, str]]:
        """``(recipient, report path) -> (message key, status)`` of one notify target."""
        cur = self.db.execute(
            "SELECT recipient, report, message, status FROM deliveries WHERE target = ?", (target,)
        )
        return {(r[0], r[1]): (r[2], r[3]) for r in cur.fetchall()}

    def begin_delivery(
        self, target: str, recipient: str, message: str, reports: list[tuple[str, str]]
    ) -> None:
        """Record that ``message`` (carrying these ``(path, sha256)`` reports) is being sent."""
        now = _now()
        self._tx(
            [
                (
                    "INSERT OR REPLACE INTO deliveries (target, recipient, report, message,"
                    " sha256, status, updated_at) VALUES (?, ?, ?, ?, ?, 'sending', ?)",
                    (target, recipient, path, message, digest, now),
                )
                for path, digest in reports
            ]
        )

    def finish_delivery(self, target: str, recipient: str, message: str) -> None:
        """Record that the receiver accepted ``message``."""
        self._tx(
            [
                (
                    "UPDATE deliveries SET status = 'delivered', updated_at = ?"
                    " WHERE target = ? AND recipient = ? AND message = ?",
                    (_now(), target, recipient, message),
                )
            ]
        )

    def target_since(self, target: str, default: str) -> str:
        """The first report day a notify target gets: ``default`` when first seen."""
        row = self.db.execute(
            "SELECT since FROM notify_targets WHERE target = ?", (target,)
        ).fetchone()
        if row:
            return str(row[0])
        self._tx(
            [
                (
                    "INSERT INTO notify_targets (target, since) VALUES (?, ?)",
                    (target, default),
                )
            ]
        )
        return default

    def _rows(self, where: str, args: tuple[Any, ...]) -> list[ReportRow]:
        cur = self.db.execute(
            "SELECT path, repo, repo_name, branch, day, base, head, category, language, title,"
            f" permalink, summary, sha256, usage FROM reports {where}"
            " ORDER BY day DESC, repo_name, category, language",
            args,
        )
        names = [d[0] for d in cur.description]
        rows = []
        for values in cur.fetchall():
            data: dict[str, Any] = dict(zip(names, values, strict=True))
            data["usage"] = json.loads(data["usage"]) if data["usage"] else None
            rows.append(ReportRow(**data))
        return rows


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
