"""What the replica sites publish: which agencies, which reports, in which format, with which printed numbers.

Reports are either the real ones (replica.seeds: five seed reports with their gold cells, and a legacy sample) or
generated variations of them: other towns, departments and years, with numbers that satisfy the template's checks,
plus a few that deliberately break one check. Everything is deterministic, so the replica and the tests agree on
what a crawl must find.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import cache

from common.template import Template, template_for_year, templates
from replica.model import Paragraph, ReportContent, TableSlot
from replica.seeds import LEGACY_YEAR, SEEDS, legacy_report, seed_report


@dataclass(frozen=True)
class Unit:
    """One publishing body with its own 年报 column on a site."""

    site: str  # host, e.g. "www.cqbn.gov.cn"
    key: str  # url-safe slug of the unit's column, e.g. "esz"
    agency: str  # full official name
    kind: str  # "government" | "department" | "town"


@dataclass
class Publication:
    report: ReportContent
    unit: Unit
    format: str  # "html" (tables inline in the detail page) | "pdf" | "docx" | "doc"
    published_on: date
    # What later editions do to it (replica.editions): the edition that first lists it, the day its document was
    # replaced in place (same URLs, other numbers), the day its page got a new look around the same report.
    first_edition: int = 1
    revised_on: date | None = None
    redesigned_on: date | None = None


UNITS: tuple[Unit, ...] = (
    Unit("www.cqbn.gov.cn", "qzfbgs", "重庆市巴南区人民政府办公室", "department"),
    Unit("www.cqbn.gov.cn", "jtj", "重庆市巴南区交通运输委员会", "department"),
    Unit("www.cqbn.gov.cn", "zstzj", "重庆市巴南区招商投资促进局", "department"),
    Unit("www.cqbn.gov.cn", "esz", "重庆市巴南区二圣镇人民政府", "town"),
    Unit("www.cqbn.gov.cn", "alz", "重庆市巴南区安澜镇人民政府", "town"),
    Unit("www.hc.gov.cn", "qzf", "重庆市合川区人民政府", "government"),
    Unit("www.hc.gov.cn", "jw", "重庆市合川区教育委员会", "department"),
    Unit("www.hc.gov.cn", "tcz", "重庆市合川区土场镇人民政府", "town"),
    Unit("www.ybq.gov.cn", "qzf", "重庆市渝北区人民政府", "government"),
    Unit("www.ybq.gov.cn", "czj", "重庆市渝北区财政局", "department"),
    Unit("www.ybq.gov.cn", "wjjd", "重庆市渝北区人民政府王家街道办事处", "town"),
    Unit("www.yzq.gov.cn", "qzf", "宜春市袁州区人民政府", "government"),
    Unit("www.yzq.gov.cn", "lyj", "宜春市袁州区林业局", "department"),
    Unit("www.yzq.gov.cn", "gxw", "宜春市袁州区工业和信息化委员会", "department"),
    Unit("www.yzq.gov.cn", "ztz", "宜春市袁州区竹亭镇人民政府", "town"),
    Unit("www.bjtzh.gov.cn", "qzf", "北京市通州区人民政府", "government"),
    Unit("www.bjtzh.gov.cn", "fgw", "北京市通州区发展和改革委员会", "department"),
    Unit("www.bjtzh.gov.cn", "hxz", "北京市通州区漷县镇人民政府", "town"),
    Unit("www.yuhang.gov.cn", "qzf", "杭州市余杭区人民政府", "government"),
    Unit("www.yuhang.gov.cn", "czj", "杭州市余杭区财政局", "department"),
    Unit("www.yuhang.gov.cn", "wcjd", "杭州市余杭区五常街道办事处", "town"),
    Unit("www.lg.gov.cn", "qzf", "深圳市龙岗区人民政府", "government"),
    Unit("www.lg.gov.cn", "jyj", "深圳市龙岗区教育局", "department"),
    Unit("www.lg.gov.cn", "bjjd", "深圳市龙岗区布吉街道办事处", "town"),
)

FORMATS = ("html", "pdf", "docx", "doc")

# (site, unit key, year, format, check to break) of the generated variations.
_PLAN: tuple[tuple[str, str, int, str, str | None], ...] = (
    ("www.cqbn.gov.cn", "qzfbgs", 2024, "html", None),
    ("www.cqbn.gov.cn", "qzfbgs", 2025, "html", None),
    ("www.cqbn.gov.cn", "jtj", 2025, "pdf", None),
    ("www.cqbn.gov.cn", "zstzj", 2024, "docx", None),
    ("www.cqbn.gov.cn", "esz", 2025, "html", None),
    ("www.cqbn.gov.cn", "alz", 2020, "html", None),
    ("www.cqbn.gov.cn", "alz", 2021, "pdf", None),
    ("www.hc.gov.cn", "qzf", 2022, "html", None),
    ("www.hc.gov.cn", "qzf", 2023, "docx", None),
    ("www.hc.gov.cn", "jw", 2022, "html", "requests_balance"),
    ("www.hc.gov.cn", "tcz", 2022, "docx", None),
    ("www.ybq.gov.cn", "qzf", 2020, "html", None),
    ("www.ybq.gov.cn", "czj", 2021, "doc", None),
    ("www.ybq.gov.cn", "wjjd", 2020, "html", None),
    ("www.yzq.gov.cn", "qzf", 2023, "html", None),
    ("www.yzq.gov.cn", "lyj", 2023, "html", None),
    ("www.yzq.gov.cn", "ztz", 2021, "pdf", None),
    ("www.yzq.gov.cn", "ztz", 2023, "html", None),
    ("www.bjtzh.gov.cn", "qzf", 2019, "html", None),
    ("www.bjtzh.gov.cn", "fgw", 2023, "html", "appeals_totals"),
    ("www.bjtzh.gov.cn", "hxz", 2020, "docx", None),
    ("www.yuhang.gov.cn", "qzf", 2021, "html", None),
    ("www.yuhang.gov.cn", "qzf", 2022, "html", None),
    ("www.yuhang.gov.cn", "qzf", 2023, "pdf", None),
    ("www.yuhang.gov.cn", "czj", 2022, "docx", None),
    ("www.yuhang.gov.cn", "czj", 2023, "html", None),
    ("www.yuhang.gov.cn", "wcjd", 2021, "html", None),
    ("www.yuhang.gov.cn", "wcjd", 2022, "html", None),
    ("www.yuhang.gov.cn", "wcjd", 2023, "html", None),
    ("www.lg.gov.cn", "qzf", 2022, "html", None),
    ("www.lg.gov.cn", "qzf", 2023, "html", None),
    ("www.lg.gov.cn", "qzf", 2024, "html", None),
    ("www.lg.gov.cn", "jyj", 2023, "pdf", None),
    ("www.lg.gov.cn", "jyj", 2024, "html", None),
    ("www.lg.gov.cn", "bjjd", 2023, "html", None),
    ("www.lg.gov.cn", "bjjd", 2024, "docx", None),
)


# Reports whose title leaves the agency out ("2023年政府信息公开工作年度报告"), as many departments print it: only the
# unit's column says whose it is.
_TITLE_WITHOUT_AGENCY = {("www.yuhang.gov.cn", "czj", 2023)}


def unit(site: str, key: str) -> Unit:
    for u in UNITS:
        if u.site == site and u.key == key:
            return u
    raise KeyError((site, key))


def _amount_text(rng: random.Random, yuan: int) -> str:
    """Procurement amounts are printed in several ways: 72.8万元, 517200元 or a bare number."""
    style = rng.choice(("wan", "yuan", "bare"))
    if style == "wan":
        return f"{yuan / 10000:g}万元"
    return f"{yuan}元" if style == "yuan" else str(yuan)


def generate_cells(
    tpl: Template, rng: random.Random, breaks_check: str | None = None, carried_over: dict[str, int] | None = None
) -> dict[str, str]:
    """Printed numbers for every canonical cell that satisfy the template's checks (or break exactly one).
    `carried_over` continues the agency's previous report (its 结转下年度继续办理), so the cross-year chain holds."""
    cells: dict[str, int | str] = {}
    applicants = [c.key for c in tpl.requests_columns if c.key != "total"]
    outcome_rows = [
        r.key for r in tpl.requests_rows if r.key not in ("received", "carried_over", "total", "carried_forward")
    ]
    busy = rng.sample(outcome_rows, k=rng.randint(1, 5))
    for col in applicants:
        weight = 6 if col == "natural_person" else rng.choice((0, 0, 1, 2))
        outcomes = {row: (rng.randint(0, weight) if row in busy else 0) for row in outcome_rows}
        total = sum(outcomes.values())
        before = carried_over[col] if carried_over is not None else (rng.randint(0, 2) if weight else 0)
        carried_forward = rng.randint(0, 2) if weight else 0
        received = total + carried_forward - before
        if received < 0:
            outcomes[outcome_rows[0]] -= received
            total -= received
            received = 0
        for row, n in outcomes.items():
            cells[f"requests.{row}.{col}"] = n
        cells[f"requests.total.{col}"] = total
        cells[f"requests.received.{col}"] = received
        cells[f"requests.carried_over.{col}"] = before
        cells[f"requests.carried_forward.{col}"] = carried_forward
    for row in tpl.requests_rows:
        cells[f"requests.{row.key}.total"] = sum(int(cells[f"requests.{row.key}.{c}"]) for c in applicants)
    for row in tpl.appeals_rows:
        parts = {c.key: rng.choice((0, 0, 0, 1, 2)) for c in tpl.appeals_columns if c.key != "total"}
        cells.update({f"appeals.{row.key}.{k}": v for k, v in parts.items()})
        cells[f"appeals.{row.key}.total"] = sum(parts.values())
    for block in tpl.active_blocks:
        for row in block.rows:
            for col in block.columns:
                key = f"active.{row.key}.{col.key}"
                if col.key == "change":
                    cells[key] = rng.randint(-5, 5)
                elif col.key == "amount" and tpl.name == "2019":
                    cells[key] = _amount_text(rng, rng.randint(1, 300) * 1000)
                elif col.key == "amount":
                    cells[key] = f"{rng.randint(0, 5000) / 100:g}"  # 万元, unit printed in the header
                elif row.key in ("rules",):
                    cells[key] = 0
                else:
                    cells[key] = rng.randint(0, 400)
    if breaks_check == "requests_balance":
        # One more carried forward, in its column and in the total: rows still add up, the balance does not.
        for col in ("natural_person", "total"):
            cells[f"requests.carried_forward.{col}"] = int(cells[f"requests.carried_forward.{col}"]) + 1
    elif breaks_check == "appeals_totals":
        cells["appeals.review.total"] = int(cells["appeals.review.total"]) + 2
    elif breaks_check is not None:
        raise ValueError(f"unknown check to break: {breaks_check}")
    return {k: str(v) for k, v in cells.items()}


