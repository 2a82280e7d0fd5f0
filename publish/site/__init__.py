"""The local catalog as a small static site: an index with search and filters, and a page per
dataset (data dictionary, preview, charts, downloads, "use it"), in the publisher's language
and in English. Everything is written as files that work from ``file://`` and offline.
"""

from publish.site.build import write_site

__all__ = ["write_site"]
