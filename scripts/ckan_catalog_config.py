"""Print the portal's DCAT catalog settings (ckanext-opendata) as ``key=value`` lines for
``ckan config-tool``: title, description, languages, publisher and licence of ``/catalog.rdf``.

    python scripts/ckan_catalog_config.py [publisher-file]   # default: datasets/_defaults.yaml

Runs with any Python that has PyYAML (scripts/ckan-up.sh uses CKAN's venv, which does not have
the project installed), so it loads ``opendata/dcat/profiles.py`` by path: the national
profile's wording and URI forms stay in that one module.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT / "datasets" / "_defaults.yaml"
ADMS_TYPE = "http://purl.org/adms/publishertype/"


def publisher_facts(source: Path = DEFAULT_SOURCE) -> dict[str, Any]:
    """The publisher's facts (name, uri, country, organization_number, type): the one place
    this script reads them, so a publisher model only needs this function re-pointed."""
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    publisher = data.get("publisher") or {}
    for key in ("name", "country", "organization_number"):
        if not publisher.get(key):
            sys.exit(f"{source}: publisher.{key} is not set; the portal's DCAT catalog needs it: set it there")
    return publisher


def profiles() -> Any:
    spec = importlib.util.spec_from_file_location("opendata_dcat_profiles", ROOT / "opendata/dcat/profiles.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def settings(publisher: dict[str, Any]) -> dict[str, str]:
    module = profiles()
    country = str(publisher["country"])
    if country not in module.PROFILES:
        sys.exit(f"publisher.country '{country}' has no DCAT profile; expected one of {', '.join(module.PROFILES)}")
    profile = module.PROFILES[country]
    name, number = str(publisher["name"]), str(publisher["organization_number"])
    prefix = "ckanext.opendata.catalog."
    out = {
        "languages": " ".join(profile.languages),
        "language_uris": " ".join(module.language_uri(lang) for lang in profile.languages),
        "license": profile.catalog_license,
        "format_as_literal": "true" if profile.format_as_literal else "false",
        "publisher.uri": profile.publisher_uri(number),
        "publisher.name": name,
        "publisher.identifier": number,
        "publisher.type": ADMS_TYPE + str(publisher.get("type") or "LocalAuthority"),
        "publisher.homepage": str(publisher.get("uri") or ""),
    }
    out["concept_labels"] = json.dumps(concept_labels(module), ensure_ascii=False, sort_keys=True)
    for lang in profile.languages:
        out[f"title.{lang}"] = profile.catalog_title[lang].format(name=name)
        out[f"description.{lang}"] = profile.catalog_description[lang].format(name=name)
    return {prefix + k: v for k, v in out.items() if v}


def concept_labels(module: Any) -> dict[str, str]:
    """English labels of the EU/ADMS concepts (DCAT-AP wants a skos:prefLabel on each)."""
    labels = {f"{module.EU}/data-theme/{code}": label for code, label in module.THEME_LABELS.items()}
    labels.update({ADMS_TYPE + code: label for code, label in module.PUBLISHER_TYPES.items()})
    labels.update({f"http://purl.org/adms/licencetype/{code}": label for code, label in module.LICENCE_TYPES.values()})
    labels[f"{module.EU}/planned-availability/STABLE"] = "Stable"
    return labels


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    for key, value in settings(publisher_facts(source)).items():
        print(f"{key}={value}")
