"""The local catalog's DCAT: valid against the official DCAT-AP 3 shapes, and DCAT-AP-SE's own
rules (which have no SHACL) asserted directly; a Norwegian publisher gets DCAT-AP-NO."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as ns

from opendata import build
from opendata.build import Build
from opendata.errors import ManifestError
from opendata.manifest import load_manifest
from publish.local import LocalCatalog
from publish.local_dcat import base_url
from tests.dcat_shacl import VCARD, check
from tests.helpers import write_dataset

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://data.example.org/oppnadata/"
SPDX = "http://spdx.org/rdf/terms#"
SLUGS = ("bredband", "nyckeltal", "skolor-wifi", "strategi-uppfoljning")


def built(project: Path, slug: str) -> Build:
    m = load_manifest(project / "datasets" / slug)
    raw = build.extract(m)
    prepared, report = build.validate(m, build.parse(m, raw))
    return build.convert(m, prepared, report, raw, project / "work" / slug)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bundled dataset, published to a local catalog served at BASE."""
    root = tmp_path_factory.mktemp("dcat")
    for name in ("datasets", "schemas", "publishers"):
        shutil.copytree(ROOT / name, root / name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENDATA_ARCHIVE", str(root / "archive"))
        mp.setenv("OPENDATA_CATALOG_BASE_URL", BASE)
        catalog = LocalCatalog(root / "catalog")
        for slug in SLUGS:
            catalog.publish(built(root, slug))
    return root / "catalog"


@pytest.fixture(scope="module")
def graph(published: Path) -> Graph:
    return Graph().parse(published / "catalog.rdf", format="xml")


def test_local_catalog_rdf_has_zero_violations_of_dcat_ap_3(graph: Graph) -> None:
    full = check(graph, literal_format=True, version="3.0.0")  # shapes + range + recommended + deprecated
    assert full.violations == []
    # Recommended properties are warnings: only what we cannot know is left (no temporal
    # coverage for the school inventory; no bounding box for the municipality).
    assert all(re.search(r"(temporal|bbox|centroid)", w) for w in full.warnings), full.warnings
    assert check(graph, literal_format=True, version="3.0.1").violations == []


def test_turtle_and_rdfxml_hold_the_same_graph(published: Path, graph: Graph) -> None:
    turtle = Graph().parse(published / "catalog.ttl", format="turtle")
    assert len(turtle) == len(graph) > 100
    assert 'href="catalog.rdf"' in (published / "index.html").read_text()


def test_dcat_ap_se_rules_without_shacl(published: Path, graph: Graph) -> None:
    catalog = graph.value(predicate=ns.RDF.type, object=ns.DCAT.Catalog)
    assert catalog == URIRef(BASE + "catalog.rdf")
    datasets = set(graph.objects(catalog, ns.DCAT.dataset))
    assert len(datasets) == len(SLUGS)
    distributions = {d for ds in datasets for d in graph.objects(ds, ns.DCAT.distribution)}
    publishers = set(graph.objects(None, ns.DCTERMS.publisher))
    contacts = set(graph.objects(None, ns.DCAT.contactPoint))
    assert len(distributions) == 2 * len(SLUGS)
    for node in {catalog, *datasets, *distributions, *publishers, *contacts}:  # no blank nodes
        assert isinstance(node, URIRef) and not isinstance(node, BNode), node
    # The catalog: CC0, titled and described in Swedish and English, one publisher URI.
    assert set(graph.objects(catalog, ns.DCTERMS.license)) == {
        URIRef("http://creativecommons.org/publicdomain/zero/1.0/")
    }
    assert publishers == {URIRef("http://dataportal.se/organisation/SE2120002445")}
    (publisher,) = publishers
    assert graph.value(publisher, ns.DCTERMS.type) == URIRef("http://purl.org/adms/publishertype/LocalAuthority")
    assert graph.value(publisher, ns.FOAF.name) == Literal("Örnsköldsviks kommun", lang="sv")
    for node in (catalog, *datasets):
        for prop in (ns.DCTERMS.title, ns.DCTERMS.description):
            assert {o.language for o in graph.objects(node, prop)} == {"sv", "en"}, (node, prop)
    for ds in datasets:
        keywords = list(graph.objects(ds, ns.DCAT.keyword))
        assert keywords and {k.language for k in keywords} == {"sv", "en"}
        assert graph.value(ds, ns.DCTERMS.accessRights).endswith("/access-right/PUBLIC")
        assert graph.value(ds, ns.DCTERMS.spatial) == URIRef("http://sws.geonames.org/2686466/")
    # Distributions: dct:format a MIME literal, no dcat:mediaType, plain-hex sha256.
    entries = json.loads((published / "catalog.json").read_text())["datasets"]
    files = {f"{BASE}{f['path']}": f for e in entries.values() for f in e["files"]}
    for dist in distributions:
        fmt = graph.value(dist, ns.DCTERMS["format"])
        assert isinstance(fmt, Literal) and str(fmt) in {"text/csv", "application/vnd.apache.parquet"}
        assert graph.value(dist, ns.DCAT.mediaType) is None
        url = graph.value(dist, ns.DCAT.downloadURL)
        assert url == graph.value(dist, ns.DCAT.accessURL) and str(url) in files
        checksum = graph.value(dist, URIRef(SPDX + "checksum"))
        value = graph.value(checksum, URIRef(SPDX + "checksumValue"))
        assert value.datatype == ns.XSD.hexBinary and re.fullmatch(r"[0-9a-f]{64}", str(value))
        assert str(value) == files[str(url)]["sha256"]
        assert int(graph.value(dist, ns.DCAT.byteSize)) == files[str(url)]["bytes"]
        assert str(graph.value(dist, ns.DCTERMS.conformsTo)).endswith("/schema.json")
    for contact in contacts:
        assert (contact, ns.RDF.type, VCARD.Organization) in graph
        assert str(graph.value(contact, VCARD.hasEmail)).startswith("mailto:")


def test_issued_and_modified_follow_the_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("datasets", "schemas", "publishers"):
        shutil.copytree(ROOT / name, tmp_path / name)
    catalog = LocalCatalog(tmp_path / "catalog")
    catalog.publish(built(tmp_path, "skolor-wifi"))
    entry = json.loads((tmp_path / "catalog/catalog.json").read_text())["datasets"]["skolor-wifi"]
    first = dict(entry["dates"])
    source = tmp_path / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().replace(b";46;", b";47;"))
    monkeypatch.setattr("publish.local.datetime", _Frozen)
    catalog.publish(built(tmp_path, "skolor-wifi"))
    g = Graph().parse(tmp_path / "catalog/catalog.rdf", format="xml")
    ds = URIRef(base_url(tmp_path / "catalog") + "catalog.rdf#skolor-wifi")  # the default base URL
    assert str(g.value(ds, ns.DCTERMS.issued)) == first["first_published"]
    assert str(g.value(ds, ns.DCTERMS.modified)) == "2030-01-01T00:00:00+00:00" != first["content_changed"]


