"""The fast phone reader accepts only what phonenumbers accepts, and gives the same E.164."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from wizard.core.transforms import _fast_e164, check_phones, phone_e164


def _numbers(n: int, seed: int) -> pd.Series:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        r = rnd.random()
        if r < 0.25:
            v = f"({rnd.randint(100, 999)}) {rnd.randint(100, 999)}-{rnd.randint(0, 9999):04d}"
        elif r < 0.4:
            v = f"+44 {rnd.randint(10, 9999)} {rnd.randint(0, 999999)}"
        elif r < 0.5:
            v = f"+{rnd.randint(1, 999)} {rnd.randint(0, 10 ** rnd.randint(4, 11))}"
        elif r < 0.6:
            v = f"1-{rnd.randint(100, 999)}-{rnd.randint(100, 999)}-{rnd.randint(0, 9999):04d}"
        elif r < 0.7:
            v = f"0{rnd.randint(1_000_000, 99_999_999_999)}"
        elif r < 0.8:
            v = f"+1 {rnd.randint(200, 999)} {rnd.randint(200, 999)} {rnd.randint(0, 9999):04d}"
        elif r < 0.9:
            cc = rnd.choice([33, 49, 39, 34, 31, 61, 81, 86, 91, 55, 7, 52, 353, 972])
            v = f"+{cc} {rnd.randint(10**5, 10**11)}"
        else:
            v = rnd.choice(["00 44 20 7946 0000", "+44 (0)20 7946 0000", "555-1234 x12",
                            "call me", "+", "(512) 757-6000 ext. 5", "011 49 30 123456"])  # fmt: skip
        out.append(v)
    return pd.Series(out, dtype=object)


@pytest.mark.parametrize("region", ["US", "GB", "DE", "FR", "IT", "AU", "IN"])
def test_fast_reading_agrees_with_phonenumbers(region: str) -> None:
    numbers = _numbers(3000, seed=len(region) * 7 + ord(region[0]))
    fast = _fast_e164(numbers, region)
    slow = numbers.map(lambda v: phone_e164(v, region))
    accepted = fast != ""
    assert accepted.sum() > 300  # the fast path does take most plain numbers
    assert (fast[accepted] == slow[accepted]).all()
    # and the full reader (fast path, then phonenumbers for the rest) equals phonenumbers
    out, bad = check_phones(numbers, region)
    assert (out[~bad] == slow[~bad]).all() and (bad == (slow == "")).all()
