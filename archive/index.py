"""Provenance index: a SQLite catalogue of every fetch, run and discovered link.

The crawl writes it (common.datadir says where); the build reads it to find records in the WARCs.
It is a catalogue, not the archive: everything needed to rebuild the database is in the WARCs.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.records import warc_date

# 2: discoveries are unique per (run, url, kind, referrer), no longer per (run, url, kind)
# 3: run_events (created by SCHEMA; older tables are kept as they are)
SCHEMA_VERSION = 3
RUN_STATUSES = ("running", "finished", "failed", "interrupted")

# One row per link: the same document linked from two pages is two rows (the build needs both pages).
DISCOVERIES_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS discoveries (
    id          INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL,
    site        TEXT,
    url         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    title       TEXT,
    year        INTEGER,
    agency_hint TEXT,
    referrer    TEXT,
    found_at    TEXT NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS discoveries_url ON discoveries (url)",
    "CREATE UNIQUE INDEX IF NOT EXISTS discoveries_once ON discoveries (run_id, url, kind, coalesce(referrer, ''))",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id        TEXT PRIMARY KEY,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    status        TEXT NOT NULL,
    sites_json    TEXT,
    settings_json TEXT,
    stats_json    TEXT
);

CREATE TABLE IF NOT EXISTS fetches (
    id                  INTEGER PRIMARY KEY,
    run_id              TEXT NOT NULL,
    site                TEXT,
    url                 TEXT NOT NULL,
    method              TEXT NOT NULL DEFAULT 'GET',
    fetched_at          TEXT NOT NULL,
    status              INTEGER,
    outcome             TEXT NOT NULL,
    content_type        TEXT,
    length              INTEGER,
    sha256              TEXT,
    payload_digest      TEXT,
    etag                TEXT,
    last_modified       TEXT,
    headers_json        TEXT,
    ip                  TEXT,
    referrer            TEXT,
    warc_file           TEXT,
    warc_offset         INTEGER,
    warc_length         INTEGER,
    warc_record_id      TEXT,
    record_type         TEXT,
    refers_to_record_id TEXT,
    error               TEXT
);
CREATE INDEX IF NOT EXISTS fetches_url ON fetches (url);
CREATE INDEX IF NOT EXISTS fetches_sha256 ON fetches (sha256);
CREATE INDEX IF NOT EXISTS fetches_payload_digest ON fetches (payload_digest);
CREATE INDEX IF NOT EXISTS fetches_run_id ON fetches (run_id);
CREATE INDEX IF NOT EXISTS fetches_warc_record_id ON fetches (warc_record_id);

CREATE TABLE IF NOT EXISTS run_events (
    id     INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    site   TEXT,
    kind   TEXT NOT NULL,
    url    TEXT,
    detail TEXT,
    at     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS run_events_run_id ON run_events (run_id);
""" + "".join(f"{statement};\n" for statement in DISCOVERIES_SCHEMA)


FETCH_COLUMNS = (
    "run_id", "site", "url", "method", "fetched_at", "status", "outcome", "content_type", "length",
    "sha256", "payload_digest", "etag", "last_modified", "headers_json", "ip", "referrer",
    "warc_file", "warc_offset", "warc_length", "warc_record_id", "record_type",
    "refers_to_record_id", "error",
)  # fmt: skip
_FETCH_REQUIRED = ("run_id", "url", "fetched_at", "outcome")


def _now() -> str:
    return warc_date(datetime.now(UTC))


def _text_time(value: datetime | str | None) -> str | None:
    # Same format as WARC-Date, so a fetch row's fetched_at can serve as WARC-Refers-To-Date.
    return warc_date(value) if isinstance(value, datetime) else value


def _to_json(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    # default=str: Scrapy settings and stats carry datetimes and other non-JSON values.
    return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict), default=str)


