"""Random access back into the archive: the build reads responses from here, never the network."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

from warcio.archiveiterator import ArchiveIterator

from archive.content import decode_content
from archive.members import ArchiveIntegrityError, iter_members, read_member

if TYPE_CHECKING:
    from archive.index import ProvenanceIndex

_MAX_REVISIT_HOPS = 4  # revisits normally point straight at a response; this only stops cycles


@dataclass(frozen=True)
class ArchivedResponse:
    """One archived HTTP response, body decoded from its Content-Encoding (charset untouched)."""

    url: str
    status: int
    reason: str
    headers: list[tuple[str, str]]  # as archived; non-UTF-8 header bytes come back latin-1 decoded
    content_type: str | None  # full Content-Type header value, e.g. "text/html; charset=gbk"
    body: bytes
    record_id: str
    record_type: str  # "response" or "revisit"
    date: str  # WARC-Date of this record
    refers_to: str | None = None  # revisits: record id of the response the body came from

    def header(self, name: str) -> str | None:
        """First value of a header, case-insensitively."""
        name = name.lower()
        return next((v for n, v in self.headers if n.lower() == name), None)


class RecordInfo(NamedTuple):
    warc_file: str  # <warc folder>/<name>, as stored in the index
    offset: int
    length: int
    record_type: str
    url: str | None
    record_id: str


def warc_path(warc_dir: str | os.PathLike[str], warc_file: str) -> Path:
    """Resolve a stored ``<warc folder>/<name>`` path, refusing anything outside ``warc_dir``."""
    folder = Path(warc_dir).name
    if not isinstance(warc_file, str) or not warc_file or "\x00" in warc_file or "\\" in warc_file:
        raise ValueError(f"invalid warc_file {warc_file!r}")
    relative = PurePosixPath(warc_file)
    if relative.is_absolute() or ".." in relative.parts or relative.parts[0] != folder:
        raise ValueError(f"warc_file must be a relative path under {folder}/: {warc_file!r}")
    base = Path(warc_dir).resolve()
    path = (Path(warc_dir).parent / relative).resolve()
    # resolve() follows symlinks, so a link inside the WARC folder cannot point the reader elsewhere.
    if not path.is_relative_to(base) or path == base:
        raise ValueError(f"warc_file escapes {base}: {warc_file!r}")
    return path


def read_response(
    warc_dir: str | os.PathLike[str],
    warc_file: str,
    offset: int,
    index: ProvenanceIndex | None = None,
) -> ArchivedResponse:
    """Read the response or revisit record at ``warc_file``/``offset``.

    A revisit carries only headers; its body is the original response's body (decoded with the
    original's Content-Encoding). The original is found by its ``WARC-Refers-To`` record id:
    through ``index.find_by_record_id`` when an index is given, otherwise (or if the index has
    no such row) by scanning every WARC in ``warc_dir`` - slow, but needs nothing but the WARCs.
    Payload digests are verified while reading; a mismatch raises ArchiveIntegrityError.
    """
    response = _read_one(warc_dir, warc_file, offset)
    seen = {response.record_id}
    current = response
    while current.record_type == "revisit":
        if len(seen) > _MAX_REVISIT_HOPS or current.refers_to is None:
            raise ArchiveIntegrityError(f"cannot resolve revisit {response.record_id}")
        location = _locate(warc_dir, current.refers_to, index)
        if location is None:
            raise ArchiveIntegrityError(f"revisit {current.record_id} refers to missing {current.refers_to}")
        current = _read_one(warc_dir, *location)
        if current.record_id in seen:
            raise ArchiveIntegrityError(f"revisit cycle at {current.record_id}")
        seen.add(current.record_id)
    if current is response:
        return response
    return ArchivedResponse(
        url=response.url,
        status=response.status,
        reason=response.reason,
        headers=response.headers,
        # A 304 usually omits Content-Type; the original's describes the body we return.
        content_type=response.content_type or current.content_type,
        body=current.body,
        record_id=response.record_id,
        record_type="revisit",
        date=response.date,
        refers_to=current.record_id,
    )


def iter_records(warc_dir: str | os.PathLike[str]) -> Iterator[RecordInfo]:
    """Every record of every ``warc_dir/*.warc.gz``, files in name order; TornRecordError after a file's last whole
    record if the file ends in a torn one."""
    directory = Path(warc_dir)
    for path in sorted(directory.glob("*.warc.gz")):
        relative = f"{directory.name}/{path.name}"
        with path.open("rb") as fh:
            for offset, length, member in iter_members(fh, relative):
                record = next(iter(ArchiveIterator(BytesIO(member))))
                headers = record.rec_headers
                yield RecordInfo(
                    relative,
                    offset,
                    length,
                    record.rec_type,
                    headers.get_header("WARC-Target-URI"),
                    headers.get_header("WARC-Record-ID"),
                )


def _locate(warc_dir: str | os.PathLike[str], record_id: str, index: ProvenanceIndex | None) -> tuple[str, int] | None:
    if index is not None:
        row = index.find_by_record_id(record_id)
        if row is not None and row["warc_file"] is not None:
            return row["warc_file"], row["warc_offset"]
    for info in iter_records(warc_dir):
        if info.record_id == record_id:
            return info.warc_file, info.offset
    return None


def _read_one(warc_dir: str | os.PathLike[str], warc_file: str, offset: int) -> ArchivedResponse:
    path = warc_path(warc_dir, warc_file)
    if not isinstance(offset, int) or offset < 0:
        raise ValueError(f"invalid offset {offset!r}")
    with path.open("rb") as fh:
        member, _ = read_member(fh, offset, warc_file)  # the whole record, or TornRecordError
    record = next(iter(ArchiveIterator(BytesIO(member), check_digests=True)), None)
    if record is None:
        raise ValueError(f"no record at {warc_file}:{offset}")
    if record.rec_type not in ("response", "revisit") or record.http_headers is None:
        raise ValueError(f"{warc_file}:{offset} is a {record.rec_type} record, not an HTTP response")
    payload = record.raw_stream.read()  # read in full, so the digest check below has seen every byte
    if record.raw_stream.limit:
        raise ArchiveIntegrityError(
            f"{warc_file}:{offset}: record is {record.raw_stream.limit} bytes short of its length"
        )
    _check_digest(record, warc_file, offset)
    http_headers = record.http_headers
    rec_headers = record.rec_headers
    code, _, reason = http_headers.statusline.partition(" ")
    return ArchivedResponse(
        url=rec_headers.get_header("WARC-Target-URI"),
        status=int(code),
        reason=reason.strip(),
        headers=list(http_headers.headers),
        content_type=http_headers.get_header("Content-Type"),
        body=b"" if record.rec_type == "revisit" else decode_content(http_headers.headers, payload),
        record_id=rec_headers.get_header("WARC-Record-ID"),
        record_type=record.rec_type,
        date=rec_headers.get_header("WARC-Date"),
        refers_to=rec_headers.get_header("WARC-Refers-To"),
    )


def _check_digest(record: Any, warc_file: str, offset: int) -> None:
    checker = record.digest_checker
    if checker is not None and checker.passed is False:
        raise ArchiveIntegrityError(f"{warc_file}:{offset}: {'; '.join(checker.problems)}")
