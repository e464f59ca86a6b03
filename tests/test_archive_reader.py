"""archive.reader: random access back into the WARCs, revisits resolved, digests verified, paths confined."""

from __future__ import annotations

import gzip
from io import BytesIO
from pathlib import Path

import pytest
from archive_sample import (
    GBK_HTML,
    GZIPPED_HTML,
    NOT_FOUND,
    PDF,
    PLAIN_HTML,
    raw_record,
    sample_fixture,  # noqa: F401  (the sample fixture)
)
from warcio.warcwriter import WARCWriter

from archive.content import decode_content
from archive.index import ProvenanceIndex
from archive.members import ArchiveIntegrityError
from archive.reader import iter_records, read_response, warc_path
from archive.records import payload_digest

# -- reading back -------------------------------------------------------------------------------


def test_gbk_html_reads_back_byte_identical(sample: dict) -> None:
    gbk = sample["loc"]["gbk"]
    response = read_response(sample["root"] / "warc", gbk.warc_file, gbk.offset)
    assert response.body == GBK_HTML
    assert b"\xc4\xea\xb6\xc8\xb1\xa8\xb8\xe6" in response.body  # 年度报告, still GBK
    assert response.url == "http://www.example.gov.cn/zwgk/ndbg/index.html?page=2"
    assert (response.status, response.reason, response.record_type) == (200, "OK", "response")
    assert response.content_type == "text/html"
    assert response.date == "2024-03-01T08:30:05Z"
    assert response.record_id == gbk.record_id


def test_hop_by_hop_headers_are_dropped(sample: dict) -> None:
    gbk = sample["loc"]["gbk"]
    response = read_response(sample["root"] / "warc", gbk.warc_file, gbk.offset)
    assert response.headers == [("Content-Type", "text/html"), ("Server", "nginx")]


def test_gzip_body_is_stored_as_transferred_and_read_decoded(sample: dict) -> None:
    root, loc = sample["root"], sample["loc"]["gzip"]
    rec_headers, _, stored = raw_record(root, loc.warc_file, loc.offset)
    assert stored == GZIPPED_HTML
    assert rec_headers.get_header("WARC-Payload-Digest") == payload_digest(GZIPPED_HTML) == loc.payload_digest
    response = read_response(root / "warc", loc.warc_file, loc.offset)
    assert response.body == PLAIN_HTML
    assert response.header("content-encoding") == "gzip"
    assert decode_content([("Content-Encoding", "gzip")], GZIPPED_HTML) == PLAIN_HTML
    assert decode_content([("Content-Type", "text/html")], GZIPPED_HTML) == GZIPPED_HTML


def test_binary_pdf_reads_back_byte_identical(sample: dict) -> None:
    pdf = sample["loc"]["pdf"]
    response = read_response(sample["root"] / "warc", pdf.warc_file, pdf.offset)
    assert response.body == PDF
    assert response.content_type == "application/pdf"


def test_raw_header_bytes_round_trip(sample: dict) -> None:
    pdf = sample["loc"]["pdf"]
    response = read_response(sample["root"] / "warc", pdf.warc_file, pdf.offset)
    disposition = response.header("Content-Disposition")
    assert disposition.encode("latin-1") == b"attachment; filename=\xb1\xa8\xb8\xe6.pdf"
    assert disposition.encode("latin-1").decode("gbk") == "attachment; filename=报告.pdf"
    # The WARC holds the server's bytes, not a re-encoding of them.
    with (sample["root"] / pdf.warc_file).open("rb") as fh:
        fh.seek(pdf.offset)
        member = gzip.decompress(fh.read(pdf.length))
    assert b"\r\nContent-Disposition: attachment; filename=\xb1\xa8\xb8\xe6.pdf\r\n" in member


def test_error_statuses_and_default_reason(sample: dict) -> None:
    root, loc = sample["root"], sample["loc"]
    not_found = read_response(root / "warc", loc["404"].warc_file, loc["404"].offset)
    assert (not_found.status, not_found.reason, not_found.body) == (404, "Not Found", NOT_FOUND)
    busy = read_response(root / "warc", loc["503"].warc_file, loc["503"].offset)
    assert (busy.status, busy.reason, busy.body) == (503, "Service Unavailable", b"")
    assert busy.headers == [("Retry-After", "120")]


