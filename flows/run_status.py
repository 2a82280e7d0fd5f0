"""What a Prefect server knows of a dataset's runs, read over its REST API without importing Prefect.

``opendata status`` stays a light command: it asks the server only when one is known
(``PREFECT_API_URL``, or this project's running local server) and never starts one.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from opendata.settings import settings

FLOW = "publish-dataset"
FINISHED = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]


@dataclass(frozen=True)
class PrefectRuns:
    last_state: str | None  # e.g. "Completed", "Failed"
    last_start: str | None
    next_scheduled: str | None


def known_api_url() -> str | None:
    """PREFECT_API_URL, else this project's local server if it is running; None if neither."""
    configured = settings().prefect_api_url
    if configured:
        return configured.rstrip("/")
    from flows.prefect_api import running_server_url

    return running_server_url()


def _filter(api: str, body: dict[str, Any], timeout: float) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{api}/flow_runs/filter",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = json.loads(response.read())
    return data if isinstance(data, list) else []


def dataset_runs(api: str, slug: str, timeout: float = 5.0) -> PrefectRuns:
    """The last finished and the next scheduled run of deployment ``publish-dataset/<slug>``.

    Raises OSError (URLError is one) when the server does not answer.
    """
    where = {"flows": {"name": {"any_": [FLOW]}}, "deployments": {"name": {"any_": [slug]}}}
    done = _filter(
        api,
        {**where, "flow_runs": {"state": {"type": {"any_": FINISHED}}}, "sort": "START_TIME_DESC", "limit": 1},
        timeout,
    )
    planned = _filter(
        api,
        {
            **where,
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
            "sort": "EXPECTED_START_TIME_ASC",
            "limit": 1,
        },
        timeout,
    )
    last = done[0] if done else {}
    return PrefectRuns(
        (last.get("state") or {}).get("name") or last.get("state_name"),
        last.get("start_time"),
        planned[0].get("expected_start_time") if planned else None,
    )
