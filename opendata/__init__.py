"""Core of the open-data pipeline: manifests, sources, validation and conversion.

This package knows neither Prefect nor CKAN; ``flows/`` and ``publish/`` build on it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("opendata")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+local"
