"""Shared fixtures. Everything a test reads lives in the project (tests/fixtures, replica/content)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SEEDS = ROOT / "replica" / "content" / "seeds"
GOLD = ROOT / "replica" / "content" / "gold"  # the seeds' cells: the parser's oracle and the replica's source
SEED_NAMES = sorted(p.stem for p in SEEDS.glob("*.txt"))


def gold(name: str) -> dict:
    return json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(params=SEED_NAMES)
def seed_name(request) -> str:
    return request.param


# --- replica ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def replica_server(tmp_path_factory):
    """The replica sites without LibreOffice: every page and the DOCX attachments (PDF/DOC answer 404). Shared by
    the session: call .reset() before relying on .hits or on the 503-then-200 pages failing once."""
    from replica.server import ReplicaServer

    with ReplicaServer(tmp_path_factory.mktemp("replica-pages"), convert_documents=False) as server:
        yield server


@pytest.fixture(scope="session")
def replica_full_server(tmp_path_factory):
    """The replica sites with every attachment; converts PDF/DOC with LibreOffice once per session (mark users slow)."""
    from replica.server import ReplicaServer

    with ReplicaServer(tmp_path_factory.mktemp("replica-full")) as server:
        yield server
