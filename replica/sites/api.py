"""A list behind a JSON API: www.lg.gov.cn (深圳市龙岗区).

Home → 政务公开 /xxgk/ → 政府信息公开年报 /xxgk/zfxxgknb/index.html, one column for every unit. The list page holds no
links: its script calls /api/content/list?columnId=&pageNo=&pageSize= with jQuery and renders the JSON
({"code": 0, "data": {"total": n, "pageNo": i, "pageSize": k, "list": [{"title", "url", "publishDate"}]}}). So the
reports exist only through that API. Articles are /xxgk/zfxxgknb/content/post_{id}.html; files are
/attachment/0/{dir}/{id}/{id}.{ext}.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from datetime import date, datetime

from replica.content import Publication, Unit
from replica.render import report_html
from replica.sites.challenges import jiasule_challenge
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
    meta_tags,
    newest,
    news_items,
    not_found_page,
    original,
    page_modified,
    report_entry,
    short_name,
    stable_int,
    tools_links,
)

PAGE_SIZE = 5
API = "/api/content/list"
COLUMN = "/xxgk/zfxxgknb/"


@dataclass(frozen=True)
class ApiConfig:
    host: str
    scheme: str
    name: str
    icp: str
    column_id: str  # the 年报 column's id in the API
    jiasule: tuple[str, int] | None = None  # EDGE CASE challenge: (unit, year) of a listed report behind 加速乐 521

    @property
    def search_href(self) -> str:
        return f"/was5/web/search?channelid={self.column_id}&searchword=%E5%B9%B4%E6%8A%A5"


def _page(cfg: ApiConfig, title: str, trail: list[tuple[str, str]], content: str, meta: dict[str, str] | None = None):
    tags, crumbs = meta_tags(meta), crumb_links(trail)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n{tags}"
        '<script src="/js/jquery.min.js"></script>\n</head>\n<body>\n'
        f'<div class="header"><a class="logo" href="/">{html.escape(cfg.name)}</a>'
        '<ul class="nav"><li><a href="/">首页</a></li><li><a href="/xxgk/">政务公开</a></li>'
        '<li><a href="https://www.sz.gov.cn/" target="_blank">深圳政府在线</a></li></ul></div>\n'
        f'<div class="crumbs">当前位置：{crumbs}</div>\n{content}\n'
        f'<div class="footer"><p>主办：{html.escape(cfg.name)}办公室</p><p>{cfg.icp}</p></div>\n'
        "</body>\n</html>\n"
    )


def _list_content(cfg: ApiConfig) -> str:
    """What the browser gets: an empty list and the script that fills it from the API, page by page."""
    return (
        '<div class="list"><ul id="list"></ul><div id="pager"></div></div>\n'
        "<script>\n"
        f'var columnId = "{cfg.column_id}";\n'
        "function getList(pageNo) {\n"
        f'  $.ajax({{ url: "{API}", type: "get", dataType: "json",\n'
        f"           data: {{ columnId: columnId, pageNo: pageNo, pageSize: {PAGE_SIZE} }},\n"
        "           success: function (res) { render(res.data.list); pager(res.data.total, pageNo); } });\n"
        "}\n"
        "function render(list) { $('#list').html($.map(list, function (d) {\n"
        "  return '<li><a href=\"' + d.url + '\" target=\"_blank\">' + d.title + '</a><span>' + d.publishDate"
        " + '</span></li>'; }).join('')); }\n"
        f"function pager(total, pageNo) {{ $('#pager').text('共' + Math.ceil(total / {PAGE_SIZE}) + '页'); }}\n"
        "$(function () { getList(1); });\n"
        "</script>\n"
        f"{tools_links(cfg.search_href)}"
    )


def _detail_content(a: Article) -> str:
    return (
        f'<div class="article"><h1 class="title">{html.escape(a.title)}</h1>\n'
        f'<div class="info">发布日期：{a.day.isoformat()}　来源：{html.escape(a.source)}</div>\n'
        f'<div class="article-content">\n{a.body}\n</div></div>'
    )


def _list_api(cfg: ApiConfig, items: list[ListItem]):
    def answer(params: dict[str, str]) -> Resource | None:
        if params.get("columnId") != cfg.column_id:
            return Resource(200, "application/json", b'{"code": 404, "msg": "column not found", "data": null}')
        try:
            page = max(1, int(params.get("pageNo", "1")))
            size = min(max(1, int(params.get("pageSize", str(PAGE_SIZE)))), 50)
        except ValueError:
            return Resource(400, "application/json", b'{"code": 400, "msg": "bad parameter", "data": null}')
        chunk = items[(page - 1) * size : page * size]
        data = {
            "total": len(items),
            "pageNo": page,
            "pageSize": size,
            "pages": math.ceil(len(items) / size),
            "list": [
                {"id": stable_int(i.href, 10**8), "title": i.title, "url": i.href, "publishDate": i.day.isoformat()}
                for i in chunk
            ],
        }
        body = json.dumps({"code": 0, "msg": "success", "data": data}, ensure_ascii=False)
        return Resource(200, "application/json;charset=UTF-8", body.encode())

    return answer


def _post_path(key: str) -> str:
    return f"{COLUMN}content/post_{10_000_000 + stable_int(key, 10**6)}.html"


def build(cfg: ApiConfig, units: list[Unit], pubs: list[Publication], files: AttachmentFiles) -> Site:
    site = Site(cfg.host, cfg.scheme, cfg.name, "api")
    site.not_found = not_found_page(site)
    latest = links_modified(pubs)
    trail = [("首页", "/"), ("政务公开", "/xxgk/"), ("政府信息公开年报", COLUMN + "index.html")]

    site.page("/index.html", _page(cfg, cfg.name, trail[:1], link_list([("政务公开", "/xxgk/")])), latest)
    site.page("/xxgk/index.html", _page(cfg, "政务公开", trail[:2], link_list(trail[2:])), latest)

    def add_article(key: str, a: Article, modified: datetime) -> str:
        path = _post_path(key)
        meta = {"ArticleTitle": a.title, "PubDate": a.pub_date, "ContentSource": a.source}
        site.page(path, _page(cfg, a.title, trail, _detail_content(a), meta), modified)
        return path

    items: list[ListItem] = []
    for pub in pubs:
        day, key = pub.published_on, pub.report.slug
        document = None
        if pub.format == "html":
            body = report_html(pub.report)
        else:
            file_id = 10_000_000 + stable_int("file/" + key, 10**6)
            document = f"/attachment/0/{file_id // 1000}/{file_id}/{file_id}.{pub.format}"
            site.add(document, Resource(200, CONTENT_TYPES[pub.format], files(pub), document_modified(pub)))
            body = attachment_body(pub, document)
        path = add_article(key, Article(pub.report.title, day, key, short_name(pub.unit), body), page_modified(pub))
        site.reports.append(report_entry(site, pub, path, document))
        items.append(ListItem(pub.report.title, day, path))

    for unit in units:
        before = max((p.published_on for p in original(pubs) if p.unit == unit), default=date(2020, 3, 1))
        for news in news_items(unit, 1, before):
            article = Article(news.title, news.day, news.key, short_name(unit), news.body())
            path = add_article(news.key, article, at_time(news.day, news.key))
            site.news_urls.append(site.url(path))
            items.append(ListItem(news.title, news.day, path))
        if cfg.jiasule and cfg.jiasule[0] == unit.key:
            year = cfg.jiasule[1]
            path = _post_path(f"jiasule/{unit.key}/{year}")
            site.add(path, jiasule_challenge(site.url(path)))
            site.challenge_urls.append(site.url(path))
            items.append(ListItem(f"{unit.agency}{year}年政府信息公开工作年度报告", date(year + 1, 1, 16), path))

    items.sort(key=lambda i: (i.day, i.title), reverse=True)
    site.endpoints[API] = _list_api(cfg, items)
    site.page(COLUMN + "index.html", _page(cfg, "政府信息公开年报", trail, _list_content(cfg)), newest(items))
    add_off_limits_pages(site, cfg.search_href)
    return site
