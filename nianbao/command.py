"""What the nianbao commands share: the data directory they work on, messages on stderr, and the hold every command
that writes to the data directory takes first."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from archive.index import ProvenanceIndex
from archive.reindex import recover_run
from common.datadir import DataDir

if TYPE_CHECKING:
    from crawler.run import CrawlOptions  # imported when a command crawls: Scrapy takes a while to import

WAIT_HELP = "when another command holds the data directory (a crawl, a build), wait for it instead of refusing"


def data_dir_of(args: argparse.Namespace) -> DataDir:
    return DataDir.resolve(getattr(args, "data_dir", None))


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def command_line(argv: list[str]) -> str:
    """How the lock file names its holder."""
    return shlex.join(["nianbao", *argv])


@contextmanager
def writing(args: argparse.Namespace, wait: bool = False) -> Iterator[DataDir]:
    """Hold the data directory as its one writer (common.lock), then close the runs a dead crawl left `running`."""
    data_dir = data_dir_of(args)
    with data_dir.lock(getattr(args, "command_line", f"nianbao {args.command}"), wait, say):
        if data_dir.has_archive():
            with ProvenanceIndex(data_dir.index) as index:
                for run_id in index.mark_interrupted():
                    say(f"crawl run {run_id} was left running by a process that is gone: marked interrupted")
                    for event, detail in recover_run(data_dir.warc_dir, run_id, index):
                        index.add_event(run_id, event, detail)
                        say(f"crawl run {run_id}: {detail}")
        yield data_dir


def crawl_and_report(options: CrawlOptions, command: str = "crawl") -> int:
    """Crawl in this process (once per process: Twisted's reactor cannot restart) and print the run's summary.
    Returns the exit status: 1 when the run did not finish, 2 when a site that should publish reports yielded none."""
    from crawler.run import crawl, summarise

    run_id = crawl(options)
    summary = summarise(options.data_dir, run_id, options.registry)
    print("\n".join([f"crawl run {run_id}", *summary.lines()]))
    if options.start_urls and summary.status == "finished":
        from crawler.discovery import discovery_lines

        print("\n".join(discovery_lines(options.data_dir, run_id, options.start_urls)))
    if summary.failure():
        say(f"nianbao {command}: {summary.failure()}")
    return summary.exit_status()
