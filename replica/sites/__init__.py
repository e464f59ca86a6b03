"""The replica sites: which CMS family each one is, its numbers and paths, and where its edge cases are.

Each site is a mapping of path -> Resource (plus query-answering endpoints) built from replica.content (UNITS,
publications()) by the module of its CMS family (named as in common/families.py): chongqing.py (www.cqbn.gov.cn,
www.hc.gov.cn, www.ybq.gov.cn), jiangxi.py (www.yzq.gov.cn), trs.py (www.bjtzh.gov.cn, plain TRS WCM), hanweb.py
(www.yuhang.gov.cn, Hanweb jcms with dataproxy.jsp), api.py (www.lg.gov.cn, a list only a JSON API serves); and
walled.py (www.hubei.gov.cn, family auto: a bot wall in front of everything). The bare host of every site
(cqbn.gov.cn) answers 301 to its www host.

EDGE CASES (each also listed by replica.catalog.catalog()):
- GBK page: yzq's 工信委 column /yzqrmzf/zfxxgkndbgd3/ (its list and the 2016 legacy report) is GBK bytes with
  <meta … charset=gb2312> and Content-Type text/html without charset (JiangxiConfig.gbk_units; jiangxi._build_unit).
- dead link: cqbn 区交通运输委 lists a 2018 report whose page is gone (404); yzq 林业局 likewise (`dead_link`).
- 5xx that recovers: cqbn …/zfbgs/index_1.html and bjtzh …/zfxxgknb/index_1.html answer 503 to the first
  request, 200 afterwards (`flaky_list_page`; the server counts attempts per URL).
- robots.txt on every site disallows /was5/ (search) and /jiucuo/ (error-report form); every list links to both
  (common.add_off_limits_pages); yzq's 区政府 column lists its 2018 report through a /was5/web/detail link, which a
  polite crawler tries and must record as refused (`robots_link`).
- challenges: ybq 区财政局 lists a 2019 report whose URL always answers HTTP 412 with a 瑞数 `$_ts` script page
  (`challenge`; common.ruishu_challenge); yuhang 五常街道 lists a 2020 report that is a 200 script-only stub
  (`script_stub`); lg 教育局 lists a 2022 report behind a 加速乐 521 (`jiasule`); every hubei path, robots.txt
  included, is a 412 challenge, so nothing there may be fetched after robots.txt.
- mobile twins: every Chongqing-platform article has a ..._wap.html twin; cqbn 区政府办公室 lists its newest
  report by the twin only, hc 区教委 by both (`wap_links`).
- same document on two pages: yuhang 区政府's column republishes 财政局's 2022 report (its DOCX) five days later
  (`republished_by`; ReportEntry.also_at).
- Crawl-delay: hc's robots.txt asks for 0.2 s between requests (`crawl_delay`).
- attachment Content-Type: hc serves .docx as application/octet-stream, as many real servers do (`attachment_type`).
- no favicon: /favicon.ico answers 404 everywhere.
- validators: ETag and Last-Modified come only with static pages and files (a Resource with `modified`), as the
  real servers of each family send them: home, column and list pages, articles (.html, Jiangxi .shtml), uploads
  (Chongqing/TRS P0….ext, Jiangxi …/files/…, lg /attachment/…) and robots.txt; those answer If-None-Match and
  If-Modified-Since with 304. Nothing answered from a query string sends them: lg's JSON list API, Hanweb's
  dataproxy.jsp (the list records) and downfile.jsp (its attachments); nor do the search and error-report forms,
  404 pages, challenges and redirects. A list page's Last-Modified is its newest item's time; an article's is its
  publication, revision or redesign (common.page_modified).
- editions (replica.editions; the server's set_edition): edition 2 revises three reports in place (yuhang 五常街道
  2023 inline, hc 区政府 2023 DOCX, cqbn 区交通运输委 2025 PDF: new bytes, Last-Modified and ETag at the same
  URLs), lists two new ones first (yzq 区政府 2025 on a static list, lg 区政府 2025 through the API), withdraws
  cqbn 安澜镇 2020 (unlisted, its pages 404) and redesigns yzq 林业局's 2023 page (a hit counter and a menu item
  around the same report). Every other byte is the same in both editions (replica.catalog.changes, redesigned).
"""

from __future__ import annotations

from pathlib import Path

from replica.attachments import attachment_path
from replica.content import UNITS
from replica.editions import publications_of
from replica.sites import api, chongqing, hanweb, jiangxi, trs, walled
from replica.sites.common import ReportEntry, Resource, Site

__all__ = ["CONFIGS", "ReportEntry", "Resource", "Site", "build_sites", "hostnames"]

