"""DCAT from the portal itself: ckanext-dcat 2.4.4 + ckanext-scheming 3.1.0 with the shipped
schema (ckan/scheming/opendata_dataset.yaml), as scripts/ckan-up.sh starts the test portal.

Our multilingual fields reach the portal's own RDF; ckanext-dcat's parser reads our catalog.
"""

from __future__ import annotations

import json
import subprocess

from rdflib import Graph, URIRef
from rdflib import namespace as ns

from publish.ckan import CkanTarget
from publish.ckan_client import CkanClient
from tests.integration.ckan_consumer import built, by_key, download
from tests.integration.conftest import REPO_ROOT

CKAN = REPO_ROOT / ".ckan" / "venv" / "bin" / "ckan"
INI = REPO_ROOT / ".ckan" / "ckan.ini"


def test_titles_descriptions_keywords_reach_the_portals_rdf_in_both_languages(
    ckan_env, project_copy, portal_names, ckan_anon, tmp_path, unique_name
):
    target = CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-")
    name = portal_names("skolor-wifi")
    b = built(project_copy, "skolor-wifi", tmp_path / "w1")
    first = target.publish(b)
    assert any(n.startswith("multilingual fields written") for n in first.notes)
    package = ckan_anon.action.package_show(id=name)
    assert package["title_translated"] == b.manifest.title.root
    assert package["tags_translated"]["en"] == b.manifest.keywords["en"]

    again = target.publish(built(project_copy, "skolor-wifi", tmp_path / "w2"))
    assert again.change == "unchanged"
    assert not [n for n in again.notes if n.startswith(("multilingual", "DCAT catalog"))]

    g = Graph().parse(data=download(f"{ckan_env.url}/dataset/{name}.rdf"), format="xml")
    ds = URIRef(f"{ckan_env.url}/dataset/{package['id']}")
    assert {(t.language, str(t)) for t in g.objects(ds, ns.DCTERMS.title)} == set(b.manifest.title.root.items())
    assert {t.language for t in g.objects(ds, ns.DCTERMS.description)} == {"sv", "en"}
    keywords = {(k.language, str(k)) for k in g.objects(ds, ns.DCAT.keyword)}
    assert ("sv", "skola") in keywords and ("en", "school") in keywords


def test_ckanext_dcats_parser_reads_our_catalog_back(
    ckan_env, project_copy, portal_names, ckan_anon, tmp_path, unique_name
):
    target = CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-")
    names = {slug: portal_names(slug) for slug in ("bredband", "skolor-wifi")}
    for slug in names:
        target.publish(built(project_copy, slug, tmp_path / slug))
    holder = ckan_anon.action.package_show(id=f"{unique_name}-ornskoldsviks-kommun-dcat")
    rdf = tmp_path / "catalog.rdf"
    rdf.write_bytes(download(by_key(holder)["dcat-rdf"]["url"]))
    out = subprocess.run(
        [str(CKAN), "-c", str(INI), "dcat", "consume", "-f", "xml", str(rdf)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    parsed = {d["title"]: d for d in json.loads(out.stdout)}
    # The portal's default language is English: ckanext-dcat picks that title of each dataset,
    # and the project's profile (opendata_dcat_ap) keeps every language in title_translated.
    wifi = parsed["Wireless network in the municipality's schools (sample data)"]
    assert set(wifi["title_translated"]) == {"sv", "en"} and set(wifi["notes_translated"]) == {"sv", "en"}
    assert len(parsed) == 2 and "Broadband coverage in Örnsköldsvik municipality (sample data)" in parsed
    package = ckan_anon.action.package_show(id=names["skolor-wifi"])
    csv = by_key(package)["data-csv"]
    resources = {r["url"]: r for r in wifi["resources"]}
    assert resources[csv["url"]]["hash"] == csv["hash"]
    assert resources[csv["url"]]["format"] == "CSV"  # "text/csv", as ckanext-dcat shows it
    extras = {e["key"]: e["value"] for e in wifi.get("extras", [])}
    assert wifi.get("uri", extras.get("uri")) == f"{ckan_env.url}/dataset/{names['skolor-wifi']}"
    assert {t["name"] for t in wifi["tags"]} >= {"skola", "school"}
