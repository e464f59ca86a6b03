"""Lists behind a JSON API: the list page links no article; its script calls an API ($.ajax, $.getJSON, $.get,
$.post) with a page number, and the API is read page by page instead."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin

from crawler.families.family import MAX_PAGES, Family, Link, ListRequest

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


@dataclass(frozen=True)
class ApiPage:
    """Which page of which call a request asks for (a ListRequest's context)."""

    call: ApiCall
    number: int


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


def api_items(payload: str) -> list[Link]:
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


def detect(url: str, html: str) -> bool:
    return bool(api_calls(html))


def _request(call: ApiCall, number: int) -> ListRequest:
    return ListRequest(call.page(number), ApiPage(call, number))


def list_requests(url: str, html: str) -> list[ListRequest]:
    """The first page of every list API the page's script calls."""
    return [_request(call, 1) for call in api_calls(html, url)]


def read(request: ListRequest, payload: str) -> tuple[list[Link], list[ListRequest]]:
    """One page of a JSON list API: its entries; the first page also asks for the others. ValueError when the
    answer is not JSON."""
    page = request.context
    assert isinstance(page, ApiPage)
    items = api_items(payload)
    if page.number > 1:
        return items, []
    return items, [_request(page.call, n) for n in range(2, api_page_count(payload, page.call) + 1)]


FAMILY = Family("api", detect, list_requests=list_requests, read=read)
