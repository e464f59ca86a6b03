"""The replica's editions: the same sites seen at two moments, for re-crawls.

Edition 1 is the sites as a first crawl finds them (replica.content.publications()). Edition 2 is the same sites some
months later (spring 2026), as real sites change between two crawls; everything else stays byte-identical:
- three reports are revised in place (same detail and document URLs, other numbers): an inline HTML report, a DOCX
  and a PDF attachment. More requests were received and granted than first printed, so received, granted and the
  totals grow together and the report's own checks still hold; the narrative states the new count.
- two new reports appear first in their lists, pushing the oldest item of the first page to the second: a new year's
  report on a site whose lists are static pages (yzq), and one behind the JSON list API (lg).
- one report is withdrawn: unlisted, and its pages answer 404.
- one report page is redesigned (a hit counter and a new menu item): new bytes, the same report.
replica.catalog.changes() and redesigned() list these, derived from publications(edition).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cache

from replica.content import Publication, carried_forward, generated_blocks, generated_report, publications, unit

EDITIONS = (1, 2)


@dataclass(frozen=True)
class Revision:
    """A report replaced in place: `more` requests from natural persons were received and granted than printed."""

    slug: str
    on: date
    more: int


@dataclass(frozen=True)
class NewReport:
    site: str
    unit: str
    year: int
    format: str
    published_on: date


@dataclass(frozen=True)
class Plan:
    """What an edition changes on the edition before it."""

    revised: tuple[Revision, ...] = ()
    new: tuple[NewReport, ...] = ()
    gone: tuple[str, ...] = ()  # slugs of withdrawn reports
    redesigned: tuple[tuple[str, date], ...] = ()  # (slug, day) of report pages given a new look


PLANS = {
    2: Plan(
        revised=(
            Revision("yuhang-wcjd-2023", date(2026, 4, 8), 3),  # inline HTML (Hanweb)
            Revision("hc-qzf-2023", date(2026, 4, 15), 2),  # DOCX (Chongqing platform)
            Revision("cqbn-jtj-2025", date(2026, 5, 6), 5),  # PDF (Chongqing platform)
        ),
        new=(
            NewReport("www.yzq.gov.cn", "qzf", 2025, "html", date(2026, 3, 24)),  # static list pages
            NewReport("www.lg.gov.cn", "qzf", 2025, "docx", date(2026, 3, 27)),  # the JSON list API
        ),
        gone=("cqbn-alz-2020",),
        redesigned=(("yzq-lyj-2023", date(2026, 4, 20)),),  # Jiangxi platform: a hit counter and a menu item
    ),
}

# The cells a revision changes, per `more` added: every one grows by it, so the rows, columns and balance still add up.
REVISED_CELLS = tuple(
    f"requests.{row}.{column}" for row in ("received", "granted", "total") for column in ("natural_person", "total")
)


def checked(edition: int) -> int:
    """`edition`, when the replica has it."""
    if edition not in EDITIONS:
        raise ValueError(f"the replica has editions {', '.join(map(str, EDITIONS))}, not {edition}")
    return edition


@cache
def publications_of(edition: int) -> tuple[Publication, ...]:
    """Every report edition `edition` publishes, in a stable order (edition 1: replica.content.publications())."""
    if checked(edition) == 1:
        return publications()
    return _apply(PLANS[edition], publications_of(edition - 1), edition)


def _apply(plan: Plan, before: tuple[Publication, ...], edition: int) -> tuple[Publication, ...]:
    revised = {r.slug: r for r in plan.revised}
    redesigned = dict(plan.redesigned)
    known = {*revised, *redesigned, *plan.gone}
    missing = known - {p.report.slug for p in before}
    if missing:
        raise ValueError(f"edition {edition} changes reports that are not there: {sorted(missing)}")
    result = []
    for pub in before:
        slug = pub.report.slug
        if slug in plan.gone:
            continue
        if slug in revised:
            pub = _revise(pub, revised[slug])
        if slug in redesigned:
            pub = replace(pub, redesigned_on=redesigned[slug])
        result.append(pub)
    for new in plan.new:
        u = unit(new.site, new.unit)
        previous = next((p.report for p in result if p.unit == u and p.report.year == new.year - 1), None)
        report = generated_report(u, new.year, carried_over=carried_forward(previous) if previous else None)
        result.append(Publication(report, u, new.format, new.published_on, first_edition=edition))
    return tuple(result)


def _revise(pub: Publication, revision: Revision) -> Publication:
    report = pub.report
    if report.seed is not None or report.template == "legacy":
        raise ValueError(f"{report.slug}: only generated reports are revised (their narrative is generated too)")
    cells = {**report.cells, **{key: str(int(report.cells[key]) + revision.more) for key in REVISED_CELLS}}
    revised = replace(report, cells=cells, blocks=generated_blocks(report.agency, report.year, cells))
    return replace(pub, report=revised, revised_on=revision.on)
