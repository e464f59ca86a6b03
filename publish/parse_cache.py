"""The parse cache: parse results by (payload SHA-256, parser version), in one SQLite file of the data directory.

A rebuild after no change in the archive parses nothing; a new parser version parses everything again (results of
other versions are dropped once a build has finished with the current one). Each result is stored whole (zlib'd
JSON, for the rows of its report) and as a small summary (what the build keeps in memory to choose reports, name
agencies and chain years), so a build never holds every result at once.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from parsers.model import ParseResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    sha256          TEXT NOT NULL,
    parser_version  TEXT NOT NULL,
    summary         TEXT NOT NULL,
    record          BLOB NOT NULL,
    PRIMARY KEY (sha256, parser_version)
)
"""


class ParseCache:
    def __init__(self, path: Path, parser_version: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.version = parser_version
        self._conn = sqlite3.connect(path)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")  # a lost result is parsed again; nothing else is at risk
        self._conn.execute(SCHEMA)

    def close(self) -> None:
        self._conn.commit()
        self._conn.close()

    def summaries(self, shas: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The summaries of those of `shas` that this parser version has parsed."""
        wanted = list(dict.fromkeys(shas))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):  # SQLite's limit on bound parameters
            batch = wanted[start : start + 500]
            placeholders = ",".join("?" * len(batch))
            rows = self._conn.execute(
                f"SELECT sha256, summary FROM results WHERE parser_version = ? AND sha256 IN ({placeholders})",  # noqa: S608
                [self.version, *batch],
            )
            found.update((sha, json.loads(summary)) for sha, summary in rows)
        return found

    def result(self, sha256: str) -> ParseResult:
        row = self._conn.execute(
            "SELECT record FROM results WHERE sha256 = ? AND parser_version = ?", (sha256, self.version)
        ).fetchone()
        if row is None:
            raise KeyError(f"no parse result of {sha256} for parser version {self.version}")
        return ParseResult.from_record(json.loads(zlib.decompress(row[0])))

    def put(self, sha256: str, result: ParseResult, summary: dict[str, Any]) -> None:
        record = zlib.compress(json.dumps(result.to_record(), ensure_ascii=False).encode())
        self._conn.execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)",
            (sha256, self.version, json.dumps(summary, ensure_ascii=False), record),
        )

    def commit(self) -> None:
        self._conn.commit()

    def drop_other_versions(self) -> int:
        with self._conn:
            return self._conn.execute("DELETE FROM results WHERE parser_version != ?", (self.version,)).rowcount
