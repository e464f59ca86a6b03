"""The shape of the code: which layer may import which, one home for the data directory, modules of a readable
size. Read statically from the source, so a violation fails here whatever the tests happen to import."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import ROOT

LAYERS = ("common", "archive", "parsers", "crawler", "publish", "replica", "nianbao", "bench")
# What each layer may import from the project. common is neutral: every layer may use it, it uses none.
ALLOWED = {
    "common": set(),
    "archive": {"common"},
    "parsers": {"common"},
    "crawler": {"common", "archive", "parsers"},
    "publish": {"common", "archive", "parsers"},
    # The tests hold the parser to the replica: the replica must not be made by the parser (or by anything else).
    "replica": {"common"},
    "nianbao": {"common", "archive", "parsers", "crawler", "publish", "replica"},
    "bench": {"common", "archive", "parsers", "crawler", "publish", "replica", "nianbao"},
}


def modules(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_only_the_layers_below_it(layer):
    wrong = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in modules(layer)
        for name in imports(path) & set(LAYERS) - ALLOWED[layer] - {layer}
    }
    assert wrong == set()


def test_parsers_and_archive_import_no_scrapy():
    assert {
        p.name for layer in ("parsers", "archive", "common") for p in modules(layer) if "scrapy" in imports(p)
    } == set()


def test_the_data_directory_is_resolved_in_one_module():
    code = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for layer in LAYERS for p in modules(layer)}
    assert sorted(name for name, text in code.items() if "NIANBAO_DATA_DIR" in text) == ["common/datadir.py"]
    assert sorted(name for name, text in code.items() if re.search(r"""Path\(["']data["']\)""", text)) == [
        "common/datadir.py"
    ]


def test_no_module_outside_the_tests_is_over_400_lines():
    sizes = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for layer in LAYERS
        for p in modules(layer)
    }
    assert {name: n for name, n in sizes.items() if n > 400} == {}
