"""Long sheets, as PTS's "tabellbilaga": every municipality's rows in one sheet.

PTS publishes one workbook per theme with one sheet per level and unit ("Teknik kommun
hushåll"), the header on row 1 and one row per year, municipality and area (``Område``:
"total" and the area types). A dataset keeps its municipality's rows (``source.where``, by
name or by code) and leaves out the columns it does not publish (``source.ignore_columns``),
both named explicitly so that nothing is dropped by accident.
"""

from __future__ import annotations

from opendata.errors import SourceError
from opendata.hints import did_you_mean


def same_value(cell: str, wanted: str) -> bool:
    """Equal up to case and spacing; codes equal as numbers ("0180" is 180 once Excel made it a number)."""
    a, b = " ".join(cell.split()).casefold(), " ".join(wanted.split()).casefold()
    if a.isdigit() and b.isdigit():
        return int(a) == int(b)
    return a == b


def column_index(header: list[str], column: str, origin: str, key: str) -> int:
    if column not in header:
        raise SourceError(
            f"{origin}: {key} names column '{column}', which the sheet does not have"
            f"{did_you_mean(column, header)}; it has: {', '.join(header)}"
        )
    return header.index(column)


def keep_rows(
    header: list[str], data: list[list[str]], where: dict[str, list[str]], origin: str, first_row: int
) -> tuple[list[list[str]], tuple[int, ...]]:
    """The rows whose every ``where`` column holds one of its values, with their sheet row numbers."""
    wanted = [(column_index(header, c, origin, "source.where"), c, values) for c, values in where.items()]
    kept: list[list[str]] = []
    numbers: list[int] = []
    for i, row in enumerate(data):
        cells = [row[j] if j < len(row) else "" for j, _, _ in wanted]
        if all(any(same_value(cell, v) for v in values) for cell, (_, _, values) in zip(cells, wanted, strict=True)):
            kept.append(row)
            numbers.append(first_row + i)
    if not kept:
        condition = " and ".join(f"{c} = {' or '.join(repr(v) for v in values)}" for _, c, values in wanted)
        j, column, _ = wanted[0]
        seen = sorted({row[j] for row in data if j < len(row) and row[j]})
        sample = ", ".join(repr(v) for v in seen[:8]) + (", …" if len(seen) > 8 else "")
        raise SourceError(
            f"{origin}: no row has {condition} (source.where); column '{column}' holds "
            f"{sample or 'nothing'}: correct the name or code in source.where"
        )
    return kept, tuple(numbers)


def drop_columns(
    header: list[str], data: list[list[str]], ignore: list[str], origin: str
) -> tuple[list[str], list[list[str]]]:
    """The sheet without the ``ignore_columns`` (a name the sheet lacks is an error: a typo)."""
    if not ignore:
        return header, data
    gone = {column_index(header, c, origin, "source.ignore_columns") for c in ignore}
    keep = [i for i in range(len(header)) if i not in gone]
    return [header[i] for i in keep], [[row[i] if i < len(row) else "" for i in keep] for row in data]
