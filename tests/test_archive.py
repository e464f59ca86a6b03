"""archive/: WARC writing, provenance index and random-access reading (no network)."""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from archive.index import ProvenanceIndex
from archive.reader import ArchiveIntegrityError, decode_content, iter_records, read_response, warc_path
from archive.warc import (
    PROFILE_IDENTICAL_PAYLOAD,
    PROFILE_SERVER_NOT_MODIFIED,
    RevisitTarget,
    WarcWriter,
    payload_digest,
    warc_date,
)

WARCIO = Path(sys.executable).parent / "warcio"
RUN = "run_2024-03-01"
T0 = datetime(2024, 3, 1, 8, 30, 5, tzinfo=UTC)

GBK_HTML = (
    b"<html><head><meta charset=gbk><title>2023\xc4\xea\xb6\xc8\xb1\xa8\xb8\xe6</title></head>"
    b"<body><a href=/a.pdf>\xd5\xfe\xb8\xae\xd0\xc5\xcf\xa2\xb9\xab\xbf\xaa</a></body></html>"
)  # "2023年度报告" / "政府信息公开" in GBK
PLAIN_HTML = b"<html><body>report list page, served gzip-compressed</body></html>"
GZIPPED_HTML = gzip.compress(PLAIN_HTML, mtime=0)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n\x00\xff\x00\r\n\r\nHTTP/1.1 200 OK\r\n%%EOF\n"
NOT_FOUND = b"<html><body>404 Not Found</body></html>"
GBK_FILENAME = "attachment; filename=\xb1\xa8\xb8\xe6.pdf"  # raw GBK bytes of 报告.pdf, latin-1 decoded


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def warcio_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(WARCIO), *args], capture_output=True, text=True, timeout=60)


