"""XLSX / XLSM / XLS / ODS workbooks, read with python-calamine (fast, typed cells)."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pandas as pd
import python_calamine as calamine

from wizard.core.errors import SourceError
from wizard.core.sources.base import Source, file_error, make_frame
from wizard.core.sources.table import (
    HEADER_SCAN_ROWS,
    Notice,
    ReadOptions,
    SetAside,
    find_header,
    generic_names,
    looks_like_data,
    name_columns,
)
from wizard.core.sources.xlsx_scan import check_package, scan_sheet

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def cell_text(value: object) -> str:
    """A cell as text: whole numbers without '.0', dates as ISO, booleans as TRUE/FALSE."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _open_error(path: Path, exc: Exception) -> SourceError:
    if isinstance(exc, FileNotFoundError | PermissionError):
        return file_error(path, exc)
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError:
        head = b""
    if isinstance(exc, calamine.PasswordError) or (
        head == _OLE_MAGIC and path.suffix.lower() in {".xlsx", ".xlsm"}
    ):
        return SourceError(
            f"{path.name} is protected with a password, so it cannot be read.",
            "Open it in Excel, remove the password (File > Info > Protect Workbook), save, "
            "and add it again.",
            path=str(path),
        )
    return SourceError(
        f"{path.name} is damaged or is not really an Excel workbook, so it cannot be read.",
        "Open it in Excel and save it again as .xlsx, or export the data again as CSV.",
        path=str(path),
    )


def _panic(exc: BaseException) -> bool:
    """calamine's Rust code panics on some crafted files; pyo3 raises that as a
    BaseException, which must become a plain message like any damaged file."""
    return type(exc).__name__ == "PanicException"


def open_workbook(path: Path) -> calamine.CalamineWorkbook:
    try:
        if path.stat().st_size == 0:
            raise SourceError(
                f"{path.name} is empty (0 bytes).",
                "Export the workbook again from your old CRM; the export may have failed.",
                path=str(path),
            )
        check_package(path)
        return calamine.CalamineWorkbook.from_path(str(path))
    except SourceError:
        raise
    except (calamine.CalamineError, OSError, ValueError, zipfile.BadZipFile) as exc:
        raise _open_error(path, exc) from exc
    except Exception as exc:  # calamine raises a few undocumented kinds on corrupt files
        raise _open_error(path, exc) from exc
    except BaseException as exc:
        if _panic(exc):
            raise _open_error(path, exc) from None
        raise


def sheet_names(path: Path) -> list[str]:
    """Visible worksheets, in workbook order."""
    book = open_workbook(path)
    try:
        return [
            m.name
            for m in book.sheets_metadata
            if m.visible == calamine.SheetVisibleEnum.Visible
            and m.typ == calamine.SheetTypeEnum.WorkSheet
        ]
    finally:
        book.close()


