"""Titles, descriptions and keywords in every language, when the portal's schema has the fields.

ckanext-dcat (2.4.4) puts other languages into the portal's own ``/catalog.rdf`` only from the
fields ``title_translated``, ``notes_translated`` and ``tags_translated`` of a
ckanext-scheming schema (``ckan/scheming/opendata_dataset.yaml`` ships one). A portal without
them gets nothing extra: the ``title_<lang>`` extras stay as they are (``publish.ckan.metadata``).
"""

from __future__ import annotations

from typing import Any

from opendata.build import Build
from opendata.errors import PublishError
from publish.ckan.client import CkanClient
from publish.ckan.metadata import described

FIELDS = ("title_translated", "notes_translated", "tags_translated")


def translated(build: Build) -> dict[str, Any]:
    m = build.manifest
    return {
        "title_translated": dict(m.title.root),
        "notes_translated": {lang: described(m, lang) for lang in m.description.root},
        "tags_translated": {lang: list(words) for lang, words in m.keywords.items()},
    }


def portal_fields(client: CkanClient) -> set[str]:
    """The multilingual fields the portal's dataset schema has (none without ckanext-scheming)."""
    try:
        schema = client.show("scheming_dataset_schema_show", type="dataset")
    except PublishError:  # "Action name not known": no ckanext-scheming
        return set()
    return {f["field_name"] for f in (schema or {}).get("dataset_fields", [])} & set(FIELDS)


def write_translations(client: CkanClient, build: Build, package: dict[str, Any]) -> list[str]:
    """Patch the fields the portal has when they differ from the manifest's (one call, or none)."""
    wanted = {k: v for k, v in translated(build).items() if k in portal_fields(client)}
    changed = {k: v for k, v in wanted.items() if package.get(k) != v}
    if not changed:
        return []
    client.call("package_patch", id=package["id"], **changed)
    return [f"multilingual fields written: {', '.join(sorted(changed))}"]