def generated_blocks(agency: str, year: int, cells: dict[str, str]) -> list[Paragraph | TableSlot]:
    """A plain narrative around the three tables, stating the request count the tables give."""
    received = cells.get("requests.received.total", "0")
    return [
        Paragraph(
            f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制，由{agency}负责。"
            f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        ),
        Paragraph("一、总体情况"),
        Paragraph(
            f"{year}年，{agency}认真贯彻落实《条例》，坚持“公开为常态、不公开为例外”，扎实推进政府信息公开工作。"
        ),
        Paragraph(f"（一）依申请公开。全年共收到政府信息公开申请{received}件，均在法定期限内答复。"),
        Paragraph("二、主动公开政府信息情况"),
        TableSlot("active"),
        Paragraph("三、收到和处理政府信息公开申请情况"),
        TableSlot("requests"),
        Paragraph("四、政府信息公开行政复议、行政诉讼情况"),
        TableSlot("appeals"),
        Paragraph("五、存在的主要问题及改进情况"),
        Paragraph("一是公开内容还不够全面；二是政策解读形式较为单一。下一步将进一步规范公开流程，提升公开质量。"),
        Paragraph("六、其他需要报告的事项"),
        Paragraph("本机关未收取信息处理费。无其他需要报告的事项。"),
    ]


