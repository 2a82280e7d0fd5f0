"""What a steward reads on a run (tables, the reason of a failure) and the CKAN portal limit."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from flows import tasks
from flows.artifacts import explain
from flows.limits import CKAN_LIMIT
from flows.publish_dataset import publish_all, publish_dataset
from opendata.errors import PublishError
from publish.base import FileOutcome, PublishResult

pytestmark = pytest.mark.usefixtures("prefect_harness")


def break_skolor_wifi(project: Path) -> None:
    source = project / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace("väldimensionerat".encode("cp1252"), b"superbra", 1))


def artifacts_of(flow_run_id: UUID | None) -> dict[str, Any]:
    assert flow_run_id is not None
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found if a.key}


def test_valid_run_says_what_was_validated_and_published_in_two_artifacts(project: Path) -> None:
    state = publish_dataset("strategi-uppfoljning", return_state=True)
    assert state.is_completed()
    found = artifacts_of(state.state_details.flow_run_id)
    assert set(found) == {"strategi-uppfoljning-validation", "strategi-uppfoljning-published"}
    assert "**Valid**: 37 rows, no errors." in str(found["strategi-uppfoljning-validation"].data)
    published = str(found["strategi-uppfoljning-published"].data)
    assert "| data-csv | created | [" in published


def test_invalid_run_explains_itself_in_plain_words(project: Path) -> None:
    break_skolor_wifi(project)
    state = publish_dataset("skolor-wifi", return_state=True)
    assert state.is_failed()
    found = artifacts_of(state.state_details.flow_run_id)
    table = str(found["skolor-wifi-validation-table"].data)
    assert '"line": 2, "column": "wifi_status (Wifi-status)", "value": "superbra", "rule": "enum"' in table
    why = str(found["skolor-wifi-failure"].data)
    assert "nothing was published" in why and "last good version" in why
    assert "line 2, column 'Wifi-status'" in why and "opendata validate skolor-wifi" in why


def test_publish_all_failure_names_the_failed_datasets(project: Path) -> None:
    break_skolor_wifi(project)
    state = publish_all(return_state=True)
    assert state.is_failed()
    why = str(artifacts_of(state.state_details.flow_run_id)["publish-all-failure"].data)
    total = len(list((project / "datasets").glob("*/dataset.yaml")))
    assert f"**1 of {total} dataset(s) failed**" in why and "| skolor-wifi | invalid |" in why


def test_explanations_by_kind_of_error() -> None:
    assert "Fix what the message names" in explain(PublishError("CKAN said 403: not authorised"), "")
    unexpected = explain(KeyError("resource_id"), "")
    assert "unexpected error" in unexpected and "KeyError" in unexpected and "developers" in unexpected


class FakeTarget:
    """Records how many ``ckan-portal`` slots are taken while it 'publishes'."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.active_slots: int | None = None

    def publish(
        self, build: Any, *, run_id: str | None = None, dry_run: bool = False, batch: str | None = None
    ) -> PublishResult:
        with get_client(sync_client=True) as client:
            self.active_slots = client.read_global_concurrency_limit_by_name(CKAN_LIMIT).active_slots
        slug = build.manifest.slug
        return PublishResult(
            slug,
            self.name,
            "created",
            "https://portal.example/dataset/x",
            1,
            [FileOutcome("data-csv", "created", "https://portal.example/x.csv")],
        )


@pytest.fixture
def ckan_limit() -> Any:
    with get_client(sync_client=True) as client:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=CKAN_LIMIT, limit=2))
        yield
        client.delete_global_concurrency_limit_by_name(CKAN_LIMIT)


@pytest.mark.usefixtures("ckan_limit")
def test_publishing_to_ckan_holds_a_portal_slot_and_local_does_not() -> None:
    built: Any = SimpleNamespace(manifest=SimpleNamespace(slug="x"))  # all publish reads of a build
    ckan, local = FakeTarget("ckan"), FakeTarget("local")
    assert tasks.publish(ckan, built, None, False, allow_shrink=True).change == "created"
    tasks.publish(local, built, None, False, allow_shrink=True)
    assert ckan.active_slots == 1 and local.active_slots == 0
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(CKAN_LIMIT).active_slots == 0  # released


def test_without_the_limit_publishing_to_ckan_is_not_blocked() -> None:
    """No ckan-portal limit (a CLI run without `make serve`): publish, do not wait or fail."""

    class NoLimitTarget(FakeTarget):
        def publish(
            self, build: Any, *, run_id: str | None = None, dry_run: bool = False, batch: str | None = None
        ) -> PublishResult:
            return PublishResult(build.manifest.slug, self.name, "unchanged", "", 1)

    built: Any = SimpleNamespace(manifest=SimpleNamespace(slug="x"))
    result = tasks.publish(NoLimitTarget("ckan"), built, None, False, allow_shrink=True)
    assert result.change == "unchanged"
