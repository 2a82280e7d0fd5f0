"""The site's words in Swedish, Norwegian Bokmål and English, and numbers as each writes them."""

from __future__ import annotations

from typing import Any

LANGUAGE_NAMES = {"sv": "Svenska", "nb": "Norsk bokmål", "en": "English"}

FREQUENCIES: dict[str, tuple[str, str, str]] = {  # code: (sv, nb, en)
    "ANNUAL": ("varje år", "hvert år", "every year"),
    "ANNUAL_2": ("två gånger om året", "to ganger i året", "twice a year"),
    "ANNUAL_3": ("tre gånger om året", "tre ganger i året", "three times a year"),
    "BIENNIAL": ("vartannat år", "annethvert år", "every two years"),
    "BIMONTHLY": ("varannan månad", "annenhver måned", "every two months"),
    "BIWEEKLY": ("varannan vecka", "annenhver uke", "every two weeks"),
    "CONT": ("löpande", "løpende", "continuously"),
    "DAILY": ("varje dag", "hver dag", "every day"),
    "IRREG": ("oregelbundet", "uregelmessig", "irregularly"),
    "MONTHLY": ("varje månad", "hver måned", "every month"),
    "QUARTERLY": ("varje kvartal", "hvert kvartal", "every quarter"),
    "SEMIANNUAL": ("varje halvår", "hvert halvår", "every six months"),
    "WEEKLY": ("varje vecka", "hver uke", "every week"),
    "UNKNOWN": ("okänt", "ukjent", "unknown"),
}

THEMES: dict[str, tuple[str, str, str]] = {  # EU data theme: (sv, nb, en)
    "AGRI": ("Jordbruk, fiske, skogsbruk och livsmedel", "Jordbruk, fiske, skogbruk og mat",
             "Agriculture, fisheries, forestry and food"),
    "ECON": ("Ekonomi och finans", "Økonomi og finans", "Economy and finance"),
    "EDUC": ("Utbildning, kultur och sport", "Utdanning, kultur og sport", "Education, culture and sport"),
    "ENER": ("Energi", "Energi", "Energy"),
    "ENVI": ("Miljö", "Miljø", "Environment"),
    "GOVE": ("Regeringen och den offentliga sektorn", "Forvaltning og offentlig sektor",
             "Government and public sector"),
    "HEAL": ("Hälsa", "Helse", "Health"),
    "INTR": ("Internationella frågor", "Internasjonale temaer", "International issues"),
    "JUST": ("Rättvisa, rättssystem och allmän säkerhet", "Justis, rettssystem og allmenn sikkerhet",
             "Justice, legal system and public safety"),
    "OP_DATPRO": ("Preliminära uppgifter", "Foreløpige data", "Provisional data"),
    "REGI": ("Regioner och städer", "Regioner og byer", "Regions and cities"),
    "SOCI": ("Befolkning och samhälle", "Befolkning og samfunn", "Population and society"),
    "TECH": ("Vetenskap och teknik", "Vitenskap og teknologi", "Science and technology"),
    "TRAN": ("Transport", "Transport", "Transport"),
}  # fmt: skip

_COLUMN = {"sv": 0, "nb": 1, "en": 2}

