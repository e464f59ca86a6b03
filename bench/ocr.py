"""OCR accuracy and speed on the project's own scans of the five seed reports.

    .venv/bin/python -m bench.ocr [--seeds 000 002] [--conditions clean degraded]

Each seed is rendered as the replica renders it (DOCX, then PDF by LibreOffice), its pages rasterised at 300 dpi
("clean") and at 150 dpi with a rotation of 1°, blur and noise ("degraded"), and the page images read by OCR as an
image attachment would be (parsers.ocr). Prints, per condition, the share of the seeds' gold cells read exactly
(a missing cell counts as wrong), the seconds per page, the reports' statuses and the corrections made.
Targets (issue 10): ≥ 99 % at 300 dpi, ≥ 97 % at 150 dpi degraded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

TARGETS = {"clean": 99.0, "degraded": 97.0}


def seed_pdfs(names: list[str], work: Path) -> dict[str, bytes]:
    """The seeds as the replica renders them, converted to PDF by LibreOffice (one run)."""
    from common.libreoffice import convert
    from replica.content import publications
    from replica.render import report_docx

    sources = []
    for name in names:
        content = next(p.report for p in publications() if p.report.seed == name)
        sources.append(work / f"{name}.docx")
        sources[-1].write_bytes(report_docx(content))
    outputs = convert(sources, "pdf", work / "pdf", work / "profile")
    return {name: out.read_bytes() for name, out in zip(names, outputs, strict=True)}


def rasterise(pdf: bytes, dpi: int) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return [
            document[i].render(scale=dpi / 72, grayscale=True).to_numpy().copy().squeeze() for i in range(len(document))
        ]
    finally:
        document.close()


def degrade(gray: np.ndarray, rng: np.random.Generator, angle: float = 1.0) -> np.ndarray:
    """A poor scan: the page put on the glass askew, slightly out of focus, with sensor noise."""
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    page = cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    page = cv2.GaussianBlur(page, (0, 0), 0.6)
    noisy = page.astype(np.float32) + rng.normal(0, 12, page.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def scans(pdf: bytes, condition: str, rng: np.random.Generator) -> list[np.ndarray]:
    if condition == "clean":
        return rasterise(pdf, 300)
    return [degrade(page, rng, angle=1.0 if i % 2 == 0 else -1.0) for i, page in enumerate(rasterise(pdf, 150))]


def read(pages: list[np.ndarray]):  # -> ParseResult
    from parsers.model import Document
    from parsers.ocr import read_page, verified
    from parsers.pdf import join_pages
    from parsers.report import read_report

    warnings: list[str] = []
    blocks = join_pages([read_page(p, warnings) for p in pages])
    document = Document(blocks=blocks, format="image", pages=len(pages), warnings=warnings)
    return verified(read_report(document))


def main(argv: list[str] | None = None) -> int:
    from replica.seeds import SEEDS, gold

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="*", help="name prefixes of the seeds to read (default: all five)")
    parser.add_argument("--conditions", nargs="*", default=list(TARGETS), choices=list(TARGETS))
    args = parser.parse_args(argv)
    names = [s.name for s in SEEDS if not args.seeds or any(s.name.startswith(p) for p in args.seeds)]
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-ocr-") as tmp:
        pdfs = seed_pdfs(names, Path(tmp))
    failed = False
    for condition in args.conditions:
        rng = np.random.default_rng(10)
        exact = total = pages = 0
        seconds = 0.0
        for name in names:
            g = gold(name)
            expected = {k: v for k, v in g["cells"].items() if k not in g["unscored"]}
            images = scans(pdfs[name], condition, rng)
            started = time.perf_counter()
            result = read(images)
            seconds += time.perf_counter() - started
            pages += len(images)
            got = {c.key: c.value for c in result.cells}
            wrong = {k: (v, got.get(k, "missing")) for k, v in expected.items() if got.get(k, "missing") != v}
            exact += len(expected) - len(wrong)
            total += len(expected)
            corrected = [c.key for c in result.cells if c.method == "ocr_corrected"]
            print(
                f"{condition} {name}: {len(expected) - len(wrong)}/{len(expected)} exact, status {result.status}, "
                f"{len(corrected)} corrected, {len(images)} pages",
                flush=True,
            )
            for key, (want, have) in sorted(wrong.items())[:20]:
                print(f"    {key}: gold {want!r}, read {have!r}", flush=True)
        share = 100.0 * exact / total if total else 0.0
        print(
            f"== {condition}: {exact}/{total} cells exact = {share:.2f} % (target ≥ {TARGETS[condition]:g} %), "
            f"{seconds / max(pages, 1):.1f} s per page over {pages} pages",
            flush=True,
        )
        failed |= share < TARGETS[condition]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
