"""What a link is, from its text and URL: an attachment, a way towards the 年报 column, or nothing.
(Whether a title is a report's is the parser's call: parsers.report.is_report_title, shared by both.)
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from parsers.report import year_of

_NAV = re.compile(r"政务公开|信息公开|年度报告|年报")
# Path segments of 年报 columns on the CMS families we know: zfxxgknb, zfxxgknb_88827, zfxxgkndbg86, xxgknb …
_REPORT_COLUMN_SEGMENT = re.compile(r"^(?:zfxxgk|xxgk|gk)?(?:nb|ndbg|nianbao)[_0-9a-z]*$", re.I)
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd", ".jpg", ".jpeg", ".png")
_WAP_TWIN = re.compile(r"_wap(\.s?html?)$")


def is_nav_link(text: str) -> bool:
    """A menu link leading towards the reports: 政务公开, 政府信息公开, 政府信息公开年报 …"""
    s = re.sub(r"\s+", "", text or "")
    return 0 < len(s) <= 16 and bool(_NAV.search(s)) and year_of(s) is None


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
