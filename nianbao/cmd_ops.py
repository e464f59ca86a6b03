"""Running nianbao unattended: `nianbao update` (crawl, then build, under one hold of the data directory),
`nianbao schedule` (a systemd timer or a crontab line that runs it) and `nianbao status` (how the crawls ended, what
is due)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nianbao.command import WAIT_HELP, crawl_and_report, data_dir_of, say, writing


def cmd_update(args: argparse.Namespace) -> int:
    from common.registry import load
    from crawler.run import CrawlOptions
    from nianbao.status import newest_run_warning
    from publish.build import build

    registry = load(args.registry)
    options = CrawlOptions(
        data_dir=data_dir_of(args),
        sites=args.site or [],
        registry=registry,
        proxy=args.proxy,
        replica_ca=args.replica_ca,
        delay=args.delay,
        full=args.full,
    )
    with writing(args, wait=args.wait) as data_dir:
        crawled = crawl_and_report(options, "update")
        warning = newest_run_warning(data_dir)
        if warning:
            say(warning)
        summary = build(data_dir, registry, progress=say)
    print("\n".join(summary.lines()))
    return crawled


def cmd_schedule(args: argparse.Namespace) -> int:
    from nianbao.schedule import Schedule, at_time, default_unit_dir, install, nianbao_executable, printed

    hour, minute = at_time(args.at)
    schedule = Schedule(
        every=args.every,
        hour=hour,
        minute=minute,
        executable=nianbao_executable(),
        data_dir=data_dir_of(args).root.absolute(),
        working_dir=Path.cwd(),
    )
    unit_dir = Path(args.unit_dir) if args.unit_dir else default_unit_dir()
    if args.install:
        for line in install(schedule, unit_dir):
            say(line)
        print(f"# or, without systemd, this crontab line (crontab -e):\n{schedule.crontab_line()}")
    else:
        print(printed(schedule, unit_dir), end="")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from crawler import settings
    from nianbao.status import status, status_lines

    current = status(data_dir_of(args), settings.NIANBAO_FULL_SWEEP_EVERY)
    if args.format == "json":
        print(json.dumps(current.as_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(status_lines(current)))
    return 0


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from nianbao.schedule import EVERY

    update = subparsers.add_parser(
        "update",
        parents=[common],
        help="crawl, then build, as one writer (what a schedule runs)",
        description="Crawl the registered sites, then build reports.db, holding the data directory's lock "
        "throughout. Exits non-zero when the crawl or the build failed (2: a site that should publish reports "
        "yielded none); the build runs after a failed crawl too, and says so.",
    )
    update.add_argument("--wait", action="store_true", help=WAIT_HELP)
    update.add_argument(
        "--full", action="store_true", help="a full sweep: walk every list page (as `nianbao crawl --full`)"
    )
    update.add_argument("--site", action="append", metavar="HOST", help="only this registered host (repeatable)")
    update.add_argument("--registry", metavar="FILE", help="site registry (default common/sites.toml)")
    update.add_argument("--proxy", metavar="URL", help="HTTP proxy for every request (default $NIANBAO_PROXY)")
    update.add_argument(
        "--replica-ca", metavar="FILE", help="replica mode: trust exactly this CA (default $NIANBAO_REPLICA_CA)"
    )
    update.add_argument("--delay", type=float, metavar="SECONDS", help="seconds between requests to one site")
    update.set_defaults(func=cmd_update)

    schedule = subparsers.add_parser(
        "schedule",
        parents=[common],
        help="a systemd timer (or crontab line) running `nianbao update --wait`",
        description="Print or install a systemd user service and timer that run `nianbao update --wait` on this "
        "data directory, and the equivalent crontab line. The command locks the data directory itself: runs never "
        "overlap.",
    )
    schedule.add_argument("--every", choices=EVERY, required=True, help="daily, or weekly (on Mondays)")
    schedule.add_argument("--at", default="03:00", metavar="HH:MM", help="time of day, local (default 03:00)")
    how = schedule.add_mutually_exclusive_group()
    how.add_argument("--print", action="store_true", help="print the units and the crontab line (the default)")
    how.add_argument("--install", action="store_true", help="write the units; says the systemctl command to run")
    schedule.add_argument("--unit-dir", metavar="DIR", help="where --install writes (default ~/.config/systemd/user)")
    schedule.set_defaults(func=cmd_schedule)

    status = subparsers.add_parser(
        "status",
        parents=[common],
        help="last crawl per site, how it ended, what is due (read-only)",
        description="Each site's last crawl run (how it ended and why), whether a command holds the data directory "
        "now, whether a build or a full sweep is due. Reads only; takes no lock.",
    )
    status.add_argument("--format", choices=["table", "json"], default="table", help="table (default) or json")
    status.set_defaults(func=cmd_status)