UI: dict[str, dict[str, str]] = {
    "sv": {
        "site_title": "Öppna data",
        "skip": "Hoppa till innehållet",
        "intro": "Datamängder som kommunen publicerar som öppna data. Sök, filtrera och öppna en datamängd för "
        "att se vad kolumnerna betyder, de första raderna och diagram.",
        "search": "Sök i titlar, beskrivningar och nyckelord",
        "theme": "Tema",
        "publisher": "Utgivare",
        "format": "Format",
        "frequency": "Uppdateras",
        "all": "Alla",
        "shown": "{n} av {total} datamängder visas",
        "none": "Ingen datamängd matchar sökningen.",
        "machine": "Maskinläsbar katalog",
        "sample": "Exempeldata",
        "sample_notice": "Exempeldata: siffrorna är inte uppmätta och får inte användas som fakta.",
        "rows": "rader",
        "licence": "Licens",
        "attribution": "Källa att ange",
        "contact": "Kontakt",
        "keywords": "Nyckelord",
        "themes": "Teman",
        "updates": "Uppdateras",
        "last_change": "Senaste ändring av innehållet",
        "next_run": "Nästa schemalagda körning",
        "next_run_note": "räknat när sidan byggdes",
        "downloads": "Ladda ner",
        "file": "Fil",
        "size": "Storlek",
        "checksum": "SHA-256",
        "dictionary": "Datadefinitioner",
        "field": "Fältnamn",
        "title": "Titel",
        "description": "Beskrivning",
        "type": "Typ",
        "unit": "Enhet",
        "constraints": "Villkor",
        "preview": "De första raderna",
        "preview_caption": "De första {n} av {total} raderna",
        "charts": "Diagram",
        "chart_table": "Diagrammets data som tabell",
        "use": "Använd datan",
        "use_curl": "Hämta filen med curl:",
        "use_python": "Läs Parquet-filen med pandas eller pyarrow:",
        "use_ckan": "Fråga portalens API (CKAN):",
        "back": "Alla datamängder",
        "language": "Språk",
        "bytes": "byte",
        "datasets": "Datamängder",
        "count": "Antal",
        "map_note": "Ungefärligt kartutsnitt: punkterna ligger i ett rutnät av latitud och longitud (WGS84). "
        "Kommungränsen är inte ritad, eftersom projektet inte har öppna gränsdata offline.",
        "map_note_land": "Kartan visar land och hav (kusten vid Bottenhavet) ur Natural Earth 1:10m (public domain) "
        "och ett rutnät av latitud och longitud (WGS84). Kommungränsen är inte ritad: projektet har inga öppna "
        "gränsdata offline.",
        "yes": "ja",
        "no": "nej",
        "sample_rows": "Diagrammet bygger på exempeldata.",
        "in_language": "Texten finns bara på svenska.",
        "definitions": "Definitioner från källan",
        "code": "Kod",
    },
    "nb": {
        "site_title": "Åpne data",
        "skip": "Hopp til innholdet",
        "intro": "Datasett som kommunen publiserer som åpne data. Søk, filtrer og åpne et datasett for å se hva "
        "kolonnene betyr, de første radene og diagrammer.",
        "search": "Søk i titler, beskrivelser og nøkkelord",
        "theme": "Tema",
        "publisher": "Utgiver",
        "format": "Format",
        "frequency": "Oppdateres",
        "all": "Alle",
        "shown": "{n} av {total} datasett vises",
        "none": "Ingen datasett passer til søket.",
        "machine": "Maskinlesbar katalog",
        "sample": "Eksempeldata",
        "sample_notice": "Eksempeldata: tallene er ikke målt og må ikke brukes som fakta.",
        "rows": "rader",
        "licence": "Lisens",
        "attribution": "Kilde som skal oppgis",
        "contact": "Kontakt",
        "keywords": "Nøkkelord",
        "themes": "Temaer",
        "updates": "Oppdateres",
        "last_change": "Siste endring av innholdet",
        "next_run": "Neste planlagte kjøring",
        "next_run_note": "beregnet da siden ble bygget",
        "downloads": "Last ned",
        "file": "Fil",
        "size": "Størrelse",
        "checksum": "SHA-256",
        "dictionary": "Datadefinisjoner",
        "field": "Feltnavn",
        "title": "Tittel",
        "description": "Beskrivelse",
        "type": "Type",
        "unit": "Enhet",
        "constraints": "Vilkår",
        "preview": "De første radene",
        "preview_caption": "De første {n} av {total} radene",
        "charts": "Diagrammer",
        "chart_table": "Diagrammets data som tabell",
        "use": "Bruk dataene",
        "use_curl": "Hent filen med curl:",
        "use_python": "Les Parquet-filen med pandas eller pyarrow:",
        "use_ckan": "Spør portalens API (CKAN):",
        "back": "Alle datasett",
        "language": "Språk",
        "bytes": "byte",
        "datasets": "Datasett",
        "count": "Antall",
        "map_note": "Omtrentlig kartutsnitt: punktene ligger i et rutenett av breddegrad og lengdegrad (WGS84). "
        "Kommunegrensen er ikke tegnet, fordi prosjektet ikke har åpne grensedata offline.",
        "map_note_land": "Kartet viser land og hav ur Natural Earth 1:10m (public domain) og et rutenett av "
        "breddegrad og lengdegrad (WGS84). Kommunegrensen er ikke tegnet: prosjektet har ingen åpne grensedata "
        "offline.",
        "yes": "ja",
        "no": "nei",
        "sample_rows": "Diagrammet bygger på eksempeldata.",
        "in_language": "Teksten finnes bare på norsk.",
        "definitions": "Definisjoner fra kilden",
        "code": "Kode",
    },
    "en": {
        "site_title": "Open data",
        "skip": "Skip to content",
        "intro": "Datasets the municipality publishes as open data. Search, filter and open a dataset to see what "
        "its columns mean, its first rows and charts.",
        "search": "Search titles, descriptions and keywords",
        "theme": "Theme",
        "publisher": "Publisher",
        "format": "Format",
        "frequency": "Updated",
        "all": "All",
        "shown": "{n} of {total} datasets shown",
        "none": "No dataset matches the search.",
        "machine": "Machine-readable catalog",
        "sample": "Sample data",
        "sample_notice": "Sample data: the figures are not measured and must not be used as facts.",
        "rows": "rows",
        "licence": "Licence",
        "attribution": "Attribution",
        "contact": "Contact",
        "keywords": "Keywords",
        "themes": "Themes",
        "updates": "Updated",
        "last_change": "Last change of the content",
        "next_run": "Next scheduled run",
        "next_run_note": "as of when this page was built",
        "downloads": "Downloads",
        "file": "File",
        "size": "Size",
        "checksum": "SHA-256",
        "dictionary": "Data dictionary",
        "field": "Field name",
        "title": "Title",
        "description": "Description",
        "type": "Type",
        "unit": "Unit",
        "constraints": "Constraints",
        "preview": "First rows",
        "preview_caption": "The first {n} of {total} rows",
        "charts": "Charts",
        "chart_table": "The chart's data as a table",
        "use": "Use the data",
        "use_curl": "Download the file with curl:",
        "use_python": "Read the Parquet file with pandas or pyarrow:",
        "use_ckan": "Ask the portal's API (CKAN):",
        "back": "All datasets",
        "language": "Language",
        "bytes": "bytes",
        "datasets": "Datasets",
        "count": "Count",
        "map_note": "Approximate map frame: the points sit on a grid of latitude and longitude (WGS84). The "
        "municipal boundary is not drawn, because the project has no open boundary data offline.",
        "map_note_land": "The map shows land and sea (the coast of the Gulf of Bothnia) from Natural Earth 1:10m "
        "(public domain) and a grid of latitude and longitude (WGS84). The municipal boundary is not drawn: the "
        "project has no open boundary data offline.",
        "yes": "yes",
        "no": "no",
        "sample_rows": "The chart is built from sample data.",
        "in_language": "This text is only available in the publisher's language.",
        "definitions": "Definitions from the source",
        "code": "Code",
    },
}


