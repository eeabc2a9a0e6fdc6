"""Generate tests/data/bad/: malformed and awkward exports, one per case in test_bad_corpus.py.

Run ``python tests/data/make_bad_corpus.py`` to rebuild; the output is deterministic.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).parent / "bad"
HEADER = "Name,Email,Phone\n"
ROWS = "Ann Lee,ann@example.com,+1 415 555 0100\nBob Roy,bob@example.com,+1 415 555 0101\n"


def _xlsx(build) -> bytes:
    wb = Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheets(wb: Workbook) -> None:
    ws = wb.active
    ws.title = "Companies"
    ws.append(["Company name", "Domain"])
    ws.append(["Acme", "acme.com"])
    ws.append(["Globex", "globex.com"])
    ws2 = wb.create_sheet("Contacts")
    ws2.append(["First name", "Last name", "Email"])
    ws2.append(["Ann", "Lee", "ann@acme.com"])
    hidden = wb.create_sheet("Lookup")
    hidden.append(["secret"])
    hidden.append(["x"])
    hidden.sheet_state = "hidden"


def _title_rows(wb: Workbook) -> None:
    ws = wb.active
    ws.title = "Report"
    ws["A1"] = "Contacts report"
    ws.merge_cells("A1:C1")
    ws["A2"] = "Exported 2024-05-01 by admin"
    ws.append([])
    ws.append(["Name", "Email", "City"])
    ws.append(["Ann Lee", "ann@example.com", "Austin"])
    ws.append(["Bob Roy", "bob@example.com", "Boston"])


def _merged_header(wb: Workbook) -> None:
    ws = wb.active
    ws.append(["Name", "Address", None, None])
    ws.merge_cells("B1:D1")
    ws.append([None, "Street", "City", "Zip"])
    ws.append(["Acme", "1 Main St", "Austin", "78701"])


def _typed(wb: Workbook) -> None:
    import datetime as dt

    ws = wb.active
    ws.append(["Name", "Created", "Phone", "Amount", "Active"])
    ws.append(["Ann", dt.datetime(2024, 3, 1), 4155550100, 1250.5, True])
    ws.append(["Bob", dt.datetime(2024, 3, 2, 14, 30), 4155550101, 99, False])


def _formulas(wb: Workbook) -> None:
    ws = wb.active
    ws.append(["Name", "Amount", "Double"])
    ws.append(["Ann", 10, "=B2*2"])
    ws.append(["Bob", 20, "=B3*2"])


def _empty_sheet(wb: Workbook) -> None:
    wb.active.title = "Nothing"


def _wide_right(wb: Workbook) -> None:
    ws = wb.active
    ws.append(["Name", "Email"])
    ws.append(["Ann", "ann@example.com"])
    ws.append(["Bob", "bob@example.com", "stray note"])


def _zip_named_csv() -> bytes:
    return _xlsx(_sheets)


def _corrupt_xlsx() -> bytes:
    return _xlsx(_sheets)[:700]


def _zip_without_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return buf.getvalue()


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(64)
OLE = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504) + b"EncryptedPackage" + bytes(200)

FILES: dict[str, bytes] = {
    "utf8_plain.csv": (HEADER + ROWS).encode(),
    "utf8_bom.csv": b"\xef\xbb\xbf" + (HEADER + ROWS).encode(),
    "utf16le_bom_tab.txt": ("\ufeff" + (HEADER + "Zoë Ñúñez,zoe@example.com,\n")
                            .replace(",", "\t")).encode("utf-16-le"),
    "utf16be_bom.csv": ("\ufeff" + HEADER + "Zoë,zoe@example.com,\n").encode("utf-16-be"),
    "utf16le_nobom.csv": (HEADER + "Zoë,zoe@example.com,\n").encode("utf-16-le"),
    "cp1252_semicolon.csv": ("Name;City;Amount\nJürgen Müller;Köln;1.234,56\n"
                             "Chloé Dubois;Besançon;€ 99,00\n").encode("cp1252"),
    "cp1252_comma.csv": ("Name,Note\nJosé,“smart quotes” – dash\nZoë,naïve café\n"
                         ).encode("cp1252"),
    "cp1251_cyrillic.csv": ("Имя,Город\nИван Петров,Москва\nОльга Смирнова,Санкт-Петербург\n"
                            "Пётр Иванов,Новосибирск\n").encode("cp1251"),
    "mixed_encoding.csv": ("Name,City\nAnn,Zürich\n").encode() + "Bob,Genève\n".encode("cp1252")
    + "Cat,Köln\n".encode(),
    "semicolon.csv": b"Name;Email\nAnn;ann@example.com\nBob;bob@example.com\n",
    "tab.tsv": b"Name\tEmail\nAnn\tann@example.com\nBob\tbob@example.com\n",
    "pipe.txt": b"Name|Email\nAnn|ann@example.com\nBob|bob@example.com\n",
    "crlf.csv": (HEADER + ROWS).replace("\n", "\r\n").encode(),
    "cr_only.csv": (HEADER + ROWS).replace("\n", "\r").encode(),
    "quoted_newlines.csv": b'Name,Notes\nAnn,"line one\nline two\nline three"\n'
    b'Bob,"said ""hi"", then left"\nCat,plain\n',
    "ragged_more.csv": b"Name,Email\nAnn,ann@example.com\nBob,Roy,bob@example.com\n"
    b"Cat,cat@example.com\n",
    "ragged_fewer.csv": b"Name,Email,Phone\nAnn,ann@example.com,1\nBob\nCat,cat@example.com,3\n",
    "unclosed_quote.csv": b'Name,Notes\nAnn,ok\nBob,"never closed\nCat,lost\nDan,lost too\n',
    "trailing_delimiters.csv": b"Name,Email\nAnn,ann@example.com,,\nBob,bob@example.com,\n",
    "blank_lines.csv": b"Name,Email\n\nAnn,ann@example.com\n,\n\nBob,bob@example.com\n\n",
    "duplicate_headers.csv": b"Email,Name,Email,email\na@x.com,Ann,b@x.com,c@x.com\n",
    "blank_headers.csv": b",Name,,Email\n1,Ann,x,ann@example.com\n",
    "title_rows.csv": b"Contacts report,,\nExported 2024-05-01,,\n,,\nName,Email,City\n"
    b"Ann,ann@example.com,Austin\nBob,bob@example.com,Boston\n",
    "no_header.csv": b"Ann Lee,ann@example.com,Austin\nBob Roy,bob@example.com,Boston\n",
    "empty.csv": b"",
    "whitespace_only.csv": b"  \r\n\r\n \t\n",
    "only_delimiters.csv": b",,,\n,,,\n",
    "header_only.csv": b"Name,Email,Phone\n",
    "png_named.csv": PNG,
    "random_binary.csv": bytes(range(256)) * 8,
    "xlsx_named.csv": _zip_named_csv(),
    "huge_field.csv": b"Name,Notes\nAnn," + b'"' + b"x" * 2_000_000 + b'"' + b"\nBob,short\n",
    "formula_text.csv": b'Name,Website\nAnn,"=HYPERLINK(""http://evil.example"",""click"")"\n'
    b"Bob,+cmd|' /C calc'!A0\nCat,@SUM(A1:A9)\nDan,-1+1\n",
    "excel_serial_dates.csv": b"Deal name,Close date\nBig deal,45123\nSmall deal,45200\n",
    "ambiguous_dates.csv": b"Deal name,Close date\nA,01/02/2024\nB,03/04/2024\nC,05/06/2024\n",
    "dmy_dates.csv": b"Deal name,Close date\nA,25/12/2024\nB,03/04/2024\n",
    "namibia_na.csv": b"Name,Country,Notes\nAnn,NA,n/a\nBob,NULL,None\n",
    "leading_zeros.csv": b"Name,Zip,Phone\nAnn,02134,0044 20 7946 0000\n",
    "sheets.xlsx": _xlsx(_sheets),
    "title_rows.xlsx": _xlsx(_title_rows),
    "merged_header.xlsx": _xlsx(_merged_header),
    "typed_cells.xlsx": _xlsx(_typed),
    "formulas.xlsx": _xlsx(_formulas),
    "empty_sheet.xlsx": _xlsx(_empty_sheet),
    "values_right_of_header.xlsx": _xlsx(_wide_right),
    "corrupt.xlsx": _corrupt_xlsx(),
    "text_named.xlsx": b"Name,Email\nAnn,ann@example.com\n",
    "zip_not_workbook.xlsx": _zip_without_workbook(),
    "password_protected.xlsx": OLE,
    "unsupported.json": b'{"name": "Ann"}',
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    for name, data in FILES.items():
        (OUT / name).write_bytes(data)
    print(f"wrote {len(FILES)} files to {OUT}")


if __name__ == "__main__":
    main()
