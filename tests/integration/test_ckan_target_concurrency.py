"""Two runs of one dataset at the same time: they take turns, and the portal keeps one version.

The races of the old design (issue 11): both runs exiting 0 with an empty table, an alias on
an orphan table, duplicate resources. Here the runs meet at the portal's lease
(publish/ckan/lease.py): as two targets in two threads, and as two `opendata publish`
processes with separate build folders (like two machines, so only the portal lease can keep
them apart), after a data change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from opendata.errors import PublishError
from publish.ckan.client import CkanClient
from publish.ckan.lease import LEASE_EXTRA
from publish.ckan.metadata import KEY_ORDER
from publish.ckan.target import CkanTarget
from tests.integration.ckan_consumer import built, by_key, table_names, view

REPO = Path(__file__).resolve().parents[2]


def change_school_row(project: Path) -> None:
    source = project / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace(b";46;", b";47;"))


def consistent(anon, admin, name: str, folders: list[Path], ids: dict[str, str]) -> list[Path]:
    """The portal serves every file of one of the runs' builds; returns the builds it matches."""
    seen = view(anon, name)
    assert list(by_key(seen["package"])) == KEY_ORDER  # no duplicates
    assert {k: r["id"] for k, r in by_key(seen["package"]).items()} == ids  # the same resources
    names = {r["opendata_key"]: r["url"].rsplit("/", 1)[-1] for r in seen["package"]["resources"]}
    matching = [f for f in folders if all(seen["files"][k] == (f / names[k]).read_bytes() for k in KEY_ORDER)]
    assert len(matching) >= 1, "the files served come from more than one run"
    assert len(seen["records"]) == 10 and seen["records"][0]["access_points"] == 47
    assert LEASE_EXTRA not in {e["key"] for e in seen["package"]["extras"]}
    assert table_names(admin)[name] == ids["data-csv"]
    return matching


def test_two_targets_at_once_take_turns(
    project_copy, ckan_env, unique_name, portal_names, ckan_anon, ckan_admin, tmp_path
):
    name = portal_names("skolor-wifi")
    one, two = (
        CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-", chunk_rows=3)
        for _ in range(2)
    )
    one.publish(built(project_copy, "skolor-wifi", tmp_path / "w0"))
    ids = {k: r["id"] for k, r in by_key(ckan_anon.action.package_show(id=name)).items()}
    change_school_row(project_copy)
    builds = [built(project_copy, "skolor-wifi", tmp_path / f"w{i}") for i in (1, 2)]
    start = threading.Barrier(2)
    results: dict[int, object] = {}

    def run(i: int, target: CkanTarget) -> None:
        start.wait()
        try:
            results[i] = target.publish(builds[i])
        except Exception as exc:  # recorded, asserted below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate((one, two))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert all(getattr(r, "change", None) in ("updated", "unchanged") for r in results.values()), results
    waited = [i for i, r in results.items() if any("waited" in n for n in getattr(r, "notes", []))]
    assert len(waited) == 1, results  # the second run waited for the first instead of interleaving
    served = consistent(ckan_anon, ckan_admin, name, [b.directory for b in builds], ids)
    if results[waited[0]].change == "updated":  # type: ignore[attr-defined]
        assert builds[waited[0]].directory in served  # no lost update: the later run's version is out


