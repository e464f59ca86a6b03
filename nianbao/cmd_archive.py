"""`nianbao archive verify | reindex | export`: the archive as a standard others can check, rebuild and take away."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.datadir import DataDir
from nianbao.command import data_dir_of, say, writing


@contextmanager
def _holding(args: argparse.Namespace) -> Iterator[DataDir]:
    """The data directory, held: even a reader of the WARC files would see a crawl's record half-written."""
    if not data_dir_of(args).warc_dir.is_dir():
        raise FileNotFoundError(f"no WARC folder {data_dir_of(args).warc_dir}: crawl first (nianbao crawl or demo)")
    with writing(args) as data:
        yield data


def cmd_verify(args: argparse.Namespace) -> int:
    from archive.verify import verify

    with _holding(args) as data:
        result = verify(data.warc_dir, data.index, progress=say)
    for problem in result.problems:
        print(f"BAD {problem}")
    verdict = f"{len(result.problems)} problems" if result.problems else "all good"
    print(f"verified {result.files} WARC files, {result.records} records, {result.bytes} bytes: {verdict}")
    return 1 if result.problems else 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from archive.reindex import reindex

    with _holding(args) as data:
        had_index = data.index.exists()
        result = reindex(data.warc_dir, data.index, progress=say)
    print("\n".join(result.lines()))
    kept = f" (the previous one kept as {data.index.name}.old)" if had_index else ""
    print(f"new index {data.index}{kept}; CDXJ beside each WARC file")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from archive.wacz import Selection, export_wacz

    with _holding(args) as data:
        exported = export_wacz(data.warc_dir, data.index, Path(args.wacz), Selection(args.site, args.year))
    print(
        f"wrote {exported.path}: {exported.warc_files} WARC files, {exported.records} records, {exported.pages} pages"
    )
    return 0


def _year(text: str) -> int:
    if not (text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"a year such as 2023, not {text!r}")
    return int(text)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `nianbao archive ...` to the command's subparsers; ``common`` is the parent holding --data-dir."""
    archive = subparsers.add_parser(
        "archive",
        parents=[common],
        help="verify, rebuild the index of, or export the WARC archive",
        description="The WARC archive in the data directory: verify it, rebuild its index, export it as WACZ.",
    )
    sub = archive.add_subparsers(dest="archive_command", required=True, metavar="ARCHIVE_COMMAND")
    verify = sub.add_parser(
        "verify",
        parents=[common],
        help="check every record, gzip member, index row and CDXJ line; exit 1 naming the bad ones",
        description="Check every record's block and payload digests, that every gzip member is whole (a torn tail "
        "is reported), and the provenance index and CDXJ files against the WARC files both ways. Bad records are "
        "printed as `BAD <file>:<offset> <record id>: <what>`; the exit status is 1 if there is any.",
    )
    verify.set_defaults(func=cmd_verify)
    reindex = sub.add_parser(
        "reindex",
        parents=[common],
        help="rebuild index.sqlite and the CDXJ files from the WARC files alone",
        description="Rebuild the provenance index (fetches, discoveries, events, runs) and every WARC file's CDXJ "
        "from the WARC files alone. A torn tail is sealed first (its bytes kept under archive/torn/). The new index "
        "is written aside and renamed into place; the old one is kept as index.sqlite.old.",
    )
    reindex.set_defaults(func=cmd_reindex)
    export = sub.add_parser(
        "export",
        parents=[common],
        help="write a WACZ package of the archive (or of one site or year)",
        description="Write a WACZ 1.1.1 package: WARC files, CDXJ index, page list, datapackage with hashes.",
    )
    export.add_argument("--wacz", required=True, metavar="FILE", help="the package to write")
    export.add_argument("--site", metavar="HOST", help="only this site's fetches")
    export.add_argument("--year", type=_year, metavar="Y", help="only the reports of this year, and their pages")
    export.set_defaults(func=cmd_export)