def raw_record(root: Path, warc_file: str, offset: int):
    """(rec_headers, http_headers, raw payload bytes) of one record, straight from warcio."""
    with (root / warc_file).open("rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        return record.rec_headers, record.http_headers, record.raw_stream.read()


@pytest.fixture
def sample(tmp_path: Path) -> dict:
    """A small archive: five exchanges, a revisit, a robots refusal, each indexed."""
    root = tmp_path / "archive"
    loc = {}
    with WarcWriter(root / "warc", RUN) as writer, ProvenanceIndex(root / "index.sqlite") as index:
        index.start_run(RUN, ["example-gov"], {"ROBOTSTXT_OBEY": True})

        def fetch(name: str, url: str, decoded: bytes, outcome: str, **kwargs) -> None:
            location = writer.write_exchange(url, **kwargs)
            loc[name] = location
            index.add_fetch(
                run_id=RUN, site="example-gov", url=url, fetched_at=kwargs["fetched_at"], status=kwargs["status"],
                outcome=outcome, length=len(decoded), sha256=sha256(decoded), **location.index_fields(),
            )  # fmt: skip

        fetch(
            "gbk", "http://www.example.gov.cn/zwgk/ndbg/index.html?page=2", GBK_HTML, "ok",
            request_headers=[("User-Agent", "nianbao-test"), ("Accept-Encoding", "gzip, deflate")],
            status=200, reason="OK",
            response_headers=[
                ("Content-Type", "text/html"), ("Transfer-Encoding", "chunked"), ("Connection", "keep-alive"),
                ("Keep-Alive", "timeout=5"), ("Server", "nginx"),
            ],
            body=GBK_HTML, ip="192.0.2.10", fetched_at=T0,
        )  # fmt: skip
        fetch(
            "gzip", "https://www.example.gov.cn/list.html", PLAIN_HTML, "ok",
            status=200, response_headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
            body=GZIPPED_HTML, fetched_at=T0 + timedelta(seconds=1),
        )  # fmt: skip
        fetch(
            "pdf", "https://www.example.gov.cn/a.pdf", PDF, "ok",
            status=200, response_headers=[("Content-Type", "application/pdf"), ("Content-Disposition", GBK_FILENAME)],
            body=PDF, fetched_at=T0 + timedelta(seconds=2),
        )  # fmt: skip
        fetch(
            "404", "https://www.example.gov.cn/missing.html", NOT_FOUND, "http_error",
            status=404, response_headers=[("Content-Type", "text/html")], body=NOT_FOUND,
            fetched_at=T0 + timedelta(seconds=3),
        )  # fmt: skip
        fetch(
            "503", "https://www.example.gov.cn/busy.html", b"", "http_error",
            status=503, reason="", response_headers=[("Retry-After", "120")], body=b"",
            fetched_at=T0 + timedelta(seconds=4),
        )  # fmt: skip
        original = index.find_by_payload_digest(payload_digest(GBK_HTML))
        fetch(
            "revisit", "http://www.example.gov.cn/zwgk/ndbg/copy.html", GBK_HTML, "ok",
            status=200, response_headers=[("Content-Type", "text/html")], body=GBK_HTML,
            fetched_at=T0 + timedelta(seconds=5), revisit_of=RevisitTarget.from_fetch(original),
        )  # fmt: skip
        robots = writer.write_outcome(
            "https://www.example.gov.cn/private/report.html", "robots_refused",
            "disallowed by https://www.example.gov.cn/robots.txt\nrule: Disallow: /private/",
            T0 + timedelta(seconds=6), referrer="https://www.example.gov.cn/list.html",
        )  # fmt: skip
        loc["robots"] = robots
        index.add_fetch(
            run_id=RUN, url=robots.target_uri, fetched_at=T0 + timedelta(seconds=6), outcome="robots_refused",
            error="disallowed by robots.txt", **robots.index_fields(),
        )  # fmt: skip
        index.finish_run(RUN, "finished", {"downloader/request_count": 6, "finish_time": T0})
        files = list(writer.files)
    return {"root": root, "loc": loc, "files": files}


# -- digests and dates --------------------------------------------------------------------------


def test_payload_digest_is_sha1_base32() -> None:
    assert payload_digest(b"") == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"
    assert payload_digest(b"hello") == "sha1:VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N"


def test_warc_date_formats_utc_and_rejects_naive() -> None:
    assert warc_date(datetime(2024, 3, 1, 16, 30, 5, 123456, tzinfo=timezone(timedelta(hours=8)))) == (
        "2024-03-01T08:30:05Z"
    )
    assert warc_date("2024-03-01T08:30:05Z") == "2024-03-01T08:30:05Z"
    with pytest.raises(ValueError):
        warc_date(datetime(2024, 3, 1, 8, 30, 5))


# -- the written files --------------------------------------------------------------------------


def test_one_file_named_after_run(sample: dict) -> None:
    assert sample["files"] == ["warc/nianbao-run_2024-03-01-00000.warc.gz"]
    assert sorted(p.name for p in (sample["root"] / "warc").iterdir()) == ["nianbao-run_2024-03-01-00000.warc.gz"]


def test_warcio_check_passes(sample: dict) -> None:
    result = warcio_cli("check", "-v", str(sample["root"] / sample["files"][0]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed" not in result.stdout
    # warcinfo + 6 requests + 5 responses + metadata are digest-checked; the revisit is not (no payload).
    assert result.stdout.count("digest pass") == 13
    assert result.stdout.count("digest present but not checked (revisit)") == 1


def test_warcio_index_agrees_with_returned_locations(sample: dict) -> None:
    result = warcio_cli(
        "index", "-f", "offset,length,warc-type,warc-record-id", str(sample["root"] / sample["files"][0])
    )
    assert result.returncode == 0, result.stderr
    entries = {e["warc-record-id"]: e for e in map(json.loads, result.stdout.splitlines())}
    assert [e["warc-type"] for e in entries.values()] == [
        "warcinfo", *["response", "request"] * 5, "revisit", "request", "metadata",
    ]  # fmt: skip
    for location in sample["loc"].values():
        entry = entries[location.record_id]
        assert (int(entry["offset"]), int(entry["length"])) == (location.offset, location.length)
        assert entry["warc-type"] == location.record_type


def test_warcinfo_starts_file_and_is_referenced(sample: dict) -> None:
    root = sample["root"]
    records = list(iter_records(root / "warc"))
    assert records[0].record_type == "warcinfo"
    assert records[0].offset == 0
    headers, _, payload = raw_record(root, records[0].warc_file, 0)
    fields = dict(line.split(": ", 1) for line in payload.decode("utf-8").splitlines())
    assert fields["software"].startswith("nianbao/")
    assert fields["nianbao-run-id"] == RUN
    assert fields["format"] == "WARC File Format 1.0"
    assert headers.get_header("WARC-Filename") == "nianbao-run_2024-03-01-00000.warc.gz"
    for info in records[1:]:
        rec_headers, _, _ = raw_record(root, info.warc_file, info.offset)
        assert rec_headers.get_header("WARC-Warcinfo-ID") == records[0].record_id


def test_request_record_is_linked_to_response(sample: dict) -> None:
    root, gbk = sample["root"], sample["loc"]["gbk"]
    request = next(r for r in iter_records(root / "warc") if r.record_id == gbk.request_record_id)
    assert request.record_type == "request"
    assert request.offset == gbk.offset + gbk.length  # written right after its response
    rec_headers, http_headers, body = raw_record(root, request.warc_file, request.offset)
    assert rec_headers.get_header("WARC-Concurrent-To") == gbk.record_id
    assert rec_headers.get_header("WARC-Date") == "2024-03-01T08:30:05Z"
    assert rec_headers.get_header("WARC-IP-Address") == "192.0.2.10"
    assert f"{http_headers.protocol} {http_headers.statusline}" == "GET /zwgk/ndbg/index.html?page=2 HTTP/1.1"
    assert http_headers.headers == [
        ("Host", "www.example.gov.cn"), ("User-Agent", "nianbao-test"), ("Accept-Encoding", "gzip, deflate"),
    ]  # fmt: skip
    assert body == b""


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


def test_revisit_record_headers(sample: dict) -> None:
    root, gbk, revisit = sample["root"], sample["loc"]["gbk"], sample["loc"]["revisit"]
    assert revisit.record_type == "revisit"
    assert revisit.refers_to == gbk.record_id
    assert revisit.payload_digest == gbk.payload_digest == payload_digest(GBK_HTML)
    rec_headers, http_headers, payload = raw_record(root, revisit.warc_file, revisit.offset)
    assert rec_headers.get_header("WARC-Type") == "revisit"
    assert rec_headers.get_header("WARC-Profile") == PROFILE_IDENTICAL_PAYLOAD
    assert rec_headers.get_header("WARC-Refers-To") == gbk.record_id
    assert (
        rec_headers.get_header("WARC-Refers-To-Target-URI") == "http://www.example.gov.cn/zwgk/ndbg/index.html?page=2"
    )
    assert rec_headers.get_header("WARC-Refers-To-Date") == "2024-03-01T08:30:05Z"
    assert rec_headers.get_header("WARC-Payload-Digest") == payload_digest(GBK_HTML)
    assert http_headers.statusline == "200 OK"
    assert http_headers.headers == [("Content-Type", "text/html")]
    assert payload == b""  # headers only


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


def test_revisit_with_different_digest_is_refused(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "warc", RUN) as writer:
        original = writer.write_exchange("http://a.gov.cn/1", status=200, body=b"one", fetched_at=T0)
        with pytest.raises(ValueError, match="payload digest"):
            writer.write_exchange("http://a.gov.cn/2", status=200, body=b"two", fetched_at=T0, revisit_of=original)
        # Nothing was written for the refused call.
        assert [r.record_type for r in iter_records(tmp_path / "warc")] == ["warcinfo", "response", "request"]


def test_not_modified_304_revisit(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "warc", RUN) as writer:
        original = writer.write_exchange(
            "http://a.gov.cn/r.html", status=200, body=GBK_HTML, fetched_at=T0,
            response_headers=[("Content-Type", "text/html"), ("ETag", '"abc"')],
        )  # fmt: skip
        revalidated = writer.write_exchange(
            "http://a.gov.cn/r.html", status=304, body=b"", fetched_at=T0 + timedelta(days=1),
            request_headers=[("If-None-Match", '"abc"')], response_headers=[("ETag", '"abc"')], revisit_of=original,
        )  # fmt: skip
        with_body = writer.write_exchange(
            "http://a.gov.cn/r.html", status=304, body=b"odd server", fetched_at=T0, revisit_of=original
        )
    assert revalidated.record_type == "revisit"
    assert revalidated.payload_digest is None
    rec_headers, _, _ = raw_record(tmp_path, revalidated.warc_file, revalidated.offset)
    assert rec_headers.get_header("WARC-Profile") == PROFILE_SERVER_NOT_MODIFIED
    assert rec_headers.get_header("WARC-Payload-Digest") is None
    response = read_response(tmp_path / "warc", revalidated.warc_file, revalidated.offset)
    assert (response.status, response.body, response.content_type) == (304, GBK_HTML, "text/html")
    # A 304 carrying a body keeps its bytes as a full response.
    assert with_body.record_type == "response"
    assert read_response(tmp_path / "warc", with_body.warc_file, with_body.offset).body == b"odd server"
    assert warcio_cli("check", str(tmp_path / original.warc_file)).returncode == 0


def test_robots_refusal_is_a_metadata_record(sample: dict) -> None:
    root, robots = sample["root"], sample["loc"]["robots"]
    assert robots.record_type == "metadata"
    assert robots.payload_digest is None
    rec_headers, _, payload = raw_record(root, robots.warc_file, robots.offset)
    assert rec_headers.get_header("Content-Type") == "application/warc-fields"
    assert rec_headers.get_header("WARC-Target-URI") == "https://www.example.gov.cn/private/report.html"
    assert rec_headers.get_header("WARC-Date") == "2024-03-01T08:30:11Z"
    assert payload == (
        b"outcome: robots_refused\r\n"
        b"detail: disallowed by https://www.example.gov.cn/robots.txt rule: Disallow: /private/\r\n"
        b"referrer: https://www.example.gov.cn/list.html\r\n"
    )
    with pytest.raises(ValueError, match="metadata record"):
        read_response(root / "warc", robots.warc_file, robots.offset)


def test_iter_records_lists_everything_in_order(sample: dict) -> None:
    records = list(iter_records(sample["root"] / "warc"))
    assert [r.record_type for r in records] == [
        "warcinfo", *["response", "request"] * 5, "revisit", "request", "metadata",
    ]  # fmt: skip
    assert [r.offset for r in records] == sorted(r.offset for r in records)
    assert all(r.offset + r.length == n.offset for r, n in zip(records, records[1:], strict=False))
    assert records[-1].url == "https://www.example.gov.cn/private/report.html"


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


# -- rotation and file safety -------------------------------------------------------------------


def test_rotation_starts_a_new_file_with_its_own_warcinfo(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "warc", RUN, max_file_bytes=1) as writer:
        first = writer.write_exchange("http://a.gov.cn/1", status=200, body=GBK_HTML, fetched_at=T0)
        second = writer.write_exchange("http://a.gov.cn/2", status=200, body=PDF, fetched_at=T0)
        files = list(writer.files)
    assert files == ["warc/nianbao-run_2024-03-01-00000.warc.gz", "warc/nianbao-run_2024-03-01-00001.warc.gz"]
    assert (first.warc_file, second.warc_file) == tuple(files)
    for name in files:
        result = warcio_cli("check", "-v", str(tmp_path / name))
        assert result.returncode == 0, result.stdout
        assert result.stdout.count("digest pass") == 3
    assert [(r.warc_file, r.record_type) for r in iter_records(tmp_path / "warc")] == [
        (files[0], "warcinfo"), (files[0], "response"), (files[0], "request"),
        (files[1], "warcinfo"), (files[1], "response"), (files[1], "request"),
    ]  # fmt: skip
    assert read_response(tmp_path / "warc", second.warc_file, second.offset).body == PDF


def test_no_file_until_first_write(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "warc", RUN) as writer:
        assert writer.files == []
    assert not (tmp_path / "warc").exists()


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "warc", RUN) as writer:
        writer.write_exchange("http://a.gov.cn/1", status=200, body=b"first", fetched_at=T0)
    first_bytes = (tmp_path / "warc/nianbao-run_2024-03-01-00000.warc.gz").read_bytes()
    with WarcWriter(tmp_path / "warc", RUN) as writer:  # e.g. a resumed run
        location = writer.write_exchange("http://a.gov.cn/2", status=200, body=b"second", fetched_at=T0)
    assert location.warc_file == "warc/nianbao-run_2024-03-01-00001.warc.gz"
    assert (tmp_path / "warc/nianbao-run_2024-03-01-00000.warc.gz").read_bytes() == first_bytes


def test_closed_writer_refuses_writes(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path / "warc", RUN)
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write_outcome("http://a.gov.cn/", "network_error", "timeout", T0)


@pytest.mark.parametrize(
    "run_id", ["", "../evil", "a/b", "run id", "run\n", "报告", "x.y", "a" * 65, "..", "run\x00"]
)  # fmt: skip
def test_bad_run_ids_are_rejected(tmp_path: Path, run_id: str) -> None:
    with pytest.raises(ValueError, match="run_id"):
        WarcWriter(tmp_path / "warc", run_id)


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


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "ftp://a.gov.cn/x"},
        {"url": "http://a.gov.cn/x y"},
        {"url": "http://a.gov.cn/x\r\nWARC-Type: resource"},
        {"url": "/relative"},
        {"response_headers": [("X-Evil", "a\r\nContent-Length: 0")]},
        {"response_headers": [("Bad Name", "v")]},
        {"request_headers": [("X", b"bytes")]},
        {"method": "GET /"},
        {"status": 42},
        {"fetched_at": datetime(2024, 3, 1)},
        {"ip": "not-an-ip"},
    ],
)
def test_unsafe_exchange_inputs_are_rejected(tmp_path: Path, kwargs: dict) -> None:
    args = {"url": "http://a.gov.cn/x", "status": 200, "body": b"x", "fetched_at": T0} | kwargs
    with WarcWriter(tmp_path / "warc", RUN) as writer, pytest.raises(ValueError):
        writer.write_exchange(args.pop("url"), **args)
    assert not (tmp_path / "warc").exists()


