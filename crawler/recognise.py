"""What a link is, from its text and URL: an attachment, a way towards the 年报 column, or nothing.
(Whether a title is a report's, and unit names, are in common.recognise, shared with the parsers and the build.)
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from common.recognise import ATTACHMENT_EXTENSIONS, NAV, year_of

# Path segments of 年报 columns on the CMS families we know: zfxxgknb, zfxxgknb_88827, zfxxgkndbg86, xxgknb …
_REPORT_COLUMN_SEGMENT = re.compile(r"^(?:zfxxgk|xxgk|gk)?(?:nb|ndbg|nianbao)[_0-9a-z]*$", re.I)
_LIST_PAGE = re.compile(r"^(?:(?:index|list|default)(?:_\d+)?\.\w+)?$")  # "" is the folder itself
_WAP_TWIN = re.compile(r"_wap(\.s?html?)$")


def is_nav_link(text: str) -> bool:
    """A menu link leading towards the reports: 政务公开, 政府信息公开, 政府信息公开年报 …"""
    s = re.sub(r"\s+", "", text or "")
    return 0 < len(s) <= 16 and bool(NAV.search(s)) and year_of(s) is None


def is_report_column(url: str) -> bool:
    """A page of a 年报 column: its path has a segment like zfxxgknb_88827 or zfxxgkndbg86, and it is the column's
    folder or one of its list pages (index_2.html, pc/list.html), not an article inside it."""
    segments = urlsplit(url).path.split("/")
    last = segments[-1]
    is_list_page = _LIST_PAGE.match(last) is not None or _REPORT_COLUMN_SEGMENT.match(last) is not None  # …/zfxxgknb
    return is_list_page and any(_REPORT_COLUMN_SEGMENT.match(s) for s in segments if s)


_FILE_KEY = re.compile(r"file|name|attach", re.I)  # filename=, fileName=, showname=, attachId=…


def is_attachment(url: str, text: str = "") -> bool:
    """A file link: by its path, by a file name in its query (download scripts: downfile.jsp?filename=….pdf) or by
    its text (报告.pdf)."""
    parts = urlsplit(url)
    named = [value for key, value in parse_qsl(parts.query) if _FILE_KEY.search(key)]  # not share.php?pic=logo.png
    names = [parts.path, *named, (text or "").strip()]
    return any(name.lower().endswith(ATTACHMENT_EXTENSIONS) for name in names)


def canonical_url(url: str) -> str:
    """One URL per page: no fragment, and the desktop page instead of its `_wap` mobile twin."""
    parts = urlsplit(url)
    path = _WAP_TWIN.sub(r"\1", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
