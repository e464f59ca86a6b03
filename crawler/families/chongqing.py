"""The Chongqing government site platform (TRS WCM): units' 年报 columns under zwgk_NNN/zfxxgknb_NNN/, a `_wap.html`
mobile twin of every article (crawler.recognise.canonical_url keeps the desktop page); lists as in TRS."""

from __future__ import annotations

import re

from crawler.families import trs
from crawler.families.family import Family

MARKERS = re.compile(r"/zwgk_\d+/|zfxxgknb_\d+|_wap\.html")


def detect(url: str, html: str) -> bool:
    return bool(MARKERS.search(url) or MARKERS.search(html))


FAMILY = Family("chongqing", detect, list_pages=trs.list_pages)
