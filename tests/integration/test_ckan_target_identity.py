"""Stable links across updates, and what a consumer polling the portal sees meanwhile.

A dataset is published, then changed and published again three times (a value changes, a
row goes away, a row comes back). Two anonymous consumers poll all the time: one reads the
DataStore by the CSV resource's id and by the dataset-name alias, the other downloads the
CSV. Every answer is checked against the versions that exist; the time during which files
of two versions can be seen together is measured from the target's own calls and printed
(docs/ckan.md quotes it; no timed assert).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import ckanapi
import pytest
import requests

from publish.ckan.client import CkanClient
from publish.ckan.metadata import KEY_ORDER
from publish.ckan.target import CkanTarget
from tests.integration.ckan_consumer import built, by_key, sha256, table_names, view

SOURCE = "datasets/skolor-wifi/source/wifi-inventering.csv"
PUBLIC_WRITES = {"datastore_upsert", "datastore_delete", "datastore_create", "resource_patch", "package_update"}


@pytest.fixture
def target(ckan_env, unique_name) -> CkanTarget:
    return CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-")


def versions(original: bytes) -> list[bytes]:
    lines = original.split(b"\n")
    return [
        original,
        original.replace(b";46;", b";47;"),  # a value changes
        b"\n".join(lines[:1] + lines[2:]).replace(b";38;", b";39;"),  # a school goes away, one changes
        original.replace(b";46;", b";48;"),  # it comes back, with a new value
    ]


class Poller(threading.Thread):
    """An anonymous consumer reading as fast as it can until stopped; each answer with when it was asked."""

    def __init__(self, read: Any) -> None:
        super().__init__(daemon=True)
        self.read = read
        self.seen: list[Any] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                start = time.monotonic()
                value = self.read()
                self.seen.append((start, time.monotonic(), value))
            except Exception as exc:  # recorded: the test asserts there are none
                self.errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.05)


def timed(client: CkanClient, log: list[tuple[str, float, float]]) -> None:
    """Record every call of the target: action, start, end (monotonic)."""
    real = client._call

    def call(action: str, *args: Any, **kwargs: Any) -> Any:
        start = time.monotonic()
        try:
            return real(action, *args, **kwargs)
        finally:
            log.append((action, start, time.monotonic()))

    client._call = call  # type: ignore[method-assign]


def check_reads(
    seen: list[tuple[float, float, Any]],
    publishing: list[tuple[float, float]],
    table_versions: list[Any],
    in_window: set[Any],
    csv_versions: set[str],
) -> None:
    """Every answer a consumer got is real; an answer between two updates is the last one's."""
    tables = set(table_versions)
    totals = {total for total, _ in tables}
    row_sets = {rows for _, rows in tables} | {rows for _, rows in in_window}
    for asked, answered, (kind, value) in seen:
        during = any(asked <= end and answered >= start for start, end in publishing)
        if kind == "csv":
            assert value in csv_versions  # a whole file of one version, never a truncated one
            continue
        total, rows = value
        assert total > 0  # never an empty table
        if during:
            # CKAN counts and reads rows in separate transactions, so while rows change a
            # total of one version can come with the rows of the next: both must be real.
            assert total in totals and rows in row_sets, (kind, value)
        else:  # between updates: exactly the version the last update published, total included
            done = sum(1 for _, end in publishing if end < asked)
            assert value == table_versions[done], (kind, value, done)