def test_bad_outcome_code_is_rejected(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "warc", RUN) as writer, pytest.raises(ValueError, match="outcome"):
        writer.write_outcome("http://a.gov.cn/", "Robots Refused", "x", T0)


# -- provenance index ---------------------------------------------------------------------------


def test_index_rows_record_outcome_status_and_hashes(sample: dict) -> None:
    with ProvenanceIndex(sample["root"] / "index.sqlite") as index:
        rows = {row["url"]: row for row in index.fetches(RUN)}
    gbk = rows["http://www.example.gov.cn/zwgk/ndbg/index.html?page=2"]
    assert (gbk["outcome"], gbk["status"], gbk["record_type"]) == ("ok", 200, "response")
    assert gbk["sha256"] == hashlib.sha256(GBK_HTML).hexdigest()
    assert gbk["length"] == len(GBK_HTML)
    assert gbk["fetched_at"] == "2024-03-01T08:30:05Z"
    assert (gbk["warc_file"], gbk["warc_offset"]) == (sample["loc"]["gbk"].warc_file, sample["loc"]["gbk"].offset)
    gz = rows["https://www.example.gov.cn/list.html"]
    assert gz["sha256"] == hashlib.sha256(PLAIN_HTML).hexdigest()  # of the decoded body
    assert gz["payload_digest"] == payload_digest(GZIPPED_HTML)  # of the body as transferred
    missing = rows["https://www.example.gov.cn/missing.html"]
    assert (missing["outcome"], missing["status"]) == ("http_error", 404)
    assert rows["https://www.example.gov.cn/busy.html"]["status"] == 503
    revisit = rows["http://www.example.gov.cn/zwgk/ndbg/copy.html"]
    assert (revisit["record_type"], revisit["refers_to_record_id"]) == ("revisit", gbk["warc_record_id"])
    assert revisit["sha256"] == gbk["sha256"]
    robots = rows["https://www.example.gov.cn/private/report.html"]
    assert (robots["outcome"], robots["status"], robots["record_type"]) == ("robots_refused", None, "metadata")
    assert robots["error"] == "disallowed by robots.txt"


