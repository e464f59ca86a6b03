"""Parse speed and peak memory per format, on one core, over 200+ distinct reports of each format.

    .venv/bin/python -m bench.parse_bench [--docs 200]        # or: make bench

The corpus is made by the project itself (replica.content generates consistent reports of both templates; replica.
render writes text, HTML and DOCX; LibreOffice makes PDF and DOC) and cached in data/bench-corpus/. Each format is
parsed in its own process pinned to one CPU, so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.memory import own_peak_mib
from common.datadir import DataDir
from common.libreoffice import convert

FORMATS = ("text", "html", "docx", "pdf", "doc")
# Targets from the parser issue (documents or pages per second, one core).
TARGETS = {"text": ("docs", 200), "html": ("docs", 200), "docx": ("docs", 50), "pdf": ("pages", 10)}
CORPUS_VERSION = "1"


def make_corpus(root: Path, n: int) -> None:
    from replica.content import Unit, generated_report
    from replica.render import report_docx, report_html, report_text

    if (root / "done").exists() and int((root / "done").read_text()) >= n:
        return
    for fmt in FORMATS:
        (root / fmt).mkdir(parents=True, exist_ok=True)
    print(f"bench: writing a corpus of {n} reports per format in {root} (once)…", file=sys.stderr, flush=True)
    docx_files = []
    for i in range(n):
        unit = Unit("www.bench.gov.cn", f"u{i}", f"某某市某某区第{i}镇人民政府", "town")
        content = generated_report(unit, 2019 + i % 7)
        name = f"{i:04d}"
        (root / "text" / f"{name}.txt").write_text(report_text(content), encoding="utf-8")
        page = f'<html><head><meta charset="utf-8"></head><body><div class="TRS_Editor">{report_html(content)}</div>'
        (root / "html" / f"{name}.html").write_text(page + "</body></html>", encoding="utf-8")
        docx_files.append(root / "docx" / f"{name}.docx")
        docx_files[-1].write_bytes(report_docx(content))
    for fmt, target in (("pdf", "pdf"), ("doc", "doc:MS Word 97")):
        convert(docx_files, target, root / fmt, root / "profile")
    (root / "done").write_text(str(n))


def run_one(folder: Path, limit: int) -> dict:
    """In the child: parse every file of one format, timed; report documents, pages and failures."""
    from parsers import parse

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    files = sorted(p for p in folder.iterdir() if p.is_file())[:limit]
    data = [p.read_bytes() for p in files]
    start = time.perf_counter()
    results = [parse(d) for d in data]
    seconds = time.perf_counter() - start
    pages = sum((r.document.pages or 1) if r.document else 1 for r in results)
    return {
        "docs": len(files),
        "pages": pages,
        "seconds": seconds,
        "not_ok": sum(r.status != "ok" for r in results),
        "peak_mib": own_peak_mib(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="documents per format (default 200)")
    parser.add_argument("--corpus", type=Path, default=DataDir.resolve().bench_corpus)
    parser.add_argument("--run", metavar="FOLDER", help=argparse.SUPPRESS)  # internal: the per-format child
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_one(Path(args.run), args.docs)))
        return 0

    root = args.corpus / CORPUS_VERSION
    make_corpus(root, args.docs)
    print(f"nianbao parse benchmark: {args.docs} distinct reports per format, one process per format, one core")
    print(f"{'format':<7} {'docs':>5} {'pages':>6} {'seconds':>8} {'docs/s':>8} {'pages/s':>8} {'peak MiB':>9}  target")
    for fmt in FORMATS:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.parse_bench", "--run", str(root / fmt), "--docs", str(args.docs)],
            stdout=subprocess.PIPE,
        )
        out = json.loads(proc.stdout.read())
        if proc.wait() != 0:
            raise SystemExit(f"{fmt}: benchmark child failed")
        rate = {"docs": out["docs"] / out["seconds"], "pages": out["pages"] / out["seconds"]}
        target = TARGETS.get(fmt)
        verdict = (
            f"≥{target[1]} {target[0]}/s: {'met' if rate[target[0]] >= target[1] else 'MISSED'}" if target else "-"
        )
        if out["not_ok"]:
            verdict += f"  ({out['not_ok']} not parsed ok)"
        print(
            f"{fmt:<7} {out['docs']:>5} {out['pages']:>6} {out['seconds']:>8.2f} {rate['docs']:>8.1f} "
            f"{rate['pages']:>8.1f} {out['peak_mib']:>9.0f}  {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
