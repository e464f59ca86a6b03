"""`nianbao export --to DIR`: the database as a dated, versioned release of downloads (publish/export.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from nianbao.command import data_dir_of, say


def cmd_export(args: argparse.Namespace) -> int:
    from publish.export import export

    data_dir = data_dir_of(args)
    release = export(data_dir.database, Path(args.to) if args.to else data_dir.releases, progress=say)
    print("\n".join(release.lines()))
    return 0


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    export = subparsers.add_parser(
        "export",
        parents=[common],
        help="write a release of reports.db: CSV + datapackage.json, Parquet, one ZIP, checksums",
        description="Write the next release of reports.db (read-only) into DIR as nianbao-YYYY-MM-DD-rN/: a "
        "Frictionless data package (one CSV per table, UTF-8 with a BOM for Excel, and datapackage.json), one "
        "Parquet file per table, the reports added, changed or gone since the previous release in DIR, and "
        "SHA256SUMS; beside it nianbao-YYYY-MM-DD-rN.zip of it all and its checksum.",
    )
    export.add_argument(
        "--to",
        metavar="DIR",
        help="the releases folder (created if missing; default DATA_DIR/releases, which `nianbao serve` serves at "
        "/downloads/)",
    )
    export.set_defaults(func=cmd_export)