class _Frozen:
    """publish.local's clock, stopped at 2030-01-01 (the content changes then)."""

    @staticmethod
    def now(tz: object = None) -> object:
        from datetime import UTC, datetime

        return datetime(2030, 1, 1, tzinfo=UTC)

    @staticmethod
    def fromisoformat(text: str) -> object:
        from datetime import datetime

        return datetime.fromisoformat(text)


NO_PUBLISHER = {
    "name": "Testkommune",
    "uri": "https://example.no/",
    "organization": "testkommune",
    "country": "NO",
    "organization_number": "123456785",  # test value, not a real organisation
}


def norwegian(tmp_path: Path, **publisher: object) -> Path:
    write_dataset(
        tmp_path,
        "befolkning",
        [{"name": "aar", "type": "integer"}, {"name": "antall", "type": "integer"}],
        b"aar,antall\n2023,49000\n2024,50000\n",
        language="nb",
        license="NLOD-2.0",
        title={"nb": "Befolkning", "en": "Population"},
        description={"nb": "Innbyggere per år.", "en": "Inhabitants per year."},
        keywords={"nb": ["befolkning"], "en": ["population"]},
        publisher={**NO_PUBLISHER, **publisher},
    )
    return tmp_path


def test_a_norwegian_publisher_gets_dcat_ap_no(tmp_path: Path) -> None:
    project = norwegian(tmp_path)
    LocalCatalog(project / "catalog").publish(built(project, "befolkning"))
    g = Graph().parse(project / "catalog/catalog.rdf", format="xml")
    assert check(g, literal_format=False, version="3.0.0").violations == []  # every constraint, no override
    assert check(g, literal_format=False, version="3.0.1").violations == []
    ds = g.value(predicate=ns.RDF.type, object=ns.DCAT.Dataset)
    assert g.value(ds, ns.DCTERMS.publisher) == URIRef("https://data.brreg.no/enhetsregisteret/api/enheter/123456785")
    assert {t.language for t in g.objects(ds, ns.DCTERMS.title)} == {"nb", "en"}
    catalog = g.value(predicate=ns.RDF.type, object=ns.DCAT.Catalog)
    assert {t.language for t in g.objects(catalog, ns.DCTERMS.title)} == {"nb", "en"}
    formats = {g.value(d, ns.DCTERMS["format"]) for d in g.objects(ds, ns.DCAT.distribution)}
    assert formats == {
        URIRef("http://publications.europa.eu/resource/authority/file-type/CSV"),
        URIRef("http://publications.europa.eu/resource/authority/file-type/PARQUET"),
    }
    media = {g.value(d, ns.DCAT.mediaType) for d in g.objects(ds, ns.DCAT.distribution)}
    assert URIRef("http://www.iana.org/assignments/media-types/text/csv") in media
    assert g.value(next(g.objects(ds, ns.DCAT.distribution)), ns.DCTERMS.license) == URIRef(
        "https://data.norge.no/nlod/no/2.0"
    )


