"""The site as a person sees it: Playwright drives Debian's chromium (scripts/install-system-packages; nothing is
downloaded at run time) over Datasette serving a replica build. Screenshots go to test-artifacts/ (look at them)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, gold

pytestmark = pytest.mark.slow

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
CHROMIUM = shutil.which("chromium")
ARTIFACTS = ROOT / "test-artifacts"


def screenshot(page, name: str) -> None:
    """The whole page into test-artifacts/, for a person to look at. Chromium under load sometimes fails to capture a
    tall page at once (a protocol error); then the first screenful is kept, so the test goes on to its assertions."""
    try:
        page.screenshot(path=ARTIFACTS / name, full_page=True)
    except Exception:  # noqa: BLE001 - playwright's Error: the artefact is not what the test asserts
        page.screenshot(path=ARTIFACTS / name)


@pytest.fixture(scope="module")
def base(site) -> str:
    return site[0]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run scripts/install-system-packages as root (make test does)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def test_the_home_page_names_the_dataset(base, page):
    page.goto(base + "/")
    screenshot(page, "home.png")
    assert "政府信息公开工作年度报告" in page.title() + page.inner_text("body")


def test_the_reports_table_lists_the_reports_with_facets(base, page):
    page.goto(base + "/reports/reports")
    page.screenshot(path=ARTIFACTS / "reports.png")
    assert "年度报告" in page.inner_text("body")
    assert page.locator(".facet-info").count() >= 3


def test_a_csv_download_holds_every_report(base, page):
    page.goto(base + "/reports/reports")
    with page.expect_download() as download:
        page.evaluate("url => { const a = document.createElement('a'); a.href = url; a.download = ''; "
                      "document.body.appendChild(a); a.click(); }",
                      "/reports/reports.csv?_stream=on&_size=max")  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    count = urllib.request.urlopen(base + "/reports.json?sql=select+count(*)+from+reports&_shape=arrayfirst").read()
    assert len(rows) == json.loads(count)[0] > 30  # all of them, not the first page
    assert {r["year"] for r in rows} >= {"2019", "2020"}


def test_the_charts_render(base, page):
    page.goto(base + "/-/dashboards/nianbao")
    # Each chart is drawn by Vega into a <canvas> or <svg> inside its card once its query has answered.
    page.wait_for_function(
        "document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length >= 5", timeout=30000
    )
    screenshot(page, "charts.png")
    assert "各年度申请与办理结果" in page.inner_text("body")
    assert page.locator(".vega-embed").count() == 5


def _report_id(base: str, agency: str, year: int) -> str:
    sql = f"select id from reports where agency = '{agency}' and year = {year}"
    url = base + "/reports.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "arrayfirst"})
    return json.loads(urllib.request.urlopen(url).read())[0]


def test_the_seed_report_page_shows_table_three_in_place(base, page):
    page.goto(f"{base}/reports/reports/{_report_id(base, '重庆市巴南区安澜镇人民政府', 2019)}")
    screenshot(page, "report-anlan-2019.png")
    row = page.locator("section#requests table.printed tr", has_text="一、本年新收政府信息公开申请数量")
    expected = gold("000_90d8d6df986a6c21")["cells"]  # 重庆市巴南区安澜镇人民政府 2019
    received = [v for k, v in expected.items() if k.startswith("requests.received.")]  # in printed column order
    assert row.locator("td").all_inner_texts() == [str(v) for v in received]
    assert len(received) == 7


def test_the_archived_copy_link_returns_the_documents_bytes(base, page):
    page.goto(f"{base}/reports/reports/{_report_id(base, '重庆市巴南区安澜镇人民政府', 2019)}")
    link = page.locator("a.archived", has_text="归档副本")
    href = link.first.get_attribute("href")
    body = page.request.get(base + href if href.startswith("/") else href).body()
    digest = href.rstrip("/").rsplit("/", 1)[-1]
    assert hashlib.sha256(body).hexdigest() == digest


def test_an_agency_page_shows_its_years(base, page):
    sql = "select agency_id from reports where agency = '重庆市巴南区安澜镇人民政府' and year = 2019"
    url = base + "/reports.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "arrayfirst"})
    agency_id = json.loads(urllib.request.urlopen(url).read())[0]
    page.goto(f"{base}/reports/agencies/{agency_id}")
    screenshot(page, "agency-anlan.png")
    body = page.inner_text("body")
    assert "安澜镇" in body and "2019" in body and "2020" in body
    assert page.locator("a[href*='/reports/reports/']").count() >= 2  # its reports, linked


def test_a_search_for_fuyi_finds_reports(base, page):
    page.goto(base + "/")
    page.fill("input[name=q]", "复议")
    with page.expect_navigation():  # the results page, not the home page it leaves (a race under load)
        page.keyboard.press("Enter")
    screenshot(page, "search-fuyi.png")
    links = page.locator("a[href*='/reports/reports/']")
    assert links.count() > 10
    assert "复议" in page.inner_text("body")
