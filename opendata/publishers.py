"""Publishers (``publishers/<id>.yaml``): who publishes, in which languages, under which licence.

A publisher is first-class configuration, next to ``datasets/`` and ``schemas/``: its names per
language, organisation number, country, municipality codes (with the historical ones), default
licence, DCAT profile, CKAN organization and contact. Every dataset names its publisher
(``publisher: moss``), and the publisher's file is the lowest layer of the dataset's manifest:
``publishers/<id>.yaml``, then ``datasets/_defaults.yaml``, then ``datasets/<slug>/dataset.yaml``
(docs/publishers.md).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from opendata.errors import ManifestError
from opendata.manifest import EMAIL_PATTERN, SLUG_PATTERN, Contact, License, LocalizedText, Strict
from opendata.manifest_errors import format_validation_error
from opendata.safe_yaml import read_yaml

PUBLISHERS_DIR = "publishers"
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,40}$"
PROFILE_OF_COUNTRY = {"SE": "DCAT-AP-SE", "NO": "DCAT-AP-NO"}
ZONE_OF_COUNTRY = {"SE": "Europe/Stockholm", "NO": "Europe/Oslo"}
# Keys a publisher owns: datasets/_defaults.yaml, shared by every publisher, may not set them.
PUBLISHER_KEYS = ("language", "license", "publisher", "contact", "spatial")


class MunicipalityCode(Strict):
    """One municipality code and the years it was valid (municipal mergers renumber)."""

    code: str = Field(pattern=r"^\d{4}$")
    valid_from: date | None = Field(default=None, alias="from", description="first day the code was valid")
    valid_to: date | None = Field(default=None, alias="to", description="last day the code was valid")
    note: str | None = None


class CkanSettings(Strict):
    organization: str = Field(pattern=SLUG_PATTERN, description="the organization's name (URL part) on the portal")


class PublisherFile(Strict):
    """Everything about one publisher; the datasets that name it take their defaults from here."""

    id: str = Field(pattern=ID_PATTERN)
    name: LocalizedText
    uri: str = Field(pattern=r"^https?://", description="the publisher's website")
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN)
    country: Literal["SE", "NO"]
    organization_number: str = Field(
        description="organisationsnummer (SE, 212000-2445) or organisasjonsnummer (NO, nine digits)"
    )
    type: Literal["LocalAuthority", "RegionalAuthority", "NationalAuthority"] = "LocalAuthority"
    municipality_codes: list[MunicipalityCode] = Field(min_length=1, description="current first, then older ones")
    geonames: str | None = Field(default=None, pattern=r"^\d+$", description="GeoNames id of the municipality")
    languages: list[str] = Field(min_length=1, description="the first is the datasets' main language")
    license: License = Field(description="the datasets' default licence")
    dcat_profile: Literal["DCAT-AP-SE", "DCAT-AP-NO"]
    ckan: CkanSettings
    contact: Contact
    timezone: str | None = Field(default=None, description="of the schedules; default from the country")
    unverified: list[str] = Field(
        default_factory=list, description="keys whose values are not yet checked against a primary source"
    )

    @field_validator("languages")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.fullmatch(r"[a-z]{2}", v)]
        if bad:
            raise ValueError(f"not two-letter language codes: {', '.join(bad)} (sv, nb, en, ...)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PublisherFile:
        missing = [lang for lang in self.languages if lang not in self.name.root]
        if missing:
            raise ValueError(f"'name' needs a text in {' and '.join(missing)} (every language in 'languages')")
        if PROFILE_OF_COUNTRY[self.country] != self.dcat_profile:
            raise ValueError(
                f"dcat_profile {self.dcat_profile} does not fit country {self.country}: "
                f"set dcat_profile: {PROFILE_OF_COUNTRY[self.country]}"
            )
        problem = organization_number_problem(self.country, self.organization_number)
        if problem:
            raise ValueError(f"organization_number '{self.organization_number}': {problem}")
        unknown = [k for k in self.unverified if k not in type(self).model_fields]
        if unknown:
            raise ValueError(f"'unverified' names keys that do not exist: {', '.join(unknown)}")
        return self

    @property
    def code(self) -> str:
        """The municipality code in use today: the first listed."""
        return self.municipality_codes[0].code

    @property
    def language(self) -> str:
        return self.languages[0]

    def manifest_defaults(self) -> dict[str, Any]:
        """The keys this publisher gives every dataset that names it (a dataset may override them)."""
        lang = self.language
        publisher = {
            "id": self.id,
            "name": self.name.get(lang),
            "uri": self.uri,
            "organization": self.ckan.organization,
            "country": self.country,
            "organization_number": self.organization_number,
            "type": self.type,
        }
        if self.email:
            publisher["email"] = self.email
        spatial: dict[str, Any] = {"name": self.name.get(lang), "municipality_code": self.code}
        if self.geonames:
            spatial["geonames"] = self.geonames
        return {
            "language": lang,
            "license": self.license,
            "publisher": publisher,
            "contact": self.contact.model_dump(),
            "spatial": spatial,
            "schedule": {"timezone": self.timezone or ZONE_OF_COUNTRY[self.country]},
        }


def organization_number_problem(country: str, number: str) -> str | None:
    """Why ``number`` is not a valid organisation number of ``country`` (check digit included)."""
    digits = re.sub(r"[-\s]", "", number)
    if country == "SE":
        if not re.fullmatch(r"\d{10}", digits):
            return "a Swedish organisationsnummer has ten digits, e.g. 212000-2445"
        total = sum(sum(divmod(int(d) * (2 - i % 2), 10)) for i, d in enumerate(digits))
        return None if total % 10 == 0 else "its check digit (Luhn) is wrong: check for a typo"
    if not re.fullmatch(r"\d{9}", digits):
        return "a Norwegian organisasjonsnummer has nine digits, e.g. 974760673"
    rest = sum(int(d) * w for d, w in zip(digits[:8], (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    check = 0 if rest == 0 else 11 - rest
    return None if check == int(digits[8]) else "its check digit (modulus 11) is wrong: check for a typo"


def publishers_dir(datasets_dir: Path) -> Path:
    """``publishers/`` beside ``datasets/`` (the project's root)."""
    return datasets_dir.parent / PUBLISHERS_DIR


def load_publisher(folder: Path, publisher_id: str, where: Path) -> PublisherFile:
    """``folder/<id>.yaml``; ``where`` (the manifest naming it) goes into the message when it is missing."""
    if not re.fullmatch(ID_PATTERN, publisher_id):
        raise ManifestError(f"{where}: 'publisher' is '{publisher_id}'; expected a publisher id such as 'moss'")
    path = folder / f"{publisher_id}.yaml"
    if not path.is_file():
        known = ", ".join(p.stem for p in sorted(folder.glob("*.yaml"))) or "none"
        raise ManifestError(
            f"{where}: publisher '{publisher_id}' has no file {path} (publishers there: {known}); "
            f"add {PUBLISHERS_DIR}/{publisher_id}.yaml or name one of them"
        )
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected keys and values at the top level")
    data.setdefault("id", publisher_id)
    try:
        publisher = PublisherFile.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(format_validation_error(path, exc, PublisherFile)) from None
    if publisher.id != publisher_id:
        raise ManifestError(f"{path}: id '{publisher.id}' must equal the file name '{publisher_id}'")
    return publisher


def all_publishers(datasets_dir: Path) -> list[PublisherFile]:
    folder = publishers_dir(datasets_dir)
    return [load_publisher(folder, p.stem, p) for p in sorted(folder.glob("*.yaml"))]


def datasets_of(datasets_dir: Path, publisher_id: str) -> list[str]:
    """The slugs of the datasets that name ``publisher_id`` (``opendata publish --publisher``)."""
    from opendata.manifest import discover, load_manifest

    known = [p.stem for p in sorted(publishers_dir(datasets_dir).glob("*.yaml"))]
    if publisher_id not in known:
        raise ManifestError(
            f"no publisher '{publisher_id}' (no {PUBLISHERS_DIR}/{publisher_id}.yaml); "
            f"the publishers are: {', '.join(known) or 'none'}"
        )
    return [f.name for f in discover(datasets_dir) if load_manifest(f).publisher.id == publisher_id]
