"""Exceptions a data steward can act on.

Every error the pipeline raises on purpose is an ``OpendataError``: its message names the
dataset, the file and what was expected, so the CLI and the flows print it as it is,
without a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opendata.report import ValidationReport


class OpendataError(Exception):
    """Base class: a clear, actionable problem (bad manifest, bad source, invalid data)."""


class ManifestError(OpendataError):
    """A dataset manifest or schema file is missing or does not follow the rules."""


class SourceError(OpendataError):
    """The source could not be read or parsed (missing file, wrong sheet, bad encoding)."""


class TransientSourceError(SourceError):
    """A source failed in a way that may pass on retry (timeouts, 429, 5xx)."""


class ValidationFailed(OpendataError):
    """The data broke its Table Schema: nothing is published, the report says why."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(report.summary())


class PublishError(OpendataError):
    """A publishing target refused or failed; the last good version stays published."""


class TransientPublishError(PublishError):
    """A target failed in a way that may pass on retry (connection errors, 5xx)."""
