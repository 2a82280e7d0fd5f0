"""Secrets for deployments: a target's token from a Prefect Secret block.

A deployment's worker may not have the token's variable (CKAN_API_TOKEN) in its environment;
the token then lives in the Secret block the target declares (``ckan-api-token``). The lookup
is here, in flows/, so that publish/ never needs Prefect. The variable wins when both exist.
"""

from __future__ import annotations

import os
from typing import Any, cast

from publish.targets import target_info


def target_token(target: str) -> str | None:
    """The token from the target's Secret block, when it needs one and the environment has none."""
    secret = target_info(target).secret
    if secret is None or os.environ.get(secret.env):
        return None
    from prefect.blocks.system import Secret

    try:
        block = cast("Secret[Any]", Secret.load(secret.block))  # sync call: typed as sync-or-async
    except ValueError:  # no such block: the target's builder names the variable and the block
        return None
    value: Any = block.get()
    return str(value) if value else None
