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

import fcntl
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext, suppress
from typing import Any

from prefect.concurrency.sync import concurrency

from flows.prefect_api import only_this_machine
from opendata.settings import build_root
from publish.base import Target
from publish.targets import info_of

log = logging.getLogger(__name__)

CKAN_LIMIT = "ckan-portal"


def portal_slot(target: Target) -> AbstractContextManager[None]:
    """One slot of ``ckan-portal`` for a target that declares it takes one (CKAN); none for others."""
    info = info_of(target)
    if info is None or not info.portal_slot:
        return nullcontext()
    return _portal_slot()


@contextmanager
def _portal_slot() -> Iterator[None]:
    """The slot, with a log line just after taking it and just before giving it back: the
    interval between them lies inside the hold (tests/test_workers.py reads them)."""
    with _acquired(CKAN_LIMIT):
        logger = _run_logger()
        logger.info("%s: slot taken", CKAN_LIMIT)
        try:
            yield
        finally:
            logger.info("%s: slot given back", CKAN_LIMIT)


ACQUIRE_TRIES = 5


@contextmanager
def _acquired(name: str, **options: Any) -> Iterator[None]:
    """One slot of ``name``; a server that answers the acquisition with an error (a busy server
    said 503) is asked again, after 1, 2, 4, 8 s, before the run gives up."""
    from prefect.concurrency._asyncio import ConcurrencySlotAcquisitionError

    for attempt in range(ACQUIRE_TRIES):
        stack = ExitStack()
        try:
            stack.enter_context(concurrency(name, occupy=1, **options))
        except ConcurrencySlotAcquisitionError as exc:
            if attempt == ACQUIRE_TRIES - 1:
                raise
            log.warning("%s: could not take a slot (%s); asking again in %d s", name, exc, 2**attempt)
            time.sleep(2**attempt)
            continue
        with stack:
            yield
        return


def _run_logger() -> Any:
    """The run's logger (its lines reach the server), or this module's outside a run."""
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return log


DATASET_LIMIT = "publish-dataset-{slug}"  # one slot each: one run of a dataset at a time


@contextmanager
def dataset_slot(slug: str) -> Iterator[None]:
    """Hold the dataset for the whole run (extract to publish); a second run waits for it.

    Two locks, for two kinds of neighbour:

    - a file lock in the build folder, for processes on this machine (``opendata publish`` in
      two shells, a CLI run next to a worker): they also share the build folder, which a
      second run would rewrite under the first one's uploads;
    - the Prefect global concurrency limit ``publish-dataset-<slug>`` (created with one slot
      when missing), for flow runs on other workers of the same server.

    Runs from other machines without a shared server meet at the portal: the CKAN target's
    lease (publish/ckan/lease.py). When the API is this project's own server on a loopback
    address (flows/prefect_api.py), no other machine can reach it, so the file lock alone
    decides, and the run saves three API calls a dataset (take, renew, give back).
    """
    folder = build_root() / ".locks"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{slug}.lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("%s: another run of this dataset is in progress on this machine; waiting for it", slug)
            fcntl.flock(handle, fcntl.LOCK_EX)
        name = DATASET_LIMIT.format(slug=slug)
        if only_this_machine():  # every client of the API is a process here, held by the file lock
            yield
            return
        _ensure_limit(name)
        with _acquired(name, lease_duration=900):
            logger = _run_logger()
            logger.info("%s: slot taken", name)
            try:
                yield
            finally:
                logger.info("%s: slot given back", name)


_existing: dict[str, set[str]] = {}  # per API: the limits this process knows exist
_existing_lock = threading.Lock()


def _ensure_limit(name: str) -> None:
    """Create the limit when missing. The server's limits are read once per process and API
    (one call for every dataset of a run, not a refused create per dataset)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists

    with _existing_lock, get_client(sync_client=True) as client:
        api = str(client.api_url)
        if api not in _existing:
            _existing[api] = {limit.name for limit in client.read_global_concurrency_limits(limit=200)}
        if name in _existing[api]:
            return
        with suppress(ObjectAlreadyExists):
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
        _existing[api].add(name)
