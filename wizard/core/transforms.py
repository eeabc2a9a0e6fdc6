"""Transforms (admin-chosen text changes) and typed parsing of values, per chunk.

Everything works on whole columns (pandas Series of text) so a 50,000-row chunk costs a few
vectorised calls; only leftovers that no fast pattern recognises are parsed one by one.
Every parser returns the normalised text and a mask of values it could not read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from wizard.core import rx

# --- text transforms the admin can pick -------------------------------------------------------

_NAME_PREFIX = re.compile(r"^(mr|mrs|ms|miss|dr|prof|herr|frau|m|mme|sr|sra)\.?\s+", re.I)


def _split_name(s: pd.Series, part: str) -> pd.Series:
    """'Doe, Jane' and 'Jane Doe' both split into first 'Jane' and last 'Doe'."""
    s = s.str.replace(_NAME_PREFIX, "", regex=True)
    comma = s.str.contains(",", regex=False)
    last_first = s.str.split(",", n=1)
    first_last = s.str.rsplit(" ", n=1)
    if part == "first":
        a = last_first.str[1].fillna("").str.strip()
        b = first_last.map(lambda p: p[0] if len(p) > 1 else "")
    else:
        a = last_first.str[0].fillna("").str.strip()
        b = first_last.map(lambda p: p[-1])
    return a.where(comma, b).fillna("")


def _domain_from_url(s: pd.Series) -> pd.Series:
    d = s.str.strip().str.lower()
    d = d.str.replace(r"^[a-z][a-z0-9+.-]*://", "", regex=True)
    d = d.str.replace(r"^[^@/]*@", "", regex=True)  # also takes the domain of an email address
    d = d.str.split("/", n=1).str[0].str.split(":", n=1).str[0]
    return d.str.replace(rx.exact(r"^www\d?\.", replace=True), "", regex=True).fillna("")


TRANSFORMS = {
    "trim": lambda s: s.str.strip(),
    "lower": lambda s: s.str.lower(),
    "upper": lambda s: s.str.upper(),
    "title": lambda s: s.str.title(),
    "split_name:first": lambda s: _split_name(s, "first"),
    "split_name:last": lambda s: _split_name(s, "last"),
    "domain_from_url": _domain_from_url,
    "domain_from_email": _domain_from_url,
    "digits_only": lambda s: s.str.replace(rx.exact(r"\D+", replace=True), "", regex=True),
    "seconds_to_minutes": lambda s: (
        pd.to_numeric(s, errors="coerce")
        .div(60)
        .round(1)
        .map(lambda v: "" if pd.isna(v) else f"{v:g}")
    ),
    "pipedrive_won": lambda s: (
        s.str.lower().map({"won": "TRUE", "lost": "FALSE", "open": "FALSE"}).fillna("")
    ),
    "pipedrive_closed": lambda s: (
        s.str.lower().map({"won": "TRUE", "lost": "TRUE", "open": "FALSE"}).fillna("")
    ),
}
# numbers written in thousands, millions or cents: applied to the number once it is read (exact,
# in decimal arithmetic), so they leave the text alone here
SCALES = {"times_1000": "1000", "times_1000000": "1000000", "cents_to_units": "0.01"}
TRANSFORMS.update({name: (lambda s: s) for name in SCALES})
TRANSFORM_LABELS = {
    "trim": "Remove spaces at both ends",
    "lower": "lower case",
    "upper": "UPPER CASE",
    "title": "Title Case",
    "split_name:first": "First name from a full name",
    "split_name:last": "Last name from a full name",
    "domain_from_url": "Domain from a web address",
    "domain_from_email": "Domain from an email address",
    "digits_only": "Keep digits only",
    "seconds_to_minutes": "Seconds to minutes",
    "pipedrive_won": "Won from Pipedrive status",
    "pipedrive_closed": "Closed from Pipedrive status",
    "times_1000": "Numbers are in thousands (× 1,000)",
    "times_1000000": "Numbers are in millions (× 1,000,000)",
    "cents_to_units": "Numbers are in cents (÷ 100)",
}


def join_columns(frame: pd.DataFrame, columns: list[str], sep: str = " ") -> pd.Series:
    """Join address parts (or any columns) with ``sep``, skipping empty parts."""
    parts = frame[columns].apply(lambda col: col.str.strip())
    return parts.apply(lambda row: sep.join(v for v in row if v), axis=1)


def apply_transforms(s: pd.Series, names: list[str]) -> pd.Series:
    for name in names:
        fn = TRANSFORMS.get(name)
        if fn is not None:
            s = fn(s)
    return s


# --- dates --------------------------------------------------------------------------------

_DMY_LIKE = re.compile(
    r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?)?\s*$"
)
_ISO = re.compile(
    r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
_SERIAL = re.compile(r"^\s*(\d{5})(\.\d+)?\s*$")
# the same two for pyarrow's RE2, with named groups (_DMY_LIKE's back-reference, the separator
# written again, as one branch per separator): pandas reads a pattern in Python, one value at
# a time, whenever it holds \s, $ or a back-reference (parse_dates on 150k 'MM/DD/YYYY'
# dates: 0.74-0.85 s, 0.51 s in pyarrow)
_DMY_RX = (r"^\s*(?P<a>\d{1,2})(?:\.(?P<b1>\d{1,2})\.|/(?P<b2>\d{1,2})/|-(?P<b3>\d{1,2})-)"
           r"(?P<y>\d{4}|\d{2})(?:[ T,]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<se>\d{2})"
           r"(?:\.\d+)?)?\s*(?P<ap>[AaPp]\.?[Mm]\.?)?)?\s*$")  # fmt: skip
_ISO_RX = (r"^\s*(?P<y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})(?:[ T](?P<h>\d{1,2}):"
           r"(?P<mi>\d{2})(?::(?P<se>\d{2})(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?\s*$")  # fmt: skip


_PM, _AM = ({f"{x}{d1}{m}{d2}" for x in letters for m in "mM" for d1 in ("", ".")
             for d2 in ("", ".")} for letters in ("pP", "aA"))  # fmt: skip


def _extract(text: pa.Array, pattern: str, index: pd.Index) -> dict[str, pd.Series]:
    """Each named group of ``pattern`` (:func:`rx.exact` makes it RE2's) per row, in pyarrow:
    missing where the row does not match, '' where the group took no part (Python's ``re``
    gives None there; the readers below take both as nothing)."""
    found = pc.extract_regex(text, rx.exact(pattern, direct=True))
    return {f.name: pd.Series(pc.struct_field(found, f.name).to_numpy(zero_copy_only=False),
                              index=index, dtype=object) for f in found.type}  # fmt: skip


EXCEL_EPOCH = dt.datetime(1899, 12, 30)


@dataclass
class DateEvidence:
    """What a column's values say about their day/month order."""

    dmy: int = 0
    mdy: int = 0
    iso: int = 0
    ambiguous: int = 0
    two_digit_year: int = 0
    serial: int = 0
    dots: int = 0

    def add(self, values: list[str]) -> None:
        for v in values:
            m = _DMY_LIKE.match(v)
            if m:
                a, b = int(m.group(1)), int(m.group(3))
                if len(m.group(4)) == 2:
                    self.two_digit_year += 1
                if m.group(2) == ".":
                    self.dots += 1
                if a > 12 >= b:
                    self.dmy += 1
                elif b > 12 >= a:
                    self.mdy += 1
                elif a != b:
                    self.ambiguous += 1
            elif _ISO.match(v):
                self.iso += 1
            elif _SERIAL.match(v):
                self.serial += 1

    def order(self) -> tuple[str | None, bool]:
        """The order the data shows ('DMY' or 'MDY'), and whether it settled it."""
        if self.dmy and not self.mdy:
            return "DMY", True
        if self.mdy and not self.dmy:
            return "MDY", True
        if self.dmy and self.mdy:
            return ("DMY" if self.dmy >= self.mdy else "MDY"), False
        if self.ambiguous:
            return ("DMY" if self.dots else None), False
        return None, True


def _two_digit(year: pd.Series) -> pd.Series:
    y = pd.to_numeric(year, errors="coerce")
    pivot = (dt.date.today().year + 10) % 100
    short = year.str.len() == 2
    full = y.where(~short, y + 2000).where(~(short & (y > pivot)), y + 1900)
    return full


_CANON = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}:\d{2})?$")