def test_find_by_payload_digest_returns_earliest_response(sample: dict) -> None:
    with ProvenanceIndex(sample["root"] / "index.sqlite") as index:
        row = index.find_by_payload_digest(payload_digest(GBK_HTML))
        assert row["warc_record_id"] == sample["loc"]["gbk"].record_id
        assert row["record_type"] == "response"
        assert index.find_by_payload_digest(payload_digest(b"never fetched")) is None
        assert index.find_by_record_id(sample["loc"]["revisit"].record_id)["record_type"] == "revisit"


def test_find_by_payload_digest_ignores_later_and_non_response_rows(tmp_path: Path) -> None:
    digest = payload_digest(PDF)
    common = {"run_id": RUN, "outcome": "ok", "payload_digest": digest, "warc_file": "warc/x.warc.gz"}
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        index.add_fetch(url="http://a.gov.cn/late", fetched_at=T0 + timedelta(hours=1), record_type="response",
                        warc_record_id="<urn:uuid:late>", **common)  # fmt: skip
        index.add_fetch(url="http://a.gov.cn/first", fetched_at=T0, record_type="response",
                        warc_record_id="<urn:uuid:first>", **common)  # fmt: skip
        index.add_fetch(url="http://a.gov.cn/rev", fetched_at=T0 - timedelta(hours=1), record_type="revisit",
                        warc_record_id="<urn:uuid:rev>", **common)  # fmt: skip
        assert index.find_by_payload_digest(digest)["warc_record_id"] == "<urn:uuid:first>"


