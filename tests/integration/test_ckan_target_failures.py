"""The CKAN target when things go wrong: injected faults, a wrong token, a portal that is gone.

Faults are injected on the target's client (the one door to the portal), between two real
calls, so the portal is left exactly where a crash or a dropped connection would leave it.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from pathlib import Path
from typing import Any

import ckanapi
import pytest

from opendata.errors import PublishError, TransientPublishError
from publish.ckan import CkanTarget
from publish.ckan_client import CkanClient
from publish.ckan_metadata import KEY_ORDER
from tests.integration.ckan_consumer import (
    built,
    by_key,
    sha256,
    table_names,
    view,
)


@pytest.fixture
def target(ckan_env, unique_name) -> CkanTarget:
    return CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-", chunk_rows=3)


def inject(
    monkeypatch: pytest.MonkeyPatch,
    client: CkanClient,
    method: str,
    *,
    action: str | None,
    after: int,
) -> None:
    """Let ``after`` matching calls through, then fail like a dropped connection."""
    real = getattr(client, method)
    seen = {"n": 0}

    def faulty(called: str, /, *args: Any, **kwargs: Any) -> Any:
        if action is None or called == action:
            if seen["n"] >= after:
                raise TransientPublishError(f"injected fault before {method} {called}")
            seen["n"] += 1
        return real(called, *args, **kwargs)

    monkeypatch.setattr(client, method, faulty)


def change_school_row(project: Path) -> None:
    source = project / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace(b";46;", b";47;"))


def assert_is_build(seen: dict[str, Any], b: Any) -> None:
    assert list(by_key(seen["package"])) == KEY_ORDER
    for key in KEY_ORDER:
        assert seen["files"][key] == b.file(key).path.read_bytes(), key
    assert len(seen["records"]) == b.row_count


def fail_from(monkeypatch: pytest.MonkeyPatch, client: CkanClient, k: int) -> list[str]:
    """Let ``k`` calls through (reads and writes), then fail every one: a connection that died."""
    real = client._call
    calls: list[str] = []

    def dying(action: str, *args: Any, **kwargs: Any) -> Any:
        if len(calls) >= k:
            raise TransientPublishError(f"injected fault before {action}")
        calls.append(action)
        return real(action, *args, **kwargs)

    monkeypatch.setattr(client, "_call", dying)
    return calls


def assert_whole(seen: dict[str, Any]) -> None:
    """What a reader may see after a failed run: one resource per key, each file whole and
    true to its resource's hash, a DataStore table with rows."""
    assert list(by_key(seen["package"])) == KEY_ORDER
    for key, resource in by_key(seen["package"]).items():
        assert resource["hash"] == sha256(seen["files"][key]), key
    assert seen["records"]


def test_a_failure_after_any_call_leaves_whole_files_and_the_next_run_converges(
    project_copy, target, portal_names, ckan_anon, ckan_admin, tmp_path, monkeypatch
):
    name = portal_names("skolor-wifi")
    source = project_copy / "datasets/skolor-wifi/source/wifi-inventering.csv"
    contents = [source.read_bytes(), source.read_bytes().replace(b";46;", b";47;")]
    builds = []
    for i, content in enumerate(contents):
        source.write_bytes(content)
        builds.append(built(project_copy, "skolor-wifi", tmp_path / f"w{i}"))
    target.publish(builds[0])
    ids = {k: (r["id"], r["url"]) for k, r in by_key(ckan_anon.action.package_show(id=name)).items()}
    with monkeypatch.context() as m:  # one clean update, to count its calls
        calls = fail_from(m, target.client, 10_000)
        target.publish(builds[1])
    # The dataset's own update ends with one package_update; what follows keeps the publisher's
    # DCAT catalog (and translated fields) current, a separate dataset with its own test.
    last = max(i for i, call in enumerate(calls) if call == "package_update")
    assert "datastore_upsert" in calls[:last] and "resource_patch" in calls[:last]
    for k in range(1, last + 1):
        b = builds[(k + 1) % 2]  # the other version each time: every run has work to do
        with monkeypatch.context() as m:
            fail_from(m, target.client, k)
            with pytest.raises(TransientPublishError, match="injected"):
                target.publish(b)
        assert_whole(view(ckan_anon, name))
        again = target.publish(b)  # the next run (the same target: a Prefect retry)
        assert again.change == "updated", (k, calls[k])
        now = view(ckan_anon, name)
        assert_is_build(now, b)
        assert now["records"][0]["access_points"] == (47 if b is builds[1] else 46)
        assert {k: (r["id"], r["url"]) for k, r in by_key(now["package"]).items()} == ids  # no new resource
        assert "opendata_lease" not in {e["key"] for e in now["package"]["extras"]}
        tables = table_names(ckan_admin)
        assert tables[name] == ids["data-csv"][0]


