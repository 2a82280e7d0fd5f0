"""``prefect.yaml`` from the manifests: one deployment per dataset, plus one for all of them.

The manifests are the single source of truth for when a dataset is published. A steward
edits ``schedule:`` in ``datasets/<slug>/dataset.yaml``; ``opendata deployments --write``
regenerates ``prefect.yaml`` and ``opendata deployments --check`` (run in the tests) fails
when the two disagree, so a schedule can never silently drift. Generation is a pure function
of the manifests (no clock, no machine paths): the same manifests give the same bytes.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from opendata.manifest import Manifest, discover, load_manifest

PREFECT_FILE = "prefect.yaml"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when there: 10x faster
WORK_POOL = "opendata"
DATASET_ENTRYPOINT = "flows/publish_dataset.py:publish_dataset"
ALL_ENTRYPOINT = "flows/publish_dataset.py:publish_all"
ALL_NAME = "all"
TAGS = ["opendata"]
# Per-deployment overrides of the work pool's job template. Empty for the local process
# pool; on a Docker or Kubernetes pool e.g. {"image": "registry.example/opendata:{{ $IMAGE_TAG }}"}
# ({{ $VAR }} is filled in by `prefect deploy` from its environment). See docs/operations.md.
JOB_VARIABLES: dict[str, Any] = {}

HEADER = """\
# Prefect deployments: one per dataset (flow publish-dataset), one for all (flow publish-all).
# GENERATED from datasets/*/dataset.yaml by `opendata deployments --write`: do not edit by
# hand; change the manifest's `schedule:` and regenerate. `opendata deployments --check`
# (run in the tests) fails when this file and the manifests disagree.
#
# The pull step moves each flow run into the project folder named by OPENDATA_HOME where the
# run starts (a laptop, a server, a container image), as long as `prefect deploy` runs with
# OPENDATA_HOME unset, as scripts/serve.sh does. See docs/operations.md.
"""

# `{{ $NAME }}` is Prefect's environment-variable placeholder; it is resolved by the step.
PULL_STEPS: list[dict[str, Any]] = [
    {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $OPENDATA_HOME }}"}}
]


def dataset_deployment(manifest: Manifest) -> dict[str, Any]:
    """The deployment ``publish-dataset/<slug>``: the manifest's schedule and the slug."""
    titles = manifest.title.get(manifest.language)
    english = manifest.title.get("en")
    return {
        "name": manifest.slug,
        "description": titles if titles == english else f"{titles} / {english}",
        "entrypoint": DATASET_ENTRYPOINT,
        "parameters": {"slug": manifest.slug},
        "tags": [*TAGS, manifest.slug, manifest.frequency.lower()],
        "schedules": [{"cron": manifest.schedule.cron, "timezone": manifest.schedule.timezone, "active": True}],
        "work_pool": {"name": WORK_POOL, "job_variables": dict(JOB_VARIABLES)},
    }


def all_deployment() -> dict[str, Any]:
    """``publish-all/all``: no schedule of its own; for publishing everything on demand."""
    return {
        "name": ALL_NAME,
        "description": "Every dataset in datasets/, one after the other (run on demand).",
        "entrypoint": ALL_ENTRYPOINT,
        "parameters": {},
        "tags": [*TAGS, ALL_NAME],
        "schedules": [],
        "work_pool": {"name": WORK_POOL, "job_variables": dict(JOB_VARIABLES)},
    }


def build_config(datasets_dir: Path) -> dict[str, Any]:
    """The whole prefect.yaml as data, datasets sorted by slug (``discover`` sorts)."""
    manifests = [load_manifest(folder) for folder in discover(datasets_dir)]
    return {
        "name": "opendata",
        "build": None,
        "push": None,
        "pull": PULL_STEPS,
        "deployments": [*(dataset_deployment(m) for m in manifests), all_deployment()],
    }


def render(config: dict[str, Any]) -> str:
    """Stable YAML text: insertion order kept, UTF-8 titles kept readable."""
    body = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=False)
    return HEADER + "\n" + body


