"""The CMS families' list pages: how each one shows which family it is, where its list items are, and where its
other pages are. Pure functions of a page's URL and text; the spider turns their answers into requests.

- TRS WCM (拓尔思) and the Chongqing and Jiangxi platforms: every page of a list is HTML; the count is in a script
  (createPageHTML(n, …) or var countPage = n): see crawler.pagination.
- Hanweb jcms (大汉): the first page's records sit in a <script type="text/xml"> datastore; the others come from
  /module/web/jpage/dataproxy.jsp as XML.
- Sites whose list pages call a JSON API from their script ($.ajax, $.getJSON, $.get, fetch): the API is read page
  by page instead.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from parsel import Selector

MAX_PAGES = 500  # a page count beyond this is a broken page, not a list

# --- which family -------------------------------------------------------------------------------------------------

_FAMILY_MARKERS = (
    ("hanweb", re.compile(r"dataproxy\.jsp|<datastore>|/module/jslib/|/col/col\d+/|art_\d+_\d+\.html")),
    ("chongqing", re.compile(r"/zwgk_\d+/|zfxxgknb_\d+|_wap\.html")),
    ("jiangxi", re.compile(r"zfxxgkndbg[0-9a-z]{2}|/pc/list\.html|[0-9a-f]{32}\.shtml")),
    ("trs", re.compile(r"createPageHTML|var\s+countPage|TRS_Editor|trs_paper_default|t\d{8}_\d+\.html")),
)


def detect_family(url: str, html: str) -> str | None:
    """The CMS family a page belongs to, from markers in its URL and text (the most specific family first)."""
    for family, marker in _FAMILY_MARKERS:
        if marker.search(url) or marker.search(html):
            return family
    return "api" if api_calls(html) else None


# --- Hanweb jcms -------------------------------------------------------------------------------------------------

_HANWEB_COLUMN = re.compile(r"/col/col\d+/(?:index\.html)?$")


def is_column_url(url: str) -> bool:
    """A column (list) page of a CMS whose column URLs carry no meaning: Hanweb's /col/col{ID}/index.html. Inside
    a 年报 column such links are the units' own 年报 columns."""
    return bool(_HANWEB_COLUMN.search(urlsplit(url).path))


_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)|<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_PER_PAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.I)
_NEXTGROUP = re.compile(r"(/module/web/jpage/dataproxy\.jsp\?[^\"'<>\s]+)")


def datastore_links(text: str) -> list[tuple[str, str]]:
    """(href, text) of the links inside a jcms datastore's records (HTML page or dataproxy XML)."""
    links = []
    for fragment in _RECORD.findall(text):
        for a in Selector(text=fragment).css("a[href]"):
            label = " ".join(t.strip() for t in a.css("::text").getall() if t.strip()) or a.attrib.get("title", "")
            links.append((a.attrib["href"], label.strip()))
    return links


def dataproxy_urls(url: str, html: str) -> list[str]:
    """The dataproxy.jsp requests that return the records after the first page of a jcms list."""
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


# --- lists behind a JSON API --------------------------------------------------------------------------------------

_PAGE_KEYS = re.compile(r"^(page|pageNo|pageNum|pageIndex|pageNumber|currentPage|curPage|p)$", re.I)
_SIZE_KEYS = re.compile(r"^(pageSize|size|rows|limit|perPage|pageCount)$", re.I)
_AJAX = re.compile(
    r"\$\.(?:ajax|getJSON|get|post)\s*\(\s*(?:\{[^{}]*?url\s*:\s*(?P<q1>['\"])(?P<url1>[^'\"]+)(?P=q1)"
    r"|(?P<q2>['\"])(?P<url2>[^'\"]+)(?P=q2))",
    re.S,
)
_DATA_OBJECT = re.compile(r"data\s*:\s*(\{[^{}]*\})|^\s*,\s*(\{[^{}]*\})", re.S)
_PAIR = re.compile(r"['\"]?(\w+)['\"]?\s*:\s*(?:(['\"])(.*?)\2|([\w.]+))")
_VAR = re.compile(r"(?:var|let|const)\s+(\w+)\s*=\s*(['\"])(.*?)\2")


@dataclass(frozen=True)
class ApiCall:
    """A list API as the page's script calls it: URL, fixed parameters, and which parameter is the page number."""

    url: str
    params: tuple[tuple[str, str], ...]
    page_key: str
    size_key: str | None

    def page(self, number: int) -> str:
        query = dict(self.params)
        query[self.page_key] = str(number)
        return f"{self.url}?{urlencode(query)}"


def api_calls(html: str, page_url: str = "") -> list[ApiCall]:
    """jQuery calls in the page's scripts that fetch a paged list: a URL literal and a data object with a page key.
    Variables used as values are resolved from `var name = "…"` in the page; the page key is set per request."""
    variables = {name: value for name, _, value in _VAR.findall(html)}
    calls = []
    for m in _AJAX.finditer(html):
        url = m.group("url1") or m.group("url2")
        rest = html[m.end() : m.end() + 600]
        data = _DATA_OBJECT.search(html[m.start() : m.end() + 600]) or _DATA_OBJECT.search(rest)
        if not data:
            continue
        params: dict[str, str] = {}
        for key, _, literal, name in _PAIR.findall(data.group(1) or data.group(2)):
            params[key] = literal if literal or not name else variables.get(name, name)
        page_key = next((k for k in params if _PAGE_KEYS.match(k)), None)
        if page_key is None:
            continue
        size_key = next((k for k in params if _SIZE_KEYS.match(k)), None)
        fixed = tuple((k, v) for k, v in params.items() if k != page_key and re.fullmatch(r"[\w.\-]*", v))
        calls.append(ApiCall(urljoin(page_url, url), fixed, page_key, size_key))
    return calls


_TITLE_KEYS = ("title", "docTitle", "name", "articleTitle", "t")
_URL_KEYS = ("url", "link", "href", "docUrl", "articleUrl", "path")
_TOTAL_KEYS = ("total", "totalCount", "totalRecord", "recordCount", "count", "totalElements")


def _lists(data: Any):
    if isinstance(data, list):
        yield data
        for item in data:
            yield from _lists(item)
    elif isinstance(data, dict):
        for value in data.values():
            yield from _lists(value)


def api_items(payload: str) -> list[tuple[str, str]]:
    """(url, title) of the entries of a JSON list response: the first list of objects that have both."""
    data = json.loads(payload)
    for candidate in _lists(data):
        items = []
        for entry in candidate:
            if not isinstance(entry, dict):
                break
            url = next((entry[k] for k in _URL_KEYS if isinstance(entry.get(k), str)), None)
            title = next((entry[k] for k in _TITLE_KEYS if isinstance(entry.get(k), str)), None)
            if url and title:
                items.append((url, title))
        if items:
            return items
    return []


def api_page_count(payload: str, call: ApiCall) -> int:
    """How many pages the list has: its total over the page size (1 when the response does not say)."""
    data = json.loads(payload)
    total = size = None
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _TOTAL_KEYS and isinstance(value, int):
                    total = total if total is not None else value
                elif _SIZE_KEYS.match(key) and isinstance(value, int) and value > 0:
                    size = size or value
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    if size is None and call.size_key:
        size = int(dict(call.params).get(call.size_key, "0") or 0) or None
    if not total or not size:
        return 1
    return min(math.ceil(total / size), MAX_PAGES)
