"""What a complete crawl of the replica must find and must handle, in live URLs, and what changes between editions.

Tests and the crawler's end-to-end test compare a crawl against catalog(): every report (its detail page and the
document holding the tables), and the edge cases the sites contain. A re-crawl of a later edition is compared
against changes() (reports new, changed in place, gone) and redesigned() (pages with new bytes and the same report),
both read from the publications that render the sites (replica.editions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from replica.editions import publications_of
from replica.sites import ReportEntry, build_sites

__all__ = ["Catalog", "CatalogChange", "ReportEntry", "catalog", "changes", "redesigned"]


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


@dataclass(frozen=True)
class CatalogChange:
    """A report an edition publishes anew, changes in place (same URLs, other content) or no longer publishes."""

    kind: str  # "new" | "changed" | "gone"
    slug: str
    site: str
    detail_url: str
    document_url: str
    agency: str
    year: int
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)  # changed: key -> (old, new) printed texts


def catalog(cache_dir: Path | None = None, edition: int = 1) -> Catalog:
    """The replica's own list for one edition. URLs do not depend on the cache; cache_dir only locates the attachment
    files."""
    result = Catalog()
    for site in build_sites(Path(cache_dir) if cache_dir else Path("replica-cache-unused"), edition).values():
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


def changes(edition: int = 2) -> list[CatalogChange]:
    """The reports edition `edition` publishes anew, changes or no longer publishes, against the edition before it;
    sorted by kind and slug."""
    before = {r.slug: r for r in catalog(edition=edition - 1).reports}
    after = {r.slug: r for r in catalog(edition=edition).reports}
    old_content = {p.report.slug: p.report for p in publications_of(edition - 1)}
    new_content = {p.report.slug: p.report for p in publications_of(edition)}
    result = []
    for slug in sorted(before.keys() | after.keys()):
        entry = after.get(slug) or before[slug]
        cells: dict[str, tuple[str, str]] = {}
        if slug not in before:
            kind = "new"
        elif slug not in after:
            kind = "gone"
        elif old_content[slug] != new_content[slug]:
            kind, cells = "changed", _changed_cells(old_content[slug].cells, new_content[slug].cells)
        else:
            continue
        result.append(
            CatalogChange(kind, slug, entry.site, entry.detail_url, entry.document_url, entry.agency, entry.year, cells)
        )
    return sorted(result, key=lambda c: (c.kind, c.slug))


def _changed_cells(old: dict[str, str], new: dict[str, str]) -> dict[str, tuple[str, str]]:
    """key -> (old, new) printed text of the cells that differ ("" for a cell one side does not print)."""
    keys = sorted(old.keys() | new.keys())
    return {k: (old.get(k, ""), new.get(k, "")) for k in keys if old.get(k, "") != new.get(k, "")}


def redesigned(edition: int = 2) -> list[str]:
    """Detail page URLs whose bytes change in edition `edition` around the same report (a new look: a hit counter,
    a menu): a re-crawl must find no new version there."""
    before = {p.report.slug: p.redesigned_on for p in publications_of(edition - 1)}
    slugs = {
        p.report.slug
        for p in publications_of(edition)
        if p.redesigned_on is not None and before.get(p.report.slug, p.redesigned_on) != p.redesigned_on
    }
    return sorted(r.detail_url for r in catalog(edition=edition).reports if r.slug in slugs)
