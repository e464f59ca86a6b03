"""The Jiangxi government site platform (TRS WCM): per-unit 年报 columns zfxxgkndbgXX/ listed at pc/list.html,
articles named by 32 hex digits (.shtml)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.families import trs
from crawler.families.family import Family

MARKERS = re.compile(r"zfxxgkndbg[0-9a-z]{2}|/pc/list\.html|[0-9a-f]{32}\.shtml")
_LIST = re.compile(r"/list(?:_\d+)?(?:\.\w+)?$")


def detect(url: str, html: str) -> bool:
    return bool(MARKERS.search(url) or MARKERS.search(html))


def list_pages(url: str, html: str) -> list[str]:
    """The platform numbers the second page of list.html _2 (list_2.html); its other lists number it _1 as TRS."""
    return trs.page_urls(url, html, second=2 if _LIST.search(urlsplit(url).path) else 1)


FAMILY = Family("jiangxi", detect, list_pages=list_pages)
