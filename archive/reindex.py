"""Rebuilding the provenance index and the CDXJ files from the WARC files alone (`nianbao archive reindex`)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import rows
from archive.cdxj import write_cdxj
from archive.index import ProvenanceIndex
from archive.seal import TornTail, seal_torn_tail
from archive.walk import WarcRecord, read_record, run_id_of_file, walk_file, warc_files


@dataclass
class Reindexed:
    files: int = 0
    fetches: int = 0
    discoveries: int = 0
    events: int = 0
    runs: int = 0
    sealed: list[TornTail] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the WARC files could not tell

    def lines(self) -> list[str]:
        counts = (
            f"reindexed {self.files} WARC files: {self.fetches} fetches, {self.discoveries} discoveries, "
            f"{self.events} events, {self.runs} runs"
        )
        return [*(f"sealed {torn}" for torn in self.sealed), counts, *self.notes]


class _Runs:
    """Runs as their start and end records describe them, in the order first seen."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.described: set[str] = set()  # runs with at least one run record

    def seen(self, run_id: str, date: str) -> None:
        row = self.rows.setdefault(run_id, {"run_id": run_id, "started_at": date, "status": None})
        row["last_date"] = date

    def record(self, run_id: str, fields: dict[str, Any], date: str) -> None:
        self.seen(run_id, date)
        row = self.rows[run_id]
        if run_id not in self.described:
            row["started_at"] = fields.get("started_at") or date
        self.described.add(run_id)
        for name in ("sites", "settings", "stats"):
            if fields.get(name) is not None:
                row[name] = fields[name]
        row["status"] = fields.get("status")
        if fields.get("status") != "running":
            row["finished_at"] = fields.get("finished_at") or date


