"""What the first rows of a file become under the plan: the field mapping page's live preview.

The rows go through validation's own :class:`~wizard.core.validate.Checker`, so the preview
shows exactly what loading would do: each mapped field's clean value, and for each problem
cell the finding (error: the row cannot load as it is; warning: the value could not be read and
is kept as written, or was made from the rest of the row) with its message and what to do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from wizard.core.blueprint import ENTITIES
from wizard.core.errors import CutoverError
from wizard.core.ledger import Rechecked, stage_table
from wizard.core.plan import Plan, SourcePlan
from wizard.core.sources import Source
from wizard.core.validate import Checker, Findings

PREVIEW_ROWS = 50


@dataclass
class Problem:
    severity: str  # error or warning
    message: str
    fix: str


@dataclass
class Preview:
    fields: list[str]  # field names, in the blueprint's order
    labels: list[str]  # what an admin reads as the column title
    rows: list[int]  # spreadsheet row numbers
    values: list[list[str]]  # [row][field]
    problems: dict[tuple[int, int], Problem] = field(default_factory=dict)  # (row i, field i)
    row_errors: dict[int, str] = field(default_factory=dict)  # row i -> why it cannot load
    message: str = ""  # when there is nothing to show, why

    def counts(self) -> Counter[str]:
        return Counter(p.severity for p in self.problems.values())

    def summary(self, of: int) -> str:
        """What the preview shows, in a sentence (``of``: how many rows it may show)."""
        if self.message:
            return self.message
        warnings = self.counts()["warning"]
        if not self.row_errors and not warnings:
            return f"The first {len(self.rows)} rows as they would load (of up to {of}): no " \
                   "problems found."  # fmt: skip
        return (f"The first {len(self.rows)} rows as they would load: {len(self.row_errors)} "
                "rows cannot load (red: nothing in them names the record), "
                f"{warnings} values could not be read and are kept as written, or were made "
                "from the rest of the row (amber). Point at a cell to see why.")  # fmt: skip


def preview_rows(plan: Plan, splan: SourcePlan, source: Source | None,
                 n: int = PREVIEW_ROWS) -> Preview:  # fmt: skip
    """The first ``n`` rows of ``source`` mapped and checked through ``splan``."""
    if source is None or not splan.entity:
        return Preview([], [], [], [], message="This file is not imported.")
    try:
        frame = source.preview(n)
    except CutoverError as exc:
        return Preview([], [], [], [], message=f"{exc.message} {exc.hint}".strip())
    ent = ENTITIES[splan.entity]
    checker = Checker(plan, splan, splan.label, Findings(keep=None))
    mapped = checker.check(frame)
    shown = {m.field for m in splan.fields} | set(mapped.values) | set(splan.constants)
    names = [f.name for f in ent.fields if f.name in shown]
    columns: list[pd.Series] = []
    for name in names:
        if name in mapped.kept and name in mapped.values:  # shown as written (flagged)
            kept = mapped.kept[name]
            columns.append(mapped.values[name].where(kept == "", kept))
        elif name in mapped.values:
            columns.append(mapped.values[name])
        elif name in mapped.refs:  # a link: the value as the file gives it
            columns.append(mapped.refs[name][2].reindex(frame.index, fill_value=""))
        else:
            columns.append(pd.Series("", index=frame.index, dtype=object))
    rows = [int(r) for r in frame.index]
    values = [[str(c.at[r]) for c in columns] for r in frame.index]
    result = Preview(names, [ent.field(n).label for n in names], rows, values)
    at_row = {r: i for i, r in enumerate(rows)}
    at_field = {n: i for i, n in enumerate(names)}
    for f in checker.findings.items:
        if f.row is None or f.row not in at_row:
            continue
        i = at_row[f.row]
        j = at_field.get(f.field or "")
        if j is not None:
            known = result.problems.get((i, j))
            if known is None or (known.severity != "error" and f.severity == "error"):
                result.problems[(i, j)] = Problem(f.severity, f.message, f.fix)
        if f.severity == "error":
            result.row_errors.setdefault(i, f.message)
    return result


def distinct_values(source: Source | None, columns: list[str], limit: int = 2000) -> list[str]:
    """The distinct non-empty values of ``columns`` in the first ``limit`` rows, most common
    first (for a picklist's value map)."""
    if source is None:
        return []
    try:
        frame = source.preview(limit)
    except CutoverError:
        return []
    counts: Counter[str] = Counter()
    for c in columns:
        if c in frame.columns:
            counts.update(v.strip() for v in frame[c].tolist() if v.strip())
    return [v for v, _ in counts.most_common()]


def unmatched_values(ledger, splan: SourcePlan, field: str, limit: int = 500,
                     options: tuple[str, ...] | None = None) -> list[str]:  # fmt: skip
    """The values of a picklist field that matched no option anywhere in the file, as the
    last check staged them (every row, not a sample), most common first: what a value map
    still has to settle. Empty before the file was checked."""
    ent = ENTITIES.get(splan.entity or "")
    if ent is None or not ent.has(field) or not ent.field(field).options:
        return []
    found = ledger.db.execute("SELECT fid FROM files WHERE path=? AND sheet=?",
                              (splan.file, splan.options.sheet or "")).fetchone()  # fmt: skip
    if found is None:
        return []
    options = options or ent.field(field).options
    marks = ",".join("?" * len(options))
    rc = Rechecked(ent.name, db=ledger.db)  # the values as the last re-check left them
    value = rc.col(f"f_{field}")
    rows = ledger.db.execute(
        f"SELECT v, COUNT(*) FROM (SELECT {value} AS v FROM {stage_table(ent.name)} s {rc.join} "
        f"WHERE s.fid=?) WHERE v IS NOT NULL AND v NOT IN ({marks}) GROUP BY 1 ORDER BY 2 DESC "
        "LIMIT ?",
        (found[0], *options, limit),
    )
    return [v for v, _ in rows]
