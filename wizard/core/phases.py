"""The phase planner: the order in which records enter the new CRM.

Parents before children: Owners, Companies, Contacts (not active), Deals, Activities, and
**Active sales contacts LAST**, with the deals and activities that hang on them. A phase can
start only when every phase before it has completed.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.core.errors import CutoverError
from wizard.core.plan import Plan

PENDING, RUNNING, PAUSED, COMPLETED, FAILED = "pending", "running", "paused", "completed", "failed"
READY = "ready"  # not stored: a pending phase whose earlier phases have all completed
STATES = (PENDING, READY, RUNNING, PAUSED, COMPLETED, FAILED)


@dataclass(frozen=True)
class PhaseDef:
    name: str
    label: str
    entities: tuple[str, ...]
    about: str


PHASES: tuple[PhaseDef, ...] = (
    PhaseDef("owners", "Owners", ("owner",),
             "The people who own records, so every record can keep its owner."),
    PhaseDef("companies", "Companies", ("company",),
             "Companies, parent companies before their subsidiaries."),
    PhaseDef("contacts", "Contacts (not active)", ("contact",),
             "Contacts that are not active sales contacts, linked to their companies."),
    PhaseDef("deals", "Deals", ("deal",),
             "Deals, linked to their companies and contacts."),
    PhaseDef("activities", "Activities", ("activity",),
             "Emails, calls, meetings, notes and tasks, linked to what they are about."),
    PhaseDef("active", "Active sales contacts", ("contact", "deal", "activity"),
             "Active sales contacts last, with their deals and activities, once everything "
             "else is in place."),
)  # fmt: skip
BY_NAME = {p.name: p for p in PHASES}
HOME = {"owner": "owners", "company": "companies", "contact": "contacts", "deal": "deals",
        "activity": "activities"}  # fmt: skip


class RefusedError(CutoverError):
    """A step the method does not allow now (phase order, a gate)."""


def phase_list(plan: Plan) -> list[PhaseDef]:
    """The phases this plan needs, in order: those with an entity some source maps to (or
    that the plan makes from references)."""
    entities = {s.entity for s in plan.sources if s.entity} | {d["entity"] for d in plan.derived}
    return [p for p in PHASES if entities & set(p.entities)]


def find(name: str, phases: list[PhaseDef] | None = None) -> PhaseDef:
    wanted = name.strip().lower().replace(" ", "_")
    aliases = {"active_sales_contacts": "active", "owner": "owners", "company": "companies",
               "contact": "contacts", "deal": "deals", "activity": "activities"}  # fmt: skip
    wanted = aliases.get(wanted, wanted)
    for p in phases or PHASES:
        if p.name == wanted:
            return p
    names = ", ".join(p.name for p in phases or PHASES)
    raise CutoverError(f"There is no phase called '{name}'.", f"The phases are: {names}.")
