"""Reading one printed table cell: the number as printed, its unit, or nothing (blank, "/", "无" …)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Printed instead of a number to say "nothing here"; kept as raw text with a null value.
PLACEHOLDERS = {"/", "-", "—", "——", "–", "无", "\\", "、", "空", "N/A", "n/a"}

MONEY_UNITS = ("万元", "亿元", "元")
_COUNT_UNITS = "件项个条次家人"

_NUMBER = re.compile(rf"^(?P<num>[+-]?\d+(?:,\d{{3}})*(?:\.\d+)?)(?P<unit>万元|亿元|元|[{_COUNT_UNITS}])?$")


@lru_cache(maxsize=1 << 16)  # cells repeat a lot ("0", labels): parse speed depends on this cache
def clean(text: str | None) -> str:
    """Cell text with NBSP, full-width spaces and line breaks removed (labels wrap; numbers never contain spaces)."""
    if text is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).replace("\u2212", "-"))


@dataclass(frozen=True)
class Printed:
    value: int | float | None
    unit: str | None
    numeric: bool  # the cell holds a number (possibly with a unit)
    blank: bool  # empty or a placeholder meaning nothing


@lru_cache(maxsize=1 << 16)
def read(text: str | None) -> Printed:
    s = clean(text)
    if s == "" or s in PLACEHOLDERS or set(s) <= {"-", "—", "/"}:
        return Printed(None, None, False, True)
    m = _NUMBER.match(s)
    if not m:
        return Printed(None, None, False, False)
    num = m.group("num").replace(",", "")
    value: int | float = float(num) if "." in num else int(num)
    unit = m.group("unit")
    return Printed(value, unit if unit in MONEY_UNITS else None, True, False)


def is_value_like(text: str | None) -> bool:
    """True for what may stand in a value column: a number, blank or a placeholder (not a label)."""
    p = read(text)
    return p.numeric or p.blank


def header_unit(label: str | None) -> str | None:
    """A unit printed in a column header: 本年收费金额（单位：万元） -> 万元."""
    s = clean(label)
    m = re.search(r"单位[:：]?(万元|亿元|元)", s) or re.search(r"\((万元|亿元|元)\)$", s)
    return m.group(1) if m else None
