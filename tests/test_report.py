"""The cutover report: its content in all three formats, read back (the PDF's text, the
workbook with openpyxl, the HTML parsed), and formula injection made inert everywhere."""

from __future__ import annotations

import csv
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pypdf
import pytest

from tests.test_pipeline import crm, write
from wizard.cli import main
from wizard.core import qa
from wizard.core.cutover import Project
from wizard.core.migration import LIVE, Migration
from wizard.core.report import build_report, write_report
from wizard.resources import demo_dir

SHEETS = [
    "Summary",
    "Phases",
    "Fidelity",
    "Rejections",
    "Reasons",
    "Findings",
    "Loaded with findings",
    "Orphans",
    "QA",
    "Plan",
    "Journal",
]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data) -> None:
        self.text.append(data)


def _html(path: Path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _pdf_text(path: Path) -> tuple[str, int]:
    reader = pypdf.PdfReader(str(path))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _report(folder: Path):
    project = Project(folder)
    with Migration(folder) as sandbox:
        live = Migration(folder, env=LIVE) if (folder / LIVE / "ledger.db").exists() else None
        try:
            return build_report(project, sandbox, live)
        finally:
            if live is not None:
                live.close()


def test_demo_project_report_in_three_formats(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    assert main(["migrate", str(demo_dir()), "--project", str(folder)]) == 0
    report = _report(folder)
    assert report.verdict.startswith("The sandbox rehearsal is complete")
    # the demo's bad values are findings on loaded records: nothing is rejected
    assert report.rejected_total == 0 and report.flagged_total == 27
    kinds = {x.text: x.count for x in report.flagged}
    # grouped by rule, said with the first example's value as it is (not '…')
    assert (
        kinds[
            "Activity type 'Carrier pigeon' is not one of the options; kept as written. "
            "(the first of 5 like it)"
        ]
        == 5
    )
    assert not any("…" in text for text in kinds)
    # each listed record names its file and row, and shows that row's values
    pigeons = [r for r in report.flagged_rows if "Carrier pigeon" in r.reason]
    assert len(pigeons) == 5
    with (demo_dir() / "activities.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = {n: r for n, r in enumerate(csv.DictReader(f), start=2)}
    for r in pigeons:
        assert r.file == "activities.csv" and "Carrier pigeon" in rows[r.row].values()
        assert "type=Carrier pigeon" in r.values
    pdf = write_report(report, tmp_path / "r.pdf")
    text, pages = _pdf_text(pdf)
    assert pages >= 3 and f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    flat = re.sub(r"\s+", " ", text)
    for expected in ("Cutover report: demo", "The sandbox rehearsal is complete",
                     "Sandbox: where every row went", "Active sales contacts",
                     "No row was rejected", "Loaded with findings (27 records)",
                     "What arrived, file by file", "1,000 of 1,000",
                     "is not one of the options", "Carrier pigeon", "Orphans and duplicates", "Journal",
                     "Appendix: the plan", "Manual CSV Import"):  # fmt: skip
        assert expected in flat, expected
    html = write_report(report, tmp_path / "r.html")
    parsed = _html(html)
    body = " ".join(parsed.text)
    assert "Cutover report: demo" in body and "Loaded with findings (27 records)" in body
    images = [a["src"] for t, a in parsed.tags if t == "img"]
    # the outcomes chart (no rejection reasons to chart: nothing was rejected)
    assert len(images) == 1 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not [a for t, a in parsed.tags if t in ("link", "script")]  # self-contained
    xlsx = write_report(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == SHEETS
    phases = list(wb["Phases"].iter_rows(values_only=True))
    assert phases[0][:4] == ("Environment", "Phase", "State", "Read")
    companies = next(r for r in phases if r[1] == "Companies")
    assert companies[3] == 50 and isinstance(companies[3], int) and companies[-2] == "yes"
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True)}
    assert isinstance(summary["Sandbox rehearsal completed (buffer start)"], datetime)
    assert summary["Rows rejected"] == 0 and summary["Records loaded with findings"] == 27
    kept = {r[0]: r for r in wb["Fidelity"].iter_rows(values_only=True)}
    assert kept["activities.csv"][2:4] == (1000, 1000) and kept["contacts.csv"][6] > 0
    flagged = list(wb["Loaded with findings"].iter_rows(values_only=True))[1:]
    assert len(flagged) == 27 and any("Carrier pigeon" in (r[5] or "") for r in flagged)
    wb.close()


def test_report_with_rejects_orphans_qa_live_and_an_override(tmp_path: Path) -> None:
    export = crm(tmp_path / "export")
    folder = tmp_path / "acme"
    assert main(["migrate", str(export), "--project", str(folder)]) == 0
    project = Project(folder)
    with Migration(folder) as mig:
        for entity, source_id in qa.draw_spot_checks(mig, 4, seed=2):
            spot = qa.spot_record(mig, entity, source_id)
            qa.record_spot_check(project.state, spot, "fail" if entity == "deal" else "pass",
                                 "Dana", "Amount looks wrong" if entity == "deal" else "")  # fmt: skip
        qa.decide(project.state, "accessibility.find_own", "Sam")
    project.save()
    reason = "The board moved the go-live forward by two weeks."
    assert main(["migrate", str(export), "--project", str(folder), "--env", "live",
                 "--override-reason", reason, "--by", "Dana"]) == 0  # fmt: skip
    report = _report(folder)
    assert report.verdict.startswith("The live cutover is complete")
    assert "overridden 2 times" in report.verdict
    envs = {p.environment for p in report.phases}
    assert envs == {"Sandbox", "Live"}
    relations = {o[0]: o for o in report.orphans}
    assert relations["Contacts → company"][2] == 1  # C5 points to A9
    assert relations["Contacts → company"][3] == "loaded without the link, flagged"
    assert report.duplicates and report.target.startswith("Live CRM")
    pdf_text, _ = _pdf_text(write_report(report, tmp_path / "r.pdf"))
    flat = re.sub(r"\s+", " ", pdf_text)
    for expected in ("Live: where every row went", "Overrides of the method", reason,
                     "Amount looks wrong", "Contacts → company", "not confirmed"):  # fmt: skip
        assert expected in flat, expected
    body = " ".join(_html(write_report(report, tmp_path / "r.html")).text)
    assert reason in body and "Amount looks wrong" in body and "Live" in body
    wb = openpyxl.load_workbook(write_report(report, tmp_path / "r.xlsx"))
    qa_rows = list(wb["QA"].iter_rows(values_only=True))
    overrides = [r for r in qa_rows if r[0] == "override"]
    assert len(overrides) == 2 and overrides[0][6] == reason and overrides[0][4] == "Dana"
    assert isinstance(overrides[0][5], datetime)
    spot = [r for r in qa_rows if r[0] == "spot check" and r[2] == "fail"]
    assert spot and spot[0][6] == "Amount looks wrong"
    orphans = list(wb["Orphans"].iter_rows(values_only=True))
    assert ("Contacts → company", 6, 1, "loaded without the link, flagged") in orphans
    wb.close()


INJECTIONS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "-1+1",
              "@SUM(A1:A9)", "=1+1"]  # fmt: skip


def test_formula_injection_is_inert_and_readable_in_every_export(tmp_path: Path) -> None:
    export = tmp_path / "export"
    rows = [
        [f"D{i}", value, "lots", "Proposal", "2030-01-01"] for i, value in enumerate(INJECTIONS)
    ]
    rows.append(["D9", "Fine deal", "100", "Proposal", "2030-01-01"])
    write(export / "deals.csv", ["Deal ID", "Deal Name", "Amount", "Stage", "Close Date"], rows)
    folder = tmp_path / "p"
    assert main(["migrate", str(export), "--project", str(folder)]) == 0
    project = Project(folder)
    project.state.overrides.append({"gate": "buffer", "reason": "=cmd|' /C calc'!A0",
                                    "by": "@admin", "at": "2026-11-24T10:00:00"})  # fmt: skip
    project.save()
    report = _report(folder)
    # 'lots' is no amount: kept as written, and the deal loads with its (dangerous) name
    assert report.rejected_total == 0 and report.flagged_total == len(INJECTIONS)
    wb = openpyxl.load_workbook(write_report(report, tmp_path / "r.xlsx"))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    wb.close()
    joined = "\n".join(texts)
    for value in INJECTIONS:  # still readable, never a formula
        assert value in joined
    risky = [t for t in texts if t[:1] in "=+@" or (t[:1] == "-" and not re.match(r"-\d", t))]
    assert risky == []
    pdf_text, _ = _pdf_text(write_report(report, tmp_path / "r.pdf"))
    flat = re.sub(r"\s+", "", pdf_text)
    assert "=HYPERLINK(" in flat and "=cmd|'/Ccalc'!A0" in flat  # shown as text
    html_path = write_report(report, tmp_path / "r.html")
    parsed = _html(html_path)
    assert not [a for t, a in parsed.tags if t == "a"]  # no link was made from a value
    body = " ".join(parsed.text)
    assert 'HYPERLINK("http://evil.example","click")' in body and "=cmd|' /C calc'!A0" in body


def test_cli_report_refuses_an_unknown_format(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "demo"
    assert main(["migrate", str(demo_dir()), "--project", str(folder)]) == 0
    assert main(["report", "--project", str(folder), "--out", str(tmp_path / "r.docx")]) == 2
    assert "Name the file .pdf, .html or .xlsx" in capsys.readouterr().err
    assert main(["report", "--project", str(folder), "--out", str(tmp_path / "r.html")]) == 0
    assert "Report written to" in capsys.readouterr().out


@pytest.mark.parametrize("missing", ["nowhere"])
def test_cli_report_of_a_folder_that_is_not_a_project(tmp_path: Path, capsys, missing) -> None:
    assert main(["report", "--project", str(tmp_path / missing), "--out",
                 str(tmp_path / "r.pdf")]) == 2  # fmt: skip
    assert "is not a Cutover Wizard project" in capsys.readouterr().err
