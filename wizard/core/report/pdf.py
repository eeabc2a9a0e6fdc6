"""The report as real PDF pages (reportlab): a header and "page N of M" on every page, tables
that break across pages with their header row repeated, the charts as pictures."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from wizard.core.report.charts import outcomes_chart, reasons_chart
from wizard.core.report.model import OUTCOMES, Report, fidelity_rows
from wizard.core.report.model import at_text as _at

FONT, BOLD = "CW-Sans", "CW-Sans-Bold"


def _fonts() -> None:
    """DejaVu Sans (shipped with matplotlib), so names in any Latin, Greek or Cyrillic script
    print; reportlab's built-in fonts only know Latin-1."""
    from pathlib import Path as _P

    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    ttf = _P(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def write_pdf(report: Report, path: Path) -> Path:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdfcanvas
    from reportlab.platypus import (
        Image,
        KeepTogether,
        LongTable,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )

    _fonts()
    r = report
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5)
    num = ParagraphStyle("num", parent=small, alignment=TA_RIGHT)
    head = ParagraphStyle("head", parent=small, fontName=BOLD, fontSize=6.6, leading=8)
    h1 = ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=18, leading=22,
                        spaceAfter=6)  # fmt: skip
    h2 = ParagraphStyle("h2", parent=body, fontName=BOLD, fontSize=13, leading=16,
                        spaceBefore=10, spaceAfter=4, textColor=colors.HexColor("#00838F"))  # fmt: skip
    h3 = ParagraphStyle("h3", parent=body, fontName=BOLD, fontSize=10, leading=13,
                        spaceBefore=6, spaceAfter=2)  # fmt: skip
    verdict = ParagraphStyle("verdict", parent=body, fontSize=10.5, leading=14,
                             backColor=colors.HexColor("#F1FFE0"), borderPadding=6,
                             spaceBefore=6, spaceAfter=10)  # fmt: skip

    def p(text: object, style=small) -> Paragraph:
        if isinstance(text, bool):
            text = "yes" if text else "NO"
        elif isinstance(text, float):
            text = f"{text:,.1f}"
        elif isinstance(text, int):
            return Paragraph(f"{text:,}", num)
        elif isinstance(text, datetime):
            text = f"{text:%Y-%m-%d %H:%M}"
        text = escape(str(text if text is not None else "")).replace("\n", "<br/>")
        return Paragraph(text, style)

    width = A4[0] - 30 * mm

    def table(headers: list[str] | None, rows: list[list[object]], widths: list[float]) -> object:
        if not rows:
            return p("None.", body)
        total = sum(widths)
        cols = [width * w / total for w in widths]
        data = [[Paragraph(escape(h), head) for h in headers]] if headers else []
        data += [[p(v) for v in row] for row in rows]
        t = LongTable(data, colWidths=cols, repeatRows=1 if headers else 0)
        t.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#BBBBBB")),
            ("BACKGROUND", (0, 0), (-1, 0 if headers else -1),
             colors.HexColor("#EEEEEE" if headers else "#FFFFFF")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]))  # fmt: skip
        return t

    def image(png: bytes | None) -> list:
        if png is None:
            return []
        from reportlab.lib.utils import ImageReader

        w, h = ImageReader(io.BytesIO(png)).getSize()
        scale = min(width / w, 95 * mm / h)
        return [Image(io.BytesIO(png), w * scale, h * scale)]

    story: list = [Paragraph(f"Cutover report: {escape(r.project)}", h1),
                   p(f"Made by Cutover Wizard {r.version} on {r.generated:%Y-%m-%d %H:%M}."),
                   Paragraph(escape(r.verdict), verdict), Paragraph("Summary", h2)]  # fmt: skip
    summary = [["Source CRM", r.source_crm], ["Target", r.target], ["Method", r.method],
               ["QA signed off by", r.signed_off_by or "not signed off"],
               ["Testing buffer", r.buffer_text]]  # fmt: skip
    summary += [[label, when or "not yet"] for label, when in r.dates]
    story.append(table(None, summary, [1, 2.6]))
    story.append(Paragraph("What arrived, file by file", h2))
    story.append(p("Counted from the files: every row, every link to a record the files hold, "
                   "every non-empty value.", body))  # fmt: skip
    story.append(table(["File", "Records", "Links", "Values", "What did not arrive, and why"],
                       fidelity_rows(r), [2.2, 1.2, 1.2, 1.4, 3.0]))  # fmt: skip
    story.append(Paragraph("Phases", h2))
    story += image(outcomes_chart(r))
    for env in dict.fromkeys(x.environment for x in r.phases):
        shown = [x for x in r.phases if x.environment == env]
        story.append(Paragraph(f"{env}: where every row went", h3))
        story.append(table(
            ["Phase", "State", "Read", *[o.capitalize() for o in OUTCOMES], "Adds up"],
            [[x.label, x.state, x.read, *[getattr(x, o) for o in OUTCOMES], x.balanced]
             for x in shown],
            [2.4, 1.5, 1.1, 1.1, 1.1, 1.2, 1.1, 1.1, 1.1, 0.9],
        ))  # fmt: skip
        story.append(Paragraph(f"{env}: duration and reconciliation (source ledger against "
                               "target)", h3))  # fmt: skip
        story.append(table(
            ["Phase", "Seconds", "Rows/s", "Reconciled", "Counts and links"],
            [[x.label, round(x.seconds, 1), round(x.rows_per_s), x.reconciled,
              "\n".join(x.reconciliation)] for x in shown],
            [2.2, 0.9, 0.9, 1, 5],
        ))  # fmt: skip
    story.append(Paragraph(f"Rejections ({r.rejected_total:,} rows)", h2))
    story += image(reasons_chart(r))
    story.append(table(["Reason", "Rows", "Example rows"],
                       [[x.text, x.count, "\n".join(x.examples)] for x in r.reasons[:15]],
                       [3, 0.7, 5]))  # fmt: skip
    story.append(p("The full list of rejected rows is in the XLSX report and in each phase's "
                   "error file.", body))  # fmt: skip
    story.append(Paragraph(f"Loaded with findings ({r.flagged_total:,} records)", h2))
    story.append(p("These records loaded; each kept every value as written (in its field, or "
                   "in a custom field beside it when the field could not hold it).", body))  # fmt: skip
    story.append(table(["Finding", "Records", "Example rows"],
                       [[x.text, x.count, "\n".join(x.examples)] for x in r.flagged[:15]],
                       [3, 0.9, 4.8]))  # fmt: skip
    story.append(Paragraph("Orphans and duplicates", h2))
    story.append(table(["Relation", "Linked", "Orphans", "What the plan did with them"],
                       [list(o) for o in r.orphans], [2.5, 1, 1, 3]))  # fmt: skip
    story.append(Spacer(1, 4))
    story.append(table(["Entity", "Duplicate rows merged"], [list(d) for d in r.duplicates],
                       [2, 1]))  # fmt: skip
    story.append(Paragraph("QA", h2))
    story.append(table(["Check", "Status", "Details", "Decided by", "Comment"],
                       [[q["title"], q["status"], q["detail"],
                         (f"{q['by']}, {q['at'][:10]}" if q["by"] else
                          "automatic" if q["automated"] else ""), q["comment"]] for q in r.qa],
                       [2.6, 0.9, 3, 1.3, 2]))  # fmt: skip
    story.append(Paragraph("Spot checks", h3))
    story.append(table(["Record", "Result", "Comment", "By", "When"],
                       [[s["title"], s["result"], s["comment"], s["by"], _at(s["at"])]
                        for s in r.spot_checks], [3, 0.8, 3, 1.2, 1.4]))  # fmt: skip
    for title, items in (("Before the live cutover", r.precutover),
                         ("After the live cutover", r.postload)):  # fmt: skip
        story.append(Paragraph(title, h3))
        story.append(table(["Item", "Confirmed by", "When"],
                           [[t, b or "not confirmed", _at(a)] for t, b, a in items],
                           [5, 1.5, 1.5]))  # fmt: skip
    story.append(Paragraph("Overrides of the method", h3))
    story.append(table(["Gate", "Reason", "By", "When"],
                       [[o["gate"], o["reason"], o["by"], _at(o["at"])] for o in r.overrides],
                       [0.8, 4, 1.3, 1.4]))  # fmt: skip
    story.append(Paragraph("Journal", h2))
    story.append(table(["Env.", "Action", "Phase", "Started", "Ended", "Outcome", "Rows",
                        "Message"],
                       [[j["environment"], j["action"], j.get("phase") or "",
                         str(j.get("started_at") or "")[:19].replace("T", " "),
                         str(j.get("ended_at") or "")[:19].replace("T", " "),
                         j.get("outcome") or "", j.get("rows") or 0, j.get("message") or ""]
                        for j in r.journal], [0.9, 0.8, 1, 1.6, 1.6, 1, 0.8, 3]))  # fmt: skip
    story.append(Paragraph("Appendix: the plan", h2))
    for s in r.plan:
        block = [Paragraph(f"{escape(s['file'])}: {escape(s['entity'])}", h3),
                 table(["Field", "From column", "Transforms", "Matched by", "Decided by"],
                       [[f["field"], f["columns"], f["transforms"], f["match_by"],
                         f["decided_by"]] for f in s["fields"]], [2, 2.4, 2, 1, 1])]  # fmt: skip
        # a short mapping stays on one page with its heading; a long one may break
        story += [KeepTogether(block)] if len(s["fields"]) < 12 else block
        for field, vmap in s["value_maps"].items():
            story.append(p(f"Value map of {field}: " + "; ".join(f"{k} → {v}"
                                                               for k, v in vmap.items())))  # fmt: skip
        if s["custom"]:
            story.append(p("Kept as custom fields: " + ", ".join(s["custom"])))

    class Numbered(pdfcanvas.Canvas):
        """Two passes: every page learns how many pages there are."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(FONT, 7.5)
                self.setFillColor(colors.HexColor("#555555"))
                self.drawString(15 * mm, A4[1] - 10 * mm, f"Cutover report: {r.project}")
                self.drawRightString(A4[0] - 15 * mm, A4[1] - 10 * mm,
                                     f"{r.generated:%Y-%m-%d}")  # fmt: skip
                self.drawRightString(A4[0] - 15 * mm, 9 * mm,
                                     f"Page {self._pageNumber} of {total}")  # fmt: skip
                super().showPage()
            super().save()

    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=16 * mm, bottomMargin=15 * mm,
                            title=f"Cutover report: {r.project}", author="Cutover Wizard")  # fmt: skip
    doc.build(story, canvasmaker=Numbered)
    return path
