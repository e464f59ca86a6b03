"""What every replica site is made of: resources by path, CMS lists, articles, news, ids, and the edge cases.

A site family (chongqing.py, jiangxi.py, trs.py, hanweb.py, api.py; walled.py, a bot wall) decides URL shapes and
page looks; this module holds the parts they share. Everything is deterministic: the same content always gives the
same URLs and pages.
"""

from __future__ import annotations

import hashlib
import html
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from replica.content import Publication, Unit

# Where a site finds the attachment file of a publication (attachments.attachment_path bound to a cache dir).
AttachmentFiles = Callable[[Publication], Path]

PAGE_SIZE = 6  # items per list page: small, so that every site has a list of 3+ pages

HTML_UTF8 = "text/html; charset=utf-8"
HTML_NO_CHARSET = "text/html"  # what many CMS servers send; the page's <meta> names the encoding
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
}


@dataclass
class Resource:
    status: int
    content_type: str
    body: bytes | Path  # a Path is an attachment file, read when served
    modified: datetime | None = None  # static files get Last-Modified / ETag and answer conditional GETs
    headers: tuple[tuple[str, str], ...] = ()
    flaky: bool = False  # EDGE CASE 5xx-then-200: the first request answers 503, later ones this resource


@dataclass(frozen=True)
class ReportEntry:
    """One publication as a complete crawl must find it (live URLs)."""

    slug: str
    site: str
    unit: str
    detail_url: str
    document_url: str  # the attachment, or the detail page when the report is inline HTML
    format: str
    title: str
    agency: str
    year: int
    template: str
    seed: str | None
    breaks_check: str | None
    published_on: str
    also_at: tuple[str, ...] = ()  # other pages that publish the same document


@dataclass
class Site:
    """A replica site: its resources by path, plus the facts the catalog reports about it."""

    host: str  # the www host; the bare host answers 301 to it
    scheme: str
    name: str  # the body that runs the site, e.g. 重庆市巴南区人民政府
    family: str  # chongqing | jiangxi | trs | hanweb | api | walled
    resources: dict[str, Resource] = field(default_factory=dict)
    not_found: Resource | None = None
    reports: list[ReportEntry] = field(default_factory=list)
    news_urls: list[str] = field(default_factory=list)
    dead_links: list[str] = field(default_factory=list)
    flaky_urls: list[str] = field(default_factory=list)
    robots_disallowed: list[str] = field(default_factory=list)
    challenge_urls: list[str] = field(default_factory=list)
    gbk_urls: list[str] = field(default_factory=list)
    wap_twins: dict[str, str] = field(default_factory=dict)  # twin URL -> canonical URL
    # Paths answered from their query string (list APIs, download scripts): path -> params -> resource or None.
    endpoints: dict[str, Callable[[dict[str, str]], Resource | None]] = field(default_factory=dict)

    @property
    def bare_host(self) -> str:
        return self.host.removeprefix("www.")

    @property
    def start_url(self) -> str:
        return self.url("/")

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.host}{path}"

    def add(self, path: str, resource: Resource) -> None:
        if path in self.resources:
            raise ValueError(f"{self.host}{path} is built twice")
        self.resources[path] = resource

    def page(self, path: str, markup: str, modified: datetime | None, *, gbk: bool = False) -> None:
        """An HTML page. EDGE CASE GBK: gbk pages are GBK bytes sent as text/html without a charset, as old CMS
        servers do; only the page's <meta> names the encoding."""
        if gbk:
            self.add(path, Resource(200, HTML_NO_CHARSET, markup.encode("gbk", "xmlcharrefreplace"), modified))
            self.gbk_urls.append(self.url(path))
        else:
            self.add(path, Resource(200, HTML_UTF8, markup.encode("utf-8"), modified))

    def resolve(self, path: str, params: dict[str, str] | None = None) -> Resource | None:
        """The resource at `path`; a directory path serves its index.html, as the CMS servers do; an endpoint
        answers from the query parameters."""
        if path in self.endpoints:
            return self.endpoints[path](params or {})
        if path.endswith("/"):
            return self.resources.get(path + "index.html")
        return self.resources.get(path)


