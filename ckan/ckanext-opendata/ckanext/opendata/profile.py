"""A ckanext-dcat profile that runs after ``euro_dcat_ap_3`` and corrects what it emits.

ckanext-dcat 2.4.4 writes a few things the DCAT-AP 3 shapes (and DCAT-AP-SE) reject, whatever
the dataset holds: the catalog record from CKAN's site settings (title "CKAN", the language as
the literal "en", no publisher, no licence), themes and licence types without their class,
``dcat:mediaType``/``dct:format`` as literals from the resource fields, a checksum with the
``sha256:`` prefix some clients store. This profile fixes exactly those, from the dataset's own
fields and from the ``ckanext.opendata.catalog.*`` settings (scripts/ckan_catalog_config.py
prints them from the publisher's facts). Parsing, it keeps every language of the titles,
descriptions and keywords (``*_translated``), which ckanext-dcat only does for
ckanext-fluent's validators (Python 2 only on PyPI).

    ckanext.dcat.rdf.profiles = euro_dcat_ap_3 opendata_dcat_ap
"""

from __future__ import annotations

import json
import re
from functools import cache

from ckan.plugins import toolkit
from ckanext.dcat.profiles import DCAT, DCATAP, DCT, FOAF, RDF, SKOS, SPDX, RDFProfile
from ckanext.dcat.utils import resource_uri
from rdflib import Literal, URIRef

EU = "http://publications.europa.eu/resource/authority"
IANA = "http://www.iana.org/assignments/media-types/"
ADMS_LICENCE = "http://purl.org/adms/licencetype/"
PREFIX = "ckanext.opendata.catalog."
# CKAN format label -> EU file-type code (dct:format as a URI, DCAT-AP and DCAT-AP-NO).
FILE_TYPES = {
    "CSV": "CSV",
    "PARQUET": "PARQUET",
    "JSON": "JSON",
    "XLSX": "XLSX",
    "RDF": "RDF_XML",
    "TURTLE": "RDF_TURTLE",
}
# Licence URI (either scheme) -> its ADMS licence type; others keep ckanext-dcat's UnknownIPR.
LICENCE_TYPES = {
    "creativecommons.org/publicdomain/zero/1.0/": "PublicDomain",
    "creativecommons.org/licenses/by/4.0/": "Attribution",
    "data.norge.no/nlod/no/2.0": "Attribution",
}


def setting(name: str, default: str = "") -> str:
    return str(toolkit.config.get(PREFIX + name) or default).strip()


def format_as_literal() -> bool:
    """DCAT-AP-SE: ``dct:format`` is the IANA media type as a literal, no ``dcat:mediaType``."""
    return toolkit.asbool(setting("format_as_literal", "false"))


@cache
def concept_labels() -> dict[str, str]:
    return json.loads(setting("concept_labels", "{}"))


