"""What only the whole staged set can tell, said row by row: links to records none of the files
holds (orphans), rows merged into another record (a converted lead, the same record id, email
or domain twice), and records that share an email or domain but carry ids of their own.

Computed from the staging tables after ``finalize``, every time the staged set is summarised,
so the Validation page, ``inspect``, ``migrate`` and the report count the same rows with the
same words: one definition (:func:`staging.found_sql` for a link, ``dup_of`` for a merge).
Counts are exact; the examples are the first ``Findings.keep`` of each rule per file.
"""

from __future__ import annotations

from collections import Counter

from rapidfuzz import fuzz, process

from wizard.core.blueprint import ENTITIES
from wizard.core.ledger import Ledger, stage_table
from wizard.core.plan import Plan
from wizard.core.validate import Finding, Findings

NEAR_MISS_POOL = 50_000  # distinct names (emails, domains) a near miss is looked for among
_WHAT = {"key": "record id", "k_email": "email", "k_domain": "domain"}


def cross_findings(ledger: Ledger, plan: Plan, keep: int | None = 1000,
                   orphans: Counter[str] | None = None) -> Findings:  # fmt: skip
    """The findings; ``orphans`` (when given) gets every relation's count of orphan rows, the
    same scan's, so the summary need not look every link up again."""
    db = ledger.db
    found = Findings(keep=keep)
    files = {fid: (label, path, sheet) for fid, label, path, sheet in db.execute(
        "SELECT fid, label, path, sheet FROM files")}  # fmt: skip
    _orphans(ledger, plan, files, found, orphans if orphans is not None else Counter())
    _merges(ledger, files, found)
    return found


def _columns(plan: Plan, files: dict, fid: int, field: str) -> str | None:
    """The file's column(s) the link is read from, as the admin sees them."""
    _, path, sheet = files.get(fid, ("", "", ""))
    splan = plan.source(path, sheet or None)
    fm = splan.field_map(field) if splan else None
    return " + ".join(fm.columns) if fm and fm.columns else None


def _orphans(ledger: Ledger, plan: Plan, files: dict, found: Findings,
             counts: Counter[str]) -> None:  # fmt: skip
    from wizard.core.staging import _MATCH_COLUMN, found_sql

    db = ledger.db
    present = {name for name in ENTITIES
               if db.execute(f"SELECT 1 FROM {stage_table(name)} LIMIT 1").fetchone()}  # fmt: skip
    pools: dict[tuple[str, str], list[str] | None] = {}
    guesses: dict[tuple[str, str, str], str | None] = {}

    def near_miss(target: str, col: str, key: str) -> str | None:
        """A name (email, domain) of the target a letter or a space away ('GTXPro' for
        'GTX Pro'): said, never linked by itself."""
        if col == "key":
            return None
        if (target, col) not in pools:
            t = stage_table(target)
            n = db.execute(f"SELECT COUNT(DISTINCT {col}) FROM {t}").fetchone()[0]
            pools[(target, col)] = [k for (k,) in db.execute(
                f"SELECT DISTINCT {col} FROM {t} WHERE {col} IS NOT NULL AND reason IS NULL")
            ] if n <= NEAR_MISS_POOL else None  # fmt: skip
        pool = pools[(target, col)]
        if not pool:
            return None
        if (target, col, key) not in guesses:
            squeezed = key.replace(" ", "")
            hit = next((k for k in pool if k.replace(" ", "") == squeezed), None)
            if hit is None:
                best = process.extractOne(key, pool, scorer=fuzz.ratio, score_cutoff=90)
                hit = best[0] if best else None
            guesses[(target, col, key)] = hit
        return guesses[(target, col, key)]

    for name, ent in ENTITIES.items():
        t = stage_table(name)
        for f in ent.references:
            target = f.ref or ""
            target_label = ENTITIES[target].label.lower()
            policy = plan.policy(name, f.name)
            outcome = ("it will be loaded without that link and flagged" if policy == "unlinked"
                       else "the row will be rejected")  # fmt: skip
            # every row is read: in the table's order, and only the orphans sorted (read in
            # the order of the file index, 2M activities took 2.5-2.8 s instead of 2.3 s)
            rows = db.execute(
                f"SELECT fid, row, v_{f.name}, r_{f.name}, b_{f.name} FROM {t} NOT INDEXED "
                f"WHERE r_{f.name} IS NOT NULL AND NOT {found_sql(name, f.name)} "
                "ORDER BY fid, row"
            )
            for fid, row, value, key, match_by in rows:
                counts[f"{name}.{f.name}"] += 1
                label = files.get(fid, ("",))[0]
                col = _columns(plan, files, fid, f.name)
                value = value if value is not None else key
                # no column of this file: the value came with a row merged into this record
                where = f" in {col}" if col else " (taken from a row merged into it)"
                if target not in present:
                    message = (f"Row {row} of {label} links to '{value}'{where}, but none of "
                               f"your files holds {target_label}; {outcome}.")  # fmt: skip
                    fix = (f"Add the file with your {target_label}, or keep the policy for "
                           "this link.")  # fmt: skip
                else:
                    how = {"source_id": "record id"}.get(match_by or "source_id", match_by)
                    message = (f"Row {row} of {label} links to '{value}'{where}, which is not "
                               f"among your {target_label} (matched by {how}); {outcome}.")  # fmt: skip
                    fix = "Check the value, or add the missing record to your files."
                    if found.kept(label, "orphan"):  # a guess is only worth it in an example
                        keyed = _MATCH_COLUMN.get(match_by or "", "key")
                        close = near_miss(target, keyed, key)
                        if close:
                            message += f" The closest is '{close}': a spelling of the same record?"
                            fix = (f"If '{value}' means '{close}', write it the same way in both "
                                   "files (or map the value on the mapping page).")  # fmt: skip
                found.add(Finding(label, row, col, value, "orphan", "warning", message, fix,
                                  name, f.name))  # fmt: skip


