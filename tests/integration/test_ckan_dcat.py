"""The pipeline's own DCAT-AP-SE catalog on the real CKAN portal: one stable URL, harvestable.

Read anonymously, as dataportal.se's harvester does, and held to the DCAT-AP 3 shapes.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns

from publish.ckan import CkanTarget
from publish.ckan_client import CkanClient
from tests.dcat_shacl import check
from tests.integration.ckan_consumer import built, by_key, download

SPDX = "http://spdx.org/rdf/terms#"


@pytest.fixture
def target(ckan_env, unique_name) -> CkanTarget:
    return CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-")


def catalog_rdf(ckan_anon, unique_name: str) -> tuple[str, Graph]:
    holder = ckan_anon.action.package_show(id=f"{unique_name}-ornskoldsviks-kommun-dcat")
    assert not holder["private"]
    url = by_key(holder)["dcat-rdf"]["url"]
    assert url.endswith("/catalog.rdf")
    return url, Graph().parse(data=download(url), format="xml")


def test_the_portal_serves_our_catalog_at_one_stable_url(
    ckan_env, project_copy, target, portal_names, ckan_anon, tmp_path, unique_name
):
    names = {slug: portal_names(slug) for slug in ("bredband", "skolor-wifi")}
    for slug in names:
        target.publish(built(project_copy, slug, tmp_path / "w1" / slug))
    url, g = catalog_rdf(ckan_anon, unique_name)
    assert check(g, literal_format=True, version="3.0.0").violations == []
    assert check(g, literal_format=True, version="3.0.1").violations == []

    datasets = set(g.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert datasets == {URIRef(f"{ckan_env.url}/dataset/{n}") for n in names.values()}
    for name in names.values():
        package = ckan_anon.action.package_show(id=name)
        ds = URIRef(f"{ckan_env.url}/dataset/{name}")
        assert {t.language for t in g.objects(ds, ns.DCTERMS.title)} == {"sv", "en"}
        portal_urls = {by_key(package)[k]["url"] for k in ("data-csv", "data-parquet")}
        assert {str(g.value(d, ns.DCAT.downloadURL)) for d in g.objects(ds, ns.DCAT.distribution)} == portal_urls
        for dist in g.objects(ds, ns.DCAT.distribution):
            assert isinstance(g.value(dist, ns.DCTERMS["format"]), Literal)
            assert g.value(dist, ns.DCAT.mediaType) is None
            assert str(dist).startswith(f"{ckan_env.url}/dataset/{name}/resource/")
            value = g.value(g.value(dist, URIRef(SPDX + "checksum")), URIRef(SPDX + "checksumValue"))
            assert re.fullmatch(r"[0-9a-f]{64}", str(value))
            assert download(str(g.value(dist, ns.DCAT.downloadURL)))  # the link works, anonymously
    issued = g.value(URIRef(f"{ckan_env.url}/dataset/{names['skolor-wifi']}"), ns.DCTERMS.issued)

    # Unchanged: the catalog is not rewritten. Changed content: same URL, new checksum and date.
    result = target.publish(built(project_copy, "bredband", tmp_path / "w2" / "bredband"))
    assert not [n for n in result.notes if n.startswith("DCAT catalog")]
    source = project_copy / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace(b";46;", b";47;"))
    result = target.publish(built(project_copy, "skolor-wifi", tmp_path / "w3" / "skolor-wifi"))
    assert any(n.startswith("DCAT catalog catalog.rdf updated") for n in result.notes)
    url2, g2 = catalog_rdf(ckan_anon, unique_name)
    assert url2 == url
    ds = URIRef(f"{ckan_env.url}/dataset/{names['skolor-wifi']}")
    assert g2.value(ds, ns.DCTERMS.issued) == issued
    csv = by_key(ckan_anon.action.package_show(id=names["skolor-wifi"]))["data-csv"]
    dists = {str(g2.value(d, ns.DCAT.downloadURL)): d for d in g2.objects(ds, ns.DCAT.distribution)}
    checksum = g2.value(g2.value(dists[csv["url"]], URIRef(SPDX + "checksum")), URIRef(SPDX + "checksumValue"))
    assert str(checksum) == csv["hash"]
    assert len(set(g2.subjects(ns.RDF.type, ns.DCAT.Dataset))) == 2  # the other dataset is still there
