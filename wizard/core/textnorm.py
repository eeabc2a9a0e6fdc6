"""Normalising header and file names so that 'AccountId', 'Account ID' and 'account_id' meet."""

from __future__ import annotations

import re
import unicodedata

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_IDS = re.compile(r"IDs\b")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def strip_accents(text: str) -> str:
    if text.isascii():  # most text: NFKD leaves ASCII as it is
        return text
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).replace("ß", "ss")


def norm(text: str) -> str:
    """'AccountId' -> 'account id'; 'E-Mail-Adresse' -> 'e mail adresse'; 'État' -> 'etat'."""
    text = text.strip()
    if text.endswith("__c"):
        text = text[:-3]
    text = _CAMEL.sub(" ", _IDS.sub("Ids", text))
    text = strip_accents(text).lower()
    return _NON_ALNUM.sub(" ", text).strip()


def split_prefix(header: str) -> tuple[str | None, str]:
    """'Deal - Title' -> ('deal', 'title'); 'Email' -> (None, 'email')."""
    if " - " in header:
        head, _, rest = header.partition(" - ")
        if head.strip() and rest.strip():
            return norm(head), norm(rest)
    return None, norm(header)


def singular(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + repl
    return word
