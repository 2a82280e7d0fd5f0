"""Arrow-native Table Schema validation whose findings equal frictionless's (docs/validation.md)."""

from opendata.validate.fast.engine import validate_arrow
from opendata.validate.fast.spec import unsupported_rules

__all__ = ["unsupported_rules", "validate_arrow"]
