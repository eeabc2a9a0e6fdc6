"""CSV, TSV and TXT exports: encoding, delimiter and header detection; ragged rows set aside."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Generator, Iterator
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from wizard.core.errors import SourceError
from wizard.core.sources.base import Source, file_error, make_frame
from wizard.core.sources.encoding import (
    FALLBACK_ERRORS,
    DecodeCounter,
    canonical,
    detect_encoding,
)
from wizard.core.sources.table import (
    Notice,
    ReadOptions,
    SetAside,
    find_header,
    generic_names,
    looks_like_data,
    name_columns,
)

SAMPLE_BYTES = 256 * 1024
DELIMITERS = [",", ";", "\t", "|"]
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
csv.field_size_limit(64 * 1024 * 1024)


def delimiter_name(d: str | None) -> str:
    """'comma', 'semicolon', 'tab' or 'pipe', for people."""
    return DELIMITER_NAMES.get(d or ",", repr(d))


def _without_nul(lines: Iterator[str], tally: list[int]) -> Iterator[str]:
    """The lines with any NUL character removed (and counted): no CRM holds one in a value,
    and databases such as PostgreSQL refuse them."""
    for line in lines:
        if "\x00" in line:
            tally[0] += line.count("\x00")
            line = line.replace("\x00", "")
        yield line


class _NulFree(io.RawIOBase):
    """A file's bytes with the NUL bytes removed (and counted), for encodings where a zero
    byte is always a NUL character (UTF-8 and every ASCII-compatible code page): one C scan
    per block read, rather than a Python step per line or a pass over the file first."""

    def __init__(self, raw: io.BufferedIOBase) -> None:
        self.raw = raw
        self.removed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:
        while True:
            data = self.raw.read(len(b))
            if not data:
                return 0
            if b"\x00" in data:
                self.removed += data.count(b"\x00")
                data = data.replace(b"\x00", b"")
                if not data:
                    continue  # a block of NULs only: read on (0 would mean the end)
            b[: len(data)] = data
            return len(data)


def _records(text: str, delimiter: str, limit: int) -> list[list[str]]:
    return list(islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), limit))


def detect_delimiter(text: str) -> str:
    """The candidate that splits the sample's rows into the same, largest number of fields."""
    best, best_score = ",", (False, 0.0, 0)
    for d in DELIMITERS:
        rows = [r for r in _records(text, d, 60) if any(c.strip() for c in r)]
        widths = [len(r) for r in rows if len(r) > 1]
        if not widths:
            continue
        mode, hits = Counter(widths).most_common(1)[0]
        score = (True, hits / len(rows), mode)
        if score > best_score:
            best, best_score = d, score
    return best


def _swallowed(last_field: str, file_ends_with_quote: bool) -> bool:
    """An unclosed quote makes the rest of the file one value: the record's last field then
    spans lines and runs to the end of the file (often keeping its final line break)."""
    if "\n" not in last_field and "\r" not in last_field:
        return False
    return last_field.endswith(("\n", "\r")) or not file_ends_with_quote


def _with_last(reader: Iterator[list[str]]) -> Iterator[tuple[list[str], int, bool]]:
    """Each record with the line it ends on, and whether it is the file's last record."""
    previous: tuple[list[str], int] | None = None
    for rec in reader:
        current = (rec, reader.line_num)  # type: ignore[attr-defined]
        if previous is not None:
            yield previous[0], previous[1], False
        previous = current
    if previous is not None:
        yield previous[0], previous[1], True


# pyarrow reads blocks of this size (a record must fit in one); larger blocks cost memory, not
# speed: reading 2M activities peaked at 363 MB with 4 MB blocks, 198 MB with 1 MB, 171 MB with
# 512 KB (165 MB with the Python reader), in 1.7, 1.9 and 2.2 s (9.3 s)
ARROW_BLOCK_BYTES = 512 << 10


def _blank_rows(blank: int) -> Notice:
    """What both readers say of the empty rows they skipped."""
    return Notice("blank_rows", f"{blank} empty row(s) were skipped.", severity="info")


