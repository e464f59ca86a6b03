"""Synthetic archives for the build benchmark, written with the project's own WARC writer and provenance index, as a
crawl would write them.

Many sites (synthetic hosts, not in the registry), each with a 年报 page linking 40 unit columns (one county
government, departments, towns, sub-districts); each unit's column lists its reports of several consecutive years
(some with a gap), so agency naming, coverage and the cross-year chain all have work. Report contents are the
replica's generated reports (their carried-over numbers continue the previous year's); 5 of 6 are HTML pages that
carry the tables, 1 of 6 a DOCX attached to a page without tables. A few reports print their agency's name without
人民政府 / 办事处 (the build joins them to the full name), a few are published late, a few break a check.

python-docx takes ~0.2 s per report, so a DOCX is made from one rendered prototype per year whose texts are
placeholders, by substituting the report's texts into its XML: the same document.xml report_docx would write.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from xml.sax.saxutils import escape

from archive.index import ProvenanceIndex
from archive.warc import WarcWriter
from common.datadir import DataDir
from common.template import templates
from replica.content import ReportContent, Unit, generated_blocks, generated_report
from replica.render import report_docx, report_html

VERSION = "1"  # of the corpus: change it with anything that changes the archives written (cached by version)
UNITS_PER_SITE = 40
CRAWLED_AT = datetime(2026, 4, 20, tzinfo=UTC)
RUN_ID = "20260420T000000Z-bench"
HTML_TYPE = "text/html; charset=utf-8"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Characters of place names: none of them is a word the recognisers look for (年, 公开, 局, 区, 镇 …).
_PLACE_CHARS = "青岭东川石桥白沙云溪江林平安永和长宁金山龙泉清水红星丰华兴隆松柏梅花新田高峰玉湖凤鸣"
DEPARTMENTS = (
    "人民政府办公室", "发展和改革局", "教育局", "科学技术局", "工业和信息化局", "民政局", "司法局", "财政局",
    "人力资源和社会保障局", "自然资源局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
    "文化和旅游局", "卫生健康局", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局",
    "医疗保障局", "林业局", "城市管理局",
)  # fmt: skip
TOWNS, STREETS = 10, 4  # with the government and the departments: UNITS_PER_SITE units


def stable(text: str) -> int:
    return zlib.crc32(text.encode())


def place(n: int) -> str:
    """The n-th two-character place name: two different characters, distinct for n below 42 × 41."""
    size = len(_PLACE_CHARS)
    first, second = divmod(n * 1009 % (size * (size - 1)), size - 1)  # 1009 is prime to 42 × 41: n spreads
    return _PLACE_CHARS[first] + _PLACE_CHARS[second + (second >= first)]


@dataclass(frozen=True)
class Planned:
    """One report of the corpus and how it is published."""

    unit: Unit
    year: int
    printed: str  # the agency's name as the report prints it
    published_on: date
    docx: bool
    breaks_check: str | None


def site_units(number: int) -> list[Unit]:
    """The 40 units of the number-th site: its government, departments, towns and sub-districts."""
    host = f"www.bench{number:04d}.gov.cn"
    region = f"{place(number * 7 + 3)}市{place(number * 11 + 5)}{'区' if number % 3 else '县'}"
    units = [Unit(host, "zf", f"{region}人民政府", "government")]
    units += [Unit(host, f"bm{i:02d}", f"{region}{name}", "department") for i, name in enumerate(DEPARTMENTS)]
    towns = [place(number * 13 + i * 29 + 1) for i in range(TOWNS + STREETS)]
    units += [Unit(host, f"xz{i:02d}", f"{region}{name}镇人民政府", "town") for i, name in enumerate(towns[:TOWNS])]
    units += [Unit(host, f"jd{i:02d}", f"{region}{name}街道办事处", "town") for i, name in enumerate(towns[TOWNS:])]
    assert len({u.agency for u in units}) == UNITS_PER_SITE
    return units


def plan(size: int) -> Iterator[list[Planned]]:
    """The corpus of `size` reports, one list per unit, its years in order."""
    left, serial = size, 0
    for number in range(size):
        for unit in site_units(number):
            h = stable(f"{unit.site}/{unit.key}")
            first, count = 2019 + h % 3, 3 + h % 4
            years = [y for y in range(first, min(first + count, 2026)) if not (h % 7 == 0 and y == first + 1)]
            reports = []
            for index, year in enumerate(years[:left]):
                short = index == 1 and unit.kind != "department" and h % 3 == 0  # 某某镇, not 某某镇人民政府
                late = stable(f"{unit.site}/{unit.key}/{year}") % 25 == 0
                reports.append(
                    Planned(
                        unit=unit,
                        year=year,
                        printed=re.sub("(人民政府|办事处)$", "", unit.agency) if short else unit.agency,
                        published_on=date(year + 1, 4, 15) if late else date(year + 1, 1, 10 + h % 18),
                        docx=serial % 6 == 5,
                        breaks_check="requests_balance" if serial % 50 == 49 else None,
                    )
                )
                serial += 1
            left -= len(reports)
            if reports:
                yield reports
            if not left:
                return


def report_content(p: Planned, carried_over: dict[str, int] | None) -> ReportContent:
    content = generated_report(p.unit, p.year, p.breaks_check, carried_over)
    if p.printed == p.unit.agency:
        return content
    return replace(
        content,
        agency=p.printed,
        title_lines=(f"{p.printed}{p.year}年政府信息公开工作年度报告",),
        blocks=generated_blocks(p.printed, p.year, content.cells),
    )


def carried_forward(content: ReportContent) -> dict[str, int]:
    columns = [c.key for c in templates()["2019"].requests_columns if c.key != "total"]
    return {c: int(content.cells[f"requests.carried_forward.{c}"]) for c in columns}


# --- DOCX from a prototype -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"ZQX(\w+?)QXZ")


@cache
def _prototype(year: int) -> tuple[list[tuple[zipfile.ZipInfo, bytes]], tuple[str, ...]]:
    """A DOCX of `year` whose title, agency and cells are tokens, as (zip entries, cell keys in token order)."""
    content = generated_report(Unit("www.prototype.gov.cn", "p", "ZQXagencyQXZ", "town"), year)
    keys = tuple(sorted(content.cells))
    cells = {key: f"ZQX{i}QXZ" for i, key in enumerate(keys)}
    content = replace(
        content,
        title_lines=("ZQXtitleQXZ",),
        cells=cells,
        blocks=generated_blocks("ZQXagencyQXZ", year, cells),
    )
    with zipfile.ZipFile(io.BytesIO(report_docx(content))) as z:
        return [(info, z.read(info)) for info in z.infolist()], keys


def docx_bytes(content: ReportContent) -> bytes:
    """report_docx(content), made by filling the year's prototype."""
    entries, keys = _prototype(content.year)
    if tuple(sorted(content.cells)) != keys:
        raise ValueError(f"{content.slug}: cells differ from the {content.year} prototype's")
    texts = {"agency": content.agency, "title": content.title} | {str(i): content.cells[k] for i, k in enumerate(keys)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            if info.filename in ("word/document.xml", "docProps/core.xml"):
                data = _TOKEN.sub(lambda m: escape(texts[m.group(1)]), data.decode()).encode()
            z.writestr(info, data)
    return out.getvalue()


# --- pages -----------------------------------------------------------------------------------------------------


def page(site_name: str, title: str, content: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
        f"<title>{html.escape(title)}</title>\n</head>\n<body>\n"
        f'<div class="header"><a href="/">{html.escape(site_name)}</a></div>\n{content}\n'
        f'<div class="footer"><p>主办：{html.escape(site_name)}办公室</p></div>\n</body>\n</html>\n'
    ).encode()


def link_list(links: list[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="{href}" target="_blank">{html.escape(text)}</a></li>\n' for href, text in links)
    return f'<div class="list"><ul>\n{items}</ul></div>'


def detail(title: str, day: date, source: str, body: str) -> str:
    return (
        f'<div class="article"><h2 class="title">{html.escape(title)}</h2>\n'
        f'<div class="info">发布时间：{day.isoformat()}　来源：{html.escape(source)}</div>\n'
        f'<div class="view TRS_UEDITOR trs_paper_default trs_web">\n{body}\n</div></div>'
    )


def attachment_body(title: str, href: str) -> str:
    return (
        '<p style="text-indent:2em;">根据《中华人民共和国政府信息公开条例》规定，'
        f"现将《{html.escape(title)}》予以公布，详见附件。</p>\n"
        f'<p style="text-indent:2em;">附件：<a href="{href}">{html.escape(title)}.docx</a></p>'
    )


# --- the archive -----------------------------------------------------------------------------------------------


class Crawl:
    """Writes fetches and discoveries as crawler/archiving.py does, one second apart."""

    def __init__(self, data_dir: DataDir, sites: list[str]):
        self.writer = WarcWriter(data_dir.warc_dir, RUN_ID, info={"operator-contact": "bench"})
        self.index = ProvenanceIndex(data_dir.index)
        self.clock = CRAWLED_AT
        self.index.start_run(RUN_ID, sites=sites, settings={"delay": 0, "bench": True}, started_at=self.clock)

    def fetch(self, site: str, url: str, body: bytes, content_type: str, referrer: str | None) -> None:
        self.clock += timedelta(seconds=1)
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        request = [("User-Agent", "nianbao-bench")] + ([("Referer", referrer)] if referrer else [])
        location = self.writer.write_exchange(
            url, request_headers=request, status=200, response_headers=headers, body=body, fetched_at=self.clock
        )
        self.index.add_fetch(
            run_id=RUN_ID,
            site=site,
            url=url,
            method="GET",
            fetched_at=self.clock,
            status=200,
            outcome="ok",
            content_type=content_type,
            length=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            headers_json=json.dumps(headers),
            referrer=referrer,
            **location.index_fields(),
        )

    def found(
        self,
        site: str,
        url: str,
        kind: str,
        title: str,
        referrer: str,
        year: int | None = None,
        agency: str | None = None,
    ) -> None:
        self.index.add_discovery(
            RUN_ID,
            url,
            kind,
            site=site,
            title=title,
            year=year,
            agency_hint=agency,
            referrer=referrer,
            found_at=self.clock,
        )

    def close(self) -> None:
        self.writer.close()
        self.index.finish_run(RUN_ID, "finished", {"bench": True}, finished_at=self.clock)
        self.index.close()


def write_archive(data_dir: DataDir, size: int) -> None:
    """Write the crawl of a `size`-report corpus into data_dir: per site its 年报 page, per unit its column's list,
    per report its page (and the DOCX the page links)."""
    by_site: dict[str, list[list[Planned]]] = {}
    for unit_reports in plan(size):
        by_site.setdefault(unit_reports[0].unit.site, []).append(unit_reports)
    crawl = Crawl(data_dir, list(by_site))
    for host, units in by_site.items():
        government = units[0][0].unit.agency  # every site's first unit
        root = f"https://{host}/xxgk/ndbg/"
        columns = [(f"{root}{reports[0].unit.key}/", reports[0].unit.agency) for reports in units]
        crawl.fetch(host, root, page(government, "政府信息公开年报", link_list(columns)), HTML_TYPE, f"https://{host}/")
        for url, text in columns:
            crawl.found(host, url, "report_column", text, root)
        for (column, column_text), reports in zip(columns, units, strict=True):
            write_column(crawl, government, column, column_text, reports)
    crawl.close()


def write_column(crawl: Crawl, government: str, column: str, column_text: str, reports: list[Planned]) -> None:
    """One unit's 年报 column: its list page, its report pages and their attachments."""
    host, region = reports[0].unit.site, government.removesuffix("人民政府")
    contents: list[ReportContent] = []
    for p in reports:
        previous = contents[-1] if contents and contents[-1].year == p.year - 1 else None
        contents.append(report_content(p, carried_forward(previous) if previous else None))
    links = [
        (f"{column}t{p.published_on:%Y%m%d}_{stable(c.slug)}.html", c.title)
        for p, c in zip(reports, contents, strict=True)
    ]
    root = column[: column.rindex("/", 0, -1) + 1]
    crawl.fetch(host, column, page(government, column_text, link_list(links)), HTML_TYPE, root)
    for (url, title), p in zip(links, reports, strict=True):
        crawl.found(host, url, "report_page", title, column, p.year, column_text)
    for (url, title), p, content in zip(links, reports, contents, strict=True):
        source = p.unit.agency.removeprefix(region) or p.unit.agency
        if not p.docx:
            body = page(government, title, detail(title, p.published_on, source, report_html(content)))
            crawl.fetch(host, url, body, HTML_TYPE, column)
            continue
        name = f"P0{p.published_on:%Y%m%d}{stable(content.slug) % 10**6:06d}.docx"
        body = page(government, title, detail(title, p.published_on, source, attachment_body(title, "./" + name)))
        crawl.fetch(host, url, body, HTML_TYPE, column)
        document = url.rsplit("/", 1)[0] + "/" + name
        crawl.found(host, document, "attachment", f"{title}.docx", url, p.year)
        crawl.fetch(host, document, docx_bytes(content), DOCX_TYPE, url)
