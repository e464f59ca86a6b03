"""Undoing a response's Content-Encoding, streaming, with a limit on what comes out.

A 1 MB gzip body can inflate to gigabytes: the output is produced a block at a time and the decoding stops as soon as
it passes ``max_bytes``, so memory stays near the limit whatever the ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable

import brotli

_BLOCK = 1 << 16  # output produced per step

Inflater = Callable[[bytes, int | None], bytes]


class DecodedTooLarge(ValueError):
    """The decoded body passed ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"decoded body is larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


class _NotEncoded(Exception):
    """The bytes are not what the Content-Encoding says (a mislabelled body): it is kept as it came."""


def decode_content(headers: Iterable[tuple[str, str]], body: bytes, max_bytes: int | None = None) -> bytes:
    """``body`` (as transferred) with its Content-Encoding undone: gzip, deflate and br, several in order.

    Raises DecodedTooLarge as soon as the output passes ``max_bytes``. A body that is not what its encoding says,
    or an encoding we do not know, comes back unchanged, whole (never part of it): the reader and the crawl's hash
    see the same bytes.
    """
    encodings = [
        token.strip().lower()
        for name, value in headers
        if name.lower() == "content-encoding"
        for token in value.split(",")
        if token.strip().lower() not in ("", "identity")
    ]
    if not encodings or not body:
        return body
    if any(encoding not in _INFLATERS for encoding in encodings):
        return body
    data = body
    try:
        for encoding in reversed(encodings):  # the last encoding listed was applied last
            data = _INFLATERS[encoding](data, max_bytes)
    except _NotEncoded:
        return body
    return data


def _limited(size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise DecodedTooLarge(max_bytes)


def _zlib(data: bytes, max_bytes: int | None, wbits: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while data:  # gzip allows several members one after another
        inflater = zlib.decompressobj(wbits)
        try:
            chunk = inflater.decompress(data, _BLOCK)
            while True:
                parts.append(chunk)
                size += len(chunk)
                _limited(size, max_bytes)
                if inflater.eof or (len(chunk) < _BLOCK and not inflater.unconsumed_tail):
                    break
                chunk = inflater.decompress(inflater.unconsumed_tail, _BLOCK)
        except zlib.error as e:
            raise _NotEncoded from e
        if not inflater.eof:
            raise _NotEncoded  # cut short: not a whole encoded body
        data = inflater.unused_data if wbits == 31 else b""
    return b"".join(parts)


def _gzip(data: bytes, max_bytes: int | None) -> bytes:
    return _zlib(data, max_bytes, 31)


def _deflate(data: bytes, max_bytes: int | None) -> bytes:
    try:
        return _zlib(data, max_bytes, 15)  # "deflate" is zlib-wrapped by the standard ...
    except _NotEncoded:
        return _zlib(data, max_bytes, -15)  # ... and raw deflate on many servers


def _br(data: bytes, max_bytes: int | None) -> bytes:
    inflater = brotli.Decompressor()
    parts: list[bytes] = []
    size = 0
    try:
        chunk = inflater.process(data, output_buffer_limit=_BLOCK)
        while True:
            parts.append(chunk)
            size += len(chunk)
            _limited(size, max_bytes)
            if inflater.is_finished() or not chunk:  # finished, or all input used up without finishing
                break
            chunk = inflater.process(b"", output_buffer_limit=_BLOCK)
    except brotli.error as e:
        raise _NotEncoded from e
    if not inflater.is_finished():
        raise _NotEncoded
    return b"".join(parts)


_INFLATERS: dict[str, Inflater] = {"gzip": _gzip, "x-gzip": _gzip, "deflate": _deflate, "br": _br}
