"""Checking the archive (`nianbao archive verify`): every record whole and matching its digests, every gzip member
complete, and the provenance index and the CDXJ files against the WARC files, both ways."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import rows
from archive.cdxj import REPLAYED_RECORDS, cdxj_path, parse_line
from archive.index import ProvenanceIndex
from archive.members import ArchiveIntegrityError, TornRecordError
from archive.walk import WarcRecord, run_id_of_file, walk_file, warc_files

_PROGRESS_SECONDS = 5.0


@dataclass(frozen=True)
class Problem:
    warc_file: str
    offset: int | None
    record_id: str | None
    what: str

    def __str__(self) -> str:
        where = self.warc_file if self.offset is None else f"{self.warc_file}:{self.offset}"
        return f"{where} {self.record_id or '-'}: {self.what}"


@dataclass
class Verified:
    files: int = 0
    records: int = 0
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)


class _Index:
    """What the provenance index says, keyed the way records find it; rows are removed as records claim them."""

    def __init__(self, index_path: Path) -> None:
        with ProvenanceIndex(index_path, readonly=True) as index:
            self.fetches = {(f["warc_file"], f["warc_offset"]): f for f in index.fetches() if f["warc_file"]}
            self.discoveries = {rows.discovery_key(d["run_id"], d) for d in index.discoveries()}
            self.events = {rows.event_key(e["run_id"], e) for e in index.events()}
            self.runs = {r["run_id"] for r in index.runs()}


def verify(warc_dir: Path, index_path: Path, progress: Callable[[str], None] | None = None) -> Verified:
    result = Verified()
    index = _Index(index_path) if index_path.exists() else None
    if index is None:
        result.problems.append(Problem(index_path.name, None, None, "no provenance index"))
    files = warc_files(warc_dir)
    last = time.monotonic()
    for number, path in enumerate(files, 1):
        cdxj = _load_cdxj(path, result)
        run_id = run_id_of_file(path.name) or path.name
        try:
            for record in walk_file(path):
                result.records += 1
                result.bytes += record.length
                _check_record(record, run_id, index, cdxj, result)
                if progress and time.monotonic() - last > _PROGRESS_SECONDS:
                    last = time.monotonic()
                    progress(f"verify: file {number}/{len(files)} {path.name}, {result.records} records so far")
        except TornRecordError as torn:
            result.problems.append(
                Problem(f"{warc_dir.name}/{path.name}", torn.offset, None, f"torn record: {torn.size} bytes of an "
                        "incomplete gzip member end the file (seal it: nianbao crawl --resume, or archive reindex)")
            )  # fmt: skip
        except ArchiveIntegrityError as e:
            result.problems.append(Problem(f"{warc_dir.name}/{path.name}", None, None, str(e)))
        for (offset, _), line in sorted((cdxj or {}).items()):
            result.problems.append(Problem(f"{warc_dir.name}/{path.name}", offset, None, f"CDXJ line without its "
                                           f"record: {line['url']}"))  # fmt: skip
        result.files += 1
        if progress:
            progress(f"verify: {number}/{len(files)} files, {result.records} records, {result.bytes} bytes")
    if index is not None:
        for (warc_file, offset), row in index.fetches.items():
            result.problems.append(
                Problem(warc_file, offset, row["warc_record_id"], f"index row {row['id']} ({row['url']}) points to "
                        "no such record")
            )  # fmt: skip
    return result


def _load_cdxj(path: Path, result: Verified) -> dict[tuple[int, str], dict[str, Any]] | None:
    """The CDXJ lines of one WARC file by (offset, url); None (one problem, not one per record) if it has none."""
    cdxj = cdxj_path(path)
    if not cdxj.exists():
        result.problems.append(Problem(f"{path.parent.name}/{path.name}", None, None, f"no CDXJ index ({cdxj.name})"))
        return None
    lines = {}
    with cdxj.open(encoding="utf-8") as fh:
        for line in fh:
            _, _, fields = parse_line(line)
            lines[(int(fields["offset"]), fields["url"])] = fields
    return lines


def _check_record(
    record: WarcRecord,
    file_run: str,
    index: _Index | None,
    cdxj: dict[tuple[int, str], dict[str, Any]] | None,
    result: Verified,
) -> None:
    def problem(what: str) -> None:
        result.problems.append(Problem(record.warc_file, record.offset, record.record_id, what))

    for what in record.problems:
        problem(what)
    url = record.header("WARC-Target-URI")
    if record.rec_type in REPLAYED_RECORDS and cdxj is not None:
        line = cdxj.pop((record.offset, url or ""), None)
        if line is None:
            problem("not in the CDXJ index")
        elif int(line["length"]) != record.length:
            problem(f"CDXJ length {line['length']}, record length {record.length}")
    kind = rows.kind_of(record)
    if index is None or not (record.rec_type in REPLAYED_RECORDS or kind):
        return
    if record.rec_type in REPLAYED_RECORDS or kind == "outcome":
        row = index.fetches.pop((record.warc_file, record.offset), None)
        if row is None:
            problem(f"{record.rec_type} record of {url} is not in the index")
            return
        expected = (record.record_id, record.rec_type, url, record.length)
        found = (row["warc_record_id"], row["record_type"], row["url"], row["warc_length"])
        if found != expected:
            problem(f"index row {row['id']} says {found}, the record is {expected}")
        return
    fields = rows.metadata_fields(record)
    run_id = fields.get("run_id") or file_run
    if kind == "discovery" and rows.discovery_key(run_id, fields) not in index.discoveries:
        problem(f"discovery of {fields.get('url')} is not in the index")
    elif kind == "event" and rows.event_key(run_id, fields) not in index.events:
        problem(f"event {fields.get('kind')} is not in the index")
    elif kind == "run" and run_id not in index.runs:
        problem(f"run {run_id} is not in the index")
