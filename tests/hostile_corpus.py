"""A corpus of hostile inputs for the command line, each run in a child process with a memory cap
and a time limit (issue 14): names, encodings, sizes, special files, workbook bombs, hostile
plans and damaged projects.

Every case must end in a plain message (exit 2 or 3) or load with exact accounting (exit 0, every
file's rows balanced), and never print "Something unexpected", a traceback or a panic, abort, or
hang. ``python -m tests.hostile_corpus [NAME ...]`` runs them and prints one line per case; the
test suite runs it through tests/test_hostile_corpus.py.

The inputs are made when the corpus runs (a few are special files or too big to keep in git).
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import random
import resource
import shutil
import socket
import sqlite3
import stat
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

MEMORY_CAP = 3 << 30  # bytes of address space per case
TIME_LIMIT = 90.0  # seconds per case before it counts as a hang
FORBIDDEN = ("Something unexpected", "Traceback", "panicked", "PanicException", "Fatal Python")

CONTACTS = "Contact ID,First Name,Last Name,Email,Phone\nC1,Ann,Lee,ann@example.com,+1 415 555 0100\n" \
           "C2,Bob,Roy,bob@example.com,+1 415 555 0101\n"  # fmt: skip


@dataclass
class Step:
    argv: list[str]
    code: int = 0
    out: str = ""


@dataclass
class Outcome:
    name: str
    steps: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class Run:
    """What a case can do: write inputs and run CLI commands, each command checked."""

    def __init__(self, folder: Path, outcome: Outcome) -> None:
        self.d = folder
        self.outcome = outcome

    def file(self, name: str | bytes, data: bytes | str) -> Path:
        raw = name if isinstance(name, bytes) else os.fsencode(name)
        path = Path(os.fsdecode(os.path.join(os.fsencode(self.d), raw)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    def cli(self, *argv: str | Path, expect: tuple[int, ...] = (0, 2, 3)) -> Step:
        from wizard.cli import main

        args = [str(a) for a in argv]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
            except BaseException as exc:
                code = -1
                err.write(f"Traceback: escaped {exc.__class__.__name__}: {exc}\n")
        step = Step(args, code, out.getvalue() + err.getvalue())
        self.outcome.steps.append(step)
        for word in FORBIDDEN:
            if word in step.out:
                self.outcome.problems.append(f"{' '.join(args[:2])}: printed '{word}'")
        if code not in expect:
            self.outcome.problems.append(f"{' '.join(args[:2])}: exit {code}")
        if args[0] == "migrate" and code == 0:
            self._balanced(Path(args[args.index("--project") + 1]))
        return step

    def _balanced(self, project: Path) -> None:
        from wizard.core.migration import Migration

        with Migration(project) as mig:
            status = mig.status()
        for phase in status["phases"]:
            for acc in phase["accounting"]:
                if not acc["balanced"]:
                    self.outcome.problems.append(f"unbalanced accounting in {phase['name']}")

    def migrate(self, *inputs: str | Path, project: str = "p", **kw) -> Step:
        return self.cli("migrate", *inputs, "--project", self.d / project, **kw)

    def says(self, step: Step, *words: str) -> None:
        for word in words:
            if word.casefold() not in step.out.casefold():
                self.outcome.problems.append(f"{step.argv[0]}: does not say '{word}'")


CASES: dict[str, Callable[[Run], None]] = {}
AS_NOBODY: set[str] = set()  # cases run as an unprivileged user (permissions mean nothing to root)


def case(fn: Callable[[Run], None] | None = None, *, nobody: bool = False):
    def add(f: Callable[[Run], None]) -> Callable[[Run], None]:
        CASES[f.__name__] = f
        if nobody:
            AS_NOBODY.add(f.__name__)
        return f

    return add(fn) if fn else add


def _loads(r: Run, *inputs: str | Path) -> Step:
    step = r.migrate(*inputs, expect=(0,))
    return step


# --- names ------------------------------------------------------------------------------------


@case
def name_not_utf8(r: Run) -> None:
    r.file(b"export/caf\xe9 contacts.csv", CONTACTS)
    r.says(r.migrate(r.d / "export", expect=(2,)), "rename")
    r.cli("inspect", os.fsdecode(os.fsencode(r.d) + b"/export/caf\xe9 contacts.csv"), expect=(2,))


@case
def name_not_utf8_given_directly(r: Run) -> None:
    path = r.file(b"\xff\xfe.csv", CONTACTS)
    r.says(r.migrate(path, expect=(2,)), "rename")


@case
def name_with_newline(r: Run) -> None:
    _loads(r, r.file("export/contacts\nlist.csv", CONTACTS).parent)


@case
def name_like_an_option(r: Run) -> None:
    r.file("export/-rf.csv", CONTACTS)
    _loads(r, r.d / "export")


@case
def name_very_long(r: Run) -> None:
    _loads(r, r.file("export/" + "c" * 240 + ".csv", CONTACTS).parent)


@case
def name_emoji_and_decomposed(r: Run) -> None:
    _loads(r, r.file("export/Contacts 👩‍💼 Cafe\u0301.csv", CONTACTS).parent)


@case
def name_with_quotes_and_sql(r: Run) -> None:
    _loads(r, r.file('export/x\'); DROP TABLE contacts;-- "q".csv', CONTACTS).parent)


@case
def name_upper_case_suffix(r: Run) -> None:
    _loads(r, r.file("export/CONTACTS.CSV", CONTACTS).parent)


@case
def name_without_suffix(r: Run) -> None:
    r.says(r.migrate(r.file("contacts", CONTACTS), expect=(2,)), "not a file type")


@case
def name_hidden_given_directly(r: Run) -> None:
    _loads(r, r.file(".contacts.csv", CONTACTS))


# --- encodings --------------------------------------------------------------------------------


@case
def utf32_with_bom(r: Run) -> None:
    _loads(r, r.file("c.csv", CONTACTS.encode("utf-32")))


@case
def nul_byte_early(r: Run) -> None:
    data = CONTACTS.replace("Ann", "An\x00n").encode()
    r.says(_loads(r, r.file("c.csv", data)), "NUL")


@case
def nul_byte_late(r: Run) -> None:
    body = "".join(f"C{i},N{i},L{i},n{i}@example.com,\n" for i in range(3, 20000))
    _loads(r, r.file("c.csv", (CONTACTS + body + "C9x,Z\x00,Y,z@example.com,\n").encode()))


@case
def nul_bytes_everywhere(r: Run) -> None:
    r.migrate(r.file("c.csv", b"\x00".join(CONTACTS.encode()[i : i + 3]
                                            for i in range(0, len(CONTACTS), 3))))  # fmt: skip


@case
def shift_jis(r: Run) -> None:
    text = "顧客ID,氏名,メール\nJ1,山田太郎,taro@example.jp\nJ2,佐藤花子,hanako@example.jp\n"
    _loads(r, r.file("顧客.csv", text.encode("shift_jis")))


@case
def gb18030(r: Run) -> None:
    text = "客户编号,姓名,电子邮件\nZ1,张伟,wei@example.cn\nZ2,王芳,fang@example.cn\n"
    _loads(r, r.file("客户.csv", text.encode("gb18030")))


@case
def utf16_odd_length(r: Run) -> None:
    r.migrate(r.file("c.csv", CONTACTS.encode("utf-16")[:-1]))


@case
def invalid_utf8_everywhere(r: Run) -> None:
    _loads(
        r,
        r.file(
            "c.csv", CONTACTS.replace("Lee", "L\xe9\xe8").encode("latin-1") + b"\xff\xfe\xfd,\n"
        ),
    )


@case
def utf8_bom_then_cp1252(r: Run) -> None:
    _loads(r, r.file("c.csv", b"\xef\xbb\xbf" + CONTACTS.replace("Roy", "R\xf6y").encode("cp1252")))


@case
def utf16_bom_then_nothing(r: Run) -> None:
    r.says(r.migrate(r.file("c.csv", b"\xff\xfe\x00\x00\x00\x00"), expect=(2,)), "c.csv")


@case
def control_characters(r: Run) -> None:
    _loads(r, r.file("c.csv", CONTACTS.replace("Ann", "A\x1b[31mnn\x07\x0c")))


@case
def bidi_overrides(r: Run) -> None:
    _loads(r, r.file("c.csv", CONTACTS.replace("First Name", "First\u202e Name").replace(
        "Bob", "\u202eboB\u202c")))  # fmt: skip


@case
def mixed_line_endings(r: Run) -> None:
    lines = CONTACTS.splitlines()
    _loads(r, r.file("c.csv", lines[0] + "\r\n" + lines[1] + "\r" + lines[2] + "\n"))


# --- sizes ------------------------------------------------------------------------------------


@case
def one_byte(r: Run) -> None:
    r.says(r.migrate(r.file("c.csv", "a"), expect=(2,)), "c.csv")


@case
def one_column_one_row(r: Run) -> None:
    _loads(r, r.file("c.csv", "Email\nann@example.com\n"))


@case
def long_line_without_newline(r: Run) -> None:
    r.migrate(r.file("c.csv", b"Email," + b"x" * (40 << 20)))


@case
def five_thousand_columns_header_only(r: Run) -> None:
    r.says(r.migrate(r.file("c.csv", ",".join(f"col{i}" for i in range(5000)) + "\n"),
                     expect=(2,)), "no rows")  # fmt: skip


@case
def two_thousand_unmapped_columns(r: Run) -> None:
    head = "Contact ID,Email," + ",".join(f"Extra field {i}" for i in range(2000))
    rows = "\n".join(f"C{n},p{n}@example.com," + ",".join(f"v{n}-{i}" for i in range(2000))
                     for n in range(5))  # fmt: skip
    _loads(r, r.file("contacts.csv", head + "\n" + rows + "\n"))


@case
def twenty_thousand_columns(r: Run) -> None:
    head = "Contact ID,Email," + ",".join(f"x{i}" for i in range(8000))
    row = "C1,a@example.com," + ",".join("1" for _ in range(8000))
    r.migrate(r.file("contacts.csv", head + "\n" + row + "\n"))


@case
def many_empty_lines(r: Run) -> None:
    _loads(r, r.file("c.csv", CONTACTS + "\n" * 200_000 + "C3,Cy,Do,cy@example.com,\n"))


@case
def thirty_megabyte_field(r: Run) -> None:
    _loads(r, r.file("c.csv", CONTACTS + 'C3,Cy,Do,cy@example.com,"' + "9" * (30 << 20) + '"\n'))


@case
def quotes_nested_deep(r: Run) -> None:
    _loads(r, r.file("c.csv", CONTACTS + 'C3,"' + '""' * 50_000 + '",Do,cy@example.com,\n'))


@case
def same_id_everywhere(r: Run) -> None:
    _loads(r, r.file("c.csv", "Contact ID,Email\n" + "C1,a@example.com\n" * 30_000))


# --- special files ----------------------------------------------------------------------------


@case
def fifo_given_as_file(r: Run) -> None:
    os.mkfifo(r.d / "c.csv")
    r.says(r.migrate(r.d / "c.csv", expect=(2,)), "not a regular file")


@case
def fifo_in_folder(r: Run) -> None:
    r.file("export/contacts.csv", CONTACTS)
    os.mkfifo(r.d / "export" / "pipe.csv")
    r.says(_loads(r, r.d / "export"), "pipe.csv", "skipped")


@case
def device_symlink_in_folder(r: Run) -> None:
    r.file("export/contacts.csv", CONTACTS)
    os.symlink("/dev/zero", r.d / "export" / "zero.csv")
    r.says(_loads(r, r.d / "export"), "zero.csv", "skipped")


@case
def device_given_directly(r: Run) -> None:
    r.says(r.migrate("/dev/null", expect=(2,)), "not a regular file")


@case
def random_device_named_csv(r: Run) -> None:
    os.symlink("/dev/urandom", r.d / "random.csv")
    r.says(r.migrate(r.d / "random.csv", expect=(2,)), "not a regular file")


@case
def symlink_loops(r: Run) -> None:
    r.file("export/contacts.csv", CONTACTS)
    os.symlink("b.csv", r.d / "export" / "a.csv")
    os.symlink("a.csv", r.d / "export" / "b.csv")
    os.symlink("..", r.d / "export" / "up")
    r.says(_loads(r, r.d / "export"), "a.csv", "skipped")


@case
def dangling_symlink(r: Run) -> None:
    r.file("export/contacts.csv", CONTACTS)
    os.symlink("gone.csv", r.d / "export" / "deals.csv")
    r.says(_loads(r, r.d / "export"), "deals.csv", "skipped")


@case(nobody=True)
def unreadable_file_in_folder(r: Run) -> None:
    r.file("export/contacts.csv", CONTACTS)
    os.chmod(r.file("export/deals.csv", "Deal ID,Deal Name\nD1,Big\n"), 0)
    r.says(r.migrate(r.d / "export", expect=(2,)), "not allowed to read deals.csv")


@case(nobody=True)
def unreadable_subfolder(r: Run) -> None:
    r.file("export/contacts.csv", CONTACTS)
    r.file("export/old/deals.csv", "Deal ID,Deal Name\nD1,Big\n")
    os.chmod(r.d / "export" / "old", 0)
    r.says(_loads(r, r.d / "export"), "old", "skipped")


@case
def socket_in_folder(r: Run) -> None:
    r.file("export/contacts.csv", CONTACTS)
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(r.d / "export" / "s.csv"))
    try:
        r.says(_loads(r, r.d / "export"), "s.csv", "skipped")
    finally:
        s.close()


@case
def folder_named_like_a_file(r: Run) -> None:
    r.file("export/contacts.csv", CONTACTS)
    (r.d / "export" / "deals.csv").mkdir()
    _loads(r, r.d / "export")


@case
def empty_folder(r: Run) -> None:
    (r.d / "export").mkdir()
    r.migrate(r.d / "export", expect=(2,))


# --- workbook bombs ---------------------------------------------------------------------------

_CT = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="xml" ContentType="application/xml"/><Default '
       'Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
       'officedocument.spreadsheetml.sheet.main+xml"/>{over}</Types>')  # fmt: skip
_SHEET_CT = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
             'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')  # fmt: skip
_SST_CT = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
           'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')  # fmt: skip
_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://'
       'schemas.openxmlformats.org/officeDocument/2006/relationships"')  # fmt: skip


def xlsx(sheets: list[bytes] | None = None, shared: bytes | None = None,
         rows: str = "") -> bytes:  # fmt: skip
    """A minimal workbook written by hand, so a case can put anything in its XML."""
    if sheets is None:
        sheets = [f"<worksheet {_NS}><sheetData>{rows}</sheetData></worksheet>".encode()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        over = "".join(_SHEET_CT.format(n=i + 1) for i in range(len(sheets)))
        z.writestr("[Content_Types].xml", _CT.format(over=over + (_SST_CT if shared else "")))
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                   'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>')  # fmt: skip
        entries = "".join(f'<sheet name="Sheet{i + 1}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                          for i in range(len(sheets)))  # fmt: skip
        z.writestr("xl/workbook.xml", f"<workbook {_NS}><sheets>{entries}</sheets></workbook>")
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/'
                       f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet'
                       f'{i + 1}.xml"/>' for i in range(len(sheets)))  # fmt: skip
        if shared:
            rels += ('<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                     'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"'
                     '/>')  # fmt: skip
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.'
                   f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>')  # fmt: skip
        for i, sheet in enumerate(sheets):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", sheet)
        if shared:
            z.writestr("xl/sharedStrings.xml", shared)
    return buf.getvalue()


_ROWS = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row>'
         '<row r="2"><c r="A2" t="inlineStr"><is><t>ann@example.com</t></is></c></row>')  # fmt: skip


@case
def workbook_hand_made(r: Run) -> None:
    _loads(r, r.file("c.xlsx", xlsx(rows=_ROWS)))


@case
def workbook_declares_every_cell(r: Run) -> None:
    sheet = f'<worksheet {_NS}><dimension ref="A1:XFD1048576"/><sheetData>{_ROWS}</sheetData>' \
            '</worksheet>'  # fmt: skip
    r.says(r.migrate(r.file("c.xlsx", xlsx([sheet.encode()])), expect=(0, 2)), "c.xlsx")


@case
def workbook_cell_at_the_far_corner(r: Run) -> None:
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    r.says(r.migrate(r.file("c.xlsx", xlsx(rows=_ROWS + far)), expect=(0, 2)), "c.xlsx")


@case
def workbook_shared_strings_declared_huge(r: Run) -> None:
    sst = (f'<sst {_NS} count="4294967295" uniqueCount="4294967295"><si><t>Email</t></si>'
           '</sst>').encode()  # fmt: skip
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    )
    r.says(r.migrate(r.file("c.xlsx", xlsx(shared=sst, rows=rows)), expect=(0, 2)), "c.xlsx")


@case
def workbook_zip_bomb(r: Run) -> None:
    """A sheet that inflates about 1,000-fold: 400 MB of blanks inside the sheet data."""
    path = r.file("c.xlsx", xlsx(rows=_ROWS))
    data = xlsx(rows=_ROWS)
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, src.read(info.filename), zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with out.open(info, "w", force_zip64=True) as f:
            f.write(f"<worksheet {_NS}><sheetData>{_ROWS}".encode())
            blank = b" " * (1 << 20)
            for _ in range(400):
                f.write(blank)
            f.write(b"</sheetData></worksheet>")
    r.says(r.migrate(path, expect=(0, 2)), "c.xlsx")


@case
def workbook_many_sheets(r: Run) -> None:
    sheets = [f"<worksheet {_NS}><sheetData>{_ROWS}</sheetData></worksheet>".encode()] * 300
    _loads(r, r.file("c.xlsx", xlsx(sheets)))


@case
def workbook_broken_xml(r: Run) -> None:
    r.migrate(r.file("c.xlsx", xlsx([f'<worksheet {_NS}><sheetData><row><c r="A1"'.encode()])))


@case
def workbook_entity_expansion(r: Run) -> None:
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;'
              '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;'
              '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
              f'<sst {_NS} count="1" uniqueCount="1"><si><t>&lol3;</t></si></sst>').encode()  # fmt: skip
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    )
    r.migrate(r.file("c.xlsx", xlsx(shared=laughs, rows=rows)))


@case
def workbook_shared_string_index_out_of_range(r: Run) -> None:
    sst = f'<sst {_NS} count="1" uniqueCount="1"><si><t>Email</t></si></sst>'.encode()
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>99999999</v></c></row>'
    r.migrate(r.file("c.xlsx", xlsx(shared=sst, rows=rows)))


@case
def workbook_error_cells(r: Run) -> None:
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c><c r="B1" t="inlineStr">'
            '<is><t>Amount</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>a@x.com'
            '</t></is></c><c r="B2" t="e"><v>#DIV/0!</v></c></row><row r="3"><c r="A3" '
            't="inlineStr"><is><t>b@x.com</t></is></c><c r="B3" t="e"><v>#N/A</v></c></row>')  # fmt: skip
    r.says(_loads(r, r.file("contacts.xlsx", xlsx(rows=rows))), "#DIV/0!")


@case
def xls_header_then_garbage(r: Run) -> None:
    rnd = random.Random(7)
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(rnd.randrange(256) for _ in range(4096))
    r.says(r.migrate(r.file("c.xls", data), expect=(2,)), "c.xls")


@case
def ods_garbage(r: Run) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content><broken")
    r.says(r.migrate(r.file("c.ods", buf.getvalue()), expect=(2,)), "c.ods")


@case
def xlsb_garbage(r: Run) -> None:
    r.says(r.migrate(r.file("c.xlsb", xlsx(rows=_ROWS)), expect=(0, 2)), "c.xlsb")


@case
def workbook_wide_row(r: Run) -> None:
    cells = "".join(f'<c r="{_col(i)}1" t="inlineStr"><is><t>h{i}</t></is></c>'
                    for i in range(16000))  # fmt: skip
    vals = "".join(f'<c r="{_col(i)}2"><v>{i}</v></c>' for i in range(16000))
    r.migrate(r.file("c.xlsx", xlsx(rows=f'<row r="1">{cells}</row><row r="2">{vals}</row>')))


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        s = chr(65 + rem) + s
    return s


# --- hostile plans ----------------------------------------------------------------------------


def _plan_case(r: Run, plan: object, *words: str) -> None:
    export = r.file("export/contacts.csv", CONTACTS).parent
    text = plan if isinstance(plan, str) else json.dumps(plan)
    step = r.migrate(export, "--plan", r.file("plan.json", text), expect=(2,))
    r.says(step, *words)
    r.cli("inspect", export, "--plan", r.d / "plan.json", expect=(2,))


def _good_plan(r: Run) -> dict:
    export = r.file("export/contacts.csv", CONTACTS).parent
    r.cli("inspect", export, "--save-plan", r.d / "good.json", expect=(0,))
    return json.loads((r.d / "good.json").read_text())


def _edit(key: str, value: object, where: str = "source"):
    def run(r: Run) -> None:
        plan = _good_plan(r)
        target = plan["sources"][0] if where == "source" else plan
        if where == "field":
            target = plan["sources"][0]["fields"][0]
        if where == "options":
            target = plan["sources"][0]["options"]
        target[key] = value
        _plan_case(r, plan, "plan")

    return run


for _name, _args in {
    "plan_unknown_entity": ("entity", "unicorns"),
    "plan_unknown_field": ("field", "shoe_size", "field"),
    "plan_odd_delimiter": ("delimiter", "ab", "options"),
    "plan_negative_header_row": ("header_row", -3, "options"),
    "plan_header_row_as_words": ("header_row", "two", "options"),
    "plan_unknown_encoding": ("encoding", "klingon", "options"),
    "plan_unknown_transform": ("transforms", ["explode"], "field"),
    "plan_unknown_match": ("match_by", "phone", "field"),
    "plan_fields_not_a_list": ("fields", "email"),
    "plan_value_maps_not_a_map": ("value_maps", ["x"]),
    "plan_sources_not_a_list": ("sources", "contacts.csv", "plan"),
    "plan_bad_active_rule": ("active_rule", {"recent_days": "ninety"}, "plan"),
    "plan_merge_into_nonsense": ("merge_into", {"column": "Nope", "entity": "planets"}),
    "plan_derived_nonsense": ("derived", [{"entity": "planets"}], "plan"),
    "plan_options_for_no_picklist": ("options", {"contact.email": ["x"], "planet.x": 5}, "plan"),
}.items():
    CASES[_name] = _edit(*_args)


@case
def plan_unknown_column(r: Run) -> None:
    """A column the plan maps and the file lacks: said, and the rest loads (a replayed plan on
    fresh exports whose column went away)."""
    plan = _good_plan(r)
    plan["sources"][0]["fields"][0]["columns"] = ["No Such Column"]
    step = r.migrate(r.d / "export", "--plan", r.file("plan.json", json.dumps(plan)), expect=(0,))
    r.says(step, "no longer in the file: No Such Column")
    r.says(r.cli("inspect", r.d / "export", "--plan", r.d / "plan.json", expect=(0,)),
           "not in the file: No Such Column")  # fmt: skip


@case
def plan_not_json(r: Run) -> None:
    _plan_case(r, "{not json", "plan")


@case
def plan_a_list(r: Run) -> None:
    _plan_case(r, "[1, 2, 3]", "plan")


@case
def plan_nested_deep(r: Run) -> None:
    _plan_case(r, "[" * 100_000 + "]" * 100_000, "plan")


@case
def plan_from_the_future(r: Run) -> None:
    _plan_case(r, {"schema_version": 99, "sources": []}, "newer")


@case
def plan_for_other_files(r: Run) -> None:
    plan = _good_plan(r)
    plan["sources"][0]["file"] = "/nowhere/else.csv"
    export = r.d / "export"
    r.migrate(export, "--plan", r.file("plan.json", json.dumps(plan)))


@case
def plan_is_binary(r: Run) -> None:
    _plan_case(r, os.urandom(2048).decode("latin-1"), "plan")


# --- damaged and awkward projects -------------------------------------------------------------


def _project(r: Run) -> Path:
    _loads(r, r.file("export/contacts.csv", CONTACTS).parent)
    return r.d / "p"


@case
def ledger_random_bytes(r: Run) -> None:
    p = _project(r)
    (p / "ledger.db").write_bytes(os.urandom(8192))
    r.says(r.cli("status", "--project", p, expect=(2,)), "ledger")
    r.cli("migrate", r.d / "export", "--project", p, expect=(2,))


@case
def ledger_truncated(r: Run) -> None:
    p = _project(r)
    data = (p / "ledger.db").read_bytes()
    (p / "ledger.db").write_bytes(data[: len(data) // 3])
    r.cli("status", "--project", p)
    r.cli("report", "--project", p, "--out", r.d / "r.html")


@case
def sandbox_random_bytes(r: Run) -> None:
    p = _project(r)
    (p / "sandbox.db").write_bytes(os.urandom(8192))
    r.says(r.cli("status", "--project", p, expect=(2,)), "sandbox")


@case
def sandbox_deleted(r: Run) -> None:
    p = _project(r)
    (p / "sandbox.db").unlink()
    step = r.cli("status", "--project", p)
    r.says(step, "sandbox")
    if "rehearsal is complete" in step.out.casefold():
        r.outcome.problems.append("a deleted sandbox still counts as a rehearsal")


@case
def sandbox_emptied(r: Run) -> None:
    p = _project(r)
    db = sqlite3.connect(p / "sandbox.db")
    db.execute("DELETE FROM contacts")
    db.commit()
    db.close()
    step = r.cli("status", "--project", p)
    r.says(step, "differs")


@case
def project_json_garbage(r: Run) -> None:
    p = _project(r)
    (p / "project.json").write_text("{{{{")
    r.cli("status", "--project", p)


@case
def project_json_a_folder(r: Run) -> None:
    p = _project(r)
    (p / "project.json").unlink()
    (p / "project.json").mkdir()
    r.cli("status", "--project", p)


@case
def project_plan_damaged(r: Run) -> None:
    p = _project(r)
    (p / "plan.json").write_text('{"schema_version": 1, "sources": [{"file": 5}]}')
    r.migrate(r.d / "export")


@case
def project_is_a_file(r: Run) -> None:
    r.file("export/contacts.csv", CONTACTS)
    r.file("p", "I am a file")
    r.says(r.migrate(r.d / "export", expect=(2,)), "p")


@case
def project_under_a_file(r: Run) -> None:
    r.file("export/contacts.csv", CONTACTS)
    r.file("afile", "x")
    r.cli("migrate", r.d / "export", "--project", r.d / "afile" / "p", expect=(2,))


@case(nobody=True)
def project_read_only(r: Run) -> None:
    p = _project(r)
    for item in [p, *p.rglob("*")]:
        item.chmod(item.stat().st_mode & ~0o222)
    r.cli("status", "--project", p, expect=(0,))
    r.cli("report", "--project", p, "--out", r.d / "r.html", expect=(0,))
    r.says(r.cli("migrate", r.d / "export", "--project", p, expect=(2,)), "not allowed")


@case
def report_into_missing_folder(r: Run) -> None:
    p = _project(r)
    r.cli("report", "--project", p, "--out", r.d / "no" / "such" / "r.pdf")


@case
def status_of_a_stranger(r: Run) -> None:
    r.file("q/ledger.db", os.urandom(100))
    r.cli("status", "--project", r.d / "q", expect=(2,))


# --- the runner -------------------------------------------------------------------------------


def _without_root_file_rights() -> None:
    """Root reads and writes any file: drop the capabilities that allow it (the owner's
    permission bits then apply to root too), so a chmod means what it says."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]  # fmt: skip

    header, data = Header(0x20080522, 0), (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    rights = (1 << 1) | (1 << 2) | (1 << 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
    data[0].effective &= ~rights
    data[0].permitted &= ~rights
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def _child(name: str, folder: Path, result: Path) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    os.environ["CUTOVER_WIZARD_HOME"] = str(folder / "home")
    outcome = Outcome(name)
    if name in AS_NOBODY and os.geteuid() == 0:
        _without_root_file_rights()
    os.chdir(folder)
    try:
        CASES[name](Run(folder, outcome))
    except BaseException as exc:
        outcome.problems.append(f"the case itself failed: {exc.__class__.__name__}: {exc}")
    with result.open("w") as f:
        json.dump({"problems": outcome.problems,
                   "steps": [[s.argv[0], s.code, s.out[-600:]] for s in outcome.steps]}, f)  # fmt: skip


def _in_child(name: str, base: Path, out: Path) -> None:
    """A forked child: its output (and anything a library prints) goes to the case's log."""
    log = os.open(base / f"{name}.log", os.O_WRONLY | os.O_CREAT, 0o666)
    os.dup2(log, 1)
    os.dup2(log, 2)
    _child(name, base / name, out)


def run(names: list[str], jobs: int = 2) -> dict[str, dict]:
    """Each case in its own forked child; a child that dies, aborts or hangs is a finding."""
    import importlib
    import pkgutil

    import wizard.core

    # imported once before the children fork (a child that runs as another user may not be
    # allowed to read the installation)
    modules = [m.name for m in pkgutil.walk_packages(wizard.core.__path__, "wizard.core.")]
    for module in ("getpass", "fcntl", "filelock", "keyring", "wizard.cli", *modules):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)

    base = Path(tempfile.mkdtemp(prefix="hostile-"))
    os.chmod(base, 0o755)
    results: dict[str, dict] = {}
    queue = list(names)
    fork = multiprocessing.get_context("fork")
    running: dict[int, tuple[str, float, Path, multiprocessing.Process]] = {}
    try:
        while queue or running:
            while queue and len(running) < jobs:
                name = queue.pop(0)
                (base / name).mkdir()
                out = base / f"{name}.json"
                sys.stdout.flush()
                child = fork.Process(target=_in_child, args=(name, base, out), daemon=True)
                child.start()
                running[child.sentinel] = (name, time.monotonic(), out, child)
            # wait for a child to end, or for the first one's time to run out
            first = min(start for _, start, _, _ in running.values())
            ended = wait(list(running), timeout=max(0.0, first + TIME_LIMIT - time.monotonic()))
            for sentinel, (name, start, _out, child) in list(running.items()):
                if sentinel not in ended and time.monotonic() - start > TIME_LIMIT:
                    child.kill()
                    child.join()
                    del running[sentinel]
                    results[name] = {"problems": [f"hung for over {TIME_LIMIT:.0f} s"]}
            for sentinel in ended:
                name, start, out, child = running.pop(sentinel)
                child.join()
                log = (base / f"{name}.log").read_text(errors="replace")
                if child.exitcode is None or child.exitcode < 0 or not out.exists():
                    why = (f"died by signal {-child.exitcode}" if (child.exitcode or 0) < 0
                           else f"exited {child.exitcode} without a result")  # fmt: skip
                    results[name] = {"problems": [why, log[-400:]]}
                else:
                    results[name] = json.loads(out.read_text())
                    for word in FORBIDDEN:
                        if word in log:
                            results[name]["problems"].append(f"printed '{word}' outside the CLI")
                results[name]["seconds"] = round(time.monotonic() - start, 2)
    finally:
        for root, dirs, _files in os.walk(base):
            for d in dirs:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(root, d), stat.S_IRWXU)
        shutil.rmtree(base, ignore_errors=True)
    return results


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    names = [a for a in argv if a != "-v"] or sorted(CASES)
    results = run(names)
    bad = 0
    for name in names:
        res = results[name]
        codes = ",".join(str(s[1]) for s in res.get("steps", []))
        state = "ok" if not res["problems"] else "FAIL"
        bad += state == "FAIL"
        print(f"{state:4} {name:45} exit {codes:10} {res.get('seconds', 0):6.2f} s  "
              + "; ".join(str(p)[:300] for p in res["problems"]))  # fmt: skip
        if state == "FAIL" and verbose:
            for step in res.get("steps", []):
                print(
                    f"     $ {step[0]} -> {step[1]}\n       "
                    + step[2][-500:].replace("\n", "\n       ")
                )
    print(json.dumps({"cases": len(names), "failed": bad}))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