CONFIGS = (
    chongqing.ChongqingConfig(
        host="www.cqbn.gov.cn",
        scheme="http",
        name="重庆市巴南区人民政府",
        zwgk="zwgk_252",
        icp="渝ICP备05004025号",
        id_base=11_300_000,
        columns={
            "qzfbgs": "/zwgk_252/zfxxgknb/qzfbm/zfbgs/",
            "jtj": "/bmjz/bm/jtj/zwgk_88817/zfxxgknb_88827/",
            "zstzj": "/bmjz/bm/zstzj/zwgk_89057/zfxxgknb_89067/",
            "esz": "/bmjz/jz/esz/zwgk_89552/zfxxgknb_89569/",
            "alz": "/bmjz/jz/alz/zwgk_89602/zfxxgknb_89619/",
        },
        busy_unit="qzfbgs",
        wap_links={"qzfbgs": "instead"},
        flaky_list_page="/zwgk_252/zfxxgknb/qzfbm/zfbgs/index_1.html",
        dead_link=("jtj", 2018),
    ),
    chongqing.ChongqingConfig(
        host="www.hc.gov.cn",
        scheme="https",
        name="重庆市合川区人民政府",
        zwgk="zwgk_164",
        icp="渝ICP备05003300号",
        id_base=8_100_000,
        columns={
            "qzf": "/zwgk_164/zfxxgknb/qzf/",
            "jw": "/bmjz/bm/jw/zwgk_63721/zfxxgknb_63731/",
            "tcz": "/bmjz/jz/tcz/zwgk_64488/zfxxgknb_64505/",
        },
        busy_unit="qzf",
        wap_links={"jw": "also"},
        attachment_type={"docx": "application/octet-stream"},
        crawl_delay=0.2,
    ),
    chongqing.ChongqingConfig(
        host="www.ybq.gov.cn",
        scheme="https",
        name="重庆市渝北区人民政府",
        zwgk="zwgk_197",
        icp="渝ICP备05002568号",
        id_base=9_400_000,
        columns={
            "qzf": "/zwgk_197/zfxxgknb/qzf/",
            "czj": "/bmjz/bm/czj/zwgk_71203/zfxxgknb_71213/",
            "wjjd": "/bmjz/jz/wjjd/zwgk_72410/zfxxgknb_72427/",
        },
        busy_unit="qzf",
        challenge=("czj", 2019),
    ),
    jiangxi.JiangxiConfig(
        host="www.yzq.gov.cn",
        scheme="http",
        name="宜春市袁州区人民政府",
        root="/yzqrmzf/",
        icp="赣ICP备05010765号",
        search_channel="259155",
        suffixes={"ztz": "86", "lyj": "1b", "gxw": "d3", "qzf": "5e"},
        busy_unit="qzf",
        news_column="/zwgk/zwdt/zwyw/",
        news_id_base=0,
        gbk_units=frozenset({"gxw"}),
        dead_link=("lyj", 2018),
        robots_link=("qzf", 2018),
    ),
    trs.TrsConfig(
        host="www.bjtzh.gov.cn",
        scheme="https",
        name="北京市通州区人民政府",
        icp="京ICP备05083485号",
        id_base=0,
        column="/bjtz/xxgk/zfxxgknb/",
        news_per_unit={"qzf": 9},
        search_channel="20021",
        flaky_list_page="/bjtz/xxgk/zfxxgknb/index_1.html",
    ),
    hanweb.HanwebConfig(
        host="www.yuhang.gov.cn",
        scheme="https",
        name="杭州市余杭区人民政府",
        icp="浙ICP备05008232号",
        web_id="3397",
        column_base=1229100000,
        unit_id="7012345",
        news_per_unit={"qzf": 8},
        script_stub=("wcjd", 2020),
        republished_by={"czj": "qzf"},
    ),
    api.ApiConfig(
        host="www.lg.gov.cn",
        scheme="https",
        name="深圳市龙岗区人民政府",
        icp="粤ICP备13004390号",
        column_id="8231",
        jiasule=("jyj", 2022),
    ),
    walled.WalledConfig(host="www.hubei.gov.cn", scheme="https", name="湖北省人民政府"),
)

_BUILDERS = {
    chongqing.ChongqingConfig: chongqing.build,
    jiangxi.JiangxiConfig: jiangxi.build,
    trs.TrsConfig: trs.build,
    hanweb.HanwebConfig: hanweb.build,
    api.ApiConfig: api.build,
    walled.WalledConfig: walled.build,
}


def build_sites(cache_dir: Path, edition: int = 1) -> dict[str, Site]:
    """Every replica site by www host, as edition `edition` shows it (replica.editions). Attachment resources point at
    files under cache_dir (see attachments.py)."""
    pubs = publications_of(edition)
    sites = {}
    for cfg in CONFIGS:
        units = [u for u in UNITS if u.site == cfg.host]
        site_pubs = [p for p in pubs if p.unit.site == cfg.host]
        sites[cfg.host] = _BUILDERS[type(cfg)](cfg, units, site_pubs, lambda pub: attachment_path(cache_dir, pub))
    return sites


def hostnames() -> list[str]:
    """Every hostname the replica answers for: the www host and the bare host of each site."""
    return sorted({name for cfg in CONFIGS for name in (cfg.host, cfg.host.removeprefix("www."))})
