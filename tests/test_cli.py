"""The CLI: exit codes, errors printed as sentences (never a bare traceback)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from opendata.cli import app

runner = CliRunner()


def test_list_shows_every_dataset(project: Path) -> None:
    result = runner.invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for slug in ("bredband", "skolor-wifi", "strategi-uppfoljning"):
        assert slug in result.output


def test_validate_valid_dataset_exits_0(project: Path) -> None:
    result = runner.invoke(app, ["validate", "bredband"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "valid: bredband, 27 rows" in result.output
    assert (project / "build/reports/bredband/validation-report.md").is_file()


def test_validate_invalid_source_exits_1_and_prints_the_errors(project: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    original = (project / "datasets/skolor-wifi/source/wifi-inventering.csv").read_bytes()
    bad.write_bytes(original.replace(b";46;", b";-46;"))
    result = runner.invoke(app, ["validate", "skolor-wifi", "--source", str(bad)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "Antal accesspunkter" in result.output and "-46" in result.output and "must be at least 0" in result.output
    assert "Traceback" not in result.output


def test_broken_manifest_is_one_clear_line(project: Path) -> None:
    path = project / "datasets/bredband/dataset.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("frequency: ANNUAL", "frequency: yearly"), encoding="utf-8"
    )
    result = runner.invoke(app, ["validate", "bredband"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "'frequency': 'yearly' is not allowed" in result.output
    assert "Traceback" not in result.output


def test_missing_source_file_is_a_clear_error(project: Path) -> None:
    shutil.rmtree(project / "datasets/skolor-wifi/source")
    result = runner.invoke(app, ["validate", "skolor-wifi"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "source file not found" in result.output


def test_publish_needs_a_slug_or_all(project: Path) -> None:
    assert runner.invoke(app, ["publish"]).exit_code == 2
    unknown = runner.invoke(app, ["publish", "no-such-dataset"], env={"COLUMNS": "200"})
    assert unknown.exit_code == 2 and "no dataset 'no-such-dataset'" in unknown.output
    bad_target = runner.invoke(app, ["publish", "bredband", "--target", "ftp"], env={"COLUMNS": "200"})
    assert bad_target.exit_code == 2 and "unknown target 'ftp'" in bad_target.output
