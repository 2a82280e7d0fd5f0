"""The shrink guard against the real CKAN portal: what the portal publishes is the baseline."""

from __future__ import annotations

import pytest

from opendata.shrink import ShrinkRefused
from publish.ckan.client import CkanClient
from publish.ckan.target import CkanTarget
from publish.guard import guard_shrink, published_rows
from tests.integration.ckan_consumer import built, by_key, rows

SLUG = "strategi-uppfoljning"


def test_a_header_only_export_never_replaces_the_public_rows(
    ckan_env, unique_name, project_copy, portal_names, ckan_anon, tmp_path
) -> None:
    target = CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-")
    name = portal_names(SLUG)
    assert published_rows(target, SLUG) is None  # nothing public yet
    first = built(project_copy, SLUG, tmp_path / "w1")
    guard_shrink(target, first)
    target.publish(first)
    assert published_rows(target, SLUG) == 37
    source = next((project_copy / "datasets" / SLUG / "source").glob("*.csv"))
    source.write_bytes(source.read_bytes().split(b"\n", 1)[0] + b"\n")
    empty = built(project_copy, SLUG, tmp_path / "w2")
    with pytest.raises(ShrinkRefused, match=r"has 0 rows \(the published version has 37\).*--allow-shrink"):
        guard_shrink(target, empty)
    csv = by_key(ckan_anon.action.package_show(id=name))["data-csv"]
    assert rows(ckan_anon, csv["id"])["total"] == 37
    guard_shrink(target, empty, allow=True)  # the run said so explicitly
