"""The replica's edition 2: reports changed in place, new, gone and redesigned, served at run time by set_edition()
and listed by the catalogue (replica.catalog.changes, redesigned)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ROOT
from test_replica import fetch

from parsers import parse
from replica.catalog import catalog, changes, redesigned
from replica.editions import publications_of
from replica.server import ReplicaServer
from replica.sites import build_sites

YZQ_QZF_LIST = "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg5e/pc/list.html"
LG_API = "https://www.lg.gov.cn/api/content/list?columnId=8231&pageSize=5&pageNo={}"
CQBN_ALZ_LIST = "http://www.cqbn.gov.cn/bmjz/jz/alz/zwgk_89602/zfxxgknb_89619/index.html"


@pytest.fixture
def server(replica_server):
    """The session's replica server, given back in edition 1 whatever the test does."""
    try:
        yield replica_server
    finally:
        replica_server.set_edition(1)


def served(server: ReplicaServer, url: str, edition: int, headers=None):
    server.set_edition(edition)
    return fetch(server, url, headers=headers)


def change(slug: str):
    return next(c for c in changes(2) if c.slug == slug)


def list_links(body: bytes) -> list[str]:
    return re.findall(r'<li><a href="([^"]+)"', body.decode("utf-8"))


# --- the catalogue ---------------------------------------------------------------------------------------------


def test_the_changes_of_edition_2():
    assert [(c.kind, c.slug) for c in changes(2)] == [
        ("changed", "cqbn-jtj-2025"),
        ("changed", "hc-qzf-2023"),
        ("changed", "yuhang-wcjd-2023"),
        ("gone", "cqbn-alz-2020"),
        ("new", "lg-qzf-2025"),
        ("new", "yzq-qzf-2025"),
    ]
    hc = change("hc-qzf-2023")
    assert (hc.site, hc.agency, hc.year) == ("www.hc.gov.cn", "重庆市合川区人民政府", 2023)
    assert hc.document_url.endswith(".docx")
    assert hc.cells == {
        "requests.granted.natural_person": ("0", "2"),
        "requests.granted.total": ("2", "4"),
        "requests.received.natural_person": ("8", "10"),
        "requests.received.total": ("17", "19"),
        "requests.total.natural_person": ("7", "9"),
        "requests.total.total": ("16", "18"),
    }
    assert [c.cells for c in changes(2) if c.kind != "changed"] == [{}, {}, {}]
    assert redesigned(2) == ["http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg1b/202401/ca438e623a5a1f96b0c9897c24d0d1e6.shtml"]


def test_catalogue_of_edition_2_lists_its_reports():
    first, second = catalog(edition=1), catalog(edition=2)
    assert len(first.reports) == len(publications_of(1)) == 42
    assert {r.slug for r in second.reports} == {r.slug for r in first.reports} - {"cqbn-alz-2020"} | {
        "lg-qzf-2025",
        "yzq-qzf-2025",
    }
    new = second.report("yzq-qzf-2025")
    assert (new.agency, new.year, new.format, new.published_on) == ("宜春市袁州区人民政府", 2025, "html", "2026-03-24")
    assert change("yzq-qzf-2025").detail_url == new.detail_url
    assert second.report("hc-qzf-2023") == first.report("hc-qzf-2023")  # same URLs, title and dates


def test_unknown_edition_is_refused():
    with pytest.raises(ValueError, match="the replica has editions 1, 2, not 3"):
        ReplicaServer(Path("unused"), edition=3)
    with pytest.raises(ValueError, match="not 0"):
        changes(1)


# --- what the server serves ------------------------------------------------------------------------------------


def test_changed_reports_serve_the_changed_numbers_at_the_same_urls(server):
    for c in changes(2):
        if c.kind != "changed" or c.document_url.endswith(".pdf"):  # the PDF: test_changed_pdf (LibreOffice)
            continue
        for edition, side in ((1, 0), (2, 1)):
            status, headers, body = served(server, c.document_url, edition)
            assert status == 200
            result = parse(body, headers["content-type"])
            assert result.status == "ok"
            assert [k.key for k in result.checks if k.status == "fail"] == []  # changed consistently
            printed = {key: result.cell_map()[key].raw for key in c.cells}
            assert printed == {key: texts[side] for key, texts in c.cells.items()}, (c.slug, edition)


