"""The full ``package_update`` body of a publish, and whether it changes anything.

``package_update`` replaces a dataset as a whole in one database transaction: the last call
of a run, it writes the metadata (hashes, provenance, DCAT fields) of the files just uploaded
and drops the run's lease. The body starts from the portal's current dataset (so fields and
extras added on the portal survive), overlays the fields this pipeline owns, and lists the
resources in a fixed order: ours by key, then any resource a person added by hand.
"""

from __future__ import annotations

from typing import Any

from opendata.build import Build
from publish.ckan_lease import without_lease
from publish.ckan_metadata import (
    KEY_ORDER,
    MANAGED_FIELDS,
    extras_dict,
    merge_extras,
    package_fields,
    resource_fields,
)
from publish.datastore import SIGNATURE_EXTRA, Signature

RESOURCE_KEYS = (
    "name",
    "description",
    "format",
    "mimetype",
    "hash",
    "hash_algorithm",
    "license",
    "availability",
    "opendata_key",
    SIGNATURE_EXTRA,
)


def download_url(site: str, package_id: str, resource_id: str, filename: str) -> str:
    """Where CKAN serves an uploaded file, known before the resource is in its final dataset."""
    return f"{site}/dataset/{package_id}/resource/{resource_id}/download/{filename}"


def final_package(
    build: Build,
    current: dict[str, Any],
    resources: dict[str, dict[str, Any]],
    *,
    site: str,
    org_id: str,
    provenance: dict[str, str],
    signature: Signature,
) -> dict[str, Any]:
    """``current`` with our fields and ``resources`` (by key) in place, ready for package_update."""
    package_id = current["id"]
    schema_file = build.file("table-schema")
    schema_url = download_url(site, package_id, resources["table-schema"]["id"], schema_file.path.name)
    fields = package_fields(build, org_id=org_id, provenance=provenance, schema_url=schema_url)
    body = dict(current)
    body.pop("metadata_modified", None)  # as package_patch does: CKAN stamps a real change itself
    for key in MANAGED_FIELDS:
        body[key] = fields[key]
    body["tags"] = [{"name": t} for t in fields["tags"]]
    body["extras"] = without_lease(merge_extras(current, fields["extras"]))  # the update releases it
    ours = []
    for key in KEY_ORDER:
        resource = {
            **resources[key],
            **resource_fields(build.file(key), build.manifest),
            "package_id": package_id,
        }
        if key == "data-csv":
            resource[SIGNATURE_EXTRA] = signature.dump()
        ours.append(resource)
    by_hand = [r for r in current.get("resources") or [] if not r.get("opendata_key")]
    body["resources"] = ours + by_hand
    return body


def differs(current: dict[str, Any], body: dict[str, Any]) -> bool:
    """Would ``package_update(body)`` change what the portal shows?"""
    return _comparable(current) != _comparable(body)


def _comparable(package: dict[str, Any]) -> tuple[Any, ...]:
    top = tuple(bool(package.get(k)) if k == "private" else (package.get(k) or "") for k in MANAGED_FIELDS)
    tags = tuple(sorted(t["name"] for t in package.get("tags") or []))
    extras = tuple(sorted(extras_dict(package).items()))
    resources = tuple(
        (r.get("id"), tuple((k, r.get(k) or "") for k in RESOURCE_KEYS)) for r in package.get("resources") or []
    )
    return top, tags, extras, resources
