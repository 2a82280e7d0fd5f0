"""The README's steward steps, tried as written: each command in a subprocess, on fixture files.

`opendata new` -> replace the TODO texts -> `opendata validate` -> `opendata publish`, from a
Windows-1252 ';' CSV with decimal commas and from a sheet below two title rows; then
`opendata status` and `history` say what ran. Publishing uses the session's Prefect test
server (its URL passed as PREFECT_API_URL), no other file is written by hand.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "steward"
pytestmark = pytest.mark.usefixtures("prefect_harness")


def readme_steps() -> list[str]:
    """The lines of the first sh block under 'Adding a dataset', as the README has them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Adding a dataset") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the steward section has no sh block"
    return [line.split("   #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def run(project: Path, command: str, file: Path, sheet: str | None) -> subprocess.CompletedProcess[str]:
    """One README line: `.venv/bin/opendata ...` with the fixture file in place of the example's."""
    args = command.split()[1:]
    if args[0] == "new":
        owner = ["--publisher", args[args.index("--publisher") + 1]] if "--publisher" in args else []
        args = [*args[:2], "--from", str(file), *(["--sheet", sheet] if sheet else []), *owner]
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith(("CKAN_", "PREFECT_API"))}
    env.update(OPENDATA_HOME=str(project), PREFECT_API_URL=str(PREFECT_API_URL.value()), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "opendata", *args], cwd=project, env=env,
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def write_the_texts(project: Path, slug: str) -> None:
    """What the steward does by hand in an editor: every TODO replaced by a sentence."""
    for path in (project / "datasets" / slug / "dataset.yaml", project / "schemas" / f"{slug}.schema.json"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"TODO: beskriv kolumnen '([^']*)'", r"Kolumnen \1 i förvaltningens lista.", text)
        text = re.sub(r"TODO: [^\"]*", "Publika wifi-platser i Örnsköldsvik (exempeldata).", text)
        assert "TODO:" not in text
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "sheet"),
    [(FIXTURES / "publik-wifi.csv", None), (FIXTURES / "publik-wifi.xlsx", "Platser")],
    ids=["csv", "xlsx"],
)
def test_the_readme_steps_publish_a_new_dataset(project: Path, file: Path, sheet: str | None) -> None:
    steps = readme_steps()
    assert [s.split()[1] for s in steps if s.startswith(".venv/bin/opendata")] == ["new", "validate", "publish"]
    assert any(s.startswith("# replace every TODO") for s in steps)
    slug = steps[0].split()[2]
    for step in steps:
        if step.startswith("#"):
            write_the_texts(project, slug)
            continue
        done = run(project, step, file, sheet)
        assert done.returncode == 0, f"{step}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        if " validate " in step:
            assert f"valid: {slug}" in done.stdout and "Still to write" not in done.stdout
    assert (project / "build" / "catalog" / slug / "data.parquet").is_file()
    assert "created" in done.stdout

    status = run(project, ".venv/bin/opendata status", file, sheet)
    assert status.returncode == 0, status.stderr
    line = next(x for x in status.stdout.splitlines() if slug in x)
    assert "valid" in line and "local: created" in line
    history = run(project, f".venv/bin/opendata history {slug}", file, sheet)
    assert history.returncode == 0, history.stderr
    assert "valid" in history.stdout and "local" in history.stdout
