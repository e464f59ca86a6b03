"""What a link is, from its text and URL: a report, an attachment, a way towards the 年报 column, or nothing.

Pure functions, shared by the spider and its tests.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from parsers.labels import chinese_year

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_REPORT = re.compile(r"信息公开(?:工作)?(?:年度)?(?:报告|年报)|年度报告|年报")
# Titles that mention the annual report but are about it, not it.
_NOT_REPORT = re.compile(
    r"工作要点|通知|解读|实施方案|征求意见|编制|报送|格式|模板|培训|会议|召开|督查|考核|整改|情况的函|目录|指南"
)
_NAV = re.compile(r"政务公开|政府信息公开|信息公开年报|信息公开年度报告|年度报告|年报")
# Path segments of 年报 columns on the CMS families we know: zfxxgknb, zfxxgknb_88827, zfxxgkndbg86, xxgknb …
_REPORT_COLUMN_SEGMENT = re.compile(r"^(?:zfxxgk|xxgk|gk)?(?:nb|ndbg|nianbao)[_0-9a-z]*$", re.I)
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd", ".jpg", ".jpeg", ".png")
_WAP_TWIN = re.compile(r"_wap(\.s?html?)$")


def report_year(title: str) -> int | None:
    m = _YEAR.search(chinese_year(title))
    return int(m.group(1)) if m else None


def is_report_title(text: str) -> bool:
    """An annual report's title: names the report (年度报告, 年报) and its year; not a notice or a reading guide."""
    s = re.sub(r"\s+", "", text or "")
    return bool(s) and len(s) <= 120 and report_year(s) is not None and bool(_REPORT.search(s)) and not (
        _NOT_REPORT.search(s)
    )


def is_nav_link(text: str) -> bool:
    """A menu link leading towards the reports: 政务公开, 政府信息公开, 政府信息公开年报 …"""
    s = re.sub(r"\s+", "", text or "")
    return 0 < len(s) <= 16 and bool(_NAV.search(s)) and report_year(s) is None


def is_report_column(url: str) -> bool:
    """A URL inside a 年报 column (its path has a segment like zfxxgknb_88827 or zfxxgkndbg86)."""
    return any(_REPORT_COLUMN_SEGMENT.match(seg) for seg in urlsplit(url).path.split("/") if seg)


def is_attachment(url: str, text: str = "") -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(ATTACHMENT_EXTENSIONS) or (text or "").strip().lower().endswith(ATTACHMENT_EXTENSIONS)


def canonical_url(url: str) -> str:
    """One URL per page: no fragment, and the desktop page instead of its `_wap` mobile twin."""
    parts = urlsplit(url)
    path = _WAP_TWIN.sub(r"\1", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
