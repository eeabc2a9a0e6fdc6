"""Column profiles: what a column holds, read from its values (fill, uniqueness, shape).

A header says what a column was meant to hold; the values say what it holds. Every column of a
sample is given a shape (an id of some kind, email, phone, web address or domain, date, money or
number, yes/no, a small set of values, person or company names, free text), its fill rate and
whether its values are unique. Recognition uses the profile to confirm, demote or drop a match
made from the header, and to find record ids and links whatever their spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from wizard.core.textnorm import norm

_INT = re.compile(r"^-?\d+$")
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
_SFID = re.compile(r"^[a-zA-Z0-9]{3}[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$")
# 'zcrm_3652397000000624001', 'A-1043', 'CUST0042', 'C17', 'acc_9f2k'
_ALNUM_ID = re.compile(r"^(?=.*\d)[A-Za-z0-9]+(?:[_\-./:][A-Za-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$", re.I)
_PHONE = re.compile(r"^\+?[\d\s().\-/]{7,}(?:\s*(?:x|ext\.?|extension|#)\s*\d+)?$", re.I)
_DATE = re.compile(
    r"^(?:\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?"
    r"|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4}|[A-Za-z]{3,9}\.? \d{1,2},? \d{4})$"
)
_MONEY = re.compile(r"^[-+]?\s*[$€£¥R]*\s*[$€£¥]?\s*-?\d{1,3}(?:[,. '\u00a0]?\d{3})*(?:[.,]\d+)?"
                    r"\s*(?:[$€£¥]|[A-Z]{3}|k|m|mm|bn)?$", re.I)  # fmt: skip
_BOOL = {"true", "false", "yes", "no", "y", "n", "0", "1", "sim", "nao", "não", "si", "ja", "nein",
         "oui", "non", "t", "f", "x", "checked", "unchecked", "wahr", "falsch", "verdadero",
         "falso", "vrai", "faux"}  # fmt: skip
_LEGAL = {"inc", "ltd", "llc", "gmbh", "corp", "co", "sa", "ag", "plc", "bv", "srl", "spa",
          "ltda", "sas", "sarl", "oy", "ab", "limited", "corporation", "company", "group",
          "holdings", "industries", "partners", "technologies", "solutions", "systems",
          "associates", "services", "enterprises", "international", "labs", "consulting"}  # fmt: skip

ID_SHAPES = ("integer_id", "uuid", "salesforce_id", "alnum_id")
SAMPLE = 2000


@dataclass
class ColumnProfile:
    """What one column holds, from a sample of its values."""

    name: str
    rows: int  # rows in the sample
    filled: int  # non-empty values
    distinct: int
    shape: str  # see ``_shape``; 'empty' when no value
    share: float  # the share of values that fit the shape
    values: list[str] = field(default_factory=list, repr=False)  # the distinct values (sample)

    @property
    def fill(self) -> float:
        return self.filled / self.rows if self.rows else 0.0

    @property
    def unique(self) -> bool:
        """Every value different (a key), with enough of them to say so."""
        return self.filled >= 2 and self.distinct == self.filled

    @property
    def is_id(self) -> bool:
        return self.shape in ID_SHAPES

    @property
    def id_words(self) -> bool:
        """The header says 'id', 'key', 'code', 'number' ('ACCOUNTID', 'cliente_id', 'Nr.')."""
        return has_id_words(self.name)


def has_id_words(header: str) -> bool:
    words = norm(header).split()
    raw = re.sub(r"[^a-z]", "", header.lower())
    if not words:
        return False
    if words[-1] in ("id", "ids", "key", "code", "nr", "no", "number", "num", "ref", "uid",
                     "guid", "identifier", "nummer", "numero", "codigo", "cod"):  # fmt: skip
        return True
    if words[0] in ("id", "cod", "num", "nr"):  # 'id_cliente', 'cod_cliente'
        return True
    return len(words) == 1 and raw.endswith("id") and len(raw) > 2  # 'ACCOUNTID', 'USERID'


def _is_number(v: str) -> bool:
    return bool(_MONEY.match(v)) and any(c.isdigit() for c in v)


def _is_person(v: str) -> bool:
    words = v.replace(",", " ").split()
    return (2 <= len(words) <= 5 and all(w[:1].isalpha() for w in words)
            and sum(w[:1].isupper() for w in words) >= len(words) - 1
            and not any(w.lower().strip(".") in _LEGAL for w in words))  # fmt: skip


def _is_company(v: str) -> bool:
    words = v.lower().replace(",", " ").split()
    return bool(words) and (words[-1].strip(".") in _LEGAL or "&" in v)


def _shape(values: list[str], header: str) -> tuple[str, float]:
    """The shape most of ``values`` fit, and the share that fit it."""
    n = len(values)
    if not n:
        return "empty", 0.0

    def share(test) -> float:
        return sum(1 for v in values if test(v)) / n

    ints = share(lambda v: bool(_INT.match(v)))
    distinct = len(set(values))
    if ints >= 0.95:
        # record ids: many distinct values, no sign, no leading zeros lost... or long numbers
        long = share(lambda v: len(v.lstrip("-")) >= 9)
        if long >= 0.95 or (distinct >= 0.9 * n and has_id_words(header)):
            return "integer_id", ints
        if distinct <= max(12, n // 20) and not has_id_words(header):
            return "category", ints
        return ("integer_id" if has_id_words(header) else "number"), ints
    checks = (
        ("uuid", lambda v: bool(_UUID.match(v))),
        ("email", lambda v: bool(_EMAIL.match(v))),
        ("salesforce_id", lambda v: bool(_SFID.match(v)) and any(c.isdigit() for c in v[:3])
         and any(c.isalpha() for c in v)),
        ("url", lambda v: bool(_URL.match(v))),
        ("domain", lambda v: bool(_DOMAIN.match(v))),
        ("date", lambda v: bool(_DATE.match(v))),
        ("boolean", lambda v: v.lower() in _BOOL),
        ("money", _is_number),
        ("phone", lambda v: bool(_PHONE.match(v)) and sum(c.isdigit() for c in v) >= 7),
        ("alnum_id", lambda v: bool(_ALNUM_ID.match(v)) and len(v) <= 40),
    )  # fmt: skip
    for name, test in checks:
        s = share(test)
        if s >= 0.9:
            if name == "boolean" and distinct > 3:
                continue
            if name == "alnum_id" and not (distinct >= 0.5 * n or has_id_words(header)):
                continue
            return name, s
    person = share(_is_person)
    if person >= 0.7:
        return "person_name", person  # a handful of sales reps is still people
    company = share(_is_company)
    if company >= 0.3:
        return "company_name", company
    if distinct <= max(12, n // 20):
        return "category", 1.0
    return "text", 1.0


def profile_column(name: str, series: pd.Series) -> ColumnProfile:
    values = [v.strip() for v in series.tolist() if isinstance(v, str) and v.strip()]
    # Zoho and others write 0 (or 'null') for "no link": not a value, when it repeats (a record
    # whose id is 0 has it once)
    nones = [m for m in ("0", "null", "NULL", "None", "-") if values.count(m) > 1]
    values = [v for v in values if v not in nones] or values
    distinct = list(dict.fromkeys(values))
    shape, share = _shape(values, name)
    return ColumnProfile(name, len(series), len(values), len(distinct), shape, share, distinct)


def profile_table(sample: pd.DataFrame) -> dict[str, ColumnProfile]:
    """A profile of every column of a sample (its first rows, as text)."""
    return {c: profile_column(c, sample[c]) for c in sample.columns}
