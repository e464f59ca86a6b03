"""Shared fixtures. Everything a test reads lives in the project (tests/fixtures, replica/content)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SEEDS = ROOT / "replica" / "content" / "seeds"
SEED_NAMES = sorted(p.stem for p in SEEDS.glob("*.txt"))


def gold(name: str) -> dict:
    return json.loads((FIXTURES / "gold" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(params=SEED_NAMES)
def seed_name(request) -> str:
    return request.param