def test_two_cli_processes_at_once_leave_one_consistent_version(
    project_copy, ckan_env, unique_name, portal_names, ckan_anon, ckan_admin, tmp_path
):
    name = portal_names("skolor-wifi")
    target = CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-")
    target.publish(built(project_copy, "skolor-wifi", tmp_path / "w0"))
    ids = {k: r["id"] for k, r in by_key(ckan_anon.action.package_show(id=name)).items()}
    change_school_row(project_copy)
    processes = []
    for i in range(2):
        env = {
            **os.environ,
            "CKAN_URL": ckan_env.url,
            "CKAN_API_TOKEN": ckan_env.api_token,
            "CKAN_DATASET_PREFIX": f"{unique_name}-",
            "OPENDATA_HOME": str(project_copy),
            "OPENDATA_BUILD": str(tmp_path / f"build-{i}"),  # like two machines: nothing shared here
            "OPENDATA_ARCHIVE": str(tmp_path / f"archive-{i}"),
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",  # a busy machine
        }
        command = [sys.executable, "-m", "opendata", "publish", "skolor-wifi", "--target", "ckan"]
        processes.append(subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outputs = [p.communicate(timeout=600) for p in processes]
    for p, (out, err) in zip(processes, outputs, strict=True):
        assert p.returncode == 0, (out.decode()[-2000:], err.decode()[-2000:])
    folders = [tmp_path / f"build-{i}" / "work" / "skolor-wifi" for i in range(2)]
    consistent(ckan_anon, ckan_admin, name, folders, ids)


def test_a_lease_held_elsewhere_stops_the_run_with_one_sentence_until_it_expires(
    project_copy, ckan_env, unique_name, portal_names, ckan_admin, tmp_path
):
    name = portal_names("skolor-wifi")
    target = CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-", lease_wait=1)
    target.publish(built(project_copy, "skolor-wifi", tmp_path / "w0"))
    before = ckan_admin.action.package_show(id=name)
    held = {"owner": "other-host:4242:abcd1234", "expires": time.time() + 600}
    extras = [*before["extras"], {"key": LEASE_EXTRA, "value": json.dumps(held)}]
    ckan_admin.action.package_patch(id=name, extras=extras)
    change_school_row(project_copy)
    b = built(project_copy, "skolor-wifi", tmp_path / "w1")
    with pytest.raises(PublishError) as info:
        target.publish(b)
    message = str(info.value)
    assert "being published by another run (other-host:4242:abcd1234" in message and "wrote nothing" in message
    assert "\n" not in message
    assert by_key(ckan_admin.action.package_show(id=name))["data-csv"]["hash"] == by_key(before)["data-csv"]["hash"]

    held["expires"] = time.time() - 1  # that run died on its machine: the lease lapses
    extras[-1] = {"key": LEASE_EXTRA, "value": json.dumps(held)}
    ckan_admin.action.package_patch(id=name, extras=extras)
    assert target.publish(b).change == "updated"


def test_a_long_run_renews_its_lease_and_stops_if_another_took_it(
    project_copy, ckan_env, unique_name, portal_names, ckan_admin, tmp_path
):
    from publish.ckan.lease import Lease, Leases

    name = portal_names("skolor-wifi")
    client = CkanClient(ckan_env.url, ckan_env.api_token)
    CkanTarget(client, prefix=f"{unique_name}-").publish(built(project_copy, "skolor-wifi", tmp_path / "w0"))
    leases = Leases(client, "here:1:mine", ttl=60)
    package = leases.acquire(name, client.show("package_show", id=name))
    first = Lease.parse(package)
    assert first and first.owner == "here:1:mine"
    leases.renew(package["id"])  # not due yet: nothing written
    assert Lease.parse(ckan_admin.action.package_show(id=name)) == first
    leases.taken_at -= 31  # half the time has passed
    leases.renew(package["id"])
    renewed = Lease.parse(ckan_admin.action.package_show(id=name))
    assert renewed and renewed.owner == first.owner and renewed.expires > first.expires

    taken = {"owner": "other-host:7:theirs", "expires": time.time() + 600}  # it expired, another took it
    extras = [e for e in ckan_admin.action.package_show(id=name)["extras"] if e["key"] != LEASE_EXTRA]
    ckan_admin.action.package_patch(id=name, extras=[*extras, {"key": LEASE_EXTRA, "value": json.dumps(taken)}])
    leases.taken_at -= 31
    with pytest.raises(PublishError, match="taken over by other-host:7:theirs"):
        leases.renew(package["id"])
