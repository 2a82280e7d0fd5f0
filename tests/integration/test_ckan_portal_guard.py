"""Guard test for the CKAN test portal and its test-only search plugin (ckanext-searchstub).

If a CKAN upgrade (or a change in the plugin) breaks package indexing/search without Solr,
uploads or the DataStore, this fails loudly.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ckanapi
import pytest
import requests

pytestmark = pytest.mark.ckan


def _names(result: dict[str, Any]) -> set[str]:
    return {d["name"] for d in result["results"]}


def test_portal_round_trip(ckan_env, ckan_admin, ckan_anon, unique_name, ckan_cleanup, tmp_path):
    org_name = f"{unique_name}-org"
    public_name = f"{unique_name}-public"
    private_name = f"{unique_name}-private"

    org = ckan_cleanup.organization(
        ckan_admin.action.organization_create(name=org_name, title=f"Guard org {unique_name}")
    )
    public = ckan_cleanup.dataset(
        ckan_admin.action.package_create(
            name=public_name,
            title=f"Guard flood statistics {unique_name}",
            notes="Water levels per municipality.",
            owner_org=org["id"],
            tags=[{"name": "guard"}, {"name": "water"}],
        )
    )
    private = ckan_cleanup.dataset(
        ckan_admin.action.package_create(name=private_name, title="Guard private", owner_org=org["id"], private=True)
    )

    # package_show reads the database (no search index), also after a patch
    ckan_admin.action.package_patch(id=public["id"], notes="Water levels, patched.")
    assert ckan_anon.action.package_show(id=public_name)["notes"] == "Water levels, patched."

    # package_search: q, fq, facets, private filtering
    found = ckan_admin.action.package_search(q=unique_name)
    assert _names(found) == {public_name}
    assert found["count"] == 1
    assert _names(ckan_admin.action.package_search(q=unique_name, include_private=True)) == {
        public_name,
        private_name,
    }
    assert _names(ckan_admin.action.package_search(q="flood statistics", fq=f"name:{public_name}")) == {public_name}
    by_org = ckan_admin.action.package_search(
        fq=f"organization:{org_name}",
        include_private=True,
        **{"facet.field": '["organization", "tags"]'},
    )
    assert _names(by_org) == {public_name, private_name}
    org_facet = {i["name"]: i["count"] for i in by_org["search_facets"]["organization"]["items"]}
    assert org_facet == {org_name: 2}
    tag_facet = {i["name"]: i["count"] for i in by_org["search_facets"]["tags"]["items"]}
    assert tag_facet == {"guard": 1, "water": 1}
    assert ckan_admin.action.package_search(fq=f"organization:{org_name} tags:water")["count"] == 1
    assert ckan_admin.action.package_search(q=f"{unique_name} -tags:water")["count"] == 0

    # anonymous visitors never see the private dataset
    anon = ckan_anon.action.package_search(fq=f"organization:{org_name}", include_private=True)
    assert _names(anon) == {public_name}
    with pytest.raises((ckanapi.NotAuthorized, ckanapi.NotFound)):
        ckan_anon.action.package_show(id=private_name)
    assert ckan_admin.action.organization_show(id=org_name)["package_count"] == 2

    # multipart upload, anonymous download byte for byte
    payload = os.urandom(64 * 1024) + b"\x00\xff city,value\n"
    upload_path = Path(tmp_path) / "guard data.bin"
    upload_path.write_bytes(payload)
    with upload_path.open("rb") as fh:
        res = ckan_admin.action.resource_create(package_id=public["id"], name="guard upload", format="BIN", upload=fh)
    assert res["url_type"] == "upload"
    assert res["url"].startswith(f"{ckan_env.url}/dataset/")
    download = requests.get(res["url"], timeout=30)
    assert download.status_code == 200
    assert download.content == payload

    # DataStore with typed fields
    fields = [
        {"id": "city", "type": "text"},
        {"id": "population", "type": "int"},
        {"id": "area_km2", "type": "numeric"},
        {"id": "founded", "type": "date"},
    ]
    records = [
        {"city": "Bern", "population": 134_000, "area_km2": 51.62, "founded": "1191-01-01"},
        {"city": "Thun", "population": 44_000, "area_km2": 21.58, "founded": "1264-01-01"},
    ]
    table = ckan_admin.action.datastore_create(
        resource={"package_id": public["id"], "name": "guard table"},
        fields=fields,
        records=records,
        primary_key=["city"],
    )
    rid = table["resource_id"]
    result = ckan_anon.action.datastore_search(resource_id=rid, sort="population desc")
    types = {f["id"]: f["type"] for f in result["fields"]}
    assert types == {
        "_id": "int",
        "city": "text",
        "population": "int4",
        "area_km2": "numeric",
        "founded": "date",
    }
    assert [r["city"] for r in result["records"]] == ["Bern", "Thun"]
    assert result["records"][0]["population"] == 134_000
    assert float(result["records"][0]["area_km2"]) == pytest.approx(51.62)
    assert result["records"][0]["founded"].startswith("1191-01-01")
    filtered = ckan_anon.action.datastore_search(resource_id=rid, filters={"city": "Thun"})
    assert [r["population"] for r in filtered["records"]] == [44_000]
    sql = ckan_admin.action.datastore_search_sql(sql=f'SELECT sum(population) AS total FROM "{rid}"')
    assert int(sql["records"][0]["total"]) == 178_000

    # purge: gone from show and search
    ckan_cleanup.purge()
    with pytest.raises(ckanapi.NotFound):
        ckan_admin.action.package_show(id=public_name)
    assert ckan_admin.action.package_search(q=unique_name, include_private=True)["count"] == 0
    with pytest.raises(ckanapi.NotFound):
        ckan_admin.action.organization_show(id=org_name)
    assert private["private"] is True
