"""The sample rehearsal: a mock migration of a few hundred records that keeps its links.

Companies are drawn in a seeded random order, each with everything that hangs on it (its
contacts, the deals of the company or of those contacts, the activities of any of them) until
the sample reaches the size the admin asked for; the companies they belong to (parents) come
too, so links stay whole. Everything else is left out of the rehearsal: its rows stay in the
ledger with the phase ``outside_sample`` and are counted as deferred, so every file's rows still
add up. Owners are small and everything points at them: they all come. Works set-based in
SQLite (no per-row Python), in the sample's own ledger.
"""

from __future__ import annotations

from wizard.core.ledger import Ledger, stage_table
from wizard.core.staging import parent_key

OUTSIDE = "outside_sample"
_MAX_PARENT_LEVELS = 5


def draw_sample(ledger: Ledger, size: int, seed: int = 1) -> dict[str, int]:
    """Mark what stays out of the sample; returns the records kept per entity."""
    db = ledger.db
    co, c, d, a = (stage_table(e) for e in ("company", "contact", "deal", "activity"))
    company, contact, deal = parent_key("company"), parent_key("contact"), parent_key("deal")
    with ledger.transaction():
        for name in ("pick", "cluster", "chosen_company"):
            db.execute(f"DROP TABLE IF EXISTS temp.{name}")
        # each company's cluster: itself, and the contacts, deals and activities that name it
        db.execute(
            "CREATE TEMP TABLE cluster AS SELECT k, SUM(n) AS n FROM ("
            f"SELECT {company} AS k, COUNT(*) AS n FROM {c} GROUP BY 1 UNION ALL "
            f"SELECT {company}, COUNT(*) FROM {d} GROUP BY 1 UNION ALL "
            f"SELECT {company}, COUNT(*) FROM {a} GROUP BY 1 UNION ALL "
            # deals and activities that name only a contact count for the contact's company
            f"SELECT {parent_key('company', 'x')}, COUNT(*) FROM {d} y JOIN {c} x ON x.key = "
            f"{parent_key('contact', 'y')} WHERE {parent_key('company', 'y')} IS NULL GROUP BY 1 "
            f"UNION ALL SELECT {parent_key('company', 'x')}, COUNT(*) FROM {a} y JOIN {c} x ON "
            f"x.key = {parent_key('contact', 'y')} WHERE {parent_key('company', 'y')} IS NULL "
            "GROUP BY 1) WHERE k IS NOT NULL GROUP BY k"
        )
        db.execute("CREATE INDEX temp.cluster_k ON cluster(k)")
        db.execute(
            "CREATE TEMP TABLE pick AS SELECT s.key AS key, 1 + COALESCE(x.n, 0) AS n, "
            # a seeded shuffle: a multiplicative hash of the row id
            "((s.sid * 2654435761 + ?) % 4294967296) AS shuffle "
            f"FROM {co} s LEFT JOIN cluster x ON x.k = s.key "
            "WHERE s.reason IS NULL AND s.dup_of IS NULL",
            (seed * 40503,),
        )
        db.execute(
            "CREATE TEMP TABLE chosen_company AS SELECT key FROM ("
            "SELECT key, SUM(n) OVER (ORDER BY shuffle ROWS UNBOUNDED PRECEDING) - n AS before "
            "FROM pick) WHERE before < ?",
            (size,),
        )
        db.execute("CREATE INDEX temp.chosen_company_key ON chosen_company(key)")
        for _ in range(_MAX_PARENT_LEVELS):  # parents of chosen companies come too
            added = db.execute(
                f"INSERT INTO chosen_company SELECT DISTINCT {parent_key('parent_company', 's')} "
                f"FROM {co} s JOIN chosen_company k ON k.key = s.key WHERE "
                f"{parent_key('parent_company', 's')} IS NOT NULL AND "
                f"{parent_key('parent_company', 's')} NOT IN (SELECT key FROM chosen_company)"
            ).rowcount
            if not added:
                break
        # duplicates of chosen rows follow them (they merge into them)
        db.execute(f"UPDATE {co} SET phase=? WHERE key NOT IN (SELECT key FROM chosen_company) "
                   "AND COALESCE(dup_of, '') NOT IN (SELECT key FROM chosen_company)",
                   (OUTSIDE,))  # fmt: skip
        db.execute(f"UPDATE {c} SET phase=? WHERE COALESCE({company}, '') NOT IN "
                   "(SELECT key FROM chosen_company)", (OUTSIDE,))  # fmt: skip
        kept_contacts = f"SELECT key FROM {c} WHERE phase != '{OUTSIDE}'"
        db.execute(f"UPDATE {d} SET phase=? WHERE COALESCE({company}, '') NOT IN "
                   f"(SELECT key FROM chosen_company) AND COALESCE({contact}, '') NOT IN "
                   f"({kept_contacts})", (OUTSIDE,))  # fmt: skip
        kept_deals = f"SELECT key FROM {d} WHERE phase != '{OUTSIDE}'"
        db.execute(f"UPDATE {a} SET phase=? WHERE COALESCE({company}, '') NOT IN "
                   f"(SELECT key FROM chosen_company) AND COALESCE({contact}, '') NOT IN "
                   f"({kept_contacts}) AND COALESCE({deal}, '') NOT IN ({kept_deals})",
                   (OUTSIDE,))  # fmt: skip
        for name in ("pick", "cluster", "chosen_company"):
            db.execute(f"DROP TABLE temp.{name}")
    kept = {}
    for entity in ("owner", "company", "contact", "deal", "activity"):
        kept[entity] = db.execute(
            f"SELECT COUNT(*) FROM {stage_table(entity)} WHERE phase != ? AND dup_of IS NULL",
            (OUTSIDE,),
        ).fetchone()[0]
    return kept
