"""The `nianbao` command: every subcommand answers --help and is documented in the README; `parse --json` keeps
its contract."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from nianbao.cli import parser

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
SUBCOMMANDS = sorted(parser()._subparsers._group_actions[0].choices)  # noqa: SLF001 - argparse has no public API


def test_the_subcommands_are_the_documented_ones():
    assert SUBCOMMANDS == [
        "archive",
        "build",
        "crawl",
        "demo",
        "export",
        "parse",
        "replica",
        "schedule",
        "serve",
        "status",
        "update",
    ]


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help_and_is_in_the_readme(command):
    proc = subprocess.run([NIANBAO, command, "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"usage: nianbao {command}")
    assert "--data-dir" in proc.stdout
    assert f"nianbao {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_parse_json_contract():
    seed = SEEDS / "000_90d8d6df986a6c21.txt"
    proc = subprocess.run([NIANBAO, "parse", str(seed), "--json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    [line] = proc.stdout.splitlines()
    result = json.loads(line)
    assert list(result) == [
        "file",
        "status",
        "error",
        "format",
        "method",
        "title",
        "agency",
        "year",
        "template",
        "published_on",
        "cells",
        "extra_rows",
        "checks",
        "warnings",
    ]
    assert (result["title"], result["agency"], result["year"], result["template"]) == (
        "重庆市巴南区安澜镇人民政府2019年政府信息公开工作年度报告",
        "重庆市巴南区安澜镇人民政府",
        2019,
        "2019",
    )
    amount = next(
        c for c in result["cells"] if (c["table"], c["row"], c["column"]) == ("active", "procurement", "amount")
    )
    assert amount == {
        "table": "active",
        "row": "procurement",
        "column": "amount",
        "value": 72.8,
        "raw": "72.8万元",
        "unit": "万元",
        "method": None,
        "confidence": None,
    }
    assert [c["key"] for c in result["checks"]] == [
        "requests_balance",
        "requests_row_totals",
        "requests_outcome_total",
        "appeals_totals",
        "narrative_matches_tables",
    ]


def test_parse_a_non_report_and_a_missing_file(tmp_path):
    page = tmp_path / "news.html"
    page.write_text("<html><body><p>区政府召开常务会议</p></body></html>", encoding="utf-8")
    proc = subprocess.run(
        [NIANBAO, "parse", str(page), str(tmp_path / "missing.pdf")], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert (first["status"], first["template"], first["cells"]) == ("not_report", None, [])
    assert second["status"] == "error" and "missing.pdf" in second["error"]


def test_data_dir_option_wins_over_the_environment_which_wins_over_the_default(monkeypatch, tmp_path):
    from nianbao.cli import data_dir_of

    monkeypatch.delenv("NIANBAO_DATA_DIR", raising=False)
    assert data_dir_of(parser().parse_args(["build"])).root == Path("data")
    monkeypatch.setenv("NIANBAO_DATA_DIR", str(tmp_path))
    assert data_dir_of(parser().parse_args(["build"])).root == tmp_path
    assert data_dir_of(parser().parse_args(["build", "--data-dir", "x"])).root == Path("x")
    assert data_dir_of(parser().parse_args(["--data-dir", "y", "build"])).root == Path("y")


def test_crawl_options_override_the_environment_only_where_given(monkeypatch, tmp_path):
    import crawler.settings
    from common.datadir import DataDir
    from crawler.run import CrawlOptions, scrapy_settings

    # crawler/settings.py read the environment when it was imported: these stand for what it read there.
    monkeypatch.setattr(crawler.settings, "NIANBAO_SITES", "www.hc.gov.cn,www.yzq.gov.cn", raising=True)
    monkeypatch.setattr(crawler.settings, "NIANBAO_RUN_ID", "", raising=True)
    silent = scrapy_settings(CrawlOptions(DataDir(tmp_path)))
    assert silent.getlist("NIANBAO_SITES") == ["www.hc.gov.cn", "www.yzq.gov.cn"]
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{4}", silent["NIANBAO_RUN_ID"])
    given = scrapy_settings(CrawlOptions(DataDir(tmp_path), sites=["www.cqbn.gov.cn"], log_level="ERROR"))
    assert (given.getlist("NIANBAO_SITES"), given["LOG_LEVEL"]) == (["www.cqbn.gov.cn"], "ERROR")
    assert given["DATA_DIR"] == str(tmp_path)


def test_jobs_and_limits_must_be_positive(capsys):
    for bad in (["--jobs", "0"], ["--jobs", "-2"], ["--time-limit", "0"], ["--memory-limit", "x"]):
        with pytest.raises(SystemExit):
            parser().parse_args(["build", *bad])
    assert "a positive whole number, not '0'" in capsys.readouterr().err
    assert parser().parse_args(["build", "--jobs", "3", "--time-limit", "2.5"]).jobs == 3


def test_every_environment_setting_is_documented():
    code = "".join(
        p.read_text(encoding="utf-8")
        for d in ("common", "crawler", "nianbao", "publish")
        for p in (ROOT / d).rglob("*.py")
    )
    names = set(re.findall(r"NIANBAO_[A-Z_]+", code))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(names) == 19
    assert sorted(n for n in names if f"`{n}`" not in readme) == []


def test_parse_format_table_is_a_readable_grid():
    seed = SEEDS / "004_faf2576bdefa9143.txt"
    proc = subprocess.run(
        [NIANBAO, "parse", str(seed), "--format", "table"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[1] == "status ok  format text  template 2019  year 2019"
    assert lines[3] == "agency 重庆市渝北区人民政府王家街道办事处"
    assert "政府集中采购                   5    517200元" in lines
    assert any(line.startswith("2.没有现成信息需要另行制作") and "(blank)" in line for line in lines)


def test_replica_command_serves_the_sites_until_stopped(tmp_path):
    proc = subprocess.Popen(
        [NIANBAO, "replica", "--data-dir", str(tmp_path), "--port", "0", "--no-convert"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        port = int(re.fullmatch(r"replica: proxy http://127\.0\.0\.1:(\d+)\n", first).group(1))
        lines = [proc.stdout.readline() for _ in range(10)]  # the CA, 8 sites, how to stop
        assert lines[0] == f"replica: CA certificate {tmp_path / 'replica-cache' / 'tls' / 'replica-ca.pem'}\n"
        assert "replica: https://www.yuhang.gov.cn/  杭州市余杭区人民政府 (hanweb, 8 reports)\n" in lines
        assert lines[-1] == "replica: Ctrl-C stops\n"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
        with opener.open("http://www.cqbn.gov.cn/robots.txt", timeout=10) as response:
            assert response.read() == b"User-agent: *\nDisallow: /was5/\nDisallow: /jiucuo/\n"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
