"""Reading one printed table cell: the number as printed, its unit, or nothing (blank, "/", "无" …)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from common.template import count_units, yuan_per_unit

# Printed instead of a number to say "nothing here"; kept as raw text with a null value.
PLACEHOLDERS = {"/", "-", "—", "——", "–", "无", "\\", "、", "空", "N/A", "n/a"}

# Longest first, so that 万元 is not read as 元.
MONEY_UNITS = tuple(sorted(yuan_per_unit(), key=len, reverse=True))
_MONEY = "|".join(map(re.escape, MONEY_UNITS))
_COUNT = "|".join(map(re.escape, count_units()))

_NUMBER = re.compile(rf"^(?P<num>[+-]?\d+(?:,\d{{3}})*(?:\.\d+)?)(?P<unit>{_MONEY}|{_COUNT})?$")
# In a column header: 单位：万元 anywhere, else (万元) at the end.
_HEADER_UNITS = (re.compile(rf"单位[:：]?({_MONEY})"), re.compile(rf"\(({_MONEY})\)$"))


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
    m = _HEADER_UNITS[0].search(s) or _HEADER_UNITS[1].search(s)
    return m.group(1) if m else None