def test_three_updates_keep_every_link_and_readers_never_see_an_empty_or_broken_table(
    project_copy, target, portal_names, ckan_anon, ckan_env, tmp_path, capsys
):
    name = portal_names("skolor-wifi")
    source = project_copy / SOURCE
    contents = versions(source.read_bytes())
    builds = []
    for i, content in enumerate(contents):
        source.write_bytes(content)
        builds.append(built(project_copy, "skolor-wifi", tmp_path / f"w{i}"))
    target.publish(builds[0], run_id="run-0")
    first = by_key(ckan_anon.action.package_show(id=name))
    csv_id, csv_url = first["data-csv"]["id"], first["data-csv"]["url"]

    def rows_of(resource: str) -> tuple[int, frozenset[tuple[str, int]]]:
        table = ckan_anon.action.datastore_search(resource_id=resource, limit=100)
        return table["total"], frozenset((r["school_unit_code"], r["access_points"]) for r in table["records"])

    table_versions = [rows_of(csv_id)]
    csv_versions = {sha256(builds[0].file("data-csv").path.read_bytes())}
    readers = [
        Poller(lambda: ("id", rows_of(csv_id))),
        Poller(lambda: ("alias", rows_of(name))),
        Poller(lambda: ("csv", sha256(requests.get(csv_url, timeout=30).content))),
    ]
    log: list[tuple[str, float, float]] = []
    timed(target.client, log)
    windows = []
    publishing: list[tuple[float, float]] = []  # when each update ran
    for reader in readers:
        reader.start()
    try:
        for i, b in enumerate(builds[1:], start=1):
            csv_versions.add(sha256(b.file("data-csv").path.read_bytes()))
            del log[:]
            started = time.monotonic()
            result = target.publish(b, run_id=f"run-{i}")
            publishing.append((started, time.monotonic()))
            assert result.change == "updated"
            sent = {1: "1 upserted by key, 0 deleted", 2: "1 upserted by key, 1 deleted", 3: "2 upserted by key, 0"}
            assert any(sent[i] in n for n in result.notes), result.notes  # only the rows that changed
            table_versions.append(rows_of(csv_id))
            writes = [(a, s, e) for a, s, e in log if a in PUBLIC_WRITES]
            table = [(s, e) for a, s, e in log if a.startswith("datastore_") and a != "datastore_search"]
            windows.append((writes[-1][2] - writes[0][1], len(writes), table[-1][1] - table[0][0], len(table)))
            now = view(ckan_anon, name)
            keyed = by_key(now["package"])
            assert list(keyed) == KEY_ORDER  # no duplicate, no new resource
            for key in KEY_ORDER:  # the same resource and URL, serving this version's bytes
                assert (keyed[key]["id"], keyed[key]["url"]) == (first[key]["id"], first[key]["url"]), key
                assert now["files"][key] == b.file(key).path.read_bytes(), key
                assert keyed[key]["hash"] == b.file(key).sha256, key
            assert rows_of(name) == rows_of(csv_id) == table_versions[-1]
            assert table_versions[-1][0] == b.row_count
    finally:
        for reader in readers:
            reader.stop.set()
            reader.join(timeout=30)

    tables = set(table_versions)
    gone = {code for code, _ in table_versions[1][1]} - {code for code, _ in table_versions[2][1]}
    vanished = frozenset(r for r in table_versions[1][1] if r[0] in gone)  # the school that went away
    in_window = {(table_versions[1][0], table_versions[2][1] | vanished)}  # new rows + vanished key
    assert not in_window & tables  # a state of its own: the test can tell it apart
    seen = [entry for r in readers for entry in r.seen]
    assert all(not r.errors for r in readers), [r.errors[:3] for r in readers]
    assert len(seen) > 30  # the consumers really polled through the updates
    check_reads(seen, publishing, table_versions, in_window, csv_versions)
    mixed = sum(1 for _, _, (kind, value) in seen if kind != "csv" and value[1] in {r for _, r in in_window})
    with capsys.disabled():
        print(
            f"\n[window] {ckan_env.url}: files of two versions visible together for "
            + ", ".join(f"{w * 1000:.0f} ms ({n} writes)" for w, n, _, _ in windows)
            + "; the DataStore table changing for "
            + ", ".join(f"{t * 1000:.0f} ms ({n} calls)" for _, _, t, n in windows)
            + f"; reads that saw new rows plus the vanished key: {mixed} of {len(seen)}"
        )


