"""`nianbao parse FILE|DIR ...`: report files parsed into the national tables, one result per file, as JSON lines or
readable grids. Directories are walked (every file inside, sorted, recursively)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from nianbao.command import say
from parsers.model import ParseResult


def _inputs(names: list[str]) -> Iterator[tuple[str, bytes | OSError]]:
    """(name, bytes, or why they could not be read) of each file named, and of every file inside each directory
    named, in sorted order. Symbolic links to directories inside a walked directory are not followed (loops)."""
    for name in names:
        yield from _walk(Path(name))


def _walk(path: Path) -> Iterator[tuple[str, bytes | OSError]]:
    if path.is_dir():
        try:
            entries = sorted(path.iterdir())
        except OSError as e:
            yield str(path), e
            return
        for entry in entries:
            if not (entry.is_dir() and entry.is_symlink()):
                yield from _walk(entry)
        return
    try:
        yield str(path), path.read_bytes()
    except OSError as e:
        yield str(path), e


def _unreadable(name: str, error: OSError) -> ParseResult:
    """The result of a file that could not be read: status error, and a reason without Python's errno text."""
    reason = error.strerror.lower() if error.strerror else str(error)
    return ParseResult(status="error", error=f"cannot read {name}: {reason}")


def cmd_parse(args: argparse.Namespace) -> int:
    from parsers import parse
    from parsers.render import table_text

    status = 0
    try:
        for name, data in _inputs(args.files):
            result = _unreadable(name, data) if isinstance(data, OSError) else parse(data)
            if result.status == "error":
                status = 1
            if args.format == "json":
                print(json.dumps(result.as_json(name), ensure_ascii=False))
            elif result.status == "error":
                # One line. A file that was never read (no format) is named in its reason already.
                say(f"nianbao parse: {result.error if result.format is None else f'{name}: {result.error}'}")
            else:
                print(table_text(result, name))
            sys.stdout.flush()  # now, so that a closed pipe is met here and not at exit
    except BrokenPipeError:
        # The reader stopped (`nianbao parse DIR | head`): end quietly. Python flushes stdout once more at exit;
        # pointing it at /dev/null keeps that flush from failing with a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parse = subparsers.add_parser(
        "parse",
        parents=[common],
        help="parse report files and print their cells",
        description="Parse report files (HTML, PDF, OFD, DOCX, DOC, WPS, XLSX, XLS, ET, text, images by OCR) into the "
        "national tables. A "
        "directory is walked: every file inside it, sorted, recursively. Exits 1 when a file could not be read or "
        "parsed (status error).",
    )
    parse.add_argument("files", nargs="+", metavar="FILE|DIR")
    fmt = parse.add_mutually_exclusive_group()
    fmt.add_argument(
        "--json", dest="format", action="store_const", const="json", help="one JSON object per file (the default)"
    )
    fmt.add_argument(
        "--format",
        dest="format",
        choices=["json", "table"],
        help="json, or table: a readable grid per file, and one line on stderr per file with an error",
    )
    parse.set_defaults(func=cmd_parse, format="json")
