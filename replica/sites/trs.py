"""Plain TRS WCM: www.bjtzh.gov.cn (北京市通州区).

Home → 信息公开 /bjtz/xxgk/ → one mixed 政府信息公开年报 column for every unit: /bjtz/xxgk/zfxxgknb/index.html,
index_1.html … (count in `var countPage = n`); articles ./YYYYMM/tYYYYMMDD_ID.html with the content in
<div class="… trs_paper_default …">; uploads ./YYYYMM/P0YYYYMMDD############.ext next to the article.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

from replica.content import Publication, Unit
from replica.render import report_html
from replica.sites.common import (
    CONTENT_TYPES,
    Article,
    AttachmentFiles,
    ListItem,
    Resource,
    Site,
    add_off_limits_pages,
    at_time,
    attachment_body,
    crumb_links,
    document_modified,
    link_list,
    links_modified,
    mark_flaky,
    meta_tags,
    newest,
    news_items,
    not_found_page,
    original,
    page_modified,
    pages_of,
    report_entry,
    short_name,
    tools_links,
    trs_attachment_name,
    trs_detail_name,
)
from replica.sites.scripts import count_page_script


@dataclass(frozen=True)
class TrsConfig:
    host: str
    scheme: str
    name: str
    icp: str
    id_base: int
    column: str  # the mixed 年报 column, e.g. "/bjtz/xxgk/zfxxgknb/"
    news_per_unit: dict[str, int]  # unrelated articles listed per unit (the rest get one)
    search_channel: str
    flaky_list_page: str | None = None  # EDGE CASE 5xx-then-200: the path of a list page that answers 503 once

    @property
    def search_href(self) -> str:
        return f"/was5/web/search?channelid={self.search_channel}&searchword=%E5%B9%B4%E6%8A%A5"


def _page(
    cfg: TrsConfig, title: str, trail: list[tuple[str, str]], content: str, meta: dict[str, str] | None = None
) -> str:
    tags, crumbs = meta_tags(meta, close=" /"), crumb_links(trail)
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<meta name="SiteName" content="{html.escape(cfg.name)}" />\n'
        f'<meta name="SiteDomain" content="{cfg.host}" />\n{tags}'
        '<link rel="stylesheet" href="/images/public.css" />\n</head>\n<body>\n'
        f'<div class="header"><a class="logo" href="/">{html.escape(cfg.name)}</a>'
        '<ul class="nav"><li><a href="/">首页</a></li><li><a href="/bjtz/xxgk/">信息公开</a></li>'
        '<li><a href="https://www.beijing.gov.cn/" target="_blank">首都之窗</a></li></ul></div>\n'
        f'<div class="location">当前位置：{crumbs}</div>\n{content}\n'
        f'<div class="footer"><p>主办：{html.escape(cfg.name)}办公室</p>'
        f"<p>{cfg.icp}　京公网安备 11011202000001号</p></div>\n"
        "</body>\n</html>\n"
    )


def _list_content(cfg: TrsConfig, items: list[ListItem], count: int, index: int) -> str:
    rows = "".join(
        f'<li><a href="{i.href}" target="_blank" title="{html.escape(i.title)}">{html.escape(i.title)}</a>'
        f"<span>{i.day.isoformat()}</span></li>\n"
        for i in items
    )
    return (
        f'<div class="list"><ul>\n{rows}</ul>\n{count_page_script(count, index, "index", "html", 1)}\n'
        f"{tools_links(cfg.search_href)}</div>"
    )


def _detail_content(a: Article) -> str:
    return (
        f'<div class="article"><h2 class="title">{html.escape(a.title)}</h2>\n'
        f'<div class="info">发布时间：{a.day.isoformat()}　来源：{html.escape(a.source)}</div>\n'
        f'<div class="view TRS_UEDITOR trs_paper_default trs_web">\n{a.body}\n</div></div>'
    )


def build(cfg: TrsConfig, units: list[Unit], pubs: list[Publication], files: AttachmentFiles) -> Site:
    site = Site(cfg.host, cfg.scheme, cfg.name, "trs")
    site.not_found = not_found_page(site)
    latest = links_modified(pubs)
    column = cfg.column
    trail = [("首页", "/"), ("信息公开", "/bjtz/xxgk/"), ("政府信息公开年报", column)]

    site.page("/index.html", _page(cfg, cfg.name, trail[:1], link_list([("信息公开", "/bjtz/xxgk/")])), latest)
    xxgk_links = link_list([("政府信息公开年报", column + "index.html")])
    site.page("/bjtz/xxgk/index.html", _page(cfg, "信息公开", trail[:2], xxgk_links), latest)

    items: list[ListItem] = []
    for pub in sorted(pubs, key=lambda p: p.published_on):
        day, key = pub.published_on, pub.report.slug
        name = trs_detail_name(day, cfg.id_base, key)
        document = None
        if pub.format == "html":
            body = report_html(pub.report)
        else:
            upload = trs_attachment_name(day, key, pub.format)
            document = column + name.rsplit("/", 1)[0] + "/" + upload
            body = attachment_body(pub, "./" + upload)
            site.add(document, Resource(200, CONTENT_TYPES[pub.format], files(pub), document_modified(pub)))
        article = Article(pub.report.title, day, key, short_name(pub.unit), body)
        meta = {
            "ColumnName": "政府信息公开年报",
            "ArticleTitle": article.title,
            "PubDate": article.pub_date,
            "ContentSource": article.source,
        }
        site.page(column + name, _page(cfg, article.title, trail, _detail_content(article), meta), page_modified(pub))
        site.reports.append(report_entry(site, pub, column + name, document))
        items.append(ListItem(pub.report.title, day, "./" + name))

    for unit in units:
        before = max((p.published_on for p in original(pubs) if p.unit == unit), default=date(2020, 3, 1))
        for news in news_items(unit, cfg.news_per_unit.get(unit.key, 1), before):
            name = trs_detail_name(news.day, cfg.id_base, news.key)
            article = Article(news.title, news.day, news.key, short_name(unit), news.body())
            meta = {"ColumnName": "政府信息公开年报", "ArticleTitle": article.title, "PubDate": article.pub_date}
            site.page(
                column + name,
                _page(cfg, news.title, trail, _detail_content(article), meta),
                at_time(news.day, news.key),
            )
            site.news_urls.append(site.url(column + name))
            items.append(ListItem(news.title, news.day, "./" + name))

    pages = pages_of(items)
    for i, page in enumerate(pages):
        name = "index.html" if i == 0 else f"index_{i}.html"
        site.page(
            column + name, _page(cfg, "政府信息公开年报", trail, _list_content(cfg, page, len(pages), i)), newest(items)
        )
    if cfg.flaky_list_page:
        mark_flaky(site, cfg.flaky_list_page)

    add_off_limits_pages(site, cfg.search_href)
    return site
