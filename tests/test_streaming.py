"""Streaming validate + convert (opendata.streaming): batch by batch, the same findings and files.

The differential cases feed the generator's tables of tests/test_validator_differential.py
to the streaming engine in small batches (so errors, blank rows and repeated keys fall on
both sides of batch boundaries) and compare with frictionless. The end-to-end cases read
a CSV file from disk in tiny blocks through fetch/parse/check/convert and compare with
the in-memory path: same report, same CSV bytes, same Parquet rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata import build
from opendata.errors import SourceError
from opendata.manifest import load_manifest
from opendata.prepare import PreparedTable
from opendata.report import ValidationReport
from opendata.streaming.check import validate_batches
from opendata.streaming.keys import Prints, fingerprints
from opendata.validate.messages import ERROR_LIMIT
from opendata.validate.reference import validate_table
from tests.helpers import write_dataset
from tests.test_validator_differential import prepared_table, random_table, rows_of, schema_of

SEEDS = 150


def sliced(prepared: PreparedTable, size: int):
    """The prepared table as batches of ``size`` rows, as the streaming reader hands them over."""

    def batches(fields: list[str] | None) -> Iterator[tuple[int, PreparedTable]]:
        for start in range(0, prepared.table.num_rows, size):
            part = prepared.table.slice(start, size)
            if fields is not None:
                part = part.select(fields)
            written = {k: v.slice(start, size) for k, v in prepared.as_written.items()}
            yield start, replace(prepared, table=part, first_data_row=prepared.first_data_row + start,
                                 as_written=written)  # fmt: skip

    return batches


def streamed(
    descriptor: dict[str, Any], columns: dict[str, list[str]], size: int, first_row: int = 2
) -> ValidationReport:
    prepared = prepared_table(columns, first_row)
    return validate_batches("generated", prepared, sliced(prepared, size), schema_of(descriptor), "keep",
                            doubtful_values=False)  # fmt: skip


def assert_same_streamed(descriptor: dict[str, Any], columns: dict[str, list[str]], size: int,
                         first_row: int = 2) -> ValidationReport:  # fmt: skip
    reference = validate_table("generated", prepared_table(columns, first_row), schema_of(descriptor), [])
    fast = streamed(descriptor, columns, size, first_row)
    assert rows_of(fast) == rows_of(reference)
    assert fast.row_count == reference.row_count
    return fast


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
@pytest.mark.parametrize("seed", range(SEEDS))
def test_random_tables_in_small_batches_give_frictionless_findings(seed: int) -> None:
    descriptor, columns = random_table(seed)
    assert_same_streamed(descriptor, columns, size=1 + seed % 7, first_row=2 + seed % 4)


def test_repeated_keys_in_different_batches_name_the_earlier_row() -> None:
    descriptor = {
        "fields": [{"name": "id", "type": "string", "constraints": {"required": True}},
                   {"name": "n", "type": "integer", "constraints": {"unique": True}}],
        "primaryKey": ["id"],
    }  # fmt: skip
    ids = [f"adress-{i:04d}-Storgatan-Örnsköldsvik" for i in range(40)]
    ids[33] = ids[2]  # batch 0 and batch 6 (of five rows each)
    ids[39] = ids[33]  # and again, naming row 33, the latest earlier one
    numbers = [str(i) for i in range(40)]
    numbers[17] = numbers[4]
    fast = assert_same_streamed(descriptor, {"id": ids, "n": numbers}, size=5)
    assert [(e.row, e.rule) for e in fast.errors] == [(19, "unique"), (35, "primary-key"), (41, "primary-key")]
    assert "first seen in line 4" in fast.errors[1].message
    assert "first seen in line 35" in fast.errors[2].message


def test_composite_key_repeats_across_batches() -> None:
    descriptor = {
        "fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "number"}],
        "primaryKey": ["a", "b"],
    }
    a = [str(i % 5) for i in range(30)]
    b = [str(i // 5) for i in range(30)]
    b[29] = "0.0"  # (4, 0.0) repeats row 4's (4, 0) as a number
    b[12] = "0.00"
    assert_same_streamed(descriptor, {"a": a, "b": b}, size=4)


def test_error_limit_cut_across_batches() -> None:
    rows = ERROR_LIMIT // 3 + 50
    descriptor = {
        "fields": [
            {"name": "code", "type": "string", "constraints": {"required": True, "pattern": "[0-9]{4}"}},
            {"name": "n", "type": "integer", "constraints": {"maximum": 5, "unique": True}},
            {"name": "when", "type": "date"},
        ],
        "primaryKey": ["n", "code"],
    }
    columns = {"code": ["12a"] * rows, "n": [str(i % 900) for i in range(rows)], "when": ["2024-02-30"] * rows}
    fast = assert_same_streamed(descriptor, columns, size=997)
    assert len(fast.errors) == ERROR_LIMIT


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    cells=st.lists(st.sampled_from(["1", "2", "3", "01", "+1", "1.0", "", "x", "3"]), max_size=30),
    size=st.integers(min_value=1, max_value=8),
)
def test_unique_integers_any_batch_size(cells: list[str], size: int) -> None:
    descriptor = {"fields": [{"name": "v", "type": "integer", "constraints": {"unique": True}}], "primaryKey": ["v"]}
    assert_same_streamed(descriptor, {"v": cells}, size)


def test_fingerprints_are_equal_for_equal_strings_in_any_chunk() -> None:
    """A value's fingerprint does not depend on its batch (nulls around it, offsets)."""
    values = ["Storgatan 12, Örnsköldsvik", "Storgatan 21, Örnsköldsvik", "", "a", "abcdefgh", "abcdefghi"]
    whole = fingerprints(pa.array(values))
    pieces = np.concatenate([fingerprints(pa.array([None, *values]).slice(1 + i, 1)) for i in range(len(values))])
    assert (whole == pieces).all()
    assert len(set(whole.tolist())) == len(values)  # same ends, different middles: different prints
    prints = Prints(2)
    for chunk in (whole[:3], whole[3:], whole[:1]):
        prints.add(chunk)
    assert prints.shared().tolist() == [whole[0]]


