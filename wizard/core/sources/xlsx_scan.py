"""What a workbook's XML says before calamine reads it: sizes that would exhaust memory (a
1.5 KB file can declare billions of cells or strings, or inflate a thousandfold), formula
cells without a saved result, and cells holding Excel errors (#DIV/0!, #N/A), which calamine
reads as empty. Everything is streamed: memory stays bounded whatever the file declares."""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from wizard.core.errors import SourceError

MAX_INFLATED = 4 << 30  # bytes a workbook may unpack to in all
MAX_RATIO = 200  # how much bigger than its compressed size a large part may be
LARGE_PART = 256 << 20
MAX_SPARSE_CELLS = 20_000_000  # a grid this big must be mostly filled (calamine makes it dense)
MIN_FILL = 1 / 50
BLOCK = 1 << 20

_SHEET_ENTRY = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL_ENTRY = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_REL_ENTRY_REV = re.compile(rb'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')
_UNIQUE = re.compile(rb'uniqueCount="(\d+)"')
_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_REF3 = re.compile(rb' r="([A-Z]{3})\d+"')
_REF2 = re.compile(rb' r="([A-Z]{2})\d+"')
_ERROR = re.compile(rb'<c\b([^>]*?\bt="e"[^>]*)>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?<v>([^<]*)</v>')
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_CARRY = 4096  # bytes kept from one block to the next, so no element is cut in two


@dataclass
class SheetScan:
    formulas: int = 0
    unsaved: int = 0  # formula cells without a saved result (they read empty)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) 0-based