def parse_dates(s: pd.Series, order: str, with_time: bool) -> tuple[pd.Series, pd.Series, int]:
    """Parse to ISO text. Returns (values, bad mask, count of Excel serial numbers read).

    Dates already written as ISO text (most exports) are checked in one vectorised pass; the
    rest go through the general reader."""
    # the vectorised pass on pyarrow text (its kernels release the GIL), the rest as objects
    arrow = s.astype("str")
    canon = arrow.str.match(rx.exact(_CANON.pattern)).astype(bool)
    if not canon.any():
        return _parse_dates(s.astype(object), order, with_time)
    text = arrow[canon].str.replace("T", " ", regex=False)
    full = text.where(text.str.len() > 10, text + " 00:00:00")
    stamp = pd.to_datetime(full, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    ok = stamp.notna()
    out = pd.Series("", index=s.index, dtype=object)
    fast = ok[ok].index
    if with_time:
        out[fast] = full[ok].str.replace(" 00:00:00", "", regex=False)
    else:
        out[fast] = full[ok].str[:10]
    bad = pd.Series(False, index=s.index)
    serials = 0
    rest = pd.Series(True, index=s.index)
    rest[fast] = False
    if rest.any():  # anything else, and ISO-looking text that is not a real date: in full
        r_out, r_bad, serials = _parse_dates(s[rest].astype(object), order, with_time)
        out[rest] = r_out
        bad[rest] = r_bad
    return out, bad, serials


def _parse_dates(s: pd.Series, order: str, with_time: bool) -> tuple[pd.Series, pd.Series, int]:
    out = pd.Series("", index=s.index, dtype=object)
    text = pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    # anything but whitespace (str.strip's), in RE2: a missing value counts as filled, as
    # pandas' strip left it
    blank = pc.match_substring_regex(text, rx.exact(r"^\s*$", direct=True)).fill_null(False)
    filled = pd.Series(pc.invert(blank).to_numpy(zero_copy_only=False), index=s.index)
    # day/month/year and month/day/year with an optional time
    parts = _extract(text, _DMY_RX, s.index)
    hit = parts["a"].notna()
    if hit.any():
        # the second number: one separator's branch took part, the others are ''
        second = (parts["b1"][hit] + parts["b2"][hit] + parts["b3"][hit]).astype(int)
        first = parts["a"][hit].astype(int)
        day, month = (first, second) if order.startswith("DMY") else (second, first)
        year = _two_digit(parts["y"][hit]).astype(int)
        hour = pd.to_numeric(parts["h"][hit], errors="coerce").fillna(0).astype(int)
        ampm = parts["ap"][hit]  # one of the few spellings the pattern takes: looked up
        hour = hour.where(~(ampm.isin(_PM) & (hour < 12)), hour + 12)
        hour = hour.where(~(ampm.isin(_AM) & (hour == 12)), 0)
        minute = pd.to_numeric(parts["mi"][hit], errors="coerce").fillna(0).astype(int)
        sec = pd.to_numeric(parts["se"][hit], errors="coerce").fillna(0).astype(int)
        stamp = pd.to_datetime(
            pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour,
                          "minute": minute, "second": sec}),
            errors="coerce",
        )  # fmt: skip
        out[hit] = _iso(stamp.where(_real_time(hour, minute, sec)), with_time)
    iso = _extract(text, _ISO_RX, s.index)
    ihit = iso["y"].notna() & ~hit
    if ihit.any():
        clock = [pd.to_numeric(iso[g][ihit], errors="coerce").fillna(0).astype(int)
                 for g in ("h", "mi", "se")]  # fmt: skip
        stamp = pd.to_datetime(
            pd.DataFrame({
                "year": iso["y"][ihit].astype(int), "month": iso["mo"][ihit].astype(int),
                "day": iso["d"][ihit].astype(int),
                "hour": clock[0], "minute": clock[1], "second": clock[2],
            }),
            errors="coerce",
        )  # fmt: skip
        out[ihit] = _iso(stamp.where(_real_time(*clock)), with_time)
    serial = pd.Series(
        pc.match_substring_regex(text, rx.exact(_SERIAL.pattern, direct=True))
        .fill_null(False)
        .to_numpy(zero_copy_only=False),
        index=s.index,
    )
    serial &= ~hit & ~ihit
    serials = 0
    if serial.any():
        days = pd.to_numeric(s[serial], errors="coerce")
        ok = days.between(20000, 80000)  # 1954 to 2119: plausible CRM dates only
        stamp = EXCEL_EPOCH + pd.to_timedelta(days.where(ok), unit="D")
        out[serial] = _iso(stamp, with_time)
        serials = int(ok.sum())
    rest = filled & ~hit & ~ihit & ~serial
    if rest.any():
        out[rest] = s[rest].map(lambda v: _parse_words(v, order, with_time))
    bad = filled & (out == "")
    return out, bad, serials


