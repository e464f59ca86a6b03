"""What a complete crawl of the replica must find and must handle, in live URLs.

Tests and the crawler's end-to-end test compare a crawl against catalog(): every report (its detail page and the
document holding the tables), and the edge cases the sites contain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from replica.sites import ReportEntry, build_sites

__all__ = ["Catalog", "ReportEntry", "catalog"]


@dataclass
class Catalog:
    reports: list[ReportEntry] = field(default_factory=list)
    start_urls: dict[str, list[str]] = field(default_factory=dict)  # www host -> home page URLs
    dead_links: list[str] = field(default_factory=list)  # listed as reports, answer 404
    flaky_urls: list[str] = field(default_factory=list)  # 503 on the first request, 200 afterwards
    robots_disallowed: list[str] = field(default_factory=list)  # linked from lists, forbidden by robots.txt
    challenge_urls: list[str] = field(default_factory=list)  # listed as reports, always 412 瑞数 challenge
    gbk_urls: list[str] = field(default_factory=list)  # pages in GBK without a charset in Content-Type
    wap_twins: dict[str, str] = field(default_factory=dict)  # mobile twin URL -> canonical desktop URL
    news_urls: list[str] = field(default_factory=list)  # listed beside the reports, 200, not reports

    def report(self, slug: str) -> ReportEntry:
        return next(r for r in self.reports if r.slug == slug)


def catalog(cache_dir: Path | None = None) -> Catalog:
    """The replica's own list. URLs do not depend on the cache; cache_dir only locates the attachment files."""
    result = Catalog()
    for site in build_sites(Path(cache_dir) if cache_dir else Path("replica-cache-unused")).values():
        result.reports += site.reports
        result.start_urls[site.host] = [site.start_url]
        result.dead_links += site.dead_links
        result.flaky_urls += site.flaky_urls
        result.robots_disallowed += site.robots_disallowed
        result.challenge_urls += site.challenge_urls
        result.gbk_urls += site.gbk_urls
        result.wap_twins.update(site.wap_twins)
        result.news_urls += site.news_urls
    return result