def test_changed_documents_get_new_validators_and_unchanged_ones_answer_304(server):
    changed = [change("yuhang-wcjd-2023").document_url, change("hc-qzf-2023").document_url]
    unchanged = [
        change("hc-qzf-2023").detail_url,  # the page around the DOCX stays as it was
        catalog().report("bjtzh-qzf-2019").detail_url,
        "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/index.html",
        "https://www.lg.gov.cn/robots.txt",
    ]
    before = {url: served(server, url, 1)[1] for url in changed + unchanged}
    for url in changed:
        status, headers, _ = served(server, url, 2, {"If-None-Match": before[url]["etag"]})
        assert status == 200
        assert headers["etag"] != before[url]["etag"]
        assert headers["last-modified"] != before[url]["last-modified"]
    assert served(server, changed[1], 2)[1]["last-modified"] == "Wed, 15 Apr 2026 08:20:00 GMT"
    for url in unchanged:
        status, headers, body = served(server, url, 2, {"If-None-Match": before[url]["etag"]})
        assert (status, body) == (304, b""), url
        assert headers["last-modified"] == before[url]["last-modified"]


def test_new_reports_come_first_on_their_lists(server):
    new = {c.slug: c for c in changes(2) if c.kind == "new"}
    # A static list: the new report heads page 1, page 1's last item moves to the top of page 2.
    old_first = list_links(served(server, YZQ_QZF_LIST, 1)[2])
    new_first = list_links(served(server, YZQ_QZF_LIST, 2)[2])
    new_second = list_links(served(server, YZQ_QZF_LIST.replace("list.html", "list_2.html"), 2)[2])
    assert "http://www.yzq.gov.cn" + new_first[0] == new["yzq-qzf-2025"].detail_url
    assert new_first[1:] == old_first[:-1]
    assert new_second[0] == old_first[-1]
    # The JSON API: the same, one page of 5 later.
    old_page = json.loads(served(server, LG_API.format(1), 1)[2])["data"]
    new_page = json.loads(served(server, LG_API.format(1), 2)[2])["data"]
    new_next = json.loads(served(server, LG_API.format(2), 2)[2])["data"]
    assert (old_page["total"], new_page["total"]) == (11, 12)
    assert "https://www.lg.gov.cn" + new_page["list"][0]["url"] == new["lg-qzf-2025"].detail_url
    assert new_page["list"][1:] == old_page["list"][:-1]
    assert new_next["list"][0] == old_page["list"][-1]
    assert served(server, new["lg-qzf-2025"].document_url, 2)[1]["content-type"].endswith("wordprocessingml.document")


def test_the_gone_report_is_unlisted_and_answers_404(server):
    gone = change("cqbn-alz-2020")
    twin = gone.detail_url.replace(".html", "_wap.html")
    path = "./" + gone.detail_url.split("/", 8)[-1]
    assert path == "./202101/t20210113_13504465.html"
    assert path in list_links(served(server, CQBN_ALZ_LIST, 1)[2])
    assert served(server, gone.detail_url, 1)[0] == 200
    assert path not in list_links(served(server, CQBN_ALZ_LIST, 2)[2])
    for url in (gone.detail_url, twin):
        status, _, body = served(server, url, 2)
        assert status == 404
        assert "页面不存在" in body.decode("utf-8")


def test_the_redesigned_page_has_new_bytes_and_the_same_report(server):
    [url] = redesigned(2)
    _, old_headers, old = served(server, url, 1)
    _, new_headers, new = served(server, url, 2)
    assert old != new
    assert '访问量：<span id="hits"></span>' in old.decode("utf-8")
    assert re.search(r'访问量：<span id="hits">\d+</span>', new.decode("utf-8"))
    assert (old_headers["last-modified"], new_headers["last-modified"]) == (
        "Sun, 21 Jan 2024 05:07:00 GMT",
        "Mon, 20 Apr 2026 05:07:00 GMT",
    )
    before, after = parse(old, old_headers["content-type"]), parse(new, new_headers["content-type"])
    assert (before.status, after.status) == ("ok", "ok")
    assert after.text == before.text
    assert [c.as_dict() for c in after.cells] == [c.as_dict() for c in before.cells]
    assert len(after.cells) > 100


def _every_resource(server: ReplicaServer, edition: int) -> dict[str, tuple]:
    """url -> (status, headers, body) of every path of every site of `edition`, and of the list endpoints."""
    server.set_edition(edition)
    server.reset()  # the 503-then-200 pages fail once more: each pass sees the same answers
    urls = [site.url(path) for site in server.sites.values() for path in site.resources]
    urls += [LG_API.format(n) for n in (1, 2, 3)]
    urls += [
        "https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=6&endrecord=10&perpage=5"
        f"&columnid={column}&unitid=7012345&webid=3397"
        for column in (1229100051, 1229100052, 1229100053)
    ]
    result = {}
    for url in urls:
        parts = urlsplit(url)
        reply = server.respond(parts.scheme, parts.hostname, parts.path + (f"?{parts.query}" if parts.query else ""))
        result[url] = (reply.status, reply.headers, reply.body)
    return result


