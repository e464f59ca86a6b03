"""archive.warc and archive.records: writing WARC records, checked, into files that warcio reads back."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from archive_sample import (
    GBK_HTML,
    PDF,
    RUN,
    T0,
    raw_record,
    sample_fixture,  # noqa: F401  (the sample fixture)
    warcio_cli,
)

from archive.reader import iter_records, read_response
from archive.records import PROFILE_IDENTICAL_PAYLOAD, PROFILE_SERVER_NOT_MODIFIED, payload_digest, warc_date
from archive.warc import WarcWriter

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
    assert sorted(p.name for p in (sample["root"] / "warc").iterdir()) == [
        "nianbao-run_2024-03-01-00000.cdxj",  # its CDXJ index, written when the file closed
        "nianbao-run_2024-03-01-00000.warc.gz",
    ]


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


# -- revisit records ----------------------------------------------------------------------------


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


# -- metadata records ---------------------------------------------------------------------------


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


# -- what the crawl knows beside the exchange ---------------------------------------------------


def test_site_outcome_and_error_are_fields_of_the_response_record(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "warc", RUN) as writer:
        location = writer.write_exchange(
            "https://files.example.gov.cn/a.pdf", status=412, body=b"<script>", fetched_at=T0,
            site="www.example.gov.cn", outcome="challenge", error="challenge: ruishu\nsecond line",
        )  # fmt: skip
        plain = writer.write_exchange("https://a.gov.cn/", status=200, body=b"x", fetched_at=T0)
        with pytest.raises(ValueError, match="outcome must match"):
            writer.write_exchange("https://a.gov.cn/", status=200, body=b"x", fetched_at=T0, outcome="Not OK")
    headers, _, _ = raw_record(tmp_path, location.warc_file, location.offset)
    assert [(n, v) for n, v in headers.headers if n.startswith("Nianbao-")] == [
        ("Nianbao-Site", "www.example.gov.cn"),
        ("Nianbao-Outcome", "challenge"),
        ("Nianbao-Error", "challenge: ruishu second line"),
    ]
    headers, _, _ = raw_record(tmp_path, plain.warc_file, plain.offset)
    assert [n for n, _ in headers.headers if n.startswith("Nianbao-")] == []


def test_a_fetch_without_response_records_its_site_and_method(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "warc", RUN) as writer:
        location = writer.write_outcome(
            "https://a.gov.cn/search", "network_error", "refused", T0, site="a.gov.cn", method="POST"
        )
    _, _, payload = raw_record(tmp_path, location.warc_file, location.offset)
    assert payload == b"outcome: network_error\r\ndetail: refused\r\nmethod: POST\r\nsite: a.gov.cn\r\n"


def test_write_metadata_is_a_json_metadata_record_naming_its_kind(tmp_path: Path) -> None:
    fields = {"run_id": RUN, "url": "https://a.gov.cn/2023.html", "kind": "report_page", "year": 2023,
              "title": "2023年度报告", "found_at": T0}  # fmt: skip
    with WarcWriter(tmp_path / "warc", RUN) as writer:
        location = writer.write_metadata("https://a.gov.cn/2023.html", "discovery", fields, T0)
    assert (location.record_type, location.target_uri, location.payload_digest) == (
        "metadata", "https://a.gov.cn/2023.html", None,
    )  # fmt: skip
    headers, _, payload = raw_record(tmp_path, location.warc_file, location.offset)
    assert headers.get_header("Content-Type") == "application/json"
    assert headers.get_header("Nianbao-Kind") == "discovery"
    assert headers.get_header("WARC-Date") == "2024-03-01T08:30:05Z"
    assert json.loads(payload) == {**fields, "found_at": "2024-03-01 08:30:05+00:00"}
    assert warcio_cli("check", str(tmp_path / location.warc_file)).returncode == 0


def test_the_crawl_setting_for_rotation_comes_from_the_environment() -> None:
    import os
    import subprocess
    import sys

    code = "import crawler.settings as s; print(s.NIANBAO_WARC_MAX_BYTES)"
    env = {**os.environ, "NIANBAO_WARC_MAX_BYTES": "5000000"}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout == "5000000\n"
    env.pop("NIANBAO_WARC_MAX_BYTES")
    assert (
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout == f"{1 << 30}\n"
    )
