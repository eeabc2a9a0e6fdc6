"""The report as a workbook: Summary, Phases, Rejections, Orphans, QA, Plan and Journal sheets.
Numbers are numbers, dates are dates, and every text cell is written as text and neutralised,
so nothing from a source file can run as a formula."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from wizard.core.report.model import OUTCOMES, Report
from wizard.core.textsafe import neutralise


class _Sheet:
    def __init__(self, book, fmt: dict, name: str, headers: list[str],
                 widths: list[int]) -> None:  # fmt: skip
        self.ws = book.add_worksheet(name)
        self.fmt = fmt
        self.row = 0
        for i, width in enumerate(widths):
            self.ws.set_column(i, i, width)
        if headers:
            self.add(headers, header=True)
            self.ws.freeze_panes(1, 0)

    def add(self, values: list[object], header: bool = False) -> None:
        for col, value in enumerate(values):
            if header:
                self.ws.write_string(self.row, col, str(value), self.fmt["bold"])
            elif isinstance(value, bool):
                self.ws.write_string(self.row, col, "yes" if value else "NO")
            elif isinstance(value, int | float):
                self.ws.write_number(self.row, col, value)
            elif isinstance(value, datetime):
                self.ws.write_datetime(self.row, col, value.replace(tzinfo=None),
                                       self.fmt["date"])  # fmt: skip
            elif value is None or value == "":
                self.ws.write_blank(self.row, col, None)
            else:
                self.ws.write_string(self.row, col, str(neutralise(str(value))))
        self.row += 1


def _when(text: str) -> datetime | str:
    try:
        return datetime.fromisoformat(text) if text else ""
    except ValueError:
        return text


def write_xlsx(report: Report, path: Path) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                           "strings_to_formulas": False,
                                           "strings_to_urls": False})  # fmt: skip
    fmt = {"bold": book.add_format({"bold": True, "bg_color": "#EEEEEE"}),
           "date": book.add_format({"num_format": "yyyy-mm-dd hh:mm"})}  # fmt: skip
    r = report
    s = _Sheet(book, fmt, "Summary", [], [34, 100])
    for row in (["Cutover report", r.project], ["Verdict", r.verdict],
                ["Source CRM", r.source_crm], ["Target", r.target], ["Method", r.method],
                ["QA signed off by", r.signed_off_by or "not signed off"],
                ["Testing buffer", r.buffer_text], *[[k, v or "not yet"] for k, v in r.dates],
                ["Rows rejected", r.rejected_total],
                ["Records loaded with findings", r.flagged_total], ["Made", r.generated],
                ["Cutover Wizard version", r.version]):  # fmt: skip
        s.add(row)
    s = _Sheet(book, fmt, "Phases", ["Environment", "Phase", "State", "Read",
                                *[o.capitalize() for o in OUTCOMES], "Seconds", "Rows per s",
                                "Adds up", "Reconciled", "Reconciliation"],
               [11, 24, 11, 10, 10, 10, 10, 10, 10, 10, 9, 10, 9, 10, 70])  # fmt: skip
    for p in r.phases:
        s.add([p.environment, p.label, p.state, p.read, *[getattr(p, o) for o in OUTCOMES],
               round(p.seconds, 2), round(p.rows_per_s, 1), p.balanced, p.reconciled,
               "; ".join(p.reconciliation)])  # fmt: skip
    s = _Sheet(book, fmt, "Fidelity", ["File", "Entity", "Records", "Records kept", "Links",
                                       "Links kept", "Values", "Values kept", "Why not all"],
               [34, 10, 10, 12, 10, 10, 10, 12, 90])  # fmt: skip
    for f in r.fidelity:
        s.add([f["label"], f["entity"], f["records"], f["records_kept"], f["links"],
               f["links_kept"], f["values"], f["values_kept"], "; ".join(f["why"])])  # fmt: skip

    def rows_sheet(title: str, what: str, rows: list, total: int, rest: str) -> None:
        """Every row, up to the report's limit, and how many more there are."""
        s = _Sheet(book, fmt, title, ["Environment", "Entity", "File", "Row", what, "Values"],
                   [11, 12, 22, 8, 70, 90])  # fmt: skip
        for x in rows:
            s.add([x.environment, x.entity, x.file, x.row, x.reason, x.values])
        if total > len(rows):
            s.add(["", "", "", None, f"... and {total - len(rows):,} more: {rest}", ""])

    def kinds_sheet(title: str, what: str, kinds: list) -> None:
        s = _Sheet(book, fmt, title, [what, "Rows", "Example rows"], [80, 10, 120])
        for x in kinds:
            s.add([x.text, x.count, " | ".join(x.examples)])

    rows_sheet("Rejections", "Reason", r.rejected, r.rejected_total,
               "see each phase's error file.")  # fmt: skip
    kinds_sheet("Reasons", "Reason", r.reasons)
    kinds_sheet("Findings", "Finding", r.flagged)
    rows_sheet("Loaded with findings", "Findings", r.flagged_rows, r.flagged_total,
               "see each phase's success file.")  # fmt: skip
    s = _Sheet(book, fmt, "Orphans", ["Relation", "Linked", "Orphans", "Policy"], [34, 10, 10, 40])
    for o in r.orphans:
        s.add(list(o))
    s.add([])
    s.add(["Duplicates merged", "Rows"], header=True)
    for d in r.duplicates:
        s.add(list(d))
    s = _Sheet(book, fmt, "QA", ["Kind", "Item", "Status", "Details", "By", "When", "Comment"],
               [16, 60, 12, 70, 18, 18, 50])  # fmt: skip
    for q in r.qa:
        s.add([q["group"], q["title"], q["status"], q["detail"],
               q["by"] or ("automatic" if q["automated"] else ""), _when(q["at"]), q["comment"]])  # fmt: skip
    for c in r.spot_checks:
        s.add(["spot check", c["title"], c["result"], "", c["by"], _when(c["at"]), c["comment"]])
    for kind, items in (("before cutover", r.precutover), ("after cutover", r.postload)):
        for text, by, at in items:
            s.add([kind, text, "confirmed" if by else "not confirmed", "", by, _when(at), ""])
    for o in r.overrides:
        s.add(["override", f"the {o['gate']} gate", "overridden", "", o["by"], _when(o["at"]),
               o["reason"]])  # fmt: skip
    s = _Sheet(book, fmt, "Plan", ["File", "Entity", "Field", "From column", "Transforms",
                              "Matched by", "Decided by"], [22, 14, 22, 30, 30, 12, 12])  # fmt: skip
    for src in r.plan:
        for f in src["fields"]:
            s.add([src["file"], src["entity"], f["field"], f["columns"], f["transforms"],
                   f["match_by"], f["decided_by"]])  # fmt: skip
        for field, vmap in src["value_maps"].items():
            for k, v in vmap.items():
                s.add([src["file"], src["entity"], f"{field} (value map)", k, v, "", ""])
        for col, name in src["custom"].items():
            s.add([src["file"], src["entity"], f"custom: {name}", col, "", "", ""])
    s = _Sheet(book, fmt, "Journal", ["Environment", "Action", "Phase", "Started", "Ended", "Outcome",
                                 "Rows", "Message"], [11, 10, 14, 18, 18, 12, 10, 70])  # fmt: skip
    for j in r.journal:
        s.add([j["environment"], j["action"], j.get("phase") or "",
               _when(str(j.get("started_at") or "")), _when(str(j.get("ended_at") or "")),
               j.get("outcome") or "", j.get("rows") or 0, j.get("message") or ""])  # fmt: skip
    book.close()
    return path