def _merges(ledger: Ledger, files: dict, found: Findings) -> None:
    from wizard.core.staging import _KEY_INDEXES, real_id

    db = ledger.db
    for name in ENTITIES:
        t = stage_table(name)
        cols = [c for c in ("k_email", "k_domain") if c in _KEY_INDEXES[name]]
        picks = "".join(f", d.{c}, s.{c}" for c in cols)
        rows = db.execute(
            f"SELECT d.fid, d.row, d.key, d.merge_key, d.dup_of, s.fid, s.row{picks} "
            f"FROM {t} d LEFT JOIN {t} s ON s.sid = (SELECT o.sid FROM {t} o WHERE "
            f"o.key = d.dup_of AND o.dup_of IS NULL ORDER BY o.sid LIMIT 1) "
            f"WHERE d.dup_of IS NOT NULL ORDER BY d.fid, d.row"
        )
        for fid, row, key, merge_key, dup_of, sfid, srow, *keys in rows:
            label = files.get(fid, ("",))[0]
            other = files.get(sfid, ("",))[0]
            at = f"row {srow}" + ("" if other == label else f" of {other}") if srow else dup_of
            if merge_key is not None and merge_key == dup_of:
                found.add(Finding(label, row, None, dup_of, "merged", "info",
                                  f"Row {row} of {label} was converted into the record "
                                  f"{dup_of}, which is also in your files; it will be merged "
                                  "into it instead of being loaded twice.", "Nothing to do.",
                                  name))  # fmt: skip
                continue
            what, same = "record id", key
            for c, (mine, theirs) in zip(cols, zip(keys[::2], keys[1::2], strict=True),
                                         strict=True):  # fmt: skip
                if key != dup_of and mine is not None and mine == theirs:
                    what, same = _WHAT[c], mine
                    break
            found.add(Finding(label, row, None, same, "duplicate", "warning",
                              f"Row {row} of {label} has the same {what} ('{same}') as {at}; "
                              "it will be merged into that record, not loaded twice.",
                              f"Check that they are the same; if not, give one a different "
                              f"{what}.", name))  # fmt: skip
        # the same email or domain on records with ids of their own: both load, said
        for c in cols:
            rows = db.execute(
                f"SELECT fid, row, {c}, key, FIRST_VALUE(fid) OVER w, FIRST_VALUE(row) OVER w, "
                f"FIRST_VALUE(key) OVER w, ROW_NUMBER() OVER w FROM {t} WHERE {c} IN (SELECT "
                f"{c} FROM {t} WHERE {c} IS NOT NULL AND dup_of IS NULL AND reason IS NULL AND "
                f"{real_id('key')} GROUP BY {c} HAVING COUNT(DISTINCT key) > 1) AND dup_of IS "
                f"NULL AND reason IS NULL AND {real_id('key')} "
                f"WINDOW w AS (PARTITION BY {c} ORDER BY sid) ORDER BY fid, row"
            )
            for fid, row, same, key, ofid, orow, okey, n in rows:
                if n == 1 or key == okey:
                    continue
                label = files.get(fid, ("",))[0]
                other = files.get(ofid, ("",))[0]
                at = f"row {orow}" + ("" if other == label else f" of {other}")
                what = _WHAT[c]
                found.add(Finding(label, row, None, same, "possible_duplicate", "info",
                                  f"Row {row} of {label} has the same {what} ('{same}') as "
                                  f"{at}, but its own record id ('{key}'); both are loaded, "
                                  "kept apart.", "Check whether they are the same; merge them "
                                  "in the new CRM if they are.", name))  # fmt: skip
