"""The Chongqing district platform (TRS WCM underneath): www.cqbn.gov.cn, www.hc.gov.cn, www.ybq.gov.cn.

Home → 政务公开 /zwgk_NNN/ → 政府信息公开年报 /zwgk_NNN/zfxxgknb/, which lists the units' 年报 columns:
district-level units under the column itself (/zwgk_252/zfxxgknb/qzfbm/zfbgs/), departments and towns on their own
sub-sites (/bmjz/bm/jtj/zwgk_88817/zfxxgknb_88827/, /bmjz/jz/esz/zwgk_89552/zfxxgknb_89569/). A column lists
index.html, index_1.html … (count in createPageHTML(n, i, "index", "html")); articles are ./YYYYMM/tYYYYMMDD_ID.html
with a mobile twin ./YYYYMM/tYYYYMMDD_ID_wap.html; uploads are ./YYYYMM/P0YYYYMMDD############.ext.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date

from replica.content import Publication, Unit
from replica.render import report_html
from replica.sites.challenges import ruishu_challenge
from replica.sites.common import (
    CONTENT_TYPES,
    Article,
    AttachmentFiles,
    ListItem,
    NewsItem,
    Resource,
    Site,
    add_off_limits_pages,
    at_time,
    attachment_body,
    document_modified,
    links_modified,
    mark_flaky,
    newest,
    news_items,
    not_found_page,
    original,
    page_modified,
    pages_of,
    report_entry,
    short_name,
    stable_int,
    tools_links,
    trs_attachment_name,
    trs_detail_name,
)
from replica.sites.scripts import TRS_PAGER_SCRIPT

GROUPS = {"government": "区政府及部门", "department": "区级部门", "town": "镇街"}


@dataclass(frozen=True)
class ChongqingConfig:
    host: str
    scheme: str
    name: str  # 重庆市巴南区人民政府
    zwgk: str  # the 政务公开 column, e.g. "zwgk_252"
    icp: str
    id_base: int  # TRS article id of 2015-01-01 on this site (see common.trs_detail_name)
    columns: dict[str, str]  # unit key -> its 年报 column (units not named here get a derived path)
    busy_unit: str  # the column that also carries the district's notices: the long, paginated list
    wap_links: dict[str, str] = field(default_factory=dict)  # unit -> "instead" | "also": newest report via _wap
    flaky_list_page: str | None = None  # EDGE CASE 5xx-then-200: the path of a list page that answers 503 once
    dead_link: tuple[str, int] | None = None  # EDGE CASE dead link: (unit, year) of a listed report that is gone
    challenge: tuple[str, int] | None = None  # EDGE CASE challenge: (unit, year) of a listed report behind 412
    attachment_type: dict[str, str] = field(default_factory=dict)  # ext -> Content-Type, where the server differs
    crawl_delay: float | None = None  # EDGE CASE Crawl-delay in robots.txt (seconds)

    @property
    def search_href(self) -> str:
        return f"/was5/web/search?channelid={self.zwgk.removeprefix('zwgk_')}&searchword=%E5%B9%B4%E6%8A%A5"


def column_path(cfg: ChongqingConfig, unit: Unit) -> str:
    if unit.key in cfg.columns:
        return cfg.columns[unit.key]
    n = 60000 + stable_int(f"{cfg.host}/{unit.key}", 30000)
    if unit.kind == "government":
        return f"/{cfg.zwgk}/zfxxgknb/{unit.key}/"
    return f"/bmjz/{'jz' if unit.kind == 'town' else 'bm'}/{unit.key}/zwgk_{n}/zfxxgknb_{n + 10}/"


def _breadcrumb(cfg: ChongqingConfig, unit: Unit) -> list[tuple[str, str]]:
    column = column_path(cfg, unit)
    if column.startswith("/bmjz/"):  # a unit's own sub-site: 首页>区交通运输委>政务公开>政府信息公开年报
        unit_home, unit_zwgk = column.rsplit("/", 3)[0] + "/", column.rsplit("/", 2)[0] + "/"
        return [("首页", "/"), (short_name(unit), unit_home), ("政务公开", unit_zwgk), ("政府信息公开年报", column)]
    return [
        ("首页", "/"),
        ("政务公开", f"/{cfg.zwgk}/"),
        ("政府信息公开年报", f"/{cfg.zwgk}/zfxxgknb/"),
        (short_name(unit), column),
    ]


# --- page looks ------------------------------------------------------------------------------------------------


def _head(title: str, cfg: ChongqingConfig, meta: dict[str, str] | None = None) -> str:
    tags = "".join(f'<meta name="{k}" content="{html.escape(v)}">\n' for k, v in (meta or {}).items())
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<meta name="SiteName" content="{html.escape(cfg.name)}">\n<meta name="SiteDomain" content="{cfg.host}">\n'
        f"{tags}"
        '<link rel="stylesheet" href="/images/index.css">\n</head>\n'
    )


def _header(cfg: ChongqingConfig) -> str:
    return (
        '<div class="header"><div class="top-bar"><a href="javascript:void(0)" id="wza">无障碍</a> '
        '<a href="https://www.cq.gov.cn/" target="_blank">重庆市人民政府</a></div>\n'
        f'<div class="logo"><a href="/">{html.escape(cfg.name)}</a></div>\n'
        f'<ul class="nav"><li><a href="/">首页</a></li><li><a href="/{cfg.zwgk}/">政务公开</a></li>'
        '<li><a href="https://zwykb.cq.gov.cn/" target="_blank">政务服务</a></li></ul></div>\n'
    )


def _footer(cfg: ChongqingConfig) -> str:
    return (
        f'<div class="footer"><p>主办：{html.escape(cfg.name)}办公室　承办：{html.escape(cfg.name)}办公室</p>'
        f'<p><a href="https://beian.miit.gov.cn/" target="_blank">{cfg.icp}</a>　'
        f"网站标识码：{5000000000 + stable_int(cfg.host, 99999)}</p></div>\n</body>\n</html>\n"
    )


def _crumbs(trail: list[tuple[str, str]]) -> str:
    links = "&gt;".join(f'<a href="{href}">{html.escape(text)}</a>' for text, href in trail)
    return f'<div class="crumbs">您的位置：{links}</div>\n'


def _links_page(
    cfg: ChongqingConfig, title: str, trail: list[tuple[str, str]], sections: list[tuple[str, list[tuple[str, str]]]]
) -> str:
    body = "".join(
        f'<div class="box"><h3>{html.escape(name)}</h3><ul>'
        + "".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for text, href in links)
        + "</ul></div>\n"
        for name, links in sections
    )
    return _head(f"{title}_{cfg.name}", cfg) + "<body>\n" + _header(cfg) + _crumbs(trail) + body + _footer(cfg)


def _list_page(
    cfg: ChongqingConfig, trail: list[tuple[str, str]], items: list[ListItem], count: int, index: int
) -> str:
    rows = "".join(
        f'<li><a href="{i.href}" target="_blank" title="{html.escape(i.title)}">{html.escape(i.title)}</a>'
        + "".join(f' <a href="{href}" target="_blank" class="wap">[{html.escape(text)}]</a>' for text, href in i.extra)
        + f"<span>{i.day.isoformat()}</span></li>\n"
        for i in items
    )
    return (
        _head(f"{trail[-1][0]}_{cfg.name}", cfg, {"ColumnName": "政府信息公开年报", "ColumnType": "政府信息公开年报"})
        + "<body>\n"
        + _header(cfg)
        + _crumbs(trail)
        + f'<div class="zwgk-list"><div class="list-title">{html.escape(trail[-1][0])}</div>\n'
        + f'<ul class="tab-list">\n{rows}</ul>\n'
        + f'<div class="page">{TRS_PAGER_SCRIPT}'
        + f'<script>createPageHTML({count}, {index}, "index", "html");</script></div>\n'
        + "</div>\n"
        + tools_links(cfg.search_href)
        + _footer(cfg)
    )


def _detail_page(cfg: ChongqingConfig, trail: list[tuple[str, str]], a: Article) -> str:
    meta = {
        "ColumnName": "政府信息公开年报",
        "ArticleTitle": a.title,
        "PubDate": a.pub_date,
        "ContentSource": a.source,
    }
    return (
        _head(f"{a.title}_{cfg.name}", cfg, meta)
        + "<body>\n"
        + _header(cfg)
        + _crumbs(trail)
        + f'<div class="article"><h1 class="title">{html.escape(a.title)}</h1>\n'
        + f'<div class="info"><span>日期:{a.day.isoformat()}</span> <span>来源:{html.escape(a.source)}</span> '
        + "【字号:<a>大</a> <a>中</a> <a>小</a>】</div>\n"
        + f'<div class="view TRS_UEDITOR trs_paper_default"><div class="TRS_Editor">\n{a.body}\n</div></div>\n'
        + '<div class="print"><a href="javascript:window.print()">打印本页</a> '
        + '<a href="javascript:window.close()">关闭窗口</a></div>\n'
        + "</div>\n"
        + _footer(cfg)
    )


def _wap_page(cfg: ChongqingConfig, trail: list[tuple[str, str]], a: Article) -> str:
    """The mobile twin: same report, a plainer page (no nav, no footer links)."""
    crumbs = "&gt;".join(html.escape(text) for text, _ in trail)
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1.0,user-scalable=no">\n'
        f'<title>{html.escape(a.title)}</title>\n<meta name="ArticleTitle" content="{html.escape(a.title)}">\n'
        f'<meta name="PubDate" content="{a.pub_date}">\n</head>\n<body>\n'
        f'<div class="m-top">无障碍</div><div class="m-pos">您的位置: {crumbs}</div>\n'
        f'<div class="m-article"><h2>{html.escape(a.title)}</h2><p class="m-date">日期: {a.day.isoformat()} 字体:</p>\n'
        f'<div class="m-content">\n{a.body}\n</div></div>\n'
        f'<div class="m-foot">{html.escape(cfg.name)}</div>\n</body>\n</html>\n'
    )


# --- the site --------------------------------------------------------------------------------------------------


def build(cfg: ChongqingConfig, units: list[Unit], pubs: list[Publication], files: AttachmentFiles) -> Site:
    site = Site(cfg.host, cfg.scheme, cfg.name, "chongqing")
    site.not_found = not_found_page(site)
    latest = links_modified(pubs)
    columns = [(u, column_path(cfg, u)) for u in units]

    home = _links_page(
        cfg,
        "首页",
        [("首页", "/")],
        [("政务公开", [("政务公开", f"/{cfg.zwgk}/"), ("政府信息公开年报", f"/{cfg.zwgk}/zfxxgknb/")])],
    )
    site.page("/index.html", home, latest)
    zwgk_links = [("政府信息公开年报", f"/{cfg.zwgk}/zfxxgknb/")]
    site.page(
        f"/{cfg.zwgk}/index.html",
        _links_page(cfg, "政务公开", [("首页", "/"), ("政务公开", f"/{cfg.zwgk}/")], [("政府信息公开", zwgk_links)]),
        latest,
    )
    sections = [
        (group, [(short_name(u), col) for u, col in columns if u.kind == kind]) for kind, group in GROUPS.items()
    ]
    trail = [("首页", "/"), ("政务公开", f"/{cfg.zwgk}/"), ("政府信息公开年报", f"/{cfg.zwgk}/zfxxgknb/")]
    site.page(f"/{cfg.zwgk}/zfxxgknb/index.html", _links_page(cfg, "政府信息公开年报", trail, sections), latest)

    for unit, column in columns:
        _build_unit(site, cfg, unit, column, [p for p in pubs if p.unit == unit], files)

    add_off_limits_pages(site, cfg.search_href, cfg.crawl_delay)
    if cfg.flaky_list_page:
        mark_flaky(site, cfg.flaky_list_page)
    return site


def _build_unit(
    site: Site, cfg: ChongqingConfig, unit: Unit, column: str, pubs: list[Publication], files: AttachmentFiles
) -> None:
    trail = _breadcrumb(cfg, unit)
    source = short_name(unit)
    items: list[ListItem] = []

    if column.startswith("/bmjz/"):  # the unit's own sub-site pages the breadcrumb links to
        (_, unit_home), (_, unit_zwgk) = trail[1], trail[2]
        modified = links_modified(pubs)
        site.page(
            unit_home + "index.html",
            _links_page(cfg, source, trail[:2], [(source, [("政务公开", unit_zwgk)])]),
            modified,
        )
        site.page(
            unit_zwgk + "index.html",
            _links_page(cfg, "政务公开", trail[:3], [("政务公开", [("政府信息公开年报", column)])]),
            modified,
        )

    newest_pub = max(pubs, key=lambda p: p.published_on, default=None)
    for pub in pubs:
        day, key = pub.published_on, pub.report.slug
        name = trs_detail_name(day, cfg.id_base, key)
        wap_name = name.removesuffix(".html") + "_wap.html"
        document = None
        if pub.format == "html":
            body = report_html(pub.report)
        else:
            upload = trs_attachment_name(day, key, pub.format)
            document = column + name.rsplit("/", 1)[0] + "/" + upload
            body = attachment_body(pub, "./" + upload)
            content_type = cfg.attachment_type.get(pub.format, CONTENT_TYPES[pub.format])
            site.add(document, Resource(200, content_type, files(pub), document_modified(pub)))
        article = Article(pub.report.title, day, key, source, body)
        site.page(column + name, _detail_page(cfg, trail, article), page_modified(pub))
        site.page(column + wap_name, _wap_page(cfg, trail, article), page_modified(pub))
        site.wap_twins[site.url(column + wap_name)] = site.url(column + name)
        site.reports.append(report_entry(site, pub, column + name, document))

        wap_link = cfg.wap_links.get(unit.key) if pub is newest_pub else None
        if wap_link == "instead":
            items.append(ListItem(pub.report.title, day, "./" + wap_name))
        elif wap_link == "also":
            items.append(ListItem(pub.report.title, day, "./" + name, extra=(("手机版", "./" + wap_name),)))
        else:
            items.append(ListItem(pub.report.title, day, "./" + name))

    busy = unit.key == cfg.busy_unit
    before = max((p.published_on for p in original(pubs)), default=date(2020, 3, 1))
    for news in news_items(unit, 12 if busy else 2, before):
        items.append(_add_news(site, cfg, trail, column, news, source))

    if cfg.dead_link and cfg.dead_link[0] == unit.key:
        year = cfg.dead_link[1]
        day = date(year + 1, 1, 20)
        name = trs_detail_name(day, cfg.id_base, f"dead/{unit.key}/{year}")
        items.append(ListItem(f"{unit.agency}{year}年政府信息公开工作年度报告", day, "./" + name))
        site.dead_links.append(site.url(column + name))  # never added: answers the site's 404 page

    if cfg.challenge and cfg.challenge[0] == unit.key:
        year = cfg.challenge[1]
        day = date(year + 1, 1, 15)
        name = trs_detail_name(day, cfg.id_base, f"challenge/{unit.key}/{year}")
        items.append(ListItem(f"{unit.agency}{year}年政府信息公开工作年度报告", day, "./" + name))
        site.add(column + name, ruishu_challenge(site.url(column + name)))
        site.challenge_urls.append(site.url(column + name))

    pages = pages_of(items)
    for i, page in enumerate(pages):
        list_name = "index.html" if i == 0 else f"index_{i}.html"
        site.page(column + list_name, _list_page(cfg, trail, page, len(pages), i), newest(items))


def _add_news(site: Site, cfg: ChongqingConfig, trail, column: str, news: NewsItem, source: str) -> ListItem:
    name = trs_detail_name(news.day, cfg.id_base, news.key)
    article = Article(news.title, news.day, news.key, source, news.body())
    site.page(column + name, _detail_page(cfg, trail, article), at_time(news.day, news.key))
    site.news_urls.append(site.url(column + name))
    return ListItem(news.title, news.day, "./" + name)
