"""Shared by the archive tests: sample bodies, a small indexed archive (the ``sample`` fixture) and raw WARC access."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.index import ProvenanceIndex
from archive.records import RevisitTarget, payload_digest
from archive.warc import WarcWriter

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


@pytest.fixture(name="sample")  # imported under its function name, so a test parameter does not shadow it
def sample_fixture(tmp_path: Path) -> dict:
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
