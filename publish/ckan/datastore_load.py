"""How the rows of a new DataStore table get there: the Action API (any portal) or ckanext-xloader.

Two paths, one result (the typed table with its key, dictionary and full-text index):

- ``api``: ``datastore_upsert`` (``method=insert``) in chunks, several calls in flight at once
  (``CKAN_DATASTORE_CONCURRENCY``, default 1, each on a client of its own), the record count
  computed once at the end. Works on every CKAN.
- ``xloader``: the table is created first, with the schema's types as the dictionary's
  ``type_override`` (xloader honours it, and only TRUNCATEs a table whose fields match), then
  ``xloader_submit`` has the portal's job worker COPY the uploaded CSV server-side; the run
  waits for the job, logging its progress, then adds the primary key and the full-text index
  in bulk and verifies the table (:mod:`publish.ckan.datastore_verify`).

``CKAN_DATASTORE_LOAD`` (``auto``, ``api``, ``xloader``) chooses; ``auto`` takes xloader when
``status_show`` lists the plugin and the table has at least ``XLOADER_MIN_ROWS`` rows (a job
costs seconds of queueing, download and parsing before its COPY: small tables are quicker
through the API). The run's notes say which path loaded the table and why.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from queue import SimpleQueue
from typing import Any

from opendata.errors import PublishError, TransientPublishError
from publish.ckan import row_count
from publish.ckan.client import CkanClient

log = logging.getLogger(__name__)

PATH_ENV = "CKAN_DATASTORE_LOAD"
CONCURRENCY_ENV = "CKAN_DATASTORE_CONCURRENCY"
PATHS = ("auto", "api", "xloader")
CONCURRENCY = 1  # more keeps the _id order only within each chunk: readers expect the file's order
MAX_CONCURRENCY = 8  # more calls in flight only queue up in CKAN's workers and PostgreSQL
XLOADER_MIN_ROWS = 50_000
XLOADER_WAIT = 3600.0  # seconds; xloader's own default job timeout
Records = list[dict[str, Any]]


def load_settings(path_setting: str | None, concurrency_setting: str | None) -> tuple[str, int]:
    """``CKAN_DATASTORE_LOAD`` and ``CKAN_DATASTORE_CONCURRENCY``, checked; one-sentence errors."""
    path = (path_setting or "").strip().lower() or "auto"
    if path not in PATHS:
        raise PublishError(f"{PATH_ENV} is {path!r}: set it to auto, api or xloader")
    text = (concurrency_setting or "").strip() or str(CONCURRENCY)
    if not text.isdigit() or not 1 <= int(text) <= MAX_CONCURRENCY:
        raise PublishError(f"{CONCURRENCY_ENV} is {text!r}: set it to a whole number from 1 to {MAX_CONCURRENCY}")
    return path, int(text)


def choose(client: CkanClient, setting: str, rows: int) -> tuple[str, str]:
    """The path to use for a table of ``rows`` rows, and why (for the run's notes)."""
    if setting == "api":
        return "api", f"{PATH_ENV}=api"
    if setting == "auto" and rows < XLOADER_MIN_ROWS:
        return "api", f"{rows} rows, fewer than {XLOADER_MIN_ROWS:,} ({PATH_ENV}=auto)"
    plugins = (client.call("status_show") or {}).get("extensions") or []
    has = "xloader" in plugins
    if setting == "xloader":
        if not has:
            raise PublishError(
                f"{PATH_ENV}=xloader, but the portal at {client.url} does not run ckanext-xloader "
                f"(status_show lists no 'xloader' plugin): set {PATH_ENV}=api or auto"
            )
        return "xloader", f"{PATH_ENV}=xloader"
    if has:
        return "xloader", f"the portal runs ckanext-xloader ({PATH_ENV}=auto)"
    return "api", f"the portal has no ckanext-xloader ({PATH_ENV}=auto)"


def insert_api(
    client: CkanClient,
    resource_id: str,
    batches: Iterator[Records],
    *,
    concurrency: int = CONCURRENCY,
    heartbeat: Callable[[], None] = lambda: None,
) -> int:
    """Insert every batch, up to ``concurrency`` calls at once; the record count once, at the end.

    Each call is its own transaction: after a failure the caller drops the half-loaded table.
    With more than one call in flight, chunks may get their ``_id`` out of the file's order.
    """
    idle: SimpleQueue[CkanClient] = SimpleQueue()
    idle.put(client)  # the caller's own client serves too (and whatever wraps it, e.g. in tests)
    for _ in range(concurrency - 1):
        idle.put(client.clone())

    def insert(records: Records) -> int:
        own = idle.get()
        try:
            own.call(
                "datastore_upsert",
                resource_id=resource_id,
                force=True,
                method="insert",
                records=records,
                calculate_record_count=False,
            )
        finally:
            idle.put(own)
        return len(records)

    done = 0
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="datastore") as pool:
        running: set[Future[int]] = set()
        try:
            for records in batches:  # read ahead by at most `concurrency` batches: memory stays flat
                heartbeat()  # a long load keeps the run's lease
                while len(running) >= concurrency:
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    done += sum(f.result() for f in finished)
                running.add(pool.submit(insert, records))
            for f in running:
                done += f.result()
        except BaseException:
            for f in running:
                f.cancel()
            raise
    end = {"method": "insert", "records": [], "calculate_record_count": True}  # ANALYZE, for the planner
    client.call("datastore_upsert", resource_id=resource_id, force=True, **end)
    row_count.settle(client, resource_id, done)  # a reader of the alias may have cached a count meanwhile
    return done


