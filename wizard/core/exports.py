"""Success and error files per phase, CSV and XLSX, every text cell neutralised.

The success file lists every row the phase decided other than rejected (loaded, updated,
unchanged, merged) with the new record's id; the error file lists every rejected row with its
reason and its values as read (the original row when validation rejected it). Both are written
from the ledger, streamed, so they are the same whether the phase ran in one go or resumed.
"""

from __future__ import annotations

import csv
import itertools
import json
import operator
from collections.abc import Iterator, Sequence
from pathlib import Path

import xlsxwriter

from wizard.core.blueprint import ENTITIES
from wizard.core.ledger import Ledger, Rechecked, outcome_table, stage_table, value_fields
from wizard.core.paths import private
from wizard.core.phases import PHASES, PhaseDef
from wizard.core.textsafe import neutralise
from wizard.core.validate import RULE_TITLES, Findings

XLSX_SHEET_ROWS = 1_048_575  # Excel's limit, minus the header row
# above this the success list is CSV only, which Excel opens too: writing XLSX costs about
# 110 microseconds a row (measured: 5.8 s for 51,600 rows), ten times the CSV
XLSX_SUCCESS_LIMIT = 10_000
SUCCESS_HEADER = ["File", "Row", "Entity", "Record ID", "New ID", "Outcome", "Note"]
ERROR_HEADER = ["File", "Row", "Entity", "Record ID", "Reason", "Values"]


def _values_text(raw: str | None, fields: list[str], values: tuple) -> str:
    if raw:
        data = json.loads(raw)
        items = data.items() if isinstance(data, dict) else enumerate(data, 1)
        return "; ".join(f"{k}: {v}" for k, v in items if v not in ("", None))
    return "; ".join(f"{k}: {v}" for k, v in zip(fields, values, strict=True) if v)


def safe_sql(expr: str) -> str:
    """SQL for :func:`neutralise`, so big files are made safe inside SQLite: text starting
    with = + - @ or a control character gets a leading ', except plain signed numbers."""
    first = f"substr({expr}, 1, 1)"
    return (
        f"CASE WHEN {first} IN ('=', '+', '-', '@', char(9), char(13), char(10)) "
        f"AND NOT ({first} IN ('+', '-') AND length({expr}) > 1 "
        f"AND substr({expr}, 2) NOT GLOB '*[^0-9.,]*') THEN char(39) || {expr} ELSE {expr} END"
    )


def _success_rows(ledger: Ledger, phase: PhaseDef) -> Iterator[tuple]:
    for entity in dict.fromkeys(phase.entities):
        yield from ledger.db.execute(
            f"SELECT {safe_sql('f.label')}, s.row, ?, {safe_sql('s.key')}, o.target_id, "
            f"o.outcome, COALESCE({safe_sql('o.note')}, '') FROM {outcome_table(entity)} o "
            f"JOIN {stage_table(entity)} s ON s.sid=o.sid JOIN files f ON f.fid=o.fid "
            "WHERE o.phase=? AND o.outcome != 'rejected' ORDER BY o.sid",
            (ENTITIES[entity].label, phase.name),
        )


def _error_rows(ledger: Ledger, phase: PhaseDef) -> Iterator[list[object]]:
    for entity in dict.fromkeys(phase.entities):
        fields = value_fields(ENTITIES[entity])
        label = ENTITIES[entity].label
        rc = Rechecked(entity, db=ledger.db)  # the values as the last re-check left them
        cols = ", ".join(rc.col(f"f_{n}") for n in fields)
        for row in ledger.db.execute(
            f"SELECT f.label, s.row, s.key, o.reason, s.raw, {cols} FROM {outcome_table(entity)} "
            f"o JOIN {stage_table(entity)} s ON s.sid=o.sid {rc.join} JOIN files f ON "
            "f.fid=o.fid WHERE o.phase=? AND o.outcome='rejected' ORDER BY o.sid",
            (phase.name,),
        ):
            key = row[2] if not row[2].startswith("unreadable:") else ""
            values = [row[0], row[1], label, key, row[3],
                      _values_text(row[4], fields, row[5:])]  # fmt: skip
            yield [neutralise(v) for v in values]


