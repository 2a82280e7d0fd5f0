"""Publishers as configuration (publishers/<id>.yaml): the model's checks, the cascade, and a
catalog of two publishers, each with its own DCAT catalog in its own profile."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns

from opendata import build
from opendata.errors import ManifestError
from opendata.manifest import load_manifest
from opendata.publishers import all_publishers, datasets_of, organization_number_problem
from publish.local import LocalCatalog
from tests.dcat_shacl import check

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://data.example.org/opendata/"


def copy_project(tmp: Path) -> Path:
    for name in ("datasets", "schemas", "publishers"):
        shutil.copytree(ROOT / name, tmp / name)
    return tmp


def test_bundled_publishers_and_every_dataset_names_one() -> None:
    publishers = {p.id: p for p in all_publishers(ROOT / "datasets")}
    assert set(publishers) == {"ornskoldsvik", "moss"}
    moss = publishers["moss"]
    assert [c.code for c in moss.municipality_codes] == ["3103", "3002", "0104"]
    assert (moss.license, moss.dcat_profile, moss.language) == ("NLOD-2.0", "DCAT-AP-NO", "nb")
    assert "organization_number" in moss.unverified  # said so, until checked in Enhetsregisteret
    assert publishers["ornskoldsvik"].organization_number == "212000-2445"
    for folder in sorted((ROOT / "datasets").glob("*/dataset.yaml")):
        text = folder.read_text(encoding="utf-8")
        assert any(line.startswith("publisher: ") for line in text.splitlines()), folder


def test_a_dataset_takes_its_publishers_language_licence_place_and_time_zone() -> None:
    m = load_manifest(ROOT / "datasets" / "moss-strategi-tiltak")
    assert (m.language, m.license, m.publisher.id, m.publisher.country) == ("nb", "NLOD-2.0", "moss", "NO")
    assert (m.spatial.municipality_code, m.schedule.timezone) == ("3103", "Europe/Oslo")
    assert m.publisher.organization == "moss-kommune" and m.contact.email.endswith("@moss.kommune.no")
    sv = load_manifest(ROOT / "datasets" / "nyckeltal")
    # the dataset's own licence wins over the publisher's
    assert (sv.language, sv.license, sv.schedule.timezone) == ("sv", "CC-BY-4.0", "Europe/Stockholm")


@pytest.mark.parametrize(
    ("country", "number", "ok"),
    [("SE", "212000-2445", True), ("SE", "212000-2446", False), ("NO", "944383565", True), ("NO", "944383566", False)],
)
def test_organisation_numbers_are_checked_by_their_check_digit(country: str, number: str, ok: bool) -> None:
    assert (organization_number_problem(country, number) is None) == ok


def test_mistakes_in_a_publisher_file_are_one_sentence(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    path = project / "publishers" / "moss.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("dcat_profile: DCAT-AP-NO", "dcat_profile: DCAT-AP-SE"), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"publishers/moss\.yaml.*set dcat_profile: DCAT-AP-NO"):
        load_manifest(project / "datasets" / "moss-strategi-tiltak")
    path.write_text(text.replace("timezone:", "time_zone:"), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"publishers/moss\.yaml.*time_zone"):
        load_manifest(project / "datasets" / "moss-strategi-tiltak")
    path.write_text(text, encoding="utf-8")
    manifest = project / "datasets" / "moss-strategi-tiltak" / "dataset.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("publisher: moss", "publisher: mos"), "utf-8")
    with pytest.raises(ManifestError, match=r"publisher 'mos' has no file .*publishers there: moss, ornskoldsvik"):
        load_manifest(project / "datasets" / "moss-strategi-tiltak")


def test_shared_defaults_may_not_set_what_a_publisher_owns(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    defaults = project / "datasets" / "_defaults.yaml"
    defaults.write_text(defaults.read_text(encoding="utf-8") + "language: sv\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"_defaults\.yaml: sets language, which belong to each publisher"):
        load_manifest(project / "datasets" / "moss-strategi-tiltak")


@pytest.fixture(scope="module")
def two_publishers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("publishers"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENDATA_ARCHIVE", str(project / "archive"))
        mp.setenv("OPENDATA_CATALOG_BASE_URL", BASE)
        catalog = LocalCatalog(project / "catalog")
        for slug in sorted(p.parent.name for p in (project / "datasets").glob("*/dataset.yaml")):  # all bundled
            m = load_manifest(project / "datasets" / slug)
            raw = build.extract(m, record=False)
            prepared, report = build.validate(m, build.parse(m, raw))
            catalog.publish(build.convert(m, prepared, report, raw, project / "work" / slug))
    return project / "catalog"


def test_each_publisher_has_its_own_catalog_and_no_mixed_one(two_publishers: Path) -> None:
    assert not (two_publishers / "catalog.rdf").exists()  # a DCAT catalog has one publisher
    index = (two_publishers / "index.html").read_text(encoding="utf-8")
    for pid in ("ornskoldsvik", "moss"):
        assert (two_publishers / "publishers" / pid / "catalog.ttl").is_file()
        assert f'href="publishers/{pid}/catalog.rdf"' in index
    assert '<option value="Moss kommune">' in index and '<option value="Örnsköldsviks kommun">' in index


@pytest.mark.parametrize("pid", ["ornskoldsvik", "moss"])
def test_both_publishers_catalogs_pass_the_dcat_ap_3_shapes(two_publishers: Path, pid: str) -> None:
    g = Graph().parse(two_publishers / "publishers" / pid / "catalog.rdf", format="xml")
    assert check(g, literal_format=pid == "ornskoldsvik", version="3.0.0").violations == []
    assert check(g, literal_format=pid == "ornskoldsvik", version="3.0.1").violations == []
    slugs = {str(d).rsplit("#", 1)[-1] for d in g.subjects(ns.RDF.type, ns.DCAT.Dataset)}
    assert slugs == set(datasets_of(ROOT / "datasets", pid)) and len(slugs) >= 2


def test_moss_comes_out_as_dcat_ap_no_in_bokmal_under_nlod(two_publishers: Path) -> None:
    g = Graph().parse(two_publishers / "publishers" / "moss" / "catalog.rdf", format="xml")
    catalog = g.value(predicate=ns.RDF.type, object=ns.DCAT.Catalog)
    assert catalog == URIRef(BASE + "publishers/moss/catalog.rdf")
    assert Literal("Åpne data fra Moss kommune", lang="nb") in set(g.objects(catalog, ns.DCTERMS.title))
    ds = URIRef(BASE + "publishers/moss/catalog.rdf#moss-strategi-tiltak")
    assert {t.language for t in g.objects(ds, ns.DCTERMS.title)} == {"nb", "en"}
    assert g.value(ds, ns.DCTERMS.publisher) == URIRef("https://data.brreg.no/enhetsregisteret/api/enheter/944383565")
    dist = next(iter(g.objects(ds, ns.DCAT.distribution)))
    assert g.value(dist, ns.DCTERMS.license) == URIRef("https://data.norge.no/nlod/no/2.0")
    assert str(g.value(dist, ns.DCTERMS["format"])).startswith("http://publications.europa.eu/resource/authority/")
    assert (g.value(ds, ns.DCTERMS.spatial), None) != (None, None)
    sv = Graph().parse(two_publishers / "publishers" / "ornskoldsvik" / "catalog.rdf", format="xml")
    sv_ds = URIRef(BASE + "publishers/ornskoldsvik/catalog.rdf#strategi-uppfoljning")
    assert sv.value(sv_ds, ns.DCTERMS.publisher) == URIRef("http://dataportal.se/organisation/SE2120002445")


def test_publish_takes_a_publisher_and_names_the_known_ones(project: Path) -> None:
    from typer.testing import CliRunner

    from opendata.cli import app

    moss = datasets_of(project / "datasets", "moss")
    assert "moss-strategi-tiltak" in moss and "bredband" not in moss
    result = CliRunner().invoke(app, ["publish", "--publisher", "oslo"])
    assert result.exit_code == 2 and "no publisher 'oslo'" in result.output and "moss, ornskoldsvik" in result.output
    result = CliRunner().invoke(app, ["publish", "bredband", "--publisher", "moss"])
    assert result.exit_code == 2 and "not both" in result.output


def test_the_ssb_series_joins_exactly_the_codes_moss_has_had() -> None:
    m = load_manifest(ROOT / "datasets" / "moss-nokkeltall")
    moss = next(p for p in all_publishers(ROOT / "datasets") if p.id == "moss")
    assert m.source.type == "ssb" and m.source.municipality is not None
    spans = [(c.code, c.first_year, c.last_year) for c in m.source.municipality.codes]
    years = [
        (c.code, c.valid_from.year if c.valid_from else None, c.valid_to.year if c.valid_to else None)
        for c in moss.municipality_codes
    ]
    assert spans == years == [("3103", 2024, None), ("3002", 2020, 2023), ("0104", None, 2019)]
    assert m.sample_data and "eksempeldata" in m.title.get("nb").lower()
