"""The parser's version: a digest of its own code and data and of the libraries that read documents for it. The parse
cache keys results by it, so any change of the parser parses again, and nothing else does."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# parsers/ and the neutral modules it imports (the template spec, title recognition, family body selectors).
SOURCE_DIRS = (ROOT / "parsers", ROOT / "common")
SOURCE_SUFFIXES = (".py", ".json")
# Libraries whose reading of a document can change a result.
LIBRARIES = ("pdfplumber", "pdfminer.six", "pypdfium2", "lxml", "trafilatura", "justext")


def source_files() -> list[Path]:
    return sorted(p for d in SOURCE_DIRS for p in d.rglob("*") if p.suffix in SOURCE_SUFFIXES)


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