# --- lists -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListItem:
    title: str
    day: date
    href: str  # as the list writes it (relative or absolute path)
    extra: tuple[tuple[str, str], ...] = ()  # further links of the same item: (text, href), e.g. [手机版]


def pages_of(items: list[ListItem]) -> list[list[ListItem]]:
    """Newest first, PAGE_SIZE per page; a list always has at least one (maybe empty) page."""
    ordered = sorted(items, key=lambda i: (i.day, i.title), reverse=True)
    return [ordered[i : i + PAGE_SIZE] for i in range(0, len(ordered), PAGE_SIZE)] or [[]]


def newest(items: list[ListItem]) -> datetime:
    return at_time(max((i.day for i in items), default=date(2017, 1, 1)), "list")


# --- ids, names, dates -----------------------------------------------------------------------------------------


def stable_int(key: str, modulo: int) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:15], 16) % modulo


def stable_hex(key: str) -> str:
    """32 lowercase hex digits, the Jiangxi platform's article ids."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def at_time(day: date, key: str) -> datetime:
    """A plausible office-hours publication time for `day`."""
    minutes = stable_int(key, 9 * 60)
    return datetime.combine(day, time(8, 30)) + timedelta(minutes=minutes)


IDS_PER_DAY = 1000  # TRS article ids grow with time: a site's CMS hands out about this many a day


def trs_detail_name(day: date, id_base: int, key: str) -> str:
    """./YYYYMM/tYYYYMMDD_ID.html, the id growing with the date (id_base is the id of 2015-01-01)."""
    article_id = id_base + (day - date(2015, 1, 1)).days * IDS_PER_DAY + stable_int(key, IDS_PER_DAY)
    return f"{day:%Y%m}/t{day:%Y%m%d}_{article_id}.html"


def trs_attachment_name(day: date, key: str, ext: str) -> str:
    """TRS WCM names uploads P0 + upload date + 12 digits."""
    return f"P0{day:%Y%m%d}{stable_int('attachment/' + key, 10**12):012d}.{ext}"


# Short names as the sites print them in breadcrumbs and 来源 (ContentSource).
SHORT_NAMES = {
    ("www.cqbn.gov.cn", "qzfbgs"): "区政府办公室",
    ("www.cqbn.gov.cn", "jtj"): "区交通运输委",
    ("www.cqbn.gov.cn", "zstzj"): "区招商投资局",
    ("www.cqbn.gov.cn", "esz"): "二圣镇",
    ("www.cqbn.gov.cn", "alz"): "安澜镇",
    ("www.hc.gov.cn", "qzf"): "合川区政府",
    ("www.hc.gov.cn", "jw"): "区教委",
    ("www.hc.gov.cn", "tcz"): "土场镇",
    ("www.ybq.gov.cn", "qzf"): "渝北区政府",
    ("www.ybq.gov.cn", "czj"): "区财政局",
    ("www.ybq.gov.cn", "wjjd"): "王家街道",
    ("www.yzq.gov.cn", "qzf"): "袁州区政府",
    ("www.yzq.gov.cn", "lyj"): "区林业局",
    ("www.yzq.gov.cn", "gxw"): "区工信委",
    ("www.yzq.gov.cn", "ztz"): "竹亭镇",
    ("www.bjtzh.gov.cn", "qzf"): "通州区政府",
    ("www.bjtzh.gov.cn", "fgw"): "区发展改革委",
    ("www.bjtzh.gov.cn", "hxz"): "漷县镇",
    ("www.yuhang.gov.cn", "qzf"): "余杭区政府",
    ("www.yuhang.gov.cn", "czj"): "区财政局",
    ("www.yuhang.gov.cn", "wcjd"): "五常街道",
    ("www.lg.gov.cn", "qzf"): "龙岗区政府",
    ("www.lg.gov.cn", "jyj"): "区教育局",
    ("www.lg.gov.cn", "bjjd"): "布吉街道",
}


def short_name(unit: Unit) -> str:
    return SHORT_NAMES.get((unit.site, unit.key), unit.agency)


def original(pubs: list[Publication]) -> list[Publication]:
    """The publications edition 1 already had. Pages dated from a site's reports (the home page's Last-Modified, the
    news going back from a unit's newest report) read their dates from these, so a later edition's new report moves no
    other page."""
    return [p for p in pubs if p.first_edition == 1]


def links_modified(pubs: list[Publication]) -> datetime:
    """Last-Modified of the pages of links above these reports (home, 政务公开, the units' columns): the time of the
    newest edition-1 report."""
    return at_time(max((p.published_on for p in original(pubs)), default=date(2020, 1, 1)), "home")


def document_modified(pub: Publication) -> datetime:
    """Last-Modified of the file holding a report: its publication, or the day it was replaced in place."""
    return at_time(pub.revised_on or pub.published_on, pub.report.slug)


def page_modified(pub: Publication) -> datetime:
    """Last-Modified of a report's detail page: regenerated when it was redesigned, or when the report it carries
    inline was revised."""
    days = [pub.published_on, pub.redesigned_on, pub.revised_on if pub.format == "html" else None]
    return at_time(max(d for d in days if d is not None), pub.report.slug)


def report_entry(site: Site, pub: Publication, detail_path: str, document_path: str | None) -> ReportEntry:
    r = pub.report
    return ReportEntry(
        slug=r.slug,
        site=site.host,
        unit=pub.unit.key,
        detail_url=site.url(detail_path),
        document_url=site.url(document_path or detail_path),
        format=pub.format,
        title=r.title,
        agency=r.agency,
        year=r.year,
        template=r.template,
        seed=r.seed,
        breaks_check=r.breaks_check,
        published_on=pub.published_on.isoformat(),
    )


# --- articles --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """What a detail page shows, whatever the family's look."""

    title: str
    day: date
    key: str  # stable id source (report slug or news key)
    source: str  # 来源 / ContentSource: the unit's short name
    body: str  # HTML of the content area

    @property
    def pub_date(self) -> str:
        return at_time(self.day, self.key).strftime("%Y-%m-%d %H:%M")


def attachment_body(pub: Publication, href: str) -> str:
    """The short article a CMS shows for a report published as a file: one paragraph and the file link."""
    title = html.escape(pub.report.title)
    return (
        '<p style="text-indent:2em;">根据《中华人民共和国政府信息公开条例》规定，'
        f"现将《{title}》予以公布，详见附件。</p>\n"
        f'<p style="text-indent:2em;">附件：<a href="{href}" target="_blank">{title}.{pub.format}</a></p>'
    )


@dataclass(frozen=True)
class NewsItem:
    """An unrelated article listed beside the reports (some with report-like words in the title)."""

    title: str
    day: date
    key: str

    def body(self) -> str:
        return (
            f'<p style="text-indent:2em;">{html.escape(self.title)}。</p>\n'
            '<p style="text-indent:2em;">为进一步做好政务公开工作，提升政府信息公开质量，现将有关事项通知如下，'
            "请各单位结合实际认真抓好落实。</p>"
        )


NEWS_TITLES = (
    "关于做好{year}年政府信息公开工作年度报告编制工作的通知",
    "《{agency}{prev}年政府信息公开工作年度报告》解读",
    "{year}年政务公开工作要点",
    "{short}召开政务公开工作推进会",
    "{agency}{prev}年法治政府建设年度报告",
    "{short}开展政务公开业务培训",
    "关于{prev}年度政府信息公开工作年度报告发布情况的通报",
    "{agency}政府信息公开指南（{year}年版）",
)


def news_items(unit: Unit, count: int, before: date, titles: tuple[str, ...] = NEWS_TITLES) -> list[NewsItem]:
    """`count` distinct unrelated articles of `unit`, about 50 days apart, going back from `before`."""
    rng = random.Random(f"news/{unit.site}/{unit.key}")  # noqa: S311 - deterministic test data
    items = []
    for i in range(count):
        # 50+ days apart, so a title template that comes back (every 8+ items) is in another year: titles differ.
        day = before - timedelta(days=3 + 50 * i + rng.randint(0, 30))
        template = titles[i % len(titles)]
        title = template.format(year=day.year, prev=day.year - 1, agency=unit.agency, short=short_name(unit))
        items.append(NewsItem(title, day, f"news/{unit.site}/{unit.key}/{i}"))
    return items


# --- the edge cases every family can use -----------------------------------------------------------------------


ROBOTS_DISALLOWED = ("/was5/", "/jiucuo/")


def add_off_limits_pages(site: Site, search_href: str, crawl_delay: float | None = None) -> None:
    """EDGE CASE robots.txt: search (/was5/) and the error-report form (/jiucuo/) are disallowed; every list links
    to both (see tools_links); both answer 200 with no report, so a crawler that ignores robots.txt shows in the log.
    EDGE CASE Crawl-delay: when given, robots.txt asks for that many seconds between requests."""
    delay = [f"Crawl-delay: {crawl_delay:g}"] if crawl_delay else []
    lines = ["User-agent: *", *(f"Disallow: {p}" for p in ROBOTS_DISALLOWED), *delay, ""]
    site.add("/robots.txt", Resource(200, "text/plain", "\n".join(lines).encode(), datetime(2019, 6, 1, 10, 0)))
    name = html.escape(site.name)
    site.page(
        "/was5/web/search",
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>站内搜索</title></head><body>'
        '<form action="/was5/web/search" method="get"><input name="searchword">'
        '<input type="submit" value="搜索"></form>'
        f"<p>{name} 站内搜索：请输入关键词。</p></body></html>",
        None,
    )
    site.page(
        "/jiucuo/index.html",
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>我要纠错</title></head><body>'
        '<form action="/jiucuo/submit" method="post"><textarea name="content"></textarea>'
        f'<input type="submit" value="提交"></form><p>{name}网站纠错</p></body></html>',
        None,
    )
    site.robots_disallowed += [site.url(search_href), site.url("/jiucuo/index.html")]


def meta_tags(meta: dict[str, str] | None, close: str = "") -> str:
    """<meta name=… content=…> lines (ArticleTitle, PubDate, ContentSource …); close=" /" for XHTML-style pages."""
    return "".join(f'<meta name="{k}" content="{html.escape(v)}"{close}>\n' for k, v in (meta or {}).items())


def crumb_links(trail: list[tuple[str, str]]) -> str:
    """The breadcrumb trail: 首页 &gt; 信息公开 &gt; …"""
    return " &gt; ".join(f'<a href="{href}">{html.escape(text)}</a>' for text, href in trail)


def link_list(links: list[tuple[str, str]]) -> str:
    """A menu of (text, href) links, as home and column pages show them."""
    return '<ul class="links">' + "".join(f'<li><a href="{h}">{html.escape(t)}</a></li>' for t, h in links) + "</ul>"


def tools_links(search_href: str) -> str:
    """The search and error-report links under every list (both disallowed by robots.txt)."""
    return (
        f'<div class="tools"><a href="{html.escape(search_href)}" target="_blank">站内搜索</a> '
        '<a href="/jiucuo/index.html" target="_blank">我要纠错</a></div>'
    )


def not_found_page(site: Site) -> Resource:
    """EDGE CASE dead link: the 404 page every unknown path (and each dead list entry) answers."""
    body = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>404 页面不存在</title></head><body>'
        '<div class="error"><h1>404</h1><p>抱歉，您访问的页面不存在或已被删除！</p>'
        f'<p><a href="/">返回{html.escape(site.name)}首页</a></p></div></body></html>'
    )
    return Resource(404, HTML_UTF8, body.encode())


def mark_flaky(site: Site, path: str) -> None:
    """EDGE CASE 5xx-then-200: the resource at `path` answers 503 to its first request (counted per URL)."""
    site.resources[path].flaky = True
    site.flaky_urls.append(site.url(path))
