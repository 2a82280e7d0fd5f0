"""CKAN's HTTP answers, as a real server sends them, mapped to our errors.

``CkanClient`` overrides ckanapi's private ``_request_fn`` to keep the status and headers;
these tests pin that hook against real HTTP (pytest-httpserver), so a ckanapi upgrade that
changes it fails here, not on a portal. For each answer: the error type (which decides
whether the flow retries: ``TransientPublishError`` only), whether the client itself tried
again (Retry-After), and that the token appears in no message, repr or log line.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flows.tasks import TRANSIENT
from opendata.errors import PublishError, TransientPublishError
from publish.ckan.client import CkanClient, PortalConflict

TOKEN = "tok-3f9a-SECRET-never-shown"
ACTION = "/api/action/package_show"


def ckan_error(status: int, kind: str, **detail: Any) -> Response:
    body = {"success": False, "error": {"__type": kind, **detail}, "help": "http://x/api/3/action/help_show"}
    return Response(json.dumps(body), status=status, content_type="application/json;charset=utf-8")


def ckan_ok(result: Any) -> Response:
    return Response(json.dumps({"success": True, "result": result}), content_type="application/json")


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(httpserver: HTTPServer, waits: list[float]) -> CkanClient:
    return CkanClient(httpserver.url_for("/"), TOKEN, timeout=(2, 0.5), deadline=60, sleep=waits.append)


def fail(client: CkanClient, caplog: pytest.LogCaptureFixture) -> Exception:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PublishError) as caught:
        client.call("package_show", id="skolor-wifi")
    error = caught.value
    shown = " ".join([str(error), repr(error), repr(client), caplog.text, str(error.__cause__), str(error.__context__)])
    assert TOKEN not in shown
    assert error.__cause__ is None  # ckanapi's exception (which may echo the request) is not chained
    return error


def sent_token(httpserver: HTTPServer) -> bool:
    return all(request.headers.get("Authorization") == TOKEN for request, _ in httpserver.log)


@pytest.mark.parametrize(
    ("answer", "expected", "words"),
    [
        (ckan_error(403, "Authorization Error", message="Access denied"), PublishError, "not authorized"),
        (ckan_error(404, "Not Found Error", message="Not found"), PublishError, "found nothing"),
        (ckan_error(409, "Validation Error", name=["That URL is already in use."]), PortalConflict, "lost a race"),
        (ckan_error(409, "Validation Error", title=["Missing value"]), PublishError, "rejected package_show"),
        (Response("<h1>Internal Server Error</h1>", status=500, content_type="text/html"), TransientPublishError,
         "not a CKAN API answer (HTTP 500, text/html)"),
        (ckan_error(500, "Internal Error", message="boom"), TransientPublishError, "failed with HTTP 500"),
        (Response("<html>Service Unavailable</html>", status=503, content_type="text/html"), TransientPublishError,
         "HTTP 503"),
        (Response("<html><form>Log in</form></html>", status=200, content_type="text/html"), PublishError,
         "not a CKAN API answer (HTTP 200, text/html)"),
    ],
)  # fmt: skip
def test_each_answer_maps_to_one_error(
    httpserver: HTTPServer,
    client: CkanClient,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
    answer: Response,
    expected: type[Exception],
    words: str,
) -> None:
    httpserver.expect_request(ACTION, method="POST").respond_with_response(answer)
    error = fail(client, caplog)
    assert type(error) is expected and words in str(error), str(error)
    assert isinstance(error, TRANSIENT) == (expected is TransientPublishError)  # what the flow retries
    assert len(httpserver.log) == 1 and not waits  # no Retry-After: the client does not try again itself
    assert sent_token(httpserver)


def test_429_with_retry_after_is_waited_out_and_retried(
    httpserver: HTTPServer, client: CkanClient, waits: list[float]
) -> None:
    httpserver.expect_ordered_request(ACTION).respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "7"})
    )
    httpserver.expect_ordered_request(ACTION).respond_with_response(ckan_ok({"name": "skolor-wifi"}))
    assert client.call("package_show", id="skolor-wifi") == {"name": "skolor-wifi"}
    assert waits == [7.0] and len(httpserver.log) == 2


def test_503_with_retry_after_until_the_tries_run_out_is_transient(
    httpserver: HTTPServer, client: CkanClient, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(ACTION).respond_with_response(Response("", 503, {"Retry-After": "1"}))
    error = fail(client, caplog)
    assert isinstance(error, TransientPublishError) and "HTTP 503" in str(error)
    assert waits == [1.0, 1.0, 1.0] and len(httpserver.log) == 4  # three waits, four tries


def test_a_retry_after_beyond_the_cap_is_not_waited(
    httpserver: HTTPServer, client: CkanClient, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(ACTION).respond_with_response(Response("", 429, {"Retry-After": "3600"}))
    error = fail(client, caplog)
    assert isinstance(error, TransientPublishError) and "asked to wait 3600 s" in str(error)
    assert not waits and len(httpserver.log) == 1


def test_a_portal_that_does_not_answer_in_time_is_transient(
    httpserver: HTTPServer, client: CkanClient, caplog: pytest.LogCaptureFixture
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(2)  # longer than the client's 0.5 s read timeout; the server's own pace, not an assert
        return ckan_ok({})

    httpserver.expect_request(ACTION).respond_with_handler(slow)
    error = fail(client, caplog)
    assert isinstance(error, TransientPublishError)
    assert "did not answer package_show within 0.5 s (ReadTimeout)" in str(error)
