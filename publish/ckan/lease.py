"""One run at a time per dataset, across processes and machines: a lease on the portal.

The lease is an extra of the dataset, ``opendata_lease`` = ``{"owner", "expires"}``. It is
taken with ``package_revise`` matching the ``metadata_modified`` just read: CKAN reads the
dataset ``FOR UPDATE`` (a row lock) before it checks the match, so of two runs that read the
same version only one can write; the other's match fails. The winner reads the dataset
again to check that the lease is its own (the brief's belt and braces).

A lease held by another run is waited for (polling) up to ``wait`` seconds; then the run stops
with one sentence naming the holder. A lease ends when its run releases it (the final
``package_update`` drops it), when it expires (a run that died on another machine), or at
once when its owner was a process on this machine that no longer exists.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opendata.errors import PublishError
from publish.ckan.client import CkanClient, PortalConflict

LEASE_EXTRA = "opendata_lease"
TTL_SECONDS = 900  # renewed between the long steps of a run
WAIT_SECONDS = 600
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Lease:
    owner: str  # host:pid:nonce
    expires: float  # unix time

    @classmethod
    def parse(cls, package: dict[str, Any] | None) -> Lease | None:
        for e in (package or {}).get("extras") or []:
            if e.get("key") == LEASE_EXTRA:
                try:
                    data = json.loads(e.get("value") or "")
                    return cls(str(data["owner"]), float(data["expires"]))
                except (ValueError, KeyError, TypeError):
                    return None  # unreadable: treated as no lease
        return None

    def dump(self) -> str:
        return json.dumps({"owner": self.owner, "expires": self.expires})

    def live(self, now: float) -> bool:
        """Still binding: not expired, and not a vanished process of this machine."""
        if self.expires <= now:
            return False
        host, _, rest = self.owner.partition(":")
        pid = rest.partition(":")[0]
        if host == socket.gethostname() and pid.isdigit():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
        return True

    def until(self) -> str:
        return datetime.fromtimestamp(self.expires, UTC).isoformat(timespec="seconds")


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def without_lease(extras: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in extras if e.get("key") != LEASE_EXTRA]


class Leases:
    """Take, renew and release the lease of a dataset for one owner (one target)."""

    def __init__(
        self,
        client: CkanClient,
        owner: str,
        *,
        ttl: float = TTL_SECONDS,
        wait: float = WAIT_SECONDS,
        poll: float = POLL_SECONDS,
    ) -> None:
        self.client, self.owner, self.ttl, self.wait, self.poll = client, owner, ttl, wait, poll
        self.taken_at = 0.0
        self.waited = 0.0  # seconds this target spent waiting for other runs' leases

    def mine(self) -> Lease:
        return Lease(self.owner, time.time() + self.ttl)

    def held_by_other(self, package: dict[str, Any] | None) -> Lease | None:
        lease = Lease.parse(package)
        if lease and lease.owner != self.owner and lease.live(time.time()):
            return lease
        return None

    def wait_free(self, name: str, package: dict[str, Any] | None) -> dict[str, Any] | None:
        """The dataset once no other run holds it (re-read); stops after ``wait`` seconds."""
        start = time.monotonic()
        deadline = start + self.wait
        while (other := self.held_by_other(package)) is not None:
            if time.monotonic() >= deadline:
                raise PublishError(
                    f"dataset '{name}' is being published by another run ({other.owner}, lease until "
                    f"{other.until()} UTC); this run wrote nothing: run it again when that run is done"
                )
            time.sleep(self.poll)
            package = self.client.show("package_show", id=name)
            self.waited += time.monotonic() - start
            start = time.monotonic()
        return package

    def acquire(self, name: str, seen: dict[str, Any] | None) -> dict[str, Any]:
        """Take the lease on an existing dataset; returns the dataset as read after taking it."""
        while True:
            package = self.wait_free(name, seen) or {}
            if not package:
                raise PublishError(f"dataset '{name}' disappeared from {self.client.url} during the publish")
            extras = [*without_lease(package.get("extras") or []), {"key": LEASE_EXTRA, "value": self.mine().dump()}]
            try:
                self.client.call(
                    "package_revise",
                    match={"id": package["id"], "metadata_modified": package["metadata_modified"]},
                    update={"extras": extras},
                )
            except PortalConflict:  # somebody wrote in between: read again, maybe wait
                seen = self.client.show("package_show", id=name)
                continue
            seen = self.client.show("package_show", id=name)
            lease = Lease.parse(seen)
            if seen and lease and lease.owner == self.owner:
                self.taken_at = time.monotonic()
                return dict(seen)

    def renew(self, package_id: str) -> None:
        """Push the expiry on when half of it has passed (a long DataStore load)."""
        if time.monotonic() - self.taken_at < self.ttl / 2:
            return
        package = self.client.call("package_show", id=package_id)
        lease = Lease.parse(package)
        if not lease or lease.owner != self.owner:
            raise PublishError(
                f"dataset '{package['name']}': this run's lease was taken over by {lease.owner if lease else 'nobody'}"
                " (it expired during a long step); stopping so the two runs do not mix"
            )
        extras = [*without_lease(package.get("extras") or []), {"key": LEASE_EXTRA, "value": self.mine().dump()}]
        self.client.call("package_revise", match={"id": package_id}, update={"extras": extras})
        self.taken_at = time.monotonic()

    def release(self, package_id: str) -> None:
        """Drop our lease if it is still there (after a failure; a success drops it in its update)."""
        package = self.client.show("package_show", id=package_id)
        lease = Lease.parse(package)
        if package and lease and lease.owner == self.owner:
            extras = without_lease(package.get("extras") or [])
            self.client.call(
                "package_revise",
                match={"id": package_id, "metadata_modified": package["metadata_modified"]},
                update={"extras": extras},
            )
