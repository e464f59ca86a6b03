"""The parse cache: parse results by (payload SHA-256, Content-Type, parser version), in one SQLite file of the data
directory. The Content-Type is part of the key because parse() reads it (an HTML page's charset).

A rebuild after no change in the archive parses nothing; a new parser version parses everything again (results of
other versions are dropped once a build has finished with the current one). Each result is stored whole (zlib'd
JSON, for the rows of its report) and as a small summary (what the build keeps in memory to choose reports, name
agencies and chain years), so a build never holds every result at once.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from parsers.model import ParseResult

# Of the cache file (3: summaries carry a document's content, which tells versions apart); a file of another layout
# is emptied (it is only a cache).
LAYOUT = 3
SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    sha256          TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    parser_version  TEXT NOT NULL,
    summary         TEXT NOT NULL,
    record          BLOB NOT NULL,
    PRIMARY KEY (sha256, content_type, parser_version)
)
"""

Key = tuple[str, str]  # (sha256, content type or "")


def document_key(fetch: Mapping[str, Any]) -> Key:
    """The key of the document a fetch archived."""
    return fetch["sha256"], fetch["content_type"] or ""


class ParseCache:
    def __init__(self, path: Path, parser_version: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.version = parser_version
        self._conn = sqlite3.connect(path)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")  # a lost result is parsed again; nothing else is at risk
        if self._conn.execute("PRAGMA user_version").fetchone()[0] != LAYOUT:
            self._conn.execute("DROP TABLE IF EXISTS results")
            self._conn.execute(f"PRAGMA user_version = {LAYOUT}")
        self._conn.execute(SCHEMA)

    def close(self) -> None:
        self._conn.commit()
        self._conn.close()

    def summaries(self, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
        """The summaries of those of `keys` that this parser version has parsed."""
        wanted = set(keys)
        shas = sorted({sha for sha, _ in wanted})
        found: dict[Key, dict[str, Any]] = {}
        for start in range(0, len(shas), 500):  # SQLite's limit on bound parameters
            batch = shas[start : start + 500]
            placeholders = ",".join("?" * len(batch))
            sql = f"SELECT sha256, content_type, summary FROM results WHERE parser_version = ? AND sha256 IN ({placeholders})"  # noqa: S608, E501 - placeholders only
            rows = self._conn.execute(sql, [self.version, *batch])
            found.update(((sha, ct), json.loads(s)) for sha, ct, s in rows if (sha, ct) in wanted)
        return found

    def result(self, key: Key) -> ParseResult:
        row = self._conn.execute(
            "SELECT record FROM results WHERE sha256 = ? AND content_type = ? AND parser_version = ?",
            (*key, self.version),
        ).fetchone()
        if row is None:
            raise KeyError(f"no parse result of {key} for parser version {self.version}")
        return ParseResult.from_record(json.loads(zlib.decompress(row[0])))

    def put(self, key: Key, result: ParseResult, summary: dict[str, Any]) -> None:
        record = zlib.compress(json.dumps(result.to_record(), ensure_ascii=False).encode())
        self._conn.execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?)",
            (*key, self.version, json.dumps(summary, ensure_ascii=False), record),
        )

    def commit(self) -> None:
        self._conn.commit()

    def drop_other_versions(self) -> int:
        with self._conn:
            return self._conn.execute("DELETE FROM results WHERE parser_version != ?", (self.version,)).rowcount
