"""The parser's version: a digest of its own code and data and of the libraries that read documents for it. The parse
cache keys results by it, so any change of the parser parses again, and nothing else does."""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = ROOT / "parsers" / "extract.py"  # parse() itself
DATA_DIRS = (ROOT / "parsers", ROOT / "common")  # its data files (the template spec)
# Libraries whose reading of a document can change a result.
LIBRARIES = (
    "pdfplumber", "pdfminer.six", "pypdfium2", "lxml", "trafilatura", "justext", "openpyxl", "xlrd",
    "rapidocr-onnxruntime", "onnxruntime", "opencv-python", "pillow",  # OCR of scanned reports
)  # fmt: skip


def _module_file(name: str) -> Path | None:
    """The project file of a dotted module name, if it is one of ours."""
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imported(path: Path) -> set[Path]:
    """The project modules a module imports (anywhere in it, function bodies too), with their packages."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    parents = {".".join(n.split(".")[:i]) for n in names for i in range(1, n.count(".") + 1)}
    return {f for n in names | parents if (f := _module_file(n))}


def source_files() -> list[Path]:
    """parse() and every project module it imports, directly or not, and the data files beside them."""
    seen: set[Path] = set()
    todo = [ENTRY]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo += _imported(path)
    return sorted(seen | {p for d in DATA_DIRS for p in d.glob("*.json")})


@cache
def parser_version() -> str:
    return digest(ROOT, source_files())


def digest(root: Path, files: list[Path]) -> str:
    """Of the files (names relative to `root`, and contents) and the installed versions of LIBRARIES."""
    sha = hashlib.sha256()
    for path in files:
        sha.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in LIBRARIES:
        try:
            sha.update(f"{name}=={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            sha.update(f"{name} missing\0".encode())
    return sha.hexdigest()[:16]