def test_everything_else_is_byte_identical_and_edition_1_comes_back_exactly(server):
    first = _every_resource(server, 1)
    second = _every_resource(server, 2)
    again = _every_resource(server, 1)
    server.reset()
    assert again == first
    differ = {u for u in first.keys() | second.keys() if first.get(u) != second.get(u)}
    by_kind = {c.slug: c for c in changes(2)}
    # A changed report's document (its page too when inline; the PDF is 404 in both without LibreOffice); the pages
    # and files of the new and gone ones.
    reports = {c.document_url for c in by_kind.values() if c.kind == "changed" and c.slug != "cqbn-jtj-2025"}
    reports |= {u for c in by_kind.values() if c.kind != "changed" for u in (c.detail_url, c.document_url)}
    gone_twin = by_kind["cqbn-alz-2020"].detail_url.replace(".html", "_wap.html")
    assert differ == reports | set(redesigned(2)) | {
        gone_twin,
        CQBN_ALZ_LIST,
        YZQ_QZF_LIST,
        YZQ_QZF_LIST.replace("list.html", "list_2.html"),
        YZQ_QZF_LIST.replace("list.html", "list_3.html"),
        "https://www.lg.gov.cn/xxgk/zfxxgknb/index.html",  # the same page, last modified with its newest item
        LG_API.format(1),
        LG_API.format(2),
        LG_API.format(3),
    }
    lg_list = "https://www.lg.gov.cn/xxgk/zfxxgknb/index.html"
    assert first[lg_list][2] == second[lg_list][2]


def test_validators_only_on_static_pages_and_files(server):
    static = [YZQ_QZF_LIST, catalog().report("lg-bjjd-2024").document_url, "https://www.lg.gov.cn/robots.txt"]
    dynamic = [
        LG_API.format(1),
        "https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=6&endrecord=10&perpage=5"
        "&columnid=1229100051&unitid=7012345&webid=3397",
        catalog().report("yuhang-czj-2022").document_url,  # downfile.jsp
    ]
    for url in static:
        _, headers, _ = fetch(server, url)
        assert {"etag", "last-modified"} <= headers.keys(), url
    for url in dynamic:
        status, headers, _ = fetch(server, url)
        assert status == 200
        assert not {"etag", "last-modified"} & headers.keys(), url


def test_build_sites_of_each_edition_share_the_unchanged_attachment_files(tmp_path):
    first, second = build_sites(tmp_path, 1), build_sites(tmp_path, 2)
    docs = {1: {}, 2: {}}
    for edition, sites in ((1, first), (2, second)):
        for site in sites.values():
            docs[edition].update({site.url(p): r.body for p, r in site.resources.items() if isinstance(r.body, Path)})
    assert {u for u in docs[1] if docs[1][u] != docs[2].get(u)} == {
        change("hc-qzf-2023").document_url,
        change("cqbn-jtj-2025").document_url,
    }
    assert docs[2].keys() - docs[1].keys() == {change("lg-qzf-2025").document_url}


# --- the commands ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["python -m replica", "nianbao replica"])
def test_replica_command_serves_edition_2(command, tmp_path):
    if command == "python -m replica":
        argv = [sys.executable, "-m", "replica", "--cache-dir", str(tmp_path)]
    else:
        argv = [str(Path(sys.executable).with_name("nianbao")), "replica", "--data-dir", str(tmp_path)]
    proc = subprocess.Popen(
        [*argv, "--edition", "2", "--port", "0", "--no-convert"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        port = int(re.fullmatch(r"replica: proxy http://127\.0\.0\.1:(\d+)\n", proc.stdout.readline()).group(1))
        proc.stdout.readline()  # the CA certificate
        assert proc.stdout.readline() == "replica: edition 2 (replica/editions.py says what changed)\n"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
        with pytest.raises(urllib.error.HTTPError, match="404"):
            opener.open(change("cqbn-alz-2020").detail_url, timeout=10)
        with opener.open(change("yzq-qzf-2025").detail_url, timeout=10) as response:
            assert "宜春市袁州区人民政府2025年政府信息公开工作年度报告" in response.read().decode("utf-8")
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


# --- with LibreOffice ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_changed_pdf_and_both_editions_files_in_the_cache(replica_full_server):
    jtj = change("cqbn-jtj-2025")
    try:
        for edition, side in ((1, 0), (2, 1)):
            status, headers, body = served(replica_full_server, jtj.document_url, edition)
            assert (status, headers["content-type"]) == (200, "application/pdf")
            result = parse(body, "application/pdf")
            printed = {key: result.cell_map()[key].raw for key in jtj.cells}
            assert printed == {key: texts[side] for key, texts in jtj.cells.items()}
    finally:
        replica_full_server.set_edition(1)
    pdfs = sorted(p.name for p in (replica_full_server.cache_dir / "attachments").glob("cqbn-jtj-2025-*.pdf"))
    assert len(pdfs) == 2
