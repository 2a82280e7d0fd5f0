"""Transcribe Moss's "Strategi innovasjon og digital transformasjon" into one row per measure.

Reads the strategy's text as kept in the repository (docs/sources/), finds the five focus areas
("Satsningsområde"/"Hovedområde" 1-5), each area's goal ("Slik vil vi ha det"), its strategies
("Slik kommer vi dit") and its measures ("Slik gjør vi det": the items after each "Vi skal ...:"),
and writes datasets/moss-strategi-tiltak/source/tiltak.csv. The status and comment columns are
the steward's: a re-run keeps them for every measure whose id is unchanged.

    .venv/bin/python scripts/transcribe_moss_strategy.py          # write the CSV
    .venv/bin/python scripts/transcribe_moss_strategy.py --check  # exit 1 if the CSV is not current
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT = ROOT / "docs/sources/moss-strategi-innovasjon-digital-transformasjon.txt"
CSV = ROOT / "datasets/moss-strategi-tiltak/source/tiltak.csv"
HEADER = ["Id", "Hovedområde", "Hovedområdenavn", "Mål", "Strategi", "Tiltak", "Status", "Kommentar"]
START_STATUS = "ikke vurdert"
AREA = re.compile(r"^## (?:Satsningsområde|Hovedområde) (\d): (.+)$")
BLOCK = re.compile(r"^(?:#+ )?Vi skal\b.*:$")
BULLET = re.compile(r"^(?:- |\d+\. )")
# The text extraction turned the heading of area 3's third strategy ("Kontinuerlig forbedring")
# into a bullet of the list before it; it is a heading, not a measure.
HEADINGS_AS_BULLETS = ("Kontinuerlig forbedring – ",)
INTRO = "For å nå målet er følgende strategier identifisert:"
MARKS = ("Slik vil vi ha det", "Slik kommer vi dit", "Slik gjør vi det")


@dataclass(frozen=True)
class Measure:
    id: str
    area: int
    area_name: str
    goal: str
    strategy: str
    text: str


def _clean(line: str) -> str:
    line = BULLET.sub("", line.strip().lstrip("#").strip())
    line = re.sub(r"<sup>\d+</sup>", "", line)
    return " ".join(line.split())


def _between(lines: list[str], start: str, end: str | None) -> list[str]:
    i = lines.index(start) + 1
    j = lines.index(end) if end else len(lines)
    return lines[i:j]


def _paragraphs(lines: list[str]) -> list[str]:
    return [_clean(x) for x in lines if x.strip() and x.strip() != "---" and not x.startswith("#")]


def _strategies(lines: list[str]) -> list[str]:
    items = [_clean(x) for x in lines if BULLET.match(x.strip())]
    items = [x for x in items if x != INTRO]
    return items or _paragraphs(lines)  # area 4 states its one strategy as a sentence


def _blocks(lines: list[str]) -> list[list[str]]:
    """The measures after each "Vi skal ...:": its bullets, or (with no bullets) its paragraphs."""
    blocks: list[list[str]] = []
    i = 0
    while i < len(lines):
        if not BLOCK.match(lines[i].strip()):
            i += 1
            continue
        items: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        bullets = i < len(lines) and bool(BULLET.match(lines[i].strip()))
        while i < len(lines):
            line = lines[i].strip()
            if BLOCK.match(line) or line.startswith("#") or line == "---":
                break
            if line and bullets and not BULLET.match(line):
                break
            if line and not any(_clean(line).startswith(h) for h in HEADINGS_AS_BULLETS):
                items.append(_clean(line))
            i += 1
        blocks.append(items)
    return blocks


def transcribe(text: str) -> list[Measure]:
    lines = text.splitlines()
    starts = [(i, AREA.match(line)) for i, line in enumerate(lines) if AREA.match(line)]
    measures: list[Measure] = []
    for n, (i, match) in enumerate(starts):
        assert match is not None
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        section = [line.rstrip() for line in lines[i + 1 : end]]
        marks = [line.strip() for line in section]
        section = [line.strip() if line.strip() in MARKS else line for line in section]
        missing = [m for m in MARKS if m not in marks]
        if missing:
            raise ValueError(f"{TEXT.name}: area {match.group(1)} has no '{missing[0]}'")
        goal = " ".join(_paragraphs(_between(section, "Slik vil vi ha det", "Slik kommer vi dit")))
        strategies = _strategies(_between(section, "Slik kommer vi dit", "Slik gjør vi det"))
        how = _between(section, "Slik gjør vi det", None)
        blocks = _blocks(how) or [_paragraphs(how)]  # area 4 names its measure without "Vi skal"
        if len(blocks) != len(strategies):
            raise ValueError(
                f"{TEXT.name}: area {match.group(1)} has {len(strategies)} strategies but "
                f"{len(blocks)} lists of measures ('Vi skal:'); the text's layout changed"
            )
        area = int(match.group(1))
        count = 0
        for strategy, block in zip(strategies, blocks, strict=True):
            for item in block:
                count += 1
                measures.append(Measure(f"{area}-{count:02d}", area, match.group(2).strip(), goal, strategy, item))
    return measures


def render(measures: list[Measure], kept: dict[str, tuple[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for m in measures:
        status, comment = kept.get(m.id, (START_STATUS, ""))
        writer.writerow([m.id, m.area, m.area_name, m.goal, m.strategy, m.text, status, comment])
    return out.getvalue()


def kept_status(path: Path) -> dict[str, tuple[str, str]]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {r["Id"]: (r["Status"], r["Kommentar"]) for r in csv.DictReader(handle)}


def main(argv: list[str]) -> int:
    text = render(transcribe(TEXT.read_text(encoding="utf-8")), kept_status(CSV))
    if "--check" in argv:
        current = CSV.read_text(encoding="utf-8") if CSV.exists() else ""
        if current != text:
            print(f"{CSV} is not the transcription of {TEXT}: run scripts/transcribe_moss_strategy.py")
            return 1
        return 0
    CSV.parent.mkdir(parents=True, exist_ok=True)
    CSV.write_text(text, encoding="utf-8")
    print(f"wrote {CSV.relative_to(ROOT)}: {text.count(chr(10)) - 1} measures")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
