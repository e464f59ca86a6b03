"""The gzip members of a WARC file: each record is one member, so a record is whole exactly when its member is.

``warcio check`` reads a member that the file cuts short without complaint (only ``gzip -t`` notices); everything
here refuses one instead, so no reader ever returns part of a record.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import BinaryIO

_READ = 1 << 16  # compressed bytes read at a time


class ArchiveIntegrityError(ValueError):
    """A record's bytes do not match its recorded digest, a record is incomplete, or a revisit cannot be resolved."""


class TornRecordError(ArchiveIntegrityError):
    """The file ends inside a record (a process killed mid-write): ``offset`` is where the torn member starts."""

    def __init__(self, where: str, offset: int, size: int) -> None:
        super().__init__(f"{where}:{offset}: torn record: the file ends {size} bytes into an incomplete gzip member")
        self.offset = offset
        self.size = size  # bytes of the torn member present in the file


def read_member(fh: BinaryIO, offset: int, where: str) -> tuple[bytes, int]:
    """(decompressed bytes, compressed length) of the one gzip member starting at ``offset``; TornRecordError if the
    file ends first."""
    fh.seek(offset)
    inflater = zlib.decompressobj(31)  # 31: gzip header and trailer
    parts = []
    size = 0
    while not inflater.eof:
        data = fh.read(_READ)
        if not data:
            raise TornRecordError(where, offset, size)
        size += len(data)
        try:
            parts.append(inflater.decompress(data))
        except zlib.error as e:
            raise ArchiveIntegrityError(f"{where}:{offset}: not a whole gzip member ({e})") from e
    return b"".join(parts), size - len(inflater.unused_data)


def iter_members(fh: BinaryIO, where: str) -> Iterator[tuple[int, int, bytes]]:
    """(offset, compressed length, decompressed bytes) of every member from the start of ``fh``, each checked whole
    (CRC and length included, as ``gzip -t`` does). Raises TornRecordError at a torn tail and ArchiveIntegrityError
    where the bytes are not gzip. Holds one record at a time."""
    fh.seek(0)
    start = 0
    pending = b""
    while True:
        data = pending or fh.read(_READ)
        if not data:
            return
        inflater = zlib.decompressobj(31)
        parts = []
        fed = 0
        while True:
            fed += len(data)
            try:
                parts.append(inflater.decompress(data))
            except zlib.error as e:
                raise ArchiveIntegrityError(f"{where}:{start}: not a whole gzip member ({e})") from e
            if inflater.eof:
                pending = inflater.unused_data
                length = fed - len(pending)
                yield start, length, b"".join(parts)
                start += length
                break
            data = fh.read(_READ)
            if not data:
                raise TornRecordError(where, start, fed)