def column_number(letters: bytes | str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _too_big(path: Path, what: str) -> SourceError:
    return SourceError(
        f"{path.name} {what}, far more than the data it holds: it is damaged or was made to "
        "exhaust memory, so it was not read.",
        "Open it in Excel and save it again (Excel writes the true sizes), or export the data "
        "again as CSV.",
        path=str(path),
    )


@lru_cache(maxsize=64)
def _check_package(path_text: str, size: int, mtime: float) -> None:
    path = Path(path_text)
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_INFLATED:
                raise _too_big(path, f"would unpack to {total / 1e9:,.1f} GB")
            for info in infos:
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > LARGE_PART and ratio > MAX_RATIO:
                    raise _too_big(path, f"has a part ({info.filename}) that unpacks "
                                   f"{ratio:,.0f} times bigger ({info.file_size / 1e9:,.1f} GB)")  # fmt: skip
            shared = next((i for i in infos if i.filename.lower() == "xl/sharedstrings.xml"), None)
            if shared is not None:
                with z.open(shared) as f:
                    head = f.read(4096)
                m = _UNIQUE.search(head)
                if m and int(m.group(1)) > shared.file_size // 8 + 1000:
                    raise _too_big(path, f"declares {int(m.group(1)):,} different texts in "
                                   f"{shared.file_size:,} bytes")  # fmt: skip
    except (OSError, zipfile.BadZipFile, KeyError, EOFError, ValueError):
        return  # not a readable zip: calamine says so in its own words


def check_package(path: Path) -> None:
    """Refuse an .xlsx/.xlsm/.ods package whose declared sizes would exhaust memory."""
    if not zipfile.is_zipfile(path):
        return
    st = path.stat()
    _check_package(str(path), st.st_size, st.st_mtime)


def _sheet_part(z: zipfile.ZipFile, sheet: str) -> str | None:
    book = z.read("xl/workbook.xml")
    rels = z.read("xl/_rels/workbook.xml.rels")
    ids = {html.unescape(n.decode()): r for n, r in _SHEET_ENTRY.findall(book)}
    targets = dict(_REL_ENTRY.findall(rels))
    targets.update({i: t for t, i in _REL_ENTRY_REV.findall(rels)})
    target = targets.get(ids.get(sheet, b""), b"").decode().lstrip("/")
    if not target:
        return None
    return target if target.startswith("xl/") else f"xl/{target}"


def _blocks(z: zipfile.ZipFile, name: str):
    """The sheet's XML in blocks of whole elements (a block ends before its last '<')."""
    carry = b""
    with z.open(name) as f:
        while True:
            block = f.read(BLOCK)
            data = carry + block
            if not block:
                if data:
                    yield data
                return
            cut = data.rfind(b"<", max(0, len(data) - _CARRY))
            if cut <= 0:
                cut = len(data)
            yield data[:cut]
            carry = data[cut:]


def scan_sheet(path: Path, sheet: str) -> SheetScan:
    """What :func:`_scan_sheet` finds, once per version of the file (a workbook is opened
    several times: to list its sheets, to plan, to read)."""
    try:
        st = path.stat()
    except OSError:
        return SheetScan()
    return _scan_cached(str(path), sheet, st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=16)
def _scan_cached(path: str, sheet: str, size: int, mtime: int) -> SheetScan:
    return _scan_sheet(Path(path), sheet)


def _scan_sheet(path: Path, sheet: str) -> SheetScan:
    """One streamed pass over a worksheet's XML (a second one only for a sheet that looks far
    too sparse). Raises SourceError when its cells span a grid so much bigger than what they
    fill that reading it would exhaust memory (calamine makes the grid dense)."""
    out = SheetScan()
    if path.suffix.lower() not in {".xlsx", ".xlsm"} and not zipfile.is_zipfile(path):
        return out
    try:
        with zipfile.ZipFile(path) as z:
            name = _sheet_part(z, sheet)
            if name is None:
                return out
            max_row = max_col = cells = saved = 0
            two_letters = False
            for part in _blocks(z, name):
                cells += part.count(b"<c ") + part.count(b"<c>")
                if b"<f" in part:
                    out.formulas += part.count(b"<f>") + part.count(b"<f ")
                    saved += len(re.findall(rb"</f>\s*<v>[^<]", part)) + len(
                        re.findall(rb"<f [^>]*/>\s*<v>[^<]", part))  # fmt: skip
                rows = _ROW.findall(part)
                if rows:
                    max_row = max(
                        max_row, int(rows[-1]), *(int(r) for r in rows[:: 1 + len(rows) // 64])
                    )
                # a cell whose row number has more digits than any row seen: a far corner
                longer = re.findall(rb' r="[A-Z]{1,3}(\d{%d,})"' % (len(str(max_row)) + 1), part)
                if longer:
                    max_row = max(max_row, *map(int, longer))
                if re.search(rb' r="[A-Z]{3}\d', part):
                    for letters in set(_REF3.findall(part)):
                        max_col = max(max_col, column_number(letters))
                elif not two_letters and re.search(rb' r="[A-Z]{2}\d', part):
                    two_letters = True
                if b't="e"' in part:
                    for attrs, value in _ERROR.findall(part):
                        ref = _CELL_REF.search(attrs)
                        if ref:
                            cell = (int(ref.group(2)) - 1, column_number(ref.group(1)) - 1)
                            out.errors[cell] = html.unescape(value.decode("utf-8", "replace"))
            if not max_col:
                max_col = 702 if two_letters else (26 if cells else 0)  # at most ZZ, or Z
            if max_row * max_col > MAX_SPARSE_CELLS and two_letters and max_col == 702:
                max_col = 26
                for part in _blocks(z, name):  # the true width, for a sparse-looking sheet
                    for letters in set(_REF2.findall(part)):
                        max_col = max(max_col, column_number(letters))
            grid = max_row * max_col
            if grid > MAX_SPARSE_CELLS and grid * MIN_FILL > max(cells, 1):
                raise _too_big(path, f"spreads {cells:,} cells of sheet '{sheet}' over a grid of "
                               f"{max_row:,} rows by {max_col:,} columns ({grid:,} cells)")  # fmt: skip
            out.unsaved = max(0, out.formulas - saved)
    except (OSError, KeyError, zipfile.BadZipFile, EOFError, ValueError):
        return SheetScan()
    return out