def test_revisit_target_from_fetch_row(sample: dict) -> None:
    with ProvenanceIndex(sample["root"] / "index.sqlite") as index:
        target = RevisitTarget.from_fetch(index.find_by_payload_digest(payload_digest(GBK_HTML)))
    gbk = sample["loc"]["gbk"]
    assert target == RevisitTarget(gbk.record_id, gbk.target_uri, "2024-03-01T08:30:05Z", gbk.payload_digest)


def test_index_schema_is_idempotent_and_wal(tmp_path: Path) -> None:
    ProvenanceIndex(tmp_path / "index.sqlite").close()
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        index.add_fetch(run_id=RUN, url="http://a.gov.cn/", fetched_at=T0, outcome="network_error")
    conn = sqlite3.connect(tmp_path / "index.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"fetches", "runs", "discoveries", "fetches_url", "fetches_sha256", "fetches_payload_digest",
            "fetches_run_id"} <= names  # fmt: skip
    columns = [row[1] for row in conn.execute("PRAGMA table_info(fetches)")]
    assert columns[:6] == ["id", "run_id", "site", "url", "method", "fetched_at"]
    assert len(columns) == 24
    assert conn.execute("SELECT count(*) FROM fetches").fetchone()[0] == 1
    conn.close()


def test_add_fetch_validates_fields(tmp_path: Path) -> None:
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        with pytest.raises(ValueError, match="unknown"):
            index.add_fetch(run_id=RUN, url="http://a.gov.cn/", fetched_at=T0, outcome="ok", stauts=200)
        with pytest.raises(ValueError, match="missing"):
            index.add_fetch(run_id=RUN, url="http://a.gov.cn/", fetched_at=T0)
        fetch_id = index.add_fetch(
            run_id=RUN, url="http://a.gov.cn/", fetched_at="2024-03-01T08:30:05Z", outcome="ok",
            headers_json=[("Content-Type", "text/html; charset=gbk")],
        )  # fmt: skip
        row = next(index.fetches())
    assert row["id"] == fetch_id
    assert row["method"] == "GET"
    assert json.loads(row["headers_json"]) == [["Content-Type", "text/html; charset=gbk"]]


