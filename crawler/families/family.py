"""What a CMS family tells the spider about one of its pages. Every answer is a pure function of a page's URL and
text; the spider turns the answers into requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MAX_PAGES = 10_000  # a page count beyond this is a broken page, not a list
MAX_LIST_PAGES = 500  # list pages walked per 年报 column by default (NIANBAO_MAX_LIST_PAGES; the spider cuts there)

Link = tuple[str, str]  # (href as the page has it, link text)


@dataclass(frozen=True)
class ListRequest:
    """A part of a list that is not an HTML page (Hanweb's dataproxy.jsp XML, a page of a JSON API): the family
    that asked for it reads the answer."""

    url: str
    context: object = None  # what the family needs to read the answer (the API call and the page number)


def _no_pages(url: str, html: str) -> list[str]:
    return []


def _no_requests(url: str, html: str) -> list[ListRequest]:
    return []


def _unread(request: ListRequest, text: str) -> tuple[list[Link], list[ListRequest]]:
    raise NotImplementedError("this family requests no list parts")


def _no_links(html: str) -> list[Link]:
    return []


def _never(url: str) -> bool:
    return False


@dataclass(frozen=True)
class Family:
    """One CMS family's behaviour; the hooks a family leaves out do nothing."""

    name: str  # as in common/families.py (the registry's `cms` values)
    detect: Callable[[str, str], bool]  # (url, page text): the page carries this family's markers
    # The other HTML pages of the list the page is a page of (the spider reads them as pages).
    list_pages: Callable[[str, str], list[str]] = _no_pages
    # The parts of the list the family reads itself, and how it reads one: its links and further parts.
    list_requests: Callable[[str, str], list[ListRequest]] = _no_requests
    read: Callable[[ListRequest, str], tuple[list[Link], list[ListRequest]]] = _unread
    # Links the page holds outside its <a href> (records in a script).
    page_links: Callable[[str], list[Link]] = _no_links
    # A column URL that says nothing of its column: on the 年报 page, such a link named after a unit is the unit's
    # own 年报 column.
    is_opaque_column: Callable[[str], bool] = _never
