"""The reader interface: a file (or one sheet of a workbook) read as chunks of text rows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from wizard.core.errors import SourceError
from wizard.core.sources.table import Notice, ReadOptions, SetAside

CHUNK_ROWS = 50_000


def file_error(path: Path, exc: OSError) -> SourceError:
    """A plain message for a file that is gone, locked or unreadable."""
    if isinstance(exc, FileNotFoundError):
        return SourceError(
            f"The file {path.name} is no longer where it was ({path.parent}).",
            "It may have been moved, renamed or deleted. Put it back or add it again.",
            path=str(path),
        )
    if isinstance(exc, PermissionError):
        return SourceError(
            f"This app is not allowed to read {path.name}.",
            "Close it in Excel if it is open there, or check the file's permissions.",
            path=str(path),
        )
    return SourceError(
        f"{path.name} could not be read: {exc.strerror or exc}.",
        "Copy the file to a local folder and try again.",
        path=str(path),
    )  # keeps every C-level call on a chunk short enough for a responsive GUI


def make_frame(
    rows: list[list[str]] | list[tuple[str, ...]], numbers: list[int], columns: list[str]
) -> pd.DataFrame:
    # text columns held by pyarrow: the checks' string operations run in its kernels, which
    # release the GIL (1.6x faster checks at 1.08M rows; the same staged values, hashes and
    # findings as object columns on the benchmark set, the nine vendor shapes and both
    # shared exports)
    frame = pd.DataFrame(rows, columns=columns, dtype="str")
    frame.index = pd.Index(numbers, name="row", dtype="int64")
    return frame


class Source(ABC):
    """One table of source data. Every value is text ('' when empty); dates read from typed
    spreadsheet cells are ISO text. Row numbers are the ones the admin sees in a spreadsheet."""

    kind: str = ""

    def __init__(self, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options  # resolved: every detected setting is filled in
        self.columns: list[str] = []
        self.original_columns: list[str] = []
        self.notices: list[Notice] = []  # found when the file was opened
        self.read_notices: list[Notice] = []  # found during the last full read
        self.set_aside: list[SetAside] = []  # rows kept aside during the last full read
        self.rows_read: int | None = None  # data rows in the last full read (incl. set aside)

    @property
    def sheet(self) -> str | None:
        return self.options.sheet

    @property
    def label(self) -> str:
        return f"{self.path.name} [{self.sheet}]" if self.sheet else self.path.name

    @property
    def header_row(self) -> int:
        return self.options.header_row or 1

    @abstractmethod
    def _iterate(self, size: int, limit: int | None, aside: list[SetAside],
                 notices: list[Notice]) -> Iterator[pd.DataFrame]:  # fmt: skip
        """Yield frames of at most ``size`` rows, stopping after ``limit`` rows if given."""

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
        """Stream every data row in frames of at most ``size`` rows, indexed by row number."""
        self.set_aside, self.read_notices, self.rows_read = [], [], None
        count = 0
        for frame in self._iterate(size, None, self.set_aside, self.read_notices):
            frame = self._header_again(frame)
            count += len(frame)
            yield frame
        self.rows_read = count + len(self.set_aside)

    def columns_only(self, names: list[str]) -> Iterator[pd.DataFrame]:
        """Some columns of every data row (for look-ups that need only a few columns, such as
        the keys a parent table holds). A reader that can read columns on their own, faster,
        overrides this."""
        for frame in self.chunks():
            yield frame[[n for n in names if n in frame.columns]]

    def _header_again(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A row that repeats the header (exports glued together, a report's page breaks) is
        no record: it is set aside with its row number and the reason, never loaded."""
        names = self.original_columns or self.columns
        if frame.empty or len(names) < 2:
            return frame
        heads = [str(c).strip().casefold() for c in names]
        # a cheap first look (an exact comparison in C) at the first column, as written or in
        # another case or spacing; only the rows it finds are compared in full
        first = str(names[0])
        spellings = {first, first.strip(), first.strip().lower(), first.strip().upper()}
        candidates = frame[frame.iloc[:, 0].isin(spellings)]
        if candidates.empty:
            return frame
        same = pd.Series(True, index=candidates.index)
        for col, head in zip(candidates.columns, heads, strict=False):
            same &= candidates[col].str.strip().str.casefold() == head
        same = same.reindex(frame.index, fill_value=False)
        if not same.any():
            return frame
        for row in frame.index[same]:
            self.set_aside.append(SetAside(int(row), None, [str(v) for v in frame.loc[row]],
                                           "This row repeats the header line; it is not a "
                                           "record and was not loaded."))  # fmt: skip
        return frame[~same]

    def stream(self, size: int) -> Iterator[pd.DataFrame]:
        """An independent stream of frames (for a lazy preview): it does not touch the counts
        and notices of the last full read."""
        return self._iterate(size, None, [], [])

    def preview(self, n: int = 200) -> pd.DataFrame:
        """The first ``n`` data rows, without reading the rest of the file."""
        frames = list(self._iterate(n, n, [], []))
        if not frames:
            return pd.DataFrame(columns=self.columns, dtype=object)
        return pd.concat(frames) if len(frames) > 1 else frames[0]
