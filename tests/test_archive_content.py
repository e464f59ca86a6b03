"""archive.content.decode_content: every encoding undone, streaming, stopped at the limit; a record cut short is
never read as a shorter body."""

from __future__ import annotations

import gzip
import random
import tracemalloc
import zlib
from datetime import UTC, datetime
from pathlib import Path

import brotli
import pytest

from archive.content import DecodedTooLarge, decode_content
from archive.members import ArchiveIntegrityError, TornRecordError
from archive.reader import iter_records, read_response
from archive.warc import WarcWriter

TEXT = "政府信息公开工作年度报告 ".encode() * 5000
MIB = 1 << 20


def gzip_bomb(inflated_mib: int) -> bytes:
    """A gzip body of zeros: 1 GiB inflated is about 1 MB compressed."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MIB)
    return b"".join([*(compressor.compress(block) for _ in range(inflated_mib)), compressor.flush()])


@pytest.mark.parametrize(
    "encoding, body",
    [
        ("gzip", gzip.compress(TEXT)),
        ("x-gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)[2:-4]),  # raw deflate, as many servers send it
        ("br", brotli.compress(TEXT)),
        ("gzip, br", brotli.compress(gzip.compress(TEXT))),  # applied in the order listed
        ("GZIP", gzip.compress(TEXT[:100]) + gzip.compress(TEXT[100:])),  # two gzip members
    ],
)
def test_every_encoding_is_undone(encoding: str, body: bytes) -> None:
    assert decode_content([("Content-Encoding", encoding)], body) == TEXT
    with pytest.raises(DecodedTooLarge, match="larger than 1000 bytes"):
        decode_content([("Content-Encoding", encoding)], body, max_bytes=1000)


def test_limit_is_on_the_decoded_size() -> None:
    body = gzip.compress(TEXT)
    assert decode_content([("Content-Encoding", "gzip")], body, max_bytes=len(TEXT)) == TEXT
    with pytest.raises(DecodedTooLarge):
        decode_content([("Content-Encoding", "gzip")], body, max_bytes=len(TEXT) - 1)
    assert decode_content([("Content-Type", "text/html")], TEXT, max_bytes=10) == TEXT  # nothing to decode


@pytest.mark.parametrize(
    "headers, body",
    [
        ([("Content-Encoding", "gzip")], b"<html>not compressed at all</html>"),
        ([("Content-Encoding", "gzip")], gzip.compress(TEXT)[:-20]),  # cut short
        ([("Content-Encoding", "br")], brotli.compress(TEXT)[:-20]),
        ([("Content-Encoding", "compress")], b"\x1f\x9d unknown encoding"),
        ([("Content-Encoding", "identity")], b"plain"),
    ],
)
def test_a_body_that_is_not_what_its_encoding_says_comes_back_whole(headers: list, body: bytes) -> None:
    assert decode_content(headers, body) == body


def test_a_gzip_bomb_stops_at_the_limit_with_bounded_memory() -> None:
    bomb = gzip_bomb(1024)  # 1 GiB of zeros
    assert len(bomb) < 1_100_000
    tracemalloc.start()
    try:
        with pytest.raises(DecodedTooLarge):
            decode_content([("Content-Encoding", "gzip")], bomb, max_bytes=8 * MIB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 24 * MIB  # the limit and a few blocks, not the gigabyte


# -- a record cut short (a process killed mid-write) --------------------------------------------


def written_pdf(tmp_path: Path) -> tuple[Path, str, int, bytes]:
    body = random.Random(0).randbytes(1_000_000)  # incompressible: the record spans many blocks
    with WarcWriter(tmp_path / "warc", "torn") as writer:
        location = writer.write_exchange(
            "https://www.example.gov.cn/a.pdf",
            status=200,
            response_headers=[("Content-Type", "application/pdf")],
            body=body,
            fetched_at=datetime(2024, 3, 1, tzinfo=UTC),
        )
    return tmp_path / location.warc_file, location.warc_file, location.offset, body


def test_a_whole_record_reads_back(tmp_path: Path) -> None:
    path, warc_file, offset, body = written_pdf(tmp_path)
    assert read_response(tmp_path / "warc", warc_file, offset).body == body


@pytest.mark.parametrize("keep", [0.3, 0.99])
def test_a_record_torn_mid_body_raises_instead_of_returning_part(tmp_path: Path, keep: float) -> None:
    path, warc_file, offset, _ = written_pdf(tmp_path)
    data = path.read_bytes()
    cut = offset + int((len(data) - offset) * keep)
    path.write_bytes(data[:cut])
    with pytest.raises(TornRecordError, match=f"{warc_file}:{offset}: torn record") as error:
        read_response(tmp_path / "warc", warc_file, offset)
    assert (error.value.offset, error.value.size) == (offset, cut - offset)


def test_a_record_with_a_corrupted_byte_raises(tmp_path: Path) -> None:
    path, warc_file, offset, _ = written_pdf(tmp_path)
    data = bytearray(path.read_bytes())
    data[offset + 5000] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveIntegrityError, match=f"{warc_file}:{offset}"):
        read_response(tmp_path / "warc", warc_file, offset)


def test_listing_the_records_of_a_torn_file_ends_with_the_error(tmp_path: Path) -> None:
    path, warc_file, offset, _ = written_pdf(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: offset + 1000])
    listed = []
    with pytest.raises(TornRecordError, match=f"{warc_file}:{offset}: torn record"):
        for info in iter_records(tmp_path / "warc"):
            listed.append(info.record_type)
    assert listed == ["warcinfo"]
