"""archive.stats: what each crawl run did on each site, from index rows alone.

Which reports were new, changed or gone in a run needs their parsed content: tests/test_build_versions.py.
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
    runs = site_runs(fetches, discoveries)
    assert sorted(runs) == [("r1", ""), ("r1", "a")]
    a, nowhere = runs[("r1", "a")], runs[("r1", "")]
    assert (a.report_pages, a.attachments) == (1, 1)
    assert (a.outcomes.fetched, a.outcomes["ok"], a.outcomes["http_error"]) == (3, 2, 1)
    assert (nowhere.report_pages, nowhere.outcomes["network_error"]) == (1, 1)
