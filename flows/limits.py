"""How many flow runs may talk to the CKAN portal at once, across every worker and run.

A global concurrency limit named ``ckan-portal`` (created by ``scripts/serve.sh``, size
``CKAN_CONCURRENCY``, default 2), held only around the calls to the portal and only when
the target is CKAN. Why this and not a tag-based task limit:

- it guards exactly the portal calls, not the whole task, and never the local catalog
  (a tag on the ``publish`` task would throttle local publishing too);
- it names the resource, not a task, so any future task that talks to CKAN (a harvest,
  a DataStore refresh) takes a slot from the same pool;
- slots are leased: a run that dies frees its slot when the lease expires;
- where the limit does not exist (``opendata publish`` without a server, the tests'
  ephemeral server) nothing is limited, with a warning, and nothing fails.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from prefect.concurrency.sync import concurrency

from publish.base import Target

CKAN_LIMIT = "ckan-portal"


def portal_slot(target: Target) -> AbstractContextManager[None]:
    """One slot of ``ckan-portal`` while publishing to CKAN; no limit for other targets."""
    if getattr(target, "name", "") != "ckan":
        return nullcontext()
    return concurrency(CKAN_LIMIT, occupy=1)
