"""The site registry: valid entries, regions from the official division codes, and a replica for every site."""

from __future__ import annotations

import pytest

from common.registry import RegistryError, load, site_for_url
from replica.catalog import catalog


def test_registry_has_the_seed_sites_and_one_per_family_with_their_regions():
    sites = load()
    assert {h: (s.region["province"], s.region["city"], s.region["county"]) for h, s in sites.items()} == {
        "www.cqbn.gov.cn": ("重庆市", "重庆市", "巴南区"),
        "www.hc.gov.cn": ("重庆市", "重庆市", "合川区"),
        "www.ybq.gov.cn": ("重庆市", "重庆市", "渝北区"),
        "www.yzq.gov.cn": ("江西省", "宜春市", "袁州区"),
        "www.bjtzh.gov.cn": ("北京市", "北京市", "通州区"),
        "www.yuhang.gov.cn": ("浙江省", "杭州市", "余杭区"),
        "www.lg.gov.cn": ("广东省", "深圳市", "龙岗区"),
        "www.hubei.gov.cn": ("湖北省", None, None),
    }


def test_every_registered_site_has_a_replica():
    # A registry entry without a replica-backed end-to-end crawl is untested.
    replicated = catalog().start_urls
    for host, site in load().items():
        assert list(site.start_urls) == replicated[host]


def test_bare_host_belongs_to_its_site():
    sites = load()
    assert site_for_url(sites, "http://cqbn.gov.cn/bmjz/").host == "www.cqbn.gov.cn"
    assert site_for_url(sites, "https://www.example.gov.cn/") is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'host = "www.x.gov.cn"\nname = "x"\nadmin_code = "999999"\ncms = "trs"\nstart_urls = ["http://www.x.gov.cn/"]',
            "unknown administrative division code 999999",
        ),
        (
            'host = "www.x.gov.cn"\nname = "x"\nadmin_code = "500113"\ncms = "wordpress"\nstart_urls = ["http://www.x.gov.cn/"]',
            "cms must be one of",
        ),
        (
            'host = "www.x.gov.cn"\nname = "x"\nadmin_code = "500113"\ncms = "trs"\nstart_urls = ["http://www.y.gov.cn/"]',
            "start URL http://www.y.gov.cn/ is on another host",
        ),
        ('host = "www.x.gov.cn"\nname = "x"', "lacks ['admin_code', 'cms', 'start_urls']"),
    ],
)
def test_bad_entries_fail_with_a_clear_message(tmp_path, entry, message):
    path = tmp_path / "sites.toml"
    path.write_text(f"[[site]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(path)


def test_bodies_are_keyed_by_division_code_with_every_host_that_publishes_for_them(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(
        """
[[site]]
host = "www.yuhang.gov.cn"
name = "杭州市余杭区人民政府"
admin_code = "330110"
cms = "hanweb"
start_urls = ["https://www.yuhang.gov.cn/"]

[[site]]
host = "xxgk.yuhang.gov.cn"
name = "杭州市余杭区人民政府"
admin_code = "330110"
cms = "auto"
start_urls = ["https://xxgk.yuhang.gov.cn/"]

[[site]]
host = "www.hangzhou.gov.cn"
name = "杭州市人民政府"
admin_code = "330100"
cms = "auto"
start_urls = ["https://www.hangzhou.gov.cn/"]
serves = ["330102"]  # the city's portal also publishes for 上城区
""",
        encoding="utf-8",
    )
    registry = load(path)
    assert sorted(registry) == ["www.hangzhou.gov.cn", "www.yuhang.gov.cn", "xxgk.yuhang.gov.cn"]
    assert {code: (b.name, b.hosts) for code, b in registry.bodies.items()} == {
        "330100": ("浙江省杭州市", ("www.hangzhou.gov.cn",)),
        "330102": ("浙江省杭州市上城区", ("www.hangzhou.gov.cn",)),
        "330110": ("浙江省杭州市余杭区", ("www.yuhang.gov.cn", "xxgk.yuhang.gov.cn")),
    }
