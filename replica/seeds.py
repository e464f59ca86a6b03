"""The real reports the replica serves: the five seeds and the pre-2019 legacy sample (replica/content).

A seed's words come from its text (seeds/NAME.txt), read by the simple rules of read_report_text, and its cells from
its gold file (gold/NAME.json), the same gold the tests check the parser against. What a text does not say simply is
declared here: the agency as the title prints it, a report's local sub-rows (which gold leaves unscored), the legacy
sample's agency and year. The parser plays no part.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from common.template import TABLES, Template, templates
from replica.model import ExtraRow, Paragraph, ReportContent, TableSlot

CONTENT_DIR = Path(__file__).with_name("content")


@dataclass(frozen=True)
class Seed:
    """A real report and where it was published. Its words are its text file, its cells its gold file."""

    name: str  # file name without extension, in content/seeds and content/gold
    site: str
    unit: str
    format: str  # the format the replica serves it in
    agency: str  # as the title prints it
    extra_rows: tuple[ExtraRow, ...] = ()


SEEDS: tuple[Seed, ...] = (
    Seed("000_90d8d6df986a6c21", "www.cqbn.gov.cn", "alz", "html", "重庆市巴南区安澜镇人民政府"),
    Seed("001_5c2aea72611c2b37", "www.hc.gov.cn", "tcz", "docx", "重庆市合川区土场镇人民政府"),
    Seed("002_5e19d69b53729175", "www.yzq.gov.cn", "ztz", "pdf", "竹亭镇"),
    Seed(
        "003_d11106ab72934bbf",
        "www.bjtzh.gov.cn",
        "hxz",
        "doc",
        "北京市通州区漷县镇",
        # 其他对外管理服务事项 split into two local rows, of two numbers under three columns.
        extra_rows=(
            ExtraRow("active", "other_services", "行政检查", ("0", "0")),
            ExtraRow("active", "other_services", "行政确认", ("0", "0")),
        ),
    ),
    Seed("004_faf2576bdefa9143", "www.ybq.gov.cn", "wjjd", "html", "重庆市渝北区人民政府王家街道办事处"),
)

# A report in words only, without the national tables.
LEGACY_TEXT = CONTENT_DIR / "legacy" / "yzq_gxw_2016.txt"
LEGACY_AGENCY, LEGACY_YEAR = "袁州区工业和信息化委员会", 2016

# Word's hidden bookmark, left in two seed texts by the tool that extracted them.
_WORD_BOOKMARK = "[bookmark: _GoBack]"


def read_report_text(text: str) -> tuple[tuple[str, ...], list[Paragraph | TableSlot]]:
    """Title lines and blocks of a report as text. A line with a tab is a table's cell or row; a line without one
    right after it is that cell's text wrapped (本年新 / 制作数量); blank lines stay inside a table. Every other line is
    a paragraph. The tables are the national ones, in the order every report prints them. The title runs from the
    first line to the first one that names the 报告."""
    blocks: list[Paragraph | TableSlot] = []
    in_table = after_cell = False
    for line in text.replace(_WORD_BOOKMARK, "").split("\n"):
        if "\t" in line:
            if not in_table:
                blocks.append(TableSlot(TABLES[sum(isinstance(b, TableSlot) for b in blocks)]))
            in_table = after_cell = True
        elif not line.strip():
            after_cell = False
        elif not after_cell:
            blocks.append(Paragraph(line.strip()))
            in_table = False
    tables = [b.kind for b in blocks if isinstance(b, TableSlot)]
    if tables not in ([], list(TABLES)):
        raise ValueError(f"a report text with {len(tables)} tables: expected {len(TABLES)} or none")
    end = next(i for i, b in enumerate(blocks) if isinstance(b, Paragraph) and "报告" in b.text) + 1
    return tuple(b.text for b in blocks[:end] if isinstance(b, Paragraph)), blocks[end:]


def gold(name: str) -> dict:
    """A seed's gold file: cells (key -> number, null for a blank), their units, and the cells left unscored."""
    return json.loads((CONTENT_DIR / "gold" / f"{name}.json").read_text(encoding="utf-8"))


def printed(tpl: Template, key: str, value: float | None, unit: str | None) -> str:
    """A cell's value as the seed prints it: blank for null; an amount's unit in the cell unless the column header
    names it (本年收费金额（单位：万元）)."""
    if value is None:
        return ""
    text = repr(value) if isinstance(value, float) else str(value)
    if unit and f"单位：{unit}" not in tpl.label_of(*key.split("."))[1]:
        text += unit
    return text


def seed_report(seed: Seed) -> ReportContent:
    g = gold(seed.name)
    title_lines, blocks = read_report_text((CONTENT_DIR / "seeds" / f"{seed.name}.txt").read_text(encoding="utf-8"))
    tpl = templates()[g["template"]]
    return ReportContent(
        slug=f"{seed.site.split('.')[1]}-{seed.unit}-seed",
        agency=seed.agency,
        year=g["year"],
        template=g["template"],
        title_lines=title_lines,
        blocks=blocks,
        cells={key: printed(tpl, key, value, g["units"].get(key)) for key, value in g["cells"].items()},
        extra_rows=list(seed.extra_rows),
        seed=seed.name,
    )


def legacy_report() -> ReportContent:
    title_lines, blocks = read_report_text(LEGACY_TEXT.read_text(encoding="utf-8"))
    return ReportContent("yzq-gxw-2016", LEGACY_AGENCY, LEGACY_YEAR, "legacy", title_lines, blocks)
