"""The CKAN mapping without a portal: tags, licences, extras, DataStore types, signatures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from opendata import build
from opendata.build import Build
from opendata.errors import PublishError, TransientPublishError
from opendata.manifest import load_manifest
from publish import datastore
from publish.ckan_client import CkanClient
from publish.ckan_metadata import LICENSE_IDS, package_fields, tag, tags
from publish.ckan_package import differs, final_package
from publish.ckan_plan import make_plan

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bredband(tmp_path_factory: pytest.TempPathFactory) -> Build:
    tmp = tmp_path_factory.mktemp("p")
    for name in ("datasets", "schemas"):
        shutil.copytree(ROOT / name, tmp / name)
    m = load_manifest(tmp / "datasets" / "bredband")
    raw = build.fetch(m)
    prepared, report = build.check(m, build.parse(m, raw))
    return build.convert(m, prepared, report, raw, tmp / "out")


def test_tags_are_valid_ckan_tags() -> None:
    assert tag("100 Mbit/s") == "100 Mbit-s"
    assert tag("digital  infrastruktur") == "digital infrastruktur"
    assert tag("/") is None and tag("å") is None
    assert tag("x" * 150) == "x" * 100


def test_licences_map_to_ckan_default_ids() -> None:
    assert LICENSE_IDS == {"CC0-1.0": "cc-zero", "CC-BY-4.0": "cc-by", "NLOD-2.0": "other-at"}


def test_package_fields_carry_dcat_extras_and_the_sample_notice(bredband: Build) -> None:
    fields = package_fields(bredband, org_id="org", provenance={"provenance": "p"}, schema_url="http://s")
    extras = fields["extras"]
    assert fields["notes"].startswith("OBS: exempeldata") and extras["notes_en"].startswith("NOTE: sample data")
    assert extras["frequency"].endswith("/frequency/ANNUAL")
    assert json.loads(extras["theme"])[0].endswith("/data-theme/TECH")
    assert extras["temporal_start"] == "2016-10-01" and extras["temporal_end"] == "2024-10-01"
    assert json.loads(extras["conforms_to"]) == ["http://s"]
    assert "100 Mbit-s" in fields["tags"] and tags(bredband.manifest) == fields["tags"]


def test_datastore_fields_come_from_the_schema(bredband: Build) -> None:
    fields = {f["id"]: f for f in datastore.fields(bredband.schema)}
    assert fields["year"]["type"] == "int8" and fields["is_sample"]["type"] == "bool"
    assert fields["households_100mbit_pct"]["type"] == "numeric"
    assert fields["year"]["info"] == {
        "label": "År",
        "notes": "Kartläggningens år (läget den 1 oktober).",
    }


def test_signature_round_trips_and_separates_dictionary_from_structure(bredband: Build) -> None:
    sig = datastore.Signature.of(bredband.schema, "abc")
    assert datastore.Signature.parse(sig.dump()) == sig
    assert datastore.Signature.parse("not json") is None
    descriptor = json.loads(json.dumps(bredband.schema.descriptor))
    descriptor["fields"][0]["description"] = "changed"
    other = datastore.Signature.of(type(bredband.schema)(descriptor, bredband.schema.path), "abc")
    assert (other.rows, other.structure) == (
        sig.rows,
        sig.structure,
    ) and other.dictionary != sig.dictionary


def test_plan_and_body_for_an_unchanged_dataset_write_nothing(bredband: Build) -> None:
    resources = [{"id": f"r-{f.key}", "opendata_key": f.key, "hash": f.sha256, "url": "u"} for f in bredband.files]
    resources[0]["datastore_active"] = True
    package = {
        "id": "p",
        "name": "bredband",
        "private": False,
        "resources": resources,
        "extras": [],
    }
    first = make_plan(bredband, package)
    changes = [f.change for f in first.files]
    assert first.datastore == "rebuild"  # no table signature yet: rebuild it, in place
    assert changes == ["unchanged"] * 6  # the CSV is not uploaded again for that

    def body_for(current: dict, plan_signature: datastore.Signature) -> dict:
        by_key = {r["opendata_key"]: r for r in current["resources"]}
        return final_package(
            bredband,
            current,
            by_key,
            site="http://x",
            org_id="o",
            provenance={},
            signature=plan_signature,
        )

    body = body_for(package, first.signature)
    assert differs(package, body)
    again = make_plan(bredband, {**body, "metadata_modified": "t"})
    assert again.datastore == "keep" and not again.uploads
    assert not differs(body, body_for(body, again.signature))


def test_client_never_shows_the_token_and_translates_connection_errors() -> None:
    client = CkanClient("http://127.0.0.1:9", "secret-token-123", timeout=(1, 1))
    assert "secret-token-123" not in repr(client)
    with pytest.raises(TransientPublishError) as info:
        client.call("status_show")
    assert "secret-token-123" not in str(info.value) and info.value.__context__ is None
    assert isinstance(info.value, PublishError)


def test_datastore_action_upserts_rows_in_place_and_rebuilds_only_for_structure(bredband: Build) -> None:
    from publish.ckan_plan import FilePlan, datastore_action

    wanted = datastore.Signature.of(bredband.schema, "new")
    csv = bredband.file("data-csv")

    def current(signature: datastore.Signature | None, active: bool = True) -> FilePlan:
        dumped = signature.dump() if signature else ""
        resource = {"id": "r", "datastore_active": active, datastore.SIGNATURE_EXTRA: dumped}
        return FilePlan("data-csv", csv, resource, upload=True)

    old_rows = datastore.Signature("sha256:old", wanted.structure, wanted.dictionary)
    assert datastore_action(current(old_rows), wanted, keyed_rows=True) == "upsert"
    assert datastore_action(current(old_rows), wanted, keyed_rows=False) == "rebuild"  # no key to upsert by
    other = datastore.Signature(wanted.rows, "other structure", wanted.dictionary)
    assert datastore_action(current(other), wanted, keyed_rows=True) == "rebuild"
    assert datastore_action(current(wanted, active=False), wanted, keyed_rows=True) == "rebuild"
    labels = datastore.Signature(wanted.rows, wanted.structure, "other labels")
    assert datastore_action(current(labels), wanted, keyed_rows=True) == "dictionary"
    assert datastore_action(current(wanted), wanted, keyed_rows=True) == "keep"


def test_vanished_keys_become_one_in_list_or_one_filter_per_composite_key() -> None:
    from decimal import Decimal

    assert list(datastore._delete_filters(["id"], [("a",), ("b",)])) == [{"id": ["a", "b"]}]
    assert list(datastore._delete_filters(["year", "kind"], [(2020, "x"), (2021, "y")])) == [
        {"year": 2020, "kind": "x"},
        {"year": 2021, "kind": "y"},
    ]
    assert list(datastore._delete_filters(["n"], [(Decimal("1.5"),)])) == [{"n": ["1.5"]}]
    assert list(datastore._delete_filters(["id"], [])) == []
    assert datastore._CANON["numeric"]("2.50") == datastore._CANON["numeric"](2.5)
    assert datastore._CANON["date"]("2024-01-02T00:00:00") == "2024-01-02"


def test_a_lease_binds_until_it_expires_or_its_local_process_is_gone() -> None:
    import os
    import socket
    import time

    from publish.ckan_lease import LEASE_EXTRA, Lease

    now = time.time()
    here = socket.gethostname()
    assert Lease(f"{here}:{os.getpid()}:x", now + 60).live(now)
    assert not Lease(f"{here}:{os.getpid()}:x", now - 1).live(now)  # expired
    assert not Lease(f"{here}:999999999:x", now + 60).live(now)  # that process is gone
    assert Lease("elsewhere:1:x", now + 60).live(now)  # another machine: only the expiry says
    lease = Lease("elsewhere:1:x", now + 60)
    assert Lease.parse({"extras": [{"key": LEASE_EXTRA, "value": lease.dump()}]}) == lease
    assert Lease.parse({"extras": [{"key": LEASE_EXTRA, "value": "garbage"}]}) is None


def test_only_rows_that_differ_are_sent_and_nulls_compare_equal(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    old = pa.table({"id": ["a", "b", "c"], "n": [1, None, 3], "note": [None, "x", None]})
    new = pa.table({"id": ["a", "b", "c", "d"], "n": [1, None, 4, None], "note": [None, "x", None, None]})
    pq.write_table(old, tmp_path / "old.parquet")
    pq.write_table(new, tmp_path / "new.parquet")
    changed = datastore.changed_rows(tmp_path / "new.parquet", tmp_path / "old.parquet")
    assert isinstance(changed, pa.Table) and changed.column("id").to_pylist() == ["c", "d"]
    pq.write_table(pa.table({"id": ["a"]}), tmp_path / "other.parquet")  # another layout: everything
    assert datastore.changed_rows(tmp_path / "new.parquet", tmp_path / "other.parquet") == tmp_path / "new.parquet"
