"""``type: kolada`` against a local server answering in Kolada API v3's documented format."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from opendata.archive import Archive
from opendata.errors import ManifestError, SourceError, TransientSourceError
from opendata.sources import RawSnapshot
from opendata.sources.kolada import KoladaSettings, KoladaSource
from tests.source_fakes import FAST, kolada_item, kolada_page, kpi_meta, record_retry_waits, silent_server

SOURCE = KoladaSource()
DATA = "/v3/data/kpi/N07900,N15814/municipality/2284/year/2022,2023"


def settings(base: str, **kw: Any) -> KoladaSettings:
    values = {"type": "kolada", "base_url": base, "kpis": ["N07900", "N15814"], "municipality": "2284"}
    return KoladaSettings.model_validate({**values, "first_year": 2022, "last_year": 2023, **FAST, **kw})


def serve_meta(httpserver: HTTPServer, ids: str = "N07900,N15814") -> None:
    httpserver.expect_request(f"/v3/kpi/{ids}").respond_with_json(kpi_meta(*ids.split(",")))


def rows_of(s: KoladaSettings, raw: RawSnapshot) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = SOURCE.parse(s, raw).table.to_pylist()
    return rows


def test_values_per_kpi_year_and_gender_with_titles(httpserver: HTTPServer) -> None:
    serve_meta(httpserver)
    items = [
        kolada_item("N15814", 2023, T=80.4, K=None, M=79.0),
        kolada_item("N07900", 2023, T=97.1),
        kolada_item("N07900", 2022, T=96.5),
    ]
    httpserver.expect_request(DATA, query_string="per_page=5000").respond_with_json(kolada_page(items))
    s = settings(httpserver.url_for("/v3"))
    raw = SOURCE.extract(s, Path("."))
    rows = rows_of(s, raw)
    assert [(r["kpi"], r["period"], r["gender"], r["value"]) for r in rows] == [
        ("N07900", "2022", "T", "96.5"),
        ("N07900", "2023", "T", "97.1"),
        ("N15814", "2023", "T", "80.4"),
        ("N15814", "2023", "K", ""),  # null value: kept, empty
        ("N15814", "2023", "M", "79"),
    ]
    assert rows[0]["kpi_title"] == "Titel för N07900, andel (%)" and rows[0]["municipality"] == "2284"
    kpis = SOURCE.metadata(s, raw)["kolada"]["kpis"]
    assert [(k["id"], k["description"]) for k in kpis] == [
        ("N07900", "Beskrivning av N07900."),
        ("N15814", "Beskrivning av N15814."),
    ]


def test_follows_next_page_and_next_url(httpserver: HTTPServer) -> None:
    serve_meta(httpserver)
    second = httpserver.url_for(DATA) + "?per_page=5000&page=2"
    httpserver.expect_request(DATA, query_string="per_page=5000").respond_with_json(
        kolada_page([kolada_item("N07900", 2022)], next_page=second)
    )
    httpserver.expect_request(DATA, query_string="per_page=5000&page=2").respond_with_json(
        kolada_page([kolada_item("N07900", 2023)], next_url=f"{DATA}?per_page=5000&page=3")  # relative
    )
    httpserver.expect_request(DATA, query_string="per_page=5000&page=3").respond_with_json(
        kolada_page([kolada_item("N15814", 2023)], next_page=None)
    )
    s = settings(httpserver.url_for("/v3"))
    raw = SOURCE.extract(s, Path("."))
    assert [p.name for p in raw.parts] == ["001-kpi.json", "002-data.json", "003-data.json", "004-data.json"]
    assert [(r["kpi"], r["period"]) for r in rows_of(s, raw)] == [
        ("N07900", "2022"),
        ("N07900", "2023"),
        ("N15814", "2023"),
    ]


def test_values_kolada_withdrew_are_dropped(httpserver: HTTPServer) -> None:
    """v3 marks a withdrawn value ``isdeleted: true``: it must not be published, the others stay."""
    serve_meta(httpserver)
    items = [kolada_item("N07900", 2022, deleted="T", T=12.0), kolada_item("N15814", 2023, deleted="K", T=80.4, K=81.0)]
    httpserver.expect_request(DATA, query_string="per_page=5000").respond_with_json(kolada_page(items))
    s = settings(httpserver.url_for("/v3"))
    rows = rows_of(s, SOURCE.extract(s, Path(".")))
    assert [(r["kpi"], r["period"], r["gender"], r["value"]) for r in rows] == [("N15814", "2023", "T", "80.4")]


def test_only_withdrawn_values_is_an_empty_result(httpserver: HTTPServer) -> None:
    serve_meta(httpserver)
    httpserver.expect_request(DATA).respond_with_json(kolada_page([kolada_item("N07900", 2022, deleted="T")]))
    s = settings(httpserver.url_for("/v3"))
    with pytest.raises(SourceError, match="Kolada answered no values"):
        SOURCE.parse(s, SOURCE.extract(s, Path(".")))


def test_v3_pages_by_next_url_with_previous_url(httpserver: HTTPServer) -> None:
    """The real v3 shape: absolute ``next_url`` and ``previous_url``, the last page's ``next_url`` null."""
    serve_meta(httpserver)
    first, second = httpserver.url_for(DATA) + "?per_page=5000", httpserver.url_for(DATA) + "?per_page=5000&page=2"
    httpserver.expect_request(DATA, query_string="per_page=5000").respond_with_json(
        kolada_page([kolada_item("N07900", 2022)], next_url=second)
    )
    httpserver.expect_request(DATA, query_string="per_page=5000&page=2").respond_with_json(
        kolada_page([kolada_item("N07900", 2023)], previous_url=first)
    )
    s = settings(httpserver.url_for("/v3"))
    raw = SOURCE.extract(s, Path("."))
    assert [p.name for p in raw.parts] == ["001-kpi.json", "002-data.json", "003-data.json"]
    assert [(r["kpi"], r["period"]) for r in rows_of(s, raw)] == [("N07900", "2022"), ("N07900", "2023")]


