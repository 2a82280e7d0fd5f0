"""``type: http`` against a local server: formats, retries, Retry-After, 304, limits, clear errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from pytest_httpserver import HTTPServer
from werkzeug import Response

from opendata.archive import Archive
from opendata.errors import SourceError, TransientSourceError
from opendata.sources import RawSnapshot
from opendata.sources.http import HttpSettings, HttpSource
from tests.source_fakes import FAST, closed_port_url, record_retry_waits, silent_server

SOURCE = HttpSource()


def settings(url: str, **kw: object) -> HttpSettings:
    return HttpSettings.model_validate({"type": "http", "url": url, "format": "json", **FAST, **kw})


def fetch_parse(s: HttpSettings, previous: RawSnapshot | None = None) -> tuple[RawSnapshot, list[dict[str, str]]]:
    raw = SOURCE.extract(s, Path("."), previous)
    return raw, SOURCE.parse(s, raw).table.to_pylist()


def test_csv_by_url_follows_the_declared_dialect(httpserver: HTTPServer) -> None:
    body = "Skola;Andel\r\nCentrum;93,5\r\nHusum;71\r\n".encode("windows-1252")
    httpserver.expect_request("/export.csv").respond_with_data(body, content_type="text/csv")
    s = settings(httpserver.url_for("/export.csv"), format="csv", delimiter=";", encoding="windows-1252", decimal=",")
    raw, rows = fetch_parse(s)
    assert rows == [{"Skola": "Centrum", "Andel": "93,5"}, {"Skola": "Husum", "Andel": "71"}]
    assert raw.content == body and raw.origin == httpserver.url_for("/export.csv")


def test_excel_by_url(httpserver: HTTPServer) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Data"
    sheet.append(["År", "Andel"])
    sheet.append([2024, 0.5])
    buffer = io.BytesIO()
    book.save(buffer)
    httpserver.expect_request("/book.xlsx").respond_with_data(buffer.getvalue())
    _, rows = fetch_parse(settings(httpserver.url_for("/book.xlsx"), format="excel", sheet="Data"))
    assert rows == [{"År": "2024", "Andel": "0.5"}]


def test_json_records_at_a_path(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api").respond_with_json(
        {"data": {"items": [{"a": 1, "b": None}, {"a": 2.5, "c": True}]}}
    )
    _, rows = fetch_parse(settings(httpserver.url_for("/api"), records="data.items"))
    assert rows == [{"a": "1", "b": "", "c": ""}, {"a": "2.5", "b": "", "c": "true"}]


def test_pagination_follows_link_rel_next(httpserver: HTTPServer) -> None:
    page2 = httpserver.url_for("/api/items?page=2")
    httpserver.expect_request("/api/items", query_string="").respond_with_json(
        [{"id": 1}], headers={"Link": f'<{page2}>; rel="next"'}
    )
    httpserver.expect_request("/api/items", query_string="page=2").respond_with_json(
        [{"id": 2}], headers={"Link": '</api/items?page=3>; rel="next"'}
    )
    httpserver.expect_request("/api/items", query_string="page=3").respond_with_json([{"id": 3}])
    raw, rows = fetch_parse(settings(httpserver.url_for("/api/items")))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert [p.name for p in raw.parts] == ["001-json", "002-json", "003-json"]


def test_a_timeout_is_transient_and_names_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    waits = record_retry_waits(monkeypatch)
    with silent_server() as url, pytest.raises(TransientSourceError) as caught:
        SOURCE.extract(settings(f"{url}/slow", timeout=0.2, retries=1), Path("."))
    assert "/slow: no answer within 0.2 s (2 attempts)" in str(caught.value)
    assert waits == [0]  # one retry, no backoff asked for


def test_a_refused_connection_is_transient() -> None:
    with pytest.raises(TransientSourceError, match="no connection"):
        SOURCE.extract(settings(f"{closed_port_url()}/x", retries=1), Path("."))


def test_500_then_success_is_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/flaky").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/flaky").respond_with_data("boom", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_json([{"ok": 1}])
    _, rows = fetch_parse(settings(httpserver.url_for("/flaky")))
    assert rows == [{"ok": "1"}]
    httpserver.check_assertions()


def test_5xx_until_the_retries_run_out_is_transient_with_the_status(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("no", status=502)
    with pytest.raises(TransientSourceError) as caught:
        SOURCE.extract(settings(httpserver.url_for("/down")), Path("."))
    assert "/down: HTTP 502 BAD GATEWAY after 3 attempts" in str(caught.value)
    assert len(httpserver.log) == 3


def test_429_waits_for_retry_after(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    waits = record_retry_waits(monkeypatch)
    httpserver.expect_ordered_request("/limited").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request("/limited").respond_with_json([{"ok": 1}])
    _, rows = fetch_parse(settings(httpserver.url_for("/limited")))
    assert rows == [{"ok": "1"}]
    assert waits == [1]


def test_retry_after_is_capped(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    waits = record_retry_waits(monkeypatch)
    httpserver.expect_ordered_request("/greedy").respond_with_data("", status=503, headers={"Retry-After": "3600"})
    httpserver.expect_ordered_request("/greedy").respond_with_json([{"ok": 1}])
    fetch_parse(settings(httpserver.url_for("/greedy"), retry_after_max=0.2))
    assert waits == [0.2]  # not the hour the server asked for


def test_a_4xx_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/missing").respond_with_data("not here", status=404)
    with pytest.raises(SourceError) as caught:
        SOURCE.extract(settings(httpserver.url_for("/missing")), Path("."))
    assert not isinstance(caught.value, TransientSourceError)
    assert "/missing: HTTP 404 NOT FOUND" in str(caught.value)
    assert len(httpserver.log) == 1


def test_malformed_json_is_a_clear_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/bad").respond_with_data('{"items": [1, 2', content_type="application/json")
    s = settings(httpserver.url_for("/bad"))
    raw = SOURCE.extract(s, Path("."))
    with pytest.raises(SourceError, match=r"/bad: the answer is not valid JSON \(line 1"):
        SOURCE.parse(s, raw)


def test_an_empty_answer_is_a_clear_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/empty").respond_with_data(b"")
    s = settings(httpserver.url_for("/empty"), format="csv")
    with pytest.raises(SourceError, match="/empty: the answer is empty"):
        SOURCE.parse(s, SOURCE.extract(s, Path(".")))


def test_an_empty_list_of_records_is_an_empty_table(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/none").respond_with_json([])
    _, rows = fetch_parse(settings(httpserver.url_for("/none")))
    assert rows == []


def test_304_with_the_remembered_validators_reuses_the_archived_snapshot(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    url = httpserver.url_for("/data.json")
    body = json.dumps([{"a": 1}]).encode()
    validators = {"ETag": '"v1"', "Last-Modified": "Wed, 25 Nov 2026 06:00:00 GMT"}
    httpserver.expect_ordered_request("/data.json").respond_with_data(body, headers=validators)
    httpserver.expect_ordered_request(
        "/data.json", headers={"If-None-Match": '"v1"', "If-Modified-Since": validators["Last-Modified"]}
    ).respond_with_response(Response(status=304, headers={"ETag": '"v1"'}))
    archive, s = Archive(tmp_path / "archive"), settings(url)
    first = archive.store("source", SOURCE.extract(s, Path("."), archive.latest("source")))
    assert first.validators == validators
    second = archive.store("source", SOURCE.extract(s, Path("."), archive.latest("source")))
    httpserver.check_assertions()
    assert second.not_modified and second.content == body and second.snapshot_id == first.snapshot_id
    assert len(archive.snapshots("source")) == 1
    events = [json.loads(line)["event"] for line in (tmp_path / "archive/source/log.jsonl").read_text().splitlines()]
    assert events == ["archived", "not-modified"]


def test_size_limit(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(SourceError, match=r"/big: the response has 5,000 bytes, more than max_bytes \(1,000\)"):
        SOURCE.extract(settings(httpserver.url_for("/big"), max_bytes=1000), Path("."))


def test_api_key_from_the_environment_is_sent_but_never_shown(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_API_KEY", "s3cret-value")
    httpserver.expect_request("/secure", headers={"X-Api-Key": "s3cret-value"}).respond_with_json([{"ok": 1}])
    httpserver.expect_request("/secure-broken").respond_with_data("no", status=401)
    s = settings(httpserver.url_for("/secure"), headers_from_env={"X-Api-Key": "TEST_API_KEY"})
    archive = Archive(tmp_path / "a")
    archive.store("source", SOURCE.extract(s, Path(".")))
    assert not any(b"s3cret" in p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file())
    broken = settings(
        httpserver.url_for("/secure-broken?api_key=s3cret-value"), headers_from_env={"X-Api-Key": "TEST_API_KEY"}
    )
    with pytest.raises(SourceError) as caught:
        SOURCE.extract(broken, Path("."))
    assert "s3cret" not in str(caught.value) and "api_key=***" in str(caught.value) and "HTTP 401" in str(caught.value)


def test_a_missing_api_key_variable_is_named() -> None:
    s = settings("https://example.invalid/x", headers_from_env={"X-Api-Key": "NO_SUCH_VARIABLE_SET"})
    with pytest.raises(SourceError, match="environment variable NO_SUCH_VARIABLE_SET"):
        SOURCE.extract(s, Path("."))
