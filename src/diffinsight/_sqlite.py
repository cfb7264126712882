"""Versioned SQLite layouts: ``PRAGMA user_version`` and an append-only list of migrations.

Migration *n* (1-based) takes a file from version *n - 1* to *n*; a released migration is never
edited, only followed by a new one, so every file ever written can be brought up to date.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

#: One migration: statements run in order, inside the transaction that sets the version.
Migration = Sequence[str]


class NewerSchema(Exception):
    """The file was written by a newer layout than this code knows."""

    def __init__(self, version: int) -> None:
        super().__init__(f"schema version {version}")
        self.version = version


def user_version(db: sqlite3.Connection) -> int:
    """The file's ``PRAGMA user_version`` (0 for a new or never-versioned file)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration]) -> int:
    """Bring ``db`` to version ``len(migrations)``, all steps in one transaction; the old version.

    ``db`` must be in autocommit mode (``isolation_level=None``). Raises :class:`NewerSchema`
    for a file from a newer layout, and leaves it untouched.
    """
    target = len(migrations)
    if user_version(db) == target:
        return target
    db.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have migrated meanwhile.
        version = user_version(db)
        if version > target:
            raise NewerSchema(version)
        for steps in migrations[version:]:
            for sql in steps:
                db.execute(sql)
        db.execute(f"PRAGMA user_version = {target}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return version
