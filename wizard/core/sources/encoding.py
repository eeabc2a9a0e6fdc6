"""Decide how a text file's bytes become characters.

Order of evidence: a byte-order mark; UTF-16 without a mark (NUL bytes in a steady pattern);
strict UTF-8; then charset-normalizer. Western single-byte guesses are read as Windows-1252,
which is what Excel's "Save as CSV" writes on Windows. Bytes that turn out not to be valid in
the chosen encoding later in a large file are read as Windows-1252 and counted, never dropped.
"""

from __future__ import annotations

import codecs
import threading

from charset_normalizer import from_bytes

from wizard.core.errors import SourceError

_BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]

# Guesses for other scripts that are kept as they are; any other single-byte guess for text
# that Windows-1252 reads cleanly is taken as Windows-1252 (what Excel writes in the West).
_OTHER_SCRIPTS = {
    "cp1251", "koi8_r", "koi8_u", "iso8859_5", "mac_cyrillic", "cp866", "cp855", "cp1253",
    "iso8859_7", "mac_greek", "cp1255", "iso8859_8", "cp1256", "iso8859_6", "cp874",
    "tis_620", "iso8859_11", "cp1258",
}  # fmt: skip
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
_CONTROL = set(range(0, 32)) - {9, 10, 12, 13}

FALLBACK_ERRORS = "cutover-cp1252"
_tls = threading.local()


class DecodeCounter:
    """Counts bytes that had to be read as Windows-1252 while a reader pulls text."""

    def __init__(self) -> None:
        self.fallbacks = 0

    def __enter__(self) -> DecodeCounter:
        self._previous = getattr(_tls, "counter", None)
        _tls.counter = self
        return self

    def __exit__(self, *exc: object) -> None:
        _tls.counter = self._previous


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    counter = getattr(_tls, "counter", None)
    if counter is not None:
        counter.fallbacks += 1
    text = "".join(chr(b) if b in _CP1252_UNDEFINED else bytes([b]).decode("cp1252") for b in bad)
    return text, exc.end


codecs.register_error(FALLBACK_ERRORS, _cp1252_fallback)


def canonical(name: str) -> str:
    """The codec's canonical name, or a SourceError an admin understands."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise SourceError(
            f"The text encoding '{name}' is not one this app knows.",
            "Pick another encoding, such as UTF-8 or Windows-1252.",
        ) from None


def _utf16_without_bom(sample: bytes) -> str | None:
    even = sample[0::2]
    odd = sample[1::2]
    if len(sample) < 8:
        return None
    nul_odd = odd.count(0) / max(len(odd), 1)
    nul_even = even.count(0) / max(len(even), 1)
    if nul_odd > 0.4 and nul_even < 0.05:
        return "utf-16-le"
    if nul_even > 0.4 and nul_odd < 0.05:
        return "utf-16-be"
    return None


def looks_binary(sample: bytes) -> bool:
    """True for bytes no spreadsheet tool would write as text."""
    if not sample:
        return False
    head = sample[:65536]
    if head.count(0) / len(head) > 0.01:  # a stray NUL or two is a faulty export, not binary
        return True
    controls = sum(1 for b in head if b in _CONTROL and b)
    return controls / len(head) > 0.02


def detect_encoding(sample: bytes, complete: bool) -> str:
    """Pick the encoding for ``sample`` (the file's first bytes; ``complete`` if it is all of it)."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    if looks_binary(sample):
        raise SourceError(
            "This file holds binary data, not text: it is not a CSV or text export.",
            "Export the data again from your old CRM as CSV or Excel (XLSX).",
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Mostly UTF-8 with a few Windows-1252 bytes (files pasted together): stay with UTF-8;
    # the stray bytes are read as Windows-1252 and counted.
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    if good > 0 and good >= bad:
        return "utf-8"
    best = from_bytes(sample).best()
    if best is None:
        raise SourceError(
            "The characters in this file use a text encoding that could not be recognised.",
            "Save the file again as 'CSV UTF-8' in Excel, or choose its encoding by hand.",
        )
    guess = codecs.lookup(best.encoding).name.replace("-", "_")
    # one character per byte (latin-1 kin, cp856...): bytes it leaves undefined still count
    high = bytes(range(0x80, 0x100))
    single_byte = not codecs.lookup(best.encoding).name.startswith("utf") and (
        len(codecs.decode(high, best.encoding, "replace")) == len(high)
    )
    if (
        single_byte
        and guess not in _OTHER_SCRIPTS
        and not any(b in _CP1252_UNDEFINED for b in sample)
    ):
        return "cp1252"
    return codecs.lookup(best.encoding).name
