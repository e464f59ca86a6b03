"""The Jiangxi provincial platform: www.yzq.gov.cn (宜春市袁州区).

Home → 政务公开 /yzqrmzf/zwgk/ → 政府信息公开年报 /yzqrmzf/zfxxgknb/, which lists one column per unit, named with a
random-looking 2-character suffix (/yzqrmzf/zfxxgkndbg86/ is 竹亭镇). A column's list is pc/list.html, list_2.html …
(count in `var countPage = n`); articles are /yzqrmzf/zfxxgkndbgXX/YYYYMM/<32 hex>.shtml; files hang below the
article: …/YYYYMM/<32 hex>/files/<32 hex>.pdf. The site also keeps an old TRS WCM news column (/zwgk/zwdt/zwyw/,
createPageHTML pager) with news only.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime

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
    document_modified,
    links_modified,
    newest,
    news_items,
    not_found_page,
    original,
    page_modified,
    pages_of,
    report_entry,
    short_name,
    stable_hex,
    stable_int,
    tools_links,
    trs_detail_name,
)
from replica.sites.scripts import TRS_PAGER_SCRIPT, count_page_script

# Unrelated local news for the old TRS news column (8+ templates keep generated titles distinct).
LOCAL_NEWS = (
    "{short}召开{year}年经济工作会议",
    "{short}开展安全生产大检查",
    "{short}举办{year}年中国农民丰收节活动",
    "袁州医药工业园{year}年新签约项目集中开工",
    "{short}推进城乡环境综合整治",
    "{short}召开防汛工作部署会",
    "{short}开展“我为群众办实事”实践活动",
    "{short}部署秋冬季森林防火工作",
)


@dataclass(frozen=True)
class JiangxiConfig:
    host: str
    scheme: str
    name: str
    root: str  # the platform's folder for this government, e.g. "/yzqrmzf/"
    icp: str
    search_channel: str
    suffixes: dict[str, str]  # unit key -> 2-character suffix of its column zfxxgkndbgXX
    busy_unit: str  # the column that also carries the district's notices: the long, paginated list
    news_column: str  # the old TRS news column, e.g. "/zwgk/zwdt/zwyw/"
    news_id_base: int
    gbk_units: frozenset[str] = frozenset()  # EDGE CASE GBK: columns never migrated from the old GBK CMS
    dead_link: tuple[str, int] | None = None  # EDGE CASE dead link: (unit, year) of a listed report that is gone
    # EDGE CASE robots: (unit, year) of a listed report linked through the WAS5 search engine, which robots.txt
    # disallows; a polite crawler tries the link and must record the refusal, never fetch it.
    robots_link: tuple[str, int] | None = None

    @property
    def search_href(self) -> str:
        return f"/was5/web/search?channelid={self.search_channel}&searchword=%C4%EA%B1%A8"  # GBK-encoded 年报


def column_path(cfg: JiangxiConfig, unit: Unit) -> str:
    suffix = cfg.suffixes.get(unit.key) or stable_hex(f"{cfg.host}/{unit.key}")[:2]
    return f"{cfg.root}zfxxgkndbg{suffix}/"


# --- page looks ------------------------------------------------------------------------------------------------


def _page(
    cfg: JiangxiConfig,
    title: str,
    trail: list[tuple[str, str]],
    content: str,
    *,
    gbk: bool = False,
    meta=None,
    redesigned: bool = False,
) -> str:
    """A page of the platform; `redesigned`: the new look of edition 2, whose menu links the 年报 column too."""
    charset = "gb2312" if gbk else "utf-8"  # the old CMS declared gb2312 and wrote GBK
    charset_tag = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    tags = "".join(f'<meta name="{k}" content="{html.escape(v)}">\n' for k, v in (meta or {}).items())
    crumbs = "&gt;".join(f'<a href="{href}">{html.escape(text)}</a>' for text, href in trail)
    return (
        f'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n{charset_tag}\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<meta name="SiteName" content="{html.escape(cfg.name)}">\n'
        f'<meta name="SiteDomain" content="{cfg.host}">\n{tags}'
        '<link href="/images/yzWeb.css" type="text/css" rel="stylesheet" />\n</head>\n<body>\n'
        f'<div class="top"><a href="/">{html.escape(cfg.name)}</a> '
        f'<a href="{cfg.root}zwgk/">政务公开</a> <a href="{cfg.news_column}">政务要闻</a> '
        + (f'<a href="{cfg.root}zfxxgknb/">政府信息公开年报</a> ' if redesigned else "")
        + '<a href="http://www.yichun.gov.cn/" target="_blank">宜春市人民政府</a></div>\n'
        f'<div class="position">您当前所在位置: {crumbs}</div>\n'
        f"{content}\n"
        f'<div class="footer"><p>主办：{html.escape(cfg.name)}　承办：{html.escape(cfg.name)}办公室</p>'
        f"<p>版权所有 {cfg.icp}</p></div>\n</body>\n</html>\n"
    )


def _links(sections: list[tuple[str, list[tuple[str, str]]]]) -> str:
    return "".join(
        f'<div class="lm"><h3>{html.escape(name)}</h3><ul>'
        + "".join(f'<li><a href="{href}" target="_blank">{html.escape(text)}</a></li>' for text, href in links)
        + "</ul></div>\n"
        for name, links in sections
    )


def _list_content(cfg: JiangxiConfig, items: list[ListItem], count: int, index: int) -> str:
    rows = "".join(
        f'<li><a href="{i.href}" target="_blank" title="{html.escape(i.title)}">{html.escape(i.title)}</a>'
        f"<span>{i.day.isoformat()}</span></li>\n"
        for i in items
    )
    return (
        f'<div class="list-right"><ul class="list-ul">\n{rows}</ul>\n'
        f"{count_page_script(count, index, 'list', 'html', 2)}\n"
        f"{tools_links(cfg.search_href)}</div>"
    )


def _detail_content(a: Article, hits: int | None = None) -> str:
    """An article; `hits`: the visit count the redesigned pages print (the old ones leave it to a script)."""
    return (
        f'<div class="article"><h1>{html.escape(a.title)}</h1>\n'
        f'<div class="xxgk-info">发布时间：{a.pub_date}　来源：{html.escape(a.source)}　'
        f'访问量：<span id="hits">{"" if hits is None else hits}</span>'
        "　【字体：<a>大</a> <a>中</a> <a>小</a>】</div>\n"
        f'<div id="zoom">\n{a.body}\n</div>\n<div class="glgj">关联稿件：</div></div>'
    )


def _detail_meta(a: Article) -> dict[str, str]:
    return {"ColumnName": "政府信息公开年报", "ArticleTitle": a.title, "PubDate": a.pub_date, "ContentSource": a.source}


# --- the site --------------------------------------------------------------------------------------------------


def build(cfg: JiangxiConfig, units: list[Unit], pubs: list[Publication], files: AttachmentFiles) -> Site:
    site = Site(cfg.host, cfg.scheme, cfg.name, "jiangxi")
    site.not_found = not_found_page(site)
    latest = links_modified(pubs)
    zwgk, nb = f"{cfg.root}zwgk/", f"{cfg.root}zfxxgknb/"

    home_links = [("政务公开", [("政务公开", zwgk), ("政府信息公开年报", nb), ("政务要闻", cfg.news_column)])]
    site.page("/index.html", _page(cfg, cfg.name, [("首页", "/")], _links(home_links)), latest)
    zwgk_links = [("信息公开", [("政府信息公开年报", nb)])]
    site.page(
        zwgk + "index.html", _page(cfg, "政务公开", [("首页", "/"), ("政务公开", zwgk)], _links(zwgk_links)), latest
    )
    unit_links = [(short_name(u), column_path(cfg, u) + "pc/list.html") for u in units]
    nb_trail = [("首页", "/"), ("政务公开", zwgk), ("政府信息公开年报", nb)]
    site.page(
        nb + "index.html", _page(cfg, "政府信息公开年报", nb_trail, _links([("政府信息公开年报", unit_links)])), latest
    )

    for unit in units:
        _build_unit(site, cfg, unit, [p for p in pubs if p.unit == unit], nb_trail, files)
    _build_news_column(site, cfg, units)

    add_off_limits_pages(site, cfg.search_href)
    return site


def _build_unit(
    site: Site, cfg: JiangxiConfig, unit: Unit, pubs: list[Publication], nb_trail, files: AttachmentFiles
) -> None:
    column = column_path(cfg, unit)
    trail = [*nb_trail, (short_name(unit), column + "pc/list.html")]
    source = short_name(unit)
    # EDGE CASE GBK: an old column (and any column holding a pre-2019 report) is still served in GBK.
    gbk = unit.key in cfg.gbk_units or any(p.report.template == "legacy" for p in pubs)
    items: list[ListItem] = []

    def article_page(path: str, article: Article, modified: datetime, redesigned: bool = False) -> None:
        hits = 100 + stable_int("hits/" + article.key, 5000) if redesigned else None
        content = _detail_content(article, hits)
        markup = _page(cfg, article.title, trail, content, gbk=gbk, meta=_detail_meta(article), redesigned=redesigned)
        site.page(path, markup, modified, gbk=gbk)

    for pub in pubs:
        day, key = pub.published_on, pub.report.slug
        folder = f"{column}{day:%Y%m}/"
        detail = f"{folder}{stable_hex(key)}.shtml"
        document = None
        if pub.format == "html":
            body = report_html(pub.report)
        else:
            document = f"{folder}{stable_hex(key)}/files/{stable_hex('file/' + key)}.{pub.format}"
            body = attachment_body(pub, document)
            site.add(document, Resource(200, CONTENT_TYPES[pub.format], files(pub), document_modified(pub)))
        article = Article(pub.report.title, day, key, source, body)
        article_page(detail, article, page_modified(pub), redesigned=pub.redesigned_on is not None)
        site.reports.append(report_entry(site, pub, detail, document))
        items.append(ListItem(pub.report.title, day, detail))

    before = max((p.published_on for p in original(pubs)), default=date(2017, 6, 1))
    for news in news_items(unit, 12 if unit.key == cfg.busy_unit else 2, before):
        path = f"{column}{news.day:%Y%m}/{stable_hex(news.key)}.shtml"
        article_page(path, Article(news.title, news.day, news.key, source, news.body()), at_time(news.day, news.key))
        site.news_urls.append(site.url(path))
        items.append(ListItem(news.title, news.day, path))

    if cfg.dead_link and cfg.dead_link[0] == unit.key:
        year = cfg.dead_link[1]
        day = date(year + 1, 1, 18)
        path = f"{column}{day:%Y%m}/{stable_hex(f'dead/{unit.key}/{year}')}.shtml"
        items.append(ListItem(f"{unit.agency}{year}年政府信息公开工作年度报告", day, path))
        site.dead_links.append(site.url(path))  # never added: answers the site's 404 page

    if cfg.robots_link and cfg.robots_link[0] == unit.key:
        year = cfg.robots_link[1]
        path = f"/was5/web/detail?record=1&channelid={cfg.search_channel}"
        items.append(ListItem(f"{unit.agency}{year}年政府信息公开工作年度报告", date(year + 1, 3, 20), path))
        site.robots_disallowed.append(site.url(path))

    pages = pages_of(items)
    for i, page in enumerate(pages):
        name = "list.html" if i == 0 else f"list_{i + 1}.html"
        markup = _page(cfg, f"{source}_政府信息公开年报", trail, _list_content(cfg, page, len(pages), i), gbk=gbk)
        site.page(f"{column}pc/{name}", markup, newest(items), gbk=gbk)


def _build_news_column(site: Site, cfg: JiangxiConfig, units: list[Unit]) -> None:
    """The old TRS WCM column 政务要闻, as in the real 2017 page: news only, ./YYYYMM/tYYYYMMDD_ID.html."""
    column = cfg.news_column
    government = next((u for u in units if u.kind == "government"), units[0])
    trail = [("首页", "/"), ("政务公开", "/zwgk/"), ("政务动态", "/zwgk/zwdt/"), ("政务要闻", column)]
    items = []
    for news in news_items(government, 15, date(2017, 10, 20), titles=LOCAL_NEWS):
        name = trs_detail_name(news.day, cfg.news_id_base, news.key + "/zwyw")
        article = Article(news.title, news.day, news.key, "袁州区融媒体中心", news.body())
        markup = _page(
            cfg, news.title, trail, _detail_content(article), meta=_detail_meta(article) | {"ColumnName": "政务要闻"}
        )
        site.page(column + name, markup, at_time(news.day, news.key))
        site.news_urls.append(site.url(column + name))
        items.append(ListItem(news.title, news.day, "./" + name))
    pages = pages_of(items)
    for i, page in enumerate(pages):
        rows = "".join(
            f'<tr><td height="25" align="left"><a href="{it.href}">{html.escape(it.title)}</a></td>'
            f'<td width="60" align="right">{it.day.isoformat()}</td></tr>\n'
            for it in page
        )
        pager = f'{TRS_PAGER_SCRIPT}\n<script>createPageHTML({len(pages)}, {i}, "index", "html");</script>'
        table = f'<table width="97%" border="0" align="center"><tbody>\n{rows}</tbody></table>'
        content = f'{table}\n<div align="center">{pager}</div>'
        name = "index.html" if i == 0 else f"index_{i}.html"
        site.page(column + name, _page(cfg, "政务要闻", trail, content), newest(items))
    # The breadcrumb's parent columns, so its links do not dead-end.
    site.page(
        "/zwgk/index.html",
        _page(cfg, "政务公开", trail[:2], _links([("政务动态", [("政务要闻", column)])])),
        newest(items),
    )
    site.page(
        "/zwgk/zwdt/index.html",
        _page(cfg, "政务动态", trail[:3], _links([("政务动态", [("政务要闻", column)])])),
        newest(items),
    )