class OpendataDCATAPProfile(RDFProfile):
    # ------------------------------------------------------------------ parsing
    def parse_dataset(self, dataset_dict, dataset_ref):
        """Every language of title, description and keywords into the schema's ``*_translated``."""
        fields = {f["field_name"] for f in (self._dataset_schema or {}).get("dataset_fields", [])}
        if "title_translated" in fields:
            dataset_dict["title_translated"] = self._object_value_multilingual(dataset_ref, DCT.title)
        if "notes_translated" in fields:
            dataset_dict["notes_translated"] = self._object_value_multilingual(dataset_ref, DCT.description)
        if "tags_translated" in fields:
            words = self._object_value_list_multilingual(dataset_ref, DCAT.keyword)
            dataset_dict["tags_translated"] = words
            every = sorted({w for ws in words.values() for w in ws}, key=str.casefold)
            dataset_dict["tags"] = [{"name": w} for w in every]
        return dataset_dict

    # ------------------------------------------------------------------ serialising
    def graph_from_dataset(self, dataset_dict, dataset_ref):
        g = self.g
        for theme in g.objects(dataset_ref, DCAT.theme):
            self._concept(theme)
        for rights in g.objects(dataset_ref, DCT.accessRights):
            self._typed(rights, DCT.RightsStatement)
        for agent in g.objects(dataset_ref, DCT.publisher):
            for kind in g.objects(agent, DCT.type):
                self._concept(kind)
        for resource in dataset_dict.get("resources", []):
            self._distribution(URIRef(resource_uri(resource)), resource)

    def _distribution(self, dist, resource):
        g = self.g
        g.remove((dist, DCT["format"], None))
        g.remove((dist, DCAT.mediaType, None))
        media_type = (resource.get("mimetype") or "").strip()
        if media_type and format_as_literal():
            g.add((dist, DCT["format"], Literal(media_type)))
        elif media_type:
            code = FILE_TYPES.get((resource.get("format") or "").upper(), "BIN")
            g.add((dist, DCT["format"], self._typed(URIRef(f"{EU}/file-type/{code}"), DCT.MediaTypeOrExtent)))
            g.add((dist, DCAT.mediaType, self._typed(URIRef(IANA + media_type), DCT.MediaType)))
        for checksum in g.objects(dist, SPDX.checksum):
            for value in list(g.objects(checksum, SPDX.checksumValue)):
                plain = re.sub(r"^[A-Za-z0-9-]+:", "", str(value))  # "sha256:<hex>" -> "<hex>"
                if plain != str(value):
                    g.remove((checksum, SPDX.checksumValue, value))
                    g.add((checksum, SPDX.checksumValue, Literal(plain, datatype=value.datatype)))
        if resource.get("url_type") == "upload" and resource.get("url") and (dist, DCAT.downloadURL, None) not in g:
            g.add((dist, DCAT.downloadURL, URIRef(resource["url"])))
        for licence in g.objects(dist, DCT.license):
            kind = next((k for tail, k in LICENCE_TYPES.items() if str(licence).endswith(tail)), None)
            if kind:
                g.remove((licence, DCT.type, None))
                g.add((licence, DCT.type, URIRef(ADMS_LICENCE + kind)))
            for licence_type in g.objects(licence, DCT.type):
                self._concept(licence_type)
        for availability in g.objects(dist, DCATAP.availability):
            self._concept(availability)

    def graph_from_catalog(self, catalog_dict, catalog_ref):
        """The catalog record from the publisher's settings, in each of its languages."""
        languages = setting("languages").split()
        if not languages:  # not configured: leave ckanext-dcat's record as it is
            return
        g = self.g
        for predicate in (DCT.title, DCT.description, DCT.language):
            g.remove((catalog_ref, predicate, None))
        for lang in languages:
            for key, predicate in (("title", DCT.title), ("description", DCT.description)):
                if setting(f"{key}.{lang}"):
                    g.add((catalog_ref, predicate, Literal(setting(f"{key}.{lang}"), lang=lang)))
        for uri in setting("language_uris").split():
            g.add((catalog_ref, DCT.language, self._typed(URIRef(uri), DCT.LinguisticSystem)))
        for home in g.objects(catalog_ref, FOAF.homepage):
            self._typed(home, FOAF.Document)
        licence = setting("license", "http://creativecommons.org/publicdomain/zero/1.0/")
        g.add((catalog_ref, DCT.license, self._typed(URIRef(licence), DCT.LicenseDocument)))
        taxonomy = self._typed(URIRef(f"{EU}/data-theme"), SKOS.ConceptScheme)
        g.add((catalog_ref, DCAT.themeTaxonomy, taxonomy))
        g.add((taxonomy, DCT.title, Literal("Data theme", lang="en")))
        if setting("publisher.uri"):
            publisher = self._typed(URIRef(setting("publisher.uri")), FOAF.Agent)
            g.add((publisher, RDF.type, FOAF.Organization))
            g.add((catalog_ref, DCT.publisher, publisher))
            g.add((publisher, FOAF.name, Literal(setting("publisher.name"), lang=languages[0])))
            if setting("publisher.type"):
                g.add((publisher, DCT.type, self._concept(URIRef(setting("publisher.type")))))
            if setting("publisher.identifier"):
                g.add((publisher, DCT.identifier, Literal(setting("publisher.identifier"))))
            if setting("publisher.homepage"):
                g.add((publisher, FOAF.homepage, self._typed(URIRef(setting("publisher.homepage")), FOAF.Document)))

    def _concept(self, node):
        """A skos:Concept with a label (the settings' English one, else the URI's last part)."""
        if isinstance(node, URIRef) and (node, SKOS.prefLabel, None) not in self.g:
            label = concept_labels().get(str(node)) or re.split(r"[/#]", str(node).rstrip("/"))[-1]
            self.g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
        return self._typed(node, SKOS.Concept)

    def _typed(self, node, cls):
        if isinstance(node, URIRef):
            self.g.add((node, RDF.type, cls))
        return node
