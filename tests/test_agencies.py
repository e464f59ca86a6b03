"""One agency per publishing body, however its reports print the name."""

from __future__ import annotations

from publish.agencies import agency_level, canonical_names, full_name

YUANZHOU = {"province": "江西省", "city": "宜春市", "county": "袁州区"}
BANAN = {"province": "重庆市", "city": "重庆市", "county": "巴南区"}


def test_short_name_joins_the_full_name_of_the_same_site():
    names = {"竹亭镇", "宜春市袁州区竹亭镇人民政府", "宜春市袁州区林业局"}
    assert canonical_names(names, YUANZHOU) == {"竹亭镇": "宜春市袁州区竹亭镇人民政府"}


def test_district_department_by_its_short_form():
    yuhang = {"province": "浙江省", "city": "杭州市", "county": "余杭区"}
    names = {"区财政局", "杭州市余杭区财政局", "区交通运输委"}
    assert canonical_names(names, yuhang) == {"区财政局": "杭州市余杭区财政局"}


def test_a_government_is_not_merged_into_its_office():
    names = {"重庆市巴南区人民政府", "重庆市巴南区人民政府办公室"}
    assert canonical_names(names, BANAN) == {}


def test_municipality_prefix_and_ambiguity():
    assert canonical_names({"安澜镇", "重庆市巴南区安澜镇人民政府"}, BANAN) == {"安澜镇": "重庆市巴南区安澜镇人民政府"}
    # Two candidate full names: the short one stays as printed.
    assert canonical_names({"安澜镇", "重庆市巴南区安澜镇人民政府", "巴南区安澜镇人民政府"}, BANAN) == {
        "巴南区安澜镇人民政府": "重庆市巴南区安澜镇人民政府"
    }


def test_levels():
    assert [
        agency_level(n)
        for n in (
            "重庆市渝北区人民政府王家街道办事处",
            "宜春市袁州区竹亭镇人民政府",
            "竹亭镇",
            "重庆市巴南区人民政府",
            "宜春市人民政府",
            "重庆市巴南区交通运输委员会",
        )
    ] == ["街道", "乡镇", "乡镇", "区县", "市", "部门"]


def test_names_without_region_are_completed_with_the_site_region():
    assert full_name("竹亭镇", YUANZHOU) == "宜春市袁州区竹亭镇人民政府"
    assert full_name("袁州区林业局", YUANZHOU) == "宜春市袁州区林业局"
    assert full_name("安澜镇", BANAN) == "重庆市巴南区安澜镇人民政府"
    assert full_name("龙洲湾街道", BANAN) == "重庆市巴南区龙洲湾街道办事处"
    assert full_name("重庆市巴南区人民政府办公室", BANAN) == "重庆市巴南区人民政府办公室"
    assert full_name("区交通运输委", BANAN) == "区交通运输委"  # no region to tell it by: as printed