def _dataset(tmp_path: Path, rows: list[str], **manifest: Any) -> Path:
    fields: list[dict[str, Any]] = [
        {"name": "id", "type": "string", "constraints": {"required": True}},
        {"name": "n", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "share", "type": "number"},
        {"name": "day", "type": "date"},
        {"name": "note", "type": "string"},
    ]
    body = "Id;N;Andel;Dag;Not\n" + "".join(r + "\n" for r in rows)
    columns = {"Id": "id", "N": "n", "Andel": "share", "Dag": "day", "Not": "note"}
    return write_dataset(tmp_path, "stor", fields, body.encode("utf-8"), {"delimiter": ";", "decimal": ","},
                         primary_key=["id"], columns=columns, **manifest)  # fmt: skip


def _rows(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [f"k{i:05d};{rng.randint(0, 99)};{rng.randint(0, 999)},{rng.randint(0, 9)};2024-01-{1 + i % 28:02d};"
            f"{rng.choice(['', 'text', '=SUM(A1)', 'ok'])}" for i in range(count)]  # fmt: skip


def _run(folder: Path, monkeypatch: pytest.MonkeyPatch, stream: bool, out: Path) -> tuple[Any, Any]:
    monkeypatch.setenv("OPENDATA_STREAM_BYTES", "0" if stream else str(1 << 40))
    monkeypatch.setenv("OPENDATA_STREAM_BLOCK_BYTES", "512")
    manifest = load_manifest(folder)
    raw = build.extract(manifest)
    parsed = build.parse(manifest, raw)
    assert (parsed.stream is not None) == stream
    prepared, report = build.validate(manifest, parsed)
    built = build.convert(manifest, prepared, report, raw, out) if report.valid else None
    return report, built


def test_a_streamed_file_gives_the_in_memory_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _dataset(tmp_path, [*_rows(300), ";;;;", ";;;;"])  # trailing empty rows are not data
    monkeypatch.setattr("opendata.streaming.writer.ROW_GROUP_ROWS", 64)  # several row groups
    memory, built_memory = _run(folder, monkeypatch, False, tmp_path / "memory")
    stream, built_stream = _run(folder, monkeypatch, True, tmp_path / "stream")
    assert memory.valid and stream.valid and stream.row_count == memory.row_count == 300
    assert stream.warnings == memory.warnings and stream.warnings  # formulas, neutralised
    assert (built_stream.directory / "data.csv").read_bytes() == (built_memory.directory / "data.csv").read_bytes()
    assert pq.read_table(built_stream.directory / "data.parquet").equals(
        pq.read_table(built_memory.directory / "data.parquet")
    )
    assert pq.ParquetFile(built_stream.directory / "data.parquet").num_row_groups > 1  # it was written in batches
    assert built_stream.row_count == 300 and built_stream.file("data-xlsx").bytes > 0
    staged = list(Path(built_stream.directory).glob("opendata-stream-*"))
    assert not staged


def test_a_streamed_file_reports_what_memory_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _rows(400)
    rows[5] = "k00005;-1;1,5;2024-02-30;"  # below the minimum, not a date
    rows[250] = "k00003;1;NaN;2024-01-01;"  # a repeated key far from the first; NaN refused
    rows[399] = "k00399;x;1 000;2024-01-01;"  # a thousands space that was not declared
    monkeypatch.setenv("OPENDATA_STREAM_TMP", str(tmp_path / "staging"))
    (tmp_path / "staging").mkdir()
    folder = _dataset(tmp_path, rows)
    memory, _ = _run(folder, monkeypatch, False, tmp_path / "memory")
    stream, built = _run(folder, monkeypatch, True, tmp_path / "stream")
    assert not stream.valid and built is None
    assert [e.__dict__ for e in stream.errors] == [e.__dict__ for e in memory.errors]
    assert {(e.row, e.rule) for e in stream.errors} >= {(7, "minimum"), (7, "type"), (252, "primary-key")}
    assert stream.warnings == memory.warnings == []
    assert list((tmp_path / "staging").iterdir()) == []  # nothing staged is left behind


def test_a_ragged_line_in_a_streamed_file_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _rows(100)
    rows[60] = "k00060;1;2"
    folder = _dataset(tmp_path, rows)
    with pytest.raises(SourceError, match=r"1 line\(s\) do not have 5 cells separated by ';': line 62: expected 5"):
        _run(folder, monkeypatch, True, tmp_path / "stream")


def test_a_streamed_file_is_archived_and_replayed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _dataset(tmp_path, _rows(50))
    monkeypatch.setenv("OPENDATA_STREAM_BYTES", "0")
    manifest = load_manifest(folder)
    raw = build.extract(manifest)
    assert raw.file is not None and raw.content == b"" and raw.snapshot_id
    again = build.extract(manifest, replay=True)
    assert again.sha256 == raw.sha256 and again.file is not None and again.file != raw.file
    assert again.file.read_bytes() == (folder / "source" / "data.csv").read_bytes()
