"""How many rows a CKAN portal publishes for a dataset, for the shrink guard (opendata.shrink).

Kept apart from the update logic of ``publish/ckan/target.py``: a read of the public dataset's CSV
resource and a ``datastore_search`` with ``limit=0`` (its ``total``).
"""

from __future__ import annotations

from publish.ckan.client import CkanClient


def published_rows(client: CkanClient, name: str) -> int | None:
    """Rows in the DataStore table of the public dataset ``name``; None when nothing is public."""
    package = client.show("package_show", id=name)
    if not package or package.get("private") or package.get("state") == "deleted":
        return None
    resource = next((r for r in package.get("resources") or [] if r.get("opendata_key") == "data-csv"), None)
    if resource is None or not resource.get("datastore_active"):
        return None
    answer = client.show("datastore_search", resource_id=resource["id"], limit=0)
    return int(answer["total"]) if answer and "total" in answer else None
