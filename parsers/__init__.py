"""Bytes in, one report out: pure functions of (bytes, content type); no Scrapy, no network, no database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parsers.extract import parse

__all__ = ["parse"]


def __getattr__(name: str) -> Any:
    # `parse` is imported on first use: the format libraries take most of a second to import, which every
    # `nianbao` command (its --help included) would otherwise pay for parsers.pool's defaults.
    if name == "parse":
        from parsers.extract import parse

        return parse
    raise AttributeError(name)
