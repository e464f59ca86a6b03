"""Every record of the WARC files, whole and checked, one at a time: what verify, reindex and export read."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from archive.members import iter_members, read_member
from archive.reader import warc_path

_FILE_RUN_ID = re.compile(r"nianbao-(?P<run>[0-9A-Za-z_-]+)-\d{5}\.warc\.gz")


@dataclass
class WarcRecord:
    warc_file: str  # <warc folder>/<name>, as the index stores it
    offset: int
    length: int  # compressed bytes: one gzip member
    rec_type: str
    headers: StatusAndHeaders  # the WARC header fields
    http: StatusAndHeaders | None  # response, revisit and request records
    payload: bytes  # what follows the HTTP headers (the whole block for other records)
    problems: list[str] = field(default_factory=list)  # digests that do not match, a block shorter than its length

    @property
    def record_id(self) -> str:
        return self.headers.get_header("WARC-Record-ID") or ""

    def header(self, name: str) -> str | None:
        value = self.headers.get_header(name)
        return None if value is None else str(value)


def warc_files(warc_dir: str | os.PathLike[str]) -> list[Path]:
    """The WARC files of the archive, in name order (a run's files in the order written)."""
    return sorted(Path(warc_dir).glob("*.warc.gz"))


def run_id_of_file(name: str) -> str | None:
    """The run id in a file name written by WarcWriter (``nianbao-<run>-<serial>.warc.gz``)."""
    match = _FILE_RUN_ID.fullmatch(name)
    return match["run"] if match else None


def walk_file(path: Path) -> Iterator[WarcRecord]:
    """The records of one WARC file; TornRecordError / ArchiveIntegrityError after the last whole one if the file
    ends in a torn or broken member."""
    relative = f"{path.parent.name}/{path.name}"
    with path.open("rb") as fh:
        for offset, length, member in iter_members(fh, relative):
            yield parse_member(member, relative, offset, length)


def parse_member(member: bytes, warc_file: str, offset: int, length: int) -> WarcRecord:
    """One record from the decompressed bytes of its gzip member, its digests and length checked."""
    record = next(iter(ArchiveIterator(BytesIO(member), check_digests=True)))
    payload = record.raw_stream.read()
    problems = []
    if record.raw_stream.limit:
        problems.append(f"block is {record.raw_stream.limit} bytes short of its Content-Length")
    checker = record.digest_checker
    if checker is not None and checker.passed is False:
        problems.extend(checker.problems)
    return WarcRecord(
        warc_file, offset, length, record.rec_type, record.rec_headers, record.http_headers, payload, problems
    )


def read_record(warc_dir: str | os.PathLike[str], warc_file: str, offset: int) -> WarcRecord:
    """The record at ``warc_file``/``offset`` (a path as the index stores it)."""
    with warc_path(warc_dir, warc_file).open("rb") as fh:
        member, length = read_member(fh, offset, warc_file)
    return parse_member(member, warc_file, offset, length)
