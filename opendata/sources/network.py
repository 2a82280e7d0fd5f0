"""HTTP for the network sources: timeouts, retries, conditional requests, a size limit.

One client for ``http``, ``kolada`` and ``skolverket`` so they fail the same way:
- retries with exponential backoff on connection errors, timeouts, 408, 429 and 5xx only
  (urllib3's ``Retry``), honouring ``Retry-After`` up to a cap;
- what is still failing after the retries raises ``TransientSourceError`` (the Prefect task
  may retry later); any other 4xx raises ``SourceError`` (retrying cannot help);
- the ETag and Last-Modified of the previous (archived) answer are sent back, and a 304
  reuses the archived bytes instead of downloading them again;
- a response larger than ``max_bytes`` is refused;
- messages name the URL without credentials and the status; header values taken from
  environment variables (API keys) are never logged, archived or put in a message.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from opendata import __version__
from opendata.errors import SourceError, TransientSourceError
from opendata.sources.base import RawPart, RawSnapshot, utc_now
from opendata.sources.settings import NetworkSettings as NetworkSettings

if TYPE_CHECKING:  # requests is imported where a request is made: reading a manifest needs none
    import requests

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
SECRET_PARAM = re.compile(r"(key|token|secret|pass|auth|sig|credential)", re.IGNORECASE)


class CappedRetry(Retry):
    """urllib3's Retry with a ceiling on Retry-After, on every urllib3 2.x release."""

    def __init__(self, *args: Any, retry_after_cap: float = 120, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_cap = retry_after_cap

    def new(self, **kw: Any) -> CappedRetry:
        kw.setdefault("retry_after_cap", self.retry_after_cap)
        return super().new(**kw)

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.retry_after_cap)


def safe_url(url: str) -> str:
    """The URL without user:password and with secret-looking query values hidden."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode(
        [(k, "***" if SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)],
        safe=",*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class HttpClient:
    """A requests session with the settings' retries; use as a context manager."""

    def __init__(self, settings: NetworkSettings, previous: RawSnapshot | None = None) -> None:
        self.settings = settings
        self.previous = previous
        import requests
        from requests.adapters import HTTPAdapter

        self.session = requests.Session()
        retry = CappedRetry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            other=0,
            redirect=5,
            backoff_factor=settings.backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
            retry_after_cap=settings.retry_after_max,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = f"opendata-pipeline/{__version__}"
        self.session.headers.update(_env_headers(settings.headers_from_env))

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    def get(self, url: str, name: str, accept: str = "*/*") -> RawPart:
        """GET ``url`` into a part called ``name``; a 304 returns the archived part."""
        shown = safe_url(url)
        before = self.previous.part_for(shown) if self.previous else None
        headers = {"Accept": accept}
        if before is not None:
            if "ETag" in before.validators:
                headers["If-None-Match"] = before.validators["ETag"]
            if "Last-Modified" in before.validators:
                headers["If-Modified-Since"] = before.validators["Last-Modified"]
        started = utc_now()
        import requests

        try:
            response = self.session.get(url, headers=headers, timeout=self.settings.timeout, stream=True)
        except requests.RequestException as exc:
            raise TransientSourceError(f"{shown}: {_describe_failure(exc, self.settings)}") from None
        with response:
            if response.status_code == 304 and before is not None:
                return replace(before, status=304)
            _check_status(response, shown, self.settings)
            content = self._read(response, shown)
        validators = {k: response.headers[k] for k in ("ETag", "Last-Modified") if k in response.headers}
        media_type = response.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
        links = {rel: urljoin(url, link["url"]) for rel, link in response.links.items() if "url" in link}
        return RawPart(name, content, shown, media_type, started, validators, response.status_code, links)

    def get_json(self, url: str, name: str) -> tuple[RawPart, Any]:
        """GET and decode JSON; malformed JSON is a SourceError naming the URL."""
        part = self.get(url, name, accept="application/json")
        return part, load_json(part)

    def _read(self, response: requests.Response, shown: str) -> bytes:
        import requests

        limit = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise SourceError(f"{shown}: the response has {int(declared):,} bytes, more than max_bytes ({limit:,})")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise SourceError(f"{shown}: the response is larger than max_bytes ({limit:,} bytes)")
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise TransientSourceError(
                f"{shown}: the connection broke while reading: {_describe_failure(exc, self.settings)}"
            ) from None
        return b"".join(chunks)


def snapshot_of(parts: list[RawPart], origin: str, previous: RawSnapshot | None) -> RawSnapshot:
    """One snapshot of the parts a fetch made; unchanged when every part answered 304."""
    if not parts:
        raise SourceError(f"{origin}: nothing was fetched")
    unchanged = all(p.status == 304 for p in parts)
    if unchanged and previous is not None and len(previous.parts) == len(parts):
        return replace(previous, not_modified=True, replayed=None)
    content = parts[0].content if len(parts) == 1 else b""
    media_type = parts[0].media_type if len(parts) == 1 else "multipart/mixed"
    validators = dict(parts[0].validators) if len(parts) == 1 else {}
    return RawSnapshot(content, origin, media_type, max(p.retrieved_at for p in parts), validators, tuple(parts))


def load_json(part: RawPart) -> Any:
    """The part's JSON, or a SourceError saying where it is malformed."""
    try:
        return json.loads(part.content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SourceError(f"{part.url}: the answer is not UTF-8 text, so not JSON") from None
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{part.url}: the answer is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def _env_headers(spec: Mapping[str, str]) -> dict[str, str]:
    headers = {}
    for header, variable in spec.items():
        value = os.environ.get(variable)
        if not value:
            raise SourceError(
                f"the source needs the environment variable {variable} (for the header {header}), which is not set"
            )
        headers[header] = value
    return headers


def _check_status(response: requests.Response, shown: str, settings: NetworkSettings) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    reason = f"HTTP {status} {response.reason or ''}".strip()
    if status in RETRY_STATUSES:
        tries = f" after {settings.retries + 1} attempts" if settings.retries else ""
        raise TransientSourceError(
            f"{shown}: {reason}{tries}; the service may be down or rate-limiting, try again later"
        )
    if status in (401, 403):
        raise SourceError(
            f"{shown}: {reason}: the service refused access; check the API key variables in headers_from_env"
        )
    if status == 404:
        raise SourceError(f"{shown}: {reason}: no such resource; check the URL, ids and codes in the manifest")
    raise SourceError(f"{shown}: {reason}")


def _describe_failure(exc: requests.RequestException, settings: NetworkSettings) -> str:
    """A short reason: timeout or no connection, and how many attempts were made."""
    import requests

    reason: object = exc
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, MaxRetryError):
            reason = arg.reason
    tries = f" ({settings.retries + 1} attempts)" if settings.retries else ""
    if isinstance(reason, NewConnectionError):  # a subclass of ConnectTimeoutError, but refused
        return f"no connection{tries}: {type(reason).__name__}"
    if isinstance(exc, requests.Timeout) or isinstance(reason, ReadTimeoutError | ConnectTimeoutError):
        return f"no answer within {settings.timeout:g} s{tries}"
    return f"no connection{tries}: {type(reason).__name__}"
