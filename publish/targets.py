"""The target registry: every place a build can be published to, and what the flows need to know.

A target declares its name, how it is built from the settings, whether it takes a slot of
the portal concurrency limit, which secret it needs, and when ``auto`` picks it. The flows
and the CLI ask the registry; none of them tests a target's name. Adding a target is one
module with a class plus one ``register(...)`` line below (docs/architecture.md, "Extending").
Each entry builds its target lazily, so the local path never imports ckanapi.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from opendata.errors import PublishError
from opendata.settings import Settings, settings
from publish.base import Target


@dataclass(frozen=True)
class SecretSpec:
    """A token a target needs: from the variable ``env``, else the Prefect Secret block ``block``."""

    env: str
    block: str


@dataclass(frozen=True)
class TargetInfo:
    name: str
    build: Callable[[Settings, str | None], Target]  # (settings, token found elsewhere) -> target
    summary: str
    portal_slot: bool = False  # holds a slot of the ``ckan-portal`` limit while publishing
    secret: SecretSpec | None = None
    chosen_when: Callable[[Settings], bool] | None = None  # ``auto`` picks the first that says yes
    home: Callable[[Settings], str] | None = None  # the page a person opens after a run
    batches: bool = False  # has the per-run step ``finish(batch)`` (publish.base.BatchTarget)


REGISTRY: dict[str, TargetInfo] = {}
AUTO = "auto"


def register(info: TargetInfo) -> TargetInfo:
    """Add (or replace) a target; the last registered with ``chosen_when`` is asked first by ``auto``."""
    REGISTRY[info.name] = info
    return info


def names() -> tuple[str, ...]:
    return (AUTO, *REGISTRY)


def resolve_name(name: str, current: Settings | None = None) -> str:
    """A registered name, or the one ``auto`` picks: the first target whose ``chosen_when`` holds, else local."""
    if name != AUTO and name not in REGISTRY:
        raise PublishError(f"unknown target '{name}'; use one of {', '.join(names())}")
    if name != AUTO:
        return name
    now = current or settings()
    chosen = [i.name for i in reversed(REGISTRY.values()) if i.chosen_when and i.chosen_when(now)]
    return chosen[0] if chosen else LOCAL.name


def target_info(name: str) -> TargetInfo:
    return REGISTRY[resolve_name(name)]


def info_of(target: Target) -> TargetInfo | None:
    """What the registry says of a target already built (None for one nobody registered)."""
    return REGISTRY.get(getattr(target, "name", ""))


def make_target(name: str, build_root: Path | None = None, *, token: str | None = None) -> Target:
    """``token``: found elsewhere (a Prefect Secret); the secret's variable wins over it."""
    now = settings()
    info = REGISTRY[resolve_name(name, now)]
    if build_root is not None:
        now = now.model_copy(update={"build": build_root})
    return info.build(now, token)


# The targets. CKAN_API_TOKEN / ckan-api-token: named here once (publish/ckan/target.py's message reads it).
CKAN_TOKEN = SecretSpec(env="CKAN_API_TOKEN", block="ckan-api-token")


def _local(current: Settings, token: str | None) -> Target:
    from publish.local import LocalCatalog

    return LocalCatalog(current.build_root / "catalog")


def _ckan(current: Settings, token: str | None) -> Target:
    from publish.ckan.target import CkanTarget  # only when asked: keeps ckanapi off the local path

    return CkanTarget.from_settings(current, token=token)


def _local_home(current: Settings) -> str:
    return (current.build_root / "catalog" / "index.html").as_uri()


def _ckan_home(current: Settings) -> str:
    return (current.ckan_url or "").rstrip("/") + "/dataset"


LOCAL = register(TargetInfo("local", _local, "a static catalog in build/catalog", home=_local_home, batches=True))
CKAN = register(
    TargetInfo(
        "ckan",
        _ckan,
        "a CKAN 2.11+ portal (CKAN_URL)",
        portal_slot=True,
        secret=CKAN_TOKEN,
        chosen_when=lambda s: bool(s.ckan_url),
        home=_ckan_home,
    )
)
