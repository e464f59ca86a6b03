"""pywb replays our WARC files through our CDXJ files: a report page, a GBK page without a charset in its
Content-Type, a PDF attachment and a page archived as a revisit come back byte-identical to what was fetched.

pywb runs from its own virtualenv (.venv-tools/pywb, installed from PyPI on first use) and is never imported: it is
GPL and pins old packages."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from archive_sample import PDF
from tool_venvs import tool_bin

from archive.records import RevisitTarget
from archive.warc import WarcWriter

REPORT = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>2023年政府信息公开工作年度报告</title></head><body>"
    "<h1>某某区人民政府2023年政府信息公开工作年度报告</h1><table><tr><td>收到申请数</td><td>12</td></tr></table>"
    "</body></html>"
).encode()
GBK_PAGE = "<html><head><meta http-equiv=Content-Type content='text/html; charset=gb2312'><title>年度报告</title></head><body>政府信息公开</body></html>".encode(
    "gbk"
)  # noqa: E501
PDF_BODY = PDF + random.Random(0).randbytes(200_000)  # binary, with "HTTP/1.1 200 OK" and CRLFs inside
T0 = datetime(2024, 3, 1, 8, 30, 5, tzinfo=UTC)
COLLECTION = "nianbao"

CAPTURES = {  # name -> (url, Content-Type, body)
    "report": ("https://www.example.gov.cn/zwgk/ndbg/2023.html", "text/html; charset=utf-8", REPORT),
    "gbk": ("http://www.example.gov.cn/zwgk/ndbg/gbk.html", "text/html", GBK_PAGE),
    "pdf": ("https://www.example.gov.cn/zwgk/ndbg/2023.pdf", "application/pdf", PDF_BODY),
}


def archive(warc_dir: Path) -> dict[str, tuple[str, str]]:
    """The three captures and a revisit of the report at another URL, over several small WARC files; name ->
    (url, 14-digit timestamp)."""
    captured = {}
    with WarcWriter(warc_dir, "replay", max_file_bytes=1000) as writer:  # a file per capture: several CDXJ files
        for number, (name, (url, content_type, body)) in enumerate(CAPTURES.items()):
            at = T0 + timedelta(seconds=number)
            location = writer.write_exchange(
                url, status=200, response_headers=[("Content-Type", content_type)], body=body, fetched_at=at
            )
            captured[name] = (url, at.strftime("%Y%m%d%H%M%S"))
            if name == "report":
                report = location
        copy_url, at = "https://www.example.gov.cn/zwgk/ndbg/copy.html", T0 + timedelta(seconds=10)
        writer.write_exchange(
            copy_url, status=200, response_headers=[("Content-Type", "text/html; charset=utf-8")], body=REPORT,
            fetched_at=at, revisit_of=RevisitTarget(report.record_id, report.target_uri, report.date,
                                                    report.payload_digest),
        )  # fmt: skip
        captured["revisit"] = (copy_url, at.strftime("%Y%m%d%H%M%S"))
    return captured


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own server on 127.0.0.1
        return response.status, response.read()


@pytest.mark.slow
def test_pywb_replays_our_warc_files_through_our_cdxj_byte_identical(tmp_path: Path) -> None:
    bin_dir = tool_bin("pywb", "pywb==2.10.0")
    warc_dir = tmp_path / "archive" / "warc"
    captured = archive(warc_dir)
    site = tmp_path / "pywb"
    site.mkdir()
    subprocess.run([str(bin_dir / "wb-manager"), "init", COLLECTION], cwd=site, check=True, capture_output=True)
    collection = site / "collections" / COLLECTION
    cdxj_files = sorted(warc_dir.glob("*.cdxj"))
    assert len(cdxj_files) == 4
    for path in [*warc_dir.glob("*.warc.gz")]:
        shutil.copy(path, collection / "archive" / path.name)
    for path in cdxj_files:  # our index files as they are: pywb reads every *.cdxj of indexes/
        shutil.copy(path, collection / "indexes" / path.name)

    port = free_port()
    server = subprocess.Popen(
        [str(bin_dir / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=site,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):  # up to a minute for pywb to start
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        replayed = {}
        for name, (url, timestamp) in captured.items():
            # id_: the archived bytes as they were, no rewriting.
            replayed[name] = fetch(f"http://127.0.0.1:{port}/{COLLECTION}/{timestamp}id_/{url}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert replayed == {
        "report": (200, REPORT),
        "gbk": (200, GBK_PAGE),
        "pdf": (200, PDF_BODY),
        "revisit": (200, REPORT),  # a revisit resolved to the response it stands for
    }
