"""Guess a steward's file's dialect once, for ``opendata new``; runs never guess.

A file is read exactly as its manifest declares it (opendata.sources). This module is only
used to *write* that declaration: encoding (UTF-8 with or without BOM, else Windows-1252),
delimiter, decimal mark, thousands separator and the row holding the column names. The
same guesses give the hints when a declaration is wrong (opendata.hints).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass

DELIMITERS = (";", ",", "\t", "|")
_NUMBER = {  # (decimal, thousands) -> a cell written as a number in that dialect
    (",", ""): re.compile(r"^[-+]?\d+(,\d+)?$"),
    (",", " "): re.compile(r"^[-+]?\d{1,3}( \d{3})+(,\d+)?$"),
    (",", "\u00a0"): re.compile(r"^[-+]?\d{1,3}(\u00a0\d{3})+(,\d+)?$"),
    (",", "."): re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$"),
    (".", ","): re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$"),
}
DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")


@dataclass(frozen=True)
class CsvGuess:
    encoding: str
    bom: bool
    delimiter: str
    decimal: str
    thousands: str
    header_row: int


def guess_encoding(content: bytes) -> tuple[str, bool]:
    """('utf-8', has_bom) when the bytes are UTF-8, else ('windows-1252', False).

    Text that decodes as UTF-8 and has non-ASCII bytes is UTF-8 beyond reasonable doubt:
    Windows-1252 letters (å = 0xE5) are not followed by the continuation bytes UTF-8 needs.
    """
    if content.startswith(b"\xef\xbb\xbf"):
        return "utf-8", True
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1252", False
    return "utf-8", False


def decode_guessed(content: bytes) -> str:
    encoding, bom = guess_encoding(content)
    return content[3 if bom else 0 :].decode(encoding, errors="replace")


def split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def guess_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number (>1) of cells."""
    sample = [line for line in lines[:200] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = Counter(len(split(line, delimiter)) for line in sample)
        width, count = max(widths.items(), key=lambda kv: (kv[1], kv[0]), default=(1, 0))
        score = (count if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def header_row(rows: list[list[str]]) -> int:
    """The 1-based row of the column names: the first row as wide as the table below it.

    Title rows ("Publika wifi-platser, december 2026") fill one cell; the header fills
    (nearly) as many cells as the data rows that follow it.
    """
    filled = [sum(1 for c in row if str(c).strip()) for row in rows[:50]]
    widest = max(filled, default=0)
    if widest < 2:
        return 1
    for i, count in enumerate(filled):
        if count >= max(2, 0.7 * widest):
            return i + 1
    return 1


def number_dialect(cells: list[str]) -> tuple[str, str] | None:
    """(decimal, thousands) of a column whose every non-empty cell is a number; None if not one.

    A plain "." number is (".", ""); a column of whole numbers says nothing about the decimal
    mark and is also (".", "").
    """
    values = [c.strip() for c in cells if c.strip()]
    if not values:
        return None
    if all(re.fullmatch(r"[-+]?\d+(\.\d+)?", v) for v in values):
        return (".", "")
    whole = re.compile(r"[-+]?\d+")
    for dialect, pattern in _NUMBER.items():
        fits = all(pattern.fullmatch(v) or whole.fullmatch(v) for v in values)
        if fits and any(pattern.fullmatch(v) and not whole.fullmatch(v) for v in values):
            return dialect
    return None


def guess_csv(content: bytes) -> CsvGuess:
    """Encoding, delimiter, header row and number dialect of a CSV file's bytes."""
    encoding, bom = guess_encoding(content)
    text = decode_guessed(content)
    lines = text.splitlines()
    delimiter = guess_delimiter(lines)
    rows = [split(line, delimiter) for line in lines[:200]]
    header = header_row(rows)
    body = rows[header:]
    width = len(rows[header - 1]) if rows else 0
    decimals: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    for i in range(width):
        found = number_dialect([r[i] if i < len(r) else "" for r in body])
        if found is not None and found != (".", ""):
            decimals[found[0]] += 1
            if found[1]:
                groups[found[1]] += 1
    decimal = decimals.most_common(1)[0][0] if decimals else "."
    thousands = next((g for g, _ in groups.most_common() if g != decimal), "")
    return CsvGuess(encoding, bom, delimiter, decimal, thousands, header)
