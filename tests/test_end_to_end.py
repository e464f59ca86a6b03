"""The whole pipeline on the replica: crawl (through the proxy, live URLs) -> WARC archive -> build -> Datasette."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest
from conftest import ROOT, SEED_NAMES, gold

from common.template import check_specs
from publish.serve import datasette_running
from replica.catalog import catalog

pytestmark = pytest.mark.slow

NIANBAO = str(Path(sys.executable).with_name("nianbao"))


def run(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, replica_full_server) -> Path:
    """One crawl of the whole replica and one build, shared by the tests of this module."""
    data = tmp_path_factory.mktemp("data")
    replica_full_server.reset()
    crawl(data, replica_full_server)
    run(NIANBAO, "build", "--data-dir", str(data))
    return data


def crawl(data: Path, server, *options: str) -> subprocess.CompletedProcess:
    """`nianbao crawl` of the replica through its proxy, trusting its CA, without delays."""
    replica = ("--proxy", server.proxy_url, "--replica-ca", str(server.ca_cert_path))
    return run(NIANBAO, "crawl", "--data-dir", str(data), *replica, "--delay", "0", "--log-level", "ERROR", *options)


def query(data: Path, sql: str, *params) -> list[tuple]:
    with closing(sqlite3.connect(data / "reports.db")) as db:
        return db.execute(sql, params).fetchall()


def test_every_published_report_is_found_and_nothing_else(crawled):
    expected = {(r.detail_url, r.document_url, json.dumps(r.also_at) if r.also_at else None) for r in catalog().reports}
    found = set(query(crawled, "select detail_url, document_url, also_at from reports"))
    assert found == expected
    # One DOCX published by two pages is one report, at the page that published it first.
    assert len([r for r in catalog().reports if r.also_at]) == 1
    assert len(expected) == 42
    # Every family took part: lists paginated in HTML, through Hanweb's dataproxy.jsp and through a JSON API.
    sites = dict(query(crawled, "select site, count(*) from reports group by site"))
    assert sites == {
        "www.bjtzh.gov.cn": 4,
        "www.cqbn.gov.cn": 8,
        "www.hc.gov.cn": 5,
        "www.lg.gov.cn": 7,
        "www.ybq.gov.cn": 4,
        "www.yuhang.gov.cn": 8,
        "www.yzq.gov.cn": 6,
    }


def test_every_report_has_its_agency_and_year(crawled):
    untitled = "2023年政府信息公开工作年度报告"  # yuhang's 财政局 prints no agency in the title
    expected = {(r.detail_url, r.agency, r.year) for r in catalog().reports if r.title != untitled}
    found = set(query(crawled, "select detail_url, agency, year from reports where title != ?", untitled))
    assert found == expected
    # The date each page states (PubDate, 发布日期), for attachments too.
    dates = {(r.detail_url, r.published_on) for r in catalog().reports}
    assert set(query(crawled, "select detail_url, published_on from reports")) == dates
    # Its list column (区财政局) names it, and that joins the agency of its other reports.
    assert query(
        crawled,
        "select r.agency, a.name, count(*) from reports r join agencies a on a.id = r.agency_id where a.id = "
        "(select agency_id from reports where title = ?) group by r.agency order by r.agency",
        untitled,
    ) == [("区财政局", "杭州市余杭区财政局", 1), ("杭州市余杭区财政局", "杭州市余杭区财政局", 1)]


def test_every_report_parses(crawled):
    assert query(crawled, "select parse_status, count(*) from reports group by parse_status") == [("ok", 42)]
    assert query(crawled, "select template, count(*) from reports group by template order by template") == [
        ("2019", 9),
        ("2021", 32),
        ("legacy", 1),
    ]


def test_seed_reports_have_the_gold_cells(crawled):
    for name in SEED_NAMES:
        g = gold(name)
        [(report_id, fmt)] = query(
            crawled,
            "select id, format from reports where agency like ? and year = ?",
            f"%{g['agency_contains']}%",
            g["year"],
        )
        cells = dict(
            (f"{t}.{r}.{c}", v)
            for t, r, c, v in query(
                crawled, "select table_key, row_key, column_key, value from cells where report_id = ?", report_id
            )
        )
        assert cells == {k: v for k, v in g["cells"].items() if k not in g["unscored"]}, (name, fmt)
    # The seeds are served in four formats, so each extractor took part.
    assert sorted(query(crawled, "select distinct format from reports")) == [("doc",), ("docx",), ("html",), ("pdf",)]


def test_only_the_deliberately_broken_reports_fail_checks(crawled):
    failed = query(
        crawled,
        """select r.agency, r.year, c.check_key from checks c join reports r on r.id = c.report_id
                               where c.status = 'fail' order by r.agency""",
    )
    assert failed == [
        ("北京市通州区发展和改革委员会", 2023, "appeals_totals"),
        ("重庆市合川区教育委员会", 2022, "requests_balance"),
    ]
    # The view of failing parts: one row per failing place, with the spec's formula and the deciding numbers.
    parts = query(crawled, "select agency, check_key, place, left_side, right_side, formula from failing_check_parts")
    assert [p[:5] for p in sorted(parts)] == [
        ("北京市通州区发展和改革委员会", "appeals_totals", "review", 2, 0),
        ("重庆市合川区教育委员会", "requests_balance", "natural_person", 14, 15),
        ("重庆市合川区教育委员会", "requests_balance", "total", 23, 24),
    ]
    assert {p[5] for p in parts} == {check_specs()["appeals_totals"].rule, check_specs()["requests_balance"].rule}
    assert query(crawled, "select distinct title from failing_check_parts where check_key = 'appeals_totals'") == [
        ("复议、诉讼合计：结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计",)
    ]


def test_edge_cases_are_archived_as_what_they_are(crawled):
    cat = catalog()

    def outcomes(url: str) -> list[tuple]:
        return query(crawled, "select status, outcome from fetches where url = ? order by id", url)

    # 瑞数 412 on a ybq report and on hubei's robots.txt, a 200 script stub on yuhang, 加速乐 521 on lg.
    assert sorted(outcomes(url) for url in cat.challenge_urls) == [
        [(200, "challenge")],
        [(412, "challenge")],
        [(412, "challenge")],
        [(521, "challenge")],
    ]
    kinds = query(crawled, "select error, count(*) from fetches where outcome = 'challenge' group by error")
    assert kinds == [("challenge: jiasule_521", 1), ("challenge: ruishu_412", 2), ("challenge: script_stub", 1)]
    # hubei answered robots.txt with a challenge: its rules are unknown, so its home page was not fetched.
    assert outcomes("https://www.hubei.gov.cn/") == [(None, "robots_refused")]
    assert all(outcomes(url) == [(404, "http_error")] for url in cat.dead_links)
    assert all(outcomes(url) == [(503, "http_error"), (200, "ok")] for url in cat.flaky_urls)
    was5 = "http://www.yzq.gov.cn/was5/web/detail?record=1&channelid=259155"
    assert outcomes(was5) == [(None, "robots_refused")]
    # Nothing robots.txt forbids was fetched, and no challenge, dead link or mobile twin became a report.
    assert not [u for u in cat.robots_disallowed if any(o != "robots_refused" for _, o in outcomes(u))]
    bad = set(cat.challenge_urls) | set(cat.dead_links) | set(cat.wap_twins)
    assert not bad & {u for (u,) in query(crawled, "select detail_url from reports")}
    assert not query(crawled, "select url from fetches where url like '%\\_wap.html' escape '\\'")


def test_robots_crawl_delay_spaces_the_sites_requests(crawled):
    # hc's robots.txt says Crawl-delay: 0.2; the crawl ran with --delay 0, so the site's slot took robots.txt's.
    # Closed at once: a connection left to the garbage collector deletes the index's -wal and -shm whenever it is
    # collected, e.g. while another test copies the archive.
    with closing(sqlite3.connect(crawled / "archive" / "index.sqlite")) as db:
        [stats] = db.execute("select stats_json from runs").fetchone()
    stats = json.loads(stats)
    assert stats["nianbao/site_delay/www.hc.gov.cn"] == 0.2
    assert "nianbao/site_delay/www.cqbn.gov.cn" not in stats
    first, last, count = query(
        crawled, "select min(fetched_at), max(fetched_at), count(*) from fetches where site = 'www.hc.gov.cn'"
    )[0]
    elapsed = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()
    assert count == 22
    assert elapsed >= int((count - 2) * 0.2) - 1  # whole seconds; robots.txt came first, before any delay


def test_coverage_shows_missing_years_and_late_reports(crawled):
    rows = query(
        crawled,
        """select year, status, published_on, deadline, days_late from coverage
           where agency = '宜春市袁州区竹亭镇人民政府' and year <= 2023 order by year""",
    )
    assert rows == [
        (2020, "found", "2021-01-10", "2021-01-31", -21),
        (2021, "found", "2022-01-10", "2022-01-31", -21),
        (2022, "missing", None, "2023-01-31", None),  # between two found years: not published, or not crawled
        (2023, "found", "2024-01-10", "2024-01-31", -21),
    ]
    # A district government's deadline is 31 March; 渝北区's 2020 report came out on 15 April.
    assert query(crawled, "select year, deadline, days_late from coverage where agency = '重庆市渝北区人民政府'")[
        0
    ] == (
        2020,
        "2021-03-31",
        15,
    )
    assert query(crawled, "select count(*) from coverage where days_late > 0") == [(1,)]


def test_a_second_crawl_finds_nothing_new_or_changed(crawled, tmp_path, replica_full_server):
    data = tmp_path / "again"
    shutil.copytree(crawled, data)  # the module's crawl stays as it is for the other tests
    replica_full_server.reset()
    crawl(data, replica_full_server, "--site", "www.yuhang.gov.cn")
    run(NIANBAO, "build", "--data-dir", str(data))
    runs = query(
        data,
        "select reports_new, reports_changed from crawl_runs where site = 'www.yuhang.gov.cn' order by started_at",
    )
    # Reports seen for the first time, then none new or changed (by content: publish/changes.py).
    assert runs == [(8, 0), (0, 0)]
    assert query(data, "select count(*) from reports where site = 'www.yuhang.gov.cn'") == [(8,)]
    assert query(data, "select count(*) from reports") == [(42,)]
    # Seen again, same content: one version each, and the same ids as before the second crawl.
    assert query(data, "select max(versions_count), sum(changed_after_publication) from reports") == [(1, 0)]
    assert query(data, "select id from reports order by id") == query(crawled, "select id from reports order by id")
    assert query(data, "select change, count(*) from changes group by change") == [("new", 42)]


def test_archive_passes_warcio_check(crawled):
    files = sorted((crawled / "archive" / "warc").glob("*.warc.gz"))
    assert files
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "check", *map(str, files)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_row_links_back_to_archived_bytes(crawled):
    orphans = query(
        crawled,
        """select r.id from reports r left join documents d on d.sha256 = r.document_sha256
                                where d.warc_file is null""",
    )
    assert orphans == []
    assert query(crawled, "select count(*) from crawl_runs") == [(8,)]
    assert query(crawled, "select sum(robots_refused), sum(challenges) from crawl_runs") == [(2, 4)]


def test_wide_views_are_generated_from_the_spec_in_printed_order(crawled):
    rows = query(
        crawled,
        "select row_order, row_key, total from requests_wide where agency = ? and year = 2019 limit 3",
        "重庆市渝北区人民政府王家街道办事处",
    )
    assert rows == [(1, "received", 0), (2, "carried_over", 0), (3, "granted", 0)]
    counts = [query(crawled, f"select count(*) from {v}_wide")[0][0] for v in ("requests", "appeals", "active")]
    assert counts == [1007, 123, 263]


def _dump(data: Path) -> str:
    return "\n".join(sqlite3.connect(data / "reports.db").iterdump())


def test_build_again_parses_nothing_and_any_number_of_workers_gives_the_same_database(crawled, tmp_path):
    first = _dump(crawled)
    again = run(NIANBAO, "build", "--data-dir", str(crawled))
    assert "documents parsed:   0 (58 more taken from the parse cache)\n" in again.stdout
    assert _dump(crawled) == first
    for jobs in ("1", "2"):  # cold: no parse cache
        cold = tmp_path / f"jobs-{jobs}"
        shutil.copytree(crawled / "archive", cold / "archive")
        built = run(NIANBAO, "build", "--data-dir", str(cold), "--jobs", jobs)
        assert "documents parsed:   58 (0 more taken from the parse cache)\n" in built.stdout
        assert _dump(cold) == first


def test_datasette_serves_a_known_cell(crawled):
    with datasette_running(crawled / "reports.db") as base:
        # 重庆市渝北区人民政府王家街道办事处 2019: 其他对外管理服务事项 处理决定数量 = 11924
        sql = """select c.value, c.raw from cells c join reports r on r.id = c.report_id
                 where r.agency = '重庆市渝北区人民政府王家街道办事处' and r.year = 2019
                 and c.row_key = 'other_services' and c.column_key = 'decisions'"""
        url = f"{base}/reports.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array"})
        rows = json.loads(urllib.request.urlopen(url, timeout=10).read())
        assert rows == [{"value": 11924, "raw": "11924"}]
        # Read-only: the immutable database refuses writes even through SQL.
        bad = f"{base}/reports.json?" + urllib.parse.urlencode({"sql": "delete from cells", "_shape": "array"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(bad, timeout=10)


def test_scrapy_crawl_works_from_the_repository_root(tmp_path, replica_full_server):
    env = {
        "PATH": str(Path(sys.executable).parent),
        "NIANBAO_DATA_DIR": str(tmp_path),
        "NIANBAO_PROXY": replica_full_server.proxy_url,
        "NIANBAO_REPLICA_CA": str(replica_full_server.ca_cert_path),
        "NIANBAO_DELAY": "0",
        "NIANBAO_SITES": "www.hc.gov.cn",
        "HOME": str(tmp_path),
    }
    run(str(Path(sys.executable).with_name("scrapy")), "crawl", "reports", "-L", "WARNING", env=env)
    with sqlite3.connect(tmp_path / "archive" / "index.sqlite") as db:
        found = db.execute("select count(*) from discoveries where kind = 'report_page'").fetchone()[0]
    assert found == 5


def test_replica_certificate_is_refused_outside_replica_mode(tmp_path, replica_full_server):
    # Same proxy, no --replica-ca: a live crawl verifies certificates and must not accept the replica's.
    proc = subprocess.run(
        [
            NIANBAO,
            "crawl",
            "--data-dir",
            str(tmp_path),
            "--proxy",
            replica_full_server.proxy_url,
            "--site",
            "www.hc.gov.cn",
            "--delay",
            "0",
            "--log-level",
            "ERROR",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2  # a registered site yielded no report
    assert "ERROR: www.hc.gov.cn yielded no report" in proc.stdout
    with sqlite3.connect(tmp_path / "archive" / "index.sqlite") as db:
        rows = db.execute("select distinct url, outcome from fetches order by url").fetchall()
        errors = {e for (e,) in db.execute("select error from fetches")}
    assert rows == [("https://www.hc.gov.cn/", "network_error"), ("https://www.hc.gov.cn/robots.txt", "network_error")]
    assert all(e.startswith("TLS certificate verify failed") for e in errors)


def test_discovery_from_bare_home_pages_finds_each_familys_reports(tmp_path, replica_server):
    registry = tmp_path / "empty.toml"
    registry.write_text("", encoding="utf-8")  # no entry: everything comes from the home pages
    families = {
        "http://www.cqbn.gov.cn/": ("chongqing", "500113"),
        "http://www.yzq.gov.cn/": ("jiangxi", "360902"),
        "https://www.bjtzh.gov.cn/": ("trs", "110112"),
        "https://www.yuhang.gov.cn/": ("hanweb", "330110"),
        "https://www.lg.gov.cn/": ("api", "440307"),
    }
    starts = [arg for url in families for arg in ("--start-url", url)]
    proc = crawl(tmp_path, replica_server, "--registry", str(registry), *starts)
    for url, (family, code) in families.items():
        block = proc.stdout.split(f"discovery from {url}:\n")[1].split("discovery from")[0]
        assert f"  CMS family: {family} (page markers:" in block
        assert f'  cms = "{family}"' in block
        assert f'  admin_code = "{code}"' in block
    assert "    https://www.yuhang.gov.cn/col/col1229100052/index.html\n" in proc.stdout  # a unit's own column
    assert "    http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg86/pc/list.html\n" in proc.stdout
    with sqlite3.connect(tmp_path / "archive" / "index.sqlite") as db:
        found = {u for (u,) in db.execute("select url from discoveries where kind = 'report_page'")}
    hosts = {urllib.parse.urlsplit(u).hostname for u in families}
    expected = {r.detail_url for r in catalog().reports if r.site in hosts}
    assert len(expected) == 33
    assert expected <= found
