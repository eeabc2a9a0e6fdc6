"""Reading source files: CSV/TSV/TXT and Excel workbooks, streamed in chunks of text rows."""

from __future__ import annotations

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


def open_source(path: str | Path, options: ReadOptions | None = None) -> Source:
    """Open one file (one sheet of a workbook); raises SourceError with a plain message."""
    path = Path(path)
    if not path.exists():
        raise SourceError(
            f"There is no file at {path}.",
            "Check the name and the folder, or pick the file with the file dialog.",
            path=str(path),
        )
    if path.is_dir():
        raise SourceError(f"{path} is a folder, not a file.", "Pick the files inside it.")
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
    """One table found among the inputs, or the reason a file could not be read."""

    path: Path
    source: Source | None = None
    error: SourceError | None = None


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in FOLDER_SUFFIXES
            and not any(part.startswith((".", "~$")) for part in p.relative_to(path).parts)
        )
    return [path]


def discover(inputs: list[str | Path]) -> list[Found]:
    """Every table in the given files and folders: each visible sheet of a workbook apart."""
    found: list[Found] = []
    for item in inputs:
        for path in _files(Path(item)):
            try:
                if path.exists() and not path.is_dir() and _is_workbook(path):
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
