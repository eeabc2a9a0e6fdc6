"""The method's checkpoint: the testing buffer, the QA checklist, spot checks, sign-off, and the
gate that keeps the live cutover (and active sales contacts above all) locked until they are
done.

- The **buffer** starts when the full sandbox rehearsal completes and lasts
  ``ProjectState.buffer_days`` (30 by default): "day N of 30", and the day the live cutover
  unlocks.
- The **checklist** has three groups from the method. Automated items tick themselves from the
  sandbox and its ledger; human ones record who decided and when. An automated item that fails
  can be *accepted* by a person, with a comment (a rejected row the business does not want).
- **Spot checks** are real records drawn at random from the sandbox, each shown beside its
  source row and its links; the tester marks each pass or fail with a comment.
- **Sign-off** needs every item passed or accepted, and a name.
- The **gate**: every live phase waits for the buffer; the active sales contacts phase also
  waits for the sign-off. Each lock can be lifted only by an override with a typed reason,
  kept in the project and written into the ledger's journal.
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from wizard.core.blueprint import ENTITIES, FieldType
from wizard.core.clock import SYSTEM, Clock
from wizard.core.errors import CutoverError
from wizard.core.ledger import outcome_table, stage_table
from wizard.core.project import ProjectState
from wizard.core.runner import accounting

if TYPE_CHECKING:
    from wizard.core.migration import Counted, Migration

QUALITY, CONSISTENCY, ACCESSIBILITY = "quality", "consistency", "accessibility"
GROUPS = {
    QUALITY: "Quality: nothing is missing",
    CONSISTENCY: "Consistency: formats match the new structure",
    ACCESSIBILITY: "Accessibility: people can find their data",
}
SPOT_CHECKS_WANTED = 10
PASSED, FAILED, OPEN, ACCEPTED = "passed", "failed", "open", "accepted"
BUFFER, QA_GATE = "buffer", "qa"


@dataclass(frozen=True)
class ItemDef:
    id: str
    group: str
    title: str
    auto: bool  # ticks itself; a person may accept it when it fails
    how: str  # what it checks, or what the person confirms


ITEMS = (
    ItemDef("quality.counts", QUALITY, "Record and link counts match for every kind of record",
            True, "Every phase completed; every file's rows add up; the sandbox holds as many "
            "records and links as this project loaded, and no link points to nothing."),
    ItemDef("quality.rejected", QUALITY, "Rejected rows are resolved or accepted", True,
            "No row was rejected, or a person accepts the ones left (listed in each phase's "
            "error file) with a comment."),
    ItemDef("consistency.picklists", CONSISTENCY, "Picklist values are the new CRM's options",
            True, "Every stage, lifecycle stage and activity type in the sandbox is one of the "
            "new CRM's values."),
    ItemDef("consistency.dates", CONSISTENCY, "Dates are in the new CRM's format", True,
            "Every date in the sandbox is a real date written year-month-day."),
    ItemDef("consistency.phones", CONSISTENCY, "Phone numbers are in international format", True,
            "Every phone number in the sandbox is written +country code and number (E.164)."),
    ItemDef("accessibility.spot_checks", ACCESSIBILITY, "Spot checks of real records pass", True,
            f"At least {SPOT_CHECKS_WANTED} records drawn at random were checked beside their "
            "source rows and links, and none failed (or the failures are accepted)."),
    ItemDef("accessibility.find_own", ACCESSIBILITY,
            "The sales team found their own records in the sandbox", False,
            "People who will use the new CRM looked up their own companies, contacts and deals "
            "in the sandbox and found them with their history."),
)  # fmt: skip
BY_ID = {i.id: i for i in ITEMS}


@dataclass
class Buffer:
    started: datetime | None
    days: int
    today: date

    @property
    def day(self) -> int | None:
        return None if self.started is None else (self.today - self.started.date()).days

    @property
    def unlocks(self) -> date | None:
        return None if self.started is None else self.started.date() + timedelta(days=self.days)

    @property
    def elapsed(self) -> bool:
        return self.day is not None and self.day >= self.days

    def describe(self) -> str:
        if self.started is None:
            return "The testing buffer starts when the full sandbox rehearsal completes."
        if self.elapsed:
            return (f"The {self.days}-day testing buffer is over (day {self.day}): the live "
                    f"cutover unlocked on {self.unlocks:%d %B %Y}.")  # fmt: skip
        return (f"Day {self.day} of {self.days} of the testing buffer: the live cutover unlocks "
                f"on {self.unlocks:%d %B %Y}.")  # fmt: skip


def buffer(state: ProjectState, clock: Clock = SYSTEM) -> Buffer:
    started = (
        datetime.fromisoformat(state.rehearsal_completed) if state.rehearsal_completed else None
    )
    return Buffer(started, state.buffer_days, clock.now().date())


@dataclass
class ItemStatus:
    item: ItemDef
    status: str  # passed, failed, open, accepted
    detail: str = ""
    by: str = ""
    at: str = ""
    comment: str = ""

    @property
    def final(self) -> bool:
        return self.status in (PASSED, ACCEPTED)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.item.id, "group": self.item.group, "title": self.item.title,
                "automated": self.item.auto, "status": self.status, "detail": self.detail,
                "by": self.by, "at": self.at, "comment": self.comment}  # fmt: skip


# -- the automated checks --------------------------------------------------------------------
def _counts(mig: Migration, counted: Counted | None = None) -> tuple[bool, str]:
    plan = mig.saved_plan()
    if plan is None:
        return False, "No plan yet."
    problems = []
    census, recs = counted or mig.counted(plan)
    for phase in mig.phases(plan):
        if not mig.is_done(phase):
            problems.append(f"'{phase.label}' has not completed")
            continue
        for acc in accounting(mig.ledger, phase, census):
            if not acc.balanced:
                problems.append(f"{acc.label}: {acc.read:,} read, {acc.accounted:,} accounted")
        for rec in (recs[e] for e in dict.fromkeys(phase.entities)):
            if not rec.ok:
                problems += rec.lines()
    if problems:
        return False, "; ".join(problems[:4])
    return True, "Every phase completed; counts and links match what this project loaded."


def _rejected(mig: Migration) -> tuple[bool, str]:
    n = mig.ledger.db.execute("SELECT COUNT(*) FROM outcomes WHERE outcome='rejected'").fetchone()[
        0
    ]
    if not n:
        return True, "No row was rejected."
    return False, f"{n:,} rows were rejected (see the error files in the exports folder)."


def _bad_values(db: sqlite3.Connection, kind: str,
                added: dict[str, list[str]] | None = None) -> tuple[int, list[str]]:  # fmt: skip
    """Values in the sandbox that break the new structure: (count, a few examples)."""
    total, examples = 0, []
    for ent in ENTITIES.values():
        for f in ent.fields:
            col, table = f.name, ent.table
            if kind == "picklists" and f.type == FieldType.PICKLIST:
                allowed = [*f.options, *(added or {}).get(f"{ent.name}.{f.name}", [])]
                marks = ",".join("?" * len(allowed))
                where, args = f"{col} != '' AND {col} NOT IN ({marks})", allowed
            elif kind == "dates" and f.type in (FieldType.DATE, FieldType.DATETIME):
                where = (f"{col} != '' AND (NOT {col} GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-"
                         f"[0-3][0-9]*' OR date(substr({col}, 1, 10)) IS NULL)")  # fmt: skip
                args = []
            elif kind == "phones" and f.type == FieldType.PHONE:
                # E.164, with an extension as RFC 3966 writes it (';ext=12')
                number = f"(CASE WHEN instr({col}, ';ext=') THEN substr({col}, 1, instr({col}, " \
                         f"';ext=') - 1) ELSE {col} END)"  # fmt: skip
                where, args = f"{col} != '' AND NOT ({number} GLOB '+[1-9]*' AND NOT " \
                              f"substr({number}, 2) GLOB '*[^0-9]*')", []  # fmt: skip
            else:
                continue
            n = db.execute(f"SELECT COUNT(*) FROM {table} WHERE {col} IS NOT NULL AND {where}",
                           args).fetchone()[0]  # fmt: skip
            if n:
                total += n
                for (v,) in db.execute(f"SELECT {col} FROM {table} WHERE {col} IS NOT NULL AND "
                                       f"{where} LIMIT 2", args):  # fmt: skip
                    examples.append(f"{ent.label} {f.label.lower()} '{v}'")
    return total, examples


def _consistency(mig: Migration, kind: str) -> tuple[bool, str]:
    db = getattr(mig.target, "db", None)
    if db is None:
        return False, "This target cannot be checked here."
    plan = mig.saved_plan()
    n, examples = _bad_values(db, kind, plan.options if plan else None)
    if not n:
        return True, "Every value checked matches."
    return False, f"{n:,} values do not match, e.g. " + ", ".join(examples[:3]) + "."


def _spot(state: ProjectState) -> tuple[bool | None, str]:
    done = state.spot_checks
    failed = [c for c in done if c.get("result") == "fail"]
    if failed:
        return False, f"{len(failed)} of {len(done)} spot checks failed."
    if len(done) < SPOT_CHECKS_WANTED:
        return None, f"{len(done)} of {SPOT_CHECKS_WANTED} spot checks done."
    return True, f"{len(done)} spot checks passed."


Checks = dict[str, tuple[bool | None, str]]  # item id -> (passed; None: a person decides, detail)


def automated(mig: Migration, counted: Counted | None = None) -> Checks:
    """What the automated items find in the sandbox now (``counted``: its rows counted and its
    entities reconciled, when the caller has them, see ``Migration.counted``). Seconds on a million
    rows: the wizard runs it in its worker, and what a person decides does not run it again
    (see :func:`statuses`)."""
    out: Checks = {}
    for item in ITEMS:
        if item.id == "quality.counts":
            out[item.id] = _counts(mig, counted)
        elif item.id == "quality.rejected":
            out[item.id] = _rejected(mig)
        elif item.id.startswith("consistency."):
            out[item.id] = _consistency(mig, item.id.split(".", 1)[1])
    return out


def statuses(state: ProjectState, checks: Checks) -> list[ItemStatus]:
    """Every checklist item's status from the automated findings (an item ``checks`` lacks
    is not checked yet: open) and what people decided."""
    out = []
    for item in ITEMS:
        decision = state.checklist.get(item.id, {})
        ok, detail = checks.get(item.id, (None, item.how))
        if item.id == "accessibility.spot_checks":
            ok, detail = _spot(state)  # the spot checks are the state's own: always current
        if ok:
            status = PASSED
        elif decision.get("status") in (ACCEPTED, PASSED):
            status = decision["status"] if not item.auto else ACCEPTED
        elif ok is None:
            status = OPEN
        else:
            status = FAILED if item.auto else OPEN
        out.append(ItemStatus(item, status, detail, decision.get("by", ""),
                              decision.get("at", ""), decision.get("comment", "")))  # fmt: skip
    return out


def evaluate(state: ProjectState, mig: Migration,
             counted: Counted | None = None) -> list[ItemStatus]:  # fmt: skip
    """Every checklist item's status now (``mig`` is the sandbox; ``counted``: as for
    :func:`automated`)."""
    return statuses(state, automated(mig, counted))


def decide(state: ProjectState, item_id: str, by: str, comment: str = "",
           clock: Clock = SYSTEM) -> None:  # fmt: skip
    """A person's decision on an item: confirms a human item, or accepts a failed automated
    one (a comment is then required: why it is acceptable)."""
    item = BY_ID[item_id]
    if not by.strip():
        raise CutoverError("Type your name: every decision on the checklist is signed.")
    if item.auto and not comment.strip():
        raise CutoverError("Say why this is acceptable in the comment.",
                           "The comment goes into the cutover report.")  # fmt: skip
    status = ACCEPTED if item.auto else PASSED
    state.checklist[item_id] = {"status": status, "by": by.strip(), "comment": comment.strip(),
                                "at": clock.now().isoformat(timespec="seconds")}  # fmt: skip
    state.signoff = None  # a changed checklist needs a new sign-off


def finalized(items: list[ItemStatus]) -> bool:
    return all(i.final for i in items)


def sign_off(state: ProjectState, items: list[ItemStatus], by: str,
             clock: Clock = SYSTEM) -> None:  # fmt: skip
    if not by.strip():
        raise CutoverError("Type the name of the person who signs off.")
    left = [i.item.title for i in items if not i.final]
    if left:
        raise CutoverError("QA cannot be signed off yet: " + "; ".join(left) + ".",
                           "Finish or accept these items first.")  # fmt: skip
    state.signoff = {"by": by.strip(), "at": clock.now().isoformat(timespec="seconds")}


# -- spot checks -------------------------------------------------------------------------------
@dataclass
class SpotRecord:
    """One record of the sandbox, beside its source row and its links."""

    entity: str
    target_id: int
    source_id: str
    record: dict[str, Any]
    source_row: dict[str, str]
    source_where: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (what, description)

    @property
    def title(self) -> str:
        ent = ENTITIES[self.entity]
        name = (
            self.record.get("name")
            or " ".join(str(self.record.get(k) or "") for k in ("first_name", "last_name")).strip()
            or self.record.get("subject")
            or self.record.get("email")
            or self.source_id
        )
        return f"{ent.record.capitalize()} '{name}'"


def draw_spot_checks(mig: Migration, n: int = SPOT_CHECKS_WANTED, seed: int | None = None,
                     exclude: set[tuple[str, str]] | None = None) -> list[tuple[str, str]]:  # fmt: skip
    """``n`` records loaded into the sandbox, drawn at random across entities: (entity,
    source id)."""
    exclude = exclude or set()
    rows = mig.ledger.db.execute(
        "SELECT entity, source_id FROM crosswalk WHERE created=1"
    ).fetchall()
    pool = [r for r in rows if (r[0], r[1]) not in exclude]
    rng = random.Random(seed)
    by_entity: dict[str, list[tuple[str, str]]] = {}
    for r in pool:
        by_entity.setdefault(r[0], []).append(r)
    picked: list[tuple[str, str]] = []
    entities = sorted(by_entity)
    while len(picked) < n and any(by_entity.values()):
        for e in entities:  # round robin: every entity gets checked
            if by_entity[e] and len(picked) < n:
                picked.append(by_entity[e].pop(rng.randrange(len(by_entity[e]))))
    return picked


def spot_record(mig: Migration, entity: str, source_id: str) -> SpotRecord:
    db = mig.target.db  # type: ignore[attr-defined]
    ent = ENTITIES[entity]
    target_id = mig.ledger.db.execute(
        "SELECT target_id FROM crosswalk WHERE entity=? AND source_id=?", (entity, source_id)
    ).fetchone()[0]
    cur = db.execute(f"SELECT * FROM {ent.table} WHERE id=?", (target_id,))
    values = cur.fetchone()
    record = dict(zip([d[0] for d in cur.description], values or (), strict=False))
    props = json.loads(record.pop("properties", "{}") or "{}")
    record.update({f"custom: {k}": v for k, v in props.items()})
    found = mig.ledger.db.execute(
        f"SELECT f.label, s.row FROM {outcome_table(entity)} o JOIN {stage_table(entity)} s ON "
        "s.sid=o.sid JOIN files f ON f.fid=s.fid WHERE o.target_id=? AND o.outcome IN "
        "('loaded','updated','unchanged') LIMIT 1", (target_id,)
    ).fetchone()  # fmt: skip
    source_row = mig.staged_row(found[0], found[1]) if found else {}
    where = (
        f"{found[0]}, row {found[1]}" if found else "(not found among the rows this project read)"
    )
    spot = SpotRecord(entity, target_id, source_id, record, source_row, where)
    spot.links = _links(db, entity, record)
    return spot


def _links(db: sqlite3.Connection, entity: str, record: dict[str, Any]) -> list[tuple[str, str]]:
    """company -> contacts -> deals -> activities, seen from the record."""
    out: list[tuple[str, str]] = []
    rid = record.get("id")

    def names(table: str, where: str, arg: object, label: str, limit: int = 5) -> None:
        total = db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", (arg,)).fetchone()[0]
        if not total:
            out.append((label, "none"))
            return
        cols = {"companies": "name", "contacts": "trim(coalesce(first_name,'') || ' ' || "
                "coalesce(last_name,''))", "deals": "name", "activities": "subject"}[table]  # fmt: skip
        shown = [str(v) for (v,) in db.execute(
            f"SELECT {cols} FROM {table} WHERE {where} ORDER BY id LIMIT {limit}", (arg,))]  # fmt: skip
        more = f" and {total - len(shown)} more" if total > len(shown) else ""
        out.append((label, f"{total}: " + ", ".join(shown) + more))

    if entity in ("contact", "deal", "activity") and record.get("company_id"):
        names("companies", "id=?", record["company_id"], "Company")
    if entity in ("deal", "activity") and record.get("contact_id"):
        names("contacts", "id=?", record["contact_id"], "Contact")
    if entity == "activity" and record.get("deal_id"):
        names("deals", "id=?", record["deal_id"], "Deal")
    if entity == "company":
        names("contacts", "company_id=?", rid, "Contacts")
        names("deals", "company_id=?", rid, "Deals")
        names("activities", "company_id=?", rid, "Activities")
    elif entity == "contact":
        names("deals", "contact_id=?", rid, "Deals")
        names("activities", "contact_id=?", rid, "Activities")
    elif entity == "deal":
        names("activities", "deal_id=?", rid, "Activities")
    return out


def record_spot_check(state: ProjectState, spot: SpotRecord, result: str, by: str,
                      comment: str = "", clock: Clock = SYSTEM) -> None:  # fmt: skip
    if result not in ("pass", "fail"):
        raise ValueError(result)
    if not by.strip():
        raise CutoverError("Type your name: every spot check is signed.")
    if result == "fail" and not comment.strip():
        raise CutoverError("Say what is wrong in the comment.",
                           "A failed spot check goes into the cutover report with it.")  # fmt: skip
    state.spot_checks = [c for c in state.spot_checks
                         if (c["entity"], c["source_id"]) != (spot.entity, spot.source_id)]  # fmt: skip
    state.spot_checks.append({
        "entity": spot.entity, "source_id": spot.source_id, "target_id": spot.target_id,
        "title": spot.title, "result": result, "comment": comment.strip(), "by": by.strip(),
        "at": clock.now().isoformat(timespec="seconds"),
    })  # fmt: skip
    state.signoff = None if result == "fail" else state.signoff


# -- the gate ----------------------------------------------------------------------------------
@dataclass
class Lock:
    kind: str  # buffer or qa
    reason: str  # in plain words


def live_locks(state: ProjectState, phase: str, clock: Clock = SYSTEM) -> list[Lock]:
    """What keeps ``phase`` of the live cutover locked now; overridden locks are left out."""
    overridden = {o["gate"] for o in state.overrides}
    locks = []
    buf = buffer(state, clock)
    if not buf.elapsed and BUFFER not in overridden:
        if buf.started is None:
            reason = ("The full sandbox rehearsal has not completed yet: rehearse every phase "
                      "in the sandbox first, then keep the testing buffer.")  # fmt: skip
        else:
            reason = (f"The testing buffer is still running (day {buf.day} of {buf.days}); the "
                      f"live cutover unlocks on {buf.unlocks:%d %B %Y}.")  # fmt: skip
        locks.append(Lock(BUFFER, reason))
    if phase == "active" and state.signoff is None and QA_GATE not in overridden:
        locks.append(Lock(QA_GATE, "Active sales contacts go live last, only after QA is signed "
                                   "off, and it is not signed off yet."))  # fmt: skip
    return locks


def override(state: ProjectState, kind: str, reason: str, by: str, ledger=None,
             clock: Clock = SYSTEM) -> None:  # fmt: skip
    """Lift a lock of the golden rule: only with a typed reason and a name, kept in the
    project and the journal, and printed in the report."""
    if kind not in (BUFFER, QA_GATE):
        raise ValueError(kind)
    if len(reason.strip()) < 10:
        raise CutoverError("Type the reason for the override (at least a full sentence).",
                           "It is written into the journal and the cutover report.")  # fmt: skip
    if not by.strip():
        raise CutoverError("Type your name: an override is signed.")
    at = clock.now().isoformat(timespec="seconds")
    state.overrides.append({"gate": kind, "reason": reason.strip(), "by": by.strip(), "at": at})
    if ledger is not None:
        run = ledger.start_run("override", None, kind)
        ledger.end_run(run, "recorded", 0, f"{by.strip()}: {reason.strip()}")
