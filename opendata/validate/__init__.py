"""The validate step: a prepared table checked against its Table Schema, errors as data.

Two engines find the same faults: ``fast`` (the default, Arrow-native) and ``reference``
(frictionless itself); ``messages`` holds what both say. docs/validation.md compares them.
"""
