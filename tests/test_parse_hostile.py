"""Hostile and damaged inputs go through the build's worker pool with its default limits (60 s, 1 GiB of address
space) and come back as a recorded status that says what was refused. A result that is not transient stayed within
both limits: an overrun or an exhausted worker would have given a transient `error` saying so."""

from __future__ import annotations

import io
import random
import re
import zipfile
import zlib

import pytest
from conftest import FIXTURES, SEED_NAMES

import parsers.html
import parsers.limits
from bench import hostile
from common.libreoffice import convert
from parsers import parse
from parsers.model import ExtractionError
from parsers.pool import Limits, run
from replica.content import publications
from replica.render import report_docx, report_html, report_text

STATUSES = {"ok", "not_report", "no_tables", "needs_ocr", "error"}

REFUSED = {
    "docx_grid_span": ("docx", "a DOCX table spans 200000000 grid columns (w:gridSpan; limit 200): refused"),
    "pdf_flate_bomb": ("pdf", "a PDF with a stream that inflates to more than 32 MiB: refused"),
    "zip_bomb_lying_directory": (
        "docx",
        "zip member word/document.xml inflates to more than 32 MiB (the zip's directory says 478 bytes): refused",
    ),
    "html_spans": ("html", "an HTML table of more than 100000 cells, spans expanded: refused"),
    "pdf_many_pages": ("pdf", "a PDF of 300000 pages (limit 300): refused unread"),
    "docx_big_table": (
        "docx",
        "zip member word/document.xml inflates to more than 32 MiB (the zip's directory says 188906659 bytes): refused",
    ),
}


def parse_all(documents: dict[str, bytes], limits: Limits, jobs: int = 2) -> dict:
    return dict(run(parse, ((key, (data,)) for key, data in documents.items()), jobs, limits))


def _address_space_mib() -> int:
    with open("/proc/self/status") as status:
        return int(re.search(r"VmSize:\s+(\d+) kB", status.read()).group(1)) // 1024


def beside_this_process(limits: Limits) -> Limits:
    """Workers forked from this test process start with its address space (large by now, it ran other tests), which
    counts against their limit: they get this process's size on top, as workers forked by `nianbao build` have it."""
    return Limits(limits.seconds, _address_space_mib() + limits.memory_mib)


def test_the_default_limits_are_a_minute_and_a_gibibyte():
    assert (Limits().seconds, Limits().memory_mib) == (60, 1024)


@pytest.mark.parametrize("case", hostile.CASES)
def test_a_hostile_input_is_refused_within_the_limits(case):
    m = hostile.measured(case)  # in a new process, as the build runs its pool
    print(f"{case}: {m['seconds']} s, {m['peak_mib']} MiB")
    assert (m["status"], m["format"], m["error"], m["transient"]) == ("error", *REFUSED[case], False)


def test_a_pdf_stream_is_measured_by_its_own_zlib_data_not_its_stated_length():
    bomb = hostile.pdf_flate_bomb().replace(b"/Length 1043", b"/Length 9   ")  # pdfminer would trust the 9
    assert parse(bomb).error == "a PDF with a stream that inflates to more than 32 MiB: refused"


def _pdf_with_stream(dictionary: bytes, inflated: bytes) -> bytes:
    stream = zlib.compress(inflated)
    return hostile.pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [] /Count 0 >>",
            b"<< %s /Length %d /Filter /FlateDecode >>\nstream\n" % (dictionary, len(stream)) + stream + b"\nendstream",
        ]
    )


def test_an_image_may_inflate_further_than_other_streams():
    forty_mib = b"\0" * (40 << 20)
    assert parsers.limits.check_streams(_pdf_with_stream(b"/Type /XObject /Subtype /Image", forty_mib)) is None
    with pytest.raises(ExtractionError, match="^a PDF with a stream that inflates to more than 32 MiB: refused$"):
        parsers.limits.check_streams(_pdf_with_stream(b"/Type /XObject /Subtype /Form", forty_mib))


def test_html_spans_are_cut_to_the_cap_and_docx_spans_beyond_it_refused():
    page = b'<table><tr><td colspan="99999">x</td></tr><tr><td>a</td></tr></table>'
    [table] = parsers.html.extract(page).blocks
    assert [len(row) for row in table.rows] == [200, 1]  # browsers cut a span too; Word never writes one
    assert (
        parse(hostile.docx_grid_span(201)).error
        == "a DOCX table spans 201 grid columns (w:gridSpan; limit 200): refused"
    )


def test_a_table_that_passes_the_cells_cap_only_in_total_is_refused():
    rows = "".join(f"<tr>{'<td>1</td>' * 100}</tr>" for _ in range(1001))  # 100,100 cells, no span
    result = parse(f"<html><body><table>{rows}</table></body></html>".encode())
    assert (result.status, result.error) == (
        "error",
        "an HTML table of more than 100000 cells, spans expanded: refused",
    )


