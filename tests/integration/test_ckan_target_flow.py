"""The CKAN target through the Prefect flow and the CLI, as a deployment would run it.

The token comes from a Prefect Secret block (CKAN_API_TOKEN unset), the dataset name gets the
test's prefix (CKAN_DATASET_PREFIX), and invalid data must stop the flow before the portal.
"""

from __future__ import annotations

from collections.abc import Iterator

import ckanapi
import pytest
from prefect.blocks.system import Secret
from typer.testing import CliRunner

from flows.publish_dataset import publish_dataset
from opendata.cli import app
from opendata.errors import ValidationFailed
from publish.targets import CKAN_TOKEN
from tests.integration.ckan_consumer import by_key, view


@pytest.fixture
def ckan_via_secret(prefect_harness, project, ckan_env, unique_name, monkeypatch) -> Iterator[str]:
    """The flow's environment: CKAN_URL and a prefix, the token only in a Secret block."""
    monkeypatch.setenv("CKAN_URL", ckan_env.url)
    monkeypatch.setenv("CKAN_DATASET_PREFIX", f"{unique_name}-")
    monkeypatch.delenv("CKAN_API_TOKEN", raising=False)
    Secret(value=ckan_env.api_token).save(CKAN_TOKEN.block, overwrite=True)
    yield ckan_env.url
    Secret.delete(CKAN_TOKEN.block)


def test_flow_publishes_and_invalid_data_leaves_the_portal_as_it_was(ckan_via_secret, project, portal_names, ckan_anon):
    name = portal_names("skolor-wifi")
    result = publish_dataset("skolor-wifi", target="ckan")
    assert (result.status, result.target, result.rows) == ("created", "ckan", 10)
    assert result.url == f"{ckan_via_secret}/dataset/{name}"
    before = view(ckan_anon, name)
    assert by_key(before["package"])["data-csv"]["datastore_active"]
    extras = {e["key"]: e["value"] for e in before["package"]["extras"]}
    assert extras["opendata_flow_run_id"]  # the Prefect flow run id, for provenance

    source = project / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace(b";46;", b";many;"))  # not an integer
    with pytest.raises(ValidationFailed):
        publish_dataset("skolor-wifi", target="ckan")
    assert view(ckan_anon, name) == before


def test_cli_dry_run_lists_what_would_change(ckan_via_secret, project, portal_names, ckan_admin):
    name = portal_names("strategi-uppfoljning")
    run = CliRunner().invoke(app, ["publish", "strategi-uppfoljning", "--target", "ckan", "--dry-run"])
    assert run.exit_code == 0, run.output
    assert "data-csv would be created" in run.output and "dry run" in run.output
    with pytest.raises(ckanapi.NotFound):  # nothing was written
        ckan_admin.action.package_show(id=name)
