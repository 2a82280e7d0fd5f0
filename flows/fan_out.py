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

import time
from typing import Any

from prefect.runtime import deployment

from flows.outcomes import Outcome
from opendata.settings import settings

POLL = 3.0


def wanted() -> bool:
    """In a deployment's flow run (a worker took it), unless switched off."""
    return bool(deployment.id) and settings().fan_out


def run_each(slugs: list[str], parameters: dict[str, Any]) -> list[Outcome]:
    """A flow run of ``publish-dataset/<slug>`` per dataset, all at once; their outcomes when done."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    started: dict[Any, str] = {}
    for slug in slugs:
        run: Any = run_deployment(f"publish-dataset/{slug}", parameters={"slug": slug, **parameters}, timeout=0)
        started[run.id] = slug
    outcomes: dict[str, Outcome] = {}
    with get_client(sync_client=True) as client:
        while len(outcomes) < len(started):
            for run_id, slug in started.items():
                if slug in outcomes:
                    continue
                state = client.read_flow_run(run_id).state
                if state is not None and state.is_final():
                    # The run's own result stays with its worker: its state says enough here.
                    outcomes[slug] = Outcome(
                        slug,
                        "published" if state.is_completed() else "failed",
                        None,
                        message=f"{state.message or state.name} (flow run {run_id})",
                    )
            if len(outcomes) < len(started):
                time.sleep(POLL)
    return [outcomes[s] for s in slugs]
