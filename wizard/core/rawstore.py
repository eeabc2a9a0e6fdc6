"""The staged raw values: every cell of a staged file as it was read, kept beside the ledger.

Staging writes each chunk's cells (text, as the reader gave them) and row numbers to an Arrow
IPC file, ``staged/<fid>.arrow`` next to the ledger, compressed with LZ4. A re-check after a
mapping change that only touches some columns reads those columns back from it (in C, without
parsing the file again) instead of reading and checking the whole file: see
:mod:`wizard.core.recheck`. The file is written under a temporary name and takes its own name
when the whole source was read, so a store that exists is complete; it is dropped when its
file is staged again or leaves the plan.

A store is a cache: when it is missing, damaged or cannot hold a source's cells, the re-check
reads the file again as it always could.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc

from wizard.core.paths import private

log = logging.getLogger(__name__)
ROW = "__row"  # the column holding each cell's row number (the number the admin sees)


def store_path(ledger_path: Path, fid: int) -> Path:
    return ledger_path.parent / "staged" / f"{fid}.arrow"


def drop(ledger_path: Path, fid: int) -> None:
    for path in (store_path(ledger_path, fid), _part(store_path(ledger_path, fid))):
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:  # a cache: a file left behind is overwritten next time
            log.warning("could not remove %s: %s", path, exc)


def _part(path: Path) -> Path:
    return path.with_name(path.name + ".part")


class RawWriter:
    """Writes one source's chunks; :meth:`commit` makes the store visible. Any failure (a cell
    that is not text, a full disk) only disables the store: staging goes on without it."""

    def __init__(self, ledger_path: Path, fid: int) -> None:
        self.path = store_path(ledger_path, fid)
        self._writer: ipc.RecordBatchFileWriter | None = None
        self._sink: pa.NativeFile | None = None
        self._columns: list[str] | None = None
        self._schema: pa.Schema | None = None
        self.ok = True
        drop(ledger_path, fid)

    def write(self, frame: pd.DataFrame) -> None:
        if not self.ok:
            return
        try:
            columns = [str(c) for c in frame.columns]
            if self._columns is None:
                if len(set(columns)) != len(columns) or ROW in columns:
                    raise ValueError("column names are not unique")
                self._columns = columns
                schema = pa.schema([(ROW, pa.int64())] + [(c, pa.string()) for c in columns])
                self._schema = schema
                self.path.parent.mkdir(parents=True, exist_ok=True)
                private(self.path.parent)  # the customers' data: this user's only
                self._sink = pa.OSFile(str(_part(self.path)), "wb")
                private(_part(self.path))
                self._writer = ipc.new_file(self._sink, schema,
                                            options=ipc.IpcWriteOptions(compression="lz4"))  # fmt: skip
            elif columns != self._columns:
                raise ValueError("the chunks' columns differ")
            arrays = [pa.array(frame.index.to_numpy(dtype="int64"), type=pa.int64())]
            arrays += [pa.array(frame[c], type=pa.string(), from_pandas=True) for c in columns]
            if any(a.null_count for a in arrays):
                raise ValueError("a cell is not text")
            assert self._writer is not None
            self._writer.write_batch(pa.record_batch(arrays, schema=self._schema))
        except (pa.ArrowException, ValueError, TypeError, OSError) as exc:
            log.info("the raw values of %s are not kept: %s", self.path.name, exc)
            self.abandon()

    def commit(self) -> bool:
        """The store takes its name; False when there is none (nothing kept)."""
        if not self.ok or self._writer is None:
            self.abandon()
            return False
        try:
            self._writer.close()
            assert self._sink is not None
            self._sink.close()
            os.replace(_part(self.path), self.path)
            return True
        except (pa.ArrowException, OSError) as exc:
            log.info("the raw values of %s are not kept: %s", self.path.name, exc)
            self.abandon()
            return False

    def abandon(self) -> None:
        self.ok = False
        for closing in (self._writer, self._sink):
            try:
                if closing is not None:
                    closing.close()
            except (pa.ArrowException, OSError):
                pass
        self._writer = self._sink = None
        with contextlib.suppress(OSError):
            _part(self.path).unlink()


def columns(ledger_path: Path, fid: int) -> list[str] | None:
    """The source columns a store holds, or None when there is no usable store."""
    path = store_path(ledger_path, fid)
    try:
        with pa.memory_map(str(path)) as source:
            names = ipc.open_file(source).schema.names
    except (pa.ArrowException, OSError):
        return None
    return [n for n in names if n != ROW] if names and names[0] == ROW else None


def read(ledger_path: Path, fid: int, wanted: list[str],
         rows: int = 50_000) -> Iterator[pd.DataFrame]:  # fmt: skip
    """The wanted columns of every row, ``rows`` at a time, indexed by row number, as the
    reader gave them (text, '' when empty). A column the file does not have is left out, as
    the file's own chunks leave it out."""
    path = store_path(ledger_path, fid)
    with pa.memory_map(str(path)) as source:
        reader = ipc.open_file(source)
        held = [c for c in dict.fromkeys(wanted) if c in reader.schema.names]
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i).select([ROW, *held])
            for start in range(0, batch.num_rows, rows):
                part = batch.slice(start, rows)
                index = pd.Index(part.column(0).to_numpy(), name="row", dtype="int64")
                frame = pd.DataFrame(
                    {c: pd.Series(part.column(c).fill_null(""), dtype="str", index=index)
                     for c in held}, index=index)  # fmt: skip
                yield frame
