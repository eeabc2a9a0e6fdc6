"""Patterns rewritten for RE2 (``rx.exact``) match exactly what Python's ``re`` matches with the
original, and pandas runs them in pyarrow, not one value at a time in Python."""

from __future__ import annotations

import re
import sys

import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.core.strings.object_array import ObjectStringArrayMixin

from wizard.core import rx, transforms
from wizard.core.transforms import _CANON, _NONDIGIT, _PHONE_CHARS

EVERY_CHARACTER = pa.array([chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000])

MATCHED = [_PHONE_CHARS.pattern, _CANON.pattern, r"^\s*\d{1,2}[./-]\d{1,2}[./-]\d{2}(\D|$)",
           r"^\s*(\d{5})(\.\d+)?\s*$", r"^[^]\s]+$", r"^a$|^\d$"]  # fmt: skip
REPLACED = [_NONDIGIT.pattern, r"\D+", r"^www\d?\."]
TRICKY = ["a", "1", "9", "٣", "０", "𝟘", " ", "\t", "\n", "\r", "\x0b", "\x1c", "\x85", "\xa0",
          "\u2007", "\u3000", "\u200b", "-", "/", ".", ":", "T", "+", "(", ")", "w", "é", "]"]  # fmt: skip


@pytest.mark.parametrize("escape", [r"\s", r"\d", r"\D"])
def test_each_class_holds_exactly_the_characters_python_matches(escape: str) -> None:
    python = pa.array([re.match(escape, c) is not None for c in EVERY_CHARACTER.to_pylist()])
    pattern = rx.exact(escape).replace("\\Z", "\\z")
    assert pc.match_substring_regex(EVERY_CHARACTER, "^" + pattern).equals(python)


def test_what_re2_reads_otherwise_is_refused() -> None:
    for pattern in [r"\w+", r"\bx", r"(?=a)a", r"(a)\1", r"[^\D]", r"\S", r"(?i)x"]:
        with pytest.raises(ValueError):
            rx.exact(pattern)
    with pytest.raises(ValueError):
        rx.exact(r"x$", replace=True)  # '$' would take the final line break in


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(TRICKY), max_size=12).map("".join), min_size=1,
                max_size=30))  # fmt: skip
def test_rewritten_patterns_match_and_replace_as_python_does(values: list[str]) -> None:
    text = pd.Series(values, dtype="str")
    for pattern in MATCHED:
        want = [re.match(pattern, v) is not None for v in values]
        assert text.str.match(rx.exact(pattern)).astype(bool).tolist() == want, pattern
    for pattern in REPLACED:
        want = [re.sub(pattern, "", v) for v in values]
        assert text.str.replace(rx.exact(pattern, replace=True), "", regex=True).tolist() == want


def test_pandas_runs_them_in_pyarrow(monkeypatch) -> None:
    def refused(*_args, **_kwargs):
        raise AssertionError("pandas matched one value at a time in Python")

    for name in ("_str_match", "_str_replace", "_str_contains"):
        monkeypatch.setattr(ObjectStringArrayMixin, name, refused)
    text = pd.Series(["+1 (555) 010-9999\n", "٣٤", "12/05/24 x", "\xa0"], dtype="str")
    for pattern in MATCHED:
        text.str.match(rx.exact(pattern))
    for pattern in REPLACED:
        text.str.replace(rx.exact(pattern, replace=True), "", regex=True)
    transforms._fast_e164(text.str.strip(), "US")  # the phone reader's every pattern
    transforms.parse_numbers(pd.Series(["$ 1,200.50", "(300 EUR)", "usd 5\n", ""], dtype="str"))


@pytest.mark.parametrize("letter", [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["k", "é"])
def test_a_caseless_letter_holds_what_python_ignorecase_matches(letter: str) -> None:
    python = pa.array([re.fullmatch(letter, c, re.IGNORECASE) is not None
                       for c in EVERY_CHARACTER.to_pylist()])  # fmt: skip
    got = pc.match_substring_regex(EVERY_CHARACTER, f"^{rx.caseless(letter)}$")
    assert got.equals(python)
    with pytest.raises(ValueError):
        rx.caseless("U$D")


AMOUNTS = ["1", "0", "2", ",", ".", "-", "(", ")", "%", "$", "€", "£", "¥", "₹", "₽", "'", " ",
           "\xa0", "\u202f", "\u2009", "\n", "\t", "E", "e", "U", "u", "R", "r", "S", "s", "\u017f",
           "D", "d", "usd", "EUR", "Eur", "gbp", "CHF", "cad", "AUD", "jpy", "uſd", "K", "\u212a"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(AMOUNTS), max_size=10).map("".join), min_size=1,
                max_size=30))  # fmt: skip