def test_failure_during_the_first_publish_shows_nothing_until_complete(
    project_copy, target, portal_names, ckan_anon, tmp_path, monkeypatch
):
    name = portal_names("bredband")
    b = built(project_copy, "bredband", tmp_path / "w1")
    with monkeypatch.context() as m:
        inject(m, target.client, "upload", action=None, after=2)
        with pytest.raises(TransientPublishError):
            target.publish(b)
    with pytest.raises((ckanapi.NotFound, ckanapi.NotAuthorized)):  # private until complete
        ckan_anon.action.package_show(id=name)
    result = target.publish(b)
    assert result.change == "created"
    assert_is_build(view(ckan_anon, name), b)


def _everything(exc: BaseException, *more: object) -> str:
    return "\n".join([str(exc), repr(exc), "".join(traceback.format_exception(exc)), *map(str, more)])


def test_wrong_token_is_one_clear_error_that_never_shows_the_token(
    ckan_env, project_copy, tmp_path, unique_name, caplog
):
    wrong = f"wrong-token-{uuid.uuid4().hex}"
    target = CkanTarget(CkanClient(ckan_env.url, wrong), prefix=f"{unique_name}-")
    with caplog.at_level(logging.DEBUG), pytest.raises(PublishError) as info:
        target.publish(built(project_copy, "skolor-wifi", tmp_path / "w"))
    assert "rejected CKAN_API_TOKEN" in str(info.value)
    assert not isinstance(info.value, TransientPublishError)  # retrying will not help
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert wrong not in _everything(info.value, caplog.text, repr(target), repr(target.client))


def test_missing_configuration_names_the_variable(ckan_env):
    with pytest.raises(PublishError, match="CKAN_API_TOKEN is not set"):
        CkanTarget.from_env(environ={"CKAN_URL": ckan_env.url})
    with pytest.raises(PublishError, match="CKAN_URL is not set"):
        CkanTarget.from_env(environ={"CKAN_API_TOKEN": "x"})
    target = CkanTarget.from_env(environ={"CKAN_URL": ckan_env.url, "CKAN_DATASET_PREFIX": "p-"}, token="from-block")
    assert target.prefix == "p-" and "from-block" not in repr(target)


def test_the_real_token_is_nowhere_in_errors_or_logs(
    ckan_env, project_copy, tmp_path, unique_name, portal_names, caplog
):
    token = ckan_env.api_token
    target = CkanTarget(CkanClient(ckan_env.url, token), prefix=f"{unique_name}-")
    portal_names("skolor-wifi")
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG):
        target.publish(built(project_copy, "skolor-wifi", tmp_path / "w"), run_id="run-1")
        with pytest.raises(PublishError) as refused:  # the portal says no
            target.client.call("package_create", name="Not A Valid Name!")
        errors.append(refused.value)
        gone = CkanClient("http://127.0.0.1:9", token)  # nothing listens there
        with pytest.raises(TransientPublishError) as unreachable:
            gone.call("status_show")
        errors.append(unreachable.value)
    assert "rejected package_create" in str(refused.value)
    for error in errors:
        assert error.__context__ is None and error.__cause__ is None
        assert token not in _everything(error)
    assert token not in caplog.text and token not in repr(target) + repr(gone) + repr(gone._ckan)