def _holds_nul(batch: object) -> bool:
    """Whether any value of the batch holds a NUL character (the Python reader removes them
    and says so)."""
    import pyarrow.compute as pc

    return any(pc.any(pc.match_substring(column, "\x00")).as_py() for column in batch.columns)


def _take(held: list, n: int) -> tuple:
    """The first ``n`` held rows as one table and their numbers; the rest stay held."""
    import pyarrow as pa

    parts, numbers, left = [], [], n
    while left:
        batch, nums = held[0]
        if batch.num_rows <= left:
            parts.append(batch)
            numbers.append(nums)
            left -= batch.num_rows
            held = held[1:]
        else:
            parts.append(batch.slice(0, left))
            numbers.append(nums[:left])
            held = [(batch.slice(left), nums[left:]), *held[1:]]
            left = 0
    rest = sum(b.num_rows for b, _ in held)
    return pa.Table.from_batches(parts), np.concatenate(numbers), held, rest


def _arrow_frame(table: object, numbers: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """A frame like :func:`make_frame`'s, from pyarrow's columns (no Python string made)."""
    dtype = _TEXT.dtype
    # one chunk per column, as the Python reader's frames have (the raw store writes each
    # column as one array)
    frame = table.combine_chunks().to_pandas(types_mapper=lambda _t: dtype)
    frame.columns = columns
    frame.index = pd.Index(numbers, name="row", dtype="int64")
    return frame


_TEXT = pd.Series([], dtype="str")


class CsvSource(Source):
    kind = "csv"
    arrow = True  # read in C by pyarrow when it reads the file exactly as Python does

    def __init__(self, path: Path, options: ReadOptions | None = None) -> None:
        options = options or ReadOptions()
        super().__init__(path, ReadOptions(**options.to_dict()))
        try:
            with path.open("rb") as f:
                sample = f.read(SAMPLE_BYTES + 1)
        except OSError as exc:
            raise file_error(path, exc) from exc
        complete = len(sample) <= SAMPLE_BYTES
        sample = sample[:SAMPLE_BYTES]
        if not sample.strip():
            raise SourceError(
                f"{path.name} is empty: it has no header and no rows.",
                "Export the data again from your old CRM; the export may have failed.",
                path=str(path),
            )
        self.options.encoding = (
            canonical(self.options.encoding)
            if self.options.encoding
            else detect_encoding(sample, complete)
        )
        text = self._decode_sample(sample, complete)
        if not text.strip():
            raise SourceError(
                f"{path.name} is empty: it has no header and no rows.",
                "Export the data again from your old CRM; the export may have failed.",
                path=str(path),
            )
        if not self.options.delimiter:
            self.options.delimiter = detect_delimiter(text)
        records = _records(text, self.options.delimiter, 200)
        if not complete and len(records) > 1:
            records = records[:-1]  # the sample may end inside the last record
        self._setup_header(records, complete)

    def _decode_sample(self, sample: bytes, complete: bool) -> str:
        # an incremental decoder keeps a multi-byte sequence cut at the sample's end for later
        decoder = codecs.getincrementaldecoder(self.options.encoding)(errors=FALLBACK_ERRORS)
        text = decoder.decode(sample, final=complete)
        if not complete:
            cut = max(text.rfind("\n"), text.rfind("\r"))
            text = text[: cut + 1] if cut > 0 else text
        return text.lstrip("\ufeff").replace("\x00", "")

    def _setup_header(self, records: list[list[str]], complete: bool) -> None:
        path = self.path
        if self.options.header_row:
            index = self.options.header_row - 1
            if index >= len(records):
                raise SourceError(
                    f"{path.name} has no row {self.options.header_row} to use as the header.",
                    "Choose a lower header row.",
                    path=str(path),
                )
        else:
            found = find_header(records)
            index = 0 if found is None else found
        header = records[index]
        if not self.options.header_row and looks_like_data(header):
            width = max(len(r) for r in records)
            self.columns = self.original_columns = generic_names(width)
            self.options.header_row = 0  # no header: every record is data
            self.notices.append(
                Notice(
                    "no_header",
                    f"{path.name} seems to have no header row: its first row already holds "
                    f"data. Its columns are called Column 1 to Column {width}; map them by "
                    "their values.",
                )
            )
            return
        self.options.header_row = index + 1
        if index:
            self.notices.append(
                Notice(
                    "title_rows_skipped",
                    f"The first {index} row(s) of {path.name} look like a title, not data; "
                    f"the header is row {index + 1}.",
                    severity="info",
                )
            )
        names = name_columns(header)
        self.columns, self.original_columns = names.names, names.original
        self.notices.extend(names.notices)
        data_after = [r for r in records[index + 1 :] if any(c.strip() for c in r)]
        if complete and not data_after:
            raise SourceError(
                f"{path.name} has a header but no rows of data.",
                "Check the export's filters in your old CRM and export again.",
                path=str(path),
            )

    def _iterate(self, size: int, limit: int | None, aside: list[SetAside],
                 notices: list[Notice]) -> Iterator[pd.DataFrame]:  # fmt: skip
        after = 0
        if limit is None and self.arrow and self._arrow_can_read():
            after = yield from self._arrow_frames(size, notices)
            if after is None:
                return
        yield from self._python_frames(size, limit, aside, notices, after)

    def _python_frames(self, size: int, limit: int | None, aside: list[SetAside],
                       notices: list[Notice], after: int = 0) -> Iterator[pd.DataFrame]:  # fmt: skip
        """The file read by Python's ``csv`` module: every shape a spreadsheet can save. Data
        records up to number ``after`` were given already (by :meth:`_arrow_frames`) and are
        not given again; everything else (blank rows, rows set aside, notices) is counted over
        the whole file."""
        path, columns = self.path, self.columns
        width = len(columns)
        skip = self.options.header_row or 0
        blank = trimmed = done = 0
        counter = DecodeCounter()
        try:
            raw = path.open("rb")
        except OSError as exc:
            raise file_error(path, exc) from exc
        with raw:
            nuls = [0]
            wide = self._wide_encoding()
            stripped = None if wide else _NulFree(raw)
            source = raw if stripped is None else io.BufferedReader(stripped, 1 << 20)
            text = io.TextIOWrapper(source, encoding=self.options.encoding,
                                    errors=FALLBACK_ERRORS, newline="")  # fmt: skip
            lines = _without_nul(text, nuls) if wide else text
            reader = csv.reader(lines, delimiter=self.options.delimiter, strict=False)
            records = _with_last(reader)
            tail_quote = self._ends_with_quote()
            record_no = 0
            last_line = 0
            exhausted = False
            while not exhausted:
                rows: list[list[str]] = []
                numbers: list[int] = []
                want = size if limit is None else min(size, limit - done)
                with counter:
                    try:
                        while len(rows) < want:
                            try:
                                rec, line_num, is_last = next(records)
                            except StopIteration:
                                exhausted = True
                                break
                            record_no += 1
                            first_line = last_line + 1
                            last_line = line_num
                            if is_last and rec and _swallowed(rec[-1], tail_quote):
                                # a quote opened here never closed: the rest of the file
                                # became one value; set it aside rather than load it
                                aside.append(self._ragged(rec, record_no, first_line, True))
                                continue
                            if record_no <= skip:
                                continue
                            if record_no == 1 and rec and rec[0].startswith("\ufeff"):
                                rec[0] = rec[0][1:]
                            if len(rec) != width:
                                if not any(c.strip() for c in rec):
                                    blank += 1
                                    continue
                                if len(rec) > width and not any(c.strip() for c in rec[width:]):
                                    rec = rec[:width]
                                    trimmed += 1
                                else:
                                    aside.append(self._ragged(rec, record_no, first_line))
                                    continue
                            elif not any(rec):
                                blank += 1
                                continue
                            if record_no <= after:
                                continue  # given already
                            # a tuple of strings leaves the garbage collector's lists at its
                            # first collection; a list would be walked by every full one
                            rows.append(tuple(rec))
                            numbers.append(record_no)
                    except csv.Error as exc:
                        raise SourceError(
                            f"{path.name} could not be read past line {reader.line_num}: {exc}.",
                            "Open the file in a spreadsheet program, check that line, "
                            "save it again as CSV and retry.",
                            path=str(path),
                        ) from exc
                    except OSError as exc:
                        raise file_error(path, exc) from exc
                if rows:
                    done += len(rows)
                    yield make_frame(rows, numbers, columns)
                if limit is not None and done >= limit:
                    return
        if blank:
            notices.append(_blank_rows(blank))
        if trimmed:
            notices.append(
                Notice(
                    "trailing_empty_fields",
                    f"{trimmed} row(s) had empty extra fields at the end; they were ignored "
                    "(no data was in them).",
                    severity="info",
                )
            )
        if stripped is not None:
            nuls[0] += stripped.removed
        if nuls[0]:
            notices.append(
                Notice(
                    "nul_removed",
                    f"{nuls[0]:,} invisible NUL character(s) (left by a faulty export) were "
                    f"removed from the values of {path.name}; nothing else was changed.",
                )
            )
        if counter.fallbacks:
            notices.append(
                Notice(
                    "encoding_fallback",
                    f"{counter.fallbacks} character(s) in {path.name} were not valid "
                    f"{self.options.encoding} and were read as Windows-1252. Check names with "
                    "accents in the preview.",
                )
            )

    def _arrow_can_read(self) -> bool:
        """Whether pyarrow's reader may read this file: UTF-8 text (it decodes nothing else
        itself) split by one character."""
        return (self.options.encoding in ("utf-8", "utf-8-sig")
                and len(self.options.delimiter or ",") == 1 and bool(self.columns))  # fmt: skip

    def _arrow_frames(self, size: int, notices: list[Notice]) -> Generator[pd.DataFrame, None, int | None]:  # fmt: skip
        """The file read in C by pyarrow's CSV reader (in parallel, without the GIL), for files
        it reads exactly as :meth:`_python_frames` does: the same records, row numbers, blank
        rows and frames of ``size`` rows. Returns None when it read the whole file. At the
        first thing only the Python reader handles (a row that does not split into the
        header's columns, an unclosed quote at the end, a NUL character, bytes that are not
        UTF-8, a record longer than a block), it stops and returns the number of the last
        record it gave, for the Python reader to go on after."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv

        width, skip = len(self.columns), self.options.header_row or 0
        names = [f"f{i}" for i in range(width)]
        try:
            reader = pacsv.open_csv(
                self.path,
                read_options=pacsv.ReadOptions(column_names=names, block_size=ARROW_BLOCK_BYTES),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.options.delimiter or ",", quote_char='"', double_quote=True,
                    escape_char=False, newlines_in_values=True, ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                    quoted_strings_can_be_null=False, check_utf8=True),
            )  # fmt: skip
        except (pa.ArrowException, OSError, ValueError):
            return 0
        tail_quote = self._ends_with_quote()
        record = given = blank = 0  # records read; the last record given; blank rows
        held: list[tuple[pa.RecordBatch, np.ndarray]] = []  # rows read, not given yet
        count = 0  # rows held
        batches = iter(reader)
        batch: pa.RecordBatch | None = None
        try:
            with reader:
                while True:
                    # a row that does not split into the header's columns raises here
                    following = next(batches, None)
                    while following is not None and not following.num_rows:
                        following = next(batches, None)  # the last record is in a batch
                    if following is not None and _holds_nul(following):
                        return given
                    if batch is not None:
                        numbers = np.arange(record + 1, record + 1 + batch.num_rows)
                        record += batch.num_rows
                        if following is None and _swallowed(
                                batch.column(width - 1)[-1].as_py(), tail_quote):  # fmt: skip
                            return given  # the last record ran to the end of the file
                        keep = np.ones(batch.num_rows, dtype=bool)
                        keep[: max(0, skip - (record - batch.num_rows))] = False  # header, titles
                        empty = np.ones(batch.num_rows, dtype=bool)
                        for column in batch.columns:
                            empty &= pc.equal(pc.binary_length(column), 0).to_numpy(
                                zero_copy_only=False)  # fmt: skip
                        blank += int((empty & keep).sum())
                        keep &= ~empty
                        if keep.any():
                            held.append((batch.filter(pa.array(keep)), numbers[keep]))
                            count += int(keep.sum())
                        while count >= size or (following is None and count):
                            frame, numbers_given, held, count = _take(held, min(size, count))
                            given = int(numbers_given[-1])
                            yield _arrow_frame(frame, numbers_given, self.columns)
                    if following is None:
                        break
                    batch = following
        except (pa.ArrowException, OSError, ValueError):
            return given  # bytes that are not UTF-8, a record longer than a block...
        if blank:
            notices.append(_blank_rows(blank))
        return None

    def columns_only(self, names: list[str], size: int = 1 << 20) -> Iterator[pd.DataFrame]:
        """Some columns of every data row, read in C by pyarrow's CSV reader (in parallel,
        without the GIL): for look-ups that only need a few columns' values, such as which
        keys a parent table holds. Rows that do not split into the header's columns are left
        out, as ``chunks`` sets them aside. Falls back to ``chunks`` when pyarrow cannot read
        the file the way this reader does."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        wanted = [self.columns.index(n) for n in names if n in self.columns]
        if not wanted:
            return
        try:
            reader = pacsv.open_csv(
                self.path,
                read_options=pacsv.ReadOptions(
                    encoding=self.options.encoding, skip_rows=self.options.header_row or 0,
                    autogenerate_column_names=True, block_size=size),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.options.delimiter or ",", newlines_in_values=True,
                    invalid_row_handler=lambda _row: "skip"),
                convert_options=pacsv.ConvertOptions(
                    include_columns=[f"f{i}" for i in wanted],
                    column_types={f"f{i}": pa.string() for i in wanted},
                    strings_can_be_null=False, quoted_strings_can_be_null=False),
            )  # fmt: skip
            for batch in reader:
                frame = batch.to_pandas()
                frame.columns = [self.columns[i] for i in wanted]
                yield frame
        except (pa.ArrowException, LookupError, OSError, ValueError):
            # from the start again: callers collect sets of values, a value seen twice is one
            yield from super().columns_only(names)

    def _wide_encoding(self) -> bool:
        """UTF-16 and UTF-32 (or an encoding not known yet): their characters hold zero
        bytes, so NUL characters are taken out of the decoded lines instead of the bytes."""
        encoding = (self.options.encoding or "").lower()
        return not encoding or "16" in encoding or "32" in encoding

    def _ends_with_quote(self) -> bool:
        """True when the file's last character (before line breaks) is a quote."""
        try:
            size = self.path.stat().st_size
            with self.path.open("rb") as f:
                f.seek(max(0, size - 4096))
                tail = f.read().decode(self.options.encoding, errors="ignore")
        except (OSError, LookupError):
            return True
        return tail.rstrip("\r\n\x00 \t").endswith('"')

    def _ragged(self, rec: list[str], row: int, line: int, unclosed: bool = False) -> SetAside:
        width = len(self.columns)
        where = f"Row {row}" if row == line else f"Row {row} (line {line} of the file)"
        if unclosed or (len(rec) < width and any("\n" in c or "\r" in c for c in rec)):
            reason = (
                f'{where} has a quote (") that opens a value but never closes it, so the '
                f"rest of the row could not be split into columns. It was set aside; close "
                "the quote in the file and load it again."
            )
        elif len(rec) > width:
            reason = (
                f"{where} has {len(rec)} values but the header has {width} columns, so its "
                "values cannot be matched to columns safely. It was set aside; this is often "
                "a comma inside a value that is not in quotes. Fix the row and load it again."
            )
        else:
            reason = (
                f"{where} has only {len(rec)} of the {width} values the header names, so its "
                "values cannot be matched to columns safely. It was set aside; fix the row "
                "and load it again."
            )
        return SetAside(row=row, line=line, fields=rec, reason=reason)
