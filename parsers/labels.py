"""Matching printed labels to the template's labels.

Reports print the official labels with small differences: full-width or ASCII brackets, spaces, line breaks inside
a label, numbering ("2、" instead of "二、"), a parenthetical left out ("（二）部分公开"), quotes of another kind.
A label's *core* removes all of that, so two labels match when their cores are equal.
"""

from __future__ import annotations

import re
from functools import lru_cache

from common.recognise import CN_DIGITS, chinese_year
from parsers.values import clean

_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.,]|\([一二三四五六七八九十\d]+\)[、.]?|\d+[.、)]|[①-⑳])")
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")
_TRAILING_PAREN = re.compile(r"\([^()]*\)$")


@lru_cache(maxsize=1 << 16)
def core(label: str | None) -> str:
    s = _QUOTES.sub("", clean(label))
    while True:
        stripped = _NUMBERING.sub("", s)
        if stripped == s:
            break
        s = stripped
    return _TRAILING_PAREN.sub("", s) if not s.startswith("(") else s


_LEADING_NUMBER = re.compile(r"^\(?(\d+)[.、)]")


def leading_number(label: str | None) -> int | None:
    """The number an item is printed with: "2.其他法律行政法规禁止公开" -> 2; also 2、 (2) 2) ２．."""
    m = _LEADING_NUMBER.match(clean(label))
    return int(m.group(1)) if m else None


def item_number(label: str | None) -> str | None:
    """第二十条第（五）项 -> "五"."""
    m = re.search(r"第二十条第\(?([一二三四五六七八九十]+)\)?项", clean(label))
    return m.group(1) if m else None


def _cn_small_number(text: str) -> int | None:
    """一 .. 三十一, as in 二〇二〇年一月十五日."""
    values = {c: int(d) for c, d in CN_DIGITS.items() if d.isdigit()}
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + values.get(text[1:], 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return values[tens] * 10 + (values[ones] if ones else 0)
    return values.get(text)


_DATE = re.compile(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})")
# 发布日期/发布时间, or a bare 日期 (not 成文日期, 统计日期, 印发日期: other dates of the same document).
_STATED_DATE = re.compile(r"(发布日期|发布时间|(?<!成文)(?<!统计)(?<!印发)日期)\s*[:：]\s*(\d{4}-\d{1,2}-\d{1,2})")


def first_date(text: str) -> str | None:
    """The first date in `text` (2024-01-15, 2024/1/15, 2024年1月15日) as YYYY-MM-DD."""
    m = _DATE.search(text)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def stated_date(text: str) -> str | None:
    """The publication date a page states in its info line (发布日期：2024-01-22, 日期:2026-01-28), preferring an
    explicit 发布 date to a bare 日期."""
    found = [(m.group(1).startswith("发布"), m.group(2)) for m in _STATED_DATE.finditer(text)]
    return first_date(max(found, key=lambda f: f[0])[1]) if found else None


def signature_date(lines: list[str]) -> str | None:
    """The date a report is signed with on a line of its own near its end (2020年1月15日, 二〇二〇年一月十五日)."""
    for line in reversed(lines[-6:]):
        s = re.sub(r"\s+", "", chinese_year(line))
        m = re.fullmatch(
            r"((?:19|20)\d{2})年(\d{1,2}|[一二三十]{1,3})月(\d{1,2}|[一二三十]{1,4}[一二三四五六七八九]?)日", s
        )
        if m:
            month = int(m.group(2)) if m.group(2).isdigit() else _cn_small_number(m.group(2))
            day = int(m.group(3)) if m.group(3).isdigit() else _cn_small_number(m.group(3))
            if month and day and 1 <= month <= 12 and 1 <= day <= 31:
                return f"{m.group(1)}-{month:02d}-{day:02d}"
    return None
