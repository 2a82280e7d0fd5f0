"""The CKAN target against the real CKAN 2.12 test portal, checked as a consumer would.

Every test publishes under its own name prefix (``unique_name``) and purges what it made.
Reads that check the result are anonymous: what a visitor sees is what counts.
"""

from __future__ import annotations

import json
from pathlib import Path

import ckanapi
import pytest

from publish.ckan import CkanTarget
from publish.ckan_client import CkanClient
from publish.ckan_metadata import KEY_ORDER
from tests.helpers import BASE_MANIFEST, write_dataset
from tests.integration.ckan_consumer import (
    SLUGS,
    built,
    by_key,
    download,
    parquet_records,
    rows,
    sha256,
    table_names,
    view,
)

EU = "http://publications.europa.eu/resource/authority"
# Table Schema type -> DataStore column type, restated here on purpose (not imported).
EXPECTED_TYPES = {
    "string": "text",
    "integer": "int8",
    "number": "numeric",
    "boolean": "bool",
    "date": "date",
}


@pytest.fixture
def target(ckan_env, unique_name) -> CkanTarget:
    return CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-")


def change_school_row(project: Path) -> None:
    source = project / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace(b";46;", b";47;"))


def test_publish_all_three_datasets_as_a_consumer_sees_them(
    project_copy, target, portal_names, ckan_anon, ckan_admin, tmp_path
):
    for slug in SLUGS:
        name = portal_names(slug)
        b = built(project_copy, slug, tmp_path / "work" / slug)
        result = target.publish(b, run_id="run-1")
        assert (result.change, result.target, result.rows) == ("created", "ckan", b.row_count)
        assert {f.change for f in result.files} == {"created"}

        m = b.manifest
        pkg = ckan_anon.action.package_show(id=name)
        extras = {e["key"]: e["value"] for e in pkg["extras"]}
        assert pkg["private"] is False and pkg["title"] == m.title.get("sv")
        assert extras["title_en"] == m.title.get("en")
        assert pkg["license_id"] == "cc-zero" and pkg["organization"]["name"] == "ornskoldsviks-kommun"
        assert pkg["maintainer_email"] == extras["contact_email"] == m.contact.email
        assert extras["contact_name"] == m.contact.name and extras["publisher_url"] == m.publisher.uri
        assert extras["publisher_uri"] == "http://dataportal.se/organisation/SE2120002445"  # DCAT-AP-SE
        assert extras["spatial_uri"] == "http://sws.geonames.org/2686466/"
        assert extras["frequency"] == f"{EU}/frequency/{m.frequency}"
        assert json.loads(extras["theme"]) == [f"{EU}/data-theme/{t}" for t in m.themes]
        assert json.loads(extras["language"]) == [f"{EU}/language/SWE", f"{EU}/language/ENG"]
        assert extras["spatial_text"] == "Örnsköldsviks kommun"
        if m.temporal:
            assert extras["temporal_start"] == m.temporal.start.isoformat()
        assert extras["opendata_content_hash"] == b.content_hash
        assert extras["opendata_flow_run_id"] == "run-1"
        assert extras["opendata_source_sha256"] == b.provenance["source_sha256"]
        assert "Extracted" in extras["provenance"] and "run-1" in extras["provenance"]
        sample = (
            pkg["notes"].startswith("OBS: exempeldata"),
            extras["notes_en"].startswith("NOTE: sample data"),
        )
        assert sample == (m.sample_data, m.sample_data)
        tags = {t["name"] for t in pkg["tags"]}
        assert tags >= {k for k in m.keywords["sv"] if "/" not in k}

        resources = by_key(pkg)
        assert [r["opendata_key"] for r in pkg["resources"]] == KEY_ORDER
        assert json.loads(extras["conforms_to"]) == [resources["table-schema"]["url"]]
        for key, resource in resources.items():
            content = download(resource["url"])
            assert content == b.file(key).path.read_bytes(), key
            assert resource["hash"] == sha256(content)  # plain hex (spdx:checksumValue)

        csv = resources["data-csv"]
        table = rows(ckan_anon, csv["id"])
        assert table["total"] == b.row_count
        fields = {f["id"]: f for f in table["fields"] if f["id"] != "_id"}
        assert list(fields) == b.schema.field_names
        for f in b.schema.fields:
            assert fields[f["name"]]["type"] == EXPECTED_TYPES[f["type"]]
            assert fields[f["name"]]["info"] == {"label": f["title"], "notes": f["description"]}
        records = [{k: v for k, v in r.items() if k != "_id"} for r in table["records"]]
        assert records == parquet_records(b.file("data-parquet").path)
        assert rows(ckan_anon, name)["total"] == b.row_count  # the stable alias
        views = ckan_anon.action.resource_view_list(id=csv["id"])  # the portal's page shows the rows
        assert "datatables_view" in {v["view_type"] for v in views}

        key = {k: table["records"][0][k] for k in b.schema.primary_key}  # the primary key holds
        with pytest.raises(ckanapi.ValidationError):
            ckan_admin.action.datastore_upsert(resource_id=csv["id"], force=True, method="insert", records=[key])


