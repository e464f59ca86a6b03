"""Recognising what a text is, shared by the crawler, the parsers and the build: a report's title, its year, the
agency it names, a unit's name in a list column's link text."""

from __future__ import annotations

import re

CN_DIGITS = {
    "〇": "0",
    "零": "0",
    "○": "0",
    "Ｏ": "0",
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}


def chinese_year(text: str) -> str:
    """二〇一九年 -> 2019年, so one year pattern serves both spellings."""
    return re.sub(r"[〇零○Ｏ一二三四五六七八九]{4}(?=年)", lambda m: "".join(CN_DIGITS[c] for c in m.group(0)), text)


# A report title: "…2019年政府信息公开工作年度报告", "…2020年度政府信息公开年度报告", "…信息公开年报",
# "关于2019年政府信息公开工作的年度报告"; pre-2019 ones are often "…年度政府信息公开工作报告".
_TITLE = re.compile(r"((?:19|20)\d{2})\s*年度?.*?(?:信息|政务)公开.{0,8}?(?:年度报告|年报|工作报告)")
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# Titles that mention the annual report but are about it, not it.
_NOT_A_TITLE = re.compile(
    r"工作要点|通知|通报|解读|实施方案|征求意见|编制|报送|格式|模板|培训|会议|召开|督查|考核|整改|情况的函|目录|指南"
)


def is_report_title(text: str) -> bool:
    """An annual disclosure report's title: its year, 信息公开 and 年度报告/年报; not a notice about one."""
    s = chinese_year(re.sub(r"\s+", "", text or ""))
    return 0 < len(s) <= 120 and bool(_TITLE.search(s)) and not _NOT_A_TITLE.search(s)


def agency_of(title: str) -> str | None:
    """The publishing body as the title writes it: the text before the year (重庆市巴南区安澜镇人民政府),
    or between the year and 政府信息公开 when the year comes first (2022年上海市政府信息公开…)."""
    m = YEAR.search(title)
    if not m:
        return None
    before = re.sub(r"关于$", "", title[: m.start()].strip()).strip()
    if before:
        return before
    after = re.match(r"度?(.+?)(?:人民政府)?(?:政府)?信息公开", title[m.end() :])
    name = after.group(1).strip() if after else ""
    return name if name not in ("", "政府", "人民", "人民政府") else None  # 2023年政府信息公开…: no agency printed


def year_of(title: str) -> int | None:
    m = YEAR.search(chinese_year(title))
    return int(m.group(1)) if m else None


# What report documents are published as (attachment links end so; link texts often carry the name too).
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd", ".jpg", ".jpeg", ".png")


def without_extension(link_text: str) -> str:
    """A link text like 某某2021年政府信息公开工作年度报告.pdf, as a title."""
    stripped = link_text.rstrip()
    return next((stripped[: -len(e)] for e in ATTACHMENT_EXTENSIONS if stripped.lower().endswith(e)), link_text)


# Words of the menus that lead to the reports (政务公开, 信息公开年报 …).
NAV = re.compile(r"政务公开|信息公开|年度报告|年报")
_UNIT_NAME = re.compile(r"(?:政府|办公室|办|局|委员会|委|镇|乡|街道|办事处|中心|院|厅|署|处|队|站)$")


def is_unit_name(text: str) -> bool:
    """Link text that names a publishing unit (区财政局, 五常街道, 余杭区政府), not a menu item (政策文件, 更多>>)."""
    s = re.sub(r"\s+", "", text or "")
    return 2 <= len(s) <= 20 and bool(_UNIT_NAME.search(s)) and not NAV.search(s)
