"""The `nianbao` command: demo, crawl, build, serve, replica; parse (nianbao.cmd_parse); update, schedule, status
(nianbao.cmd_ops); archive (nianbao.cmd_archive); export (nianbao.cmd_export)."""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

from common.datadir import DEFAULT, ENVIRONMENT_VARIABLE
from common.lock import DataDirLocked
from nianbao import cmd_archive, cmd_export, cmd_ops, cmd_parse
from nianbao.command import WAIT_HELP, command_line, crawl_and_report, data_dir_of, say, writing
from nianbao.status import newest_run_warning
from parsers.pool import Limits

# --- commands -------------------------------------------------------------------------------------------------


def cmd_crawl(args: argparse.Namespace) -> int:
    from common.registry import load
    from crawler.run import CrawlOptions, NothingToResume

    options = CrawlOptions(
        data_dir=data_dir_of(args),
        sites=args.site or [],
        start_urls=args.start_url or [],
        registry=load(args.registry),
        proxy=args.proxy,
        replica_ca=args.replica_ca,
        delay=args.delay,
        log_level=args.log_level,
        verbose=args.verbose,
        full=args.full,
        resume=args.resume,
    )
    with writing(args, wait=args.wait):
        try:
            return crawl_and_report(options)
        except NothingToResume as error:
            say(f"nianbao crawl --resume: {error}")
            return 1


def cmd_build(args: argparse.Namespace) -> int:
    from common.registry import load
    from publish.build import build

    limits = Limits(seconds=args.time_limit, memory_mib=args.memory_limit)
    with writing(args, wait=args.wait) as data_dir:
        warning = newest_run_warning(data_dir)
        if warning:
            say(warning)
        summary = build(data_dir, load(args.registry), args.jobs, limits, say, args.accept_shrink)
    print("\n".join(summary.lines()))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from publish.serve import serve

    return serve(data_dir_of(args), args.host, args.port, args.public)


def cmd_replica(args: argparse.Namespace) -> int:
    if not _replica_found(args.command):
        return 1
    from replica.server import main as replica_main

    argv = ["--port", str(args.port), "--cache-dir", str(data_dir_of(args).replica_cache)]
    argv += ["--edition", str(args.edition)]
    return replica_main(argv + (["--no-convert"] if args.no_convert else []))


def _replica_found(command: str) -> bool:
    """Whether the replica can be imported, from the clone: it is part of the repository, not of the installed
    package. When it cannot (nianbao installed from a wheel, no clone), say what to do."""
    clone = Path(__file__).resolve().parent.parent  # the repository, when installed from it with pip install -e
    if (clone / "replica").is_dir() and str(clone) not in sys.path:
        sys.path.append(str(clone))
    try:
        import replica  # noqa: F401 - only whether it is there
    except ModuleNotFoundError:
        say(
            f"nianbao {command}: the replica sites are not installed with the package; they run from a clone of the"
            " repository: git clone it, then run `make demo` there"
        )
        return False
    return True


def cmd_demo(args: argparse.Namespace) -> int:
    if not _replica_found(args.command):
        return 1
    from crawler.run import CrawlOptions, crawl, summarise
    from publish.build import build
    from publish.export import export
    from publish.serve import serve
    from replica.server import ReplicaServer

    with writing(args) as data_dir:
        say(f"[1/4] starting the replica sites on 127.0.0.1 (cache in {data_dir.replica_cache})")
        with ReplicaServer(data_dir.replica_cache) as replica:
            say(f"      proxy {replica.proxy_url}")
            say("[2/4] crawling the replica (the live sites' URLs, through the proxy)")
            options = CrawlOptions(
                data_dir=data_dir,
                proxy=replica.proxy_url,
                replica_ca=str(replica.ca_cert_path),
                delay=args.delay,
                log_level="WARNING",
            )
            run_id = crawl(options)
        crawled = summarise(data_dir, run_id, options.registry)
        print("\n".join(crawled.lines()))
        if crawled.failure():
            say(f"nianbao demo: {crawled.failure()}")
            return 1
        say("[3/4] building the database from the archive, and a release of it for the downloads")
        summary = build(data_dir, options.registry, progress=say)
        print("\n".join(summary.lines()))
        print("\n".join(export(data_dir.database, data_dir.releases, progress=say).lines()))
    if args.no_serve:
        return crawled.exit_status()
    say(f"[4/4] serving Datasette on http://127.0.0.1:{args.port}/")
    return serve(data_dir, "127.0.0.1", args.port)  # a reader: outside the writer's hold


