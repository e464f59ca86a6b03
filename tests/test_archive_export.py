"""`nianbao archive verify | reindex | export`: exit statuses, what they print, and a WACZ that py-wacz accepts."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_archive_rebuild import crawl, tables
from tool_venvs import tool_bin

from common.datadir import DataDir

NIANBAO = Path(sys.executable).parent / "nianbao"


def nianbao(data: DataDir, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NIANBAO), "archive", *args, "--data-dir", str(data.root)], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def crawled(tmp_path: Path) -> DataDir:
    data = DataDir(tmp_path / "data")
    crawl(data)
    return data


def test_verify_exits_zero_on_a_good_archive_and_one_naming_a_torn_record(crawled: DataDir) -> None:
    (warc,) = crawled.warc_dir.glob("*.warc.gz")
    size = warc.stat().st_size
    good = nianbao(crawled, "verify")
    assert (good.returncode, good.stdout) == (0, f"verified 1 WARC files, 17 records, {size} bytes: all good\n")
    assert f"verify: 1/1 files, 17 records, {size} bytes" in good.stderr  # the progress line
    with warc.open("ab") as fh:
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03torn")
    bad = nianbao(crawled, "verify")
    assert bad.returncode == 1
    assert bad.stdout.splitlines() == [
        f"BAD warc/{warc.name}:{size} -: torn record: 14 bytes of an incomplete gzip member end the file "
        "(seal it: nianbao crawl --resume, or archive reindex)",
        f"verified 1 WARC files, 17 records, {size} bytes: 1 problems",  # the torn bytes are no record
    ]


def test_reindex_rebuilds_the_index_and_says_what_it_did(crawled: DataDir) -> None:
    written = tables(crawled.index)
    crawled.index.unlink()
    for cdxj in crawled.warc_dir.glob("*.cdxj"):
        cdxj.unlink()
    result = nianbao(crawled, "reindex")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "reindexed 1 WARC files: 6 fetches, 2 discoveries, 1 events, 1 runs"
    assert tables(crawled.index) == written
    assert nianbao(crawled, "verify").returncode == 0


def test_export_selects_a_year_with_what_it_needs(crawled: DataDir, tmp_path: Path) -> None:
    out = tmp_path / "2023.wacz"
    result = nianbao(crawled, "export", "--wacz", str(out), "--year", "2023")
    assert (result.returncode, result.stdout) == (0, f"wrote {out}: 1 WARC files, 5 records, 2 pages\n")
    with zipfile.ZipFile(out) as wacz:
        names = wacz.namelist()
        index = wacz.read("indexes/index.cdx").decode().splitlines()
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        assert wacz.getinfo(names[0]).compress_type == zipfile.ZIP_STORED
    assert names == [
        "archive/nianbao-r1-00000.warc.gz", "indexes/index.cdx", "pages/pages.jsonl", "datapackage.json",
        "datapackage-digest.json",
    ]  # fmt: skip
    assert [json.loads(line.split(" ", 2)[2])["url"] for line in index] == [
        "https://www.example.gov.cn/ndbg/2023.html",
        "https://files.example.gov.cn/2023.pdf",
    ]
    assert [(p.get("url"), p.get("title")) for p in pages] == [
        (None, "All Pages"),
        ("https://www.example.gov.cn/ndbg/2023.html", "2023年度报告"),
        ("https://files.example.gov.cn/2023.pdf", "2023年度报告"),
    ]


def test_export_of_a_site_takes_the_revisit_targets_along(crawled: DataDir, tmp_path: Path) -> None:
    out = tmp_path / "site.wacz"
    assert nianbao(crawled, "export", "--wacz", str(out), "--site", "www.example.gov.cn").returncode == 0
    with zipfile.ZipFile(out) as wacz:
        urls = [
            json.loads(line.split(" ", 2)[2])["url"] for line in wacz.read("indexes/index.cdx").decode().splitlines()
        ]
    assert len(urls) == 5  # every response and revisit: the PDF on files.example.gov.cn was fetched for this site
    nothing = nianbao(crawled, "export", "--wacz", str(out), "--site", "other.gov.cn")
    assert (nothing.returncode, nothing.stderr) == (
        1,
        "nianbao archive: nothing to export: no fetch matches the selection\n",
    )


@pytest.mark.slow
@pytest.mark.parametrize("selection", [[], ["--year", "2023"], ["--site", "www.example.gov.cn"]])
def test_py_wacz_validates_the_export(crawled: DataDir, tmp_path: Path, selection: list[str]) -> None:
    wacz = tool_bin("wacz", "wacz==0.6.0") / "wacz"
    out = tmp_path / "out.wacz"
    assert nianbao(crawled, "export", "--wacz", str(out), *selection).returncode == 0
    valid = subprocess.run([str(wacz), "validate", "-f", str(out)], capture_output=True, text=True, timeout=300)
    assert (valid.returncode, valid.stdout.strip().splitlines()[-1]) == (
        0,
        "Validation succeeded, the passed WACZ is valid",
    )
    # The validator does check: the same package with one changed page list fails.
    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data + b"\n" if item.filename == "pages/pages.jsonl" else data)
    invalid = subprocess.run([str(wacz), "validate", "-f", str(tampered)], capture_output=True, text=True, timeout=300)
    assert invalid.returncode == 1
