"""Secrets for deployments: the CKAN API token from a Prefect Secret block.

A deployment's worker may not have CKAN_API_TOKEN in its environment; the token then lives
in a Secret block named ``ckan-api-token``. The lookup is here, in flows/, so that publish/
never needs Prefect. The environment variable wins when both exist.
"""

from __future__ import annotations

import os
from typing import Any, cast

from publish.targets import resolve_name

TOKEN_BLOCK = "ckan-api-token"


def ckan_token(target: str) -> str | None:
    """The token from the Secret block, when the target is CKAN and the environment has none."""
    if resolve_name(target) != "ckan" or os.environ.get("CKAN_API_TOKEN"):
        return None
    from prefect.blocks.system import Secret

    try:
        block = cast("Secret[Any]", Secret.load(TOKEN_BLOCK))  # sync call: typed as sync-or-async
    except ValueError:  # no such block: from_env names the variable and the block
        return None
    value: Any = block.get()
    return str(value) if value else None
