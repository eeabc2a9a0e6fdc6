"""Make text safe to open in a spreadsheet: no cell of ours ever runs as a formula."""

from __future__ import annotations

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    Numbers stay numbers, and a negative number written as text ('-12.5') is left alone: it is
    not a formula. Everything else that starts with = + - @ or a control character gets a
    leading ', which spreadsheets show as plain text.
    """
    if not isinstance(value, str) or not value or not value.startswith(_TRIGGERS):
        return value
    if value[0] in "+-":
        body = value[1:].replace(".", "").replace(",", "")
        if body.isdigit():
            return value
    return "'" + value
