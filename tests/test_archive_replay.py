"""The raw archive and replay: every extraction is kept byte for byte, and a replay from it
publishes the same files, byte for byte, as the run that archived it; a replay always says so.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opendata import build
from opendata.archive import Archive
from opendata.errors import SourceError
from opendata.manifest import load_manifest
from opendata.sources import RawPart, RawSnapshot


def test_a_snapshot_keeps_the_bytes_url_time_validators_and_hashes(tmp_path: Path) -> None:
    parts = (
        RawPart(
            "001-data.json", b'{"values": []}', "https://example.org/a", "application/json", validators={"ETag": '"1"'}
        ),
        RawPart("002-data.json", b"\x00\xff raw", "https://example.org/b?page=2"),
    )
    raw = RawSnapshot(b"", "https://example.org/a", "multipart/mixed", parts=parts)
    archive = Archive(tmp_path / "runtime")
    stored = archive.store("source", raw)
    again = archive.latest("source")
    assert again is not None and again.parts == stored.parts and again.sha256 == raw.sha256
    meta = json.loads((tmp_path / "runtime/source" / str(stored.snapshot_id) / "snapshot.json").read_text())
    assert (
        meta["parts"][0]["validators"] == {"ETag": '"1"'} and meta["parts"][1]["url"] == "https://example.org/b?page=2"
    )
    assert meta["retrieved_at"] == raw.retrieved_at.isoformat() and meta["sha256"] == raw.sha256
    assert archive.store("source", raw).snapshot_id == stored.snapshot_id  # same bytes: stored once
    assert len(archive.snapshots("source")) == 1


def test_a_damaged_archive_is_refused(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    stored = archive.store("source", RawSnapshot(b"a;b\n1;2\n", "datasets/x/source/x.csv", "text/csv"))
    (tmp_path / "source" / str(stored.snapshot_id) / "x.csv").write_bytes(b"a;b\n1;3\n")
    with pytest.raises(SourceError, match="does not match its SHA-256; the archive is damaged"):
        archive.latest("source")


def test_replay_without_a_snapshot_says_what_to_do(project: Path) -> None:
    m = load_manifest(project / "datasets/strategi-uppfoljning")
    with pytest.raises(SourceError, match=r"no archived snapshot to replay .*run once without replay first"):
        build.fetch(m, replay=True)


def test_validating_a_candidate_file_does_not_archive_it(project: Path, tmp_path: Path) -> None:
    from opendata.cli import app

    candidate = tmp_path / "candidate.csv"
    shutil.copyfile(project / "datasets/strategi-uppfoljning/source/matbar-uppfoljning.csv", candidate)
    result = CliRunner().invoke(app, ["validate", "strategi-uppfoljning", "--source", str(candidate)])
    assert result.exit_code == 0, result.output
    assert not (project / "archive/strategi-uppfoljning/source").exists()
    both = CliRunner().invoke(app, ["validate", "strategi-uppfoljning", "--source", str(candidate), "--replay"])
    assert both.exit_code == 2 and "not both" in both.output
