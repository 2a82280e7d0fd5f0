"""``type: skolverket`` against a local server in Skolenhetsregistret v2's documented format, and
the school Wi-Fi inventory joined to it: an unknown or closed school unit is reported with its row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Response

from opendata import build
from opendata.archive import Archive
from opendata.errors import SourceError, TransientSourceError, ValidationFailed
from opendata.manifest import load_manifest
from opendata.sources.skolverket import SkolverketSettings, SkolverketSource
from tests.source_fakes import FAST, record_retry_waits, school_detail, school_list, silent_server

SOURCE = SkolverketSource()
LIST = "/v2/school-units"
INVENTORY_CODES = [f"900128{n}" for n in range(41, 51)]


def settings(base: str, **kw: Any) -> SkolverketSettings:
    return SkolverketSettings.model_validate(
        {"type": "skolverket", "base_url": base, "municipality_code": "2284", **FAST, **kw}
    )


def serve_register(httpserver: HTTPServer, codes: list[str], closed: dict[str, str] | None = None) -> None:
    units = [(c, f"Skola {c}", "AKTIV") for c in codes] + [(c, f"Skola {c}", s) for c, s in (closed or {}).items()]
    httpserver.expect_request(LIST, query_string="municipality_code=2284").respond_with_json(school_list(*units))
    for i, code in enumerate(codes):
        detail = school_detail(code, f"Skola {code}", street=f"Skolgatan {i + 1}", lat=f"63.{i:02d}", lon="18.7")
        httpserver.expect_request(f"{LIST}/{code}").respond_with_json(detail)


def test_list_and_details_become_one_row_per_unit(httpserver: HTTPServer) -> None:
    serve_register(httpserver, ["20000001", "20000002"], closed={"20000003": "UPPHORT"})
    s = settings(httpserver.url_for(""))
    raw = SOURCE.extract(s, Path("."))
    # the list, then the details of each active unit (closed units need no address)
    assert [p.name for p in raw.parts] == ["000-school-units.json", "unit-20000001.json", "unit-20000002.json"]
    rows = SOURCE.parse(s, raw).table.to_pylist()
    assert rows[0] == {
        "school_unit_code": "20000001",
        "name": "Skola 20000001",
        "status": "AKTIV",
        "school_types": "GR",
        "street_address": "Skolgatan 1",
        "postal_code": "891 33",
        "locality": "Örnsköldsvik",
        "visiting_address": "Skolgatan 1, 891 33 Örnsköldsvik",
        "latitude": "63.00",
        "longitude": "18.7",
        "municipality_code": "2284",
    }
    assert rows[2]["status"] == "UPPHORT" and rows[2]["visiting_address"] == ""


def test_the_full_school_name_is_preferred_to_the_short_display_name(httpserver: HTTPServer) -> None:
    """v2's detail has ``schoolName`` (full) and ``displayName`` (short); the list's ``name`` is the last resort."""
    units = [
        ("20000001", "Listnamn 1", "AKTIV"),
        ("20000002", "Listnamn 2", "AKTIV"),
        ("20000003", "Listnamn 3", "AKTIV"),
    ]
    httpserver.expect_request(LIST, query_string="municipality_code=2284").respond_with_json(school_list(*units))
    full = school_detail("20000001", "Parkskolan 7-9 Örnsköldsvik", display_name="Parkskolan")
    short_only = school_detail("20000002", "", display_name="Kort namn")
    neither = school_detail("20000003", "", display_name="")
    for code, detail in (("20000001", full), ("20000002", short_only), ("20000003", neither)):
        httpserver.expect_request(f"{LIST}/{code}").respond_with_json(detail)
    s = settings(httpserver.url_for(""))
    names = [r["name"] for r in SOURCE.parse(s, SOURCE.extract(s, Path("."))).table.to_pylist()]
    assert names == ["Parkskolan 7-9 Örnsköldsvik", "Kort namn", "Listnamn 3"]


def test_a_timeout_is_transient() -> None:
    with (
        silent_server() as url,
        pytest.raises(TransientSourceError, match=r"municipality_code=2284: no answer within 0\.2 s"),
    ):
        SOURCE.extract(settings(url, timeout=0.2, retries=1), Path("."))


def test_500_then_success(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(f"{LIST}/20000001").respond_with_data("", status=500)
    serve_register(httpserver, ["20000001"])
    s = settings(httpserver.url_for(""))
    assert SOURCE.parse(s, SOURCE.extract(s, Path("."))).table.num_rows == 1


def test_429_with_retry_after(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    waits = record_retry_waits(monkeypatch)
    httpserver.expect_oneshot_request(LIST).respond_with_data("", status=429, headers={"Retry-After": "1"})
    serve_register(httpserver, ["20000001"])
    SOURCE.extract(settings(httpserver.url_for("")), Path("."))
    assert waits == [1]


def test_malformed_json(httpserver: HTTPServer) -> None:
    httpserver.expect_request(LIST).respond_with_data("<html>maintenance</html>", content_type="text/html")
    with pytest.raises(SourceError, match="municipality_code=2284: the answer is not valid JSON"):
        SOURCE.extract(settings(httpserver.url_for("")), Path("."))


def test_an_empty_register_names_the_municipality(httpserver: HTTPServer) -> None:
    httpserver.expect_request(LIST).respond_with_json(school_list())
    with pytest.raises(SourceError, match="lists no school units for municipality 2284; check municipality_code"):
        SOURCE.extract(settings(httpserver.url_for("")), Path("."))


def test_304_with_the_remembered_validators(httpserver: HTTPServer, tmp_path: Path) -> None:
    etag = {"ETag": '"x"'}
    httpserver.expect_ordered_request(LIST).respond_with_json(school_list(("20000001", "A", "AKTIV")), headers=etag)
    httpserver.expect_ordered_request(f"{LIST}/20000001").respond_with_json(
        school_detail("20000001", "A"), headers=etag
    )
    for path in (LIST, f"{LIST}/20000001"):
        httpserver.expect_ordered_request(path, headers={"If-None-Match": '"x"'}).respond_with_response(
            Response(status=304)
        )
    archive, s = Archive(tmp_path), settings(httpserver.url_for(""))
    first = archive.store("join-skolverket", SOURCE.extract(s, Path("."), archive.latest("join-skolverket")))
    second = archive.store("join-skolverket", SOURCE.extract(s, Path("."), archive.latest("join-skolverket")))
    httpserver.check_assertions()
    assert second.not_modified and second.sha256 == first.sha256 and len(archive.snapshots("join-skolverket")) == 1


# The join: the bundled school Wi-Fi dataset, with its register read live from the local server.


def live_register(project: Path, url: str) -> Path:
    path = project / "datasets/skolor-wifi/dataset.yaml"
    text = path.read_text(encoding="utf-8").replace("replay: always", "replay: never")
    path.write_text(
        text.replace("      type: skolverket\n", f"      type: skolverket\n      base_url: {url}\n      retries: 0\n")
    )
    return project / "datasets/skolor-wifi"


def add_rows(project: Path, *rows: str) -> None:
    path = project / "datasets/skolor-wifi/source/wifi-inventering.csv"
    path.write_bytes(path.read_bytes() + "".join(f"{r}\r\n" for r in rows).encode("windows-1252"))


def test_the_register_supplies_names_addresses_and_coordinates(project: Path, httpserver: HTTPServer) -> None:
    serve_register(httpserver, INVENTORY_CODES)
    m = load_manifest(live_register(project, httpserver.url_for("")))
    raw = build.extract(m)
    prepared, report = build.validate(m, build.parse(m, raw))
    assert report.valid, report.to_markdown()
    first = prepared.table.slice(0, 1).to_pylist()[0]
    assert first["name"] == "Skola 90012841" and first["visiting_address"] == "Skolgatan 1, 891 33 Örnsköldsvik"
    assert (first["latitude"], first["longitude"]) == ("63.00", "18.7")
    assert raw.lookups["skolverket"].snapshot_id  # the register's answers are archived too


def test_unknown_and_closed_codes_are_reported_with_their_rows(project: Path, httpserver: HTTPServer) -> None:
    serve_register(httpserver, INVENTORY_CODES, closed={"90012839": "UPPHORT"})
    add_rows(project, "90099999;Grundskola;väldimensionerat;5;2024-01-01;", "90012839;Grundskola;saknas;0;2024-01-01;")
    m = load_manifest(live_register(project, httpserver.url_for("")))
    _, report = build.validate(m, build.parse(m, build.extract(m)))
    assert not report.valid
    found = [(e.rule, e.row, e.column, e.source_column, e.value) for e in report.errors]
    assert found == [
        ("lookup-unknown", 12, "school_unit_code", "Skolenhetskod", "90099999"),
        ("lookup-condition", 13, "school_unit_code", "Skolenhetskod", "90012839"),
    ]  # and no 'required' errors for the name or coordinates the register could not supply
    assert "90099999 is not in Skolverkets skolenhetsregister för Örnsköldsvik (2284)" in report.errors[0].message
    assert "status 'UPPHORT' for 90012839 (accepted: AKTIV)" in report.errors[1].message
    assert "nothing was published" in report.summary() and "line 12, column 'Skolenhetskod'" in report.summary()
    markdown = report.to_markdown()
    assert "| 12 | school_unit_code (Skolenhetskod) | 90099999 | lookup-unknown |" in markdown


def test_the_cli_stops_on_an_unknown_code(project: Path, httpserver: HTTPServer) -> None:
    from opendata.cli import app

    serve_register(httpserver, INVENTORY_CODES)
    add_rows(project, "90099999;Grundskola;väldimensionerat;5;2024-01-01;")
    live_register(project, httpserver.url_for(""))
    result = CliRunner().invoke(app, ["validate", "skolor-wifi"], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "lookup-unknown" in result.output and "90099999" in result.output
    report = json.loads((project / "build/reports/skolor-wifi/validation-report.json").read_text(encoding="utf-8"))
    assert report["errors"][0]["row"] == 12 and report["errors"][0]["column"] == "school_unit_code"


@pytest.mark.usefixtures("prefect_harness")
def test_the_flow_publishes_nothing_for_an_unknown_code(project: Path, httpserver: HTTPServer) -> None:
    from flows.publish_dataset import publish_dataset

    serve_register(httpserver, INVENTORY_CODES)
    add_rows(project, "90099999;Grundskola;väldimensionerat;5;2024-01-01;")
    live_register(project, httpserver.url_for(""))
    with pytest.raises(ValidationFailed, match=r"90099999 is not in Skolverkets skolenhetsregister"):
        publish_dataset("skolor-wifi")
    assert not (project / "build/catalog/skolor-wifi").exists()


def test_a_column_the_register_supplies_must_not_also_come_from_the_file(project: Path, httpserver: HTTPServer) -> None:
    serve_register(httpserver, INVENTORY_CODES)
    folder = live_register(project, httpserver.url_for(""))
    path = folder / "dataset.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  Skolform: school_form\n", "  Skolform: name\n"))
    m = load_manifest(folder)
    _, report = build.validate(m, build.parse(m, build.extract(m)))
    assert any(e.rule == "supplied-column" and e.column == "name" for e in report.errors)
