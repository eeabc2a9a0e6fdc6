"""What every reader shares: options, notices, header detection and column naming."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMBERISH = re.compile(r"^[\s$€£¥+\-]*[\d][\d\s.,:/\-]*%?$")
_SPACES = re.compile(r"\s+")

HEADER_SCAN_ROWS = 30


@dataclass
class ReadOptions:
    """How to read a file; ``None`` means 'detect it'. Stored in the plan so a replay is exact."""

    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int | None = None  # 1-based row of the header, as a spreadsheet shows it

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ReadOptions:
        data = data or {}
        return cls(**{k: data.get(k) for k in ("encoding", "delimiter", "sheet", "header_row")})


@dataclass
class Notice:
    """Something the reader noticed and the admin should know about."""

    code: str
    message: str
    row: int | None = None
    column: str | None = None
    severity: str = "warning"


@dataclass
class SetAside:
    """A row that could not be read safely (wrong number of fields), kept for the admin."""

    row: int
    line: int | None
    fields: list[str]
    reason: str


@dataclass
class ColumnNames:
    names: list[str]
    original: list[str]
    notices: list[Notice] = field(default_factory=list)


def _filled(row: list[str]) -> int:
    return sum(1 for c in row if c.strip())


def looks_like_data(row: list[str]) -> bool:
    """A header row never holds email addresses, and rarely is mostly numbers."""
    cells = [c.strip() for c in row if c.strip()]
    if not cells:
        return False
    if any(_EMAIL.match(c) for c in cells):
        return True
    numeric = sum(1 for c in cells if _NUMBERISH.match(c))
    return numeric * 2 > len(cells)


def find_header(rows: list[list[str]]) -> int | None:
    """Index of the header among the first rows: the first row about as wide as the table.

    Title rows above a header ("Contacts report", "Exported 2024-05-01") fill one or two cells;
    the header fills nearly every column. Returns None when no row has any text.
    """
    widths = [_filled(r) for r in rows[:HEADER_SCAN_ROWS]]
    if not widths or max(widths) == 0:
        return None
    widest = max(widths)
    need = max(1 if widest == 1 else 2, math.ceil(0.4 * widest))
    candidates = [i for i, w in enumerate(widths) if w >= need]
    # a header is text; a row of emails and numbers above it would be data, not a header
    return next((i for i in candidates if not looks_like_data(rows[i])), candidates[0])


def name_columns(header: list[str]) -> ColumnNames:
    """Clean header cells into unique names; blank and repeated names are renamed visibly."""
    names: list[str] = []
    notices: list[Notice] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(header, start=1):
        name = _SPACES.sub(" ", raw).strip()
        if not name:
            name = f"Column {i}"
            notices.append(
                Notice(
                    "blank_column_name",
                    f"Column {i} has no name in the header; it is called '{name}' here.",
                    column=name,
                )
            )
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            new = f"{name} ({seen[key]})"
            while new.casefold() in seen:
                seen[key] += 1
                new = f"{name} ({seen[key]})"
            notices.append(
                Notice(
                    "duplicate_column_name",
                    f"The header names '{name}' more than once; column {i} is called "
                    f"'{new}' here so that no data is lost.",
                    column=new,
                )
            )
            name = new
            key = name.casefold()
        seen.setdefault(key, 1)
        names.append(name)
    return ColumnNames(names, list(header), notices)


def generic_names(width: int) -> list[str]:
    return [f"Column {i}" for i in range(1, width + 1)]
