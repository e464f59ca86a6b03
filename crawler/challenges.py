"""Anti-bot challenges are recognised positively, so a challenge is never taken for a report, a dead link or an
empty robots.txt: 瑞数 (412 + `$_ts` script), 加速乐 (521 + `__jsluid` cookie), and 200 pages that are only a script.
"""

from __future__ import annotations

import re

_TAGS = re.compile(rb"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.S | re.I)


def _visible_text_length(body: bytes) -> int:
    return len(re.sub(rb"\s+|&nbsp;", b"", _TAGS.sub(b"", body)))


def detect(status: int, headers: dict[str, str], body: bytes) -> str | None:
    """The kind of challenge this response is, or None for a real answer. `headers` keys are lower-case."""
    head = body[:65536]
    cookies = headers.get("set-cookie", "")
    if status == 412 and b"$_ts" in head:
        return "ruishu_412"
    if status == 521 and (b"__jsl" in head or "__jsluid" in cookies or "x-via-jsl" in headers):
        return "jiasule_521"
    content_type = headers.get("content-type", "").lower()
    is_html = "html" in content_type or head.lstrip()[:15].lower().startswith((b"<!doctype", b"<html"))
    # A real page has body text; a challenge stub is scripts that set a cookie and reload.
    if (
        status == 200
        and is_html
        and b"<script" in head.lower()
        and _visible_text_length(head) < 20
        and (b"$_ts" in head or b"document.cookie" in head or b"location.reload" in head or b"__jsl" in head)
    ):
        return "script_stub"
    return None