def test_runs_lifecycle(sample: dict) -> None:
    with ProvenanceIndex(sample["root"] / "index.sqlite") as index:
        (run,) = index.runs()
        assert (run["run_id"], run["status"]) == (RUN, "finished")
        assert json.loads(run["sites_json"]) == ["example-gov"]
        assert json.loads(run["settings_json"]) == {"ROBOTSTXT_OBEY": True}
        assert json.loads(run["stats_json"]) == {
            "downloader/request_count": 6,
            "finish_time": "2024-03-01 08:30:05+00:00",
        }
        with pytest.raises(ValueError):
            index.finish_run(RUN, "running")
        with pytest.raises(KeyError):
            index.finish_run("no_such_run", "failed")
        index.start_run(RUN, ["example-gov"], {})  # resumed
        (resumed,) = index.runs()
    assert (resumed["status"], resumed["finished_at"], resumed["started_at"]) == ("running", None, run["started_at"])


def test_discoveries_ignore_duplicate_links(tmp_path: Path) -> None:
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        first = index.add_discovery(
            RUN, "http://a.gov.cn/2023.html", "report_page", site="a", title="2023年政府信息公开工作年度报告",
            year=2023, referrer="http://a.gov.cn/list.html", found_at=T0,
        )  # fmt: skip
        again = index.add_discovery(
            RUN, "http://a.gov.cn/2023.html", "report_page", title="other title", referrer="http://a.gov.cn/list.html"
        )
        other_kind = index.add_discovery(RUN, "http://a.gov.cn/2023.html", "attachment")
        other_kind_again = index.add_discovery(RUN, "http://a.gov.cn/2023.html", "attachment")
        # The same document linked from another page is another link: the build needs to know both pages.
        other_page = index.add_discovery(
            RUN, "http://a.gov.cn/2023.html", "report_page", referrer="http://a.gov.cn/all/list.html"
        )
        rows = list(index.discoveries(RUN))
        assert list(index.discoveries("other_run")) == []
    assert isinstance(first, int) and isinstance(other_kind, int) and isinstance(other_page, int)
    assert again is None and other_kind_again is None
    assert [(r["kind"], r["title"], r["year"], r["referrer"]) for r in rows] == [
        ("report_page", "2023年政府信息公开工作年度报告", 2023, "http://a.gov.cn/list.html"),
        ("attachment", None, None, None),
        ("report_page", None, None, "http://a.gov.cn/all/list.html"),
    ]
    assert rows[0]["found_at"] == "2024-03-01T08:30:05Z"


