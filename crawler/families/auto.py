"""Pages that carry no family's markers: the spider's generic behaviour only (the page's links, report columns and
menu links, see crawler.recognise); nothing to paginate and no records outside the links."""

from __future__ import annotations

from common.families import GENERIC
from crawler.families.family import Family


def detect(url: str, html: str) -> bool:
    return True  # the last family of the table: every page no other family claimed


FAMILY = Family(GENERIC, detect)
