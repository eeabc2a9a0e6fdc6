"""Regex pieces that pyarrow's RE2 matches exactly as Python's ``re`` does, so that pandas runs
them in pyarrow's kernels (in C, without the GIL) instead of one value at a time in Python.

pandas hands a pattern to Python's ``re`` whenever RE2 could match it differently: ``\\s``
(RE2 misses whitespace such as ``\\x0b``), ``\\d`` and ``\\D`` on text with any non-ASCII
character (RE2's are ASCII only), ``$`` on text holding a line break (Python's also matches
before a final one), flags and back-references. These pieces say the same thing in a way both
engines read alike: the characters Python's ``\\s`` and ``\\d`` match, listed (taken from the
running Python's own tables, so they follow its Unicode version), and Python's ``$`` spelled
out as an optional final line break before the end.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from functools import cache

END = r"\n?\Z"  # Python's `$` without MULTILINE: the end, or before a final line break


@cache
def _every_character() -> str:
    """Every code point, in order, as one text (built once, in 0.1-0.15 s, and kept: 4.4 MB),
    for the classes and for ``re`` to find a letter's case-insensitive matches in."""
    return "".join(map(chr, range(sys.maxunicode + 1)))


def _class_body(chars: Iterable[str]) -> str:
    """``chars`` (in code point order) as ranges of literal characters for a class."""
    codes = [ord(c) for c in chars]
    parts: list[str] = []
    start = 0
    for i in range(1, len(codes) + 1):
        if i == len(codes) or codes[i] != codes[i - 1] + 1:
            first, last = chr(codes[start]), chr(codes[i - 1])
            parts.append(first if first == last else f"{first}-{last}")
            start = i
    return "".join(parts)


@cache
def space() -> str:
    """The class body of Python's ``\\s`` for text: ``str.isspace`` (what ``_sre`` uses)."""
    return _class_body(filter(str.isspace, _every_character()))


@cache
def digit() -> str:
    """The class body of Python's ``\\d`` for text: ``str.isdecimal`` (Unicode Nd)."""
    return _class_body(filter(str.isdecimal, _every_character()))


@cache
def caseless(text: str) -> str:
    """A word (letters and digits) as a pattern that matches what ``re.IGNORECASE`` matches:
    each letter as the class of the characters Python's ``re`` takes for it (``s`` takes
    ``ſ`` too), found by ``re`` itself over every character."""
    if not text.isalnum():
        raise ValueError(f"{text!r}: only letters and digits")
    out = []
    for ch in text:
        if ch.lower() == ch.upper():
            out.append(ch)
        else:
            found = re.findall(re.escape(ch), _every_character(), re.IGNORECASE)
            out.append(f"[{_class_body(found)}]")
    return "".join(out)


@cache
def exact(pattern: str, replace: bool = False, direct: bool = False) -> str:
    """``pattern`` (Python syntax) rewritten so RE2 matches it exactly as Python's ``re``:
    ``\\s``, ``\\d`` and ``\\D`` as the characters Python matches, ``$`` as :data:`END`
    (which takes the final line break in: the same test, but not the same span, so a pattern
    for ``replace`` may not hold one).
    Only what both engines read alike otherwise may be used (no flags, look-arounds,
    back-references, ``\\w``, ``\\b``, ``\\S``); those raise ValueError.
    ``direct``: for pyarrow called directly, which spells the end ``\\z`` (pandas turns
    Python's ``\\Z`` into it itself)."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1 : i + 2]
            if nxt == "s":
                out.append(space() if in_class else f"[{space()}]")
            elif nxt == "d":
                out.append(digit() if in_class else f"[{digit()}]")
            elif nxt == "D" and not in_class:
                out.append(f"[^{digit()}]")
            elif nxt == "Z" and direct:
                out.append("\\z")
            elif nxt in ("S", "w", "W", "b", "B", "D") or (nxt.isdigit() and nxt != "0"):
                raise ValueError(f"\\{nxt} in {pattern!r} has no exact RE2 spelling here")
            else:
                out.append(pattern[i : i + 2])
            i += 2
        elif in_class:
            in_class = c != "]"
            out.append(c)
            i += 1
        elif c == "[":  # '[', '[^', and a ']' right after them is a member
            j = i + 1 + (pattern[i + 1 : i + 2] == "^")
            j += pattern[j : j + 1] == "]"
            out.append(pattern[i:j])
            in_class = True
            i = j
        elif c == "$":
            if replace:
                raise ValueError(f"{pattern!r}: '$' has no exact RE2 spelling in a replacement")
            out.append(END.replace("\\Z", "\\z") if direct else END)
            i += 1
        else:
            if (
                c == "("
                and pattern[i + 1 : i + 2] == "?"
                and pattern[i + 2 : i + 3] not in (":", "P")
            ):
                raise ValueError(f"{pattern!r}: look-arounds and inline flags have no exact RE2 "
                                 "spelling")  # fmt: skip
            out.append(c)
            i += 1
    return "".join(out)