def test_readonly_index_cannot_write(sample: dict) -> None:
    with ProvenanceIndex(sample["root"] / "index.sqlite", readonly=True) as index:
        assert len(list(index.fetches())) == 7
        with pytest.raises(sqlite3.OperationalError):
            index.add_fetch(run_id=RUN, url="http://a.gov.cn/", fetched_at=T0, outcome="ok")


def test_an_index_of_version_1_is_migrated_keeping_its_rows(tmp_path: Path) -> None:
    # Version 1 kept one discovery per (run, url, kind), whichever page linked it first.
    old = sqlite3.connect(tmp_path / "index.sqlite")
    old.executescript(
        """
        CREATE TABLE discoveries (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, site TEXT, url TEXT NOT NULL,
            kind TEXT NOT NULL, title TEXT, year INTEGER, agency_hint TEXT, referrer TEXT, found_at TEXT NOT NULL,
            UNIQUE (run_id, url, kind));
        CREATE INDEX discoveries_url ON discoveries (url);
        INSERT INTO discoveries VALUES (7, 'r1', 'a', 'http://a.gov.cn/f.pdf', 'attachment', '2023年报.pdf', 2023,
            NULL, 'http://a.gov.cn/p1.html', '2024-03-01T08:30:05Z');
        PRAGMA user_version = 1;
        """
    )
    old.close()
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        second_page = index.add_discovery(
            "r1", "http://a.gov.cn/f.pdf", "attachment", referrer="http://a.gov.cn/p2.html"
        )
        rows = [(r["id"], r["referrer"]) for r in index.discoveries("r1")]
    assert rows == [(7, "http://a.gov.cn/p1.html"), (second_page, "http://a.gov.cn/p2.html")]
    with sqlite3.connect(tmp_path / "index.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone() == (2,)
        assert {n for (n,) in db.execute("select name from sqlite_master where tbl_name = 'discoveries'")} == {
            "discoveries",
            "discoveries_url",
            "discoveries_once",
        }
