"""DCAT catalogs for the national portals: dataportal.se (DCAT-AP-SE), data.norge.no (DCAT-AP-NO).

``records`` turns a build and what a target published into a JSON-able ``DatasetRecord``;
``graph`` turns the records into one rdflib graph; ``profiles`` holds what differs by country.
docs/dcat.md maps each manifest key to its DCAT property.
"""

from opendata.dcat.graph import CatalogInfo, catalog_graph, serialize
from opendata.dcat.profiles import PROFILES, Profile
from opendata.dcat.records import DatasetRecord, FileRecord, profile_for, record_from_build

__all__ = [
    "PROFILES",
    "CatalogInfo",
    "DatasetRecord",
    "FileRecord",
    "Profile",
    "catalog_graph",
    "profile_for",
    "record_from_build",
    "serialize",
]
