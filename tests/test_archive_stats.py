"""archive.stats: what each crawl run did on each site, from index rows alone.

tests/test_build_units.py::test_new_and_changed_reports_per_run covers new and changed reports over two runs.
"""

from __future__ import annotations

from archive.stats import site_runs


def fetch(run: str, site: str | None, url: str, outcome: str = "ok", sha: str | None = None) -> dict:
    return {"run_id": run, "site": site, "url": url, "outcome": outcome, "sha256": sha}


def found(run: str, site: str | None, url: str, kind: str = "report_page", referrer: str | None = None) -> dict:
    return {"run_id": run, "site": site, "url": url, "kind": kind, "referrer": referrer}


def test_links_count_documents_once_per_site_and_run() -> None:
    discoveries = [
        found("r1", "a", "http://a.gov.cn/2023.html", referrer="http://a.gov.cn/list.html"),
        found("r1", "a", "http://a.gov.cn/2023.html", referrer="http://a.gov.cn/all.html"),  # the same document
        found("r1", "a", "http://a.gov.cn/2023.pdf", "attachment"),
        found("r1", None, "http://b.gov.cn/2023.html"),  # a link of no known site
    ]
    fetches = [
        fetch("r1", "a", "http://a.gov.cn/list.html", sha="l"),
        fetch("r1", "a", "http://a.gov.cn/2023.html", sha="h"),
        fetch("r1", "a", "http://a.gov.cn/2023.pdf", "http_error"),
        fetch("r1", None, "http://b.gov.cn/2023.html", "network_error"),
    ]
    runs = site_runs(fetches, discoveries, ["r1"])
    assert sorted(runs) == [("r1", ""), ("r1", "a")]
    a, nowhere = runs[("r1", "a")], runs[("r1", "")]
    assert (a.report_pages, a.attachments, a.reports_new, a.reports_changed) == (1, 1, 1, 0)
    assert (a.outcomes.fetched, a.outcomes["ok"], a.outcomes["http_error"]) == (3, 2, 1)
    assert (nowhere.report_pages, nowhere.reports_new, nowhere.outcomes["network_error"]) == (1, 0, 1)


def test_a_report_is_compared_with_the_last_run_that_fetched_it() -> None:
    url = "http://a.gov.cn/2023.pdf"
    discoveries = [found(run, "a", url, "attachment") for run in ("r1", "r2", "r3", "r4")]
    fetches = [
        fetch("r1", "a", url, sha="one"),
        fetch("r2", "a", url, "network_error"),  # not fetched: r3 compares with r1
        fetch("r3", "a", url, sha="one"),
        fetch("r4", "a", url, sha="two"),
        fetch("r4", "a", "http://a.gov.cn/other.pdf", sha="x"),  # fetched but not found as a report in r4
    ]
    runs = site_runs(fetches, discoveries, ["r1", "r2", "r3", "r4"])
    assert [(runs[(r, "a")].reports_new, runs[(r, "a")].reports_changed) for r in ("r1", "r2", "r3", "r4")] == [
        (1, 0),
        (0, 0),
        (0, 0),
        (0, 1),
    ]
    assert runs[("r4", "a")].attachments == 1