@pytest.mark.parametrize(
    ("publisher", "message"),
    [
        ({"country": None}, "publisher.country is not set"),
        ({"organization_number": None}, "publisher.organization_number is not set"),
        ({"organization_number": "212000-2445"}, "is not a NO organisation number; expected the form 123456789"),
    ],
)
def test_missing_dcat_fields_stop_publishing_with_a_clear_message(
    tmp_path: Path, publisher: dict[str, object], message: str
) -> None:
    fields = {k: v for k, v in publisher.items() if v is not None}
    project = norwegian(tmp_path, **fields)
    manifest = project / "datasets/befolkning/dataset.yaml"
    text = manifest.read_text(encoding="utf-8")
    for key, value in publisher.items():
        if value is None:
            text = re.sub(rf"\n\s+{key}: .*", "", text)
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=re.escape(message)) as caught:
        LocalCatalog(project / "catalog").publish(built(project, "befolkning"))
    assert "datasets/befolkning/dataset.yaml" in str(caught.value)
    assert not (project / "catalog/catalog.json").exists()  # nothing half-published


def test_a_new_base_url_rewrites_the_catalog_even_when_no_data_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("datasets", "schemas", "publishers"):
        shutil.copytree(ROOT / name, tmp_path / name)
    catalog = LocalCatalog(tmp_path / "catalog")
    b = built(tmp_path, "strategi-uppfoljning")
    monkeypatch.setenv("OPENDATA_CATALOG_BASE_URL", "https://old.example.org/data")
    catalog.publish(b)
    monkeypatch.setenv("OPENDATA_CATALOG_BASE_URL", "https://new.example.org/data/")
    assert catalog.publish(b).change == "unchanged"
    text = (tmp_path / "catalog/catalog.rdf").read_text(encoding="utf-8")
    assert "https://new.example.org/data/strategi-uppfoljning/data.csv" in text and "old.example.org" not in text
