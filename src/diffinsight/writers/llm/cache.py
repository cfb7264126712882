"""A content-addressed SQLite cache of model answers, which is also the log of every call.

The key is a hash of model, messages and parameters, so the same diff asked the same way in a
later run, or inside another range, costs nothing. ``responses`` holds one answer per key;
``calls`` logs each call (cached or not) with its prompt, answer, tokens and duration. The
layout is versioned (:data:`MIGRATIONS`): a file from an older release is upgraded in place and
keeps serving its answers.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

from diffinsight._sqlite import Migration, NewerSchema, migrate
from diffinsight.errors import ConfigError
from diffinsight.providers.base import ChatRequest, ChatResult, Usage

#: The layout, as an append-only list of migrations (``PRAGMA user_version`` counts them).
#: 1: the tables as first released (files from then carry version 0 and get them as they are);
#: 2: each logged call records the salt its key was made with (the checks' version).
MIGRATIONS: list[Migration] = [
    (
        """CREATE TABLE IF NOT EXISTS responses (
            key TEXT PRIMARY KEY,
            model TEXT NOT NULL,
            content TEXT NOT NULL,
            finish_reason TEXT NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            created REAL NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS calls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts REAL NOT NULL,
            key TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            purpose TEXT NOT NULL,
            messages TEXT NOT NULL,
            params TEXT NOT NULL,
            response TEXT,
            finish_reason TEXT,
            error TEXT,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cached INTEGER NOT NULL DEFAULT 0,
            duration_ms INTEGER NOT NULL DEFAULT 0
        )""",
    ),
    ("ALTER TABLE calls ADD COLUMN salt TEXT NOT NULL DEFAULT ''",),
]
SCHEMA_VERSION = len(MIGRATIONS)


def request_key(request: ChatRequest, salt: str = "") -> str:
    """sha256 over model, messages, answer-shaping parameters and ``salt`` (canonical JSON)."""
    data = {"model": request.model, "messages": request.messages, "params": request.params()}
    if salt:
        data["salt"] = salt
    blob = json.dumps(
        data,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class CallCache:
    """Thread-safe cache + log in one SQLite file (``:memory:`` for a throwaway one)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(
                    f"llm.cache {self.path}: cannot create its folder ({exc}); set another path or off"
                ) from exc
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            migrate(self._db, MIGRATIONS)
        except NewerSchema as exc:
            self._db.close()
            raise ConfigError(
                f"llm.cache {self.path}: written by a newer diffinsight ({exc});"
                " upgrade diffinsight, or set another path or off"
            ) from exc
        except sqlite3.Error as exc:
            raise ConfigError(
                f"llm.cache {self.path}: not a usable SQLite file ({exc}); set another path or off"
            ) from exc
        self._lock = threading.Lock()

    def get(self, key: str) -> ChatResult | None:
        """The stored answer for ``key``, marked cached."""
        with self._lock:
            row = self._db.execute(
                "SELECT content, finish_reason, input_tokens, output_tokens, model"
                " FROM responses WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        return ChatResult(
            content=row[0],
            finish_reason=row[1],
            usage=Usage(int(row[2]), int(row[3])),
            model=row[4],
            cached=True,
        )

    def put(self, key: str, result: ChatResult) -> None:
        """Store an answer worth reusing (the caller decides which are)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, model, content, finish_reason,"
                " input_tokens, output_tokens, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    result.model,
                    result.content,
                    result.finish_reason,
                    result.usage.input_tokens,
                    result.usage.output_tokens,
                    time.time(),
                ),
            )

    def forget(self, key: str) -> None:
        """Drop an answer that turned out unusable, so a later run asks again."""
        with self._lock:
            self._db.execute("DELETE FROM responses WHERE key = ?", (key,))

    def log(
        self,
        key: str,
        provider: str,
        purpose: str,
        request: ChatRequest,
        result: ChatResult | None,
        error: str | None,
        duration: float,
        salt: str = "",
    ) -> None:
        """Append one call to the log (``salt``: what the key was salted with)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO calls (ts, key, provider, model, purpose, messages, params, response,"
                " finish_reason, error, input_tokens, output_tokens, cached, duration_ms, salt)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    key,
                    provider,
                    request.model,
                    purpose,
                    json.dumps(request.messages, ensure_ascii=False),
                    json.dumps(request.params(), ensure_ascii=False),
                    result.content if result else None,
                    result.finish_reason if result else None,
                    error,
                    result.usage.input_tokens if result else 0,
                    result.usage.output_tokens if result else 0,
                    int(bool(result and result.cached)),
                    int(duration * 1000),
                    salt,
                ),
            )

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
