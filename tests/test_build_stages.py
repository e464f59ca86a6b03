"""The build's machinery without a crawl: the parser version that keys the parse cache, the cache itself, and the
worker pool's limits."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, SEEDS

from parsers.model import Cell, ParseResult
from parsers.pool import Limits, run
from parsers.version import digest, source_files
from publish.parse_cache import ParseCache

# --- parser version -------------------------------------------------------------------------------------------


def test_parser_version_covers_every_project_module_that_parsing_loads():
    # A fresh interpreter parses a document of each format it can make cheaply, then lists the project's modules
    # it loaded: each must be among the files the version digests, or a change to it would not reparse.
    script = f"""
import io, json, sys, docx
from parsers import parse
for data in (open({str(SEEDS / "000_90d8d6df986a6c21.txt")!r}, "rb").read(), b"<html><table><tr><td>1</td></tr></table></html>", b"%PDF-1.4 broken"):
    parse(data)
out = io.BytesIO(); docx.Document().save(out); parse(out.getvalue())
print(json.dumps(sorted(m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None))))
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = {Path(f).resolve() for f in json.loads(proc.stdout) if Path(f).resolve().is_relative_to(ROOT)}
    project = {p for p in loaded if not p.is_relative_to(ROOT / ".venv")}
    assert {p.parent.name for p in project} == {"parsers", "common"}
    assert project - set(source_files()) == set()
    # ... and what only runs the parser or prints its results is not digested: changing it reparses nothing.
    digested = {p.relative_to(ROOT).as_posix() for p in source_files()}
    assert {"parsers/pool.py", "parsers/render.py", "common/datadir.py", "common/registry.py"} & digested == set()
    assert {"common/template.json", "parsers/extract.py", "common/libreoffice.py"} <= digested


def test_parser_version_changes_when_a_parser_file_changes(tmp_path):
    shutil.copytree(ROOT / "parsers", tmp_path / "parsers", ignore=shutil.ignore_patterns("__pycache__"))
    files = sorted((tmp_path / "parsers").glob("*.py"))
    before = digest(tmp_path, files)
    assert digest(tmp_path, files) == before
    labels = tmp_path / "parsers" / "labels.py"
    labels.write_text(labels.read_text(encoding="utf-8") + "\n# a change\n", encoding="utf-8")
    assert digest(tmp_path, files) != before


# --- parse cache ----------------------------------------------------------------------------------------------


def _result() -> ParseResult:
    return ParseResult(
        status="ok",
        format="html",
        title="某镇2023年政府信息公开工作年度报告",
        year=2023,
        template="2021",
        cells=[Cell("requests", "received", "total", 3, "3"), Cell("requests", "granted", "total", None, "/")],
        warnings=["a warning"],
        text="正文",
    )


def test_parse_cache_keeps_results_per_payload_content_type_and_parser_version(tmp_path):
    path = tmp_path / "cache" / "parse.sqlite"
    page, as_gbk = ("aa", "text/html; charset=utf-8"), ("aa", "text/html; charset=gbk")
    cache = ParseCache(path, "v1")
    cache.put(page, _result(), {"status": "ok"})
    cache.close()

    cache = ParseCache(path, "v1")
    # The same bytes served as another charset are another document to parse.
    assert cache.summaries([page, as_gbk, ("bb", "")]) == {page: {"status": "ok"}}
    back = cache.result(page)
    assert (back.title, back.template, back.warnings, back.text) == (_result().title, "2021", ["a warning"], "正文")
    assert [(c.key, c.value, c.raw) for c in back.cells] == [
        ("requests.received.total", 3, "3"),
        ("requests.granted.total", None, "/"),
    ]
    cache.close()

    newer = ParseCache(path, "v2")  # a new parser sees nothing of the old one's, and drops it once done
    assert newer.summaries([page]) == {}
    assert newer.drop_other_versions() == 1
    newer.close()


# --- worker pool ----------------------------------------------------------------------------------------------


def _task(kind: str) -> ParseResult:
    if kind == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "hang":
        time.sleep(60)
    if kind == "greedy":
        try:
            bytearray(1024 * 1024 * 1024)
        except MemoryError:
            return ParseResult(status="error", error="MemoryError")
    return ParseResult(status="ok", title=f"{kind} in {os.getpid()}")


def _address_space_mib() -> int:
    return int(re.search(r"VmSize:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) // 1024


def test_pool_replaces_a_dead_or_overrunning_worker_and_goes_on():
    items = [(k, (k,)) for k in ("a", "die", "b", "hang", "greedy", "c")]
    # Workers are forked from this process: their limit is what it maps already plus 256 MiB.
    limits = Limits(seconds=2, memory_mib=_address_space_mib() + 256)
    results = {key: (r.status, r.error, r.transient) for key, r in run(_task, items, 2, limits)}
    # What the pool makes of an overrun or a death is transient: it says something of this run, and is not cached.
    assert results["die"] == ("error", "the parsing worker died (signal 9, e.g. out of memory)", True)
    assert results["hang"] == ("error", "time limit: parsing took more than 2 s", True)
    assert results["greedy"] == ("error", "MemoryError", False)  # 1 GiB more is over the limit
    assert {k: v[0] for k, v in results.items() if k in "abc"} == {"a": "ok", "b": "ok", "c": "ok"}


def test_a_document_that_exhausts_memory_is_a_transient_error(monkeypatch):
    import parsers.text
    from parsers import parse

    def exhausted(text):
        raise MemoryError

    monkeypatch.setattr(parsers.text, "extract", exhausted)
    result = parse("某镇2023年政府信息公开工作年度报告".encode())
    assert (result.status, result.error, result.transient) == (
        "error",
        "out of memory: the document needs more than allowed",
        True,
    )
