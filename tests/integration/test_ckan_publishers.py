"""Two publishers on the real CKAN portal: each dataset in its publisher's organization, and
each organization with its own DCAT catalog in its own profile (DCAT-AP-SE, DCAT-AP-NO)."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns

from publish.ckan.client import CkanClient
from publish.ckan.target import CkanTarget
from tests.dcat_shacl import check
from tests.integration.ckan_consumer import built, by_key, download


def test_each_publisher_gets_its_organization_and_catalog(
    ckan_env, project_copy, portal_names, ckan_anon, ckan_cleanup, tmp_path, unique_name
):
    target = CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-")
    names = {slug: portal_names(slug) for slug in ("strategi-uppfoljning", "moss-strategi-tiltak")}
    ckan_cleanup.dataset(f"{unique_name}-moss-kommune-dcat")
    for slug in names:
        target.publish(built(project_copy, slug, tmp_path / slug))
    orgs = {slug: ckan_anon.action.package_show(id=name)["organization"]["name"] for slug, name in names.items()}
    assert orgs == {"strategi-uppfoljning": "ornskoldsviks-kommun", "moss-strategi-tiltak": "moss-kommune"}
    moss = ckan_anon.action.package_show(id=names["moss-strategi-tiltak"])
    assert moss["license_id"] == "other-at"  # NLOD 2.0, which asks for attribution

    holder = ckan_anon.action.package_show(id=f"{unique_name}-moss-kommune-dcat")
    g = Graph().parse(data=download(by_key(holder)["dcat-rdf"]["url"]), format="xml")
    assert check(g, literal_format=False, version="3.0.0").violations == []
    ds = URIRef(f"{ckan_env.url}/dataset/{names['moss-strategi-tiltak']}")
    assert set(g.subjects(ns.RDF.type, ns.DCAT.Dataset)) == {ds}  # only Moss's datasets
    assert g.value(ds, ns.DCTERMS.publisher) == URIRef("https://data.brreg.no/enhetsregisteret/api/enheter/944383565")
    assert Literal("Åpne data fra Moss kommune", lang="nb") in set(g.objects(None, ns.DCTERMS.title))