def xloader_fields(spec: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fields with the type as the dictionary's ``type_override``, which xloader's COPY keeps."""
    return [{**f, "info": {**f.get("info", {}), "type_override": f["type"]}} for f in spec]


def run_xloader(
    client: CkanClient,
    resource_id: str,
    *,
    heartbeat: Callable[[], None] = lambda: None,
    progress: Callable[[str], None] = log.info,
    poll: float = 2.0,
    timeout: float = XLOADER_WAIT,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Submit the resource's upload to xloader and wait for the job; its final status.

    The status is asked for every 0.25 s at first, then less often, up to every ``poll``
    seconds: a short job is not kept waiting a whole interval after it finished, and a long
    one is not asked hundreds of times."""
    if not client.call("xloader_submit", resource_id=resource_id, ignore_hash=True):
        raise PublishError(
            f"ckanext-xloader at {client.url} refused to load resource {resource_id} (xloader_submit "
            f"answered false): set {PATH_ENV}=api to load through the Action API"
        )
    started, said = clock(), ""
    while True:
        status = client.call("xloader_status", resource_id=resource_id)
        state = str(status.get("status", ""))
        logs = (status.get("task_info") or {}).get("logs") or []
        line = str(logs[-1].get("message", "")) if logs else state
        if line != said:
            progress(f"xloader {state}: {line}")
            said = line
        if state == "complete":
            return dict(status)
        if state == "error":
            error = status.get("error") or {}
            message = error.get("message") if isinstance(error, dict) else str(error)
            raise PublishError(
                f"ckanext-xloader at {client.url} could not load resource {resource_id}: {message or 'no reason given'}"
                f"; see the job log on the portal, or set {PATH_ENV}=api to load through the Action API"
            )
        if clock() - started > timeout:
            raise TransientPublishError(
                f"ckanext-xloader at {client.url} did not finish loading resource {resource_id} within {timeout:.0f} s "
                f"(last state {state!r}); is the portal's job worker (ckan jobs worker) running?"
            )
        heartbeat()
        sleep(poll_interval(clock() - started, poll))


def poll_interval(elapsed: float, longest: float) -> float:
    """Seconds until the next status request, ``elapsed`` seconds into a job: 1/20 of the wait so far."""
    return min(longest, 0.25 + elapsed / 20)


def describe(path: str, why: str, rows: int, seconds: float, extra: str = "") -> str:
    """The run's note on how the table was loaded."""
    rate = f", {rows / seconds:,.0f} rows/s" if seconds > 0 else ""
    return f"DataStore table loaded through {path} ({why}): {rows} rows in {seconds:.1f} s{rate}{extra}"
