"""Hanweb jcms (大汉): www.yuhang.gov.cn (杭州市余杭区).

Home → 政府信息公开 /col/col{base}/index.html → 政府信息公开年报 /col/col{base+50}/index.html, which links one column
per unit (/col/col{base+51}/index.html …). Every column is /col/col{ID}/index.html, so the 年报 columns are named in
the registry (list_url_patterns). A unit column's page carries only its first records, inside
<script type="text/xml"><datastore>…</datastore></script>; the jpage script knows totalRecord and perPage, and the
further records come from /module/web/jpage/dataproxy.jsp?startrecord=&endrecord=&perpage=&columnid=&unitid=&webid=
as XML. Articles are /art/YYYY/M/D/art_{column}_{id}.html with the content in <div id="zoom">; files are served by
/module/download/downfile.jsp?classid=0&filename=<hex>.<ext>, linked with the file name as text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from urllib.parse import quote

from replica.content import Publication, Unit
from replica.render import report_html
from replica.sites.challenges import script_stub_challenge
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
    link_list,
    links_modified,
    meta_tags,
    newest,
    news_items,
    not_found_page,
    original,
    page_modified,
    report_entry,
    short_name,
    stable_hex,
    stable_int,
    tools_links,
)

PER_PAGE = 5  # records per list page: the first page in the datastore, the others through dataproxy.jsp
DATAPROXY = "/module/web/jpage/dataproxy.jsp"
DOWNFILE = "/module/download/downfile.jsp"


@dataclass(frozen=True)
class HanwebConfig:
    host: str
    scheme: str
    name: str
    icp: str
    web_id: str  # jcms site id (webid)
    column_base: int  # column ids: base = 政府信息公开, base+50 = 年报, base+51… = the units' 年报 columns
    unit_id: str  # the list module's id on column pages (unitid)
    news_per_unit: dict[str, int] = field(default_factory=dict)  # unrelated articles per unit (the rest get one)
    script_stub: tuple[str, int] | None = None  # EDGE CASE challenge: (unit, year) of a listed report behind a stub
    republished_by: dict[str, str] = field(default_factory=dict)  # unit -> the unit whose column republishes its files

    @property
    def search_href(self) -> str:
        return f"/was5/web/search?channelid={self.web_id}&searchword=%E5%B9%B4%E6%8A%A5"


def _column(cfg: HanwebConfig, offset: int) -> str:
    return f"/col/col{cfg.column_base + offset}/index.html"


def _page(
    cfg: HanwebConfig, title: str, trail: list[tuple[str, str]], content: str, meta: dict[str, str] | None = None
) -> str:
    tags, crumbs = meta_tags(meta), crumb_links(trail)
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<meta name="SiteName" content="{html.escape(cfg.name)}">\n<meta name="SiteDomain" content="{cfg.host}">\n'
        f'<meta name="SiteIDCode" content="{3300000000 + stable_int(cfg.host, 99999)}">\n{tags}'
        '<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>\n'
        '<script type="text/javascript" src="/module/jslib/jpage/jpage.js"></script>\n</head>\n<body>\n'
        f'<div class="header"><a class="logo" href="/">{html.escape(cfg.name)}</a>'
        f'<ul class="nav"><li><a href="/">首页</a></li><li><a href="{_column(cfg, 0)}">政府信息公开</a></li>'
        '<li><a href="https://www.zjzwfw.gov.cn/" target="_blank">浙江政务服务网</a></li></ul></div>\n'
        f'<div class="bt-position">当前位置：{crumbs}</div>\n{content}\n'
        f'<div class="footer"><p>主办单位：{html.escape(cfg.name)}办公室</p><p>{cfg.icp}</p></div>\n'
        "</body>\n</html>\n"
    )


def _record(item: ListItem) -> str:
    title = html.escape(item.title)
    return (
        f'<record><![CDATA[<li><a href="{item.href}" target="_blank" title="{title}">{title}</a>'
        f"<span>{item.day.isoformat()}</span></li>]]></record>"
    )


def _list_content(cfg: HanwebConfig, column_id: int, items: list[ListItem]) -> str:
    """A unit column: the first PER_PAGE records in the datastore, the jpage call that fetches the rest."""
    proxy = (
        f"{DATAPROXY}?page=1&webid={cfg.web_id}&path=/&columnid={column_id}&unitid={cfg.unit_id}"
        f"&webname={quote(cfg.name)}&permissiontype=0"
    )
    records = "\n".join(_record(i) for i in items[:PER_PAGE])
    return (
        f'<div class="list" id="{cfg.unit_id}"><script type="text/xml"><datastore>\n'
        f'<nextgroup><![CDATA[<a href="{proxy}"></a>]]></nextgroup>\n'
        f"<recordset>\n{records}\n</recordset></datastore></script></div>\n"
        "<script>$(function(){ $('#" + cfg.unit_id + "').jpage({dataStore: dataStore, "
        f"proxyUrl: '{DATAPROXY}', perPage: {PER_PAGE}, totalRecord: {len(items)}, groupSize: 1, "
        "barPosition: 'bottom', ajaxParam: {}, showMode: 'full'}); });</script>\n"
        f"{tools_links(cfg.search_href)}"
    )


def _detail_content(a: Article) -> str:
    return (
        f'<div class="article"><h1 class="title">{html.escape(a.title)}</h1>\n'
        f'<div class="info">发布日期：{a.day.isoformat()}　信息来源：{html.escape(a.source)}</div>\n'
        f'<div id="zoom">\n{a.body}\n</div></div>'
    )


def _article_path(column_id: int, day: date, key: str) -> str:
    return f"/art/{day.year}/{day.month}/{day.day}/art_{column_id}_{59_000_000 + stable_int(key, 10**6)}.html"


def _add_article(
    site: Site, cfg: HanwebConfig, trail: list[tuple[str, str]], path: str, a: Article, modified: datetime | None = None
) -> None:
    """An article page, last modified when it was published unless `modified` says otherwise."""
    meta = {"ArticleTitle": a.title, "PubDate": a.pub_date, "ContentSource": a.source, "ColumnName": "政府信息公开年报"}
    site.page(path, _page(cfg, a.title, trail, _detail_content(a), meta), modified or at_time(a.day, a.key))


def _dataproxy(cfg: HanwebConfig, lists: dict[str, list[ListItem]]):
    """dataproxy.jsp: the records startrecord..endrecord (1-based, inclusive) of a column, as jcms answers."""

    def answer(params: dict[str, str]) -> Resource | None:
        items = lists.get(params.get("columnid", ""))
        if items is None or params.get("webid") != cfg.web_id:
            return None
        try:  # the datastore's nextgroup link has no range: it stands for the first page
            start = int(params.get("startrecord", "1"))
            end = int(params.get("endrecord", str(start + int(params.get("perpage", str(PER_PAGE))) - 1)))
        except ValueError:
            return None
        records = "\n".join(_record(i) for i in items[max(start, 1) - 1 : end])
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
            f"<totalrecord>{len(items)}</totalrecord>\n<recordset>\n{records}\n</recordset>\n</datastore>\n"
        )
        return Resource(200, "text/xml; charset=UTF-8", xml.encode())

    return answer


def build(cfg: HanwebConfig, units: list[Unit], pubs: list[Publication], files: AttachmentFiles) -> Site:
    site = Site(cfg.host, cfg.scheme, cfg.name, "hanweb")
    site.not_found = not_found_page(site)
    latest = links_modified(pubs)
    xxgk, nb = _column(cfg, 0), _column(cfg, 50)
    unit_columns = {u.key: cfg.column_base + 51 + i for i, u in enumerate(units)}

    site.page("/index.html", _page(cfg, cfg.name, [("首页", "/")], link_list([("政府信息公开", xxgk)])), latest)
    trail = [("首页", "/"), ("政府信息公开", xxgk)]
    site.page(xxgk, _page(cfg, "政府信息公开", trail, link_list([("政府信息公开年报", nb)])), latest)
    trail = [*trail, ("政府信息公开年报", nb)]
    unit_links = link_list([(short_name(u), f"/col/col{unit_columns[u.key]}/index.html") for u in units])
    site.page(nb, _page(cfg, "政府信息公开年报", trail, unit_links), latest)

    downloads: dict[str, Resource] = {}
    lists: dict[str, list[ListItem]] = {}
    trails = {u.key: [*trail, (short_name(u), f"/col/col{unit_columns[u.key]}/index.html")] for u in units}
    for unit in units:
        column_id = unit_columns[unit.key]
        unit_trail = trails[unit.key]
        items = lists.setdefault(str(column_id), [])

        for pub in (p for p in pubs if p.unit == unit):
            day, key = pub.published_on, pub.report.slug
            document = None
            if pub.format == "html":
                body = report_html(pub.report)
            else:
                filename = f"{stable_hex('file/' + key)}.{pub.format}"
                document = f"{DOWNFILE}?classid=0&filename={filename}"
                downloads[filename] = Resource(200, CONTENT_TYPES[pub.format], files(pub))  # a script: no validators
                body = attachment_body(pub, document)
            path = _article_path(column_id, day, key)
            article = Article(pub.report.title, day, key, short_name(unit), body)
            _add_article(site, cfg, unit_trail, path, article, page_modified(pub))
            entry = report_entry(site, pub, path, document)
            items.append(ListItem(pub.report.title, day, path))
            if document and cfg.republished_by.get(unit.key):
                # EDGE CASE same document on two pages: another unit's column republishes it days later.
                other = cfg.republished_by[unit.key]
                later, other_id = day + timedelta(days=5), unit_columns[other]
                copy = _article_path(other_id, later, "republished/" + key)
                _add_article(
                    site, cfg, trails[other], copy, Article(pub.report.title, later, key, short_name(unit), body)
                )
                lists.setdefault(str(other_id), []).append(ListItem(pub.report.title, later, copy))
                entry = replace(entry, also_at=(site.url(copy),))
            site.reports.append(entry)

        before = max((p.published_on for p in original(pubs) if p.unit == unit), default=date(2020, 3, 1))
        for news in news_items(unit, cfg.news_per_unit.get(unit.key, 1), before):
            path = _article_path(column_id, news.day, news.key)
            _add_article(
                site, cfg, unit_trail, path, Article(news.title, news.day, news.key, short_name(unit), news.body())
            )
            site.news_urls.append(site.url(path))
            items.append(ListItem(news.title, news.day, path))

        if cfg.script_stub and cfg.script_stub[0] == unit.key:
            year = cfg.script_stub[1]
            day = date(year + 1, 1, 18)
            path = _article_path(column_id, day, f"stub/{unit.key}/{year}")
            site.add(path, script_stub_challenge(site.url(path)))
            site.challenge_urls.append(site.url(path))
            items.append(ListItem(f"{unit.agency}{year}年政府信息公开工作年度报告", day, path))

    for unit in units:
        column_id = unit_columns[unit.key]
        items = sorted(lists[str(column_id)], key=lambda i: (i.day, i.title), reverse=True)
        lists[str(column_id)] = items
        site.page(
            f"/col/col{column_id}/index.html",
            _page(cfg, short_name(unit), trails[unit.key], _list_content(cfg, column_id, items)),
            newest(items),
        )

    site.endpoints[DATAPROXY] = _dataproxy(cfg, lists)
    site.endpoints[DOWNFILE] = lambda params: downloads.get(params.get("filename", ""))
    add_off_limits_pages(site, cfg.search_href)
    return site