def test_the_full_kpi_metadata_reaches_the_data_dictionary(httpserver: HTTPServer) -> None:
    serve_meta(httpserver)
    httpserver.expect_request(DATA).respond_with_json(kolada_page([kolada_item("N07900", 2023)]))
    s = settings(httpserver.url_for("/v3"))
    kpi = SOURCE.metadata(s, SOURCE.extract(s, Path(".")))["kolada"]["kpis"][0]
    assert kpi == {
        "id": "N07900",
        "title": "Titel för N07900, andel (%)",
        "description": "Beskrivning av N07900.",
        "operating_area": "Test",
        "perspective": "Resurser",
        "auspice": "E",
        "municipality_type": "K",
        "is_divided_by_gender": False,
        "has_ou_data": False,
        "publ_period": "2023",
        "publication_date": "2024-03-31",
    }  # prel_publication_date is null: left out


def test_kpis_and_years_are_sent_in_batches(httpserver: HTTPServer) -> None:
    for ids in ("N07900,N15814", "N15504"):
        serve_meta(httpserver, ids)
        for years in ("2022,2023", "2024"):
            path = f"/v3/data/kpi/{ids}/municipality/2284/year/{years}"
            item = kolada_item(ids.split(",")[0], int(years[:4]))
            httpserver.expect_request(path).respond_with_json(kolada_page([item]))
    s = settings(httpserver.url_for("/v3"), kpis=["N07900", "N15814", "N15504"], last_year=2024, batch_size=2)
    raw = SOURCE.extract(s, Path("."))
    assert len(raw.parts) == 6 and len(rows_of(s, raw)) == 4


def test_a_timeout_is_transient() -> None:
    with (
        silent_server() as url,
        pytest.raises(TransientSourceError, match=r"/kpi/N07900,N15814: no answer within 0\.2 s"),
    ):
        SOURCE.extract(settings(f"{url}/v3", timeout=0.2, retries=1), Path("."))


def test_500_then_success(httpserver: HTTPServer) -> None:
    serve_meta(httpserver)
    httpserver.expect_oneshot_request(DATA).respond_with_data("error", status=500)
    httpserver.expect_oneshot_request(DATA).respond_with_json(kolada_page([kolada_item("N07900", 2023)]))
    s = settings(httpserver.url_for("/v3"))
    assert len(rows_of(s, SOURCE.extract(s, Path(".")))) == 1


