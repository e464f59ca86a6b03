"""Pages that carry no family's markers ("auto"): no family behaviour (the spider's generic link rules still lead on:
tests/test_family_table.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.challenges import detect
from crawler.families import family_of
from parsers.html import decode

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "families" / "auto"  # saved from the replica: www.lg.gov.cn, www.bjtzh.gov.cn, www.hubei.gov.cn


def page(name: str) -> str:
    return decode((PAGES / name).read_bytes())


def test_a_page_without_markers_is_auto():
    assert family_of("https://www.example.gov.cn/", "<p>首页</p>").name == "auto"


@pytest.mark.parametrize(
    "sample", ["sgwjq_longgui_2016_prerevision_inline_table.txt", "shanghai_2022_sec4_title_variant.txt"]
)
def test_real_report_pages_of_other_platforms_are_auto(sample):
    """The beginnings of real pages (tests/fixtures/site-samples), as text after a `# source: URL` line."""
    text = decode((FIXTURES / "site-samples" / sample).read_bytes())
    url = re.match(r"# source: (\S+)", text)[1]
    assert family_of(url, text).name == "auto"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.lg.gov.cn/", "lg_home.html"),
        ("https://www.bjtzh.gov.cn/bjtz/xxgk/", "bjtzh_xxgk.html"),
        ("https://www.hubei.gov.cn/", "hubei_home_412.html"),
    ],
)
def test_home_and_menu_pages_of_the_replica_have_no_family_behaviour(url, name):
    html = page(name)
    family = family_of(url, html)
    assert family.name == "auto"
    assert family.list_pages(url, html) == family.list_requests(url, html) == family.page_links(html) == []
    assert not family.is_opaque_column("https://www.yuhang.gov.cn/col/col1229100052/index.html")


def test_a_bot_wall_is_auto_and_a_challenge():
    data = (PAGES / "hubei_home_412.html").read_bytes()
    assert family_of("https://www.hubei.gov.cn/", decode(data)).name == "auto"
    assert detect(412, {"content-type": "text/html"}, data) == "ruishu_412"
