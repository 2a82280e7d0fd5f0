"""``type: skolverket`` against a local server in Skolenhetsregistret v2's documented format."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from source_fakes import FAST, school_detail, school_list, silent_server
from werkzeug import Response

from opendata.archive import Archive
from opendata.errors import SourceError, TransientSourceError
from opendata.sources.skolverket import SkolverketSettings, SkolverketSource

SOURCE = SkolverketSource()
LIST = "/v2/school-units"


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
    raw = SOURCE.fetch(s, Path("."))
    # the list, then the details of each active unit (closed units need no address)
    assert [p.name for p in raw.parts] == ["000-school-units.json", "unit-20000001.json", "unit-20000002.json"]
    rows = SOURCE.parse(s, raw).table.to_pylist()
    assert rows[0] == {
        "school_unit_code": "20000001", "name": "Skola 20000001", "status": "AKTIV", "school_types": "GR",
        "street_address": "Skolgatan 1", "postal_code": "891 33", "locality": "Örnsköldsvik",
        "visiting_address": "Skolgatan 1, 891 33 Örnsköldsvik", "latitude": "63.00", "longitude": "18.7",
        "municipality_code": "2284",
    }  # fmt: skip
    assert rows[2]["status"] == "UPPHORT" and rows[2]["visiting_address"] == ""


def test_a_timeout_is_transient() -> None:
    with (
        silent_server() as url,
        pytest.raises(TransientSourceError, match=r"municipality_code=2284: no answer within 0\.2 s"),
    ):
        SOURCE.fetch(settings(url, timeout=0.2, retries=1), Path("."))


def test_500_then_success(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(f"{LIST}/20000001").respond_with_data("", status=500)
    serve_register(httpserver, ["20000001"])
    s = settings(httpserver.url_for(""))
    assert SOURCE.parse(s, SOURCE.fetch(s, Path("."))).table.num_rows == 1


def test_429_with_retry_after(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(LIST).respond_with_data("", status=429, headers={"Retry-After": "1"})
    serve_register(httpserver, ["20000001"])
    started = time.monotonic()
    SOURCE.fetch(settings(httpserver.url_for("")), Path("."))
    assert time.monotonic() - started >= 0.9


def test_malformed_json(httpserver: HTTPServer) -> None:
    httpserver.expect_request(LIST).respond_with_data("<html>maintenance</html>", content_type="text/html")
    with pytest.raises(SourceError, match="municipality_code=2284: the answer is not valid JSON"):
        SOURCE.fetch(settings(httpserver.url_for("")), Path("."))


def test_an_empty_register_names_the_municipality(httpserver: HTTPServer) -> None:
    httpserver.expect_request(LIST).respond_with_json(school_list())
    with pytest.raises(SourceError, match="lists no school units for municipality 2284; check municipality_code"):
        SOURCE.fetch(settings(httpserver.url_for("")), Path("."))


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
    first = archive.store("join-skolverket", SOURCE.fetch(s, Path("."), archive.latest("join-skolverket")))
    second = archive.store("join-skolverket", SOURCE.fetch(s, Path("."), archive.latest("join-skolverket")))
    httpserver.check_assertions()
    assert second.not_modified and second.sha256 == first.sha256 and len(archive.snapshots("join-skolverket")) == 1
