"""Validate a DCAT graph with pyshacl against the official DCAT-AP 3.0.0 shapes (tests/shacl/).

Returns the violations and the warnings (recommended properties) as readable lines, so a
failing test shows what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SH, XSD

SHAPES = Path(__file__).parent / "shacl"
# "DCAT-AP 3.0.0 full" as the Interoperable Europe testbed runs it, and the 3.0.1 single file.
SETS = {
    "3.0.0": (
        "html_shacl_shapes.ttl",
        "html_shacl_range.ttl",
        "html_shacl_shapes_recommended.ttl",
        "html_shacl_deprecateduris.ttl",
    ),
    "3.0.1": ("dcat-ap-3.0.1-SHACL.ttl",),
}
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
# The subclass axioms the shapes' owl:imports would bring (no download in tests).
ONTOLOGY = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{VCARD}Organization> rdfs:subClassOf <{VCARD}Kind> .
<{VCARD}Individual> rdfs:subClassOf <{VCARD}Kind> .
<{FOAF}Organization> rdfs:subClassOf <{FOAF}Agent> .
<{FOAF}Person> rdfs:subClassOf <{FOAF}Agent> .
<{DCTERMS}MediaType> rdfs:subClassOf <{DCTERMS}MediaTypeOrExtent> .
"""


@dataclass(frozen=True)
class Result:
    violations: list[str]
    warnings: list[str]


def _drop(g: Graph, path: URIRef, constraint: URIRef, value: URIRef) -> None:
    """Remove the property shapes on ``path`` that carry ``constraint value``."""
    for prop in list(g.subjects(SH.path, path)):
        if (prop, constraint, value) in g:
            for parent, link in list(g.subject_predicates(prop)):
                g.remove((parent, link, prop))


@cache
def shapes(version: str, literal_format: bool) -> Graph:
    g = Graph()
    for name in SETS[version]:
        g.parse(SHAPES / name, format="turtle")
    # Erratum of html_shacl_range.ttl 3.0.0: byteSize xsd:decimal, where the 3.0.0 and 3.0.1
    # single-file shapes (and DCAT-AP-SE) say xsd:nonNegativeInteger.
    _drop(g, DCAT.byteSize, SH.datatype, XSD.decimal)
    if literal_format:  # DCAT-AP-SE: dcterms:format is a literal (tests/shacl/SOURCE.md)
        _drop(g, DCTERMS["format"], SH["class"], DCTERMS.MediaTypeOrExtent)
        _drop(g, DCTERMS["format"], SH.nodeKind, SH.BlankNodeOrIRI)
    return g


def check(data: Graph, *, literal_format: bool, version: str = "3.0.0") -> Result:
    ont = Graph().parse(data=ONTOLOGY, format="turtle")
    _, report, _ = validate(
        data,
        shacl_graph=shapes(version, literal_format),
        ont_graph=ont,
        inference="rdfs",
        advanced=True,
        allow_warnings=True,
    )
    found: dict[URIRef, list[str]] = {SH.Violation: [], SH.Warning: [], SH.Info: []}
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(result, SH.resultSeverity)
        line = (
            f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}: "
            f"{report.value(result, SH.resultMessage)}"
        )
        found.setdefault(severity, []).append(line)
    return Result(sorted(found[SH.Violation]), sorted(found[SH.Warning] + found[SH.Info]))
