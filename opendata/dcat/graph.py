"""The DCAT catalog graph (rdflib) from dataset records, as the publisher's profile wants it.

No blank node for catalog, dataset, distribution, publisher or contact (dataportal.se refuses
them); only a checksum and a period of time are blank. External concepts (themes, licences,
languages...) are typed as DCAT-AP's range shapes expect, so a validator needs no download.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from opendata.dcat.profiles import (
    EU,
    FILE_TYPES,
    IANA,
    LICENCE_TYPES,
    PUBLISHER_TYPES,
    THEME_LABELS,
    Profile,
    language_uri,
    licence_uri,
)
from opendata.dcat.records import DISTRIBUTIONS, DatasetRecord, profile_for
from opendata.manifest import Publisher

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
ADMS_TYPE = "http://purl.org/adms/publishertype/"


@dataclass(frozen=True)
class CatalogInfo:
    uri: str  # the catalog's own URI (where catalog.rdf is served)
    base_url: str  # relative file URLs resolve against it
    homepage: str  # a page a person reads
    publisher: Publisher
    where: str  # the file that sets the publisher, for error messages


def catalog_graph(info: CatalogInfo, records: list[DatasetRecord]) -> Graph:
    profile = profile_for(info.publisher, info.where)
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF), ("vcard", VCARD), ("spdx", SPDX)):
        g.bind(prefix, ns)
    g.bind("dcatap", DCATAP)
    catalog = URIRef(info.uri)
    publisher = _publisher(g, profile, info.publisher)
    g.add((catalog, RDF.type, DCAT.Catalog))
    for lang in profile.languages:
        g.add(
            (catalog, DCTERMS.title, Literal(profile.catalog_title[lang].format(name=info.publisher.name), lang=lang))
        )
        text = profile.catalog_description[lang].format(name=info.publisher.name)
        g.add((catalog, DCTERMS.description, Literal(text, lang=lang)))
        g.add((catalog, DCTERMS.language, _typed(g, _language(lang), DCTERMS.LinguisticSystem)))
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, DCTERMS.license, _licence(g, profile.catalog_license)))
    g.add((catalog, FOAF.homepage, _typed(g, info.homepage, FOAF.Document)))
    taxonomy = _typed(g, f"{EU}/data-theme", SKOS.ConceptScheme)
    g.add((catalog, DCAT.themeTaxonomy, taxonomy))
    g.add((taxonomy, DCTERMS.title, Literal("Data theme", lang="en")))
    if records:
        g.add((catalog, DCTERMS.issued, _datetime(min(r.issued for r in records))))
        g.add((catalog, DCTERMS.modified, _datetime(max(r.modified for r in records))))
        for place in sorted({r.spatial.location_uri for r in records if r.spatial.location_uri}):
            g.add((catalog, DCTERMS.spatial, _typed(g, place, DCTERMS.Location)))
    for record in sorted(records, key=lambda r: r.slug):
        g.add((catalog, DCAT.dataset, _dataset(g, profile, info, record)))
    return g


def _dataset(g: Graph, profile: Profile, info: CatalogInfo, r: DatasetRecord) -> URIRef:
    ds = URIRef(r.uri or f"{info.uri}#{r.slug}")
    g.add((ds, RDF.type, DCAT.Dataset))
    for lang, text in r.title.root.items():
        g.add((ds, DCTERMS.title, Literal(text, lang=lang)))
    for lang, text in r.description.root.items():
        g.add((ds, DCTERMS.description, Literal(text, lang=lang)))
    for lang, words in r.keywords.items():
        for word in words:
            g.add((ds, DCAT.keyword, Literal(word, lang=lang)))
    for theme in r.themes:
        g.add((ds, DCAT.theme, _concept(g, f"{EU}/data-theme/{theme}", THEME_LABELS[theme])))
    g.add((ds, DCTERMS.publisher, _publisher(g, profile, r.publisher)))
    g.add((ds, DCAT.contactPoint, _contact(g, info, r)))
    g.add((ds, DCTERMS.accessRights, _typed(g, f"{EU}/access-right/PUBLIC", DCTERMS.RightsStatement)))
    g.add((ds, DCTERMS.accrualPeriodicity, _typed(g, f"{EU}/frequency/{r.frequency}", DCTERMS.Frequency)))
    g.add((ds, DCTERMS.issued, _datetime(r.issued)))
    g.add((ds, DCTERMS.modified, _datetime(r.modified)))
    for lang in dict.fromkeys([r.language, *r.title.root]):
        g.add((ds, DCTERMS.language, _typed(g, _language(lang), DCTERMS.LinguisticSystem)))
    place = URIRef(r.spatial.location_uri or "")
    g.add((ds, DCTERMS.spatial, _typed(g, str(place), DCTERMS.Location)))
    g.add((place, SKOS.prefLabel, Literal(r.spatial.name, lang=r.language)))
    g.add((place, DCTERMS.identifier, Literal(r.spatial.municipality_code)))
    if r.temporal:
        period = BNode(f"period-{r.slug}")  # named, so the output is the same every run
        g.add((ds, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(r.temporal.start.isoformat(), datatype=XSD.date)))
        if r.temporal.end:
            g.add((period, DCAT.endDate, Literal(r.temporal.end.isoformat(), datatype=XSD.date)))
    page = URIRef(urljoin(info.base_url, r.landing_page or f"index.html#{r.slug}"))
    g.add((ds, DCAT.landingPage, _typed(g, str(page), FOAF.Document)))
    g.add((ds, DCTERMS.identifier, Literal(str(ds))))
    schema = URIRef(urljoin(info.base_url, r.schema_url)) if r.schema_url else None
    for f in r.files:
        dist = URIRef(f.uri or f"{ds}-{f.key.removeprefix('data-')}")
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        for lang in dict.fromkeys([r.language, "en"]):
            title, about = DISTRIBUTIONS[f.key].get(lang, DISTRIBUTIONS[f.key]["en"])
            g.add((dist, DCTERMS.title, Literal(title, lang=lang)))
            g.add((dist, DCTERMS.description, Literal(about, lang=lang)))
        url = URIRef(urljoin(info.base_url, f.url))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.downloadURL, url))
        _format(g, profile, dist, f.media_type)
        g.add((dist, DCTERMS.license, _licence(g, r.license_uri)))
        g.add((dist, DCAT.byteSize, Literal(f.bytes, datatype=XSD.nonNegativeInteger)))
        g.add((dist, DCTERMS.modified, _datetime(r.modified)))
        checksum = BNode(f"checksum-{r.slug}-{f.key}")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, _typed(g, str(SPDX.checksumAlgorithm_sha256), SPDX.ChecksumAlgorithm)))
        g.add((checksum, SPDX.checksumValue, Literal(f.sha256, datatype=XSD.hexBinary)))
        g.add((dist, DCATAP.availability, _concept(g, f"{EU}/planned-availability/STABLE", "Stable")))
        if schema is not None:
            g.add((dist, DCTERMS.conformsTo, _typed(g, str(schema), DCTERMS.Standard)))
    return ds


def _format(g: Graph, profile: Profile, dist: URIRef, media_type: str) -> None:
    if profile.format_as_literal:
        g.add((dist, DCTERMS["format"], Literal(media_type)))
        return
    code = FILE_TYPES.get(media_type, "BIN")
    g.add((dist, DCTERMS["format"], _typed(g, f"{EU}/file-type/{code}", DCTERMS.MediaTypeOrExtent)))
    g.add((dist, DCAT.mediaType, _typed(g, f"{IANA}{media_type}", DCTERMS.MediaType)))


def _publisher(g: Graph, profile: Profile, p: Publisher) -> URIRef:
    node = URIRef(profile.publisher_uri(p.organization_number or ""))
    g.add((node, RDF.type, FOAF.Agent))
    g.add((node, RDF.type, FOAF.Organization))
    for lang in profile.languages[:1]:
        g.add((node, FOAF.name, Literal(p.name, lang=lang)))
    g.add((node, DCTERMS.type, _concept(g, f"{ADMS_TYPE}{p.type}", PUBLISHER_TYPES[p.type])))
    g.add((node, DCTERMS.identifier, Literal(p.organization_number or "")))
    g.add((node, FOAF.homepage, _typed(g, p.uri, FOAF.Document)))
    if p.email:
        g.add((node, FOAF.mbox, URIRef(f"mailto:{p.email}")))
    return node


def _contact(g: Graph, info: CatalogInfo, r: DatasetRecord) -> URIRef:
    node = URIRef(f"{info.uri}#contact-{re.sub(r'[^a-z0-9]+', '-', r.contact.email.lower()).strip('-')}")
    g.add((node, RDF.type, VCARD.Organization))
    g.add((node, RDF.type, VCARD.Kind))
    g.add((node, VCARD.fn, Literal(r.contact.name)))
    g.add((node, VCARD.hasEmail, URIRef(f"mailto:{r.contact.email}")))
    return node


def _licence(g: Graph, uri: str) -> URIRef:
    node = _typed(g, licence_uri(uri), DCTERMS.LicenseDocument)
    kind = LICENCE_TYPES.get(str(node))
    if kind:
        g.add((node, DCTERMS.type, _concept(g, f"http://purl.org/adms/licencetype/{kind[0]}", kind[1])))
    return node


def _concept(g: Graph, uri: str, label: str) -> URIRef:
    node = _typed(g, uri, SKOS.Concept)
    g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
    return node


def _typed(g: Graph, uri: str, cls: URIRef) -> URIRef:
    node = URIRef(uri)
    g.add((node, RDF.type, cls))
    return node


def _language(lang: str) -> str:
    return language_uri(lang)


def _datetime(value: datetime) -> Literal:
    return Literal(value.isoformat(timespec="seconds"), datatype=XSD.dateTime)


class _Sorted(Graph):
    """A graph that lists subjects and properties in sorted order: rdflib's RDF/XML writers
    otherwise follow set order, which changes from run to run."""

    def subjects(self, predicate: Any = None, object: Any = None, unique: bool = False) -> Generator[Any, None, None]:
        yield from sorted(set(super().subjects(predicate, object)), key=_key)

    def predicate_objects(self, subject: Any = None, unique: bool = False) -> Generator[Any, None, None]:
        yield from sorted(set(super().predicate_objects(subject)), key=lambda po: (_key(po[0]), _key(po[1])))

    def objects(self, subject: Any = None, predicate: Any = None, unique: bool = False) -> Generator[Any, None, None]:
        yield from sorted(set(super().objects(subject, predicate)), key=_key)


def _key(node: Any) -> tuple[str, str]:
    return (type(node).__name__, node.n3())


def serialize(graph: Graph) -> tuple[bytes, bytes]:
    """(RDF/XML, Turtle): dataportal.se reads the first; people and diffs read the second.

    Byte for byte the same for the same graph, so an unchanged catalog is not rewritten.
    """
    ordered = _Sorted()
    for prefix, ns in graph.namespaces():
        ordered.bind(prefix, ns)
    for triple in graph:
        ordered.add(triple)
    xml = ordered.serialize(format="pretty-xml")
    head, rest = xml.split("\n>\n", 1)  # the xmlns lines come in set order too: sort them
    lines = head.split("\n")
    xmlns = sorted(line for line in lines if line.lstrip().startswith("xmlns"))
    xml = "\n".join([*(line for line in lines if line not in xmlns), *xmlns]) + "\n>\n" + rest
    return xml.encode("utf-8"), graph.serialize(format="turtle", encoding="utf-8")
