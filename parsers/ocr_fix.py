"""OCR misreads found and corrected by the template's arithmetic (row totals, the column balance, 总计).

The rulings (issue 10): a correction changes only a low-confidence cell, only to a reading the recogniser proposed
or a digit commonly confused with one it read, and only where exactly one reading satisfies every check the cell
takes part in. The corrected cell is marked (method "ocr_corrected", and a warning quoting what OCR read). Where
several readings would do, the cells stay null with a warning: never a guess. A number the agency itself misprinted
reads with high confidence and stays as printed.
"""

from __future__ import annotations

from common.template import Template
from parsers.checks import REPORT_CHECKS, Values
from parsers.model import Cell
from parsers.values import read

CORRECTED_METHOD = "ocr_corrected"
LOW_CONFIDENCE = 0.95  # the recogniser reads a clear digit at 0.99 and more

# Characters a recogniser reads for one another in printed digits (both ways), and letters read for digits.
_CONFUSED: dict[str, str] = {
    "0": "689",
    "1": "47",
    "2": "7",
    "3": "58",
    "4": "19",
    "5": "368",
    "6": "058",
    "7": "12",
    "8": "03569",
    "9": "048",
}
# Letters and marks a recogniser reads for a printed digit.
DIGIT_LOOKALIKES = {
    **dict.fromkeys("OoDQ。", "0"), **dict.fromkeys("lI|i", "1"), **dict.fromkeys("Zz", "2"),
    **dict.fromkeys("Ss", "5"), "B": "8", "G": "6", "b": "6", "g": "9", "q": "9",
}  # fmt: skip


def readings(raw: str) -> list[str]:
    """The other readings of a cell's text: one character replaced by one commonly confused with it."""
    found = []
    for i, char in enumerate(raw):
        for other in _CONFUSED.get(char, "") + DIGIT_LOOKALIKES.get(char, ""):
            found.append(raw[:i] + other + raw[i + 1 :])
    return list(dict.fromkeys(found))


def as_number(text: str) -> str | None:
    """The digits a cell's text stands for when OCR read letters for some of them (1O -> 10, O -> 0); None when
    the text is not such a number."""
    if not text or len(text) > 12 or not any(c in DIGIT_LOOKALIKES for c in text):
        return None
    digits = "".join(DIGIT_LOOKALIKES.get(c, c) for c in text)
    return digits if read(digits).numeric and all(c.isdigit() or c in ".-," for c in digits) else None


def _instances(values: Values, tpl: Template, narrative: str) -> list[tuple[str, set[str]]]:
    """(status, input cell keys) of every instance of every check of one report."""
    found = []
    for check in REPORT_CHECKS.values():
        for instance in check(values, tpl, narrative):
            found.append((instance["status"], set(instance.get("inputs", {}))))
    return found


def _satisfies(values: Values, key: str, value: int | float, tpl: Template, narrative: str) -> bool:
    """With `key` read as `value`, every check instance the cell takes part in passes (and there is one)."""
    involved = [status for status, keys in _instances({**values, key: value}, tpl, narrative) if key in keys]
    return bool(involved) and all(status == "pass" for status in involved)


def correct(cells: list[Cell], tpl: Template, narrative: str, warnings: list[str]) -> bool:
    """Correct OCR misreads in place (see the module docstring); True when a misread had to be left null."""
    by_key = {c.key: c for c in cells}
    values: Values = {c.key: c.value for c in cells}
    unresolved = False
    for _ in range(len(cells)):  # each round corrects or nulls at least one cell, or stops
        failing = [keys for status, keys in _instances(values, tpl, narrative) if status == "fail"]
        suspects = sorted(
            {k for keys in failing for k in keys if k in by_key and _suspect(by_key[k])},
            key=lambda k: list(by_key).index(k),
        )
        fixes = []
        for key in suspects:
            for text in readings(by_key[key].raw):
                value = read(text).value
                if value is not None and _satisfies(values, key, value, tpl, narrative):
                    fixes.append((key, text, value))
        if not fixes:
            break
        if len(fixes) == 1:
            key, text, value = fixes[0]
            cell = by_key[key]
            warnings.append(f"{key}: OCR read {cell.raw!r}, corrected to {text!r} by the table's arithmetic")
            cell.raw, cell.value, cell.method = text, value, CORRECTED_METHOD
            values[key] = value
            continue
        unresolved = True
        options = ", ".join(f"{key} = {text}" for key, text, _ in fixes)
        for key in dict.fromkeys(key for key, _, _ in fixes):
            warnings.append(f"{key}: OCR read {by_key[key].raw!r}, a misread that more than one reading fixes "
                            f"({options}): left blank")  # fmt: skip
            by_key[key].value = values[key] = None
    return unresolved


def _suspect(cell: Cell) -> bool:
    """Read by OCR (only OCR gives a confidence) with doubt."""
    return cell.confidence is not None and cell.confidence < LOW_CONFIDENCE
