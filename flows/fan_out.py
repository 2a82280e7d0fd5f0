"""``publish-all`` on a work pool: one flow run per dataset, for any worker of the pool to take.

Run in-process (``opendata publish --all``), ``publish-all`` calls ``publish-dataset`` as
subflows one after another. Run as a deployment, that would keep every dataset on the one
worker that took ``publish-all``; instead it creates a run of each dataset's own deployment
(``publish-dataset/<slug>``, same parameters), so every worker of the pool shares the work,
and waits for them. The limits still hold across workers: ``ckan-portal`` around the portal
calls, ``publish-dataset-<slug>`` around each dataset's run (flows/limits.py).

``OPENDATA_FAN_OUT=0`` keeps the subflows (one worker, one process) also in a deployment.
"""

from __future__ import annotations

import os
import time
from typing import Any

from prefect.runtime import deployment

FAN_OUT_ENV = "OPENDATA_FAN_OUT"
POLL = 3.0


def wanted() -> bool:
    """In a deployment's flow run (a worker took it), unless switched off."""
    return bool(deployment.id) and os.environ.get(FAN_OUT_ENV, "1").strip() != "0"


def run_each(slugs: list[str], parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """A flow run of ``publish-dataset/<slug>`` per dataset, all at once; their outcomes when done."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    started: dict[Any, str] = {}
    for slug in slugs:
        run: Any = run_deployment(f"publish-dataset/{slug}", parameters={"slug": slug, **parameters}, timeout=0)
        started[run.id] = slug
    outcomes: dict[str, dict[str, Any]] = {}
    with get_client(sync_client=True) as client:
        while len(outcomes) < len(started):
            for run_id, slug in started.items():
                if slug in outcomes:
                    continue
                state = client.read_flow_run(run_id).state
                if state is not None and state.is_final():
                    outcomes[slug] = {
                        "slug": slug,
                        "status": "published" if state.is_completed() else "failed",
                        "rows": None,
                        "url": "",
                        "message": state.message or state.name,
                        "flow_run": str(run_id),
                    }
            if len(outcomes) < len(started):
                time.sleep(POLL)
    return [outcomes[s] for s in slugs]