# --- arguments ------------------------------------------------------------------------------------------------


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a positive whole number, not {text!r}")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"a positive number, not {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help=f"where archive, database and caches live (default: ${ENVIRONMENT_VARIABLE} or {DEFAULT}/)",
    )
    p = argparse.ArgumentParser(
        prog="nianbao",
        description="Crawl, archive, parse and publish China's 政府信息公开工作年度报告.",
        parents=[common],
    )
    p.add_argument("--version", action="version", version=f"nianbao {metadata.version('nianbao')}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="replica crawl -> archive -> build -> Datasette",
        description="Start the replica sites, crawl them, build reports.db in the data directory and serve it.",
    )
    demo.add_argument("--no-serve", action="store_true", help="stop after the build (for scripts)")
    demo.add_argument("--port", type=int, default=8001, help="Datasette port (default 8001)")
    demo.add_argument(
        "--delay",
        type=float,
        default=0.05,
        help="seconds between requests to one replica site (default 0.05; live crawls default to 1)",
    )
    demo.set_defaults(func=cmd_demo)

    crawl = sub.add_parser(
        "crawl",
        parents=[common],
        help="crawl registered sites into the WARC archive",
        description="Crawl the sites of the registry; every response is archived in WARC.",
    )
    which = crawl.add_mutually_exclusive_group()
    which.add_argument("--site", action="append", metavar="HOST", help="only this registered host (repeatable)")
    which.add_argument(
        "--start-url",
        action="append",
        metavar="URL",
        help="discovery: crawl from this page (a home page will do) with or without a registry entry, "
        "and report the 年报 columns, CMS family and the registry entry to add (repeatable)",
    )
    crawl.add_argument("--registry", metavar="FILE", help="site registry (default common/sites.toml)")
    crawl.add_argument(
        "--proxy", metavar="URL", help="HTTP proxy for every request, e.g. the replica (default $NIANBAO_PROXY)"
    )
    crawl.add_argument(
        "--replica-ca",
        metavar="FILE",
        help="replica mode: trust exactly this CA certificate (default $NIANBAO_REPLICA_CA)",
    )
    crawl.add_argument(
        "--delay",
        type=float,
        metavar="SECONDS",
        help="seconds between requests to one site (default 1; a larger robots.txt Crawl-delay or registry delay wins)",
    )
    crawl.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="Scrapy's (default $NIANBAO_LOG_LEVEL or WARNING; INFO with --verbose)",
    )
    crawl.add_argument(
        "--verbose", action="store_true", help="Scrapy's own INFO lines too (quiet by default: progress and summary)"
    )
    crawl.add_argument(
        "--full",
        action="store_true",
        help="a full sweep: walk every list page and fetch every known report again (conditionally); without it "
        "a run stops lists at known reports, and every $NIANBAO_FULL_SWEEP_EVERY-th run (default 7) is full",
    )
    crawl.add_argument(
        "--resume",
        action="store_true",
        help="continue the newest interrupted run under its run id: what it archived is not fetched again",
    )
    crawl.add_argument("--wait", action="store_true", help=WAIT_HELP)
    crawl.set_defaults(func=cmd_crawl)

    build = sub.add_parser(
        "build",
        parents=[common],
        help="build reports.db in the data directory from its archive (no network)",
        description="Parse the archived reports (in worker processes, each document once: results are cached in the "
        "data directory by payload and parser version) and write reports.db atomically.",
    )
    build.add_argument("--registry", metavar="FILE", help="site registry (default common/sites.toml)")
    build.add_argument(
        "--jobs", type=_positive, metavar="N", help="parse in N worker processes (default: the number of cores)"
    )
    build.add_argument(
        "--time-limit",
        type=_positive_float,
        default=Limits.seconds,
        metavar="SECONDS",
        help=f"per document: a document that takes longer is an error (default {Limits.seconds:g})",
    )
    build.add_argument(
        "--memory-limit",
        type=_positive,
        default=Limits.memory_mib,
        metavar="MIB",
        help=f"per parsing worker: a document that needs more is an error (default {Limits.memory_mib})",
    )
    build.add_argument(
        "--accept-shrink",
        action="store_true",
        help="publish the new database even when it has fewer reports, cells or coverage than the one in place "
        "(without it such a build is kept aside in reports.refused.db and the command fails)",
    )
    build.add_argument("--wait", action="store_true", help=WAIT_HELP)
    build.set_defaults(func=cmd_build)

    serve = sub.add_parser(
        "serve",
        parents=[common],
        help="serve reports.db with Datasette (read-only)",
        description="Run Datasette 0.65 read-only on reports.db with nianbao's metadata and site. When a build "
        "replaces reports.db, Datasette is restarted on it (every answer comes from one database, never a mix); "
        "SIGTERM stops it.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8001, help="port (default 8001)")
    serve.add_argument(
        "--public",
        action="store_true",
        help="for a deployment: SQL queries limited to 1 s and 1,000 rows, no full-table CSV streams or .db download "
        "(full tables come from `nianbao export`)",
    )
    serve.set_defaults(func=cmd_serve)

    replica = sub.add_parser(
        "replica",
        parents=[common],
        help="serve the replica sites on 127.0.0.1",
        description="Serve the offline replica of the government sites as an HTTP proxy.",
    )
    replica.add_argument("--port", type=int, default=8765, help="proxy port (default 8765; 0 picks a free one)")
    replica.add_argument(
        "--no-convert", action="store_true", help="skip LibreOffice: PDF and DOC attachments answer 404 (fast start)"
    )
    replica.add_argument(
        "--edition",
        type=int,
        default=1,
        help="which edition of the sites (default 1; 2: some months later, with reports changed, new and gone)",
    )
    replica.set_defaults(func=cmd_replica)
    cmd_parse.register(sub, common)
    cmd_ops.register(sub, common)
    cmd_archive.register(sub, common)
    cmd_export.register(sub, common)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    args.command_line = command_line(argv)  # names this process in the data directory's lock while it writes
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError, DataDirLocked) as e:
        say(f"nianbao {args.command}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
