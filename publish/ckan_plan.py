"""What a publish would change on the portal, decided from reads only.

The plan is computed before anything is written, which makes ``--dry-run`` the same code
path as a real run up to the first write. Resources are matched by the stable key stored on
each of them (``opendata_key``), never by position or name; a file is uploaded only when the
hash stored on its resource differs from the built file's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from opendata.build import Build, BuiltFile
from publish.base import Change
from publish.ckan_metadata import KEY_ORDER, RESOURCES
from publish.datastore import SIGNATURE_EXTRA, Signature

DatastoreAction = Literal["keep", "dictionary", "upsert", "rebuild"]


@dataclass
class FilePlan:
    key: str
    built: BuiltFile
    current: dict[str, Any] | None  # the resource on the portal with this key, if any
    upload: bool

    @property
    def change(self) -> Change:
        if self.current is None:
            return "created"
        return "updated" if self.upload else "unchanged"


@dataclass
class Plan:
    files: list[FilePlan]
    datastore: DatastoreAction
    signature: Signature
    strays: list[dict[str, Any]] = field(default_factory=list)  # keyed resources to remove

    def file(self, key: str) -> FilePlan:
        return next(f for f in self.files if f.key == key)

    @property
    def uploads(self) -> list[FilePlan]:
        return [f for f in self.files if f.upload]


def keyed(package: dict[str, Any] | None) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Resources by ``opendata_key`` (first one wins), and the keyed ones that are surplus."""
    found: dict[str, dict[str, Any]] = {}
    strays: list[dict[str, Any]] = []
    for resource in (package or {}).get("resources") or []:
        key = resource.get("opendata_key")
        if not key:
            continue  # added by a person on the portal: not ours, left alone
        if key in RESOURCES and key not in found:
            found[key] = resource
        else:
            strays.append(resource)
    return found, strays


def make_plan(build: Build, package: dict[str, Any] | None) -> Plan:
    """Which files to upload (onto the resource of the same key) and what the DataStore needs."""
    current, strays = keyed(package)
    files = []
    built_keys = {f.key for f in build.files}
    for key in (k for k in KEY_ORDER if k in built_keys):  # data-xlsx is absent beyond Excel's row limit
        built = build.file(key)
        resource = current.get(key)
        # Plain hex; runs before 2026-12 wrote "sha256:<hex>": such a file is uploaded once more.
        upload = resource is None or resource.get("hash") != built.sha256
        files.append(FilePlan(key, built, resource, upload))
    signature = Signature.of(build.schema, build.file("data-csv").sha256)
    csv = next(f for f in files if f.key == "data-csv")
    datastore = datastore_action(csv, signature, keyed_rows=bool(build.schema.primary_key))
    return Plan(files, datastore, signature, strays)


def datastore_action(csv: FilePlan, wanted: Signature, *, keyed_rows: bool) -> DatastoreAction:
    """``upsert`` changes the rows of the live table in place (never empty); ``rebuild`` drops
    and reloads it: only for a new table, a changed structure, or a table without a key."""
    if csv.current is None or not csv.current.get("datastore_active"):
        return "rebuild"
    have = Signature.parse(csv.current.get(SIGNATURE_EXTRA))
    if have is None or have.structure != wanted.structure:
        return "rebuild"
    if have.rows != wanted.rows:
        return "upsert" if keyed_rows else "rebuild"
    return "keep" if have.dictionary == wanted.dictionary else "dictionary"