def _real_time(hour: pd.Series, minute: pd.Series, second: pd.Series) -> pd.Series:
    """A time of day that exists: 25:61 does not roll into the next day, it is not read."""
    return hour.between(0, 23) & minute.between(0, 59) & second.between(0, 59)


def _iso(stamp: pd.Series, with_time: bool) -> pd.Series:
    fmt = "%Y-%m-%d %H:%M:%S" if with_time else "%Y-%m-%d"
    text = stamp.dt.strftime(fmt)
    if with_time:
        text = text.str.replace(" 00:00:00", "", regex=False)
    return text.fillna("")


@lru_cache(maxsize=4096)
def _parse_words(value: str, order: str, with_time: bool) -> str:
    """Dates written with month names ('1 March 2024', 'Mar 1, 2024 3:04 PM')."""
    if not any(ch.isalpha() for ch in value):
        return ""
    try:
        stamp = pd.to_datetime(value, dayfirst=order.startswith("DMY"))
    except (ValueError, OverflowError, TypeError):
        return ""
    if pd.isna(stamp):
        return ""
    if with_time and (stamp.hour or stamp.minute or stamp.second):
        return stamp.strftime("%Y-%m-%d %H:%M:%S")
    return stamp.strftime("%Y-%m-%d")


# --- numbers ------------------------------------------------------------------------------

