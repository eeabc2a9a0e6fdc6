"""The CSV reader's fast path (pyarrow, in C) reads every file exactly as the Python reader does:
the same frames, row numbers, rows set aside and notices, whatever the file holds. Where it
cannot (a ragged row, an unclosed quote, a NUL, bytes that are not UTF-8), it hands over to the
Python reader at that point, and the result is still the same."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.core.sources import ReadOptions, csv_reader
from wizard.core.sources.csv_reader import CsvSource

CHARS = ["a", "b", "é", "ß", " ", ",", ";", '"', "\n", "\r", "\r\n", "\x00", "1", "=", "\t"]


def _read(path: Path, arrow: bool, size: int, options: ReadOptions | None = None):
    source = CsvSource(path, options)
    source.arrow = arrow
    frames = list(source.chunks(size))
    return source, frames


def _same(path: Path, size: int, options: ReadOptions | None = None) -> list[pd.DataFrame]:
    fast, fast_frames = _read(path, True, size, options)
    slow, slow_frames = _read(path, False, size, options)
    assert [len(f) for f in fast_frames] == [len(f) for f in slow_frames]
    for a, b in zip(fast_frames, slow_frames, strict=True):
        pd.testing.assert_frame_equal(a, b)
        # laid out alike too: one array per column (the raw store writes each as one)
        assert [a[c].array._pa_array.num_chunks for c in a.columns] == [
            b[c].array._pa_array.num_chunks for c in b.columns]  # fmt: skip
    assert fast.set_aside == slow.set_aside
    assert fast.read_notices == slow.read_notices
    assert fast.rows_read == slow.rows_read
    return fast_frames


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


field = st.lists(st.sampled_from(CHARS), max_size=6).map("".join)
cell = st.one_of(field, field.map(_quoted), st.sampled_from(["", '""', '"x"y', 'a"b', ' "q"']))
noise = st.sampled_from(["", ",,", ",,,", "  ", "a,b,c,d,e", "a", '"', "x,", "\x00", "1,2,3,"])


@st.composite
def exports(draw) -> tuple[bytes, int, int, bool]:
    width = draw(st.integers(1, 4))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = []
    if draw(st.booleans()):
        lines.append("Contacts report")  # a title row above the header
    lines.append(delimiter.join(f"Col{i}" for i in range(width)))
    for _ in range(draw(st.integers(0, 25))):
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(noise))
        else:
            lines.append(delimiter.join(draw(cell) for _ in range(width)))
    text = end.join(lines) + draw(st.sampled_from(["", end, end + end, '"', end + '"x']))
    data = text.encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 6)) == 0:  # a byte that is not UTF-8 after the header
        at = draw(st.integers(len(data) // 2, len(data)))
        data = data[:at] + b"\xe9" + data[at:]
    return data, draw(st.integers(1, 7)), draw(st.sampled_from([64, 128, 4 << 20])), \
        draw(st.booleans())  # fmt: skip


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(exports())
def test_the_fast_path_reads_every_file_as_the_python_reader_does(tmp_path, monkeypatch, case):
    data, size, block, utf8 = case
    monkeypatch.setattr(csv_reader, "ARROW_BLOCK_BYTES", block)  # small: many blocks, hand-overs
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    options = ReadOptions(encoding="utf-8") if utf8 else None
    try:
        CsvSource(path, options)
    except Exception as exc:  # a file neither reader opens (empty, no rows): nothing to compare
        assert type(exc).__name__ == "SourceError"
        return
    _same(path, size, options)


def _clean(path: Path, rows: int) -> None:
    lines = ["Id,Name,Email,Notes"]
    lines += [f'{i},Name {i},p{i}@example.com,"line one\nline ""two"""' for i in range(rows)]
    lines.insert(40, ",,,")  # a blank row the fast path skips itself
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def test_a_clean_export_is_read_by_pyarrow_alone(tmp_path, monkeypatch) -> None:
    path = tmp_path / "contacts.csv"
    _clean(path, 5000)

    def refused(*_args, **_kwargs):
        raise AssertionError("the Python reader was used")

    source = CsvSource(path)
    monkeypatch.setattr(source, "_python_frames", refused)
    frames = list(source.chunks(1000))
    assert [len(f) for f in frames] == [1000] * 5
    assert frames[0].index[:3].tolist() == [2, 3, 4]
    assert frames[-1].iloc[-1].tolist() == ["4999", "Name 4999", "p4999@example.com",
                                            'line one\nline "two"']  # fmt: skip
    assert [n.code for n in source.read_notices] == ["blank_rows"]
    assert source.rows_read == 5000


@pytest.mark.parametrize("trouble", ["ragged", "nul", "latin1", "unclosed"])
def test_the_python_reader_goes_on_where_the_fast_path_stops(tmp_path, monkeypatch, trouble):
    path = tmp_path / "contacts.csv"
    lines = ["Id,Name,Email"] + [f"{i},Name {i},p{i}@example.com" for i in range(3000)]
    bad = {"ragged": "3001,Too,Many,Values", "nul": "3001,Na\x00me,x@example.com",
           "latin1": "3001,Ren\udce9,x@example.com", "unclosed": '3001,"Open,x@example.com'}  # fmt: skip
    lines.insert(2500, bad[trouble])
    if trouble == "unclosed":
        lines.append("3002,Last,y@example.com")
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    monkeypatch.setattr(csv_reader, "ARROW_BLOCK_BYTES", 16 << 10)  # the trouble is blocks in
    calls = []
    original = CsvSource._python_frames

    def python_frames(self, size, limit, aside, notices, after=0):
        calls.append(after)
        yield from original(self, size, limit, aside, notices, after)

    monkeypatch.setattr(CsvSource, "_python_frames", python_frames)
    options = ReadOptions(encoding="utf-8")
    frames = _same(path, 500, options)
    assert calls and calls[0] > 0 and calls[0] % 500 == 1  # handed over after whole frames
    assert frames[0].index[0] == 2 and len(frames) >= 5
