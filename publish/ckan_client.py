"""The one door to a CKAN portal: ckanapi calls, timeouts, and error translation.

Every failure of a call becomes one of our two errors, here and nowhere else, so the flows
can decide on retries by type alone:

- ``TransientPublishError``: the network or the portal hiccuped (connection refused or reset,
  timeouts, HTTP 408/429/5xx); a retry may pass.
- ``PublishError``: the portal said no for a reason a retry will not fix (a rejected token,
  missing rights, invalid metadata).

The API token is held by ckanapi's session alone. It never appears in ``repr()``, in log
lines or in an exception message (messages are scrubbed, and ckanapi's own exceptions are
not chained, because their arguments may echo a request).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import ckanapi
import requests

from opendata import __version__
from opendata.errors import PublishError, TransientPublishError

log = logging.getLogger(__name__)

TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}
USER_AGENT = f"opendata/{__version__} (+ckanapi)"
TIMEOUT = (10, 600)  # connect, read: a 1M-row DataStore chunk or a big upload takes a while


class _RemoteCKAN(ckanapi.RemoteCKAN):
    """ckanapi's client, remembering the HTTP status of the last call (ckanapi drops it)."""

    last_status: int | None = None

    def _request_fn(self, url: str, data: Any, headers: Any, files: Any, requests_kwargs: Any) -> Any:
        self.last_status = None
        status, text = super()._request_fn(url, data, headers, files, requests_kwargs)
        self.last_status = status
        return status, text

    def __repr__(self) -> str:
        return f"RemoteCKAN({self.address!r}, apikey=***)"


class CkanClient:
    """Calls CKAN actions; translates errors; never shows the token."""

    def __init__(self, url: str, token: str, *, timeout: tuple[int, int] = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
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
        try:
            return self._ckan.call_action(action, data, files=files, requests_kwargs={"timeout": self.timeout})
        except Exception as exc:  # translated below, outside this block: no exception context kept
            error = self._translate(action, exc, not_found_ok)
        raise error

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
        if isinstance(exc, ckanapi.ServerIncompatibleError):
            return PublishError(f"{self.url} did not answer {action} like a CKAN Action API; check CKAN_URL")
        if isinstance(exc, ckanapi.CKANAPIError):
            status = self._ckan.last_status
            text = f"{where}: {action} failed with HTTP {status}"
            if status is None or status in TRANSIENT_STATUS:
                return TransientPublishError(f"{text}; the last good version stays published")
            return PublishError(f"{text}: {self._scrub(str(exc))[:300]}")
        if isinstance(exc, requests.RequestException):
            return TransientPublishError(
                f"{where} did not answer {action} ({type(exc).__name__}); the last good version stays published"
            )
        if isinstance(exc, OSError):  # reading the file to upload
            return PublishError(f"{action}: could not read the file to upload ({type(exc).__name__}: {exc})")
        return exc  # a bug of ours: let it surface as it is

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
