"""Fidelity: per source file, how many records, links and non-empty values reached the target.

Counted from the sources, not from what the ledger decided: the records are the file's rows;
the links are the references recognised across the files whose record is in the files, or
that the target holds (a link to a record loaded from a file since left out, or from an earlier
export); a link to nothing in the files is an orphan, counted apart. The values are the file's
non-empty cells.
What reached the target is what the loaded records carry: a record kept (loaded, updated,
unchanged, or merged into its duplicate), a link written, a cell kept in a field, beside it as
written, in a custom field or as a link. Whatever did not arrive is said, with why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from wizard.core.blueprint import ENTITIES
from wizard.core.ledger import Ledger, Rechecked, outcome_table, stage_table
from wizard.core.staging import found_sql

KEPT = ("loaded", "updated", "unchanged", "merged")  # the record is in the target
WRITTEN = KEPT  # ... with its values (a merged duplicate's in the record it was merged into)


def kept_of(kept: int, total: int, what: str = "") -> str:
    """'6 of 7 records (85.7%)': the share only when something is missing."""
    share = f" ({kept / total:.1%})" if total and kept != total else ""
    return f"{kept:,} of {total:,}{' ' + what if what else ''}{share}"


@dataclass
class Fidelity:
    label: str
    entity: str
    records: int = 0
    records_kept: int = 0
    links: int = 0  # references whose record is in the files
    links_kept: int = 0
    orphans: int = 0  # references to records no file holds (not counted as links)
    values: int = 0  # non-empty source cells
    values_kept: int = 0
    pending: int = 0  # rows not decided yet (their phase has not run)
    counted: bool = True  # False: staged by a version that did not count values
    # records of this entity the ledger loaded that the target no longer holds (a sandbox
    # deleted or emptied since): the counts above are what was written, not what is there
    gone: int = 0
    why: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Nothing left behind (rows still to load are not a loss yet)."""
        return (self.records_kept + self.pending == self.records and not self.gone
                and self.links_kept == self.links and self.values_kept == self.values)  # fmt: skip

    def line(self) -> str:
        def part(kept: int, total: int, what: str) -> str:
            return kept_of(kept, total, what)

        values = part(self.values_kept, self.values, "values") if self.counted else (
            "values not counted (staged by an older version: run the check again)")  # fmt: skip
        links = part(self.links_kept, self.links, "links")
        if self.orphans:  # never quiet: links whose record is in none of the files
            links += f" (and {self.orphans:,} to records no file holds, kept as written)"
        text = (f"{self.label}: {part(self.records_kept, self.records, 'records')}, "
                f"{links}, {values} arrived")  # fmt: skip
        if self.pending:
            text += f" ({self.pending:,} rows not loaded yet)"
        if self.gone:
            text += (f"; but the target no longer holds {self.gone:,} of the "
                     f"{ENTITIES[self.entity].label.lower()} loaded")  # fmt: skip
        return text

    def to_dict(self) -> dict[str, object]:
        return asdict(self) | {"complete": self.complete}


