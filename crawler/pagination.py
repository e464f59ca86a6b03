"""List pagination of the CMS families: the page count is in a script, the other pages are derived from it."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

# TRS WCM: createPageHTML(12, 0, "index", "html")  -> index.html, index_1.html … index_11.html
_CREATE_PAGE_HTML = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
# var countPage = 12;  (with the page name taken from the current URL)
_COUNT_PAGE = re.compile(r"var\s+countPage\s*=\s*(\d+)")

MAX_PAGES = 500  # a count beyond this is a broken page, not a list


def page_urls(url: str, html: str) -> list[str]:
    """Every other page of the list that `url` is a page of, from the count its script prints."""
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
        # TRS numbers the second page _1 (index_1.html); the Jiangxi platform numbers it _2 (list_2.html).
        first = 2 if stem == "list" else 1
        return [urljoin(url, f"{stem}_{i}.{ext or 'html'}") for i in range(first, first + min(count, MAX_PAGES) - 1)]
    return []