def test_amounts_lose_the_currency_as_python_ignorecase_does(values: list[str]) -> None:
    text = pd.Series(values, dtype="str")
    want = [transforms._CURRENCY.sub("", v) for v in values]
    assert text.str.replace(transforms._currency_rx(), "", regex=True).tolist() == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.floats(allow_nan=True, allow_infinity=False), st.integers(-(2**62), 2**62).map(float),
    st.integers(-(2**20), 2**20).map(lambda n: n / 100), st.sampled_from([0.0, -0.0, 2.0**53,
    2.0**53 - 1, 2.0**53 + 2, -(2.0**53), 1e16, 1e-7, 0.1])), max_size=40))  # fmt: skip
def test_numbers_are_written_as_each_one_was(values: list[float]) -> None:
    num = pd.Series(values, dtype="float64")
    want = ["" if pd.isna(v) else (f"{v:.0f}" if float(v).is_integer() else repr(float(v)))
            for v in values]  # fmt: skip
    assert transforms.number_texts(num).tolist() == want


def _old_region_valid(region: str) -> re.Pattern[str] | None:
    """The phone validity pattern as it was written before (with look-aheads), as the truth."""
    md = phonenumbers.PhoneMetadata.metadata_for_region(region, None)

    def desc(d: object) -> str | None:
        pattern = getattr(d, "national_number_pattern", None)
        if d is None or pattern is None:
            return None
        lengths = [n for n in getattr(d, "possible_length", ()) if n > 0]
        ahead = "(?=" + "|".join(f"\\d{{{n}}}$" for n in lengths) + ")" if lengths else ""
        return f"{ahead}(?:{pattern})$"

    general = desc(md.general_desc)
    kinds = [desc(d) for d in (md.premium_rate, md.toll_free, md.shared_cost, md.voip,
                                md.personal_number, md.pager, md.uan, md.voicemail,
                                md.fixed_line, md.mobile)]  # fmt: skip
    kinds = [k for k in kinds if k]
    return re.compile(f"^(?={general})(?:{'|'.join(kinds)})")


@pytest.mark.parametrize("region", ["US", "GB", "DE", "FR", "BR", "IN", "JP", "AU", "PT", "NA"])
def test_phone_validity_without_look_aheads_is_the_same_rule(region: str) -> None:
    import random

    rnd = random.Random(region)
    numbers = [str(rnd.randint(0, 10 ** rnd.randint(1, 13))) for _ in range(2000)]
    examples = [phonenumbers.national_significant_number(e) for t in phonenumbers.PhoneNumberType.values()
                if (e := phonenumbers.example_number_for_type(region, t)) is not None]  # fmt: skip
    for _ in range(2000):  # numbers a digit or two away from real ones, some a digit longer
        digits = list(rnd.choice(examples))
        for _ in range(rnd.randint(0, 2)):
            digits[rnd.randrange(len(digits))] = str(rnd.randint(0, 9))
        numbers.append("".join(digits) + ("5" if rnd.random() < 0.1 else ""))
    numbers += ["0" + n for n in numbers[:500]] + ["", "٣٤٥٦٧٨٩٠١٢"]
    old = _old_region_valid(region)
    general, kinds = transforms._region_valid(region)
    text = pd.Series(numbers, dtype="str")
    new = transforms._passes(text, general)
    one = pd.Series(False, index=text.index)
    for kind in kinds:
        one |= transforms._passes(text, kind)
    want = [old.match(n) is not None for n in numbers]
    assert (new & one).tolist() == want
    assert sum(want) > 50  # valid numbers were among them


_DESCS = ("general_desc", "premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
          "pager", "uan", "voicemail", "fixed_line", "mobile")  # fmt: skip


def test_each_number_description_keeps_its_lengths_and_pattern() -> None:
    """Every description of every region, its look-ahead form against the tests."""
    import random

    rnd = random.Random(5)
    numbers = ["".join(rnd.choice("0123456789") for _ in range(n)) for n in range(1, 18)
               for _ in range(12)]  # fmt: skip
    numbers += ["3039655", "2015550123", "٣٤٥٦٧٨٩٠١٢", ""]
    text = pd.Series(numbers, dtype="str")
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        md = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
        for name in _DESCS:
            desc = getattr(md, name, None)
            tests = transforms._desc_tests(desc)
            if tests is None:
                continue
            pattern = desc.national_number_pattern
            lengths = [n for n in desc.possible_length if n > 0]
            ahead = "(?=" + "|".join(f"\\d{{{n}}}$" for n in lengths) + ")" if lengths else ""
            old = re.compile(f"{ahead}(?:{pattern})$")
            want = [old.match(n) is not None for n in numbers]
            assert transforms._passes(text, tests).tolist() == want, (region, name)
            checked += 1
    assert checked > 1000


