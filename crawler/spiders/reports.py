"""The generic spider: driven by the site registry, it walks home page -> 政务公开 -> 年报 column -> lists (all their
pages) -> report pages -> attachments. It recognises reports by their titles and never parses statistics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.items import Discovery
from crawler.pagination import page_urls
from crawler.recognise import canonical_url, is_attachment, is_nav_link, is_report_column
from crawler.registry import Site, load, site_for_url
from parsers.report import is_report_title, year_of

MAX_NAV_DEPTH = 4  # home -> 政务公开 -> 政府信息公开 -> 年报 column: menus beyond that are elsewhere


class ReportsSpider(Spider):
    name = "reports"

    def __init__(self, sites: str | None = None, registry: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._sites_arg = sites
        self._registry_arg = registry

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        registry = load(spider._registry_arg or crawler.settings.get("NIANBAO_REGISTRY") or None)
        wanted = spider._sites_arg or crawler.settings.get("NIANBAO_SITES") or ""
        hosts = [h.strip() for h in wanted.split(",") if h.strip()]
        unknown = [h for h in hosts if h not in registry]
        if unknown:
            raise ValueError(f"not in the site registry: {', '.join(unknown)} (known: {', '.join(registry)})")
        spider.registry = registry
        spider.sites = [registry[h] for h in hosts] if hosts else list(registry.values())
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

    # --- pages ----------------------------------------------------------------------------------------------

    def _links(self, response: TextResponse) -> Iterator[tuple[str, str]]:
        for a in response.css("a[href]"):
            href = (a.attrib.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            text = " ".join(t.strip() for t in a.css("::text").getall() if t.strip()) or a.attrib.get("title", "")
            yield response.urljoin(href), text.strip()

    def parse_page(self, response: Response) -> Iterator[Request | Discovery]:
        """A home page, a menu page, a 年报 column or one page of a list."""
        if not isinstance(response, TextResponse) or response.meta.get("nianbao_outcome") != "ok":
            return
        site = self._site(response)
        depth = response.meta.get("nav_depth", 0)
        column = response.css('meta[name="ColumnName"]::attr(content)').get()
        in_report_column = is_report_column(response.url) or response.meta.get("in_report_column", False)
        for url in page_urls(response.url, response.text):
            yield self._request(url, self.parse_page, site, nav_depth=depth, in_report_column=in_report_column)
        for url, text in self._links(response):
            if is_report_title(text):
                kind = "attachment" if is_attachment(url, text) else "report_page"
                yield Discovery(
                    url=canonical_url(url),
                    kind=kind,
                    site=site.host,
                    title=text,
                    year=year_of(text),
                    agency_hint=column,
                    referrer=response.url,
                )
                if is_attachment(url, text):
                    yield self._request(url, self.parse_attachment, site, title=text)
                else:
                    yield self._request(url, self.parse_report, site, title=text)
            elif is_report_column(url) and (in_report_column or depth < MAX_NAV_DEPTH):
                yield self._request(url, self.parse_page, site, nav_depth=depth + 1, in_report_column=True)
            elif is_nav_link(text) and depth < MAX_NAV_DEPTH:
                yield self._request(url, self.parse_page, site, nav_depth=depth + 1)

    def parse_report(self, response: Response) -> Iterator[Request | Discovery]:
        """A report page: the report itself, or a page pointing to it as attachments."""
        if not isinstance(response, TextResponse) or response.meta.get("nianbao_outcome") != "ok":
            return
        site = self._site(response)
        title = response.meta.get("title")
        for url, text in self._links(response):
            if is_attachment(url, text):
                yield Discovery(
                    url=url,
                    kind="attachment",
                    site=site.host,
                    title=text or title,
                    year=year_of(text) or year_of(title or ""),
                    agency_hint=None,
                    referrer=response.url,
                )
                yield self._request(url, self.parse_attachment, site, title=text or title)

    def parse_attachment(self, response: Response) -> None:
        """Attachments are archived by the middleware; the build parses them."""
        return None
