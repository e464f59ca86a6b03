"""How well the parser reads the seeds as other tools give their text (tests/fixtures/other-tools/, made by
bench/other_text_fixtures): % of the gold's cells read exactly, per kind of text and seed, for all cells and for the
non-zero ones; cells read wrong (a number other than the gold's) and cells left blank (null) besides.

    .venv/bin/python -m bench.other_text
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bench.other_text_fixtures import KINDS, SEEDS, fixture_path
from parsers import parse

GOLD = SEEDS.parent / "gold"
TARGET = 95.0


@dataclass
class Score:
    cells: int = 0
    exact: int = 0
    nonzero: int = 0
    nonzero_exact: int = 0
    wrong: int = 0  # a value other than the gold's (a blank read as 0 included)
    null: int = 0  # left blank where the gold has a number

    def add(self, other: Score) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def row(self, label: str) -> str:
        def pct(a: int, b: int) -> str:
            return f"{100 * a / b:6.1f}" if b else "     -"

        return (
            f"{label:<40} {pct(self.exact, self.cells)} {pct(self.nonzero_exact, self.nonzero)}"
            f" {self.cells:>6} {self.wrong:>6} {self.null:>6}"
        )


def score(name: str, kind: str) -> Score:
    gold = json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))
    expected = {k: v for k, v in gold["cells"].items() if k not in gold["unscored"]}
    result = parse(fixture_path(name, kind).read_bytes())
    got = {c.key: c.value for c in result.cells}
    s = Score()
    for key, value in expected.items():
        read = got.get(key)
        s.cells += 1
        s.exact += key in got and read == value
        if value not in (0, None):
            s.nonzero += 1
            s.nonzero_exact += read == value
        if read is not None and read != value:
            s.wrong += 1
        elif read is None and value is not None:
            s.null += 1
    return s


def main() -> None:
    names = sorted(p.stem for p in SEEDS.glob("*.txt"))
    print(f"{'kind / seed':<40} {'all %':>6} {'≠0 %':>6} {'cells':>6} {'wrong':>6} {'null':>6}")
    overall = Score()
    for kind in KINDS:
        total = Score()
        for name in names:
            s = score(name, kind)
            total.add(s)
            print(s.row(f"  {kind} {name}"))
        overall.add(total)
        print(total.row(f"{kind} (all seeds)"))
    print(overall.row("all kinds"))
    print(f"target: ≥ {TARGET:.0f} % of all cells and of non-zero cells, per kind")


if __name__ == "__main__":
    main()