def fidelity(ledger: Ledger, phase: str | None = None, skipped: dict[str, list[str]] | None = None,
             entities: tuple[str, ...] | None = None,
             tally: dict[tuple[str, int], Counter[str]] | None = None) -> list[Fidelity]:  # fmt: skip
    """Per staged file (only its rows of ``phase`` when given, of ``entities`` when given).
    ``skipped``: file label -> the columns the plan leaves out on purpose, named in the
    reasons. ``tally``, when given, gets the rows counted by outcome ('pending': not decided
    yet) per (entity, file), from the same pass: the phase's accounting reads them."""
    db = ledger.db
    out = []
    for fid, label, entity in db.execute("SELECT fid, label, entity FROM files ORDER BY fid"):
        if entities is not None and entity not in entities:
            continue
        ent = ENTITIES[entity]
        t = stage_table(entity)
        refs = [f for f in ent.references]
        # one pass over the file's rows: found links count 1 and found links kept 2**32, in
        # one sum. A link the target holds (its record kept with it) is found: its record was
        # loaded, even from a file since left out of the plan or an earlier export. Only the
        # others ask "is its record in the files" (a look-up, most of the pass's time when it
        # ran for every link); it appears once in the SQL, since SQLite copies an inner
        # query's expression into every place that uses it
        rc = Rechecked(entity, db=db)
        inner = [f"o.outcome AS outcome, o.linked AS linked, s.vr AS vr, {rc.col('vk')} AS vk"]
        link_cols = []
        for i, f in enumerate(refs):
            inner.append(
                f"s.r_{f.name} IS NOT NULL AS w{i}, CASE WHEN s.r_{f.name} IS NULL THEN 0 "
                f"WHEN o.outcome IN {KEPT} AND (o.linked & {1 << i}) != 0 THEN {1 + (1 << 32)} "
                f"WHEN {found_sql(entity, f.name, 's')} THEN 1 ELSE 0 END AS c{i}"
            )
            link_cols.append(f"SUM(w{i}), SUM(c{i})")
        where = "s.fid=?" + (" AND s.phase=?" if phase else "")
        args: tuple = (fid, phase) if phase else (fid,)
        row = db.execute(
            f"SELECT COUNT(*), SUM(outcome IN {KEPT}), SUM(outcome IS NULL), "
            f"SUM(vr), SUM(CASE WHEN outcome IN {WRITTEN} THEN vk END), "
            f"SUM(vr IS NULL), SUM(outcome = 'rejected'), SUM(outcome = 'merged'), "
            f"SUM(CASE WHEN outcome = 'rejected' THEN vr END), "
            f"SUM(CASE WHEN outcome IN {WRITTEN} THEN vr - vk END), "
            f"SUM(CASE WHEN outcome IS NOT NULL THEN vr END), SUM(outcome = 'loaded'), "
            "SUM(outcome = 'updated'), SUM(outcome = 'unchanged')"
            + "".join(f", {c}" for c in link_cols)
            + f" FROM (SELECT {', '.join(inner)} FROM {t} s {rc.join} LEFT JOIN "
            f"{outcome_table(entity)} o ON o.sid=s.sid WHERE {where})",
            args,
        ).fetchone()
        if not row[0]:
            continue
        (n, kept, pending, _read, vk, uncounted, rejected, merged, lost_rejected,
         lost_cells, decided, loaded, updated, unchanged) = (v or 0 for v in row[:14])  # fmt: skip
        if tally is not None:
            tally[(entity, fid)] = Counter(loaded=loaded, updated=updated, unchanged=unchanged,
                                           rejected=rejected, merged=merged, pending=pending)  # fmt: skip
        fi = Fidelity(label, entity, records=n, records_kept=kept, pending=pending,
                      counted=not uncounted)  # fmt: skip
        for i in range(len(refs)):
            written, packed = (v or 0 for v in row[14 + 2 * i : 16 + 2 * i])
            links, links_kept = packed & 0xFFFFFFFF, packed >> 32
            orphans = written - links
            fi.links += links
            fi.links_kept += links_kept
            fi.orphans += orphans
        # the values of rows not decided yet are not counted against the target yet
        fi.values, fi.values_kept = (decided or 0), vk
        if not fi.counted:
            fi.values = fi.values_kept = 0
        if rejected:
            rows = "1 row was" if rejected == 1 else f"{rejected:,} rows were"
            fi.why.append(f"{rows} rejected ({lost_rejected:,} values), each with its reason "
                          "in the error file")  # fmt: skip
        if lost_cells and fi.counted:
            cols = (skipped or {}).get(label) or []
            named = f" (the plan leaves out {', '.join(cols)})" if cols else ""
            fi.why.append(f"{lost_cells:,} values of loaded records were left out{named}")
        if fi.links_kept < fi.links:
            fi.why.append(f"{fi.links - fi.links_kept:,} links whose record is in the files were "
                          "not written (that record was rejected or not loaded yet)")  # fmt: skip
        if fi.orphans:
            fi.why.append(f"{fi.orphans:,} links point to records no file holds (loaded "
                          "without the link, the value kept as written)")  # fmt: skip
        out.append(fi)
    return out