class ProvenanceIndex:
    """Thin layer over the index's SQLite file (WAL mode, one connection per instance)."""

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        """Open (and, unless ``readonly``, create) the index file at ``path``."""
        self.path = Path(path)
        if readonly:
            # The build must never alter provenance; mode=ro makes that a guarantee.
            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA busy_timeout = 10000")
        if not readonly:
            self._conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL is safe with WAL against application crashes; the WARCs stay the source of truth.
            self._conn.execute("PRAGMA synchronous = NORMAL")
            with self._conn:
                self._migrate()
                self._conn.executescript(SCHEMA)
                self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _migrate(self) -> None:
        """Bring an index written by an older version up to SCHEMA_VERSION, keeping every row."""
        (version,) = self._conn.execute("PRAGMA user_version").fetchone()
        tables = {name for (name,) in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version < 2 and "discoveries" in tables:
            # Version 1 kept one discovery per (run, url, kind): a document linked from two pages lost its second.
            # One transaction (execute, not executescript, which would commit halfway).
            self._conn.execute("ALTER TABLE discoveries RENAME TO discoveries_v1")
            self._conn.execute("DROP INDEX IF EXISTS discoveries_url")
            for statement in DISCOVERIES_SCHEMA:
                self._conn.execute(statement)
            self._conn.execute("INSERT INTO discoveries SELECT * FROM discoveries_v1")
            self._conn.execute("DROP TABLE discoveries_v1")

    def __enter__(self) -> ProvenanceIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    # -- runs ---------------------------------------------------------------------------------

    def start_run(
        self,
        run_id: str,
        sites: Iterable[str],
        settings: Any,
        started_at: datetime | str | None = None,
    ) -> None:
        """Record a run as ``running``; ``sites`` (site keys) and ``settings`` are stored as JSON.

        Starting an existing run id again (a resumed crawl) keeps its ``started_at`` and sets it
        back to running.
        """
        sites = sites if isinstance(sites, dict) else list(sites)
        with self._conn:
            self._conn.execute(
                """
                INSERT INTO runs (run_id, started_at, status, sites_json, settings_json)
                VALUES (?, ?, 'running', ?, ?)
                ON CONFLICT (run_id) DO UPDATE SET
                    status = 'running', finished_at = NULL,
                    sites_json = excluded.sites_json, settings_json = excluded.settings_json
                """,
                (run_id, _text_time(started_at) or _now(), _to_json(sites), _to_json(settings)),
            )

    def finish_run(
        self,
        run_id: str,
        status: str,
        stats: Any = None,
        finished_at: datetime | str | None = None,
    ) -> None:
        """Close a run with status ``finished``, ``failed`` or ``interrupted``."""
        if status not in RUN_STATUSES or status == "running":
            raise ValueError(f"finish status must be finished, failed or interrupted, got {status!r}")
        with self._conn:
            cursor = self._conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, stats_json = ? WHERE run_id = ?",
                (status, _text_time(finished_at) or _now(), _to_json(stats), run_id),
            )
        if cursor.rowcount != 1:
            raise KeyError(f"no run {run_id!r}")

    def mark_interrupted(self) -> list[str]:
        """Runs still ``running`` become ``interrupted``; returns their ids, oldest first.

        Only the data directory's lock holder runs a crawl, so, called by the holder before it starts anything, a
        ``running`` row is a process that died without closing its run (SIGKILL, a power cut). It ended some time
        after its last archived fetch: that time is its ``finished_at`` (its start when it fetched nothing), and
        stats_json ``nianbao/error`` says what happened.
        """
        reason = "the crawl process ended without closing its run (killed, or the machine stopped)"
        with self._conn:
            rows = self._conn.execute(
                """
                UPDATE runs SET
                    status = 'interrupted',
                    finished_at = coalesce(
                        (SELECT max(fetched_at) FROM fetches WHERE fetches.run_id = runs.run_id), started_at),
                    stats_json = json_set(coalesce(stats_json, '{}'), '$."nianbao/error"', ?)
                WHERE status = 'running'
                RETURNING run_id, started_at
                """,
                (reason,),
            ).fetchall()
        return [row["run_id"] for row in sorted(rows, key=lambda row: (row["started_at"], row["run_id"]))]

    def runs(self) -> list[dict[str, Any]]:
        """All runs, oldest first."""
        rows = self._conn.execute("SELECT * FROM runs ORDER BY started_at, run_id")
        return [dict(row) for row in rows]

    # -- fetches ------------------------------------------------------------------------------

    def add_fetch(self, **fields: Any) -> int:
        """Insert one fetch row and return its id.

        Keys are ``fetches`` column names (see FETCH_COLUMNS); unknown keys raise ValueError.
        Datetimes become WARC-style UTC text and non-str ``headers_json`` values are JSON-encoded.
        ``RecordLocation.index_fields()`` supplies the warc_* columns.
        """
        unknown = set(fields) - set(FETCH_COLUMNS)
        if unknown:
            raise ValueError(f"unknown fetch fields: {sorted(unknown)}")
        missing = [name for name in _FETCH_REQUIRED if fields.get(name) is None]
        if missing:
            raise ValueError(f"missing fetch fields: {missing}")
        fields["fetched_at"] = _text_time(fields["fetched_at"])
        if "headers_json" in fields:
            fields["headers_json"] = _to_json(fields["headers_json"])
        columns = list(fields)
        # Column names come from FETCH_COLUMNS (checked above), never from caller text.
        sql = f"INSERT INTO fetches ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
        with self._conn:
            cursor = self._conn.execute(sql, [fields[name] for name in columns])
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def find_by_payload_digest(self, digest: str) -> dict[str, Any] | None:
        """The earliest ``response`` row with this payload digest: the target for a revisit."""
        row = self._conn.execute(
            """
            SELECT * FROM fetches WHERE payload_digest = ? AND record_type = 'response'
            ORDER BY fetched_at, id LIMIT 1
            """,
            (digest,),
        ).fetchone()
        return dict(row) if row else None

    def find_by_record_id(self, record_id: str) -> dict[str, Any] | None:
        """The fetch row whose WARC record has this WARC-Record-ID (used to resolve revisits)."""
        row = self._conn.execute(
            "SELECT * FROM fetches WHERE warc_record_id = ? ORDER BY id LIMIT 1", (record_id,)
        ).fetchone()
        return dict(row) if row else None

    def last_response(self, url: str, *, not_run: str) -> dict[str, Any] | None:
        """The newest 200 or 304 of ``url`` in a run other than ``not_run``, which a re-crawl revalidates or reads
        back; None when a 4xx came after it (a page since gone is fetched again). A 5xx or a challenge passes."""
        row = self._conn.execute(
            """
            SELECT * FROM fetches
            WHERE url = ? AND run_id != ? AND record_type IN ('response', 'revisit')
              AND (status IN (200, 304) OR (outcome = 'http_error' AND status < 500))
            ORDER BY id DESC LIMIT 1
            """,
            (url, not_run),
        ).fetchone()
        return dict(row) if row and row["status"] in (200, 304) else None

    def run_responses(self, run_id: str) -> dict[str, dict[str, Any]]:
        """URL -> the last fetch of the run with an archived HTTP response (a resumed run answers from these)."""
        rows = self._conn.execute(
            """
            SELECT * FROM fetches WHERE run_id = ? AND record_type IN ('response', 'revisit') ORDER BY id
            """,
            (run_id,),
        )
        return {row["url"]: dict(row) for row in rows}

    def run_outcome_urls(self, run_id: str, outcome: str) -> set[str]:
        """URLs of the run's fetches with this outcome (a resumed run does not record a robots refusal twice)."""
        rows = self._conn.execute("SELECT url FROM fetches WHERE run_id = ? AND outcome = ?", (run_id, outcome))
        return {url for (url,) in rows}

    def fetches(self, run_id: str | None = None) -> Iterator[dict[str, Any]]:
        """Fetch rows in insertion order, optionally of one run."""
        if run_id is None:
            rows = self._conn.execute("SELECT * FROM fetches ORDER BY id")
        else:
            rows = self._conn.execute("SELECT * FROM fetches WHERE run_id = ? ORDER BY id", (run_id,))
        for row in rows:
            yield dict(row)

    # -- discoveries --------------------------------------------------------------------------

    def add_discovery(
        self,
        run_id: str,
        url: str,
        kind: str,
        *,
        site: str | None = None,
        title: str | None = None,
        year: int | None = None,
        agency_hint: str | None = None,
        referrer: str | None = None,
        found_at: datetime | str | None = None,
    ) -> int | None:
        """Record a link found on a page; returns the new id, or None if this run already has this link (the same
        url and kind from the same referrer)."""
        with self._conn:
            cursor = self._conn.execute(
                """
                INSERT INTO discoveries (run_id, site, url, kind, title, year, agency_hint, referrer, found_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """,
                (run_id, site, url, kind, title, year, agency_hint, referrer, _text_time(found_at) or _now()),
            )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def known_urls(self, kinds: Iterable[str], *, not_run: str) -> set[str]:
        """URLs discovered as one of ``kinds`` by runs other than ``not_run`` (read once per crawl: one scan)."""
        kinds = list(kinds)
        marks = ", ".join("?" * len(kinds))
        rows = self._conn.execute(
            f"SELECT DISTINCT url FROM discoveries WHERE kind IN ({marks}) AND run_id != ?",  # noqa: S608
            (*kinds, not_run),
        )
        return {url for (url,) in rows}

    def discoveries(self, run_id: str | None = None) -> Iterator[dict[str, Any]]:
        """Discovery rows in insertion order, optionally of one run."""
        if run_id is None:
            rows = self._conn.execute("SELECT * FROM discoveries ORDER BY id")
        else:
            rows = self._conn.execute("SELECT * FROM discoveries WHERE run_id = ? ORDER BY id", (run_id,))
        for row in rows:
            yield dict(row)

    # -- events -------------------------------------------------------------------------------

    def add_event(
        self,
        run_id: str,
        kind: str,
        detail: str,
        *,
        site: str | None = None,
        url: str | None = None,
        at: datetime | str | None = None,
    ) -> int:
        """Record something that happened in a run beside its fetches (``list_limit``, ``no_network``, ``disk_low``,
        ``write_error``, ``torn_record_sealed``); returns the new id."""
        with self._conn:
            cursor = self._conn.execute(
                "INSERT INTO run_events (run_id, site, kind, url, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, site, kind, url, detail, _text_time(at) or _now()),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def events(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Event rows in insertion order, optionally of one run."""
        if run_id is None:
            rows = self._conn.execute("SELECT * FROM run_events ORDER BY id")
        else:
            rows = self._conn.execute("SELECT * FROM run_events WHERE run_id = ? ORDER BY id", (run_id,))
        return [dict(row) for row in rows]
