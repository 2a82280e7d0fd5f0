"""ckanext-dcat's own RDF of the test portal (``/catalog.rdf``, ``/dataset/<name>.rdf``), as a
harvester reads it: zero violations of the DCAT-AP 3.0.0 (full) and 3.0.1 shapes, and every
language back through ckanext-dcat's parser with the portal's profiles.

The portal runs ``euro_dcat_ap_3 opendata_dcat_ap`` (ckan/ckanext-opendata) with the catalog
settings scripts/ckan_catalog_config.py prints for the bundled publisher (Swedish: DCAT-AP-SE,
so ``dct:format`` is the media type literal, see tests/shacl/SOURCE.md).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as ns

from publish.ckan.client import CkanClient
from publish.ckan.target import CkanTarget
from tests.dcat_shacl import check
from tests.integration.ckan_consumer import built, by_key, download
from tests.integration.conftest import REPO_ROOT

CKAN = REPO_ROOT / ".ckan" / "venv" / "bin" / "ckan"
INI = REPO_ROOT / ".ckan" / "ckan.ini"
SLUGS = ("bredband", "skolor-wifi", "strategi-uppfoljning", "nyckeltal")
EU = "http://publications.europa.eu/resource/authority"
SPDX = "http://spdx.org/rdf/terms#"
PUBLISHER = URIRef("http://dataportal.se/organisation/SE2120002445")
CC0 = URIRef("http://creativecommons.org/publicdomain/zero/1.0/")


@pytest.fixture
def published(ckan_env, project_copy, portal_names, ckan_anon, tmp_path, unique_name):
    """The bundled datasets on the portal: slug -> package as an anonymous visitor sees it."""
    target = CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-")
    packages = {}
    for slug in SLUGS:
        name = portal_names(slug)
        target.publish(built(project_copy, slug, tmp_path / slug))
        packages[slug] = ckan_anon.action.package_show(id=name)
    return packages


def shapes_violations(g: Graph) -> list[str]:
    return [v for version in ("3.0.0", "3.0.1") for v in check(g, literal_format=True, version=version).violations]


def rdf(url: str) -> Graph:
    return Graph().parse(data=download(url), format="xml")


def test_the_portals_catalog_and_dataset_rdf_pass_the_dcat_ap_3_shapes(ckan_env, published):
    catalog = rdf(f"{ckan_env.url}/catalog.rdf")
    assert shapes_violations(catalog) == []

    # The catalog record is the publisher's, not CKAN's default ("CKAN", the literal "en").
    (cat,) = catalog.subjects(ns.RDF.type, ns.DCAT.Catalog)
    titles = {t.language: str(t) for t in catalog.objects(cat, ns.DCTERMS.title)}
    assert titles == {"sv": "Öppna data från Örnsköldsviks kommun", "en": "Open data from Örnsköldsvik Municipality"}
    assert {d.language for d in catalog.objects(cat, ns.DCTERMS.description)} == {"sv", "en"}
    assert set(catalog.objects(cat, ns.DCTERMS.language)) == {
        URIRef(f"{EU}/language/SWE"),
        URIRef(f"{EU}/language/ENG"),
    }
    assert catalog.value(cat, ns.DCTERMS.publisher) == PUBLISHER
    assert catalog.value(cat, ns.DCTERMS.license) == CC0  # DCAT-AP-SE: the catalog's metadata is CC0

    for slug, package in published.items():
        g = rdf(f"{ckan_env.url}/dataset/{package['name']}.rdf")
        assert shapes_violations(g) == [], slug
        (ds,) = g.subjects(ns.RDF.type, ns.DCAT.Dataset)
        assert g.value(ds, ns.DCTERMS.publisher) == PUBLISHER
        assert g.value(ds, ns.DCTERMS.spatial) == URIRef("http://sws.geonames.org/2686466/")
        assert g.value(ds, ns.DCTERMS.accessRights) == URIRef(f"{EU}/access-right/PUBLIC")
        assert not isinstance(g.value(ds, ns.DCAT.contactPoint), BNode)
        assert {t.language for t in g.objects(ds, ns.DCTERMS.title)} == {"sv", "en"}
        resources = {r["url"]: r for r in package["resources"]}
        dists = list(g.objects(ds, ns.DCAT.distribution))
        assert len(dists) == len(resources)
        for dist in dists:
            resource = resources[str(g.value(dist, ns.DCAT.downloadURL))]
            assert g.value(dist, ns.DCTERMS["format"]) == Literal(resource["mimetype"])  # DCAT-AP-SE
            assert g.value(dist, ns.DCAT.mediaType) is None
            value = g.value(g.value(dist, URIRef(SPDX + "checksum")), URIRef(SPDX + "checksumValue"))
            assert re.fullmatch(r"[0-9a-f]{64}", str(value)) and str(value) == resource["hash"]
        assert ds in set(catalog.subjects(ns.RDF.type, ns.DCAT.Dataset))


def consume(rdf_bytes: bytes, tmp: Path) -> list[dict[str, Any]]:
    """ckanext-dcat's RDFParser with the portal's own profiles (``ckan dcat consume``)."""
    path = tmp / "portal.rdf"
    path.write_bytes(rdf_bytes)
    out = subprocess.run(
        [str(CKAN), "-c", str(INI), "dcat", "consume", "-f", "xml", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    datasets: list[dict[str, Any]] = json.loads(out.stdout)
    return datasets


def test_ckanext_dcats_parser_reads_every_language_of_the_portals_rdf(
    ckan_env, project_copy, portal_names, ckan_anon, tmp_path, unique_name
):
    target = CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-")
    name = portal_names("skolor-wifi")
    b = built(project_copy, "skolor-wifi", tmp_path / "w")
    target.publish(b)
    package = ckan_anon.action.package_show(id=name)

    (parsed,) = consume(download(f"{ckan_env.url}/dataset/{name}.rdf"), tmp_path)
    assert parsed["title_translated"] == b.manifest.title.root == package["title_translated"]
    assert parsed["notes_translated"] == package["notes_translated"]
    assert set(parsed["notes_translated"]) == {"sv", "en"}
    assert {k: sorted(v) for k, v in parsed["tags_translated"].items()} == {
        k: sorted(v) for k, v in b.manifest.keywords.items()
    }
    assert {t["name"] for t in parsed["tags"]} >= {"skola", "school"}
    csv = by_key(package)["data-csv"]
    resources = {r["url"]: r for r in parsed["resources"]}
    assert resources[csv["url"]]["hash"] == csv["hash"]  # the plain hex, as written

    # The same from the whole catalog, as a harvester of /catalog.rdf reads it.
    everything = consume(download(f"{ckan_env.url}/catalog.rdf"), tmp_path)
    ours = [d for d in everything if d.get("title_translated", {}).get("sv") == b.manifest.title.get("sv")]
    assert ours and all(set(d["title_translated"]) == {"sv", "en"} for d in ours)


def test_a_portal_without_the_dcat_ap_se_format_rule_writes_format_and_media_type_as_uris(
    ckan_env, project_copy, portal_names, ckan_anon, tmp_path, unique_name
):
    """A DCAT-AP-NO portal (``format_as_literal`` false): every official shape, unrelaxed."""
    target = CkanTarget(CkanClient(ckan_env.url, ckan_env.api_token), prefix=f"{unique_name}-")
    name = portal_names("bredband")
    target.publish(built(project_copy, "bredband", tmp_path / "w"))
    package = ckan_anon.action.package_show(id=name)
    ini = tmp_path / "ckan-no.ini"
    ini.write_text(INI.read_text(encoding="utf-8"), encoding="utf-8")
    facts = {"name": "Eksempel kommune", "country": "NO", "organization_number": "123456789"}
    lines = [f"{k}={v}" for k, v in catalog_config().settings(facts).items()]
    subprocess.run([str(CKAN), "config-tool", str(ini), *lines], capture_output=True, timeout=120, check=True)
    (tmp_path / "package.json").write_text(json.dumps(package), encoding="utf-8")
    out = subprocess.run(
        [str(CKAN), "-c", str(ini), "dcat", "produce", "-f", "xml", str(tmp_path / "package.json")],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    g = Graph().parse(data=out.stdout, format="xml")
    for version in ("3.0.0", "3.0.1"):
        assert check(g, literal_format=False, version=version).violations == []
    media = {str(by_key(package)[k]["url"]): by_key(package)[k]["mimetype"] for k in ("data-csv", "data-parquet")}
    for dist in g.subjects(ns.RDF.type, ns.DCAT.Distribution):
        url = str(g.value(dist, ns.DCAT.downloadURL))
        if url in media:
            assert g.value(dist, ns.DCAT.mediaType) == URIRef(
                f"http://www.iana.org/assignments/media-types/{media[url]}"
            )
            assert str(g.value(dist, ns.DCTERMS["format"])).startswith(f"{EU}/file-type/")


def catalog_config() -> Any:
    """scripts/ckan_catalog_config.py as a module (it is a script, not part of a package)."""
    spec = importlib.util.spec_from_file_location("ckan_catalog_config", REPO_ROOT / "scripts/ckan_catalog_config.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
