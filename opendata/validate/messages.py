"""What both validators say, word for word, so that their findings compare equal.

The fast engine (:mod:`opendata.validate.fast`) and the reference (:mod:`opendata.validate.reference`,
frictionless) each find the same faults; the texts a steward reads come from here, and the
differential test holds them to it.
"""

from __future__ import annotations

from typing import Any

ERROR_LIMIT = 10_000  # the most errors one validation reports

BLANK_ROW_MESSAGE = "the row is empty: every cell is blank or a missing value"


def key_message(key: list[str], row_word: str, previous: int | None) -> str:
    """A repeated (or wholly empty) unique value or primary key, naming the earlier row."""
    where = f" (first seen in {row_word} {previous})" if previous is not None else ""
    return f"{' + '.join(key)} must be unique and present; this value repeats or is empty{where}"


def type_message(field: dict[str, Any]) -> str:
    kind = field.get("type", "string")
    examples = {
        "integer": "a whole number, e.g. 42",
        "number": "a number, e.g. 95.3 (decimal point or the declared decimal mark)",
        "date": "a date as YYYY-MM-DD, e.g. 2024-03-15",
        "datetime": "a date and time as YYYY-MM-DDThh:mm:ss",
        "time": "a time as hh:mm:ss",
        "year": "a year, e.g. 2024",
        "boolean": "true or false",
    }
    return f"expected {examples.get(kind, kind)}"


def constraint_message(rule: str, limit: str) -> str:
    return {
        "required": "a value is required",
        "enum": f"must be one of {limit}",
        "minimum": f"must be at least {limit}",
        "maximum": f"must be at most {limit}",
        "exclusiveMinimum": f"must be greater than {limit}",
        "exclusiveMaximum": f"must be less than {limit}",
        "minLength": f"must have at least {limit} characters",
        "maxLength": f"must have at most {limit} characters",
        "pattern": f"must match the pattern {limit}",
        "unique": "must be unique",
    }.get(rule, f"breaks the rule {rule} = {limit}")