def test_a_removed_resource_is_the_only_reason_an_id_goes(project_copy, target, portal_names, ckan_admin, tmp_path):
    name = portal_names("strategi-uppfoljning")
    target.publish(built(project_copy, "strategi-uppfoljning", tmp_path / "w1"))
    before = by_key(ckan_admin.action.package_show(id=name))
    dup = {"package_id": name, "url": "http://example.org/x.parquet", "opendata_key": "data-parquet"}
    ckan_admin.action.resource_create(**dup)  # a duplicate of ours, as races of the old design left
    by_hand = ckan_admin.action.resource_create(package_id=name, url="http://example.org/by-hand", name="By hand")
    result = target.publish(built(project_copy, "strategi-uppfoljning", tmp_path / "w2"))
    assert result.change == "updated"
    after = ckan_admin.action.package_show(id=name)
    assert [r.get("opendata_key") for r in after["resources"]] == [*KEY_ORDER, None]
    ours = {r["opendata_key"]: r["id"] for r in after["resources"] if r.get("opendata_key")}
    assert ours == {k: r["id"] for k, r in before.items()}
    assert after["resources"][-1]["id"] == by_hand["id"]  # a person's resource is kept
    with pytest.raises(ckanapi.NotFound):
        ckan_admin.action.package_show(id=f"{name}--staging")


def test_an_alias_on_an_orphan_table_is_repaired_by_the_next_run(
    project_copy, target, portal_names, ckan_admin, ckan_anon, ckan_cleanup, unique_name, tmp_path
):
    """The race of issue 11: the alias on a table whose resource is gone, serving stale rows."""
    name = portal_names("skolor-wifi")
    target.publish(built(project_copy, "skolor-wifi", tmp_path / "w1"))
    csv_id = by_key(ckan_admin.action.package_show(id=name))["data-csv"]["id"]
    ckan_admin.action.datastore_create(resource_id=csv_id, force=True, aliases=[])  # the alias goes...
    org = ckan_admin.action.package_show(id=name)["owner_org"]
    other = ckan_admin.action.package_create(
        name=f"{unique_name}-elsewhere", owner_org=org, resources=[{"url": "http://example.org/x", "name": "x"}]
    )
    orphan = other["resources"][0]["id"]
    stale = [{"school_unit_code": "90012841", "access_points": 78}]
    ckan_admin.action.datastore_create(  # ...to a table with stale rows, whose resource is then purged
        resource_id=orphan,
        force=True,
        aliases=[name],
        fields=[{"id": "school_unit_code", "type": "text"}, {"id": "access_points", "type": "int8"}],
        records=stale,
    )
    ckan_admin.action.dataset_purge(id=other["id"])
    with pytest.raises(ckanapi.NotFound):  # what the race left: the alias answers "Not found"
        ckan_anon.action.datastore_search(resource_id=name)
    assert table_names(ckan_admin)[name] == orphan

    result = target.publish(built(project_copy, "skolor-wifi", tmp_path / "w2"))
    assert result.change == "updated" and any("orphan table" in n for n in result.notes)
    tables = table_names(ckan_admin)
    assert tables[name] == csv_id and orphan not in tables
    assert ckan_anon.action.datastore_search(resource_id=name)["total"] == 10
    spares = ckan_admin.action.package_search(q=f"name:{unique_name}-skolor-wifi-repair*", include_private=True)
    assert spares["count"] == 0
    again = target.publish(built(project_copy, "skolor-wifi", tmp_path / "w3"))
    assert again.change == "unchanged"


def test_the_staging_twin_of_the_old_design_is_retired(
    project_copy, target, portal_names, ckan_admin, ckan_anon, tmp_path
):
    name = portal_names("skolor-wifi")
    target.publish(built(project_copy, "skolor-wifi", tmp_path / "w1"))
    org = ckan_admin.action.package_show(id=name)["owner_org"]
    twin = ckan_admin.action.package_create(
        name=f"{name}--staging", owner_org=org, private=True, resources=[{"url": "http://example.org/s", "name": "s"}]
    )
    staged = twin["resources"][0]["id"]
    fields = [{"id": "school_unit_code", "type": "text"}]
    ckan_admin.action.datastore_create(resource_id=staged, force=True, fields=fields, records=[])
    source = project_copy / SOURCE
    source.write_bytes(source.read_bytes().replace(b";46;", b";47;"))
    assert target.publish(built(project_copy, "skolor-wifi", tmp_path / "w2")).change == "updated"
    assert ckan_admin.action.package_show(id=f"{name}--staging")["state"] == "deleted"
    assert staged not in table_names(ckan_admin)