def _write_csv(path: Path, header: list[str], rows: Iterator[Sequence[object]]) -> int:
    """Rows arrive neutralised and are written as they come; returns how many. UTF-8 with a
    byte order mark, so Excel reads the accents (written by hand: the ``utf-8-sig`` codec
    encodes row by row in Python, 0.6 s per million rows)."""
    counted = itertools.count()
    tmp = path.with_suffix(".csv.part")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as f:
            f.write("\ufeff")
            w = csv.writer(f)
            w.writerow(header)
            # each row passes the counter on its way, in C (a generator per row cost 0.5 s
            # per million)
            w.writerows(map(operator.itemgetter(0), zip(rows, counted, strict=False)))
        private(tmp).replace(path)
    except BaseException:  # a full disk: no half file is left, the query is closed now
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _close(rows)
    return next(counted)


def _close(rows: object) -> None:
    """Close a generator of rows that may still hold a database cursor."""
    close = getattr(rows, "close", None)
    if close is not None:
        close()


def _write_xlsx(path: Path, header: list[str], rows: Iterator[Sequence[object]]) -> None:
    tmp = path.with_name(path.name + ".part")
    try:
        _xlsx_rows(tmp, header, rows)
        private(tmp).replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _close(rows)


def _xlsx_rows(tmp: Path, header: list[str], rows: Iterator[Sequence[object]]) -> None:
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})  # fmt: skip
    bold = wb.add_format({"bold": True})
    ws, r, sheet = None, 0, 0
    for row in rows:
        if ws is None or r > XLSX_SHEET_ROWS:
            sheet += 1
            ws = wb.add_worksheet(f"Rows {sheet}" if sheet > 1 else "Rows")
            ws.write_row(0, 0, header, bold)
            ws.freeze_panes(1, 0)
            r = 1
        for c, v in enumerate(row):
            if isinstance(v, int | float) and not isinstance(v, bool):
                ws.write_number(r, c, v)
            elif v is not None and v != "":
                ws.write_string(r, c, str(v))  # already neutralised
        r += 1
    if ws is None:
        ws = wb.add_worksheet("Rows")
        ws.write_row(0, 0, header, bold)
    wb.close()


def write_phase_files(ledger: Ledger, phase: PhaseDef, folder: Path) -> list[str]:
    """Write ``NN-phase-loaded`` and ``NN-phase-rejected`` (.csv and .xlsx); returns paths."""
    folder.mkdir(parents=True, exist_ok=True)
    number = [p.name for p in PHASES].index(phase.name) + 1
    stem = f"{number:02d}-{phase.name}"
    out = []
    ok_csv = folder / f"{stem}-loaded.csv"
    n_ok = _write_csv(ok_csv, SUCCESS_HEADER, _success_rows(ledger, phase))
    out.append(str(ok_csv))
    ok_xlsx = folder / f"{stem}-loaded.xlsx"
    if n_ok <= XLSX_SUCCESS_LIMIT:
        _write_xlsx(ok_xlsx, SUCCESS_HEADER, _success_rows(ledger, phase))
        out.append(str(ok_xlsx))
    else:
        ok_xlsx.unlink(missing_ok=True)
    bad_csv = folder / f"{stem}-rejected.csv"
    _write_csv(bad_csv, ERROR_HEADER, _error_rows(ledger, phase))
    bad_xlsx = folder / f"{stem}-rejected.xlsx"
    _write_xlsx(bad_xlsx, ERROR_HEADER, _error_rows(ledger, phase))
    out += [str(bad_csv), str(bad_xlsx)]
    return out


FINDINGS_HEADER = ["File", "Row", "Column", "Value", "Problem", "Severity", "Message",
                   "What to do"]  # fmt: skip


def write_findings(findings: Findings, path: Path) -> Path:
    """The validation findings as a spreadsheet (XLSX), every text cell neutralised. Counts
    are exact; the examples are the first ones of each rule in each file (see ``Findings``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = (
        [neutralise(v) for v in (f.file, f.row, f.column or "", f.value,
                                 RULE_TITLES.get(f.rule, f.rule), f.severity, f.message, f.fix)]
        for f in findings.items
    )  # fmt: skip
    _write_xlsx(path, FINDINGS_HEADER, rows)
    return path
