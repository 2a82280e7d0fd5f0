"""Table Schema ``pattern`` on Arrow: RE2 where it provably agrees with Python's ``re``.

frictionless checks ``re.compile("^" + pattern + "$").match(cell)``: Python's engine,
anchored at the start by ``match`` and at the end only by the ``$`` it adds (so a
top-level ``a|b`` is ``(^a)|(b$)``, and ``$`` also matches before a final newline).
Arrow's RE2 differs in syntax (``{,n}``, ``[[:alpha:]]``) and in what ``\\d``, ``\\s`` and
``\\b`` mean outside ASCII. So the pattern is not passed to RE2 as text: it is parsed with
Python's own parser and re-emitted as RE2 syntax, node by node, only for the nodes whose
meaning is the same in both engines *on ASCII text without a newline*. Cells that are
not such text, and patterns with any other node (lookaround, backreferences, ``\\s``,
flags), are matched with Python's ``re`` itself, once per distinct value.
"""

from __future__ import annotations

import re
import re._constants as sre  # Python's own pattern parser (3.11+)
import re._parser as sre_parse
from typing import Any

RE2_MAX_REPEAT = 1000  # RE2 rejects larger counted repetitions


class _Untranslatable(Exception):
    """A node whose meaning differs between Python ``re`` and RE2 (or is not handled)."""


def python_pattern(pattern: str) -> re.Pattern[str]:
    """Exactly frictionless's compiled pattern (field.py: ``"^{0}$".format(constraint)``)."""
    return re.compile(f"^{pattern}$")


def re2_pattern(pattern: str) -> str | None:
    """An RE2 regex equal to frictionless's check on ASCII cells without newlines, or None."""
    try:
        parsed = sre_parse.parse(f"^{pattern}$")
        if parsed.state.flags & ~sre.SRE_FLAG_UNICODE:
            return None  # (?i), (?x), ...: keep to Python
        body = _emit(list(parsed))
    except (_Untranslatable, re.error, RecursionError):
        return None
    # Python's match() anchors only at the start; RE2's search anchors nowhere.
    return f"^(?:{body})"


def _char(code: int) -> str:
    return chr(code) if chr(code).isascii() and chr(code).isalnum() else f"\\x{{{code:x}}}"


def _emit(items: list[tuple[Any, Any]]) -> str:
    return "".join(_node(op, av) for op, av in items)


def _node(op: Any, av: Any) -> str:
    if op is sre.LITERAL:
        return _char(av)
    if op is sre.NOT_LITERAL:
        return f"[^{_char(av)}]"
    if op is sre.ANY:
        return "."  # neither engine matches a newline with '.' (no DOTALL): same
    if op is sre.IN:
        return _charset(av)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, sub = av
        if low > RE2_MAX_REPEAT or (high != sre.MAXREPEAT and high > RE2_MAX_REPEAT):
            raise _Untranslatable("repetition too large for RE2")
        count = f"{{{low},}}" if high == sre.MAXREPEAT else f"{{{low},{high}}}"
        lazy = "?" if op is sre.MIN_REPEAT else ""  # greediness cannot change whether it matches
        return f"(?:{_emit(list(sub))}){count}{lazy}"
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            raise _Untranslatable("inline flags")
        return f"(?:{_emit(list(sub))})"
    if op is sre.BRANCH:
        return "(?:" + "|".join(_emit(list(alt)) for alt in av[1]) + ")"
    if op is sre.AT:
        return _AT[av] if av in _AT else _raise("anchor")
    raise _Untranslatable(str(op))


# On ASCII text without a newline these anchors mean the same in both engines.
_AT = {
    sre.AT_BEGINNING: "^",
    sre.AT_BEGINNING_STRING: "^",
    sre.AT_END: "$",  # Python: end, or before a final newline; cells with newlines go to Python
    sre.AT_END_STRING: "$",
    sre.AT_BOUNDARY: "\\b",
    sre.AT_NON_BOUNDARY: "\\B",
}

# Categories that agree on ASCII: \d is [0-9] and \w is [0-9A-Za-z_] in both; \s does not
# (Python's includes \v and \x1c-\x1f), so it stays with Python.
_CATEGORY = {
    sre.CATEGORY_DIGIT: "0-9",
    sre.CATEGORY_WORD: "0-9A-Za-z_",
}


def _charset(items: list[tuple[Any, Any]]) -> str:
    negate = ""
    parts: list[str] = []
    for op, av in items:
        if op is sre.NEGATE:
            negate = "^"
        elif op is sre.LITERAL:
            parts.append(_char(av))
        elif op is sre.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is sre.CATEGORY and av in _CATEGORY:
            parts.append(_CATEGORY[av])
        elif op is sre.CATEGORY and av in _NOT_CATEGORY and len(items) == 1:
            return f"[^{_CATEGORY[_NOT_CATEGORY[av]]}]"
        else:
            raise _Untranslatable(f"set member {op}")
    if not parts:
        raise _Untranslatable("empty set")
    return f"[{negate}{''.join(parts)}]"


_NOT_CATEGORY = {
    sre.CATEGORY_NOT_DIGIT: sre.CATEGORY_DIGIT,
    sre.CATEGORY_NOT_WORD: sre.CATEGORY_WORD,
}


def _raise(what: str) -> str:
    raise _Untranslatable(what)
