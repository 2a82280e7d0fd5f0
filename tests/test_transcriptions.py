"""The strategies' transcriptions: row counts, and every row read from the text in the repository."""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "docs" / "sources"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("transcribe_moss", ROOT / "scripts/transcribe_moss_strategy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["transcribe_moss"] = module
    spec.loader.exec_module(module)
    return module


def _words(text: str) -> str:
    """Whitespace-normalised, without footnote marks (<sup>5</sup>, ⁷)."""
    text = re.sub(r"<sup>\d+</sup>|[⁰¹²³⁴⁵⁶⁷⁸⁹]+", "", text)
    return " ".join(text.split())


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_ornskoldsvik_has_37_follow_ups_each_from_the_strategy_text() -> None:
    rows = _rows(ROOT / "datasets/strategi-uppfoljning/source/matbar-uppfoljning.csv")
    text = _words((SOURCES / "ornskoldsvik-digitaliseringsstrategi-2018.txt").read_text(encoding="utf-8"))
    assert len(rows) == 37
    assert [r["Id"] for r in rows] == sorted({r["Id"] for r in rows})
    # Each follow-up is word for word in the strategy's text (footnote marks dropped).
    assert [r["Id"] for r in rows if _words(r["Mätbar uppföljning"]) not in text] == []
    assert sum(1 for r in rows if r["Status"] == "ej bedömd") == 37


def test_moss_has_42_measures_in_five_focus_areas() -> None:
    script = _script()
    measures = script.transcribe(script.TEXT.read_text(encoding="utf-8"))
    per_area = {a: sum(1 for m in measures if m.area == a) for a in range(1, 6)}
    assert per_area == {1: 13, 2: 13, 3: 7, 4: 1, 5: 8}
    assert len(measures) == 42
    names = [m.area_name for m in measures]
    assert list(dict.fromkeys(names)) == [
        "Innovasjonskultur",
        "Innovasjonsledelse",
        "Innovasjonsprosess",
        "Porteføljestyring",
        "Digital transformasjon",
    ]
    text = _words(script.TEXT.read_text(encoding="utf-8"))
    assert all(_words(m.text) in text and _words(m.goal) in text for m in measures)
    # The heading the text extraction made a bullet is not a measure; its list is strategy 3.3's.
    assert not any(m.text.startswith("Kontinuerlig forbedring –") for m in measures)
    assert measures[-8].strategy == "Brukerorientering og brukeropplevelse"


def test_the_shipped_csv_is_the_transcription_and_keeps_the_stewards_status(tmp_path: Path) -> None:
    script = _script()
    assert script.main(["--check"]) == 0  # datasets/moss-strategi-tiltak/source/tiltak.csv is current
    rows = _rows(script.CSV)
    assert len(rows) == 42 and {r["Status"] for r in rows} <= {"ikke vurdert", "pågår", "gjennomført"}
    kept = {"2-04": ("pågår", "Vedtatt i bystyret")}
    rendered = script.render(script.transcribe(script.TEXT.read_text(encoding="utf-8")), kept)
    line = next(x for x in rendered.splitlines() if x.startswith("2-04,"))
    assert line.endswith(",pågår,Vedtatt i bystyret")