def test_429_with_retry_after(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    waits = record_retry_waits(monkeypatch)
    serve_meta(httpserver)
    httpserver.expect_oneshot_request(DATA).respond_with_data("", status=429, headers={"Retry-After": "1"})
    httpserver.expect_oneshot_request(DATA).respond_with_json(kolada_page([kolada_item("N07900", 2023)]))
    s = settings(httpserver.url_for("/v3"))
    assert len(rows_of(s, SOURCE.extract(s, Path(".")))) == 1
    assert waits == [1]


def test_malformed_json(httpserver: HTTPServer) -> None:
    serve_meta(httpserver)
    httpserver.expect_request(DATA).respond_with_data('{"values": [', content_type="application/json")
    with pytest.raises(SourceError, match=r"/year/2022,2023\?per_page=5000: the answer is not valid JSON"):
        SOURCE.extract(settings(httpserver.url_for("/v3")), Path("."))


def test_an_answer_of_another_shape(httpserver: HTTPServer) -> None:
    serve_meta(httpserver)
    httpserver.expect_request(DATA).respond_with_json({"error": "Unknown KPI"})
    with pytest.raises(SourceError, match="expected Kolada's JSON with a list under 'values'"):
        SOURCE.extract(settings(httpserver.url_for("/v3")), Path("."))


def test_an_empty_result_says_what_to_check(httpserver: HTTPServer) -> None:
    serve_meta(httpserver)
    httpserver.expect_request(DATA).respond_with_json(kolada_page([]))
    s = settings(httpserver.url_for("/v3"))
    raw = SOURCE.extract(s, Path("."))
    with pytest.raises(
        SourceError, match=r"Kolada answered no values for KPI\(s\) N07900, N15814 in 2284, years 2022–2023"
    ):
        SOURCE.parse(s, raw)


def test_304_with_the_remembered_validators(httpserver: HTTPServer, tmp_path: Path) -> None:
    etag = {"ETag": '"page-1"'}
    httpserver.expect_ordered_request("/v3/kpi/N07900,N15814").respond_with_json(
        kpi_meta("N07900", "N15814"), headers=etag
    )
    httpserver.expect_ordered_request(DATA).respond_with_json(kolada_page([kolada_item("N07900", 2023)]), headers=etag)
    not_modified = Response(status=304)
    httpserver.expect_ordered_request(
        "/v3/kpi/N07900,N15814", headers={"If-None-Match": '"page-1"'}
    ).respond_with_response(not_modified)
    httpserver.expect_ordered_request(DATA, headers={"If-None-Match": '"page-1"'}).respond_with_response(not_modified)
    archive, s = Archive(tmp_path), settings(httpserver.url_for("/v3"))
    first = archive.store("source", SOURCE.extract(s, Path("."), archive.latest("source")))
    second = archive.store("source", SOURCE.extract(s, Path("."), archive.latest("source")))
    httpserver.check_assertions()
    assert second.not_modified and second.sha256 == first.sha256 and len(archive.snapshots("source")) == 1
    assert rows_of(s, second) == rows_of(s, first)


def test_manifest_checks_ids_and_years(tmp_path: Path) -> None:
    from opendata.manifest import load_manifest

    root = Path(__file__).resolve().parent.parent / "datasets"
    folder = tmp_path / "datasets" / "nyckeltal"
    folder.mkdir(parents=True)
    (tmp_path / "datasets/_defaults.yaml").write_text(
        (root / "_defaults.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    shutil.copytree(root.parent / "publishers", tmp_path / "publishers")
    text = (root / "nyckeltal/dataset.yaml").read_text(encoding="utf-8")
    (folder / "dataset.yaml").write_text(text.replace("- N07900", "- N7900"), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"'source\.kpis': not Kolada KPI ids: N7900"):
        load_manifest(folder)
    (folder / "dataset.yaml").write_text(text.replace("last_year: 2023", "last_year: 2018"), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"give both first_year and last_year \(whole years, first ≤ last\)"):
        load_manifest(folder)
