"""The report's pictures, drawn without a display (matplotlib's Agg backend): records per phase
and outcome, and the top rejection reasons. PNG bytes, for the PDF and the HTML alike."""

from __future__ import annotations

import io
import textwrap

from wizard.core.report.model import OUTCOMES, Report

COLOURS = {"loaded": "#2E7D32", "updated": "#1565C0", "unchanged": "#90A4AE",
           "rejected": "#C62828", "deferred": "#F9A825", "merged": "#6A1B9A"}  # fmt: skip


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg", force=True)  # no display, in tests and on servers alike
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=150)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def outcomes_chart(report: Report) -> bytes | None:
    env, phases = report.chart_phases()
    if not phases:
        return None
    fig = _figure(7.5, 0.55 * len(phases) + 1.4)
    ax = fig.add_subplot()
    labels = [label for label, _ in phases][::-1]
    left = [0] * len(labels)
    for outcome in OUTCOMES:
        values = [counts[outcome] for _, counts in phases][::-1]
        if not any(values):
            continue
        ax.barh(labels, values, left=left, color=COLOURS[outcome], label=outcome)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_title(f"Records per phase and outcome ({env})", fontsize=11, loc="left")
    ax.set_xlabel("rows")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=6, frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def reasons_chart(report: Report, top: int = 8) -> bytes | None:
    reasons = report.reasons[:top]
    if not reasons:
        return None
    fig = _figure(7.5, 0.5 * len(reasons) + 1.0)
    ax = fig.add_subplot()
    labels = ["\n".join(textwrap.wrap(r.text, 60)[:2]) for r in reasons][::-1]
    ax.barh(labels, [r.count for r in reasons][::-1], color=COLOURS["rejected"])
    ax.set_title("Top rejection reasons", fontsize=11, loc="left")
    ax.set_xlabel("rows")
    ax.tick_params(axis="y", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
