"""The generic spider: driven by the site registry, it walks home page -> 政务公开 -> 年报 column -> lists (all their
pages, whatever the CMS family) -> report pages -> attachments. It recognises reports by their titles and never
parses statistics. On every page it asks the CMS family the page's markers show (crawler.families) for the list's
other pages and the links its plain <a href> do not hold; the rest is the same for every family.

In an incremental run (crawler.sweep) a list is walked page by page, and only while its pages show reports no
earlier run found; a full sweep requests every page at once. Either way a column stops at its list page limit
(NIANBAO_MAX_LIST_PAGES, registry max_list_pages), recorded as a `list_limit` event.

Without a registry entry (`nianbao crawl --start-url URL`) it does the same from a bare home page, and the run's
summary says which 年报 columns and CMS family it found (discovery).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from common.families import GENERIC
from common.outcomes import Outcome
from common.recognise import is_report_title, is_unit_name, year_of
from common.registry import Site, load, site_for_url
from crawler.archiving import ArchiveSession
from crawler.families import BY_NAME, Family, Link, ListRequest, family_of
from crawler.families.family import MAX_LIST_PAGES
from crawler.frontier import Frontier
from crawler.items import Discovery
from crawler.recognise import canonical_url, is_attachment, is_nav_link, is_report_column

MAX_NAV_DEPTH = 4  # home -> 政务公开 -> 政府信息公开 -> 年报 column: menus beyond that are elsewhere
_COLUMN_TEXT = re.compile(r"年报|年度报告")


def adhoc_site(url: str) -> Site:
    """A site known only by its start URL (discovery): no registry entry, no administrative division yet."""
    host = urlsplit(url).hostname or ""
    return Site(host=host, name=host, admin_code="", cms=GENERIC, start_urls=(url,))


class ReportsSpider(Spider):
    name = "reports"

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        # Loaded once by `nianbao crawl` and passed as is, or the file NIANBAO_REGISTRY names (`scrapy crawl reports`).
        registry = settings.get("NIANBAO_REGISTRY")
        registry = registry if isinstance(registry, Mapping) else load(registry or None)
        start_urls = settings.getlist("NIANBAO_START_URLS")
        hosts = [h.strip() for h in settings.getlist("NIANBAO_SITES") if h.strip()]
        unknown = [h for h in hosts if h not in registry]
        if unknown:
            raise ValueError(f"not in the site registry: {', '.join(unknown)} (known: {', '.join(registry)})")
        if start_urls:
            spider.sites = [replace(site_for_url(registry, u) or adhoc_site(u), start_urls=(u,)) for u in start_urls]
        else:
            spider.sites = [registry[h] for h in hosts] if hosts else list(registry.values())
        spider.registry = {**registry, **{s.host: s for s in spider.sites}}
        spider._limited = set()  # columns whose list page limit was recorded
        spider.allowed_domains = [s.domain for s in spider.sites]
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for site in self.sites:
            for url in site.start_urls:
                yield self._request(url, self.parse_page, site, nav_depth=0)

    # --- requests -------------------------------------------------------------------------------------------

    def _request(self, url: str, callback, site: Site, **meta: Any) -> Request:
        return Request(canonical_url(url), callback=callback, errback=self.on_error, meta={"site": site.host, **meta})

    def on_error(self, failure: Failure) -> None:
        # Everything about the failure is already in the archive (ArchiveMiddleware, robots middleware);
        # here it only needs to not stop the crawl.
        self.logger.debug("request failed: %s", failure.value)

    def _site(self, response: Response) -> Site:
        return self.registry.get(response.meta.get("site", "")) or site_for_url(self.registry, response.url)

    @staticmethod
    def _ok(response: Response) -> bool:
        # NOT_MODIFIED: a 304 the frontier answered with the payload it confirmed.
        outcome = response.meta.get("nianbao_outcome")
        return isinstance(response, TextResponse) and outcome in (Outcome.OK, Outcome.NOT_MODIFIED)

    # --- lists: one column's pages and parts ----------------------------------------------------------------

    def _incremental(self) -> Frontier | None:
        """The crawl's frontier if this run is incremental; None in a full sweep (or without the frontier)."""
        frontier = Frontier.of_crawl(self.crawler)
        return frontier if frontier is not None and frontier.incremental else None

    def _fresh(self, links: Iterable[Link]) -> bool:
        """The links show a report no earlier run found (always true in a full sweep)."""
        frontier = self._incremental()
        if frontier is None:
            return True
        return any(is_report_title(t) and not frontier.is_known(canonical_url(u)) for u, t in links)

    def _list_request(self, response: Response, url: str, callback, number: int, **meta: Any) -> Request | None:
        """Page or part `number` of the list `response` belongs to, unless that passes the column's limit."""
        site = self._site(response)
        limit = site.max_list_pages or self.settings.getint("NIANBAO_MAX_LIST_PAGES", MAX_LIST_PAGES)
        root = response.meta.get("list_root") or response.url
        if number > limit:
            if root not in self._limited:
                self._limited.add(root)
                detail = f"list page limit {limit} reached in the column at {root}; first page not requested: {url}"
                self.logger.warning("%s: %s", site.host, detail)
                ArchiveSession.of(self.crawler).add_event("list_limit", detail, site=site.host, url=root)
            return None
        keep = {**self._list_meta(response), "list_root": root, "list_page": number, **meta}
        return self._request(url, callback, site, **keep)

    def _list_pages(self, response: Response, pages: list[str], fresh: bool) -> Iterator[Request]:
        """The list's other HTML pages: all at once in a full sweep; in an incremental run only the next one, and
        only when this page showed something new."""
        number = response.meta.get("list_page", 1)
        if not self._incremental():
            requests = [self._list_request(response, p, self.parse_page, number + 1 + i) for i, p in enumerate(pages)]
        elif pages and fresh:
            requests = [self._list_request(response, pages[0], self.parse_page, number + 1, list_rest=pages[1:])]
        else:
            requests = []
        yield from (r for r in requests if r is not None)

    def _list_parts(self, response: Response, family: Family, parts: list[ListRequest], go: bool) -> Iterator[Request]:
        """The list's parts the family reads, paced like the pages (`go`: this page or part allows the next)."""
        number = response.meta.get("list_page", 1)
        incremental = self._incremental() is not None
        chosen = parts if not incremental else parts[:1] if go else []
        for i, part in enumerate(chosen):
            rest = {"parts_rest": parts[1:]} if incremental else {}
            request = self._list_request(
                response, part.url, self.parse_list_part, number + 1 + i, family=family.name, list_request=part, **rest
            )
            if request is not None:
                yield request

    # --- pages ----------------------------------------------------------------------------------------------

    def _links(self, response: TextResponse) -> Iterator[Link]:
        for a in response.css("a[href]"):
            href = (a.attrib.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            text = " ".join(t.strip() for t in a.css("::text").getall() if t.strip()) or a.attrib.get("title", "")
            yield response.urljoin(href), text.strip()

    def _follow(
        self, response: TextResponse, family: Family, links: Iterable[Link], go: bool = True
    ) -> Iterator[Request | Discovery]:
        """Report links become report requests; 年报 columns and menu links lead on (depth-limited). Not `go`: the
        page ends its column's walk (an incremental run's list page that shows only known reports)."""
        site = self._site(response)
        depth = response.meta.get("nav_depth", 0)
        in_column = response.meta.get("in_report_column", False) or self._is_report_column(site, response.url)
        for url, text in links:
            if is_report_title(text):
                kind = "attachment" if is_attachment(url, text) else "report_page"
                yield self._found(response, url, kind, text, year_of(text), response.meta.get("column"))
                callback = self.parse_attachment if kind == "attachment" else self.parse_report
                yield self._request(url, callback, site, title=text)
            elif (self._is_report_column(site, url) and (in_column or depth < MAX_NAV_DEPTH)) or (
                # The 年报 page of a family whose column URLs say nothing (Hanweb) links the units' own 年报 columns.
                response.meta.get("names_column") and family.is_opaque_column(url) and is_unit_name(text)
            ):
                yield self._found(response, url, "report_column", text)
                column = {"nav_depth": depth + 1, "in_report_column": True, "column": text or None}
                if not in_column:
                    yield self._request(url, self.parse_page, site, **column)
                elif go:  # a page of the same column (its next page, a section): it counts towards the limit
                    number = response.meta.get("list_page", 1) + 1
                    request = self._list_request(response, url, self.parse_page, number, **column)
                    if request is not None:
                        yield request
            elif is_nav_link(text) and depth < MAX_NAV_DEPTH:
                names_column = bool(_COLUMN_TEXT.search(text))  # 政府信息公开年报, 年度报告: the column itself
                if names_column:
                    yield self._found(response, url, "report_column", text)
                yield self._request(
                    url,
                    self.parse_page,
                    site,
                    nav_depth=depth + 1,
                    in_report_column=names_column,
                    names_column=names_column,
                )

    def _found(
        self, response: Response, url: str, kind: str, title: str, year: int | None = None, agency: str | None = None
    ) -> Discovery:
        return Discovery(
            url=canonical_url(url),
            kind=kind,
            site=self._site(response).host,
            title=title,
            year=year,
            agency_hint=agency,
            referrer=response.url,
        )

    @staticmethod
    def _is_report_column(site: Site, url: str) -> bool:
        return is_report_column(url) or any(re.search(p, url) for p in site.list_url_patterns)

    @staticmethod
    def _list_meta(response: Response) -> dict[str, Any]:
        """What the other pages and parts of a list inherit from the page that showed it."""
        keys = ("nav_depth", "in_report_column", "column", "list_root", "list_page")
        return {k: response.meta[k] for k in keys if k in response.meta}

    def parse_page(self, response: Response) -> Iterator[Request | Discovery]:
        """A home page, a menu page, a 年报 column or one page of a list, of any CMS family."""
        if not self._ok(response):
            return
        site = self._site(response)
        url, html = response.url, response.text
        family = family_of(url, html)
        if family.name != GENERIC:  # the discovery summary names the family most of a site's pages show
            self.crawler.stats.inc_value(f"nianbao/cms/{site.host}/{family.name}")
        links = [*self._links(response), *((response.urljoin(h), t) for h, t in family.page_links(html))]
        fresh = self._fresh(links)
        rest = response.meta.get("list_rest")
        yield from self._list_pages(response, family.list_pages(url, html) if rest is None else rest, fresh)
        # A page that shows no report (a column's index of sections, a JSON API's list page) does not end the walk:
        # its sections or its list's first part are where the reports are.
        go = fresh or not any(is_report_title(t) for _, t in links)
        yield from self._list_parts(response, family, family.list_requests(url, html), go)
        yield from self._follow(response, family, links, go)

    def parse_list_part(self, response: Response) -> Iterator[Request | Discovery]:
        """A part of a list that its family reads (Hanweb's dataproxy.jsp XML, a page of a JSON API): its links, and
        the list's other parts when this part tells them."""
        if not self._ok(response):
            return
        family = BY_NAME[response.meta["family"]]
        try:
            links, more = family.read(response.meta["list_request"], response.text)
        except ValueError:
            self.logger.warning("unreadable %s list part %s", family.name, response.url)
            return
        absolute = [(response.urljoin(h), t) for h, t in links]
        pending = [*more, *response.meta.get("parts_rest", [])]
        fresh = self._fresh(absolute)
        yield from self._list_parts(response, family, pending, fresh)
        yield from self._follow(response, family, absolute, fresh)

    def parse_report(self, response: Response) -> Iterator[Request | Discovery]:
        """A report page: the report itself, or a page pointing to it as attachments."""
        if not self._ok(response):
            return
        site = self._site(response)
        title = response.meta.get("title")
        for url, text in self._links(response):
            if is_attachment(url, text):
                yield self._found(response, url, "attachment", text or title, year_of(text) or year_of(title or ""))
                yield self._request(url, self.parse_attachment, site, title=text or title)

    def parse_attachment(self, response: Response) -> None:
        """Attachments are archived by the middleware; the build parses them."""
        return None
