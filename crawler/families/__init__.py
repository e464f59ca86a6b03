"""The CMS families the spider knows, one module each (detection, list pages and requests, link extraction), in
the order of common/families.py, which also holds their names and their report bodies' containers.

The spider gives each page to the first family whose markers it carries (`family_of`) and asks only that family:
- chongqing, jiangxi, trs: every page of a list is HTML; the count is in a script (createPageHTML, countPage).
- hanweb: the first records sit in a datastore script, the others come from dataproxy.jsp as XML.
- api: the list page's script calls a JSON API, read page by page.
- auto: no family's markers; the generic behaviour (links, report columns, menus) serves every family.
"""

from __future__ import annotations

from common.families import NAMES
from crawler.families import api, auto, chongqing, hanweb, jiangxi, trs
from crawler.families.family import Family, Link, ListRequest

MODULES = {m.FAMILY.name: m for m in (api, auto, chongqing, hanweb, jiangxi, trs)}
FAMILIES: tuple[Family, ...] = tuple(MODULES[name].FAMILY for name in NAMES)
BY_NAME = {f.name: f for f in FAMILIES}

__all__ = ["BY_NAME", "FAMILIES", "MODULES", "Family", "Link", "ListRequest", "family_of"]


def family_of(url: str, html: str) -> Family:
    """The family a page belongs to, from the markers in its URL and text: the first in the table that claims it
    (auto claims every page)."""
    return next(f for f in FAMILIES if f.detect(url, html))