def test_republish_changes_nothing(project_copy, target, portal_names, ckan_admin, tmp_path):
    name = portal_names("skolor-wifi")
    target.publish(built(project_copy, "skolor-wifi", tmp_path / "w1"), run_id="run-1")
    before = ckan_admin.action.package_show(id=name)
    again = target.publish(built(project_copy, "skolor-wifi", tmp_path / "w2"), run_id="run-2")
    assert again.change == "unchanged" and {f.change for f in again.files} == {"unchanged"}
    after = ckan_admin.action.package_show(id=name)
    assert after == before  # same resource ids, same metadata_modified, same provenance
    assert {e["key"]: e["value"] for e in after["extras"]}["opendata_flow_run_id"] == "run-1"


def test_changed_row_replaces_only_the_data(project_copy, target, portal_names, ckan_anon, ckan_admin, tmp_path):
    name = portal_names("skolor-wifi")
    target.publish(built(project_copy, "skolor-wifi", tmp_path / "w1"), run_id="run-1")
    before = view(ckan_anon, name)
    old = by_key(before["package"])
    change_school_row(project_copy)
    b = built(project_copy, "skolor-wifi", tmp_path / "w2")
    result = target.publish(b, run_id="run-2")

    changes = {f.key: f.change for f in result.files}
    assert result.change == "updated"
    assert changes == {
        "data-csv": "updated",
        "data-parquet": "updated",
        "data-xlsx": "updated",
        "datapackage": "updated",
        "table-schema": "unchanged",
        "validation-report": "unchanged",
    }
    after = view(ckan_anon, name)
    new = by_key(after["package"])
    assert list(new) == KEY_ORDER
    for key in KEY_ORDER:  # stable links: same resource, same download URL, new bytes
        assert (new[key]["id"], new[key]["url"]) == (old[key]["id"], old[key]["url"]), key
        assert after["files"][key] == b.file(key).path.read_bytes()
        assert new[key]["hash"] == sha256(after["files"][key])
        assert (new[key]["last_modified"] == old[key]["last_modified"]) == (changes[key] == "unchanged"), key
    assert after["records"][0]["access_points"] == 47
    views = ckan_anon.action.resource_view_list(id=new["data-csv"]["id"])  # the staged table kept its view
    assert [v["view_type"] for v in views] == ["datatables_view"]
    extras = {e["key"]: e["value"] for e in after["package"]["extras"]}
    assert extras["opendata_flow_run_id"] == "run-2" and extras["opendata_content_hash"] == b.content_hash
    assert "opendata_lease" not in extras  # released by the final update

    tables = table_names(ckan_admin)
    assert tables[name] == new["data-csv"]["id"]  # the alias stays on the same table
    assert rows(ckan_anon, name)["records"][0]["access_points"] == 47
    with pytest.raises(ckanapi.NotFound):  # no staging twin any more
        ckan_admin.action.package_show(id=f"{name}--staging")


