"""TRS WCM (拓尔思): every page of a list is HTML, named index.html, index_1.html …; the page count is printed by
a script, createPageHTML(n, …) or var countPage = n. The Chongqing and Jiangxi platforms run TRS WCM too."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawler.families.family import MAX_PAGES, Family

MARKERS = re.compile(r"createPageHTML|var\s+countPage|TRS_Editor|trs_paper_default|t\d{8}_\d+\.html")

# createPageHTML(12, 0, "index", "html")  -> index.html, index_1.html … index_11.html
_CREATE_PAGE_HTML = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
# var countPage = 12;  (with the page name taken from the current URL)
_COUNT_PAGE = re.compile(r"var\s+countPage\s*=\s*(\d+)")


def detect(url: str, html: str) -> bool:
    return bool(MARKERS.search(url) or MARKERS.search(html))


def page_urls(url: str, html: str, second: int = 1) -> list[str]:
    """Every other page of the list that `url` is a page of, from the count its script prints. With
    `var countPage` the pages are named after the current one, the second numbered `second`."""
    m = _CREATE_PAGE_HTML.search(html)
    if m:
        count, name, ext = int(m.group(1)), m.group(3), m.group(4)
        return [urljoin(url, f"{name}_{i}.{ext}") for i in range(1, min(count, MAX_PAGES))]
    m = _COUNT_PAGE.search(html)
    if m:
        count = int(m.group(1))
        filename = urlsplit(url).path.rsplit("/", 1)[-1] or "index.html"
        stem, _, ext = filename.partition(".")
        stem = re.sub(r"_\d+$", "", stem)
        last = second + min(count, MAX_PAGES) - 1
        return [urljoin(url, f"{stem}_{i}.{ext or 'html'}") for i in range(second, last)]
    return []


def list_pages(url: str, html: str) -> list[str]:
    """TRS numbers a list's second page _1: index_1.html."""
    return page_urls(url, html)


FAMILY = Family("trs", detect, list_pages=list_pages)
