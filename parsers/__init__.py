"""Bytes in, one report out: pure functions of (bytes, content type, url); no Scrapy, no network, no database."""

from parsers.extract import parse

__all__ = ["parse"]