def test_metadata_only_change_patches_metadata_only(project_copy, target, portal_names, ckan_anon, tmp_path):
    name = portal_names("strategi-uppfoljning")
    target.publish(built(project_copy, "strategi-uppfoljning", tmp_path / "w1"))
    before = ckan_anon.action.package_show(id=name)
    manifest = project_copy / "datasets/strategi-uppfoljning/dataset.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("[GOVE, TECH]", "[GOVE]"), encoding="utf-8")
    result = target.publish(built(project_copy, "strategi-uppfoljning", tmp_path / "w2"))
    assert result.change == "updated" and {f.change for f in result.files} == {"unchanged"}
    after = ckan_anon.action.package_show(id=name)
    assert json.loads({e["key"]: e["value"] for e in after["extras"]}["theme"]) == [f"{EU}/data-theme/GOVE"]
    assert after["metadata_modified"] > before["metadata_modified"]
    assert [(r["id"], r["last_modified"]) for r in after["resources"]] == [
        (r["id"], r["last_modified"]) for r in before["resources"]
    ]  # nothing uploaded again


def test_schema_change_updates_the_dictionary_or_rebuilds_the_table(
    tmp_path, target, portal_names, ckan_anon, ckan_admin, ckan_cleanup, unique_name
):
    org = f"{unique_name}-org"
    ckan_cleanup.organization(org)
    fields = [
        {"name": "id", "type": "string", "title": "Id", "description": "Nyckel."},
        {"name": "count", "type": "integer", "title": "Antal", "description": "Hur många."},
    ]
    publisher = {**BASE_MANIFEST["publisher"], "organization": org}
    write_dataset(tmp_path, "tabell", fields, b"id,count\na,1\nb,2\n", primary_key=["id"], publisher=publisher)
    name = portal_names("tabell")
    ckan_cleanup.dataset(f"{unique_name}-{org}-dcat")  # the organisation's DCAT catalog (ckan_dcat.py)
    first = target.publish(built(tmp_path, "tabell", tmp_path / "w1"))
    assert first.change == "created"
    assert ckan_anon.action.organization_show(id=org)["title"] == "Testkommunen"  # created on the way
    csv_id = by_key(ckan_anon.action.package_show(id=name))["data-csv"]["id"]

    fields[1]["description"] = "Hur många, räknat på nytt sätt."  # dictionary only: same table
    write_dataset(tmp_path, "tabell", fields, b"id,count\na,1\nb,2\n", primary_key=["id"], publisher=publisher)
    second = target.publish(built(tmp_path, "tabell", tmp_path / "w2"))
    assert {f.key: f.change for f in second.files}["data-csv"] == "unchanged"
    assert "DataStore data dictionary updated" in second.notes
    table = rows(ckan_anon, csv_id)
    assert table["fields"][2]["info"]["notes"] == "Hur många, räknat på nytt sätt."
    assert table["total"] == 2

    fields[1]["type"] = "number"  # a type change: the table is rebuilt, on the same resource
    write_dataset(
        tmp_path,
        "tabell",
        fields,
        b"id,count\na,1\nb,2.5\n",
        primary_key=["id"],
        publisher=publisher,
    )
    third = target.publish(built(tmp_path, "tabell", tmp_path / "w3"))
    assert {f.key: f.change for f in third.files}["data-csv"] == "updated"
    new_csv = by_key(ckan_anon.action.package_show(id=name))["data-csv"]["id"]
    table = rows(ckan_anon, new_csv)
    assert new_csv == csv_id and table["fields"][2]["type"] == "numeric"
    assert [r["count"] for r in table["records"]] == [1, 2.5]


def test_dry_run_writes_nothing(project_copy, target, portal_names, ckan_anon, ckan_admin, tmp_path):
    name = portal_names("skolor-wifi")
    dry = target.publish(built(project_copy, "skolor-wifi", tmp_path / "w0"), dry_run=True)
    assert dry.dry_run and dry.change == "created" and {f.change for f in dry.files} == {"created"}
    with pytest.raises(ckanapi.NotFound):
        ckan_admin.action.package_show(id=name)

    target.publish(built(project_copy, "skolor-wifi", tmp_path / "w1"))
    before = view(ckan_anon, name)
    change_school_row(project_copy)
    dry = target.publish(built(project_copy, "skolor-wifi", tmp_path / "w2"), dry_run=True)
    assert dry.change == "updated" and {f.key: f.change for f in dry.files}["data-csv"] == "updated"
    assert "would upsert the DataStore table" in dry.notes  # in place, by primary key
    assert view(ckan_anon, name) == before