class ExcelSource(Source):
    kind = "xlsx"

    def __init__(self, path: Path, options: ReadOptions | None = None) -> None:
        options = options or ReadOptions()
        super().__init__(path, ReadOptions(**options.to_dict()))
        self.options.encoding = self.options.delimiter = None
        names = sheet_names(path)
        if not names:
            raise SourceError(
                f"{path.name} has no worksheet with data.",
                "Check that you exported the right workbook.",
                path=str(path),
            )
        if self.options.sheet is None:
            self.options.sheet = names[0]
        elif self.options.sheet not in names:
            raise SourceError(
                f"{path.name} has no sheet called '{self.options.sheet}'.",
                f"Its sheets are: {', '.join(names)}.",
                path=str(path),
            )
        scan = scan_sheet(path, self.options.sheet)  # before calamine makes the grid
        self._errors = scan.errors
        sheet = self._sheet()
        self._first_row = (sheet.start or (0, 0))[0]
        self._first_col = (sheet.start or (0, 0))[1]
        merged = sheet.merged_cell_ranges or []
        head = [[cell_text(v) for v in r] for r in islice(sheet.iter_rows(), HEADER_SCAN_ROWS)]
        del sheet
        self._setup_header(head, merged)
        formulas, unsaved = scan.formulas, scan.unsaved
        if unsaved:
            self.notices.append(
                Notice(
                    "formulas_without_results",
                    f"{unsaved} formula cell(s) in {self.label} have no saved result, so they "
                    "read as empty. Open the file in Excel, save it, and add it again to get "
                    "their values.",
                )
            )
        elif formulas:
            self.notices.append(
                Notice(
                    "formulas",
                    f"{formulas} cell(s) in {self.label} hold formulas; the results Excel saved "
                    "are read, not the formulas.",
                    severity="info",
                )
            )

    def _sheet(self) -> calamine.CalamineSheet:
        book = open_workbook(self.path)
        try:
            return book.get_sheet_by_name(self.options.sheet)
        except Exception as exc:
            raise _open_error(self.path, exc) from exc
        except BaseException as exc:
            if _panic(exc):
                raise _open_error(self.path, exc) from None
            raise

    def _setup_header(self, head: list[list[str]], merged: list) -> None:
        label = self.label
        band = False
        if self.options.header_row:
            index = self.options.header_row - 1 - self._first_row
            if not 0 <= index < len(head):
                raise SourceError(
                    f"{label} has no row {self.options.header_row} to use as the header.",
                    "Choose another header row.",
                    path=str(self.path),
                )
        else:
            found = find_header(head)
            if found is None:
                raise SourceError(
                    f"The sheet {label} is empty.",
                    "Pick a sheet that holds your records.",
                    path=str(self.path),
                )
            index = found
            if self._is_band(index, head, merged):
                index += 1  # a two-row header: merged group labels above the field names
                band = True
        header = list(head[index])
        if not self.options.header_row and looks_like_data(header):
            width = max(len(r) for r in head)
            self.columns = self.original_columns = generic_names(width)
            self.options.header_row = self._first_row  # rows up to here are not data
            self.notices.append(
                Notice(
                    "no_header",
                    f"{label} seems to have no header row: its first row already holds data. "
                    f"Its columns are called Column 1 to Column {width}.",
                )
            )
            return
        excel_row = self._first_row + index  # 0-based sheet row of the header
        self.options.header_row = excel_row + 1
        header = self._merge_header(header, head[index - 1] if index else None, excel_row, merged)
        if band:
            self.notices.append(
                Notice(
                    "two_row_header",
                    f"The header of {label} spans rows {excel_row} and {excel_row + 1} (group "
                    "labels above the names); columns are named 'Group - Name'.",
                    severity="info",
                )
            )
        elif index:
            self.notices.append(
                Notice(
                    "title_rows_skipped",
                    f"The first row(s) of {label} look like a title, not data; the header is "
                    f"row {excel_row + 1}.",
                    severity="info",
                )
            )
        names = name_columns(header)
        self.columns, self.original_columns = names.names, names.original
        self.notices.extend(names.notices)
        if not any(any(c.strip() for c in r) for r in head[index + 1 :]):
            raise SourceError(
                f"{label} has a header but no rows of data.",
                "Check the export's filters in your old CRM and export again.",
                path=str(self.path),
            )

    def _is_band(self, index: int, head: list[list[str]], merged: list) -> bool:
        """True when row ``index`` holds merged cells spanning columns whose names sit in the
        row below it ('Address' over 'Street', 'City', 'Zip')."""
        if index + 1 >= len(head) or looks_like_data(head[index + 1]):
            return False
        row, below, col0 = self._first_row + index, head[index + 1], self._first_col
        for (r0, c0), (r1, c1) in merged:
            if r0 == row == r1 and c1 > c0:
                cells = [below[c - col0] for c in range(c0, c1 + 1) if 0 <= c - col0 < len(below)]
                if cells and all(c.strip() for c in cells):
                    return True
        return False

    def _merge_header(self, header: list[str], above: list[str] | None, row: int,
                      merged: list) -> list[str]:  # fmt: skip
        """Spread merged header cells over the columns they cover; a merged band above the
        header ("Address" over Street, City, Zip) becomes a prefix of the names under it."""
        col0 = self._first_col
        for (r0, c0), (r1, c1) in merged:
            if c1 <= c0:
                continue
            if r0 <= row <= r1:
                value = header[c0 - col0] if 0 <= c0 - col0 < len(header) else ""
                for c in range(c0 + 1, c1 + 1):
                    if 0 <= c - col0 < len(header) and not header[c - col0].strip():
                        header[c - col0] = value
            elif above is not None and r0 <= row - 1 <= r1 < row:
                band = above[c0 - col0] if 0 <= c0 - col0 < len(above) else ""
                if band.strip():
                    for c in range(c0, c1 + 1):
                        i = c - col0
                        if 0 <= i < len(header) and header[i].strip():
                            header[i] = f"{band.strip()} - {header[i].strip()}"
        if above is not None:  # two-row header: a blank cell takes the label above it
            for i, cell in enumerate(header):
                if not cell.strip() and i < len(above) and above[i].strip():
                    header[i] = above[i]
        return header

    def _iterate(self, size: int, limit: int | None, aside: list[SetAside],
                 notices: list[Notice]) -> Iterator[pd.DataFrame]:  # fmt: skip
        columns = self.columns
        width = len(columns)
        sheet = self._sheet()
        first = self._first_row
        skip = max(0, (self.options.header_row or 0) - first)
        rows: list[list[str]] = []
        numbers: list[int] = []
        done = 0
        errors, col0, shown = self._errors, self._first_col, 0
        for i, raw in enumerate(sheet.iter_rows()):
            if i < skip:
                continue
            values = [cell_text(v) for v in raw]
            if errors:  # an Excel error reads as empty: keep what the cell shows
                row = first + i
                for j, v in enumerate(values):
                    if v == "" and (row, col0 + j) in errors:
                        values[j] = errors[(row, col0 + j)]
                        shown += 1
            if len(values) > width:
                if any(v.strip() for v in values[width:]):
                    aside.append(
                        SetAside(
                            row=first + i + 1,
                            line=None,
                            fields=values,
                            reason=(
                                f"Row {first + i + 1} has values in columns to the right of the "
                                "header, which have no name. It was set aside; give those "
                                "columns a header or move the values, then load it again."
                            ),
                        )
                    )
                    continue
                values = values[:width]
            elif len(values) < width:
                values += [""] * (width - len(values))
            if not any(values):
                continue
            rows.append(values)
            numbers.append(first + i + 1)
            if len(rows) >= size or (limit is not None and done + len(rows) >= limit):
                done += len(rows)
                yield make_frame(rows, numbers, columns)
                rows, numbers = [], []
                if limit is not None and done >= limit:
                    return
        if rows:
            yield make_frame(rows, numbers, columns)
        if shown:
            kinds = ", ".join(sorted(set(errors.values()))[:5])
            notices.append(
                Notice(
                    "excel_errors",
                    f"{shown:,} cell(s) of {self.label} hold an Excel error ({kinds}) instead of "
                    "a value; they are kept as written and flagged where a field expects a "
                    "value. Fix the formulas in Excel to load the values.",
                )
            )