def test_a_zip_listing_a_hundred_thousand_members_is_refused_before_zipfile_reads_its_directory():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(100_000):
            z.writestr(f"{i:08}", b"")
    result = parse(archive.getvalue())
    assert (result.status, result.format, result.error) == (
        "error",
        "zip",
        "a zip directory of 5400000 bytes (limit 4 MiB): refused",
    )


# The workers' own limits catch what the checks above do not. Here the checks are lifted (forked workers inherit
# the patched modules) and the limits made small.


def test_a_document_over_the_memory_limit_is_an_error_that_names_it(monkeypatch):
    monkeypatch.setattr(parsers.html, "MAX_TABLE_CELLS", 10**9)
    limits = beside_this_process(Limits(seconds=60, memory_mib=256))
    [result] = parse_all({"spans": hostile.html_spans()}, limits, 1).values()
    assert (result.status, result.error, result.transient) == (
        "error",
        f"memory limit: parsing needed more than the worker's {limits.memory_mib} MiB of address space",
        True,
    )


def test_a_document_over_the_time_limit_is_an_error_that_names_it(monkeypatch):
    monkeypatch.setattr(parsers.limits, "MAX_PDF_PAGES", 10**6)  # pdfminer then loads 300,000 pages
    [result] = parse_all({"pages": hostile.pdf_many_pages()}, beside_this_process(Limits(seconds=2)), 1).values()
    assert (result.status, result.error, result.transient) == (
        "error",
        "time limit: parsing took more than 2 s",
        True,
    )


# --- fuzz corpus: mutated seeds and replica reports -----------------------------------------------------------


def _contents():
    """The seeds, then three other replica reports (legacy and both templates, as the replica publishes them)."""
    by_seed = {p.report.seed: p.report for p in publications() if p.report.seed}
    others = [p.report for p in publications() if not p.report.seed][:: max(1, len(publications()) // 3)][:3]
    return [by_seed[name] for name in SEED_NAMES] + others


def _rezipped(docx: bytes, mutate) -> bytes:
    """The DOCX with its document.xml mutated: damage the zip's checks would otherwise stop before the parser."""
    source, out = zipfile.ZipFile(io.BytesIO(docx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, mutate(data) if info.filename == "word/document.xml" else data)
    return out.getvalue()


def _mutants(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    """Bytes flipped, cut, repeated and removed; numbers (spans, lengths, counts, offsets) made large or negative."""

    def flip(d: bytes) -> bytes:
        b = bytearray(d)
        for _ in range(rng.randint(1, 16)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)

    def cut(d: bytes) -> bytes:
        return d[: rng.randrange(1, len(d))]

    def repeat(d: bytes) -> bytes:
        i = rng.randrange(len(d))
        j = min(len(d), i + rng.randint(1, 4096))
        return d[:j] + d[i:j] * rng.randint(2, 50) + d[j:]

    def remove(d: bytes) -> bytes:
        i = rng.randrange(len(d))
        return d[:i] + d[i + rng.randint(1, 4096) :]

    def numbers(d: bytes) -> bytes:
        values = [b"0", b"-1", b"65535", b"2147483648", b"99999999999999999999", b"1e9"]
        return re.sub(rb"\d+", lambda m: rng.choice(values) if rng.random() < 0.05 else m.group(), d)

    mutations = [flip, cut, repeat, remove, numbers]
    if data.startswith(b"PK"):
        mutations += [lambda d: _rezipped(d, rng.choice([flip, repeat, remove, numbers]))] * 3
    return [rng.choice(mutations)(data) for _ in range(count)]


def _fuzz(seeds: dict[str, bytes], count: int) -> None:
    rng = random.Random(10)
    corpus = {f"{name}#{i}": m for name, data in seeds.items() for i, m in enumerate(_mutants(data, rng, count))}
    results = parse_all(corpus, beside_this_process(Limits()))
    assert len(results) == len(corpus)
    failed = {k: (r.status, r.error) for k, r in results.items() if r.status not in STATUSES or r.transient}
    assert failed == {}  # no exception, overrun or exhausted worker: each mutant has a status of its own
    assert all(r.error for r in results.values() if r.status != "ok")


def test_mutated_html_docx_text_and_ofd_reports_each_get_a_status():
    seeds = {}
    for n, content in enumerate(_contents()):
        seeds[f"{n}.html"] = report_html(content).encode()
        seeds[f"{n}.docx"] = report_docx(content)
        seeds[f"{n}.txt"] = report_text(content).encode()
    for ofd in sorted((FIXTURES / "other-tools").glob("*.ofd"))[:2]:
        seeds[ofd.name] = ofd.read_bytes()
    _fuzz(seeds, 20)


@pytest.mark.slow
def test_mutated_pdf_reports_each_get_a_status(tmp_path):
    sources = []
    for n, content in enumerate(_contents()):
        sources.append(tmp_path / f"{n}.docx")
        sources[-1].write_bytes(report_docx(content))
    pdfs = convert(sources, "pdf", tmp_path / "pdf", tmp_path / "profile")
    _fuzz({path.name: path.read_bytes() for path in pdfs}, 8)