def generate(project: Path) -> str:
    """The text prefect.yaml should have for the manifests under ``project/datasets``."""
    return render(build_config(project / "datasets"))


def write(project: Path) -> Path:
    path = project / PREFECT_FILE
    path.write_text(generate(project), encoding="utf-8")
    return path


def check(project: Path) -> list[str]:
    """What differs between ``project/prefect.yaml`` and the manifests; empty when in step.

    Differences are named per dataset and field, so the message says what to fix; if the
    content agrees but the bytes do not (a hand edit of comments or layout), a short diff.
    """
    path = project / PREFECT_FILE
    expected_text = generate(project)
    if not path.exists():
        return [f"{path} is missing; run `opendata deployments --write`"]
    actual_text = path.read_text(encoding="utf-8")
    if actual_text == expected_text:
        return []
    try:
        actual = yaml.safe_load(actual_text) or {}
    except yaml.YAMLError as exc:
        return [f"{path} is not valid YAML: {exc}"]
    problems = _content_differences(actual, yaml.safe_load(expected_text))
    if not problems:
        diff = difflib.unified_diff(
            actual_text.splitlines(), expected_text.splitlines(), "prefect.yaml", "generated", lineterm="", n=1
        )
        problems = ["prefect.yaml was edited by hand (same deployments, other text):", *list(diff)[:20]]
    return problems


def in_step_for(project: Path, manifest: Manifest) -> bool:
    """Whether prefect.yaml's deployment of ``manifest`` is the one it would generate.

    What ``opendata validate`` asks after validating one dataset: reading only that manifest
    keeps the command light; ``check`` compares every dataset (``opendata deployments --check``).
    """
    try:
        config = yaml.load((project / PREFECT_FILE).read_text(encoding="utf-8"), Loader=_Loader) or {}
    except (OSError, yaml.YAMLError):
        return False
    mine = [d for d in config.get("deployments") or [] if isinstance(d, dict) and d.get("name") == manifest.slug]
    return mine == [dataset_deployment(manifest)]


def _content_differences(actual: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for key in sorted((set(actual) | set(expected)) - {"deployments"}, key=str):
        if actual.get(key) != expected.get(key):
            problems.append(f"{key}: prefect.yaml has {actual.get(key)!r}, generated: {expected.get(key)!r}")
    have = {d.get("name"): d for d in actual.get("deployments") or [] if isinstance(d, dict)}
    want = {d["name"]: d for d in expected["deployments"]}
    for name in sorted(want.keys() - have.keys()):
        problems.append(f"{name}: no deployment in prefect.yaml, but datasets/{name}/dataset.yaml exists")
    for name in sorted(have.keys() - want.keys(), key=str):
        problems.append(f"{name}: deployment in prefect.yaml, but no datasets/{name}/dataset.yaml")
    for name in sorted(want.keys() & have.keys(), key=str):
        for field, (old, new) in _flat_differences(have[name], want[name]).items():
            source = f"datasets/{name}/dataset.yaml" if name != ALL_NAME else "the generator"
            problems.append(f"{name}: {field} is {old!r} in prefect.yaml, but {new!r} from {source}")
    if not problems and [d.get("name") for d in actual.get("deployments") or []] != list(want):
        problems.append("deployments: same entries in another order")
    return problems


def _flat_differences(actual: Any, expected: Any, prefix: str = "") -> dict[str, tuple[Any, Any]]:
    """Leaf-by-leaf differences as ``{"schedules[0].cron": (actual, expected)}``."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        out: dict[str, tuple[Any, Any]] = {}
        for key in sorted(set(actual) | set(expected), key=str):
            out.update(_flat_differences(actual.get(key), expected.get(key), f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(actual, list) and isinstance(expected, list) and len(actual) == len(expected):
        out = {}
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            out.update(_flat_differences(a, e, f"{prefix}[{i}]"))
        return out
    return {} if actual == expected else {prefix or "(whole)": (actual, expected)}
