"""Both DataStore load paths against the real test portal (xloader with its job worker).

What the table must be is the same for both: the schema's types, the primary key, the data
dictionary, every row, full-text search, and (checked in PostgreSQL itself, as a sysadmin
would) the full-text index and the state of CKAN's ``zfulltext`` trigger.
"""

from __future__ import annotations

import configparser
import subprocess
from typing import Any

import ckanapi
import pytest

from publish.ckan import datastore_load
from publish.ckan.client import CkanClient
from publish.ckan.target import CkanTarget
from tests.integration.ckan_consumer import built, by_key, download, parquet_records, rows, sha256
from tests.integration.conftest import REPO_ROOT

EXPECTED_TYPES = {"string": "text", "integer": "int8", "number": "numeric", "boolean": "bool", "date": "date"}
SLUG = "skolor-wifi"  # has a primary key and text columns


def datastore_sql(query: str) -> str:
    """A query on the portal's DataStore database, with CKAN's own write credentials."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(REPO_ROOT / ".ckan" / "ckan.ini")
    url = ini["app:main"]["ckan.datastore.write_url"]
    done = subprocess.run(["psql", url, "-XtAc", query], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def check_table(ckan_anon, ckan_admin, csv_id: str, b) -> None:
    table = rows(ckan_anon, csv_id)
    assert table["total"] == b.row_count
    fields = {f["id"]: f for f in table["fields"] if f["id"] != "_id"}
    assert list(fields) == b.schema.field_names
    for f in b.schema.fields:
        assert fields[f["name"]]["type"] == EXPECTED_TYPES[f["type"]]
        assert fields[f["name"]]["info"] == {"label": f["title"], "notes": f["description"]}
    key = b.schema.primary_key

    def by_pk(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(({k: v for k, v in r.items() if k != "_id"} for r in records), key=lambda r: [r[k] for k in key])

    assert by_pk(table["records"]) == by_pk(parquet_records(b.file("data-parquet").path))
    first = table["records"][0]
    with pytest.raises(ckanapi.ValidationError):  # the primary key holds
        ckan_admin.action.datastore_upsert(
            resource_id=csv_id, force=True, method="insert", records=[{k: first[k] for k in key}]
        )
    text = next(f["name"] for f in b.schema.fields if f["type"] == "string" and f["name"] not in key)
    found = ckan_anon.action.datastore_search(resource_id=csv_id, q=first[text])["records"]
    assert first["_id"] in {r["_id"] for r in found}
    indexes = datastore_sql(f"SELECT indexdef FROM pg_indexes WHERE tablename = '{csv_id}'")
    assert "_full_text" in indexes and "gist" in indexes.lower(), indexes


@pytest.fixture
def client(ckan_env) -> CkanClient:
    return CkanClient(ckan_env.url, ckan_env.api_token)


def test_the_portal_reports_xloader_and_auto_chooses_by_size(client):
    assert datastore_load.choose(client, "auto", 10)[0] == "api"
    assert datastore_load.choose(client, "auto", 10**6) == (
        "xloader",
        "the portal runs ckanext-xloader (CKAN_DATASTORE_LOAD=auto)",
    )
    assert datastore_load.choose(client, "xloader", 10)[0] == "xloader"
    assert datastore_load.choose(client, "api", 10**6)[0] == "api"


def test_xloader_path_builds_the_same_typed_table(
    project_copy, client, unique_name, portal_names, ckan_anon, ckan_admin, tmp_path
):
    name = portal_names(SLUG)
    b = built(project_copy, SLUG, tmp_path / "work")
    result = CkanTarget(client, prefix=f"{unique_name}-", load_path="xloader").publish(b, run_id="run-x")
    assert result.change == "created"
    assert any("loaded through xloader (CKAN_DATASTORE_LOAD=xloader)" in n for n in result.notes), result.notes
    pkg = ckan_anon.action.package_show(id=name)
    csv = by_key(pkg)["data-csv"]
    check_table(ckan_anon, ckan_admin, csv["id"], b)
    # xloader writes its own md5 into the resource's hash: the final update puts our sha256 back
    assert csv["hash"] == sha256(download(csv["url"]))
    # The trigger's true state, and what the run said about it, agree.
    enabled = datastore_sql(
        f"SELECT tgenabled FROM pg_trigger WHERE tgname = 'zfulltext' AND tgrelid = '\"{csv['id']}\"'::regclass"
    )
    said = any("full-text trigger disabled" in n for n in result.notes)
    assert said == (enabled == "D"), (enabled, result.notes)
    # A re-run is a no-op; an update of the rows then goes through the API's upserts.
    again = CkanTarget(client, prefix=f"{unique_name}-", load_path="xloader").publish(b, run_id="run-y")
    assert again.change == "unchanged"


def test_api_path_with_calls_in_parallel(
    project_copy, client, unique_name, portal_names, ckan_anon, ckan_admin, tmp_path
):
    name = portal_names(SLUG)
    b = built(project_copy, SLUG, tmp_path / "work")
    target = CkanTarget(client, prefix=f"{unique_name}-", load_path="api", concurrency=3, chunk_rows=2)
    result = target.publish(b, run_id="run-a")
    assert any("loaded through api (CKAN_DATASTORE_LOAD=api)" in n for n in result.notes), result.notes
    csv = by_key(ckan_anon.action.package_show(id=name))["data-csv"]
    check_table(ckan_anon, ckan_admin, csv["id"], b)
    assert b.row_count > 3 * 2  # more chunks than calls in flight


def test_settings_are_checked():
    assert datastore_load.load_settings(None, None) == ("auto", 1)
    assert datastore_load.load_settings("XLoader", "4") == ("xloader", 4)
    with pytest.raises(Exception, match="CKAN_DATASTORE_LOAD is 'copy': set it to auto, api or xloader"):
        datastore_load.load_settings("copy", None)
    with pytest.raises(Exception, match="CKAN_DATASTORE_CONCURRENCY is '0'"):
        datastore_load.load_settings(None, "0")
