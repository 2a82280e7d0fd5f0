"""The one door to a CKAN portal: ckanapi calls, timeouts, and error translation.

Every failure of a call becomes one of our two errors, here and nowhere else, so the flows
can decide on retries by type alone:

- ``TransientPublishError``: the network or the portal hiccuped (connection refused or reset,
  timeouts, HTTP 408/429/5xx); a retry may pass.
- ``PublishError``: the portal said no for a reason a retry will not fix (a rejected token,
  missing rights, invalid metadata).

Time is bounded: 10 s to connect, 90 s to read one answer (a DataStore chunk of
``datastore.CHUNK_ROWS`` rows is well inside that), and a total deadline per dataset
(``OPENDATA_CKAN_DEADLINE``, default 1800 s) counted from the client's first call, so a portal
that accepts connections and never answers cannot hold a dataset for half an hour per try.
A 429 or 503 with ``Retry-After`` is waited out (up to ``RETRY_AFTER_CAP``) and the call
retried, at most ``RETRY_AFTER_TRIES`` times. An answer that is not CKAN's JSON (an HTML
login page, a proxy's error page) is named as "not a CKAN API answer".

The API token is held by ckanapi's session alone. It never appears in ``repr()``, in log
lines or in an exception message (messages are scrubbed, and ckanapi's own exceptions are
not chained, because their arguments may echo a request).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import ckanapi
import requests

from opendata import __version__
from opendata.errors import PublishError, TransientPublishError
from opendata.settings import settings

log = logging.getLogger(__name__)

TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}
USER_AGENT = f"opendata/{__version__} (+ckanapi)"
TIMEOUT = (10, 90)  # connect, read (seconds)
DEADLINE_ENV = "OPENDATA_CKAN_DEADLINE"
DEADLINE = 1800.0  # seconds per dataset, over every call and wait
RETRY_AFTER_CAP = 120.0  # longest Retry-After waited out; a longer one fails the call (transient)
RETRY_AFTER_TRIES = 3


class _RemoteCKAN(ckanapi.RemoteCKAN):  # type: ignore[misc]
    """ckanapi's client, remembering the HTTP status of the last call (ckanapi drops it)."""

    last_status: int | None = None
    last_retry_after: str | None = None
    last_media_type: str = ""

    def _request_fn(self, url: str, data: Any, headers: Any, files: Any, requests_kwargs: Any) -> Any:
        self.last_status, self.last_retry_after, self.last_media_type = None, None, ""
        # As ckanapi's own _request_fn (no redirects: a redirected POST loses its body), keeping headers.
        response = self.session.post(
            url, data=data, headers=headers, files=files, allow_redirects=False, **requests_kwargs
        )
        self.last_status = response.status_code
        self.last_retry_after = response.headers.get("Retry-After")
        self.last_media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        return response.status_code, response.text

    def __repr__(self) -> str:
        return f"RemoteCKAN({self.address!r}, apikey=***)"