DATE_PIECES = ["1", "2", "07", "12", "13", "31", "2024", "24", "1999", "/", ".", "-", " ", "T", ",",
               ":", "00", "30", "59", "60", "PM", "am", "a.m.", "P.M.", "pM", "Z", "+02:00", "+0200",
               ".123", "\n", "\t", "\x1c", "\xa0", "٣", "０", "x", "45123", ""]  # fmt: skip


# text shaped like a date (a number, a separator, a number, a separator, a year, perhaps a
# time), each part drawn from pieces that may not fit, and loose pieces
DATE_SHAPED = st.tuples(*(st.sampled_from(p) for p in (
    [" ", "", "\t"], ["1", "07", "31", "123", "٣", "x"], ["/", ".", "-", " ", ""],
    ["2", "12", "13", "1x"], ["/", ".", "-", ":"], ["2024", "24", "1999", "202", "x"],
    ["", " 3:04", "T10:30:00", ", 10:30:00.5", " 10:30 PM", " 9:05 a.m.", " 25:61", "Z",
     "+02:00", " 10:30:00+0200", "\n", " ", "\n\n"]))).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(DATE_SHAPED, st.lists(st.sampled_from(DATE_PIECES), max_size=10)
                          .map("".join)), min_size=1, max_size=30))  # fmt: skip
def test_date_patterns_read_what_python_reads(values: list[str]) -> None:
    """The date reader's patterns, rewritten for RE2 (the separator written again as one branch
    per separator instead of a back-reference), find the groups Python's find."""
    text = pa.array(values, type=pa.string())
    index = pd.Index([7 + 10 * k for k in reversed(range(len(values)))])  # rows of a chunk
    dmy = {g: c.tolist() for g, c in transforms._extract(text, transforms._DMY_RX, index).items()}
    iso = {g: c.tolist() for g, c in transforms._extract(text, transforms._ISO_RX, index).items()}
    for i, v in enumerate(values):
        m = transforms._DMY_LIKE.match(v)
        if m is None:
            assert pd.isna(dmy["a"][i]), v
        else:
            b = dmy["b1"][i] + dmy["b2"][i] + dmy["b3"][i]
            got = [dmy[g][i] for g in ("a", "y", "h", "mi", "se", "ap")]
            assert (got, b) == ([m[g] or "" for g in (1, 4, 5, 6, 7, 8)], m[3]), v
        m = transforms._ISO.match(v)
        if m is None:
            assert pd.isna(iso["y"][i]), v
        else:
            assert [iso[g][i] for g in ("y", "mo", "d", "h", "mi", "se")] == [
                m[g] or "" for g in range(1, 7)
            ], v
    blank = pc.match_substring_regex(text, rx.exact(r"^\s*$", direct=True)).to_pylist()
    assert blank == [v.strip() == "" for v in values]
    serial = pc.match_substring_regex(text, rx.exact(transforms._SERIAL.pattern, direct=True))
    assert serial.to_pylist() == [transforms._SERIAL.match(v) is not None for v in values]


def test_meridiem_spellings_are_every_one_the_pattern_takes() -> None:
    forms = [f"{x}{d1}{m}{d2}" for x in "aApP" for d1 in ("", ".") for m in "mM"
             for d2 in ("", ".")]  # fmt: skip
    assert all(re.fullmatch(r"[AaPp]\.?[Mm]\.?", f) for f in forms)
    assert {f for f in forms if f[0] in "pP"} == transforms._PM
    assert {f for f in forms if f[0] in "aA"} == transforms._AM


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "-", "(", "$ ", "EUR "]),
                          st.text("0123456789", min_size=1, max_size=30),
                          st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=12))),
                min_size=1, max_size=20))  # fmt: skip
def test_long_numbers_are_staged_from_their_own_digits(parts: list[tuple[str, str, str]]) -> None:
    """A number with more significant digits than a float holds keeps them all; one a float
    holds reads as before."""
    from decimal import Decimal

    written = [f"{sign}{whole}{'.' + frac if frac else ''}{')' if sign == '(' else ''}"
               for sign, whole, frac in parts]  # fmt: skip
    out, bad = transforms.parse_numbers(pd.Series(written, dtype="str"))
    assert not bad.any()
    with pytest.MonkeyPatch.context() as mp:  # every number through the float, as before
        mp.setattr(transforms, "FLOAT_DIGITS", 10**9)
        before, _ = transforms.parse_numbers(pd.Series(written, dtype="str"))
    for (sign, whole, frac), got, old in zip(parts, out.tolist(), before.tolist(), strict=True):
        digits = f"{whole}.{frac}" if frac else whole
        if len(whole + frac) > 15:  # more digits than a float holds, whatever they are
            negative = "-" if sign in ("-", "(") else ""
            assert got == transforms._decimal_text(Decimal(negative + digits)), (sign, digits)
        else:
            assert got == old, (sign, digits)