# -- revisit resolution -------------------------------------------------------------------------


def test_revisit_resolves_to_original_body_via_index(sample: dict) -> None:
    root, revisit = sample["root"], sample["loc"]["revisit"]
    with ProvenanceIndex(root / "index.sqlite", readonly=True) as index:
        response = read_response(root / "warc", revisit.warc_file, revisit.offset, index)
    assert response.body == GBK_HTML
    assert response.url == "http://www.example.gov.cn/zwgk/ndbg/copy.html"
    assert response.record_type == "revisit"
    assert response.record_id == revisit.record_id
    assert response.refers_to == sample["loc"]["gbk"].record_id
    assert response.date == "2024-03-01T08:30:10Z"


def test_revisit_lookup_uses_index_not_a_scan(sample: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.reader

    def no_scan(root):
        raise AssertionError("scanned the WARCs although the index knows the record")

    monkeypatch.setattr(archive.reader, "iter_records", no_scan)
    root, revisit = sample["root"], sample["loc"]["revisit"]
    with ProvenanceIndex(root / "index.sqlite", readonly=True) as index:
        assert read_response(root / "warc", revisit.warc_file, revisit.offset, index).body == GBK_HTML


def test_revisit_resolves_without_index_by_scanning(sample: dict) -> None:
    root, revisit = sample["root"], sample["loc"]["revisit"]
    (root / "index.sqlite").unlink()
    assert read_response(root / "warc", revisit.warc_file, revisit.offset).body == GBK_HTML


# -- every record -------------------------------------------------------------------------------


def test_iter_records_lists_everything_in_order(sample: dict) -> None:
    records = list(iter_records(sample["root"] / "warc"))
    assert [r.record_type for r in records] == [
        "warcinfo", *["response", "request"] * 5, "revisit", "request", "metadata",
    ]  # fmt: skip
    assert [r.offset for r in records] == sorted(r.offset for r in records)
    assert all(r.offset + r.length == n.offset for r, n in zip(records, records[1:], strict=False))
    assert records[-1].url == "https://www.example.gov.cn/private/report.html"


# -- integrity and path confinement -------------------------------------------------------------


def test_corrupted_payload_is_detected(tmp_path: Path) -> None:
    (tmp_path / "warc").mkdir()
    with (tmp_path / "warc" / "bad.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        http_headers = writer.parser.parse(BytesIO(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"))
        record = writer.create_warc_record(
            "http://a.gov.cn/", "response", payload=BytesIO(b"tampered"), length=8, http_headers=http_headers,
            warc_headers_dict={"WARC-Payload-Digest": payload_digest(b"original")},
        )  # fmt: skip
        writer.write_record(record)
    with pytest.raises(ArchiveIntegrityError, match="payload digest failed"):
        read_response(tmp_path / "warc", "warc/bad.warc.gz", 0)


@pytest.mark.parametrize(
    "warc_file",
    [
        "../index.sqlite", "warc/../index.sqlite", "warc/../../etc/passwd", "/etc/passwd",
        "/tmp/x.warc.gz", "warc", "warc/", "other/x.warc.gz", "x.warc.gz", "warc\\..\\index.sqlite",
        "", "warc/x\x00.warc.gz", "warc/sub/../nianbao-run_2024-03-01-00000.warc.gz",
    ],
)  # fmt: skip
def test_escaping_warc_paths_are_rejected(sample: dict, warc_file: str) -> None:
    with pytest.raises(ValueError, match="warc_file"):
        read_response(sample["root"] / "warc", warc_file, sample["loc"]["gbk"].offset)


def test_symlink_out_of_warc_dir_is_rejected(sample: dict, tmp_path: Path) -> None:
    outside = tmp_path / "outside.warc.gz"
    outside.write_bytes((sample["root"] / sample["files"][0]).read_bytes())
    (sample["root"] / "warc" / "link.warc.gz").symlink_to(outside)
    with pytest.raises(ValueError, match="escapes"):
        warc_path(sample["root"] / "warc", "warc/link.warc.gz")
    assert warc_path(sample["root"] / "warc", sample["files"][0]) == (sample["root"] / sample["files"][0]).resolve()
