"""Matching printed labels to the template's labels.

Reports print the official labels with small differences: full-width or ASCII brackets, spaces, line breaks inside
a label, numbering ("2、" instead of "二、"), a parenthetical left out ("（二）部分公开"), quotes of another kind.
A label's *core* removes all of that, so two labels match when their cores are equal.
"""

from __future__ import annotations

import re

from parsers.values import clean

_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.,]|\([一二三四五六七八九十\d]+\)[、.]?|\d+[.、)]|[①-⑳])")
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")
_TRAILING_PAREN = re.compile(r"\([^()]*\)$")

_CN_DIGITS = {
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


def core(label: str | None) -> str:
    s = _QUOTES.sub("", clean(label))
    while True:
        stripped = _NUMBERING.sub("", s)
        if stripped == s:
            break
        s = stripped
    return _TRAILING_PAREN.sub("", s) if not s.startswith("(") else s


def item_number(label: str | None) -> str | None:
    """第二十条第（五）项 -> "五"."""
    m = re.search(r"第二十条第\(?([一二三四五六七八九十]+)\)?项", clean(label))
    return m.group(1) if m else None


def chinese_year(text: str) -> str:
    """二〇一九年 -> 2019年, so one year pattern serves both spellings."""
    return re.sub(r"[〇零○Ｏ一二三四五六七八九]{4}(?=年)", lambda m: "".join(_CN_DIGITS[c] for c in m.group(0)), text)