def generated_report(
    u: Unit, year: int, breaks_check: str | None = None, carried_over: dict[str, int] | None = None
) -> ReportContent:
    tpl_name = template_for_year(year)
    rng = random.Random(f"{u.site}/{u.key}/{year}")  # noqa: S311 - deterministic test data, not security
    cells = generate_cells(templates()[tpl_name], rng, breaks_check, carried_over)
    return ReportContent(
        slug=f"{u.site.split('.')[1]}-{u.key}-{year}",
        agency=u.agency,
        year=year,
        template=tpl_name,
        title_lines=(
            f"{'' if (u.site, u.key, year) in _TITLE_WITHOUT_AGENCY else u.agency}{year}年政府信息公开工作年度报告",
        ),
        blocks=generated_blocks(u.agency, year, cells),
        cells=cells,
        breaks_check=breaks_check,
    )


# Reports published after their legal deadline: (site, unit, year) -> publication date.
_LATE = {("www.ybq.gov.cn", "qzf", 2020): date(2021, 4, 15)}  # a government's deadline is 31 March: 15 days late


def _published_on(u: Unit, year: int) -> date:
    # Departments must publish by 31 January, governments by 31 March (a few days' spread, on time but for _LATE).
    day = 10 + sum(map(ord, u.key)) % 18
    return _LATE.get((u.site, u.key, year), date(year + 1, 1, day))


@cache
def publications() -> tuple[Publication, ...]:
    """Every report edition 1 of the replica publishes, in a stable order (later ones: replica.editions)."""
    result = []
    for seed in SEEDS:
        u = unit(seed.site, seed.unit)
        report = seed_report(seed)
        result.append(Publication(report, u, seed.format, _published_on(u, report.year)))
    gxw = unit("www.yzq.gov.cn", "gxw")
    result.append(Publication(legacy_report(), gxw, "html", _published_on(gxw, LEGACY_YEAR)))
    # Each agency's reports continue one another: what one year carries forward, the next carries over.
    latest: dict[tuple[str, str, int], ReportContent] = {
        (p.unit.site, p.unit.key, p.report.year): p.report for p in result
    }
    for site, key, year, fmt, breaks in sorted(_PLAN, key=lambda plan: plan[2]):
        u = unit(site, key)
        previous = latest.get((site, key, year - 1))
        report = generated_report(u, year, breaks, carried_forward(previous) if previous else None)
        latest[(site, key, year)] = report
        result.append(Publication(report, u, fmt, _published_on(u, year)))
    return tuple(result)


def carried_forward(report: ReportContent) -> dict[str, int]:
    """Per applicant column, what the report carries into the next year (the replica prints request counts as plain
    integers; a blank counts as 0)."""
    columns = [c.key for c in templates()["2019"].requests_columns if c.key != "total"]
    return {c: int(report.cells.get(f"requests.carried_forward.{c}") or 0) for c in columns}