class CkanClient:
    """Calls CKAN actions; translates errors; never shows the token."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: tuple[float, float] = TIMEOUT,
        deadline: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else settings().ckan_deadline
        self._sleep, self._clock = sleep, clock
        self._started: float | None = None
        self._read_timeout = float(timeout[1])
        self._secret = token
        self._ckan = _RemoteCKAN(self.url, apikey=token, user_agent=USER_AGENT)

    def __repr__(self) -> str:
        return f"CkanClient(url={self.url!r}, token=***)"

    def call(self, action: str, **data: Any) -> Any:
        """Call an action with a JSON body."""
        return self._call(action, data, None)

    def show(self, action: str, **data: Any) -> Any | None:
        """A read that may find nothing: ``None`` instead of CKAN's Not Found."""
        try:
            return self._call(action, data, None, not_found_ok=True)
        except _NotFound:
            return None

    def upload(self, action: str, path: Path, **data: Any) -> Any:
        """``resource_create``/``resource_patch`` with the file as a multipart upload.

        Multipart fields must be flat strings (ckanapi's rule); callers pass strings.
        """
        with path.open("rb") as handle:
            return self._call(action, data, {"upload": (path.name, handle)})

    def download(self, url: str, path: Path) -> bool:
        """A file the portal serves (with the token: the dataset may be private); False if not there."""
        try:
            with requests.get(
                url,
                headers={"Authorization": self._secret, "User-Agent": USER_AGENT},
                timeout=self.timeout,
                stream=True,
            ) as response:
                if response.status_code != 200:
                    return False
                with path.open("wb") as handle:
                    for block in response.iter_content(1 << 20):
                        handle.write(block)
            return True
        except requests.RequestException as exc:  # no chaining: a requests error carries the headers
            error = TransientPublishError(f"CKAN at {self.url}: download failed ({type(exc).__name__})")
        raise error

    def whoami(self) -> dict[str, Any]:
        """The token's user. CKAN treats an unknown token as anonymous, so ask explicitly."""
        user = self.show("user_show")
        if not user:
            raise PublishError(
                f"CKAN at {self.url} rejected CKAN_API_TOKEN (it does not identify a user): "
                "create a new API token for the publishing user and set CKAN_API_TOKEN"
            )
        return dict(user)

    def clone(self) -> CkanClient:
        """A client of its own for another thread (one answer's status at a time per client),
        same portal, token, timeouts, and the same deadline's start."""
        twin = CkanClient(self.url, self._secret, timeout=self.timeout, deadline=self.deadline)
        twin._sleep, twin._clock = self._sleep, self._clock
        twin._started = self._started
        return twin

    def close(self) -> None:
        self._ckan.close()

    def _call(
        self,
        action: str,
        data: dict[str, Any],
        files: dict[str, Any] | None,
        not_found_ok: bool = False,
    ) -> Any:
        log.debug(
            "CKAN %s %s",
            action,
            data.get("id") or data.get("resource_id") or data.get("name") or "",
        )
        if self._started is None:
            self._started = self._clock()
        for attempt in range(RETRY_AFTER_TRIES + 1):
            self._read_timeout = min(self.timeout[1], self._remaining(action))
            timeout = (self.timeout[0], self._read_timeout)
            try:
                return self._ckan.call_action(action, data, files=files, requests_kwargs={"timeout": timeout})
            except Exception as exc:  # translated below, outside this block: no exception context kept
                error = self._translate(action, exc, not_found_ok)
            wait = self._retry_after()
            if wait is None or attempt == RETRY_AFTER_TRIES or not isinstance(error, TransientPublishError):
                break
            if wait > RETRY_AFTER_CAP or wait >= self._remaining(action):
                error = TransientPublishError(
                    f"CKAN at {self.url} asked to wait {wait:.0f} s before {action} (Retry-After), longer than "
                    f"{RETRY_AFTER_CAP:.0f} s or the time left; the last good version stays published"
                )
                break
            log.info("CKAN %s: Retry-After %.0f s, waiting", action, wait)
            self._sleep(wait)
        raise error

    def _remaining(self, action: str) -> float:
        """Seconds left of the dataset's deadline; past it, a PublishError (not retried)."""
        now = self._clock()
        left = self.deadline - (now - (self._started if self._started is not None else now))
        if left <= 0:
            raise PublishError(
                f"CKAN at {self.url}: {action} not done within the deadline of {self.deadline:.0f} s for one "
                f"dataset ({DEADLINE_ENV}); the last good version stays published"
            )
        return left

    def _retry_after(self) -> float | None:
        """The last answer's Retry-After in seconds (a number or an HTTP date), if 429 or 503."""
        value = self._ckan.last_retry_after
        if value is None or self._ckan.last_status not in (429, 503):
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None

    def _translate(self, action: str, exc: Exception, not_found_ok: bool) -> Exception:
        """Our error for ckanapi's or requests' (a requests error carries the request headers)."""
        where = f"CKAN at {self.url}"
        if isinstance(exc, ckanapi.NotFound):
            if not_found_ok:
                return _NotFound()
            return PublishError(f"{where}: {action} found nothing ({self._scrub(exc)})")
        if isinstance(exc, ckanapi.NotAuthorized):
            return PublishError(
                f"{where} refused {action}: not authorized ({self._scrub(_error_text(exc))}). "
                "Check that CKAN_API_TOKEN belongs to a user who may edit the organization"
            )
        if isinstance(exc, ckanapi.ValidationError):
            if _is_conflict(exc):
                return PortalConflict(f"{where}: {action} lost a race ({self._scrub(_error_text(exc))})")
            return PublishError(f"{where} rejected {action}: {self._scrub(_error_text(exc))}")
        if isinstance(exc, ckanapi.CKANAPIError | ckanapi.ServerIncompatibleError) and not self._answer_was_json(exc):
            status = self._ckan.last_status
            kind = self._ckan.last_media_type or "no content type"
            text = f"{where}: the answer to {action} is not a CKAN API answer (HTTP {status}, {kind})"
            if status in TRANSIENT_STATUS:
                return TransientPublishError(f"{text}; the last good version stays published")
            return PublishError(f"{text}; check that CKAN_URL is the portal's address (not a login or proxy page)")
        if isinstance(exc, ckanapi.ServerIncompatibleError):
            return PublishError(f"{self.url} did not answer {action} like a CKAN Action API; check CKAN_URL")
        if isinstance(exc, ckanapi.CKANAPIError):
            status = self._ckan.last_status
            text = f"{where}: {action} failed with HTTP {status}"
            if status is None or status in TRANSIENT_STATUS:
                return TransientPublishError(f"{text}; the last good version stays published")
            return PublishError(f"{text}: {self._scrub(str(exc))[:300]}")
        if isinstance(exc, requests.Timeout):
            return TransientPublishError(
                f"{where} did not answer {action} within {self._read_timeout:g} s ({type(exc).__name__}); "
                "the last good version stays published"
            )
        if isinstance(exc, requests.RequestException):
            return TransientPublishError(
                f"{where} did not answer {action} ({type(exc).__name__}); the last good version stays published"
            )
        if isinstance(exc, OSError):  # reading the file to upload
            return PublishError(f"{action}: could not read the file to upload ({type(exc).__name__}: {exc})")
        return exc  # a bug of ours: let it surface as it is

    def _answer_was_json(self, exc: Exception) -> bool:
        """CKAN's Action API answers application/json, errors included; anything else is not it."""
        return self._ckan.last_status is None or "json" in self._ckan.last_media_type

    def _scrub(self, value: object) -> str:
        text = str(value)
        return text.replace(self._secret, "***") if self._secret else text


class PortalConflict(PublishError):
    """Another writer got there first: a ``package_revise`` match failed, or a name was taken."""


def _is_conflict(exc: Exception) -> bool:
    detail = getattr(exc, "error_dict", None) or (exc.args[0] if exc.args else None)
    if not isinstance(detail, dict):
        return False
    return "match" in detail or "already in use" in str(detail.get("name", ""))


class _NotFound(Exception):
    """Internal: a read found nothing."""


def _error_text(exc: Exception) -> str:
    """CKAN's error dict without its ``__type``, as one line."""
    detail = getattr(exc, "error_dict", None) or (exc.args[0] if exc.args else None)
    if isinstance(detail, dict):
        parts = [f"{k}: {v}" for k, v in detail.items() if k != "__type"]
        return "; ".join(parts) or "no details"
    return str(detail)
