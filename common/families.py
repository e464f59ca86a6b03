"""The CMS families nianbao knows, as data: their names (the registry's `cms` values) and the containers that hold
the report body on their article pages. What the crawler does on each family's pages is in
crawler/families/<name>.py; the HTML parser reads the body containers from here.

The table is ordered most specific first: the crawler gives a page to the first family whose markers it carries
(the Chongqing and Jiangxi platforms run TRS WCM, so their pages carry TRS markers too), and the body finder tries
the containers in this order.
"""

from __future__ import annotations

GENERIC = "auto"  # pages that carry no family's markers: the spider's generic behaviour only

_TRS_BODY = (".TRS_Editor", ".trs_editor_view", ".trs_paper_default")

BODY_SELECTORS: dict[str, tuple[str, ...]] = {
    "chongqing": _TRS_BODY,
    "jiangxi": ("#zoom",),
    "hanweb": ("#zoom",),
    "trs": _TRS_BODY,
    "api": (),  # known by its list API, not by its pages: the generic containers find its report bodies
    GENERIC: ("#UCAP-CONTENT", ".article-content", ".view", "article"),
}

NAMES = tuple(BODY_SELECTORS)


def body_selectors() -> tuple[str, ...]:
    """Every family's body containers in table order, each once: the order the HTML body finder tries them."""
    return tuple(dict.fromkeys(s for selectors in BODY_SELECTORS.values() for s in selectors))
