"""DCAT-AP-SE and DCAT-AP-NO: everything that differs between the two national profiles.

The graph builder (``opendata.dcat.graph``) asks the profile, never the country, so a third
country is one more entry in ``PROFILES``. The publisher's ``country`` picks the profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EU = "http://publications.europa.eu/resource/authority"
IANA = "http://www.iana.org/assignments/media-types/"
# ISO 639-1 (manifests) -> EU language authority code.
LANGUAGES = {"sv": "SWE", "en": "ENG", "nb": "NOB", "nn": "NNO", "no": "NOR", "fi": "FIN", "se": "SME"}

# Media type -> EU file-type code (for profiles that want dct:format as an EU URI).
FILE_TYPES = {
    "text/csv": "CSV",
    "application/vnd.apache.parquet": "PARQUET",
    "application/json": "JSON",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
}


# English labels of the EU concepts the catalog uses (the validators read no vocabulary).
THEME_LABELS = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "OP_DATPRO": "Provisional data",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}
PUBLISHER_TYPES = {
    "LocalAuthority": "Local Authority",
    "RegionalAuthority": "Regional Authority",
    "NationalAuthority": "National authority",
}
# Licence URI as the portals list it -> ADMS licence type (dct:type of the licence).
LICENCE_TYPES = {
    "http://creativecommons.org/publicdomain/zero/1.0/": ("PublicDomain", "Public domain"),
    "http://creativecommons.org/licenses/by/4.0/": ("Attribution", "Attribution"),
    "https://data.norge.no/nlod/no/2.0": ("Attribution", "Attribution"),
}


def language_uri(lang: str) -> str:
    return f"{EU}/language/{LANGUAGES.get(lang, lang.upper())}"


def licence_uri(uri: str) -> str:
    """Creative Commons URIs in the http form dataportal.se's licence list matches exactly."""
    return uri.replace("https://creativecommons.org/", "http://creativecommons.org/")


@dataclass(frozen=True)
class Profile:
    name: str
    spec: str  # where the rules are written
    languages: tuple[str, ...]  # the catalog's languages, the publisher's first
    catalog_title: dict[str, str]  # "{name}" is the publisher's name
    catalog_description: dict[str, str]
    catalog_license: str
    orgnr: re.Pattern[str]  # what an organisation number looks like
    orgnr_example: str
    publisher_uri_form: str  # "{digits}" is the organisation number without separators
    # DCAT-AP-SE: dct:format is the IANA media type as a plain literal and dcat:mediaType is
    # not written. DCAT-AP-NO (as DCAT-AP): dct:format an EU file-type URI, dcat:mediaType IANA.
    format_as_literal: bool

    def publisher_uri(self, organization_number: str) -> str:
        return self.publisher_uri_form.format(digits=re.sub(r"\D", "", organization_number))


CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"

PROFILES: dict[str, Profile] = {
    "SE": Profile(
        name="DCAT-AP-SE 3.0.1",
        spec="https://docs.dataportal.se/dcat/3.0.1/",
        languages=("sv", "en"),
        catalog_title={"sv": "Öppna data från {name}", "en": "Open data from {name}"},
        catalog_description={
            "sv": "Datamängder som {name} publicerar som öppna data, med filer, scheman och licenser.",
            "en": "Datasets {name} publishes as open data, with their files, schemas and licences.",
        },
        catalog_license=CC0,  # DCAT-AP-SE: the catalog's own metadata must be CC0
        orgnr=re.compile(r"^\d{6}-?\d{4}$"),
        orgnr_example="212000-2445",
        publisher_uri_form="http://dataportal.se/organisation/SE{digits}",
        format_as_literal=True,
    ),
    "NO": Profile(
        name="DCAT-AP-NO",
        spec="https://data.norge.no/specification/dcat-ap-no",
        languages=("nb", "en"),
        catalog_title={"nb": "Åpne data fra {name}", "en": "Open data from {name}"},
        catalog_description={
            "nb": "Datasett som {name} publiserer som åpne data, med filer, skjemaer og lisenser.",
            "en": "Datasets {name} publishes as open data, with their files, schemas and licences.",
        },
        catalog_license=CC0,  # no rule in DCAT-AP-NO: the metadata stays CC0 (verify)
        orgnr=re.compile(r"^\d{9}$"),
        orgnr_example="123456789",
        # The Central Coordinating Register for Legal Entities, as data.norge.no links publishers.
        publisher_uri_form="https://data.brreg.no/enhetsregisteret/api/enheter/{digits}",
        format_as_literal=False,
    ),
}