def reindex(warc_dir: Path, index_path: Path, progress: Callable[[str], None] | None = None) -> Reindexed:
    """Rebuild ``index_path`` and every WARC file's CDXJ from the WARC files in ``warc_dir``. A torn tail is sealed
    first (archive.seal). The new index is written aside and renamed into place; the old one is kept as
    ``<index>.old``."""
    result = Reindexed()
    files = warc_files(warc_dir)
    for path in files:
        torn = seal_torn_tail(path)
        if torn is not None:
            result.sealed.append(torn)
    staging = index_path.with_name(f".{index_path.name}.reindex-{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    runs = _Runs()
    try:
        with ProvenanceIndex(staging) as index:
            responses: dict[str, tuple[str, int]] = {}  # record id -> where, to find a revisit's original
            for number, path in enumerate(files, 1):
                if progress:
                    progress(f"reindex: {number}/{len(files)} {path.name}")
                _index_file(index, warc_dir, path, responses, runs, result)
                write_cdxj(path)
                result.files += 1
            _write_runs(index, runs, result)
    except BaseException:
        for suffix in ("", "-wal", "-shm"):  # a failed rebuild leaves the old index alone and nothing beside it
            staging.with_name(staging.name + suffix).unlink(missing_ok=True)
        raise
    _replace(staging, index_path)
    return result


def _index_file(
    index: ProvenanceIndex,
    warc_dir: Path,
    path: Path,
    responses: dict[str, tuple[str, int]],
    runs: _Runs,
    result: Reindexed,
    missing_only: ProvenanceIndex | None = None,
) -> None:
    """Index one file's records. With ``missing_only`` (the live index), only the fetches that index lacks."""
    run_of_warcinfo: dict[str, str] = {}
    file_run = run_id_of_file(path.name) or path.name
    fetches: list[dict[str, Any]] = []
    by_response: dict[str, dict[str, Any]] = {}
    for record in walk_file(path):
        if record.rec_type == "warcinfo":
            fields = dict(line.split(": ", 1) for line in record.payload.decode().split("\r\n") if ": " in line)
            run_of_warcinfo[record.record_id] = fields.get("nianbao-run-id", file_run)
            continue
        run_id = run_of_warcinfo.get(record.header("WARC-Warcinfo-ID") or "", file_run)
        runs.seen(run_id, record.header("WARC-Date") or "")
        kind = rows.kind_of(record)
        if record.rec_type in ("response", "revisit"):
            if record.rec_type == "response":
                responses[record.record_id] = (record.warc_file, record.offset)
            row = rows.exchange_row(record, run_id, _body(warc_dir, record, responses))
            fetches.append(row)
            by_response[record.record_id] = row
        elif record.rec_type == "request":
            row_of = by_response.get(record.header("WARC-Concurrent-To") or "")
            if row_of is not None:
                rows.add_request(row_of, record)
        elif kind == "outcome":
            fetches.append(rows.outcome_row(record, run_id))
        elif kind in ("discovery", "event", "run") and missing_only is None:
            _add_metadata(index, kind, record, run_id, runs, result)
    if missing_only is not None:
        fetches = [row for row in fetches if missing_only.find_by_record_id(row["warc_record_id"]) is None]
    for row in fetches:
        index.add_fetch(**row)
    result.fetches += len(fetches)


def index_missing_fetches(warc_dir: Path, path: Path, index: ProvenanceIndex) -> int:
    """Index the fetches whose records ``path`` holds but ``index`` lacks: a crawl killed between writing a record
    and its index row (the WARC comes first). A resumed run catches up so; returns how many rows it added."""
    result = Reindexed()
    _index_file(index, warc_dir, path, _IndexedResponses(index), _Runs(), result, missing_only=index)
    return result.fetches


def recover_run(warc_dir: Path, run_id: str, index: ProvenanceIndex) -> list[tuple[str, str]]:
    """Put right what a kill left in the run's WARC files: a torn tail sealed (archive.seal), and the records written
    just before the kill but not yet indexed (the WARC comes first) added to the index. Returns (event, detail)."""
    done = []
    for path in sorted(warc_dir.glob(f"nianbao-{run_id}-*.warc.gz")):
        torn = seal_torn_tail(path)
        if torn is not None:
            done.append(("torn_record_sealed", str(torn)))
        added = index_missing_fetches(warc_dir, path, index)
        if added:
            done.append(("index_caught_up", f"{added} fetches archived in {path.name} were not indexed: now they are"))
    return done


class _IndexedResponses(dict[str, tuple[str, int]]):
    """Where responses are: those read so far, else where the live index says (a revisit's original)."""

    def __init__(self, index: ProvenanceIndex) -> None:
        super().__init__()
        self.index = index

    def get(self, record_id: str, default: Any = None) -> Any:
        if record_id in self:
            return self[record_id]
        row = self.index.find_by_record_id(record_id)
        return (row["warc_file"], row["warc_offset"]) if row else default


def _body(warc_dir: Path, record: WarcRecord, responses: dict[str, tuple[str, int]]) -> bytes | None:
    if record.rec_type == "response":
        return record.payload
    if record.header("WARC-Payload-Digest") is None:
        return b""  # a server-not-modified revisit: the 304 had no body
    where = responses.get(record.header("WARC-Refers-To") or "")
    if where is None:
        return None  # its original is in no file read so far
    return read_record(warc_dir, *where).payload


def _add_metadata(
    index: ProvenanceIndex, kind: str, record: WarcRecord, run_id: str, runs: _Runs, result: Reindexed
) -> None:
    fields = rows.metadata_fields(record)
    run_id = fields.get("run_id") or run_id
    date = record.header("WARC-Date") or ""
    if kind == "discovery":
        names = ("site", "title", "year", "agency_hint", "referrer")
        added = index.add_discovery(
            run_id,
            fields["url"],
            fields["kind"],
            found_at=fields.get("found_at") or date,
            **{name: fields.get(name) for name in names},
        )
        result.discoveries += added is not None
    elif kind == "event":
        index.add_event(
            run_id, fields["kind"], fields.get("detail") or "", site=fields.get("site"), url=fields.get("url"),
            at=fields.get("at") or date,
        )  # fmt: skip
        result.events += 1
    else:
        runs.record(run_id, fields, date)


def _write_runs(index: ProvenanceIndex, runs: _Runs, result: Reindexed) -> None:
    undescribed = [run_id for run_id in runs.rows if run_id not in runs.described]
    for run_id, row in runs.rows.items():
        index.start_run(run_id, row.get("sites") or [], row.get("settings"), started_at=row["started_at"])
        status = row["status"]
        if run_id in undescribed:
            status = "finished"  # written before run records: how it ended is not in the WARC files
        elif status in (None, "running"):
            status = "interrupted"  # a start record and no end: the process died
        index.finish_run(run_id, status, row.get("stats"), finished_at=row.get("finished_at") or row["last_date"])
        result.runs += 1
    if undescribed:
        result.notes.append(
            f"{len(undescribed)} runs have no run records (WARC files written before nianbao archived runs): "
            "their rows come from the WARC files' dates, marked finished, without settings or stats"
        )
    if result.discoveries == 0:
        result.notes.append(
            "the WARC files hold no discovery records (an archive written before nianbao archived discoveries): "
            "the rebuilt index has no discoveries, so `nianbao build` finds no reports in it; keep the old index "
            "(renamed .old) for such an archive"
        )


def _replace(staging: Path, index_path: Path) -> None:
    """Rename the new index into place, the old one (its write-ahead log folded in first) kept as ``.old``."""
    if index_path.exists():
        with sqlite3.connect(index_path) as old:
            old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        old.close()
        os.replace(index_path, index_path.with_name(index_path.name + ".old"))
    for suffix in ("-wal", "-shm"):  # an old log next to the new file would be replayed into it
        index_path.with_name(index_path.name + suffix).unlink(missing_ok=True)
    os.replace(staging, index_path)
