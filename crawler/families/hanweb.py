"""Hanweb jcms (大汉): every column is /col/col{ID}/index.html; a list's first records sit in the page inside a
<script type="text/xml"> datastore, the others come from /module/web/jpage/dataproxy.jsp as XML; articles are
/art/YYYY/M/D/art_{column}_{id}.html."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from parsel import Selector

from crawler.families.family import MAX_PAGES, Family, Link, ListRequest

MARKERS = re.compile(r"dataproxy\.jsp|<datastore>|/module/jslib/|/col/col\d+/|art_\d+_\d+\.html")

_COLUMN = re.compile(r"/col/col\d+/(?:index\.html)?$")
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)|<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_PER_PAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.I)
_NEXTGROUP = re.compile(r"(/module/web/jpage/dataproxy\.jsp\?[^\"'<>\s]+)")


def detect(url: str, html: str) -> bool:
    return bool(MARKERS.search(url) or MARKERS.search(html))


def is_column_url(url: str) -> bool:
    """Hanweb's column URLs carry no meaning: /col/col{ID}/index.html."""
    return bool(_COLUMN.search(urlsplit(url).path))


def datastore_links(text: str) -> list[Link]:
    """(href, text) of the links inside a datastore's records (HTML page or dataproxy XML)."""
    links = []
    for fragment in _RECORD.findall(text):
        for a in Selector(text=fragment).css("a[href]"):
            label = " ".join(t.strip() for t in a.css("::text").getall() if t.strip()) or a.attrib.get("title", "")
            links.append((a.attrib["href"], label.strip()))
    return links


def dataproxy_urls(url: str, html: str) -> list[str]:
    """The dataproxy.jsp requests that return the records after the first page of a list."""
    total, per_page, proxy = _TOTAL.search(html), _PER_PAGE.search(html), _NEXTGROUP.search(html)
    if not (total and per_page and proxy):
        return []
    count = int(total.group(1) or total.group(2))
    size = max(1, int(per_page.group(1)))
    params = dict(parse_qsl(urlsplit(proxy.group(1).replace("&amp;", "&")).query))
    keep = {k: params[k] for k in ("columnid", "unitid", "webid") if k in params}
    base = urljoin(url, "/module/web/jpage/dataproxy.jsp")
    urls = []
    for start in range(size + 1, min(count, size * MAX_PAGES) + 1, size):
        query = {"startrecord": start, "endrecord": min(start + size - 1, count), "perpage": size, **keep}
        urls.append(f"{base}?{urlencode(query)}")
    return urls


def list_requests(url: str, html: str) -> list[ListRequest]:
    return [ListRequest(u) for u in dataproxy_urls(url, html)]


def read(request: ListRequest, xml: str) -> tuple[list[Link], list[ListRequest]]:
    """A dataproxy.jsp answer: its records' links; the first page asked for all the others."""
    return datastore_links(xml), []


FAMILY = Family(
    "hanweb",
    detect,
    list_requests=list_requests,
    read=read,
    page_links=datastore_links,
    is_opaque_column=is_column_url,
)
