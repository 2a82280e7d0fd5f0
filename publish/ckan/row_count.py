"""The ``total`` CKAN answers for a table that was just changed in place, made exact.

CKAN (2.11+) answers ``datastore_search``'s ``total`` from a row-count cache
(``_table_stats``) that a read fills "when absent" and a write with
``calculate_record_count=false`` clears. The read counts in one transaction and stores in the
same one, the write clears in another after its own commit: a reader that counted just before
a write committed and stores just after it was cleared leaves the old count behind, and every
reader then sees the new rows with the old ``total`` until the next write.
(``calculate_record_count=true`` does not help: it fills the cache only when it is absent.)

So after the last write of an update the target reads the total once the readers in flight
have finished, and clears the cache again while it disagrees with the rows it wrote.
"""

from __future__ import annotations

import time

from opendata.errors import PublishError
from publish.ckan.client import CkanClient

SETTLE_SECONDS = 0.3  # longer than a reader's count of a table CKAN serves in one request
TRIES = 5


def clear(client: CkanClient, resource_id: str) -> None:
    """Drop CKAN's cached count: an upsert of no rows, which changes nothing else."""
    client.call(
        "datastore_upsert",
        resource_id=resource_id,
        force=True,
        method="upsert",
        records=[],
        calculate_record_count=False,
    )


def total(client: CkanClient, resource_id: str) -> int:
    return int(client.call("datastore_search", resource_id=resource_id, limit=0)["total"])


def settle(client: CkanClient, resource_id: str, expected: int, *, pause: float = SETTLE_SECONDS) -> int:
    """Make the cached count ``expected`` (the rows the table holds); returns the clears it took."""
    for cleared in range(TRIES):
        time.sleep(pause)  # a reader that counted before the last commit has stored by now
        if total(client, resource_id) == expected:
            return cleared
        clear(client, resource_id)
    raise PublishError(
        f"DataStore table {resource_id}: CKAN keeps answering a total other than its {expected} rows "
        f"after {TRIES} recounts: run the publish again (it re-applies the rows and recounts)"
    )