_CURRENCY_CODES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "JPY")
_CURRENCY = re.compile(r"[\s$€£¥₹₽]|" + "|".join(_CURRENCY_CODES) + r"|\u00a0|\u202f|'", re.I)


@cache
def _currency_rx() -> str:
    """:data:`_CURRENCY` for pyarrow's RE2 (pandas runs a pattern with a flag in Python, one
    value at a time: 0.6 s per 600k amounts): the codes spelled case by case."""
    codes = "|".join(rx.caseless(code) for code in _CURRENCY_CODES)
    return rx.exact("[\\s$€£¥₹₽\u00a0\u202f']|" + codes, replace=True)


def decide_decimal(values: list[str]) -> str:
    """'.' or ',' as the decimal mark, from the values' own evidence."""
    votes: Counter[str] = Counter()
    for v in values:
        v = _CURRENCY.sub("", v)
        if "." in v and "," in v:
            votes["," if v.rfind(",") > v.rfind(".") else "."] += 1
        elif ("," in v and not re.fullmatch(r"-?\d{1,3}(,\d{3})+", v)) or (
            "." in v and re.fullmatch(r"-?\d{1,3}(\.\d{3}){2,}", v)
        ):
            votes[","] += 1
    return "," if votes[","] > votes["."] else "."


def _decimal_text(value: Decimal) -> str:
    """A decimal as plain text: no exponent, no trailing zeros after the point."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scaled(text: str, factor: str) -> str:
    return _decimal_text(Decimal(text) * Decimal(factor))


# a float holds every number of up to 15 significant digits exactly; one written with more is
# staged from its own digits, so '12345678901234567890' is not rounded to ...168
FLOAT_DIGITS = 15


def _exact_texts(text: pd.Series, negative: pd.Series) -> list[str | None]:
    """The numbers as written (cleaned ``text``), exactly; None where Decimal cannot read one
    (the float's text stands there)."""
    out: list[str | None] = []
    for t, neg in zip(text.tolist(), negative.tolist(), strict=True):
        try:
            value = Decimal(t)
        except InvalidOperation:
            out.append(None)
            continue
        out.append(
            _decimal_text(value.copy_negate() if neg else value) if value.is_finite() else None
        )
    return out


def number_texts(num: pd.Series) -> pd.Series:
    """Each number as the staged text: a whole number without decimals (``f"{v:.0f}"``), any
    other as Python's ``repr``, nothing for a missing one. Whole numbers below 2**53 (all
    exact in a float) are written by numpy at once, the rest one by one (a call per value cost
    0.6 s per 360k)."""
    values = num.to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(len(values), "", dtype=object)
    with np.errstate(invalid="ignore"):  # NaN compares false, quietly
        negative_zero = (values == 0) & np.signbit(values)  # written '-0'
        whole = (values == np.floor(values)) & (np.abs(values) < 2**53) & ~negative_zero
    if whole.any():
        out[whole] = values[whole].astype(np.int64).astype(str).astype(object)
    rest = ~whole & ~np.isnan(values)
    if rest.any():
        out[rest] = [f"{v:.0f}" if v.is_integer() else repr(v) for v in values[rest].tolist()]
    return pd.Series(out, index=num.index, dtype=object)


def parse_numbers(s: pd.Series, decimal: str = ".",
                  scale: str | None = None) -> tuple[pd.Series, pd.Series]:  # fmt: skip
    """Numbers as written in exports: currency signs, thousands marks, (negative), 45%. With
    ``scale`` (a factor from SCALES) each number read is multiplied exactly."""
    text = s.str.replace(_currency_rx(), "", regex=True)
    negative = text.str.match(rx.exact(r"^\(.*\)$")) | text.str.endswith("-")
    text = text.str.strip("()").str.rstrip("-")
    text = text.str.rstrip("%")  # '45%' in a probability column means 45
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    num = pd.to_numeric(text.where(text != ""), errors="coerce")
    num = num.where(~negative, -num)
    num = num.where(num.abs() != float("inf"))  # '1e309' is too big for any field: not read
    bad = (s.str.strip() != "") & num.isna()
    out = number_texts(num)
    long = num.notna() & (text.str.count("[0-9]") > FLOAT_DIGITS)
    if long.any():
        exact = pd.Series(_exact_texts(text[long], negative[long]), index=text[long].index,
                          dtype=object)  # fmt: skip
        exact = exact.dropna()
        out[exact.index] = exact
    if scale is not None:
        out = out.map(lambda v: _scaled(v, scale) if v else "")
    return out.astype(object), bad


# --- booleans, emails, urls, phones -------------------------------------------------------

TRUE_WORDS = {"true", "yes", "y", "1", "x", "ja", "oui", "si", "sí", "wahr", "vrai", "checked",
              "on", "won", "done", "t"}  # fmt: skip
FALSE_WORDS = {"false", "no", "n", "0", "nein", "non", "falsch", "faux", "unchecked", "off",
               "f", ""}  # fmt: skip


def parse_booleans(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    low = s.str.strip().str.lower()
    out = pd.Series("", index=s.index, dtype=object)
    out[low.isin(TRUE_WORDS)] = "TRUE"
    out[low.isin(FALSE_WORDS) & (low != "")] = "FALSE"
    bad = (low != "") & (out == "")
    return out, bad


EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}$"
)
DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
URL = re.compile(r"^(?:https?://)?(?:[^\s/@]+@)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,63}(?::\d+)?"
                 r"(?:[/?#]\S*)?$")  # fmt: skip


