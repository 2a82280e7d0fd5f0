"""Arrow-native Table Schema validation whose findings equal frictionless's (docs/validation.md)."""

from opendata.fastcheck.engine import validate_arrow
from opendata.fastcheck.spec import unsupported_rules

__all__ = ["unsupported_rules", "validate_arrow"]
