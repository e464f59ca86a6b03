"""The five real seed reports parse to exactly the gold cells."""

from __future__ import annotations

from conftest import SEEDS, gold

from parsers import parse


def scored(g: dict) -> dict:
    return {k: v for k, v in g["cells"].items() if k not in g["unscored"]}


def test_seed_reproduces_gold_cells(seed_name):
    g = gold(seed_name)
    result = parse((SEEDS / f"{seed_name}.txt").read_bytes())
    assert result.status == "ok"
    assert result.template == g["template"]
    assert result.year == g["year"]
    assert g["agency_contains"] in result.agency
    got = {c.key: c.value for c in result.cells}
    assert got == scored(g)
    assert {c.key: c.unit for c in result.cells if c.unit} == g["units"]
    # Header rows (…其他, 总计) and labels broken over lines (补正后申请内 / 容仍不明确) are read without doubt.
    assert result.warnings == []


def test_blank_cell_is_null_with_empty_raw():
    result = parse((SEEDS / "004_faf2576bdefa9143.txt").read_bytes())
    cell = result.cell_map()["requests.unavailable_needs_creation.other_org"]
    assert (cell.value, cell.raw) == (None, "")


def test_amount_keeps_unit_written_in_cell():
    cells = parse((SEEDS / "000_90d8d6df986a6c21.txt").read_bytes()).cell_map()
    amount = cells["active.procurement.amount"]
    assert (amount.value, amount.raw, amount.unit) == (72.8, "72.8万元", "万元")
    assert cells["active.other_services.change"].value == -57


def test_unit_from_column_header():
    cells = parse((SEEDS / "001_5c2aea72611c2b37.txt").read_bytes()).cell_map()
    fees = cells["active.fees.amount"]
    assert (fees.value, fees.raw, fees.unit) == (12.11, "12.11", "万元")


def test_year_comes_from_title_not_body():
    # The body of this 2019 report speaks of 2020.
    result = parse((SEEDS / "004_faf2576bdefa9143.txt").read_bytes())
    assert result.title == "重庆市渝北区人民政府王家街道办事处关于2019年政府信息公开工作的年度报告"
    assert (result.agency, result.year) == ("重庆市渝北区人民政府王家街道办事处", 2019)


def test_local_sub_rows_are_extra_rows_not_canonical_cells():
    result = parse((SEEDS / "003_d11106ab72934bbf.txt").read_bytes())
    assert [(r.labels, r.values) for r in result.extra_rows] == [
        (["其他对外管理服务事项", "行政检查"], ["0", "0"]),
        (["其他对外管理服务事项", "行政确认"], ["0", "0"]),
    ]
    assert not [c for c in result.cells if c.row == "other_services"]


def test_null_input_makes_check_not_assessable():
    checks = {c.key: c for c in parse((SEEDS / "003_d11106ab72934bbf.txt").read_bytes()).checks}
    balance = checks["requests_balance"]
    assert balance.status == "not_assessable"
    natural = next(d for d in balance.details if d["where"] == "natural_person")
    assert natural["null_inputs"] == ["requests.carried_over.natural_person"]
    assert checks["requests_outcome_total"].status == "pass"


def test_narrative_count_checked_against_table():
    checks = {c.key: c for c in parse((SEEDS / "001_5c2aea72611c2b37.txt").read_bytes()).checks}
    narrative = checks["narrative_matches_tables"]
    assert (narrative.status, narrative.severity) == ("pass", "warning")
    assert narrative.details[0]["quote"] == "未收到政府信息公开申请"
