"""Reading source files: CSV/TSV/TXT and Excel workbooks, streamed in chunks of text rows."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from wizard.core.errors import SourceError
from wizard.core.sources.base import CHUNK_ROWS, Source
from wizard.core.sources.csv_reader import CsvSource
from wizard.core.sources.excel_reader import EXCEL_SUFFIXES, ExcelSource, sheet_names
from wizard.core.sources.table import Notice, ReadOptions, SetAside

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
SUPPORTED = TEXT_SUFFIXES | EXCEL_SUFFIXES
# A .txt in an export folder is usually a read-me; name it explicitly to read it as data.
FOLDER_SUFFIXES = SUPPORTED - {".txt"}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

__all__ = [
    "CHUNK_ROWS",
    "Found",
    "Notice",
    "ReadOptions",
    "SetAside",
    "Source",
    "SourceError",
    "discover",
    "open_source",
]


def _is_workbook(path: Path) -> bool:
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return True
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return head.startswith(_ZIP_MAGIC) or head == _OLE_MAGIC


def shown(path: str | Path) -> str:
    """A path as text that can always be printed and stored (a name that is not valid UTF-8
    shows its odd bytes as \ufffd)."""
    return os.fsencode(path).decode("utf-8", "replace")


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def open_source(path: str | Path, options: ReadOptions | None = None) -> Source:
    """Open one file (one sheet of a workbook); raises SourceError with a plain message."""
    path = Path(path)
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(
            f"The name of {shown(path.name)} is not valid text (it was written with another "
            "character set), so the project could not keep track of it.",
            "Rename the file (for example to contacts.csv) and add it again.",
            path=shown(path),
        ) from None
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        what = "a link to a file that does not exist" if path.is_symlink() else "no file"
        raise SourceError(
            f"There is {what} at {path}.",
            "Check the name and the folder, or pick the file with the file dialog.",
            path=str(path),
        ) from None
    except OSError as exc:  # a symlink loop, a name too long, a folder that cannot be read
        raise SourceError(
            f"{path.name} could not be opened: {exc.strerror or exc}.",
            "Copy the file to a local folder and add the copy.",
            path=str(path),
        ) from None
    if stat.S_ISDIR(mode):
        raise SourceError(f"{path} is a folder, not a file.", "Pick the files inside it.")
    if not stat.S_ISREG(mode):  # reading a pipe or a device would wait or never end
        raise SourceError(
            f"{path.name} is not a regular file: it is {_special(mode)}.",
            "Export the data to a file (CSV or Excel) and add that file.",
            path=str(path),
        )
    if path.suffix.lower() not in SUPPORTED and not _is_workbook(path):
        raise SourceError(
            f"{path.name} is not a file type this app reads.",
            "Export your data as CSV or Excel (.xlsx) and add that file instead.",
            path=str(path),
        )
    if _is_workbook(path):
        source = ExcelSource(path, options)
        if path.suffix.lower() in TEXT_SUFFIXES:
            source.notices.append(
                Notice(
                    "workbook_named_csv",
                    f"{path.name} is an Excel workbook even though its name ends in "
                    f"{path.suffix}; it was read as a workbook.",
                    severity="info",
                )
            )
        return source
    return CsvSource(path, options)


@dataclass
class Found:
    """One table found among the inputs, the reason a file could not be read, or (``skipped``)
    why something in a folder was left out."""

    path: Path
    source: Source | None = None
    error: SourceError | None = None
    skipped: str = ""


def _files(path: Path, skipped: list[Found]) -> list[Path]:
    """The data files under a folder (or the one file given). Links are followed once;
    what cannot be read is said in ``skipped``: pipes, devices, sockets, broken links, link
    loops and folders this app may not open."""
    if not path.is_dir():
        return [path]
    out: list[Path] = []
    seen: set[tuple[int, int]] = set()

    def walk(folder: Path) -> None:
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:
                skipped.append(Found(folder, skipped="a link back to a folder already read "
                                     "(a loop); it was read once"))  # fmt: skip
                return
            seen.add((info.st_dev, info.st_ino))
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Found(folder, skipped=f"a folder this app may not open "
                                 f"({exc.strerror or exc}); nothing in it was read"))  # fmt: skip
            return
        for entry in entries:
            if entry.name.startswith((".", "~$")):
                continue
            p = Path(entry.path)
            try:
                mode = os.stat(p).st_mode
            except FileNotFoundError:
                if p.suffix.lower() in FOLDER_SUFFIXES:
                    skipped.append(Found(p, skipped="a link to a file that does not exist"))
                continue
            except OSError as exc:
                skipped.append(Found(p, skipped=f"it could not be opened "
                                     f"({exc.strerror or exc})"))  # fmt: skip
                continue
            if stat.S_ISDIR(mode):
                walk(p)
            elif p.suffix.lower() not in FOLDER_SUFFIXES:
                continue
            elif stat.S_ISREG(mode):
                out.append(p)
            else:
                skipped.append(Found(p, skipped=f"it is {_special(mode)}, not a file"))

    walk(path)
    return out


def discover(inputs: list[str | Path]) -> list[Found]:
    """Every table in the given files and folders: each visible sheet of a workbook apart;
    what was left out of a folder comes back as ``Found(skipped=...)``."""
    found: list[Found] = []
    for item in inputs:
        skipped: list[Found] = []
        paths = _files(Path(item), skipped)
        found.extend(skipped)
        for path in paths:
            try:
                if path.is_file() and _is_workbook(path):
                    sheets = sheet_names(path)
                    opened = []
                    for sheet in sheets:
                        try:
                            opened.append(open_source(path, ReadOptions(sheet=sheet)))
                        except SourceError as exc:
                            if len(sheets) == 1:
                                raise
                            del exc  # an empty extra sheet is not worth a failure
                    if not opened:
                        raise SourceError(
                            f"{path.name} has no sheet with data.",
                            "Check that you exported the right workbook.",
                            path=str(path),
                        )
                    found.extend(Found(path, source=s) for s in opened)
                else:
                    found.append(Found(path, source=open_source(path)))
            except SourceError as exc:
                found.append(Found(path, error=exc))
    return found
