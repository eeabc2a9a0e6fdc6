"""The report as one self-contained HTML file (styles inline, charts embedded)."""

from __future__ import annotations

import base64
from datetime import datetime
from html import escape
from pathlib import Path

from wizard.core.report.charts import outcomes_chart, reasons_chart
from wizard.core.report.model import OUTCOMES, Report, fidelity_rows
from wizard.core.report.model import at_text as _at

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1b1b1b; margin: 2em auto;
       max-width: 1100px; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #2CE7EA;
     padding-bottom: 0.2em; margin-top: 1.6em; }
.verdict { font-size: 1.1em; background: #F1FFE0; border-left: 4px solid #7CB342;
           padding: 0.6em 1em; }
table { border-collapse: collapse; margin: 0.6em 0; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bad { color: #B3261E; font-weight: bold; } .ok { color: #2E7D32; }
img { max-width: 100%; } .small { color: #555; font-size: 0.85em; }
"""


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return f'<td class="{"ok" if value else "bad"}">{"yes" if value else "NO"}</td>'
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        return f'<td class="num">{text}</td>'
    if isinstance(value, datetime):
        return f"<td>{value:%Y-%m-%d %H:%M}</td>"
    return f"<td>{escape(str(value if value is not None else ''))}</td>"


def _table(headers: list[str], rows: list[list[object]]) -> str:
    if not rows:
        return '<p class="small">None.</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _image(png: bytes | None, alt: str) -> str:
    if png is None:
        return ""
    data = base64.b64encode(png).decode()
    return f'<p><img alt="{escape(alt)}" src="data:image/png;base64,{data}"></p>'


def render_html(report: Report) -> str:
    r = report
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>Cutover report: {escape(r.project)}</title><style>{CSS}</style></head>"
             f"<body><h1>Cutover report: {escape(r.project)}</h1>"
             f"<p class='small'>Made by Cutover Wizard {escape(r.version)} on "
             f"{r.generated:%Y-%m-%d %H:%M}.</p>"
             f"<p class='verdict'>{escape(r.verdict)}</p>"]  # fmt: skip
    parts.append("<h2>Summary</h2>")
    rows: list[list[object]] = [["Project", r.project], ["Source CRM", r.source_crm],
                                ["Target", r.target], ["Method", r.method],
                                ["QA signed off by", r.signed_off_by or "not signed off"],
                                ["Testing buffer", r.buffer_text]]  # fmt: skip
    rows += [[label, when or "not yet"] for label, when in r.dates]
    parts.append(_table(["", ""], rows))
    parts.append("<h2>What arrived, file by file</h2>")
    parts.append("<p class='small'>Counted from the files: every row, every link to a record "
                 "the files hold, every non-empty value.</p>")  # fmt: skip
    parts.append(_table(["File", "Records", "Links", "Values", "What did not arrive, and why"],
                        fidelity_rows(r)))  # fmt: skip
    parts.append("<h2>Phases</h2>")
    parts.append(_image(outcomes_chart(r), "Records per phase and outcome"))
    parts.append(_table(
        ["Environment", "Phase", "State", "Read", *[o.capitalize() for o in OUTCOMES],
         "Seconds", "Rows/s", "Adds up", "Reconciled"],
        [[p.environment, p.label, p.state, p.read, *[getattr(p, o) for o in OUTCOMES],
          round(p.seconds, 1), round(p.rows_per_s, 1), p.balanced, p.reconciled]
         for p in r.phases],
    ))  # fmt: skip
    recon = [[p.environment, p.label, line] for p in r.phases for line in p.reconciliation]
    parts.append("<h3>Reconciliation: source (ledger) against target</h3>")
    parts.append(_table(["Environment", "Phase", "Counts and links"], recon))
    parts.append(f"<h2>Rejections ({r.rejected_total:,} rows)</h2>")
    parts.append(_image(reasons_chart(r), "Top rejection reasons"))
    parts.append(_table(["Reason", "Rows", "Example rows"],
                        [[x.text, x.count, " | ".join(x.examples)] for x in r.reasons[:15]]))  # fmt: skip
    parts.append("<p class='small'>Every rejected row, with its values, is in the XLSX report "
                 "and in each phase's error file.</p>")  # fmt: skip
    parts.append(f"<h2>Loaded with findings ({r.flagged_total:,} records)</h2>")
    parts.append("<p class='small'>These records loaded; each kept every value as written (in "
                 "its field, or in a custom field beside it when the field could not hold "
                 "it).</p>")  # fmt: skip
    parts.append(_table(["Finding", "Records", "Example rows"],
                        [[x.text, x.count, " | ".join(x.examples)] for x in r.flagged[:15]]))  # fmt: skip
    parts.append("<h2>Orphans and duplicates</h2>")
    parts.append(_table(["Relation", "Linked", "Pointing to records not in the files",
                         "What the plan did with them"], [list(o) for o in r.orphans]))  # fmt: skip
    parts.append(_table(["Entity", "Duplicate rows merged"], [list(d) for d in r.duplicates]))
    parts.append("<h2>QA</h2>")
    parts.append(_table(["Group", "Check", "Status", "Details", "Decided by", "When", "Comment"],
                        [[q["group"], q["title"], q["status"], q["detail"],
                          q["by"] or ("automatic" if q["automated"] else ""), _at(q["at"]),
                          q["comment"]] for q in r.qa]))  # fmt: skip
    parts.append("<h3>Spot checks</h3>")
    parts.append(_table(["Record", "Result", "Comment", "By", "When"],
                        [[s["title"], s["result"], s["comment"], s["by"], _at(s["at"])]
                         for s in r.spot_checks]))  # fmt: skip
    parts.append("<h3>Before the live cutover</h3>")
    parts.append(_table(["Item", "Confirmed by", "When"],
                        [[t, b or "not confirmed", _at(a)] for t, b, a in r.precutover]))  # fmt: skip
    parts.append("<h3>After the live cutover</h3>")
    parts.append(_table(["Item", "Confirmed by", "When"],
                        [[t, b or "not confirmed", _at(a)] for t, b, a in r.postload]))  # fmt: skip
    parts.append("<h3>Overrides of the method</h3>")
    parts.append(_table(["Gate", "Reason", "By", "When"],
                        [[o["gate"], o["reason"], o["by"], _at(o["at"])] for o in r.overrides]))  # fmt: skip
    parts.append("<h2>Journal</h2>")
    parts.append(_table(["Environment", "Action", "Phase", "Started", "Ended", "Outcome", "Rows",
                         "Message"],
                        [[j["environment"], j["action"], j.get("phase") or "",
                          str(j.get("started_at") or "")[:19], str(j.get("ended_at") or "")[:19],
                          j.get("outcome") or "", j.get("rows") or 0, j.get("message") or ""]
                         for j in r.journal]))  # fmt: skip
    parts.append("<h2>Appendix: the plan</h2>")
    for s in r.plan:
        parts.append(f"<h3>{escape(s['file'])}: {escape(s['entity'])}</h3>")
        parts.append(_table(["Field", "From column", "Transforms", "Matched by", "Decided by"],
                            [[f["field"], f["columns"], f["transforms"], f["match_by"],
                              f["decided_by"]] for f in s["fields"]]))  # fmt: skip
        for field, vmap in s["value_maps"].items():
            parts.append(f"<p class='small'>Value map of {escape(field)}:</p>")
            parts.append(_table(["In the file", "Becomes"], [[k, v] for k, v in vmap.items()]))
        if s["custom"]:
            parts.append(f"<p class='small'>Kept as custom fields: "
                         f"{escape(', '.join(s['custom']))}</p>")  # fmt: skip
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(report: Report, path: Path) -> Path:
    path.write_text(render_html(report), encoding="utf-8")
    return path
