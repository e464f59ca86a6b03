"""datapackage.json of a release (Frictionless Data Package v1): the tables' schemas, and the titles, descriptions,
licence and sources the site shows, taken from publish/metadata.yml (their one home)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import yaml

from publish.export_tables import CSV_ENCODING, Table

METADATA = Path(__file__).with_name("metadata.yml")
CHANGES_RESOURCE = "release_changes"
CHANGE_KINDS = ["added", "changed", "gone", "removed"]
CHANGES_FIELDS = [
    ("report_id", "string", "报告 id — reports.id (stable through versions)"),
    (
        "change",
        "string",
        "变更 — added (not in the previous release), changed (a newer version), gone (withdrawn by its site: a full"
        " sweep since the previous release no longer found it; the archived copy stays), removed (no longer in the"
        " database)",
    ),
    ("previous_version", "integer", "上一发布版本号 — the report's version in the previous release (empty when added)"),
    ("version", "integer", "本发布版本号 — the report's version in this release (empty when gone)"),
]


def _metadata() -> dict[str, Any]:
    return yaml.safe_load(METADATA.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _text(fragment: str) -> str:
    """Plain text of metadata's HTML description: paragraphs on their own lines, tags dropped, entities decoded."""
    paragraphs = re.split(r"</p>\s*", fragment)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in paragraphs]
    return "\n\n".join(" ".join(t.split()) for t in texts if t.strip())


def _licence(metadata: dict[str, Any]) -> dict[str, str]:
    """The compilation's licence: its SPDX id as metadata.yml's licence text names it (e.g. CC0-1.0)."""
    found = re.search(r"\b(CC0-1\.0|CC-BY(?:-SA)?-\d\.\d|ODbL-1\.0|PDDL-1\.0)\b", metadata["license"])
    if not found:
        raise ValueError(f"publish/metadata.yml: no licence id (e.g. CC0-1.0) in license: {metadata['license']!r}")
    return {"name": found.group(1), "path": metadata["license_url"], "title": metadata["license"]}


def _field(table: Table, column: Any, descriptions: dict[str, str]) -> dict[str, Any]:
    field: dict[str, Any] = {"name": column.name, "type": column.field_type}
    if column.name in descriptions:
        field["description"] = str(descriptions[column.name])
    elif column.name == "superseded":
        field["description"] = "已被取代 — 1 when a newer version of the report exists (superseded_by is set), else 0"
    if column.required and column.name not in table.primary_key:
        field["constraints"] = {"required": True}
    return field


def _schema(table: Table, descriptions: dict[str, str], exported: set[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [_field(table, c, descriptions) for c in table.columns],
        "missingValues": [""],  # a blank cell is null (an empty field), never 0
    }
    if table.primary_key:
        schema["primaryKey"] = table.primary_key
    foreign = [
        {"fields": cols, "reference": {"resource": ref, "fields": refs}}
        for cols, ref, refs in table.foreign_keys
        if ref in exported
    ]
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def _resource(name: str, path: str, title: str | None, description: str | None, schema: dict) -> dict[str, Any]:
    resource: dict[str, Any] = {"name": name, "path": path, "profile": "tabular-data-resource"}
    if title:
        resource["title"] = title
    if description:
        resource["description"] = description
    resource |= {"format": "csv", "mediatype": "text/csv", "encoding": CSV_ENCODING, "schema": schema}
    return resource


def descriptor(release: str, version: str, created: str, tables: list[Table], previous: str | None) -> dict[str, Any]:
    """The data package of one release: one resource per table (data/NAME.csv) and the change list."""
    metadata = _metadata()
    described = metadata["databases"]["reports"]["tables"]
    exported = {t.name for t in tables}
    resources = []
    for table in tables:
        meta = described.get(table.name, {})
        description = meta.get("description")
        title = description.split(" — ")[0] if description else None
        schema = _schema(table, meta.get("columns", {}), exported)
        resources.append(_resource(table.name, f"data/{table.name}.csv", title, description, schema))
    change_fields: list[dict[str, Any]] = [{"name": n, "type": t, "description": d} for n, t, d in CHANGES_FIELDS]
    change_fields[1]["constraints"] = {"required": True, "enum": CHANGE_KINDS}
    changes_schema = {
        "fields": change_fields,
        "missingValues": [""],
        "primaryKey": ["report_id"],
    }
    against = f"release {previous}" if previous else "no previous release: every report is added"
    resources.append(
        _resource(
            CHANGES_RESOURCE,
            f"{CHANGES_RESOURCE}.csv",
            "发布变更 Changes since the previous release",
            f"发布变更 — reports added, changed, gone or removed since {against}",
            changes_schema,
        )
    )
    return {
        "profile": "tabular-data-package",
        "name": "nianbao",
        "id": release,
        "title": metadata["title"],
        "description": _text(metadata["description_html"]),
        "version": version,
        "created": created,
        "licenses": [_licence(metadata)],
        "sources": [{"title": metadata["source"]}],
        "keywords": ["政府信息公开工作年度报告", "government information disclosure", "China", "annual reports"],
        "resources": resources,
    }