def ui_lang(lang: str) -> str:
    return lang if lang in UI else "en"


def frequency(code: str, lang: str) -> str:
    words = FREQUENCIES.get(code)
    return words[_COLUMN[ui_lang(lang)]] if words else code


def theme(code: str, lang: str) -> str:
    words = THEMES.get(code)
    return words[_COLUMN[ui_lang(lang)]] if words else code


def number(value: Any, lang: str, decimals: int | None = None) -> str:
    """12345.6 -> '12 345,6' in Swedish and Norwegian (no-break space, decimal comma), '12,345.6' in English."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return UI[ui_lang(lang)]["yes" if value else "no"]
    if isinstance(value, int):
        text = f"{value:,}"
    else:
        text = f"{value:,.{decimals}f}" if decimals is not None else f"{value:,.6f}".rstrip("0").rstrip(".")
    if ui_lang(lang) == "en":
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


def size(n: int, lang: str) -> str:
    """A file size a person reads: '2,3 kB (2 322 byte)'."""
    words = UI[ui_lang(lang)]["bytes"]
    if n < 1000:
        return f"{number(n, lang)} {words}"
    for unit, factor in (("MB", 1e6), ("kB", 1e3)):
        if n >= factor:
            return f"{number(n / factor, lang, 1)} {unit} ({number(n, lang)} {words})"
    return f"{number(n, lang)} {words}"
