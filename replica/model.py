"""What a replica report is made of: its title, its paragraphs, where its national tables stand and the cells they
print. replica.render turns one into HTML, DOCX or text."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class TableSlot:
    """Where one of the national tables stands in the report: "active", "requests" or "appeals"."""

    kind: str


@dataclass(frozen=True)
class ExtraRow:
    """A row a report adds beyond the template, e.g. 其他对外管理服务事项 split into 行政检查 / 行政确认."""

    table: str
    parent_key: str  # canonical row it replaces or refines
    label: str
    values: tuple[str, ...]


@dataclass
class ReportContent:
    slug: str  # stable id, e.g. "cqbn-alz-2019"
    agency: str  # full name as printed in the title
    year: int
    template: str  # "2019" | "2021" | "legacy"
    title_lines: tuple[str, ...]  # the title as printed, one or two lines
    blocks: list[Paragraph | TableSlot]
    cells: dict[str, str] = field(default_factory=dict)  # "requests.received.total" -> printed text ("" = blank)
    extra_rows: list[ExtraRow] = field(default_factory=list)
    breaks_check: str | None = None  # the check this report deliberately fails, if any
    seed: str | None = None  # seed file name when the report is a real one

    @property
    def title(self) -> str:
        return "".join(self.title_lines)
