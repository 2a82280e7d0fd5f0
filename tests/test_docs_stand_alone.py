"""The README and docs stand alone: every relative link resolves to a file of this repository.

A clone has nothing beside it (no ``../shared``, no other checkout), so a link that leaves the
repository, or names a file that is not there, is a dead end for a newcomer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted(
    [ROOT / "README.md", ROOT / "bench" / "README.md", *(ROOT / "docs").rglob("*.md")],
    key=lambda p: str(p),
)
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")  # [text](target "title")


def relative_links(text: str) -> list[str]:
    """The link targets that are paths (no scheme, no mail, no in-page anchor)."""
    targets = [m.group(1) for m in LINK.finditer(text)]
    return [t.split("#", 1)[0] for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:|^#", t)]


def test_the_link_reader_finds_paths_and_skips_urls_and_anchors():
    text = '[a](docs/x.md) [b](https://e.org/y) [c](#top) [d](../z.md#part "t") [e](mailto:a@b)'
    assert relative_links(text) == ["docs/x.md", "../z.md"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_is_a_file_of_this_repository(doc: Path):
    text = doc.read_text(encoding="utf-8")
    assert "../shared" not in text, f"{doc.relative_to(ROOT)} points at ../shared, which a clone does not have"
    for target in relative_links(text):
        resolved = (doc.parent / target).resolve()
        where = f"{doc.relative_to(ROOT)} links to {target!r}"
        assert resolved.is_relative_to(ROOT), f"{where}, outside the repository"
        assert resolved.exists(), f"{where}, which does not exist"
