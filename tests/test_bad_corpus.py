"""Every file of tests/data/bad/ (made by tests/data/make_bad_corpus.py) and its exact outcome:
what loads, what is set aside or reported, and the message an admin sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BAD
from tests.data.make_bad_corpus import FILES
from wizard.core.errors import SourceError
from wizard.core.sources import discover, open_source

# name -> expected outcome. "error": words of the message; otherwise what loads.
EXPECT: dict[str, dict] = {
    "utf8_plain.csv": {"encoding": "utf-8", "rows": [["Ann Lee", "ann@example.com", "+1 415 555 0100"], ["Bob Roy", "bob@example.com", "+1 415 555 0101"]]},
    "utf8_bom.csv": {"encoding": "utf-8-sig", "columns": ["Name", "Email", "Phone"], "count": 2},
    "utf16le_bom_tab.txt": {"encoding": "utf-16", "delimiter": "\t", "rows": [["Zoë Ñúñez", "zoe@example.com", ""]]},
    "utf16be_bom.csv": {"encoding": "utf-16", "rows": [["Zoë", "zoe@example.com", ""]]},
    "utf16le_nobom.csv": {"encoding": "utf-16-le", "rows": [["Zoë", "zoe@example.com", ""]]},
    "cp1252_semicolon.csv": {"encoding": "cp1252", "delimiter": ";", "rows": [["Jürgen Müller", "Köln", "1.234,56"], ["Chloé Dubois", "Besançon", "€ 99,00"]]},
    "cp1252_comma.csv": {"encoding": "cp1252", "rows": [["José", "“smart quotes” – dash"], ["Zoë", "naïve café"]]},
    "cp1251_cyrillic.csv": {"encoding": "cp1251", "columns": ["Имя", "Город"], "first": ["Иван Петров", "Москва"], "count": 3},
    "mixed_encoding.csv": {"encoding": "utf-8", "rows": [["Ann", "Zürich"], ["Bob", "Genève"], ["Cat", "Köln"]], "notices": ["encoding_fallback"], "message": "1 character(s) in mixed_encoding.csv were not valid utf-8 and were read as Windows-1252"},
    "semicolon.csv": {"delimiter": ";", "count": 2},
    "tab.tsv": {"delimiter": "\t", "count": 2},
    "pipe.txt": {"delimiter": "|", "count": 2},
    "crlf.csv": {"rows": [["Ann Lee", "ann@example.com", "+1 415 555 0100"], ["Bob Roy", "bob@example.com", "+1 415 555 0101"]]},
    "cr_only.csv": {"rows": [["Ann Lee", "ann@example.com", "+1 415 555 0100"], ["Bob Roy", "bob@example.com", "+1 415 555 0101"]]},
    "quoted_newlines.csv": {"rows": [["Ann", "line one\nline two\nline three"], ["Bob", 'said "hi", then left'], ["Cat", "plain"]], "row_numbers": [2, 3, 4]},
    "ragged_more.csv": {"rows": [["Ann", "ann@example.com"], ["Cat", "cat@example.com"]], "aside": [3], "row_numbers": [2, 4], "reason": "Row 3 has 3 values but the header has 2 columns"},
    "ragged_fewer.csv": {"count": 2, "aside": [3], "reason": "Row 3 has only 1 of the 3 values"},
    "unclosed_quote.csv": {"rows": [["Ann", "ok"]], "aside": [3], "reason": "has a quote (\") that opens a value but never closes it"},
    "trailing_delimiters.csv": {"rows": [["Ann", "ann@example.com"], ["Bob", "bob@example.com"]], "notices": ["trailing_empty_fields"]},
    "blank_lines.csv": {"rows": [["Ann", "ann@example.com"], ["Bob", "bob@example.com"]], "row_numbers": [3, 6], "notices": ["blank_rows"], "message": "4 empty row(s) were skipped"},
    "duplicate_headers.csv": {"columns": ["Email", "Name", "Email (2)", "email (3)"], "rows": [["a@x.com", "Ann", "b@x.com", "c@x.com"]], "notices": ["duplicate_column_name", "duplicate_column_name"]},
    "blank_headers.csv": {"columns": ["Column 1", "Name", "Column 3", "Email"], "rows": [["1", "Ann", "x", "ann@example.com"]], "notices": ["blank_column_name", "blank_column_name"]},
    "title_rows.csv": {"header_row": 4, "columns": ["Name", "Email", "City"], "row_numbers": [5, 6], "notices": ["title_rows_skipped"]},
    "no_header.csv": {"header_row": 0, "columns": ["Column 1", "Column 2", "Column 3"], "row_numbers": [1, 2], "notices": ["no_header"]},
    "empty.csv": {"error": "empty.csv is empty: it has no header and no rows."},
    "whitespace_only.csv": {"error": "whitespace_only.csv is empty"},
    "only_delimiters.csv": {"error": "has a header but no rows of data"},
    "header_only.csv": {"error": "header_only.csv has a header but no rows of data."},
    "png_named.csv": {"error": "This file holds binary data, not text"},
    "random_binary.csv": {"error": "This file holds binary data, not text"},
    "xlsx_named.csv": {"kind": "xlsx", "columns": ["Company name", "Domain"], "count": 2, "notices": ["workbook_named_csv"]},
    "huge_field.csv": {"count": 2, "lengths": {"Notes": 2_000_000}},
    "formula_text.csv": {"rows": [["Ann", '=HYPERLINK("http://evil.example","click")'], ["Bob", "+cmd|' /C calc'!A0"], ["Cat", "@SUM(A1:A9)"], ["Dan", "-1+1"]]},
    "excel_serial_dates.csv": {"rows": [["Big deal", "45123"], ["Small deal", "45200"]]},
    "ambiguous_dates.csv": {"count": 3},
    "dmy_dates.csv": {"count": 2},
    "namibia_na.csv": {"rows": [["Ann", "NA", "n/a"], ["Bob", "NULL", "None"]]},
    "leading_zeros.csv": {"rows": [["Ann", "02134", "0044 20 7946 0000"]]},
    "sheets.xlsx": {"sheets": ["Companies", "Contacts"]},
    "title_rows.xlsx": {"header_row": 4, "columns": ["Name", "Email", "City"], "row_numbers": [5, 6], "notices": ["title_rows_skipped"]},
    "merged_header.xlsx": {"header_row": 2, "columns": ["Name", "Address - Street", "Address - City", "Address - Zip"], "rows": [["Acme", "1 Main St", "Austin", "78701"]], "notices": ["two_row_header"]},
    "typed_cells.xlsx": {"rows": [["Ann", "2024-03-01", "4155550100", "1250.5", "TRUE"], ["Bob", "2024-03-02 14:30:00", "4155550101", "99", "FALSE"]]},
    "formulas.xlsx": {"rows": [["Ann", "10", ""], ["Bob", "20", ""]], "notices": ["formulas_without_results"], "message": "2 formula cell(s)"},
    "empty_sheet.xlsx": {"error": "is empty"},
    "values_right_of_header.xlsx": {"columns": ["Name", "Email", "Column 3"], "rows": [["Ann", "ann@example.com", ""], ["Bob", "bob@example.com", "stray note"]], "notices": ["blank_column_name"]},
    "corrupt.xlsx": {"error": "corrupt.xlsx is damaged or is not really an Excel workbook"},
    "text_named.xlsx": {"error": "is damaged or is not really an Excel workbook"},
    "zip_not_workbook.xlsx": {"error": "is damaged or is not really an Excel workbook"},
    "password_protected.xlsx": {"error": "is protected with a password"},
    "unsupported.json": {"error": "unsupported.json is not a file type this app reads."},
}  # fmt: skip


def test_corpus_is_complete_and_current() -> None:
    on_disk = {p.name for p in BAD.iterdir()}
    assert on_disk == set(FILES) == set(EXPECT)
    assert len(on_disk) >= 40
    for name, data in FILES.items():
        if data.startswith(b"PK"):  # workbooks carry the time they were written
            continue
        assert (BAD / name).read_bytes() == data, f"{name} differs: run make_bad_corpus.py"


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_bad_file(name: str) -> None:
    expect = EXPECT[name]
    path = BAD / name
    if "error" in expect:
        with pytest.raises(SourceError) as info:
            open_source(path)
        assert expect["error"] in info.value.message
        assert info.value.hint  # always says what to do next
        found = discover([path])
        assert len(found) == 1 and found[0].error is not None
        return
    if "sheets" in expect:
        found = discover([path])
        assert [f.source.sheet for f in found] == expect["sheets"]
        return
    source = open_source(path)
    frames = list(source.chunks())
    rows = [list(r) for f in frames for r in f.itertuples(index=False)]
    numbers = [n for f in frames for n in f.index.tolist()]
    notices = [n.code for n in source.notices + source.read_notices]
    messages = " ".join(n.message for n in source.notices + source.read_notices)
    for key, actual in (
        ("encoding", source.options.encoding),
        ("delimiter", source.options.delimiter),
        ("header_row", source.options.header_row),
        ("columns", source.columns),
        ("rows", rows),
        ("count", len(rows)),
        ("row_numbers", numbers),
        ("kind", source.kind),
        ("aside", [a.row for a in source.set_aside]),
        ("first", rows[0] if rows else None),
    ):
        if key in expect:
            assert actual == expect[key], key
    assert notices == expect.get("notices", [])
    if "message" in expect:
        assert expect["message"] in messages
    if "reason" in expect:
        assert expect["reason"] in source.set_aside[0].reason
    for column, length in expect.get("lengths", {}).items():
        assert len(frames[0][column].iloc[0]) == length
    # row accounting: every data row is either yielded or set aside
    assert source.rows_read == len(rows) + len(source.set_aside)


def test_every_file_is_reachable_from_its_folder(tmp_path: Path) -> None:
    found = discover([BAD])
    names = {f.path.name for f in found}
    # .txt is only read when named explicitly; .json is not a data file type
    assert names == {n for n in FILES if not n.endswith((".txt", ".json"))}
