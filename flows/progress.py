"""In-process progress events, so the CLI can draw a progress bar while a flow runs.

Not a flow parameter (callbacks cannot be serialised to the Prefect API): listeners are
registered in the process that runs the flow; deployments simply have none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, str], None]  # (slug, step)
_listeners: list[Listener] = []

STEPS = ("extract", "validate", "convert", "publish")


def notify(slug: str, step: str) -> None:
    for listener in list(_listeners):
        listener(slug, step)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