def check_emails(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    out = s.str.strip().str.lower()
    bad = (out != "") & ~out.str.match(EMAIL)
    bad |= out.str.contains("..", regex=False) | out.str.startswith(".")
    return out, bad


def check_domains(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    out = _domain_from_url(s)
    bad = (out != "") & ~out.str.match(DOMAIN)
    return out, bad


def check_urls(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    out = s.str.strip()
    bad = (out != "") & ~out.str.match(URL)
    return out, bad


@lru_cache(maxsize=65536)
def phone_e164(value: str, region: str) -> str:
    """E.164 text ('+15127576000'), or '' when the number cannot be a real phone number."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # the extension stays, written as RFC 3966 does ('+15127576000;ext=12')
    return f"{e164};ext={number.extension}" if number.extension else e164


_PHONE_CHARS = re.compile(r"^\+?[0-9\s().\-/]+$")
_NONDIGIT = re.compile(r"\D")


def _desc_tests(desc: object) -> tuple[str, ...] | None:
    """One PhoneNumberDesc as tests over the national number, each a pattern RE2 runs exactly
    as Python's ``re`` (:func:`rx.exact`: no look-ahead): its lengths, its pattern."""
    pattern = getattr(desc, "national_number_pattern", None)
    if desc is None or pattern is None:
        return None
    lengths = [n for n in getattr(desc, "possible_length", ()) if n > 0]
    tests = ["^(?:" + "|".join(f"\\d{{{n}}}$" for n in lengths) + ")"] if lengths else []
    return tuple(rx.exact(t) for t in [*tests, f"^(?:{pattern})$"])


@cache
def _region_valid(region: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] | None:
    """A number is valid for a region when it passes the general description's tests and all
    the tests of one type (phonenumbers' ``is_valid_number_for_region``)."""
    md = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    if md is None:
        return None
    try:
        general = _desc_tests(md.general_desc)
        kinds = [_desc_tests(d) for d in (md.premium_rate, md.toll_free, md.shared_cost,
                                           md.voip, md.personal_number, md.pager, md.uan,
                                           md.voicemail, md.fixed_line, md.mobile)]  # fmt: skip
    except ValueError:  # a pattern RE2 would read otherwise: phonenumbers decides
        return None
    kinds = [k for k in kinds if k]
    if general is None or not kinds:
        return None
    return general, tuple(kinds)


def _passes(s: pd.Series, tests: tuple[str, ...]) -> pd.Series:
    ok = pd.Series(True, index=s.index)
    for test in tests:
        ok &= s.str.match(test).astype(bool)
    return ok


@cache
def _national_prefix(region: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    md = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    if md is None:
        return None, None
    prefix = md.national_prefix_for_parsing or md.national_prefix
    intl = md.international_prefix
    return (re.compile(prefix) if prefix else None), (re.compile(intl) if intl else None)


def _valid_for_code(national: pd.Series, code: int) -> pd.Series | None:
    """phonenumbers' own rule (``region_code_for_number`` then ``is_valid_number_for_region``),
    vectorised: the first region of the calling code that claims the number decides."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    if not regions or "001" in regions:
        return None
    valid = pd.Series(False, index=national.index)
    todo = national
    for region in regions:
        md = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
        tests = _region_valid(region)
        if md is None or tests is None:
            return None
        general, kinds = tests
        ok = _passes(todo, general)
        one = pd.Series(False, index=todo.index)
        for kind in kinds:
            one |= _passes(todo, kind)
        ok &= one
        if md.leading_digits is not None:
            claim = todo.str.match(re.compile(md.leading_digits))
            valid[ok[claim & ok].index] = True
            todo = todo[~claim]
        else:
            valid[ok[ok].index] = True
            todo = todo[~ok]
        if todo.empty:
            break
    return valid


def _fast_e164(s: pd.Series, region: str) -> pd.Series:
    """E.164 for the numbers that plainly fit the metadata; '' for everything else (which
    goes through phonenumbers itself). Only accepts what phonenumbers accepts, identically."""
    out = pd.Series("", index=s.index, dtype=object)
    simple = s.str.match(rx.exact(_PHONE_CHARS.pattern))
    if not simple.any():
        return out
    plus = s.str.startswith("+")
    digits = s.str.replace(rx.exact(_NONDIGIT.pattern, replace=True), "", regex=True)
    # international: +CC then the national number (the calling code is read like phonenumbers
    # does: the shortest known prefix)
    intl = simple & plus
    if intl.any():
        d = digits[intl]
        code = pd.Series(0, index=d.index)
        for k in (3, 2, 1):
            head = d.str[:k]
            known = head.isin([str(c) for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE])
            code = code.where(~known, head.astype(object).where(known, "0").astype(int))
        for c in code[code > 0].unique():
            rows = code == c
            national = d[rows].str[len(str(c)) :]
            main = phonenumbers.region_code_for_country_code(int(c))
            prefix, _ = _national_prefix(main) if main not in ("ZZ", "001") else (None, None)
            if prefix is not None:  # a national prefix after the code: phonenumbers decides
                national = national[~national.str.match(prefix)]
            valid = _valid_for_code(national, int(c))
            if valid is not None and valid.any():
                out[valid[valid].index] = "+" + str(c) + national[valid]
    local = simple & ~plus
    if local.any():
        d = digits[local]
        code = phonenumbers.country_code_for_region(region)
        prefix, intl_prefix = _national_prefix(region)
        if intl_prefix is not None:
            d = d[~d.str.match(intl_prefix)]
        if prefix is not None:
            d = d[~d.str.match(prefix)]
        valid = _valid_for_code(d, code) if code else None
        if valid is not None and valid.any():
            out[valid[valid].index] = "+" + str(code) + d[valid]
    return out


def check_phones(s: pd.Series, region: str) -> tuple[pd.Series, pd.Series]:
    """E.164 where the number is valid; a number that is not stays as written (and is flagged).

    Most numbers are settled by a vectorised reading of phonenumbers' own metadata; the rest
    (extensions, national prefixes, letters, anything unusual) go through phonenumbers."""
    stripped = s.str.strip()
    out = _fast_e164(stripped, region)
    rest = (out == "") & (stripped != "")
    if rest.any():
        out[rest] = stripped[rest].map(lambda v: phone_e164(v, region))
    bad = (stripped != "") & (out == "")
    return out.where(~bad, stripped).astype(object), bad
