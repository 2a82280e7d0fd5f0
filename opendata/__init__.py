"""Core of the open-data pipeline: manifests, sources, validation and conversion.

This package knows neither Prefect nor CKAN; ``flows/`` and ``publish/`` build on it.
"""

# The one place the version is written (pyproject.toml reads it through hatch): a literal,
# because importlib.metadata costs a tenth of a second at every command's start.
__version__ = "0.1.0"
